//! Go's hiter: a walk over the map in Go's order (a random start bucket and slot offset, the
//! buckets in order with wrap-around, mid-grow an unevacuated old bucket read for the entries of
//! the new bucket it stands in for), and the walk that removes as it goes (extract_if, retain,
//! drain). The walks hold no pointer into the table: each step is given the table, so owning
//! and borrowing iterators share them.

use core::mem;
use core::ptr::NonNull;

use super::bucket::{Bucket, BucketArray};
use super::group::{full_bits, lowest, match_full, LO};
use super::hooks::{Generation, Observer};
use super::table::{cheaprand, fix_empty_rest, Hmap, GROUP};
use super::{BUCKET_CNT, MIN_TOP_HASH};
use crate::api::engine::ErasedHasher;

/// Units of a walk: each bucket of the current array with the chain that holds its entries
/// (extract_if and rayon's parallel iterators split the map along these).
impl<K, V> Hmap<K, V> {
    /// Bucket `j` of the current array as a unit of work that needs no hashing: the chain
    /// holding the entries that belong to it. An unevacuated old bucket holds the entries of
    /// both new buckets it feeds (X and Y), so it goes whole with its X visit (`j` below the old
    /// size, always for a same-size grow) and a Y visit gets nothing; a new bucket whose old
    /// one is unevacuated is still empty. So each entry lies in exactly one unit's chain, and
    /// distinct units never share a bucket (extract_if, the parallel iterators).
    #[inline]
    pub(crate) fn unit_chain(&self, j: usize) -> Option<Bucket<K, V>> {
        let new = self.buckets.as_ref()?;
        match self.unevacuated_old(j) {
            Some((oi, ob)) => (oi == j).then_some(ob),
            None => Some(new.bucket(j)),
        }
    }

    /// The filled slots of unit `j`'s chain (`unit_chain`), bucket by bucket.
    #[cfg(feature = "rayon")]
    pub(crate) fn unit_slots(&self, j: usize) -> impl Iterator<Item = (Bucket<K, V>, usize)> {
        // The buckets are those of a chain of an array that `&self` borrows, so live and
        // readable while the iterator, which borrows `self`, lives.
        // SAFETY: `b` is such a bucket.
        let next = |b: &Bucket<K, V>| unsafe { b.overflow() };
        core::iter::successors(self.unit_chain(j), next).flat_map(|b| {
            // SAFETY: `b` is such a bucket, and i < 8.
            let filled = move |&i: &usize| unsafe { b.top(i) } >= MIN_TOP_HASH;
            (0..BUCKET_CNT).filter(filled).map(move |i| (b, i))
        })
    }

    /// The number of units (`unit_chain`): 2^B once allocated, else 0.
    #[inline]
    pub(crate) fn units(&self) -> usize {
        self.buckets.as_ref().map_or(0, BucketArray::len)
    }
}

const NO_CHECK: usize = usize::MAX;

/// The position of an iteration in progress: Go's hiter, less the pointers (the table is passed
/// to each `mapiternext` call, so owning and borrowing iterators share this walk).
#[derive(Clone)]
pub struct Hiter {
    start_bucket: usize,
    /// Slot offset: a bucket's slots are visited from this one, wrapping (Go's `offset`).
    offset: u32,
    bucket: usize,
    wrapped: bool,
    /// The bucket being walked (Go's bptr); `None` when a new one must be picked.
    bptr: Option<NonNull<u8>>,
    /// Filled slots of `bptr` not yet visited, rotated so the lowest bit is the next slot in
    /// Go's visiting order. Reading all 8 tophash bytes at once replaces Go's slot counter `i`.
    mask: u64,
    /// The new bucket whose entries an unevacuated old bucket is being filtered for, or
    /// NO_CHECK.
    check_bucket: usize,
    pub(crate) remaining: usize,
}

impl Hiter {
    /// Go's mapiterinit: one random number picks the start bucket (its low B bits) and the
    /// slot offset (the 3 bits above those).
    pub(crate) fn mapiterinit<K, V>(table: &Hmap<K, V>) -> Self {
        let r = cheaprand() as usize;
        Self::mapiterinit_at(table, r, r >> table.b)
    }

    /// `mapiterinit` without Go's notice that an iterator exists: for the owning iterators,
    /// which leave no map behind to evacuate.
    pub(crate) fn mapiterinit_owning<K, V>(table: &Hmap<K, V>) -> Self {
        let r = cheaprand() as usize;
        Self::start(table, r, r >> table.b)
    }

