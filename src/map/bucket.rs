//! The bmap: one bucket's memory layout, and a generation of buckets (the array plus its
//! overflow buckets).
//!
//! Go's compiler builds a bucket type per map type; here the layout is computed from the sizes of
//! `K` and `V` as associated constants, and a bucket is addressed through [`Bucket`], a raw pointer
//! with typed accessors, whose raw-pointer contracts the engine files (`table.rs`, `hiter.rs`)
//! and the API files build on.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};
use std::alloc::handle_alloc_error;

use super::memory::{Arena, Block, Retired};
use super::msize::preallocated_overflow;

use super::{BUCKET_CNT, EMPTY_ONE, EMPTY_REST, MAX_ELEM_SIZE, MAX_KEY_SIZE, MIN_TOP_HASH};

const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The shape of a bucket for one `(K, V)`: Go's `maptype` sizes and offsets.
///
/// Layout: `tophash [8]u8`, then 8 key slots, then 8 elem slots, then the overflow pointer. A key
/// or elem over 128 bytes is stored boxed and its slot holds the pointer (Go's indirect key/elem).
pub(crate) struct Shape<K, V>(PhantomData<(K, V)>);

impl<K, V> Shape<K, V> {
    pub(crate) const INDIRECT_KEY: bool = size_of::<K>() > MAX_KEY_SIZE;
    pub(crate) const INDIRECT_ELEM: bool = size_of::<V>() > MAX_ELEM_SIZE;
    pub(crate) const KEY_SIZE: usize =
        if Self::INDIRECT_KEY { size_of::<*mut K>() } else { size_of::<K>() };
    pub(crate) const KEY_ALIGN: usize =
        if Self::INDIRECT_KEY { align_of::<*mut K>() } else { align_of::<K>() };
    pub(crate) const ELEM_SIZE: usize =
        if Self::INDIRECT_ELEM { size_of::<*mut V>() } else { size_of::<V>() };
    pub(crate) const ELEM_ALIGN: usize =
        if Self::INDIRECT_ELEM { align_of::<*mut V>() } else { align_of::<V>() };
    const KEYS_OFF: usize = round_up(BUCKET_CNT, Self::KEY_ALIGN);
    const ELEMS_OFF: usize =
        round_up(Self::KEYS_OFF + BUCKET_CNT * Self::KEY_SIZE, Self::ELEM_ALIGN);
    const OVERFLOW_OFF: usize =
        round_up(Self::ELEMS_OFF + BUCKET_CNT * Self::ELEM_SIZE, align_of::<*mut u8>());
    pub(crate) const ALIGN: usize =
        max(max(Self::KEY_ALIGN, Self::ELEM_ALIGN), align_of::<*mut u8>());
    /// Whether a bucket holds pointers in Go's sense (Go's `t.Bucket.Pointers()`): a key or
    /// value that owns memory (the closest Rust has: it needs dropping) or is stored boxed.
    /// Go clears such an old bucket once evacuated, one without pointers keeps its bytes; and
    /// an array with pointers carries a malloc header, which sizes its overflow tail (msize.rs).
    pub(crate) const HOLDS_POINTERS: bool = core::mem::needs_drop::<K>()
        || core::mem::needs_drop::<V>()
        || Self::INDIRECT_KEY
        || Self::INDIRECT_ELEM;
    /// Size in bytes of one bucket (Go's `t.BucketSize`).
    pub(crate) const SIZE: usize = round_up(Self::OVERFLOW_OFF + size_of::<*mut u8>(), Self::ALIGN);
}

/// The largest bucket `Bucket::prefetch_slots` prefetches.
const PREFETCH_MAX: usize = 256;

/// Asks the CPU to load the cache line holding `p` (a no-op where no stable intrinsic exists).
#[inline(always)]
fn prefetch_line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults, whatever the address.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[repr(C, align(64))]
struct EmptyBucket([u8; 64]);

