//! Where a generation's memory comes from, and how it goes back without a pause.
//!
//! Go's incremental growth bounds the work of every insert, but memory has costs of its own
//! that grow with the array: freeing a large array hands every one of its pages back to the
//! kernel in one call, and a transparent huge page is zeroed whole, 2 MiB at once, on its first
//! touch. Either would land on one unlucky write. So, on Linux:
//!
//! - a large bucket array ([`MAPPED_ARRAY`] bytes and up) is mapped straight from the kernel,
//!   with huge pages declined, so pages arrive zeroed and lazily, 4 KiB at a time, as
//!   evacuation first touches them;
//! - when a grow ends, the old array is not freed at once: it becomes a [`Retired`] block that
//!   each later write hands back [`RELEASE_STEP`] bytes at a time;
//! - overflow buckets come from an [`Arena`] of chunks no bigger than [`ARENA_CHUNK_MAX`]; a
//!   large old generation's chunks are not freed but handed to the new generation's arena,
//!   which needs about as many overflow buckets, so they cost neither a free nor fresh pages.
//!
//! Elsewhere, and for small arrays, memory comes from the global allocator and is freed at once.
//! docs/performance.md ("Latency") has the measurements behind each number.

use core::alloc::Layout;
use core::ptr::NonNull;
use std::alloc::{alloc_zeroed, dealloc};

use bumpalo::Bump;

/// Arrays at least this big are mapped from the kernel (Linux) so they can go back piecewise.
pub(crate) const MAPPED_ARRAY: usize = 1 << 20;
/// Bytes of a retired array given back per write: small enough that one step costs a few
/// microseconds of page freeing.
pub(crate) const RELEASE_STEP: usize = 64 << 10;
/// The first chunk of an overflow arena (what a plain `Bump` starts with).
const ARENA_CHUNK_MIN: usize = 448;
/// The largest chunk the overflow arena takes from the allocator at once.
pub(crate) const ARENA_CHUNK_MAX: usize = 256 << 10;

/// A bucket array's memory: zeroed when made, freed on drop or retired piecewise.
pub(crate) struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
    /// Mapped from the kernel (length rounded up to the page size), not the global allocator.
    mapped: bool,
}

impl Block {
    /// `layout.size()` zeroed bytes. `None` when the memory cannot be had.
    pub(crate) fn zeroed(layout: Layout) -> Option<Block> {
        if layout.size() >= MAPPED_ARRAY {
            if let Some(ptr) = os::map(layout) {
                return Some(Block { ptr, layout, mapped: true });
            }
        }
        // SAFETY: the layout's size is non-zero (a bucket holds at least tophash and a pointer).
        let ptr = NonNull::new(unsafe { alloc_zeroed(layout) })?;
        Some(Block { ptr, layout, mapped: false })
    }

    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    /// Whether the block was mapped from the kernel (it is large).
    pub(crate) fn is_mapped(&self) -> bool {
        self.mapped
    }

    /// Gives the memory up for piecewise release: mapped blocks become a [`Retired`], others
    /// are freed now (they are small).
    pub(crate) fn retire(self) -> Option<Retired> {
        let this = core::mem::ManuallyDrop::new(self);
        if !this.mapped {
            // SAFETY: allocated by `alloc_zeroed` with this layout; `this` is never used again.
            unsafe { dealloc(this.ptr.as_ptr(), this.layout) };
            return None;
        }
        Some(Retired { ptr: this.ptr, len: os::round_to_pages(this.layout.size()) })
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if self.mapped {
            // SAFETY: the whole mapping made by `os::map` for this layout, unmapped once.
            unsafe { os::unmap(self.ptr.as_ptr(), os::round_to_pages(self.layout.size())) };
        } else {
            // SAFETY: allocated by `alloc_zeroed` with this layout.
            unsafe { dealloc(self.ptr.as_ptr(), self.layout) };
        }
    }
}

/// A finished generation's array, going back to the kernel a step per write.
pub(crate) struct Retired {
    /// The pages not yet unmapped: `[ptr, ptr + len)`, released from the top down.
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a Retired holds memory that nothing reads any more (every entry has been evacuated out
// of it); it only gives it back, through `&mut` or on drop.
unsafe impl Send for Retired {}
// SAFETY: as above; `&Retired` allows nothing at all.
unsafe impl Sync for Retired {}

impl Retired {
    /// Gives back [`RELEASE_STEP`] bytes of the array. Returns whether anything is left.
    pub(crate) fn release_step(&mut self) -> bool {
        let step = self.len.min(RELEASE_STEP);
        self.len -= step;
        // SAFETY: `[ptr + len, ptr + len + step)` is the top of the still-mapped part of a
        // mapping made by `os::map`; it is unmapped once and never read again.
        unsafe { os::unmap(self.ptr.as_ptr().add(self.len), step) };
        self.len > 0
    }
}

impl Drop for Retired {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the still-mapped part of the mapping, unmapped once.
            unsafe { os::unmap(self.ptr.as_ptr(), self.len) };
        }
    }
}