    /// An iteration from bucket `start & (2^B - 1)` and slot offset `offset & 7`, as if
    /// mapiterinit had drawn them: for replaying an order Go's runtime produced.
    pub(crate) fn mapiterinit_at<K, V>(table: &Hmap<K, V>, start: usize, offset: usize) -> Self {
        table.note_iterator();
        Self::start(table, start, offset)
    }

    fn start<K, V>(table: &Hmap<K, V>, start: usize, offset: usize) -> Self {
        let nbuckets = table.buckets.as_ref().map_or(1, BucketArray::len);
        Hiter {
            start_bucket: start & (nbuckets - 1),
            offset: (offset & (BUCKET_CNT - 1)) as u32,
            bucket: start & (nbuckets - 1),
            wrapped: false,
            bptr: None,
            mask: 0,
            check_bucket: NO_CHECK,
            remaining: if table.buckets.is_some() { table.count } else { 0 },
        }
    }

    /// Starts walking bucket `b`.
    ///
    /// # Safety
    /// `b` is readable until the walk leaves it (a bucket of the table `mapiternext` reads).
    #[inline(always)]
    unsafe fn enter<K, V>(&mut self, b: Bucket<K, V>) {
        self.bptr = Some(b.as_ptr());
        // SAFETY: readable (caller).
        self.mask = match_full(unsafe { b.top_word() }).rotate_right(8 * self.offset);
    }

    /// The bucket being walked.
    ///
    /// # Safety
    /// A bucket is being walked (`enter` was called since the last pick); it was readable
    /// then and, by `mapiternext`'s contract, still is.
    #[inline(always)]
    unsafe fn walking<K, V>(&self) -> Bucket<K, V> {
        // SAFETY: `enter` set it (caller).
        Bucket::from_ptr(unsafe { self.bptr.unwrap_unchecked() })
    }

    /// Go's mapiternext. Returns the next filled slot. With `hasher`, an unevacuated old bucket
    /// is walked once per new bucket it feeds and filtered by hash, as Go does; without one
    /// (owning iterators, which may not hash), it is walked whole on its X visit and skipped on
    /// its Y visit. Both produce every entry exactly once.
    ///
    /// # Safety
    /// `table` must be the table this iterator was made for, unchanged since, except that slots
    /// already returned may have been emptied.
    #[inline]
    pub(crate) unsafe fn mapiternext<K, V>(
        &mut self,
        table: &Hmap<K, V>,
        hasher: Option<ErasedHasher>,
    ) -> Option<(Bucket<K, V>, usize)> {
        // SAFETY: forwarded from the caller.
        unsafe { self.mapiternext_observed(table, hasher, &mut ()) }
    }

    /// `mapiternext`, reporting each bucket it moves to and each entry it passes over to `obs`
    /// (see raw.rs).
    ///
    /// # Safety
    /// As for `mapiternext`.
    #[inline(always)]
    pub(crate) unsafe fn mapiternext_observed<K, V, O: Observer>(
        &mut self,
        table: &Hmap<K, V>,
        hasher: Option<ErasedHasher>,
        obs: &mut O,
    ) -> Option<(Bucket<K, V>, usize)> {
        loop {
            // The common case first: another filled slot in the current bucket.
            if self.mask != 0 {
                let slot = (lowest(self.mask) + self.offset as usize) & (BUCKET_CNT - 1);
                self.mask &= self.mask - 1;
                // SAFETY: a non-zero mask was set by `enter`, which set bptr.
                let b: Bucket<K, V> = unsafe { self.walking() };
                if self.check_bucket != NO_CHECK {
                    if let Some(home) = self.elsewhere(table, b, slot, hasher) {
                        obs.skip(home);
                        continue;
                    }
                }
                self.remaining -= 1;
                return Some((b, slot));
            }
            if self.remaining == 0 {
                return None;
            }
            // The rest of the chain, then the next bucket (Go's `b == nil` case).
            if self.bptr.is_some() {
                // SAFETY: bptr was just tested to be set; its chain is in the unchanged table
                // (this function's contract), so readable, and so is the next bucket.
                unsafe {
                    let b: Bucket<K, V> = self.walking();
                    if let Some(next) = b.overflow() {
                        self.enter(next);
                        continue;
                    }
                }
            }
            let new = table.buckets.as_ref()?;
            if self.bucket == self.start_bucket && self.wrapped {
                return None;
            }
            let j = self.bucket;
            // SAFETY: `bucket` stays below 2^B of this unchanged table (it wraps to 0 at 2^B
            // below, and started masked by 2^B - 1).
            let mut b = unsafe { new.bucket_unchecked(j) };
            let mut read = (Generation::Current, j);
            self.check_bucket = NO_CHECK;
            if let Some((oi, ob)) = table.unevacuated_old(j) {
                (b, read) = (ob, (Generation::Old, oi));
                if !table.same_size_grow {
                    self.check_bucket = j;
                }
            }
            if O::ENABLED {
                obs.iter_bucket(j, read);
            }
            self.bucket += 1;
            if self.bucket == new.len() {
                self.bucket = 0;
                self.wrapped = true;
            }
            // SAFETY: a bucket of the unchanged table's current or old array.
            unsafe { self.enter(b) };
        }
    }