static EMPTY_BUCKET: EmptyBucket = EmptyBucket([EMPTY_REST; 64]);

/// A pointer to one bucket, as hashbrown's raw `Bucket` is a pointer to one element: `Copy`,
/// with no lifetime, so it can outlive its memory. Making one is safe; every method that reads
/// or writes the bucket's memory is an `unsafe fn` whose contract is said in these terms:
///
/// - *live*: the bucket belongs to a [`BucketArray`] (its main array, preallocated tail or
///   overflow arena) that has not been dropped, retired or cleared since the handle was made;
/// - *readable*: live, or the shared empty bucket of [`Bucket::empty`] (tophash only), and no
///   one writes it meanwhile: the caller holds the table (shared or mutably);
/// - *writable*: live, not the shared empty bucket, and the caller holds the table mutably
///   with no reference into this bucket's slots alive (from a [`BucketRef`] or an earlier
///   `&K`/`&V`), so nothing else reads or writes it meanwhile.
///
/// Code that only reads a borrowed array uses [`BucketRef`], whose lifetime makes reads safe.
pub struct Bucket<K, V> {
    ptr: NonNull<u8>,
    marker: PhantomData<(K, V)>,
}

impl<K, V> Clone for Bucket<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Bucket<K, V> {}
impl<K, V> PartialEq for Bucket<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}
impl<K, V> Eq for Bucket<K, V> {}

impl<K, V> Bucket<K, V> {
    /// A handle for the bucket at `ptr`. Safe: the handle alone touches no memory.
    pub(crate) const fn from_ptr(ptr: NonNull<u8>) -> Self {
        Bucket { ptr, marker: PhantomData }
    }

    /// The bucket's address, with its provenance (iterators keep their position as one).
    pub(crate) fn as_ptr(self) -> NonNull<u8> {
        self.ptr
    }

    /// A shared, read-only bucket whose tophash bytes are all emptyRest: what lookups in a map
    /// without buckets search. It is readable (its tophash only, which ends every search) and
    /// never writable, so no write method's contract can be met for it.
    pub(crate) const fn empty() -> Self {
        Bucket::from_ptr(NonNull::from_ref(&EMPTY_BUCKET).cast())
    }

    /// The bucket `i` buckets after this one in the same array.
    ///
    /// # Safety
    /// This bucket is live and its array has more than `i` buckets from here (for the shared
    /// empty bucket, `i` is 0).
    #[inline(always)]
    pub(crate) unsafe fn offset(self, i: usize) -> Self {
        // SAFETY: in bounds of the same allocation (caller), which cannot wrap to null.
        Bucket::from_ptr(unsafe { self.ptr.add(i * Shape::<K, V>::SIZE) })
    }

