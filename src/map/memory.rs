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
//!   each later write hands back [`RELEASE_STEP`] bytes at a time, or zeroes that much for a
//!   small [`Pool`] of mappings that later arrays of the same size take instead of fresh
//!   pages (a fresh page costs a fault; a program that builds maps again and again would pay
//!   for every one of them every time);
//! - overflow buckets come from an [`Arena`] of chunks no bigger than [`ARENA_CHUNK_MAX`]; a
//!   large old generation's chunks are not freed but handed to the new generation's arena,
//!   which needs about as many overflow buckets, so they cost neither a free nor fresh pages.
//!
//! Elsewhere, and for small arrays, memory comes from the global allocator and is freed at once.
//! docs/performance.md ("Latency") has the measurements behind each number.

use core::alloc::Layout;
use core::ptr::NonNull;
use std::alloc::{alloc_zeroed, dealloc};
use std::sync::{Mutex, MutexGuard, PoisonError};

use bumpalo::Bump;

/// Arrays at least this big are mapped from the kernel (Linux) so they can go back piecewise.
pub(crate) const MAPPED_ARRAY: usize = 1 << 20;
/// Whether large arrays are mapped at all. Not in sanitizer builds (`--cfg gomap_sanitize`, set
/// by scripts/sanitize.sh) nor fuzz builds (`--cfg fuzzing`, set by cargo-fuzz): AddressSanitizer
/// knows the bounds of the allocator's blocks, not of a mapping, and LeakSanitizer does not scan
/// mappings for pointers, so it took every entry only a mapped array held for a leak. Nor under
/// Miri, which checks the allocator's blocks but runs no `madvise` or `mincore`.
pub(crate) const MAP_LARGE: bool = !cfg!(any(fuzzing, gomap_sanitize, miri));
/// Bytes of a retired array given back per write: small enough that no write waits long for
/// its step, where bigger steps showed up as slow writes (docs/performance.md, "Latency").
pub(crate) const RELEASE_STEP: usize = 16 << 10;
/// Dropped pages' address range goes back in pieces this big: unmapping costs a call and a
/// page-table walk however few pages it frees, so it is done once per page table's worth.
const UNMAP_STEP: usize = 2 << 20;
/// The most bytes of zeroed mappings the [`Pool`] keeps for reuse.
pub(crate) const POOL_MAX: usize = 64 << 20;
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
    /// `layout.size()` zeroed bytes. `None` when the memory cannot be had. With `up_front`, a
    /// mapped block is faulted in before it is returned (see `os::map`).
    pub(crate) fn zeroed(layout: Layout, up_front: bool) -> Option<Block> {
        if MAP_LARGE && layout.size() >= MAPPED_ARRAY && layout.align() <= os::page_size() {
            let len = os::round_to_pages(layout.size());
            if let Some(ptr) = Pool::take(len).or_else(|| os::map(len, up_front)) {
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
        let len = os::round_to_pages(this.layout.size());
        Some(Retired { ptr: this.ptr, len, done: 0, unmapped: 0, keep: Pool::reserve(len) })
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if self.mapped {
            let len = os::round_to_pages(self.layout.size());
            // Dropping a map is O(its size) anyway; a mapping the pool has room for is zeroed
            // and kept, others go back to the kernel.
            if Pool::reserve(len) {
                // SAFETY: the whole mapping, which nothing uses any more; it is zeroed once.
                unsafe { os::zero(self.ptr.as_ptr(), len) };
                Pool::put(self.ptr, len);
            } else {
                // SAFETY: the whole mapping made by `os::map`, unmapped once.
                unsafe { os::unmap(self.ptr.as_ptr(), len) };
            }
        } else {
            // SAFETY: allocated by `alloc_zeroed` with this layout.
            unsafe { dealloc(self.ptr.as_ptr(), self.layout) };
        }
    }
}

/// Zeroed mappings waiting for an array of their length, at most [`POOL_MAX`] bytes of them
/// (taken, put back and given up whole; shared by every map of the process).
struct Pool {
    free: Vec<(NonNull<u8>, usize)>,
    /// Bytes in `free` plus bytes promised to it by retirements under way.
    reserved: usize,
}

// SAFETY: the pool holds zeroed mappings that nothing references; they are handed out whole, to
// one owner at a time, under the mutex.
unsafe impl Send for Pool {}

static POOL: Mutex<Pool> = Mutex::new(Pool { free: Vec::new(), reserved: 0 });

impl Pool {
    fn lock() -> MutexGuard<'static, Pool> {
        POOL.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A zeroed mapping of exactly `len` bytes, if one is kept.
    fn take(len: usize) -> Option<NonNull<u8>> {
        let mut pool = Self::lock();
        let i = pool.free.iter().rposition(|&(_, l)| l == len)?;
        pool.reserved -= len;
        Some(pool.free.swap_remove(i).0)
    }

    /// Promises room for a mapping of `len` bytes, if there is room.
    fn reserve(len: usize) -> bool {
        let mut pool = Self::lock();
        let room = pool.reserved + len <= POOL_MAX;
        if room {
            pool.reserved += len;
        }
        room
    }

    /// Hands over a zeroed mapping whose room was reserved.
    fn put(ptr: NonNull<u8>, len: usize) {
        Self::lock().free.push((ptr, len));
    }
}

/// A finished generation's array, going back to the kernel a step per write, or, when the pool
/// has room for it, zeroed a step per write and then kept there.
pub(crate) struct Retired {
    /// The mapping: `[ptr, ptr + len)`, of which the top `done` bytes are handled, the rest
    /// still holds the old generation's bytes.
    ptr: NonNull<u8>,
    len: usize,
    done: usize,
    /// Of the handled top, the bytes whose address range is unmapped too (or, once a kept
    /// mapping has gone to the pool, the whole length).
    unmapped: usize,
    /// Zeroing for the pool (room reserved), not unmapping.
    keep: bool,
}

// SAFETY: a Retired holds memory that nothing reads any more (every entry has been evacuated out
// of it); it only gives it back, through `&mut` or on drop.
unsafe impl Send for Retired {}
// SAFETY: a Retired's memory is read by no one, and `&Retired` allows nothing at all.
unsafe impl Sync for Retired {}

impl Retired {
    /// Drops or zeroes the next [`RELEASE_STEP`] bytes, from the top down, and unmaps dropped
    /// ranges [`UNMAP_STEP`] at a time. Returns whether anything is left; when nothing is, a
    /// zeroed mapping has gone to the pool.
    pub(crate) fn release_step(&mut self) -> bool {
        let rest = self.len - self.done;
        let step = rest.min(RELEASE_STEP);
        let p = self.ptr.as_ptr();
        // SAFETY: `[rest - step, rest)` lies in the part of the mapping not yet handled, which
        // nothing reads any more; each part is handled once.
        unsafe {
            if self.keep {
                os::zero(p.add(rest - step), step);
            } else {
                os::drop_pages(p.add(rest - step), step);
            }
        }
        self.done += step;
        if !self.keep && (self.done - self.unmapped >= UNMAP_STEP || self.done == self.len) {
            // SAFETY: `[len - done, len - unmapped)` is handled (its pages dropped) and still
            // mapped; it is unmapped once and nothing refers to it.
            unsafe { os::unmap(p.add(self.len - self.done), self.done - self.unmapped) };
            self.unmapped = self.done;
        }
        if self.done < self.len {
            return true;
        }
        if self.keep {
            Pool::put(self.ptr, self.len);
            // The pool owns the mapping now: nothing is left for `drop` to zero or unmap.
            self.keep = false;
            self.unmapped = self.len;
        }
        false
    }
}

impl Drop for Retired {
    fn drop(&mut self) {
        // Only clear, a rebuild or dropping the map end a retirement early; all are O(size).
        let p = self.ptr.as_ptr();
        if self.keep {
            // SAFETY: the unhandled bottom `[0, len - done)`, zeroed once; the whole mapping
            // then goes to the pool, which reserved room for it.
            unsafe { os::zero(p, self.len - self.done) };
            Pool::put(self.ptr, self.len);
        } else if self.unmapped < self.len {
            // SAFETY: `[0, len - unmapped)` is what is still mapped; unmapped once.
            unsafe { os::unmap(p, self.len - self.unmapped) };
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
    use core::ptr::NonNull;

    pub(super) fn page_size() -> usize {
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

    /// An anonymous private mapping of `len` bytes, zeroed by the kernel. Lazily (a grow's
    /// array), it is faulted in 4 KiB at a time on first touch, with transparent huge pages
    /// declined, also under THP `always`: a huge page is zeroed whole on its first touch, which
    /// would stall that one write. `up_front`, every page is faulted in now, in order, huge
    /// pages welcome (fewer TLB misses for the random accesses of a hash table), and the
    /// caller, who asked for the capacity, takes the whole cost.
    pub(super) fn map(len: usize, up_front: bool) -> Option<NonNull<u8>> {
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
        let advice = if up_front { libc::MADV_HUGEPAGE } else { libc::MADV_NOHUGEPAGE };
        // SAFETY: [p, p + len) is the mapping just made; the advice changes only how the kernel
        // backs it. Advisory: if it fails, nothing else changes.
        unsafe { libc::madvise(p, len, advice) };
        // SAFETY: [p, p + len) is the mapping just made; populating writes the zeros its pages
        // already read as. Where the kernel lacks MADV_POPULATE_WRITE (before 5.14), the pages
        // come on first touch.
        if up_front && unsafe { libc::madvise(p, len, libc::MADV_POPULATE_WRITE) } != 0 {
            let page = page_size();
            for at in (0..len).step_by(page) {
                // SAFETY: `at` is inside the fresh, zeroed mapping; writing its zero changes
                // nothing but makes the page present.
                unsafe { core::ptr::write_volatile(p.cast::<u8>().add(at), 0) };
            }
        }
        NonNull::new(p.cast())
    }

    /// # Safety
    /// `[p, p + len)` must be page-aligned, mapped by `map`, and never used again.
    pub(super) unsafe fn unmap(p: *mut u8, len: usize) {
        // SAFETY: forwarded from the caller. munmap fails only for bad arguments, which the
        // caller rules out; there is nothing to do about a failure in a destructor anyway.
        unsafe { libc::munmap(p.cast(), len) };
    }

    /// Gives the pages of `[p, p + len)` back to the kernel; the range stays mapped and reads
    /// as zeros.
    ///
    /// # Safety
    /// `[p, p + len)` must be page-aligned, inside a mapping made by `map`, and unused.
    pub(super) unsafe fn drop_pages(p: *mut u8, len: usize) {
        // SAFETY: forwarded from the caller; MADV_DONTNEED on a private anonymous mapping only
        // replaces its pages with the zero fill.
        unsafe { libc::madvise(p.cast(), len, libc::MADV_DONTNEED) };
    }

    /// Makes `[p, p + len)` read as zeros: pages in memory are zeroed in place (they stay, so
    /// the next user takes no faults), the others are dropped to the kernel's zero fill, which
    /// also covers a page swapped out with old contents.
    ///
    /// # Safety
    /// `[p, p + len)` must be page-aligned, inside a mapping made by `map`, and unused.
    pub(super) unsafe fn zero(p: *mut u8, len: usize) {
        // Residency is asked for this many pages at a time (no allocation on a write's path).
        const BATCH: usize = 64;
        let page = page_size();
        let mut resident = [0u8; BATCH];
        let mut base = 0;
        while base < len {
            let n = (len - base).min(BATCH * page);
            let pages = n.div_ceil(page);
            // SAFETY: [p + base, p + base + n) is mapped (caller); `resident` has room for one
            // byte per page of it.
            let known = unsafe { libc::mincore(p.add(base).cast(), n, resident.as_mut_ptr()) } == 0;
            let mut i = 0;
            while i < pages {
                let here = known && resident[i] & 1 == 1;
                let mut j = i + 1;
                while j < pages && (known && resident[j] & 1 == 1) == here {
                    j += 1;
                }
                let (at, m) = (base + i * page, (j * page).min(n) - i * page);
                // SAFETY: [p + at, p + at + m) is part of the caller's range.
                unsafe {
                    if here {
                        core::ptr::write_bytes(p.add(at), 0, m);
                    } else {
                        drop_pages(p.add(at), m);
                    }
                }
                i = j;
            }
            base += n;
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use core::ptr::NonNull;

    pub(super) fn round_to_pages(n: usize) -> usize {
        n
    }

    pub(super) fn page_size() -> usize {
        4096
    }

    /// Elsewhere every array comes from the global allocator.
    pub(super) fn map(_: usize, _: bool) -> Option<NonNull<u8>> {
        None
    }

    /// # Safety
    /// Never called: `map` never succeeds.
    pub(super) unsafe fn unmap(_: *mut u8, _: usize) {
        unreachable!("no mapped blocks off Linux")
    }

    /// # Safety
    /// Never called: `map` never succeeds.
    pub(super) unsafe fn drop_pages(_: *mut u8, _: usize) {
        unreachable!("no mapped blocks off Linux")
    }

    /// # Safety
    /// Never called: `map` never succeeds.
    pub(super) unsafe fn zero(_: *mut u8, _: usize) {
        unreachable!("no mapped blocks off Linux")
    }
}
