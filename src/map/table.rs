//! The hmap: header fields, lookup, assign, delete, growth and evacuation, iteration order.
//!
//! Everything here takes the key's hash from the caller; the only hashing done inside is during
//! evacuation and rebuilds, through a function the caller passes in. `GoMap` (mod.rs) owns the
//! hasher and wraps these raw operations in safe, typed methods.

use core::cell::Cell;
use core::mem;
use core::sync::atomic::{AtomicU8, Ordering::Relaxed};

use super::bucket::{AllocFailure, Bucket, BucketArray, Shape};
use super::group::{lowest, match_full, Needle, LO};
use super::hooks::{Generation, GrowPace, Observer};
use super::memory::Retired;
use super::{
    BUCKET_CNT, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y, LOAD_FACTOR_DEN,
    LOAD_FACTOR_NUM, MIN_TOP_HASH,
};

/// Buckets whose filled slots a `fold` gathers into one 64-bit mask.
pub(crate) const GROUP: usize = 64 / BUCKET_CNT;

/// Go's `tophash`: the hash's top byte, lifted past the reserved marker values.
#[inline(always)]
pub(crate) fn tophash(hash: u64) -> u8 {
    let top = (hash >> 56) as u8;
    if top < MIN_TOP_HASH {
        top + MIN_TOP_HASH
    } else {
        top
    }
}

/// Go's `overLoadFactor`: would `count` entries in 2^B buckets exceed 6.5 per bucket?
#[inline(always)]
pub(crate) fn over_load_factor(count: usize, b: u8) -> bool {
    // B never reaches 60 (the array would not fit in memory), so this cannot overflow.
    count > BUCKET_CNT && count > LOAD_FACTOR_NUM * ((1usize << b) / LOAD_FACTOR_DEN)
}

/// Go's `tooManyOverflowBuckets`: as many overflow buckets as main buckets (capped at 2^15).
#[inline(always)]
pub(crate) fn too_many_overflow_buckets(noverflow: u16, b: u8) -> bool {
    let b = b.min(15);
    u32::from(noverflow) >= 1u32 << b
}

/// The insert fast path's grow triggers for `b`: over the load factor after one more entry iff
/// `count >= .0` (`over_load_factor(count + 1, b)`), too many overflow buckets iff
/// `noverflow >= .1` (`too_many_overflow_buckets(noverflow, b)`).
pub(crate) fn grow_limits(b: u8) -> (usize, u16) {
    (BUCKET_CNT.max(LOAD_FACTOR_NUM * ((1usize << b) / LOAD_FACTOR_DEN)), 1 << b.min(15))
}

/// Go's makemap rule: the smallest B that holds `hint` entries without passing the load factor.
pub(crate) fn b_for_hint(hint: usize) -> u8 {
    let mut b = 0u8;
    while b < 61 && over_load_factor(hint, b) {
        b += 1;
    }
    b
}

thread_local! {
    static RAND_STATE: Cell<u64> = Cell::new(rand::random());
}