    /// The bucket's address, for comparing positions.
    pub(crate) fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// Tophash byte `i`.
    ///
    /// # Safety
    /// The bucket is readable and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn top(self, i: usize) -> u8 {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: a readable bucket's first 8 bytes are its tophash array and i < 8 (caller).
        unsafe { *self.ptr.as_ptr().add(i) }
    }

    /// Sets tophash byte `i`.
    ///
    /// # Safety
    /// The bucket is writable and `i < 8`; `top` tells the truth about the slot (a filled
    /// value only for a slot that holds an entry).
    #[inline(always)]
    pub(crate) unsafe fn set_top(self, i: usize, top: u8) {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: a writable bucket's first 8 bytes are its tophash array and i < 8 (caller).
        unsafe { *self.ptr.as_ptr().add(i) = top }
    }

    /// Asks for the bucket's cache lines after the first, so that the key and value slots load
    /// in parallel with the tophash word rather than after it: in a map larger than the cache a
    /// hit otherwise waits for two misses in a row. For insert and remove, which read or write
    /// a slot anyway; not for lookups (see `Hmap::mapaccess`). Only for buckets of at most
    /// 4 lines (u64 keys: 144 bytes); a bigger bucket (String keys: 272) has slots a miss never
    /// reads, and the extra traffic made String misses slower.
    #[inline(always)]
    pub(crate) fn prefetch_slots(self) {
        self.prefetch_from(64);
    }

    /// `prefetch_slots` with the first line too: for a bucket about to be written.
    #[inline(always)]
    pub(crate) fn prefetch(self) {
        self.prefetch_from(0);
    }

    #[inline(always)]
    fn prefetch_from(self, first: usize) {
        if Shape::<K, V>::SIZE <= PREFETCH_MAX {
            let mut off = first;
            while off < Shape::<K, V>::SIZE {
                prefetch_line(self.ptr.as_ptr().wrapping_add(off));
                off += 64;
            }
        }
    }

    /// All eight tophash bytes as one little-endian word, for matching them in parallel.
    ///
    /// # Safety
    /// The bucket is readable.
    #[inline(always)]
    pub(crate) unsafe fn top_word(self) -> u64 {
        // SAFETY: the first 8 bytes of a readable bucket are its tophash array; buckets are at
        // least 8-aligned (ALIGN >= pointer alignment; the empty one is 64-aligned).
        u64::from_le(unsafe { ptr::read(self.ptr.as_ptr().cast::<u64>()) })
    }

    /// Writes all eight tophash bytes at once.
    ///
    /// # Safety
    /// The bucket is writable, and each byte of `word` tells the truth about its slot.
    #[inline(always)]
    pub(crate) unsafe fn set_top_word(self, word: u64) {
        // SAFETY: the first 8 bytes of a writable bucket are its tophash array, 8-aligned.
        unsafe { ptr::write(self.ptr.as_ptr().cast::<u64>(), word.to_le()) }
    }

    /// Slot `i`'s key bytes (in bounds for i < 8; nothing is read).
    #[inline(always)]
    fn key_slot(self, i: usize) -> *mut u8 {
        self.ptr.as_ptr().wrapping_add(Shape::<K, V>::KEYS_OFF + i * Shape::<K, V>::KEY_SIZE)
    }

    /// Slot `i`'s value bytes (in bounds for i < 8; nothing is read).
    #[inline(always)]
    fn elem_slot(self, i: usize) -> *mut u8 {
        self.ptr.as_ptr().wrapping_add(Shape::<K, V>::ELEMS_OFF + i * Shape::<K, V>::ELEM_SIZE)
    }

    /// Pointer to the key in slot `i`, following the box of an indirect key.
    ///
    /// # Safety
    /// The bucket is live (not the empty one), `i < 8`, and slot `i` holds a key (its tophash
    /// is at least MIN_TOP_HASH). Reading through the pointer needs the bucket readable,
    /// writing needs it writable.
    #[inline(always)]
    pub(crate) unsafe fn key(self, i: usize) -> *mut K {
        let slot = self.key_slot(i);
        if Shape::<K, V>::INDIRECT_KEY {
            // SAFETY: the filled indirect slot holds the Box pointer written by `write`.
            unsafe { *slot.cast::<*mut K>() }
        } else {
            slot.cast()
        }
    }

    /// Pointer to the value in slot `i`.
    ///
    /// # Safety
    /// As for [`key`](Self::key).
    #[inline(always)]
    pub(crate) unsafe fn elem(self, i: usize) -> *mut V {
        let slot = self.elem_slot(i);
        if Shape::<K, V>::INDIRECT_ELEM {
            // SAFETY: the filled indirect slot holds the Box pointer written by `write`.
            unsafe { *slot.cast::<*mut V>() }
        } else {
            slot.cast()
        }
    }

    /// Stores a key and value in slot `i` and marks it filled with `top`.
    ///
    /// # Safety
    /// The bucket is writable, `i < 8`, and slot `i` is empty (its previous contents moved
    /// out or never written).
    pub(crate) unsafe fn write(self, i: usize, top: u8, key: K, value: V) {
        debug_assert!(top >= MIN_TOP_HASH);
        // SAFETY: the slots are inside the writable bucket (i < 8) and aligned for K / V or
        // for their box pointers; the slot held nothing to drop (caller).
        unsafe {
            if Shape::<K, V>::INDIRECT_KEY {
                ptr::write(self.key_slot(i).cast::<*mut K>(), Box::into_raw(Box::new(key)));
            } else {
                ptr::write(self.key_slot(i).cast::<K>(), key);
            }
            if Shape::<K, V>::INDIRECT_ELEM {
                ptr::write(self.elem_slot(i).cast::<*mut V>(), Box::into_raw(Box::new(value)));
            } else {
                ptr::write(self.elem_slot(i).cast::<V>(), value);
            }
            self.set_top(i, top);
        }
    }

    /// Moves the key and value out of slot `i` and marks it emptyOne.
    ///
    /// # Safety
    /// The bucket is writable, `i < 8`, and slot `i` holds a key and value; afterwards it holds
    /// neither.
    pub(crate) unsafe fn take(self, i: usize) -> (K, V) {
        // SAFETY: the caller's contract covers both calls; the slot is marked empty first, so
        // a reader after a panic never sees it filled.
        unsafe {
            self.set_top(i, EMPTY_ONE);
            self.read_out(i)
        }
    }

    /// Moves the key and value out of slot `i`, leaving its tophash to the caller.
    ///
    /// # Safety
    /// The bucket is writable, `i < 8`, and slot `i` holds a key and value; the caller marks it
    /// empty before anything else reads or drops the slot.
    #[inline(always)]
    pub(crate) unsafe fn read_out(self, i: usize) -> (K, V) {
        // SAFETY: the slot was filled (caller), so reading moves out an initialised K and V;
        // boxes written by `write` are turned back into Boxes exactly once.
        unsafe {
            let k = if Shape::<K, V>::INDIRECT_KEY {
                *Box::from_raw(*self.key_slot(i).cast::<*mut K>())
            } else {
                ptr::read(self.key_slot(i).cast::<K>())
            };
            let v = if Shape::<K, V>::INDIRECT_ELEM {
                *Box::from_raw(*self.elem_slot(i).cast::<*mut V>())
            } else {
                ptr::read(self.elem_slot(i).cast::<V>())
            };
            (k, v)
        }
    }

    /// Copies slot `i` (key and value bytes, box pointers for indirect ones) to slot `j` of
    /// `dst`, giving it tophash `top`. Ownership moves with the bytes: the caller must stop
    /// treating the source slot as filled.
    ///
    /// # Safety
    /// Both buckets are writable and distinct, `i, j < 8`, slot `i` is filled and slot `j` of
    /// `dst` is empty.
    #[inline]
    pub(crate) unsafe fn move_to(self, i: usize, dst: Bucket<K, V>, j: usize, top: u8) {
        // SAFETY: both slots are in writable buckets (caller), sized KEY_SIZE / ELEM_SIZE, and
        // the buckets do not overlap.
        unsafe {
            ptr::copy_nonoverlapping(self.key_slot(i), dst.key_slot(j), Shape::<K, V>::KEY_SIZE);
            ptr::copy_nonoverlapping(self.elem_slot(i), dst.elem_slot(j), Shape::<K, V>::ELEM_SIZE);
            dst.set_top(j, top);
        }
    }

    /// Drops the key and value in slot `i` after marking it emptyOne.
    ///
    /// # Safety
    /// As for [`take`](Self::take).
    pub(crate) unsafe fn drop_slot(self, i: usize) {
        // SAFETY: forwarded from the caller; the pair drops here (the value still drops if the
        // key's Drop panics, as tuple fields do).
        drop(unsafe { self.take(i) });
    }

    /// The next bucket of the chain.
    ///
    /// # Safety
    /// The bucket is readable.
    #[inline(always)]
    pub(crate) unsafe fn overflow(self) -> Option<Bucket<K, V>> {
        // SAFETY: OVERFLOW_OFF is inside a readable bucket and pointer-aligned. The empty
        // bucket is only readable for its tophash, and every search stops there.
        let p = unsafe { *self.ptr.as_ptr().add(Shape::<K, V>::OVERFLOW_OFF).cast::<*mut u8>() };
        NonNull::new(p).map(Bucket::from_ptr)
    }

    /// Links `next` after this bucket.
    ///
    /// # Safety
    /// The bucket is writable, and `next` (if any) is a live bucket of the same generation
    /// that is in no chain yet.
    pub(crate) unsafe fn set_overflow(self, next: Option<Bucket<K, V>>) {
        let p = next.map_or(ptr::null_mut(), |b| b.ptr.as_ptr());
        // SAFETY: OVERFLOW_OFF is inside the writable bucket and pointer-aligned.
        unsafe { *self.ptr.as_ptr().add(Shape::<K, V>::OVERFLOW_OFF).cast::<*mut u8>() = p }
    }

    /// Zeroes everything after the tophash bytes: the key and value slots (whose entries have
    /// been moved out) and the overflow link, as Go's evacuate does to an old bucket that holds
    /// pointers. The evacuation marks in the tophash stay.
    ///
    /// # Safety
    /// The bucket is writable and no slot holds an entry (all evacuated).
    pub(crate) unsafe fn clear_after_tophash(self) {
        // SAFETY: [BUCKET_CNT, SIZE) lies inside the writable bucket; zero bytes are a valid
        // (null) overflow link, and the slots hold no live entries (caller).
        unsafe {
            ptr::write_bytes(self.ptr.as_ptr().add(BUCKET_CNT), 0, Shape::<K, V>::SIZE - BUCKET_CNT)
        };
    }

    /// Zeroes the bucket's tophash and overflow pointer: all slots emptyRest, no chain.
    ///
    /// # Safety
    /// The bucket is writable and no slot holds an entry that still needs dropping.
    unsafe fn reset(self) {
        // SAFETY: the caller's contract is both calls' (emptyRest bytes tell no lie: nothing
        // is stored).
        unsafe {
            self.set_top_word(0);
            self.set_overflow(None);
        }
    }

    /// Go's `evacuated(b)`: the old bucket's entries have moved to the new array.
    ///
    /// # Safety
    /// The bucket is readable.
    #[inline(always)]
    pub(crate) unsafe fn evacuated(self) -> bool {
        // SAFETY: passed on from the caller.
        let h = unsafe { self.top(0) };
        h > EMPTY_ONE && h < MIN_TOP_HASH
    }
}