    /// The whole remaining walk, for `Iterator::fold` and everything built on it (`sum`,
    /// `for_each`, `count`, ...). A fresh iterator over a map that is not growing visits the
    /// same slots in the same order as `mapiternext` would, in a loop that keeps its state in
    /// registers.
    ///
    /// # Safety
    /// As for `mapiternext`.
    #[inline]
    pub(crate) unsafe fn fold<K, V, B>(
        mut self,
        table: &Hmap<K, V>,
        hasher: Option<ErasedHasher>,
        init: B,
        mut f: impl FnMut(B, Bucket<K, V>, usize) -> B,
    ) -> B {
        let mut acc = init;
        let fresh = self.bptr.is_none() && !self.wrapped && self.bucket == self.start_bucket;
        let new = match &table.buckets {
            Some(new) if fresh && table.oldbuckets.is_none() => new,
            _ => {
                // SAFETY: forwarded from the caller.
                while let Some((b, i)) = unsafe { self.mapiternext(table, hasher) } {
                    acc = f(acc, b, i);
                }
                return acc;
            }
        };
        // The buckets in visiting order (each followed by its overflow chain) are gathered
        // GROUP at a time, their filled slots into one 64-bit mask that one loop then walks. A
        // loop per bucket would end, unpredictably, after every 0-8 entries, and at each such
        // branch the CPU stops reading ahead.
        let offset = self.offset as usize;
        let mut units = [new.bucket(0); GROUP];
        // The units' filled slots, the newest in the top byte.
        let mut slots = 0u64;
        let mut n = 0;
        let mut remaining = self.remaining;
        // From the start bucket to the end of the array, then from bucket 0 up to it.
        for (from, to) in [(self.start_bucket, new.len()), (0, self.start_bucket)] {
            for j in from..to {
                // SAFETY: j < 2^B: start_bucket was masked by 2^B - 1 of the unchanged table.
                let mut b = Some(unsafe { new.bucket_unchecked(j) });
                while let Some(bk) = b {
                    units[n % GROUP] = bk;
                    // SAFETY: `bk` is in a chain of the unchanged table's current array.
                    slots = slots >> BUCKET_CNT | full_bits(unsafe { bk.top_word() }) << 56;
                    n += 1;
                    if n == GROUP {
                        remaining -= slots.count_ones() as usize;
                        acc = walk_group(acc, &units, slots, offset, &mut f);
                        (slots, n) = (0, 0);
                        if remaining == 0 {
                            return acc;
                        }
                    }
                    // SAFETY: `bk` is in a chain of the unchanged table's current array.
                    b = unsafe { bk.overflow() };
                }
            }
        }
        // Fewer than GROUP units: move them down to bytes 0..n.
        let rest = slots.checked_shr((BUCKET_CNT * (GROUP - n)) as u32).unwrap_or(0);
        walk_group(acc, &units, rest, offset, &mut f)
    }

    /// Go's checkBucket filter: `None` when this old bucket's entry belongs to the new bucket
    /// being visited, else `Some` of the new bucket it belongs to, by its hash. With no hasher
    /// the whole old bucket goes with its X visit, and is skipped on its Y visit (`Some(None)`).
    #[cold]
    fn elsewhere<K, V>(
        &self,
        table: &Hmap<K, V>,
        b: Bucket<K, V>,
        slot: usize,
        hasher: Option<ErasedHasher>,
    ) -> Option<Option<usize>> {
        let nbuckets = table.buckets.as_ref().map_or(1, BucketArray::len);
        match hasher {
            Some(h) => {
                // SAFETY: the slot is filled and the hasher is this map's.
                let home = unsafe { h.hash(b.key(slot)) } as usize & (nbuckets - 1);
                (home != self.check_bucket).then_some(Some(home))
            }
            None => (self.check_bucket >= nbuckets / 2).then_some(None),
        }
    }
}