/// Go's `cheaprand`: a fast per-thread generator (wyrand) for iteration start points and
/// noverflow sampling; never used for anything that needs to be unpredictable.
pub(crate) fn cheaprand() -> u64 {
    RAND_STATE.with(|s| {
        let x = s.get().wrapping_add(0xa076_1d64_78bd_642f);
        s.set(x);
        let t = u128::from(x) * u128::from(x ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A found entry: its bucket and slot, and the head of the chain it sits in.
pub struct Found<K, V> {
    pub(crate) head: Bucket<K, V>,
    pub(crate) bucket: Bucket<K, V>,
    pub(crate) slot: usize,
}

impl<K, V> Clone for Found<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Found<K, V> {}

/// Where an absent key will go: a free slot chosen by Go's mapassign rules.
pub struct Vacant<K, V> {
    pub(crate) head: Bucket<K, V>,
    pub(crate) bucket: Bucket<K, V>,
    pub(crate) slot: usize,
    pub(crate) top: u8,
}

/// Go's hmap.
pub struct Hmap<K, V> {
    /// Live entries (Go's `count`).
    pub(crate) count: usize,
    /// log2 of the bucket count.
    pub(crate) b: u8,
    pub(crate) same_size_grow: bool,
    /// Approximate number of overflow buckets (exact while B < 16).
    pub(crate) noverflow: u16,
    /// The current array; `None` until the first insert of a map made with no hint.
    pub(crate) buckets: Option<BucketArray<K, V>>,
    /// The previous array while growing.
    pub(crate) oldbuckets: Option<BucketArray<K, V>>,
    /// Cached for lookups: bucket 0 of `buckets` (a shared all-emptyRest bucket before the
    /// first allocation, so an empty map needs no special case) and 2^B - 1.
    cur: Bucket<K, V>,
    mask: usize,
    /// Old buckets below this index are all evacuated.
    pub(crate) nevacuate: usize,
    /// The grow triggers for the current B, precomputed for the insert fast path: a grow is due
    /// when `count >= load_limit` (over the load factor after one more) or `noverflow >=
    /// overflow_limit` (too many overflow buckets).
    load_limit: usize,
    overflow_limit: u16,
    /// The last finished grow's old generation, going back to the kernel a step per write
    /// (memory.rs); nothing reads it.
    pub(crate) retired: Option<Retired>,
    /// Made with a hint of 1-8 (B = 0): no bucket yet, as in Go, but room for 8 promised.
    pub(crate) hinted: bool,
    /// Go's `iterator` and `oldIterator` flags: whether an iterator may be walking the current
    /// or the old array. Set through `&self` (an iterator borrows the map shared), so atomic,
    /// as Go's `atomic.Or8`; they only decide whether evacuate clears old buckets.
    iter_flags: AtomicU8,
}

/// Go's hmap flag: an iterator may be using the current array.
const ITERATOR: u8 = 1;
/// Go's hmap flag: an iterator may be using the old array.
const OLD_ITERATOR: u8 = 2;

impl<K, V> Hmap<K, V> {
    pub(crate) const fn new() -> Self {
        Hmap {
            count: 0,
            b: 0,
            same_size_grow: false,
            noverflow: 0,
            buckets: None,
            oldbuckets: None,
            nevacuate: 0,
            cur: Bucket::empty(),
            mask: 0,
            load_limit: 0,
            overflow_limit: 0,
            retired: None,
            hinted: false,
            iter_flags: AtomicU8::new(0),
        }
    }

    /// Go's mapiterinit records that an iterator exists (a map without entries gets none).
    pub(crate) fn note_iterator(&self) {
        if self.count > 0 && self.iter_flags.load(Relaxed) != ITERATOR | OLD_ITERATOR {
            self.iter_flags.fetch_or(ITERATOR | OLD_ITERATOR, Relaxed);
        }
    }

    /// Installs `arr` as the current array (B follows it) and returns the previous one.
    fn set_buckets(&mut self, arr: Option<BucketArray<K, V>>) -> Option<BucketArray<K, V>> {
        match &arr {
            Some(a) => {
                self.b = a.b();
                self.cur = a.bucket(0);
                self.mask = a.len() - 1;
                (self.load_limit, self.overflow_limit) = grow_limits(self.b);
            }
            None => {
                self.cur = Bucket::empty();
                self.mask = 0;
            }
        }
        mem::replace(&mut self.buckets, arr)
    }

    /// Go's makemap: B is the smallest that holds `hint` entries within the load factor. As
    /// in Go (makemap_small), a B = 0 map gets its one bucket on the first insert.
    pub(crate) fn makemap(hint: usize) -> Result<Self, AllocFailure> {
        match b_for_hint(hint) {
            0 => Ok(Hmap { hinted: hint > 0, ..Self::new() }),
            b => Self::try_with_b(b),
        }
    }

    /// A table with 2^b buckets allocated now.
    fn try_with_b(b: u8) -> Result<Self, AllocFailure> {
        let mut t = Self::new();
        t.set_buckets(Some(BucketArray::try_new(b, true)?));
        Ok(t)
    }

    #[inline(always)]
    pub(crate) fn growing(&self) -> bool {
        self.oldbuckets.is_some()
    }

    #[inline(always)]
    pub(crate) fn bucket_mask(&self) -> usize {
        self.mask
    }

    /// Entries the current array holds before the next load-factor grow.
    pub(crate) fn capacity(&self) -> usize {
        match self.buckets {
            None if self.hinted => BUCKET_CNT,
            None => 0,
            Some(_) if self.b == 0 => BUCKET_CNT,
            Some(_) => LOAD_FACTOR_NUM * ((1usize << self.b) / LOAD_FACTOR_DEN),
        }
    }

    /// Go's mapaccess1/mapaccess2 (an `Option` serves both): the chain to search is the new
    /// bucket's, or the old one's while that has not been evacuated yet.
    #[inline]
    pub(crate) fn mapaccess(
        &self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
    ) -> Option<(Bucket<K, V>, usize)> {
        self.mapaccess_observed(hash, eq, &mut ())
    }

    /// `mapaccess`, reporting what it does to `obs` (see raw.rs).
    #[inline(always)]
    pub(crate) fn mapaccess_observed<O: Observer>(
        &self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        obs: &mut O,
    ) -> Option<(Bucket<K, V>, usize)> {
        let bucket = hash as usize & self.mask;
        // SAFETY: mask + 1 buckets start at cur (or mask == 0 and cur is the shared empty one,
        // whose emptyRest tophash ends the search before anything else is read).
        let mut b = unsafe { self.cur.offset(bucket) };
        let mut read = (Generation::Current, bucket);
        if let Some((oi, ob)) = self.unevacuated_old(bucket) {
            b = ob;
            read = (Generation::Old, oi);
        }
        if O::ENABLED {
            obs.chain(self.buckets.is_some().then_some(read));
        }
        // No prefetch of the slots here, unlike insert and remove: a lookup that misses stops
        // at the tophash line, and two more lines per miss cost more than a hit gains
        // (docs/performance.md, "Measurements behind code choices").
        // SAFETY: a chain of one of the arrays `&self` borrows, or the shared empty bucket.
        unsafe { search_chain::<K, V, false>(b, tophash(hash), &mut eq, obs) }.ok()
    }

    /// The old bucket that reads of current bucket `bucket` go to instead while it is not
    /// evacuated (Go's mapaccess and mapiternext): its index and bucket. A plain `if`, not
    /// `?` and `then_some`, which compiled to a longer lookup
    /// (docs/performance.md, "Measurements behind code choices").
    #[inline(always)]
    pub(crate) fn unevacuated_old(&self, bucket: usize) -> Option<(usize, Bucket<K, V>)> {
        if let Some(old) = &self.oldbuckets {
            let oi = bucket & (old.len() - 1);
            // SAFETY: masked by 2^oldB - 1, so in the old array.
            let ob = unsafe { old.bucket_unchecked(oi) };
            // SAFETY: a bucket of the old array, which `self` borrows.
            if !unsafe { ob.evacuated() } {
                return Some((oi, ob));
            }
        }
        None
    }

    /// The chain that reads of current bucket `bucket` search (see `unevacuated_old`).
    pub(crate) fn read_chain(&self, bucket: usize) -> (Generation, usize) {
        match self.unevacuated_old(bucket) {
            Some((oi, _)) => (Generation::Old, oi),
            None => (Generation::Current, bucket),
        }
    }

    /// Go's `iterator` and `oldIterator` flags.
    pub(crate) fn iter_flags(&self) -> (bool, bool) {
        let f = self.iter_flags.load(Relaxed);
        (f & ITERATOR != 0, f & OLD_ITERATOR != 0)
    }

    /// Go's mapassign up to the store: grow work, search, grow trigger, slot choice. Returns the
    /// key's slot if present, else the slot to fill (`Vacant`), with room already made.
    #[inline]
    pub(crate) fn mapassign(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<Found<K, V>, Vacant<K, V>> {
        match self.mapassign_fast(hash, &mut eq) {
            Some(r) => r,
            None => self.mapassign_slow(hash, eq, hasher),
        }
    }

    /// The common case of `mapassign`: allocated, not growing, no grow due.
    /// `None` when the slow path must run instead (it searches again).
    #[inline(always)]
    pub(crate) fn mapassign_fast(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
    ) -> Option<Result<Found<K, V>, Vacant<K, V>>> {
        if self.growing() || self.buckets.is_none() || self.retired.is_some() {
            return None;
        }
        let top = tophash(hash);
        // SAFETY: the array is allocated, so cur and mask describe its 2^B buckets.
        let head = unsafe { self.cur.offset(hash as usize & self.mask) };
        head.prefetch_slots();
        // SAFETY: a chain of the current array, held by `&mut self`.
        let (insert, last) =
            match unsafe { search_chain::<K, V, true>(head, top, &mut eq, &mut ()) } {
                Ok((bucket, slot)) => return Some(Ok(Found { head, bucket, slot })),
                Err(absent) => absent,
            };
        if self.count >= self.load_limit || self.noverflow >= self.overflow_limit {
            return None;
        }
        // SAFETY: what search_chain just found in the chain from `head`, unchanged since.
        Some(Err(unsafe { self.vacant(head, insert, last, top, &mut ()) }))
    }

    /// All of `mapassign`, out of line: everything Go's mapassign does before the store.
    #[inline(never)]
    pub(crate) fn mapassign_slow(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<Found<K, V>, Vacant<K, V>> {
        self.mapassign_observed(hash, eq, hasher, &mut (), GrowPace::Go)
    }

    /// `mapassign_slow`, reporting grow work, the search and the slot choice to `obs` (see
    /// raw.rs and traced.rs).
    #[inline(always)]
    pub(crate) fn mapassign_observed<O: Observer>(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
        obs: &mut O,
        pace: GrowPace,
    ) -> Result<Found<K, V>, Vacant<K, V>> {
        if self.buckets.is_none() {
            self.set_buckets(Some(BucketArray::new(self.b, false)));
        }
        self.release_retired();
        let top = tophash(hash);
        loop {
            let bucket = hash as usize & self.bucket_mask();
            if self.growing() {
                self.grow_work(bucket, hasher, obs, pace);
            }
            // SAFETY: `bucket` is masked by bucket_mask(), 2^B - 1 of the current array, which
            // grow work does not replace.
            let head =
                unsafe { self.buckets.as_ref().expect("allocated").bucket_unchecked(bucket) };
            if O::ENABLED {
                obs.chain(Some((Generation::Current, bucket)));
            }
            // SAFETY: a chain of the current array, held by `&mut self`.
            let (insert, last) =
                match unsafe { search_chain::<K, V, true>(head, top, &mut eq, obs) } {
                    Ok((bucket, slot)) => return Ok(Found { head, bucket, slot }),
                    Err(absent) => absent,
                };
            // Absent. Growing invalidates the slot search, so start over afterwards (Go's
            // `goto again`).
            if !self.growing()
                && (over_load_factor(self.count + 1, self.b)
                    || too_many_overflow_buckets(self.noverflow, self.b))
            {
                self.hash_grow(obs);
                continue;
            }
            // SAFETY: what search_chain just found in the chain from `head`, unchanged since.
            return Err(unsafe { self.vacant(head, insert, last, top, obs) });
        }
    }

    /// The slot for an absent key: the first empty one of the chain, else slot 0 of a new
    /// overflow bucket linked after `last`.
    ///
    /// # Safety
    /// `head` starts a chain of the current array, `last` is its last bucket, and `insert`
    /// (if any) an empty slot of it.
    #[inline(always)]
    unsafe fn vacant(
        &mut self,
        head: Bucket<K, V>,
        insert: Option<(Bucket<K, V>, usize)>,
        last: Bucket<K, V>,
        top: u8,
        obs: &mut impl Observer,
    ) -> Vacant<K, V> {
        let (bucket, slot) = match insert {
            Some(p) => p,
            // SAFETY: `last` ends a chain of the current array (caller).
            None => (unsafe { self.new_overflow(last, obs) }, 0),
        };
        Vacant { head, bucket, slot, top }
    }

    /// Fills a slot chosen by `mapassign`.
    ///
    /// # Safety
    /// `v` must come from the latest call of `mapassign` on this table, with no
    /// change to the table since.
    #[inline]
    pub(crate) unsafe fn insert_at(
        &mut self,
        v: Vacant<K, V>,
        key: K,
        value: V,
    ) -> (*mut K, *mut V) {
        // SAFETY: the slot is empty and belongs to this table (caller).
        unsafe {
            v.bucket.write(v.slot, v.top, key, value);
            self.count += 1;
            (v.bucket.key(v.slot), v.bucket.elem(v.slot))
        }
    }

    /// Go's mapdelete.
    #[inline(always)]
    pub(crate) fn mapdelete(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Option<(K, V)> {
        let (b, i) = self.mapdelete_slot(hash, eq, hasher)?;
        // SAFETY: `mapdelete_slot` just emptied this slot, which still holds the entry's bytes;
        // moving them out here is the one place that owns them.
        Some(unsafe { b.read_out(i) })
    }

    /// Go's mapdelete up to the entry itself: finds the key, marks its slot empty (the
    /// emptyRest fix-up included) and returns the slot, whose bytes the caller must move out at
    /// once. Split from `mapdelete` so that the location comes back in registers and the entry
    /// is read where it is used. Out of line: the callers stay small enough to inline.
    #[inline(never)]
    fn mapdelete_slot(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Option<(Bucket<K, V>, usize)> {
        self.mapdelete_observed(hash, eq, hasher, &mut (), GrowPace::Go)
    }

    /// `mapdelete_slot`, reporting grow work and the search to `obs`.
    #[inline(always)]
    pub(crate) fn mapdelete_observed<O: Observer>(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
        obs: &mut O,
        pace: GrowPace,
    ) -> Option<(Bucket<K, V>, usize)> {
        let head = if self.growing() || self.retired.is_some() {
            if O::ENABLED {
                self.mapdelete_grow_work_observed(hash, hasher, obs, pace)?
            } else {
                // Out of line, without the argument only a traced remove needs.
                self.mapdelete_grow_work(hash, hasher)?
            }
        } else {
            // SAFETY: mask + 1 buckets start at cur (or cur is the shared empty bucket, whose
            // emptyRest tophash ends the search at once).
            unsafe { self.cur.offset(hash as usize & self.mask) }
        };
        if O::ENABLED {
            let read = (Generation::Current, hash as usize & self.mask);
            obs.chain(self.buckets.is_some().then_some(read));
        }
        head.prefetch_slots();
        // SAFETY: a chain of the current array, held by `&mut self` (or the shared empty
        // bucket, when there is no array).
        let (b, i) =
            unsafe { search_chain::<K, V, false>(head, tophash(hash), &mut eq, obs) }.ok()?;
        // SAFETY: found filled in this table's current array, in the chain starting at head.
        unsafe { self.vacate(head, b, i) };
        Some((b, i))
    }

    /// `mapdelete` while growing (Go's mapdelete does grow work first) or while a retired
    /// generation is being given back. Returns the chain head.
    #[inline(never)]
    fn mapdelete_grow_work(
        &mut self,
        hash: u64,
        hasher: &impl Fn(&K) -> u64,
    ) -> Option<Bucket<K, V>> {
        self.mapdelete_grow_work_observed(hash, hasher, &mut (), GrowPace::Go)
    }

    /// `mapdelete_grow_work`, reporting the grow work to `obs`.
    #[inline(always)]
    fn mapdelete_grow_work_observed(
        &mut self,
        hash: u64,
        hasher: &impl Fn(&K) -> u64,
        obs: &mut impl Observer,
        pace: GrowPace,
    ) -> Option<Bucket<K, V>> {
        self.release_retired();
        let bucket = hash as usize & self.bucket_mask();
        if self.growing() {
            self.grow_work(bucket, hasher, obs, pace);
        }
        // SAFETY: `bucket` is masked by bucket_mask(), 2^B - 1 of the current array, which
        // grow work does not replace.
        Some(unsafe { self.buckets.as_ref()?.bucket_unchecked(bucket) })
    }

    /// One step of giving a finished grow's old generation back (memory.rs), on each write's
    /// slow path, so that no single write pays for the whole array.
    #[inline]
    fn release_retired(&mut self) {
        if let Some(r) = &mut self.retired {
            if !r.release_step() {
                self.retired = None;
            }
        }
    }

    /// Moves the entry out of a filled slot and empties it, restoring the emptyRest markers
    /// behind it.
    ///
    /// # Safety
    /// Slot `i` of `b` must be filled, and `b` must be in the chain that starts at `head`.
    pub(crate) unsafe fn remove_at(
        &mut self,
        head: Bucket<K, V>,
        b: Bucket<K, V>,
        i: usize,
    ) -> (K, V) {
        // SAFETY: slot i is filled (caller); `vacate` below only rewrites tophash bytes, and
        // moving out cannot panic.
        let kv = unsafe { b.read_out(i) };
        // SAFETY: as for this function.
        unsafe { self.vacate(head, b, i) };
        kv
    }

    /// Marks a filled slot empty, leaving its bytes for the caller to move out: emptyOne, or
    /// emptyRest (with the emptyOne run before it) when the chain now ends in empty slots, so
    /// that lookups stop early.
    ///
    /// # Safety
    /// Slot `i` of `b` must be filled, and `b` must be in the chain that starts at `head`; the
    /// caller takes ownership of the slot's key and value.
    #[inline]
    unsafe fn vacate(&mut self, head: Bucket<K, V>, b: Bucket<K, V>, i: usize) {
        self.count -= 1;
        // Computed on the whole tophash word, so the common cases take no data-dependent branch.
        let shift = 8 * i;
        // SAFETY: `b` is in this table's chain (caller), which `&mut self` holds.
        let word = unsafe { b.top_word() } & !(0xff << shift) | u64::from(EMPTY_ONE) << shift;
        // The tests below read emptyRest bytes as zero bytes.
        const { assert!(EMPTY_REST == 0) };
        // Is slot i + 1 emptyRest? An emptyRest byte (zero) has only zero bytes above it, so
        // within the bucket that is: nothing above slot i. Slot 7 asks the next bucket.
        // `&`, not `&&`: the first test is data and would make a branch that mispredicts.
        // SAFETY: `b` and its successor are in this table's chain (caller), held mutably.
        let next_is_rest = ((word >> shift) >> 8 == 0)
            & (i < BUCKET_CNT - 1
                || unsafe { b.overflow().is_none_or(|o| o.top(0) == EMPTY_REST) });
        // Then slot i and the emptyOne run below it, down to the highest filled slot, turn
        // emptyRest: keep the bytes up to that slot and zero the rest (above i they are zero
        // already). Only filled and emptyOne slots sit below a filled slot.
        let full = match_full(word);
        let keep = u64::MAX.checked_shr(full.leading_zeros()).unwrap_or(0);
        // A mask rather than an `if`, which the compiler would turn into a branch that
        // mispredicts about half the time.
        // SAFETY: as for the read of `word`: only slot i's byte changed, to emptyOne or, with
        // the run below it, emptyRest, both true once the caller moves the entry out.
        unsafe { b.set_top_word(word & (keep | !u64::from(next_is_rest).wrapping_neg())) };
        if next_is_rest && full == 0 && b != head {
            // The run reaches slot 0: it may go on in the previous bucket of the chain.
            // SAFETY: `b` is in the chain from `head` (caller), which `&mut self` holds.
            unsafe { mark_empty_rest_before(head, b) };
        }
    }

    /// Go's hashGrow: a new array, twice as big or (too many overflow buckets) the same size.
    /// Nothing moves yet; writes evacuate incrementally.
    fn hash_grow(&mut self, obs: &mut impl Observer) {
        let bigger = if over_load_factor(self.count + 1, self.b) {
            1
        } else {
            self.same_size_grow = true;
            0
        };
        obs.grow(self.same_size_grow, self.b + bigger);
        let new = BucketArray::new(self.b + bigger, false);
        self.oldbuckets = self.set_buckets(Some(new));
        self.nevacuate = 0;
        self.noverflow = 0;
        // An iterator started before now walks what is now the old array.
        let it = self.iter_flags.load(Relaxed) & ITERATOR != 0;
        self.iter_flags.store(if it { OLD_ITERATOR } else { 0 }, Relaxed);
    }

    /// Go's growWork: evacuate the old bucket a write is about to use, then one more (unless
    /// `pace` holds the second back, for teaching).
    #[inline]
    fn grow_work(
        &mut self,
        bucket: usize,
        hasher: &impl Fn(&K) -> u64,
        obs: &mut impl Observer,
        pace: GrowPace,
    ) {
        let old = self.oldbuckets.as_ref().expect("growing");
        let oldbucket = bucket & (old.len() - 1);
        obs.grow_work(oldbucket);
        // SAFETY: masked by 2^oldB - 1, so a bucket of the old array, which `self` holds.
        let evacuated = unsafe { old.bucket_unchecked(oldbucket).evacuated() };
        // An evacuated bucket needs no call, unless it is the one nevacuate waits on.
        if !evacuated || oldbucket == self.nevacuate {
            // SAFETY: oldbucket was masked by 2^oldB - 1.
            unsafe { self.evacuate(oldbucket, hasher, obs) };
        }
        if self.growing() {
            if pace == GrowPace::HoldSecond {
                obs.held(self.nevacuate);
            } else {
                // SAFETY: while growing, nevacuate < 2^oldB: the grow ends when it gets there.
                unsafe { self.evacuate(self.nevacuate, hasher, obs) };
            }
        }
    }

    /// The second half of Go's growWork on its own: evacuate old bucket `nevacuate`. What a
    /// write does after its own bucket, run by hand in traced.rs's teaching mode.
    #[cfg(feature = "teach")]
    pub(crate) fn evacuate_next(&mut self, hasher: &impl Fn(&K) -> u64, obs: &mut impl Observer) {
        if self.growing() {
            // SAFETY: while growing, nevacuate < 2^oldB: the grow ends when it gets there.
            unsafe { self.evacuate(self.nevacuate, hasher, obs) };
        }
    }

    /// Go's evacuate: moves old bucket `oldbucket`'s chain to X (same index) or, for a doubling
    /// grow, Y (index + old size) by the hash bit that the new mask adds.
    ///
    /// All hashes are computed before anything moves, so a panicking `Hash` leaves the map as it
    /// was; the moves themselves cannot panic.
    ///
    /// # Safety
    /// `oldbucket < 2^oldB`.
    unsafe fn evacuate(
        &mut self,
        oldbucket: usize,
        hasher: &impl Fn(&K) -> u64,
        obs: &mut impl Observer,
    ) {
        let old = self.oldbuckets.as_ref().expect("growing");
        let newbit = old.len();
        // SAFETY: oldbucket < 2^oldB (caller).
        let b0 = unsafe { old.bucket_unchecked(oldbucket) };
        // SAFETY: the old array's bucket; `&mut self` holds the array.
        if !unsafe { b0.evacuated() } {
            obs.evacuate(oldbucket, (!self.same_size_grow).then_some(oldbucket + newbit));
            b0.prefetch_slots();
            let new = self.buckets.as_ref().expect("growing");
            // X and Y: oldbucket < 2^oldB (caller), and the new array has
            // 2^oldB buckets (same size) or twice that.
            // SAFETY: X, in bounds as just said.
            let xb = unsafe { new.bucket_unchecked(oldbucket) };
            // A same-size grow sends nothing to Y (its masks are all zero), so Y is X there.
            let yi = if self.same_size_grow { oldbucket } else { oldbucket + newbit };
            // SAFETY: Y, in bounds as just said.
            let yb = unsafe { new.bucket_unchecked(yi) };
            xb.prefetch();
            if !self.same_size_grow {
                yb.prefetch();
            }
            // Per bucket of the chain, the slots whose entries go to Y (high bit of byte i).
            let mut to_y = ChainMasks::default();
            if !self.same_size_grow {
                let mut b = Some(b0);
                while let Some(bk) = b {
                    // SAFETY: a bucket of the old chain, which `&mut self` holds.
                    let mut full = match_full(unsafe { bk.top_word() });
                    let mut ym = 0;
                    while full != 0 {
                        let i = lowest(full);
                        // SAFETY: the slot's tophash says filled; nothing writes it meanwhile.
                        let hash = hasher(unsafe { &*bk.key(i) });
                        ym |= (full & full.wrapping_neg()) * u64::from(hash as usize & newbit != 0);
                        full &= full - 1;
                    }
                    to_y.push(ym);
                    // SAFETY: a bucket of the old chain, which `&mut self` holds.
                    b = unsafe { bk.overflow() };
                }
            }
            let mut x = EvacDst { b: xb, i: 0, index: oldbucket, depth: 0 };
            let mut y = EvacDst { b: yb, i: 0, index: yi, depth: 0 };
            let mut b = Some(b0);
            let mut k = 0;
            while let Some(bk) = b {
                // SAFETY: a bucket of the old chain, which `&mut self` holds.
                let word = unsafe { bk.top_word() };
                let full = match_full(word);
                let ym = to_y.get(k);
                let xm = full & !ym;
                self.evacuate_run(bk, word, xm, &mut x, k, obs);
                self.evacuate_run(bk, word, ym, &mut y, k, obs);
                // Empty slots become evacuatedEmpty, moved ones evacuatedX or evacuatedY
                // ((m >> 7) has a 1 in each marked byte, so the products stay bytewise).
                let marks = (LO * u64::from(EVACUATED_EMPTY))
                    ^ ((xm >> 7) * u64::from(EVACUATED_EMPTY ^ EVACUATED_X))
                    ^ ((ym >> 7) * u64::from(EVACUATED_EMPTY ^ EVACUATED_Y));
                // SAFETY: a bucket of the old chain, held by `&mut self`; its entries have all moved.
                unsafe { bk.set_top_word(marks) };
                k += 1;
                // SAFETY: a bucket of the old chain, which `&mut self` holds.
                b = unsafe { bk.overflow() };
            }
            // Go unlinks the chain and zeroes the moved-out slots when the bucket holds
            // pointers (for its garbage collector) and no iterator may still read them.
            if Shape::<K, V>::HOLDS_POINTERS && self.iter_flags.load(Relaxed) & OLD_ITERATOR == 0 {
                // SAFETY: the old chain's head, held by `&mut self`, every entry moved out; no iterator
                // reads the old array, so unlinking its chain strands no reader.
                unsafe { b0.clear_after_tophash() };
            }
        }
        if oldbucket == self.nevacuate {
            self.advance_evacuation_mark(newbit, obs);
        }
    }

    /// Moves the slots of `src` (bmap `depth` of its chain) marked in `m` (high bit of byte i
    /// for slot i) to the next free slots of `dst`, in slot order, chaining overflow buckets as
    /// `dst` fills.
    #[inline(always)]
    fn evacuate_run(
        &mut self,
        src: Bucket<K, V>,
        word: u64,
        mut m: u64,
        dst: &mut EvacDst<K, V>,
        depth: usize,
        obs: &mut impl Observer,
    ) {
        while m != 0 {
            let i = lowest(m);
            m &= m - 1;
            if dst.i == BUCKET_CNT {
                // SAFETY: dst.b is the last bucket of its new chain: evacuation appends only
                // here, and only it fills this chain while the old bucket is unevacuated.
                dst.b = unsafe { self.new_overflow(dst.b, obs) };
                dst.i = 0;
                dst.depth += 1;
            }
            obs.moved((depth, i), (dst.index, dst.depth, dst.i));
            // SAFETY: the old slot is filled and the destination slot is the next unused one of
            // a bucket that only this evacuation fills; the caller marks the old slot evacuated
            // before anything can observe it, so ownership moves once.
            unsafe { src.move_to(i, dst.b, dst.i, (word >> (8 * i)) as u8) };
            dst.i += 1;
        }
    }

    /// Go's advanceEvacuationMark: moves nevacuate past evacuated buckets and ends the grow when
    /// it reaches the old size.
    fn advance_evacuation_mark(&mut self, newbit: usize, obs: &mut impl Observer) {
        self.nevacuate += 1;
        let stop = (self.nevacuate + 1024).min(newbit);
        let old = self.oldbuckets.as_mut().expect("growing");
        // SAFETY: nevacuate < stop <= 2^oldB: a bucket of the old array, held by `&mut self`.
        while self.nevacuate != stop && unsafe { old.bucket_unchecked(self.nevacuate).evacuated() }
        {
            self.nevacuate += 1;
        }
        if self.nevacuate == newbit {
            // Every slot is an evacuated marker: nothing to drop, and the memory goes back a
            // step per write from now on (a previous retiree, long finished in practice, goes
            // back at once).
            let old = self.oldbuckets.take().expect("growing");
            self.retired = old.retire(self.buckets.as_mut().expect("growing"));
            self.same_size_grow = false;
            obs.grow_done();
        }
    }

    /// Go's newoverflow: links a fresh overflow bucket after `b` and counts it. Out of line:
    /// it is the rare step of the insert and evacuation loops.
    ///
    /// # Safety
    /// `b` is the last bucket of a chain of the current array.
    #[inline(never)]
    unsafe fn new_overflow(&mut self, b: Bucket<K, V>, obs: &mut impl Observer) -> Bucket<K, V> {
        let ovf = self.buckets.as_mut().expect("allocated").alloc_overflow();
        self.incr_noverflow();
        // SAFETY: `b` ends a chain of the current array (caller), held by `&mut self`; `ovf`
        // is fresh from the same generation and in no chain.
        unsafe { b.set_overflow(Some(ovf)) };
        obs.overflow();
        ovf
    }

    /// Go's incrnoverflow: exact below B = 16, then sampled with probability 1/2^(B-15) so the
    /// 16-bit counter still tracks about 2^B.
    fn incr_noverflow(&mut self) {
        if self.b < 16 {
            self.noverflow = self.noverflow.wrapping_add(1);
            return;
        }
        let mask = (1u64 << (self.b - 15)) - 1;
        if cheaprand() & mask == 0 {
            self.noverflow = self.noverflow.wrapping_add(1);
        }
    }

    /// Go's mapclear: drop every entry, keep the current array at its size, zeroed. Like Go's,
    /// it does nothing to a map with no entries (a grow in progress, overflow buckets and
    /// emptyOne markers stay).
    pub(crate) fn mapclear(&mut self) {
        if self.count != 0 {
            self.reset();
        }
    }

    /// `mapclear` whatever `count` says (a `Drain` zeroes it first): drops every entry still
    /// stored and empties the current array in place.
    pub(crate) fn reset(&mut self) {
        self.count = 0;
        self.noverflow = 0;
        self.nevacuate = 0;
        self.same_size_grow = false;
        let old = self.oldbuckets.take();
        self.retired = None;
        if let Some(b) = self.buckets.as_mut() {
            b.clear();
        }
        drop(old);
    }

    /// Moves every entry into a fresh array of 2^new_b buckets (shrink_to, reserve). All
    /// hashes are taken before anything moves, so a panicking `Hash` changes nothing.
    pub(crate) fn rebuild(
        &mut self,
        new_b: u8,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), AllocFailure> {
        let mut items: Vec<(Bucket<K, V>, usize, u64)> = Vec::new();
        items.try_reserve_exact(self.count).map_err(|_| AllocFailure::CapacityOverflow)?;
        for arr in [self.oldbuckets.as_ref(), self.buckets.as_ref()].into_iter().flatten() {
            arr.for_each_filled(|b, i| {
                // SAFETY: for_each_filled passes filled slots only, of an array `self` holds.
                items.push((b, i, hasher(unsafe { &*b.key(i) })));
            });
        }
        let mut new = BucketArray::<K, V>::try_new(new_b, true)?;
        let mask = (1usize << new_b) - 1;
        // The next free slot of each chain, so that placing an entry is O(1).
        let mut tails: Vec<(Bucket<K, V>, usize)> =
            // SAFETY: j <= mask < 2^new_b.
            (0..=mask).map(|j| (unsafe { new.bucket_unchecked(j) }, 0)).collect();
        let mut noverflow = 0u16;
        // Every `b` is a filled slot's bucket in an array `&mut self` holds, every tail a bucket
        // of `new`, which this function owns: all writable.
        for (b, i, hash) in items {
            let tail = &mut tails[hash as usize & mask];
            if tail.1 == BUCKET_CNT {
                let ovf = new.alloc_overflow();
                // SAFETY: the tail ends its chain of `new` (writable, as said above); `ovf` is
                // fresh from `new`.
                unsafe { tail.0.set_overflow(Some(ovf)) };
                *tail = (ovf, 0);
                noverflow = noverflow.wrapping_add(1);
            }
            // SAFETY: the old slot is filled and the new one unused, both writable (as said
            // above); marking the old slot empty right after hands ownership to the new array.
            unsafe {
                let top = b.top(i);
                b.move_to(i, tail.0, tail.1, top);
                b.set_top(i, EMPTY_ONE);
            }
            tail.1 += 1;
        }
        self.oldbuckets = None;
        self.set_buckets(Some(new));
        self.noverflow = if new_b < 16 { noverflow } else { noverflow >> (new_b - 15) };
        self.nevacuate = 0;
        self.same_size_grow = false;
        Ok(())
    }

    /// Copies the table bucket for bucket, mid-grow state included (Go's mapclone copies bucket
    /// arrays too), cloning each entry with `f`. No hashing, so `K: Hash` is not needed.
    pub(crate) fn mapclone(&self, f: &mut dyn FnMut(&K, &V) -> (K, V)) -> Self {
        let mut t = Hmap::new();
        t.mapclone_from(self, f);
        t
    }

    /// `mapclone` into this table (`Clone::clone_from`), reusing its arrays, and their overflow
    /// arenas, where one has the B that a source array has.
    ///
    /// The table is emptied first, so if an entry's `Drop` or `f` panics it is left empty:
    /// the entries cloned so far drop with the array they were written to, and nothing is
    /// dropped twice.
    pub(crate) fn mapclone_from(&mut self, src: &Self, f: &mut dyn FnMut(&K, &V) -> (K, V)) {
        let mut spare = [self.set_buckets(None), self.oldbuckets.take()];
        *self = Hmap::new();
        for a in spare.iter_mut().flatten() {
            a.clear();
        }
        let mut copy = |src: &BucketArray<K, V>| {
            let reused = spare.iter_mut().find(|a| a.as_ref().is_some_and(|a| a.b() == src.b()));
            let mut dst = match reused.and_then(Option::take) {
                Some(a) => a,
                None => BucketArray::new(src.b(), true),
            };
            clone_array(src, &mut dst, f);
            dst
        };
        let buckets = src.buckets.as_ref().map(&mut copy);
        let oldbuckets = src.oldbuckets.as_ref().map(&mut copy);
        drop(spare);
        *self = Hmap {
            cur: Bucket::empty(),
            mask: 0,
            buckets: None,
            oldbuckets,
            retired: None,
            iter_flags: AtomicU8::new(src.iter_flags.load(Relaxed)),
            ..*src
        };
        self.set_buckets(buckets);
    }

    /// Bytes held by both generations, overflow buckets and indirect boxes included.
    pub(crate) fn allocated_bytes(&self) -> usize {
        [self.buckets.as_ref(), self.oldbuckets.as_ref()]
            .into_iter()
            .flatten()
            .map(BucketArray::allocated_bytes)
            .sum()
    }
}

/// Copies every chain of `src` into the empty array `dst` of the same B, slot for slot
/// (tophash markers included), cloning entries with `f`.
fn clone_array<K, V>(
    src: &BucketArray<K, V>,
    dst: &mut BucketArray<K, V>,
    f: &mut dyn FnMut(&K, &V) -> (K, V),
) {
    debug_assert_eq!(src.b(), dst.b());
    // `s` walks a chain of `src`, which `&src` borrows (readable); `d` the same chain of `dst`,
    // which `&mut dst` holds (writable).
    for j in 0..src.len() {
        let (mut s, mut d) = (src.bucket(j), dst.bucket(j));
        loop {
            for i in 0..BUCKET_CNT {
                // SAFETY: `s` is readable, as said above.
                let top = unsafe { s.top(i) };
                if top >= MIN_TOP_HASH {
                    // SAFETY: slot i of the readable `s` is filled.
                    let (k, v) = unsafe { f(&*s.key(i), &*s.elem(i)) };
                    // SAFETY: slot i of d is empty: dst was empty, and each slot is written once.
                    unsafe { d.write(i, top, k, v) };
                } else {
                    // SAFETY: `d` is writable; an empty or evacuated mark copied from `s` is as
                    // true of `d`'s empty slot.
                    unsafe { d.set_top(i, top) };
                }
            }
            // SAFETY: `s` is readable, as said above.
            match unsafe { s.overflow() } {
                Some(next) => {
                    let nd = dst.alloc_overflow();
                    // SAFETY: `d` ends its chain of `dst` (writable); `nd` is fresh.
                    unsafe { d.set_overflow(Some(nd)) };
                    (s, d) = (next, nd);
                }
                None => break,
            }
        }
    }
}

/// What a chain search found: the key's bucket and slot, or, the key absent, the first empty
/// slot passed (when asked for) and the last bucket searched.
#[allow(clippy::type_complexity)]
type Search<K, V> = Result<(Bucket<K, V>, usize), (Option<(Bucket<K, V>, usize)>, Bucket<K, V>)>;

/// Go's chain loop, shared by mapaccess, mapassign and mapdelete: searches the chain from
/// `head` for a key with tophash `top` that `eq` accepts, stopping at the first emptyRest. With
/// `VACANCY` (mapassign) it also notes the first empty slot on the way, Go's `inserti`. Testing
/// all 8 tophash bytes at once finds the same slots, in the same order, as Go's byte loop.
///
/// # Safety
/// `head` starts a readable chain, or is the shared empty bucket (whose emptyRest bytes end the
/// search before anything past them is read).
#[inline(always)]
unsafe fn search_chain<K, V, const VACANCY: bool>(
    head: Bucket<K, V>,
    top: u8,
    eq: &mut impl FnMut(&K) -> bool,
    obs: &mut impl Observer,
) -> Search<K, V> {
    let needle = Needle::new(top);
    let mut insert = None;
    let mut b = head;
    loop {
        // SAFETY: `b` is in the readable chain from `head` (caller).
        let word = unsafe { b.top_word() };
        obs.bmap(word);
        if VACANCY && insert.is_none() {
            let e = Needle::empties(word);
            if e != 0 {
                insert = Some((b, lowest(e)));
            }
        }
        let mut m = needle.matches(word);
        while m != 0 {
            let i = lowest(m);
            // SAFETY: tophash == top >= MIN_TOP_HASH, so slot i is filled.
            let equal = eq(unsafe { &*b.key(i) });
            obs.compare(i, equal);
            if equal {
                return Ok((b, i));
            }
            m &= m - 1;
        }
        // An emptyRest byte: nothing further in this bucket or its chain.
        if Needle::ends_chain(word) {
            return Err((insert, b));
        }
        // SAFETY: `b` is in the readable chain, and not the empty bucket, whose search ended.
        match unsafe { b.overflow() } {
            Some(next) => b = next,
            None => return Err((insert, b)),
        }
    }
}

/// Turns the trailing emptyOne slots of the buckets before `c` in the chain from `head` into
/// emptyRest, walking back until a filled slot (the rare tail of Go's mapdelete).
///
/// # Safety
/// `head` starts a writable chain that `c` is in, and every slot from `c` on is empty.
#[cold]
#[inline(never)]
unsafe fn mark_empty_rest_before<K, V>(head: Bucket<K, V>, mut c: Bucket<K, V>) {
    while c != head {
        let mut b = head;
        // SAFETY: `b` walks the writable chain from `head` (caller) up to `c`, which is in it.
        unsafe {
            while b.overflow() != Some(c) {
                b = b.overflow().expect("c is in the chain");
            }
        }
        for i in (0..BUCKET_CNT).rev() {
            // SAFETY: `b` is in the writable chain; an emptyOne slot followed only by empty
            // slots is truthfully emptyRest.
            unsafe {
                if b.top(i) != EMPTY_ONE {
                    return;
                }
                b.set_top(i, EMPTY_REST);
            }
        }
        c = b;
    }
}

/// Rewrites the empty slots after a chain's last filled slot as emptyRest.
///
/// # Safety
/// `head` starts a writable chain.
pub(crate) unsafe fn fix_empty_rest<K, V>(head: Bucket<K, V>) {
    let mut last: Option<(Bucket<K, V>, usize)> = None;
    let mut b = Some(head);
    while let Some(bk) = b {
        for i in 0..BUCKET_CNT {
            // SAFETY: `bk` is in the writable chain from `head` (caller).
            if unsafe { bk.top(i) } >= MIN_TOP_HASH {
                last = Some((bk, i));
            }
        }
        // SAFETY: `bk` is in the writable chain from `head` (caller).
        b = unsafe { bk.overflow() };
    }
    let (mut b, mut from) = match last {
        Some((bk, i)) => (Some(bk), i + 1),
        None => (Some(head), 0),
    };
    while let Some(bk) = b {
        // SAFETY: `bk` is in the writable chain from `head` (caller), at or after the bucket
        // of its last filled slot: the slots written are empty, and nothing filled follows.
        unsafe {
            for i in from..BUCKET_CNT {
                bk.set_top(i, EMPTY_REST);
            }
            b = bk.overflow();
        }
        from = 0;
    }
}

impl<K, V> Default for Hmap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// An evacuation destination: Go's evacDst, the next free slot of the X or Y chain. The new
/// bucket's index and the bmap's depth along its chain are for observers only.
struct EvacDst<K, V> {
    b: Bucket<K, V>,
    i: usize,
    index: usize,
    depth: usize,
}

/// One mask per bucket of an old chain, in chain order: inline for chains of up to four
/// buckets, which is all of them unless the hash is very poor.
#[derive(Default)]
struct ChainMasks {
    inline: [u64; 4],
    len: usize,
    spill: Vec<u64>,
}

impl ChainMasks {
    #[inline(always)]
    fn push(&mut self, m: u64) {
        if self.len < self.inline.len() {
            self.inline[self.len] = m;
        } else {
            self.spill.push(m);
        }
        self.len += 1;
    }

    #[inline(always)]
    fn get(&self, k: usize) -> u64 {
        match self.inline.get(k) {
            Some(&m) => m,
            None => self.spill.get(k - self.inline.len()).copied().unwrap_or(0),
        }
    }
}