/// A bucket of an array borrowed for `'a`: the borrow keeps the array alive and keeps writers
/// out (they need the table mutably), so every read is safe. This is what code that only looks
/// (the raw view) holds.
pub(crate) struct BucketRef<'a, K, V> {
    bucket: Bucket<K, V>,
    marker: PhantomData<&'a BucketArray<K, V>>,
}

impl<K, V> Clone for BucketRef<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for BucketRef<'_, K, V> {}

impl<'a, K, V> BucketRef<'a, K, V> {
    /// # Safety
    /// `bucket` is live for as long as the array borrowed for `'a`, which it belongs to.
    unsafe fn new(bucket: Bucket<K, V>) -> Self {
        BucketRef { bucket, marker: PhantomData }
    }

    /// The eight tophash bytes, as one little-endian word.
    pub(crate) fn top_word(self) -> u64 {
        // SAFETY: live for 'a (type invariant); writers need the table mutably, and it is
        // borrowed shared for 'a.
        unsafe { self.bucket.top_word() }
    }

    /// Tophash byte `i`.
    ///
    /// # Panics
    /// If `i >= 8`.
    pub(crate) fn top(self, i: usize) -> u8 {
        self.top_word().to_le_bytes()[i]
    }

    /// Go's `evacuated(b)`.
    pub(crate) fn evacuated(self) -> bool {
        // SAFETY: readable, as in `top_word`.
        unsafe { self.bucket.evacuated() }
    }