/// Where overflow buckets beyond the preallocated ones come from: bump allocation in chunks
/// that double from a few buckets up to [`ARENA_CHUNK_MAX`], each chunk a `Bump` of its own so
/// that chunks can move between arenas. Chunks are freed with the generation, or passed on.
#[derive(Default)]
pub(crate) struct Arena {
    /// Chunks in use, the newest last.
    chunks: Vec<Bump>,
    /// Emptied chunks from a finished generation, used before the allocator is asked again.
    spare: Vec<Bump>,
}

// SAFETY: `Bump` is not `Sync`; the map only allocates from the arena through `&mut` (see
// `BucketArray::alloc_overflow`), so sharing `&BucketArray` between threads never touches it.
unsafe impl Sync for Arena {}

impl Arena {
    /// Memory for one `layout`, uninitialised. Aborts on allocation failure, as std does.
    pub(crate) fn alloc(&mut self, layout: Layout) -> NonNull<u8> {
        if let Some(p) = self.chunks.last().and_then(|c| c.try_alloc_layout(layout).ok()) {
            return p;
        }
        if let Some(mut c) = self.spare.pop() {
            c.reset();
            if let Ok(p) = c.try_alloc_layout(layout) {
                self.chunks.push(c);
                return p;
            }
        }
        let last = self.chunks.last().map_or(0, Bump::allocated_bytes);
        let want = (2 * last).clamp(ARENA_CHUNK_MIN, ARENA_CHUNK_MAX).max(layout.size());
        let chunk = Bump::with_capacity(want);
        let p = chunk.alloc_layout(layout);
        // One chunk per Bump: once full it refuses, and the next allocation starts a new Bump.
        chunk.set_allocation_limit(Some(chunk.allocated_bytes()));
        self.chunks.push(chunk);
        p
    }

    /// Bytes taken from the allocator, spare chunks included.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.chunks.iter().chain(&self.spare).map(Bump::allocated_bytes).sum()
    }

    /// Frees every chunk.
    pub(crate) fn reset(&mut self) {
        self.chunks.clear();
        self.spare.clear();
    }

    /// Takes over `old`'s chunks as spares: every bucket in them is dead (its generation has
    /// been evacuated), and this arena is about to need as many.
    pub(crate) fn recycle(&mut self, old: Arena) {
        self.spare.extend(old.chunks);
        self.spare.extend(old.spare);
    }
}

#[cfg(target_os = "linux")]
mod os {
    use core::alloc::Layout;
    use core::ptr::NonNull;

    fn page_size() -> usize {
        // SAFETY: sysconf only reads a system constant.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if p > 0 {
            p as usize
        } else {
            4096
        }
    }

    pub(super) fn round_to_pages(n: usize) -> usize {
        n.next_multiple_of(page_size())
    }

    /// An anonymous private mapping of `layout.size()` bytes (zeroed by the kernel, faulted in
    /// on first touch), with transparent huge pages declined, also under THP `always`: a huge
    /// page is zeroed whole on its first touch, which would stall that one write.
    pub(super) fn map(layout: Layout) -> Option<NonNull<u8>> {
        if layout.align() > page_size() {
            return None;
        }
        let len = round_to_pages(layout.size());
        // SAFETY: a fresh anonymous mapping touches no existing memory.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: [p, p + len) is the mapping just made; the advice changes only how the kernel
        // backs it. Advisory: if it fails, nothing else changes.
        unsafe { libc::madvise(p, len, libc::MADV_NOHUGEPAGE) };
        NonNull::new(p.cast())
    }

    /// # Safety
    /// `[p, p + len)` must be page-aligned, mapped by `map`, and never used again.
    pub(super) unsafe fn unmap(p: *mut u8, len: usize) {
        // SAFETY: forwarded from the caller. munmap fails only for bad arguments, which the
        // caller rules out; there is nothing to do about a failure in a destructor anyway.
        unsafe { libc::munmap(p.cast(), len) };
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use core::alloc::Layout;
    use core::ptr::NonNull;

    pub(super) fn round_to_pages(n: usize) -> usize {
        n
    }

    /// Elsewhere every array comes from the global allocator.
    pub(super) fn map(_: Layout) -> Option<NonNull<u8>> {
        None
    }

    /// # Safety
    /// Never called: `map` never succeeds.
    pub(super) unsafe fn unmap(_: *mut u8, _: usize) {
        unreachable!("no mapped blocks off Linux")
    }
}