/// The walk of `extract_if` (and `retain`): each unit's chain (`Hmap::unit_chain`) once,
/// from a random unit, slot by slot. It hashes nothing, so it serves mid-grow as it stands,
/// and it moves nothing between buckets. A chain it removed from gets its emptyRest markers
/// fixed when the walk leaves it, or is dropped in it.
pub struct HiterExtract<'a, K, V> {
    table: &'a mut Hmap<K, V>,
    start: usize,
    /// Units begun so far.
    begun: usize,
    head: Option<Bucket<K, V>>,
    bucket: Option<Bucket<K, V>>,
    slot: usize,
    removed: bool,
}

// SAFETY: the walk owns its mutable borrow of the table, as `&mut Hmap` would: moving it to
// another thread moves keys and values' ownership with it; `&HiterExtract` reaches nothing.
unsafe impl<K: Send, V: Send> Send for HiterExtract<'_, K, V> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync> Sync for HiterExtract<'_, K, V> {}

impl<'a, K, V> HiterExtract<'a, K, V> {
    pub(crate) fn new(table: &'a mut Hmap<K, V>) -> Self {
        let start = cheaprand() as usize & (table.units().max(1) - 1);
        HiterExtract { table, start, begun: 0, head: None, bucket: None, slot: 0, removed: false }
    }

    /// Moves out the next entry that `pred` accepts; `None` once every unit is walked.
    pub(crate) fn next(&mut self, pred: &mut impl FnMut(&K, &mut V) -> bool) -> Option<(K, V)> {
        loop {
            while let Some(b) = self.bucket {
                while self.slot < BUCKET_CNT {
                    let i = self.slot;
                    self.slot += 1;
                    // SAFETY: `b` is in a chain of the table this walk borrows mutably, so
                    // live and writable; i < 8.
                    if unsafe { b.top(i) } < MIN_TOP_HASH {
                        continue;
                    }
                    // SAFETY: the slot is filled, in a chain of the table borrowed mutably
                    // (the walk only empties slots behind it); the references end before it
                    // is emptied.
                    if unsafe { pred(&*b.key(i), &mut *b.elem(i)) } {
                        self.removed = true;
                        self.table.count -= 1;
                        // SAFETY: filled; `take` marks it empty before the entry leaves.
                        return Some(unsafe { b.take(i) });
                    }
                }
                // SAFETY: `b` is in a chain of the table this walk borrows mutably: live.
                self.bucket = unsafe { b.overflow() };
                self.slot = 0;
            }
            self.finish_chain();
            let units = self.table.units();
            if self.begun == units {
                return None;
            }
            let j = (self.start + self.begun) & (units - 1);
            self.begun += 1;
            self.head = self.table.unit_chain(j);
            self.bucket = self.head;
        }
    }

    /// At most this many entries are left to extract.
    pub(crate) fn upper_bound(&self) -> usize {
        self.table.count
    }

    /// Restores the emptyRest markers of the chain in progress if the walk emptied a slot of
    /// it: on moving to the next unit, and when the walk is dropped half-way.
    fn finish_chain(&mut self) {
        if let Some(head) = self.head.take() {
            if mem::take(&mut self.removed) {
                // SAFETY: `head` starts a chain of the table borrowed mutably: writable.
                unsafe { fix_empty_rest(head) };
            }
        }
        self.bucket = None;
    }
}

impl<K, V> Drop for HiterExtract<'_, K, V> {
    fn drop(&mut self) {
        self.finish_chain();
    }
}

/// Passes the slots in `m` to `f`: bit 8k + i is slot i of `units[k]`. Each bucket's slots go
/// in Go's order: from slot `offset`, wrapping.
#[inline(always)]
fn walk_group<K, V, B>(
    mut acc: B,
    units: &[Bucket<K, V>; GROUP],
    m: u64,
    offset: usize,
    f: &mut impl FnMut(B, Bucket<K, V>, usize) -> B,
) -> B {
    // Every byte rotated right by offset: bit 0 of byte k is then slot `offset` of units[k].
    let down = LO * (0xff >> offset);
    let mut m = (m >> offset) & down | (m << (BUCKET_CNT - offset)) & !down;
    while m != 0 {
        let s = m.trailing_zeros() as usize;
        m &= m - 1;
        acc = f(acc, units[(s / BUCKET_CNT) % GROUP], (s + offset) % BUCKET_CNT);
    }
    acc
}