    /// The next bucket of the chain, in the same generation.
    pub(crate) fn overflow(self) -> Option<BucketRef<'a, K, V>> {
        // SAFETY: readable, as in `top_word`; an overflow bucket belongs to the same
        // generation, so it lives as long.
        unsafe { self.bucket.overflow().map(|b| BucketRef::new(b)) }
    }

    /// Slot `i`'s key and value, if its tophash says it is filled.
    ///
    /// # Panics
    /// If `i >= 8`.
    pub(crate) fn slot(self, i: usize) -> Option<(&'a K, &'a V)> {
        (self.top(i) >= MIN_TOP_HASH).then(|| {
            // SAFETY: a filled tophash means the slot holds an entry; the array is borrowed
            // shared for 'a, so the entry stays put and unchanged that long.
            unsafe { (&*self.bucket.key(i), &*self.bucket.elem(i)) }
        })
    }

    /// The raw handle, for comparing positions.
    pub(crate) fn raw(self) -> Bucket<K, V> {
        self.bucket
    }
}

/// One generation of buckets: 2^B buckets, the preallocated overflow buckets that follow them
/// (from B = 4 on, as many as Go's makeBucketArray gives: [`preallocated_overflow`]), and an arena for further overflow buckets. Everything is freed
/// together when the generation drops, as Go frees an old array and its overflow list, or
/// handed back piecewise once evacuated ([`BucketArray::retire`]).
pub(crate) struct BucketArray<K, V> {
    mem: Block,
    b: u8,
    /// Total buckets in the allocation: 2^B plus the preallocated overflow ones.
    nalloc: usize,
    /// Index of the next unused preallocated overflow bucket (Go's `nextOverflow`).
    next_overflow: usize,
    /// Set once every entry has been evacuated: nothing left to drop, so skip the walk.
    evacuated: bool,
    arena: Arena,
    marker: PhantomData<(K, V)>,
}

/// Computes the byte layout of `n` buckets, or `None` when it overflows `isize`.
fn array_layout<K, V>(n: usize) -> Option<Layout> {
    let size = Shape::<K, V>::SIZE.checked_mul(n)?;
    Layout::from_size_align(size, Shape::<K, V>::ALIGN).ok()
}

/// Why a bucket array could not be had.
pub(crate) enum AllocFailure {
    CapacityOverflow,
    Alloc(Layout),
}

impl<K, V> BucketArray<K, V> {
    /// Go's `makeBucketArray`: 2^B zeroed buckets plus Go's count of preallocated overflow
    /// buckets ([`preallocated_overflow`]: 2^(B-4) rounded up to the allocator's size).
    /// `up_front` is for arrays the caller sized on purpose (`with_capacity`, `reserve`,
    /// `shrink_to`, `clone`): a large one is faulted in now, with huge pages where the kernel
    /// has them, so that no later write waits for memory. A grow's array comes lazily instead.
    pub(crate) fn try_new(b: u8, up_front: bool) -> Result<Self, AllocFailure> {
        if u32::from(b) >= usize::BITS - 1 {
            return Err(AllocFailure::CapacityOverflow);
        }
        let base = 1usize << b;
        let extra = preallocated_overflow(b, Shape::<K, V>::SIZE, Shape::<K, V>::HOLDS_POINTERS);
        let nalloc = base + extra;
        let layout = array_layout::<K, V>(nalloc).ok_or(AllocFailure::CapacityOverflow)?;
        let mem = Block::zeroed(layout, up_front).ok_or(AllocFailure::Alloc(layout))?;
        Ok(BucketArray {
            mem,
            b,
            nalloc,
            next_overflow: base,
            evacuated: false,
            arena: Arena::default(),
            marker: PhantomData,
        })
    }

    /// Like `try_new`, panicking on capacity overflow and aborting on allocation failure, as
    /// std's collections do.
    pub(crate) fn new(b: u8, up_front: bool) -> Self {
        match Self::try_new(b, up_front) {
            Ok(a) => a,
            Err(AllocFailure::CapacityOverflow) => panic!("capacity overflow"),
            Err(AllocFailure::Alloc(layout)) => handle_alloc_error(layout),
        }
    }

    #[inline(always)]
    pub(crate) fn b(&self) -> u8 {
        self.b
    }

    /// Number of main buckets, 2^B.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        1 << self.b
    }

    /// Bucket `i` of the main array.
    ///
    /// # Panics
    /// If `i >= 2^B`.
    #[inline(always)]
    pub(crate) fn bucket(&self, i: usize) -> Bucket<K, V> {
        assert!(i < self.len(), "bucket {i} of {}", self.len());
        // SAFETY: i < 2^B <= nalloc.
        unsafe { self.bucket_unchecked(i) }
    }

    /// Bucket `i` of the allocation (the main array, then the preallocated overflow buckets),
    /// without a bounds check, for loops whose index is in bounds by construction.
    ///
    /// # Safety
    /// `i < nalloc`: `i < 2^B` will do.
    #[inline(always)]
    pub(crate) unsafe fn bucket_unchecked(&self, i: usize) -> Bucket<K, V> {
        debug_assert!(i < self.nalloc);
        // SAFETY: i < nalloc (caller), so the offset stays inside the allocation.
        Bucket::from_ptr(unsafe { self.mem.ptr().add(i * Shape::<K, V>::SIZE) })
    }

    /// Bucket `i` of the main array, for reading while the array is borrowed.
    ///
    /// # Panics
    /// If `i >= 2^B`.
    pub(crate) fn bucket_ref(&self, i: usize) -> BucketRef<'_, K, V> {
        // SAFETY: the bucket belongs to this array, which the result borrows.
        unsafe { BucketRef::new(self.bucket(i)) }
    }

    /// Go's `newoverflow` allocation half: the next preallocated bucket, else one from the
    /// arena; it comes zeroed (all emptyRest, no overflow), in no chain yet.
    pub(crate) fn alloc_overflow(&mut self) -> Bucket<K, V> {
        if self.next_overflow < self.nalloc {
            // SAFETY: next_overflow < nalloc, just checked.
            let b = unsafe { self.bucket_unchecked(self.next_overflow) };
            self.next_overflow += 1;
            return b;
        }
        let layout = array_layout::<K, V>(1).expect("bucket layout");
        let b = Bucket::from_ptr(self.arena.alloc(layout));
        // SAFETY: fresh memory of this generation's arena, held mutably, no entries in it.
        unsafe { b.reset() };
        b
    }

    /// Preallocated overflow buckets at the array's tail, used or not.
    pub(crate) fn preallocated(&self) -> usize {
        self.nalloc - self.len()
    }

    /// Preallocated overflow buckets not handed out yet (Go's `nextOverflow` to the tail's end).
    pub(crate) fn spare_overflow(&self) -> usize {
        self.nalloc - self.next_overflow
    }

    /// Whether `bucket` is one of this array's preallocated overflow buckets.
    pub(crate) fn is_preallocated(&self, bucket: Bucket<K, V>) -> bool {
        let base = self.mem.ptr().as_ptr() as usize;
        let start = base + self.len() * Shape::<K, V>::SIZE;
        let end = base + self.nalloc * Shape::<K, V>::SIZE;
        (start..end).contains(&bucket.addr())
    }

    /// Bytes held: the array with its preallocated tail, the arena, and the boxes of
    /// indirect keys and values.
    pub(crate) fn allocated_bytes(&self) -> usize {
        let mut bytes = self.nalloc * Shape::<K, V>::SIZE + self.arena.allocated_bytes();
        let per_slot = if Shape::<K, V>::INDIRECT_KEY { size_of::<K>() } else { 0 }
            + if Shape::<K, V>::INDIRECT_ELEM { size_of::<V>() } else { 0 };
        if per_slot > 0 {
            self.for_each_filled(|_, _| bytes += per_slot);
        }
        bytes
    }

    /// Calls `f` on every filled slot of every chain, in bucket then chain order. The chain
    /// is read on from a bucket after `f` returns, so `f` may empty the slot it is given (with
    /// the array held mutably, as the write methods' contracts ask).
    pub(crate) fn for_each_filled(&self, mut f: impl FnMut(Bucket<K, V>, usize)) {
        for i in 0..self.len() {
            let mut b = Some(self.bucket(i));
            while let Some(bk) = b {
                for slot in 0..BUCKET_CNT {
                    // SAFETY: a bucket of this array or its chain, which is borrowed; `f`
                    // writes only where its caller holds the array mutably.
                    if unsafe { bk.top(slot) } >= MIN_TOP_HASH {
                        f(bk, slot);
                    }
                }
                // SAFETY: the same bucket of this borrowed array's chain; `f` left its link.
                b = unsafe { bk.overflow() };
            }
        }
    }

    /// Drops every entry still stored here and empties every bucket, keeping the memory (Go's
    /// mapclear zeroes the array in place). A panicking Drop leaves the rest to be dropped by the
    /// guard, so each entry is still dropped exactly once.
    pub(crate) fn clear(&mut self) {
        self.drop_entries();
        for i in 0..self.nalloc {
            // SAFETY: i < nalloc; the array is held mutably and its entries were just dropped.
            unsafe { self.bucket_unchecked(i).reset() };
        }
        self.next_overflow = self.len();
        self.arena.reset();
    }

    /// Gives up a fully evacuated generation: nothing in it is dropped (every slot is an
    /// evacuated marker), and its array goes back piecewise where it is large enough for that
    /// to matter (see memory.rs); `None` when it was freed at once.
    /// A large generation's overflow chunks go to `heir`'s arena, for reuse.
    pub(crate) fn retire(self, heir: &mut BucketArray<K, V>) -> Option<Retired> {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so each field is moved out once.
        let (mem, arena) = unsafe { (ptr::read(&this.mem), ptr::read(&this.arena)) };
        // Small generations free everything now: it is cheap, and spares would only sit there.
        if mem.is_mapped() {
            heir.arena.recycle(arena);
        }
        mem.retire()
    }

    /// Drops each filled slot's entry, marking the slot emptyOne first.
    fn drop_entries(&mut self) {
        if self.evacuated
            || !core::mem::needs_drop::<K>()
                && !core::mem::needs_drop::<V>()
                && !Shape::<K, V>::INDIRECT_KEY
                && !Shape::<K, V>::INDIRECT_ELEM
        {
            return;
        }
        struct Guard<'a, K, V>(&'a mut BucketArray<K, V>);
        impl<K, V> Drop for Guard<'_, K, V> {
            fn drop(&mut self) {
                // Only reached while unwinding from a panicking Drop: carry on with the rest.
                self.0.drop_entries();
            }
        }
        let guard = Guard(self);
        guard.0.for_each_filled(|b, i| {
            // SAFETY: for_each_filled only passes filled slots; drop_slot marks the slot empty
            // before dropping, so the guard never drops it again.
            unsafe { b.drop_slot(i) }
        });
        core::mem::forget(guard);
    }
}

impl<K, V> Drop for BucketArray<K, V> {
    fn drop(&mut self) {
        // The memory (`mem`, `arena`) is freed after this, also if an entry's Drop panics.
        self.drop_entries();
    }
}
