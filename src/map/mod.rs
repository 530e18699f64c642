//! `GoMap`: Go's classic runtime map (`runtime/map_noswiss.go`), bucket for bucket.
//!
//! # The design, before any code
//!
//! A map is a header (Go's `hmap`, here `table::Hmap`) and an array of 2^B buckets (Go's
//! `bmap`, here `bucket.rs`). The low B bits of a key's hash pick its bucket. Each bucket holds 8
//! entries: first 8 *tophash* bytes, then the 8 keys together, then the 8 values together, then a
//! pointer to an overflow bucket. Grouping keys and values avoids the padding a `(u64, u8)` pair
//! would need in every slot. A key or value over 128 bytes is boxed and the slot holds the
//! pointer (Go's indirect key and elem), so buckets stay small.
//!
//! The tophash byte is the hash's top 8 bits, lifted past 0..=4 which mark slot states:
//! emptyRest (0: this slot and every later one in the chain is empty, so lookups stop here),
//! emptyOne (1), and during a grow evacuatedX, evacuatedY and evacuatedEmpty (2, 3, 4). A lookup
//! compares a key only when its tophash matches; gomap tests all 8 tophash bytes of a bucket at
//! once with word arithmetic, which finds the same slots as Go's byte loop.
//!
//! When a bucket is full, an overflow bucket is chained to it. From B = 4 on, each bucket array
//! comes with spare buckets at its tail for this: 2^(B-4), plus as many as fit in the room Go's
//! allocator would round the array up to (`msize.rs`), so that the count is a real Go map's.
//! More come from an arena that belongs to that array's generation and is freed with it.
//!
//! The map grows when an insert would push the average past 6.5 entries per bucket (Go's
//! `overLoadFactor`: `count > 8 && count > 13 * (2^B / 2)`): the array doubles. It also grows,
//! to the same size, when there are about as many overflow buckets as buckets (after churn has
//! left chains half-empty). Growing is incremental: the old array stays, and each insert or
//! remove moves (evacuates) the old bucket it is about to use plus the next one in order
//! (`nevacuate`). On a doubling, an old bucket's entries split between the same index (X) and
//! index + old size (Y), by the one extra hash bit the new mask uses. Lookups read an old bucket
//! until it has been evacuated. No single insert does O(n) work.
//!
//! Iteration starts at a random bucket and a random slot offset, walks the buckets in order
//! with wrap-around, and mid-grow reads an unevacuated old bucket for the entries that belong to
//! the new bucket it stands in for (`mapiternext`).
//!
//! The map uses the hasher's output as Go uses its hash function's: bucket index = low B bits,
//! tophash = top byte. The default hasher is [`crate::RandomState`] (Go's aeshash or memhash).
//!
//! Incremental evacuation bounds the work of each write; `memory.rs` does the same for memory.
//! On Linux a grow's array (1 MiB and up) comes from the kernel in 4 KiB pages as evacuation
//! first touches them, never in 2 MiB huge pages zeroed at one go; a finished generation goes
//! back a slice per later write; and an array that `with_capacity`, `reserve`, `shrink_to` or
//! `clone` sized on purpose is faulted in, with huge pages, inside that call.
//!
//! Files: `bucket.rs` (bmap layout and a generation's buckets), `memory.rs` (where their memory
//! comes from and how it goes back), `msize.rs` (Go's allocator size classes, which size the
//! preallocated overflow buckets), `group.rs` (tests on all 8 tophash bytes at once),
//! `table.rs` (hmap: lookup, assign, delete, grow, evacuate), `hiter.rs` (hiter: Go's
//! iteration order, and the walk that removes as it goes), `hooks.rs` (what the engine reports
//! to an observer as it runs, and `GrowPace`, the teaching hold on evacuation), this file (the
//! std-compatible API), `entry.rs`, `iter.rs`, `traits.rs`, [`raw`] (a read-only view of
//! the insides, for teaching and inspection), and `traced` (feature `teach`: the map's own
//! writes and lookups reporting each step). Every file here but `msize.rs`, `hooks.rs` and
//! `traits.rs` may hold unsafe code (lib.rs allows it for this module; those three deny it).
//!
//! # Where Go's functions are
//!
//! Go's runtime functions keep their names in snake_case. Where gomap splits one (a fast path
//! inlined into the caller, a slow one out of line) or names it otherwise, this is the map:
//!
//! | Go (`runtime/map_noswiss.go`) | gomap | file |
//! |---|---|---|
//! | `makemap`, `makemap_small` | `Hmap::makemap` (B from `b_for_hint`); `Hmap::new`, which allocates nothing until the first insert | `table.rs` |
//! | `makeBucketArray` | `BucketArray::try_new`, `BucketArray::new` (`preallocated_overflow` sizes the tail) | `bucket.rs`, `msize.rs` |
//! | `roundupsize` | `roundupsize`, with Go's size class tables | `msize.rs` |
//! | `mapaccess1`, `mapaccess2`, `mapaccessK` | `Hmap::mapaccess`: an `Option` serves all three (`GoMap::get`, `get_key_value`, `contains_key`) | `table.rs` |
//! | `mapassign` | `Hmap::mapassign` = `mapassign_fast` (inlined: allocated, not growing, no grow due) or else `mapassign_slow` (first allocation, grow work, grow trigger); the store is `Hmap::insert_at` | `table.rs` |
//! | `mapdelete` | `Hmap::mapdelete` = `mapdelete_slot` (the search; `mapdelete_grow_work` first while growing) and `vacate` (emptyOne, and the emptyRest fix-up); `remove_at` for `OccupiedEntry::remove` | `table.rs` |
//! | the `bucketloop` of mapaccess, mapassign and mapdelete | `search_chain` (one loop for all three; mapassign's also notes `inserti`, the first empty slot) | `table.rs` |
//! | `hashGrow` | `Hmap::hash_grow` | `table.rs` |
//! | `growWork` | `Hmap::grow_work` | `table.rs` |
//! | `evacuate` | `Hmap::evacuate` (`evacuate_run` moves the entries bound for X, or for Y) | `table.rs` |
//! | `advanceEvacuationMark` | `Hmap::advance_evacuation_mark` | `table.rs` |
//! | `mapiterinit` | `Hiter::mapiterinit`; `mapiterinit_owning` (owning iterators, which set no flag); `mapiterinit_at` (a chosen start) | `hiter.rs` |
//! | `mapiternext` | `Hiter::mapiternext` (`elsewhere` is the `checkBucket` filter); `Hiter::fold` runs a whole fresh iteration in one loop | `hiter.rs` |
//! | `mapclear` | `Hmap::mapclear` (`reset` empties the array) | `table.rs` |
//! | `mapclone` | `Hmap::mapclone` | `table.rs` |
//! | `overLoadFactor` | `over_load_factor` (`grow_limits` turns it into one compare for the insert fast path) | `table.rs` |
//! | `tooManyOverflowBuckets` | `too_many_overflow_buckets` | `table.rs` |
//! | `newoverflow` | `Hmap::new_overflow` (`BucketArray::alloc_overflow` takes the bucket) | `table.rs`, `bucket.rs` |
//! | `incrnoverflow` | `Hmap::incr_noverflow` | `table.rs` |
//! | `tophash` | `tophash` | `table.rs` |
//! | `evacuated` | `Bucket::evacuated` | `bucket.rs` |
//! | `bucketMask` (`bucketShift` is `1 << B`, inline) | `Hmap::bucket_mask` | `table.rs` |
//! | `(*bmap).overflow`, `setoverflow` | `Bucket::overflow`, `Bucket::set_overflow` | `bucket.rs` |
//! | `(*hmap).growing`, `sameSizeGrow` | `Hmap::growing`, the `same_size_grow` field | `table.rs` |
//! | `cheaprand` | `cheaprand` | `table.rs` |
//! | `hmap`, `bmap`, `hiter` | `Hmap`, `Bucket` (with `Shape`), `Hiter` | `table.rs`, `bucket.rs`, `hiter.rs` |
//! | `t.Hasher` (`aeshash`, `memhash`) | [`crate::RandomState`] | `src/hash/` |

// lib.rs allows unsafe code in this module, whose API layer (this file) and engine files need
// it; the files that need none deny it again here.
mod bucket;
mod entry;
mod group;
mod hiter;
#[deny(unsafe_code)]
mod hooks;
mod iter;
mod memory;
#[deny(unsafe_code)]
mod msize;
pub mod raw;
mod table;
#[cfg(feature = "teach")]
#[cfg_attr(docsrs, doc(cfg(feature = "teach")))]
pub mod traced;
#[deny(unsafe_code)]
mod traits;

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{
    Drain, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut,
};

use bucket::AllocFailure;
pub(crate) use bucket::Bucket;
pub(crate) use hiter::HiterExtract;
pub(crate) use table::Hmap;
use table::{b_for_hint, ErasedHasher, Found, Vacant};

use crate::RandomState;

/// Slots per bucket (Go's `bucketCnt`).
pub const BUCKET_CNT: usize = 8;
/// Load factor numerator: the map grows past 13/2 = 6.5 entries per bucket.
pub const LOAD_FACTOR_NUM: usize = 13;
/// Load factor denominator.
pub const LOAD_FACTOR_DEN: usize = 2;
/// Keys larger than this many bytes are stored boxed (Go's `maxKeySize`).
pub const MAX_KEY_SIZE: usize = 128;
/// Values larger than this many bytes are stored boxed (Go's `maxElemSize`).
pub const MAX_ELEM_SIZE: usize = 128;
/// tophash: this slot and every later slot of the chain are empty.
pub const EMPTY_REST: u8 = 0;
/// tophash: this slot is empty.
pub const EMPTY_ONE: u8 = 1;
/// tophash (old bucket): the entry moved to the same index of the new array.
pub const EVACUATED_X: u8 = 2;
/// tophash (old bucket): the entry moved to index + old size.
pub const EVACUATED_Y: u8 = 3;
/// tophash (old bucket): the slot was empty when its bucket was evacuated.
pub const EVACUATED_EMPTY: u8 = 4;
/// Smallest tophash of a filled slot.
pub const MIN_TOP_HASH: u8 = 5;

/// Go's hmap fields, as [`GoMap::stats`] reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Stats {
    /// Live entries (Go's `count`).
    pub len: usize,
    /// log2 of the number of buckets (Go's `B`).
    pub b: u8,
    /// Go's approximate overflow bucket count (exact while B < 16).
    pub noverflow: u16,
    /// Whether a grow is in progress (old buckets still present).
    pub growing: bool,
    /// Whether the grow in progress keeps the size (too many overflow buckets).
    pub same_size_grow: bool,
    /// Old buckets below this index have been evacuated.
    pub nevacuate: usize,
    /// Number of old buckets while growing, else 0.
    pub old_buckets: usize,
}

/// The error [`GoMap::try_reserve`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TryReserveError {
    /// The requested capacity needs more buckets than an address space can hold.
    CapacityOverflow,
    /// The allocator refused the bucket array.
    AllocError {
        /// The layout that could not be allocated.
        layout: core::alloc::Layout,
    },
}

impl fmt::Display for TryReserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryReserveError::CapacityOverflow => {
                f.write_str("memory allocation failed because the computed capacity exceeded the collection's maximum")
            }
            TryReserveError::AllocError { layout } => write!(
                f,
                "memory allocation of {} bytes for a bucket array failed",
                layout.size()
            ),
        }
    }
}

impl std::error::Error for TryReserveError {}

impl From<AllocFailure> for TryReserveError {
    fn from(e: AllocFailure) -> Self {
        match e {
            AllocFailure::CapacityOverflow => TryReserveError::CapacityOverflow,
            AllocFailure::Alloc(layout) => TryReserveError::AllocError { layout },
        }
    }
}

/// Go's classic map: a hash map of 2^B buckets of 8 slots with overflow chains and incremental
/// growth. A drop-in for [`std::collections::HashMap`]; see the [module docs](self) for the
/// design.
///
/// ```
/// use gomap::GoMap;
/// let mut m = GoMap::new();
/// m.insert("gopher", 1);
/// assert_eq!(m.get("gopher"), Some(&1));
/// assert_eq!(m.stats().b, 0); // one bucket holds up to 8 entries
/// ```
pub struct GoMap<K, V, S = RandomState> {
    hash_builder: S,
    table: Hmap<K, V>,
    /// Set by the first method that may start a grow (those have `K: Hash, S: BuildHasher`), so
    /// iterators, which std declares without those bounds, can hash keys mid-grow as Go does.
    hash_fn: Option<unsafe fn(*const u8, *const u8) -> u64>,
}

// SAFETY: the map owns its keys and values (like std's HashMap, it is Send when they are); its raw
// pointers point only into memory it owns.
unsafe impl<K: Send, V: Send, S: Send> Send for GoMap<K, V, S> {}
// SAFETY: `&GoMap` only reads; the overflow arena is reached only through `&mut` (see bucket.rs).
unsafe impl<K: Sync, V: Sync, S: Sync> Sync for GoMap<K, V, S> {}

/// Hashes a key through type-erased pointers; see `GoMap::hash_fn`.
///
/// # Safety
/// `state` must point to an `S` and `key` to a `K`, both alive.
unsafe fn erased_hash<K: Hash, S: BuildHasher>(state: *const u8, key: *const u8) -> u64 {
    // SAFETY: forwarded from the caller.
    unsafe { (*state.cast::<S>()).hash_one(&*key.cast::<K>()) }
}

/// `GoMap::insert` when the fast path declines (first allocation, growing, grow due): kept out
/// of line so the fast path's slot stays in registers.
#[inline(never)]
fn insert_slow<K: Eq, V>(
    table: &mut Hmap<K, V>,
    hash: u64,
    k: K,
    v: V,
    hasher: &impl Fn(&K) -> u64,
) -> Option<V> {
    let slot = table.mapassign_slow(hash, |q| *q == k, hasher);
    store(table, slot, k, v)
}

/// Stores `v` at a found key's slot (returning the old value) or `k` and `v` in a vacant one.
#[inline(always)]
fn store<K, V>(
    table: &mut Hmap<K, V>,
    slot: Result<Found<K, V>, Vacant<K, V>>,
    k: K,
    v: V,
) -> Option<V> {
    match slot {
        // SAFETY: `found` points at a filled slot of this table.
        Ok(found) => Some(mem::replace(unsafe { &mut *found.bucket.elem(found.slot) }, v)),
        Err(vacant) => {
            // SAFETY: `vacant` was just computed on this unchanged table.
            unsafe { table.insert_at(vacant, k, v) };
            None
        }
    }
}

impl<K, V> GoMap<K, V, RandomState> {
    /// An empty map. Like Go's `make(map[K]V)`, it allocates nothing until the first insert.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<&str, i32> = GoMap::new();
    /// assert_eq!(m.capacity(), 0);
    /// m.insert("a", 1);
    /// assert_eq!(m.capacity(), 8); // one bucket of 8 slots
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    /// An empty map sized by Go's `makemap` rule for `capacity` (hint 0-8: B = 0, 9-13: B = 1,
    /// 14-26: B = 2, ...), so that `capacity` inserts cause no load-factor grow.
    ///
    /// On Linux, a bucket array of 1 MiB or more is faulted in during this call, with huge
    /// pages where the kernel has them: the memory is committed now, the call takes time in
    /// proportion to it, and no insert waits for memory later. (With a hint of 8 or less, as
    /// in Go, no bucket exists until the first insert.)
    ///
    /// # Panics
    /// Panics if the bucket array's size overflows `isize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m: GoMap<u64, u64> = GoMap::with_capacity(100);
    /// assert_eq!(m.stats().b, 4); // 16 buckets hold 104 entries at 6.5 per bucket
    /// assert!(m.capacity() >= 100);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, RandomState::new())
    }
}

impl<K, V, S> GoMap<K, V, S> {
    /// An empty map that will hash keys with `hash_builder`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use gomap::GoMap;
    ///
    /// let mut m = GoMap::with_hasher(RandomState::new()); // std's SipHash
    /// m.insert(1, 2);
    /// assert_eq!(m[&1], 2);
    /// ```
    pub const fn with_hasher(hash_builder: S) -> Self {
        GoMap { hash_builder, table: Hmap::new(), hash_fn: None }
    }

    /// An empty map with B chosen by Go's makemap rule for `capacity`, hashing with
    /// `hash_builder`. A hint of 9 or more allocates the bucket array at once (faulted in, as
    /// [`with_capacity`](GoMap::with_capacity) says); a smaller one, as in Go, leaves the one
    /// bucket of B = 0 to the first insert, and `capacity()` is 8 all the same.
    ///
    /// # Panics
    /// Panics if the bucket array's size overflows `isize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{GoMap, RandomState};
    /// let mut m = GoMap::with_capacity_and_hasher(10, RandomState::new());
    /// assert_eq!(m.capacity(), 13);
    /// m.insert("k", "v");
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        let table = match Hmap::makemap(capacity) {
            Ok(t) => t,
            Err(AllocFailure::CapacityOverflow) => panic!("capacity overflow"),
            Err(AllocFailure::Alloc(layout)) => std::alloc::handle_alloc_error(layout),
        };
        GoMap { table, ..Self::with_hasher(hash_builder) }
    }

    /// The map's hasher.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{GoMap, RandomState};
    /// let m: GoMap<u8, u8> = GoMap::with_hasher(RandomState::with_seed(7, gomap::hash::Backend::Mem).unwrap());
    /// assert_eq!(m.hasher().seed(), 7);
    /// ```
    #[inline]
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// Number of entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::new();
    /// assert_eq!(m.len(), 0);
    /// m.insert(1, "a");
    /// assert_eq!(m.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.table.count
    }

    /// Whether the map has no entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::new();
    /// assert!(m.is_empty());
    /// m.insert(1, "a");
    /// assert!(!m.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.table.count == 0
    }

    /// Entries the map holds before its next load-factor grow: 0 before the first allocation,
    /// 8 for B = 0, 13 * 2^(B-1) after. (A same-size grow can still come earlier, after churn.)
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m: GoMap<i32, i32> = GoMap::with_capacity(100);
    /// assert_eq!(m.capacity(), 104); // B = 4: 13 * 2^3
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// Go's hmap fields: count, B, noverflow, grow state.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::new();
    /// for i in 0..53 {
    ///     m.insert(i, i);
    /// }
    /// let s = m.stats();
    /// // The 53rd insert passed 6.5 per bucket and doubled 8 buckets to 16; it evacuated one
    /// // or two old buckets, and later writes move the rest.
    /// assert_eq!((s.len, s.b, s.growing, s.old_buckets), (53, 4, true, 8));
    /// ```
    pub fn stats(&self) -> Stats {
        let h = self.raw().header();
        Stats {
            len: h.count,
            b: h.b,
            noverflow: h.noverflow,
            growing: h.growing(),
            same_size_grow: h.same_size_grow,
            nevacuate: if h.growing() { h.nevacuate } else { 0 },
            old_buckets: h.old_b.map_or(0, |b| 1 << b),
        }
    }

    /// Removes every entry, keeping the bucket array at its current size (Go's `clear(m)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<i32, i32> = (0..100).map(|i| (i, i)).collect();
    /// let b = m.stats().b;
    /// m.clear();
    /// assert!(m.is_empty());
    /// assert_eq!(m.stats().b, b);
    /// ```
    pub fn clear(&mut self) {
        self.table.mapclear();
    }

    /// An iterator over `(&K, &V)` in Go's order: from a random bucket and slot offset.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([("a", 1), ("b", 2), ("c", 3)]);
    /// let mut pairs: Vec<_> = m.iter().collect();
    /// pairs.sort();
    /// assert_eq!(pairs, [(&"a", &1), (&"b", &2), (&"c", &3)]);
    /// ```
    #[inline]
    pub fn iter(&self) -> Iter<'_, K, V, S> {
        Iter::new(&self.table, self.erased_hasher())
    }

    /// An iterator over `(&K, &mut V)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([("a", 1), ("b", 2)]);
    /// for (_, v) in m.iter_mut() {
    ///     *v *= 10;
    /// }
    /// assert_eq!((m["a"], m["b"]), (10, 20));
    /// ```
    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V, S> {
        let hasher = self.erased_hasher();
        IterMut::new(&mut self.table, hasher)
    }

    /// An iterator over the keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([("a", 1), ("b", 2)]);
    /// let mut keys: Vec<_> = m.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    #[inline]
    pub fn keys(&self) -> Keys<'_, K, V, S> {
        Keys { inner: self.iter() }
    }

    /// An iterator over the values.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([("a", 1), ("b", 2)]);
    /// assert_eq!(m.values().sum::<i32>(), 3);
    /// ```
    #[inline]
    pub fn values(&self) -> Values<'_, K, V, S> {
        Values { inner: self.iter() }
    }

    /// An iterator over mutable references to the values.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([("a", 1), ("b", 2)]);
    /// m.values_mut().for_each(|v| *v += 1);
    /// assert_eq!(m.values().sum::<i32>(), 5);
    /// ```
    #[inline]
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V, S> {
        ValuesMut { inner: self.iter_mut() }
    }

    /// Consumes the map, yielding its keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([("a", 1), ("b", 2)]);
    /// let mut keys: Vec<&str> = m.into_keys().collect();
    /// keys.sort_unstable();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn into_keys(self) -> IntoKeys<K, V> {
        IntoKeys { inner: IntoIter::new(self.table) }
    }

    /// Consumes the map, yielding its values.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([("a", 1), ("b", 2)]);
    /// let mut values: Vec<i32> = m.into_values().collect();
    /// values.sort_unstable();
    /// assert_eq!(values, [1, 2]);
    /// ```
    pub fn into_values(self) -> IntoValues<K, V> {
        IntoValues { inner: IntoIter::new(self.table) }
    }

    /// Removes every entry, yielding them; the bucket array is kept for reuse. Entries not
    /// consumed are dropped when the `Drain` is.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([(1, "a"), (2, "b")]);
    /// let mut drained: Vec<_> = m.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [(1, "a"), (2, "b")]);
    /// assert!(m.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, K, V> {
        Drain::new(&mut self.table)
    }

    /// An iterator that removes and yields each entry for which `pred` returns true; `pred`
    /// may also change the value of an entry it keeps. Std's `HashMap::extract_if`.
    ///
    /// An entry for which `pred` returns false, or panics, stays in the map. If the iterator is
    /// dropped before the end, the entries it has not reached stay too. The walk starts at a
    /// random bucket, like every iteration of a Go map, and works as well mid-grow: it hashes
    /// nothing and moves nothing between buckets. Use [`retain`](Self::retain) with the
    /// opposite predicate when the removed entries are not wanted.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<i32, i32> = (0..8).map(|x| (x, x)).collect();
    /// let mut evens: Vec<i32> = m.extract_if(|k, _| k % 2 == 0).map(|(k, _)| k).collect();
    /// let mut odds: Vec<i32> = m.keys().copied().collect();
    /// evens.sort();
    /// odds.sort();
    /// assert_eq!(evens, [0, 2, 4, 6]);
    /// assert_eq!(odds, [1, 3, 5, 7]);
    ///
    /// // Dropped unconsumed: nothing is removed.
    /// drop(m.extract_if(|_, _| true));
    /// assert_eq!(m.len(), 4);
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, F>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        ExtractIf::new(self.extract_raw(), pred)
    }

    /// The walk behind `extract_if`, for `GoSet::extract_if` too.
    pub(crate) fn extract_raw(&mut self) -> HiterExtract<'_, K, V> {
        HiterExtract::new(&mut self.table)
    }

    /// Keeps only the entries for which `f` returns true (`f` may change the values).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<i32, i32> = (0..8).map(|x| (x, x * 10)).collect();
    /// m.retain(|&k, _| k % 2 == 0);
    /// assert_eq!(m.len(), 4);
    /// assert_eq!(m.get(&3), None);
    /// ```
    pub fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, mut f: F) {
        self.extract_if(|k, v| !f(k, v)).for_each(drop);
    }

    /// The table, for the parallel iterators (src/rayon).
    #[cfg(feature = "rayon")]
    pub(crate) fn table(&self) -> &Hmap<K, V> {
        &self.table
    }

    /// The table, for `par_iter_mut`.
    #[cfg(feature = "rayon")]
    pub(crate) fn table_mut(&mut self) -> &mut Hmap<K, V> {
        &mut self.table
    }

    /// The table alone, for `into_par_iter` (the hasher is not needed to walk it).
    #[cfg(feature = "rayon")]
    pub(crate) fn into_table(self) -> Hmap<K, V> {
        self.table
    }

    /// The erased hash function for iterators, when one is known.
    fn erased_hasher(&self) -> Option<ErasedHasher> {
        self.hash_fn.map(|f| ErasedHasher { state: (&self.hash_builder as *const S).cast(), f })
    }
}

impl<K, V, S> GoMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    #[inline]
    fn hash<Q: Hash + ?Sized>(&self, k: &Q) -> u64 {
        self.hash_builder.hash_one(k)
    }

    /// Splits the borrow: the table mutably, and a hash function over keys for evacuation.
    #[inline]
    fn parts(&mut self) -> (&mut Hmap<K, V>, impl Fn(&K) -> u64 + '_) {
        if self.hash_fn.is_none() {
            self.hash_fn = Some(erased_hash::<K, S>);
        }
        let hb = &self.hash_builder;
        (&mut self.table, move |k: &K| hb.hash_one(k))
    }

    /// Makes room for `additional` more entries without a load-factor grow, rebuilding the
    /// table at a larger B if needed (an explicit resize, like `shrink_to`).
    ///
    /// # Panics
    /// Panics if the new size overflows `isize`; aborts if allocation fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<&str, i32> = GoMap::new();
    /// m.reserve(100);
    /// assert!(m.capacity() >= 100);
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        match self.try_reserve(additional) {
            Ok(()) => {}
            Err(TryReserveError::CapacityOverflow) => panic!("capacity overflow"),
            Err(TryReserveError::AllocError { layout }) => std::alloc::handle_alloc_error(layout),
        }
    }

    /// Like [`reserve`](Self::reserve), returning an error instead of panicking or aborting.
    ///
    /// # Errors
    /// [`TryReserveError::CapacityOverflow`] if the size overflows, and
    /// [`TryReserveError::AllocError`] if the allocator refuses the bucket array.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{GoMap, TryReserveError};
    /// let mut m: GoMap<&str, i32> = GoMap::new();
    /// m.try_reserve(10).expect("room for 10");
    /// assert_eq!(m.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow));
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let need = self.len().checked_add(additional).ok_or(TryReserveError::CapacityOverflow)?;
        if need <= self.capacity() {
            return Ok(());
        }
        let b = b_for_hint(need);
        if b as u32 >= usize::BITS - 1 {
            return Err(TryReserveError::CapacityOverflow);
        }
        let (table, hasher) = self.parts();
        table.rebuild(b.max(table.b), &hasher)?;
        Ok(())
    }

    /// Shrinks the bucket array as far as the entries allow: a rebuild at the B Go's makemap
    /// would pick for `len()` (something Go's map never does).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<i32, i32> = (0..1000).map(|i| (i, i)).collect();
    /// m.retain(|&k, _| k < 10);
    /// m.shrink_to_fit();
    /// assert_eq!(m.stats().b, 1); // 10 entries fit 2 buckets
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Shrinks the bucket array to the B that holds `max(len(), min_capacity)` entries, if
    /// smaller than now. A map left empty frees its buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<i32, i32> = GoMap::with_capacity(1000);
    /// m.insert(1, 1);
    /// m.shrink_to(50);
    /// assert!(m.capacity() >= 50 && m.capacity() < 1000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        let want = self.len().max(min_capacity);
        if self.table.buckets.is_none() {
            return;
        }
        if want == 0 {
            self.table = Hmap::new();
            return;
        }
        let b = b_for_hint(want);
        if b < self.table.b || (self.table.growing() && b <= self.table.b) {
            let (table, hasher) = self.parts();
            if let Err(AllocFailure::Alloc(layout)) = table.rebuild(b, &hasher) {
                std::alloc::handle_alloc_error(layout);
            }
        }
    }

    /// Inserts a key-value pair. Returns the old value if the key was present; the key itself
    /// is then not updated (as in std).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::new();
    /// assert_eq!(m.insert(37, "a"), None);
    /// assert_eq!(m.insert(37, "b"), Some("a"));
    /// assert_eq!(m[&37], "b");
    /// ```
    #[inline]
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        let hash = self.hash(&k);
        let (table, hasher) = self.parts();
        let slot = match table.mapassign_fast(hash, |q| *q == k) {
            Some(slot) => slot,
            None => return insert_slow(table, hash, k, v, &hasher),
        };
        store(table, slot, k, v)
    }

    /// A reference to the value for `k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([(1, "a")]);
    /// assert_eq!(m.get(&1), Some(&"a"));
    /// assert_eq!(m.get(&2), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(k);
        let (b, i) = self.table.mapaccess(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is filled; the reference borrows self.
        Some(unsafe { &*b.elem(i) })
    }

    /// The stored key and its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([("a".to_string(), 1)]);
    /// assert_eq!(m.get_key_value("a"), Some((&"a".to_string(), &1)));
    /// assert_eq!(m.get_key_value("b"), None);
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, k: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(k);
        let (b, i) = self.table.mapaccess(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is filled; the references borrow self.
        Some(unsafe { (&*b.key(i), &*b.elem(i)) })
    }

    /// Mutable references to the values of `N` keys at once; `None` for a key that is absent.
    /// Std's `HashMap::get_disjoint_mut`. Like [`get_mut`](Self::get_mut), it reads an old
    /// bucket mid-grow and moves nothing.
    ///
    /// # Panics
    /// Panics if two of the keys are the same present key (std's "duplicate keys found");
    /// an absent key may be repeated.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut libraries = GoMap::from([
    ///     ("Bodleian Library".to_string(), 1602),
    ///     ("Athenæum".to_string(), 1807),
    ///     ("Library of Congress".to_string(), 1800),
    /// ]);
    /// let [Some(a), Some(b)] = libraries.get_disjoint_mut(["Athenæum", "Bodleian Library"])
    /// else {
    ///     panic!()
    /// };
    /// std::mem::swap(a, b);
    /// assert_eq!(libraries["Athenæum"], 1602);
    ///
    /// // Absent keys give None.
    /// let got = libraries.get_disjoint_mut(["Athenæum", "New York Public Library"]);
    /// assert_eq!(got, [Some(&mut 1602), None]);
    /// ```
    ///
    /// ```should_panic
    /// use gomap::GoMap;
    /// let mut libraries = GoMap::from([("Athenæum".to_string(), 1807)]);
    /// // The same key twice panics.
    /// let _ = libraries.get_disjoint_mut(["Athenæum", "Athenæum"]);
    /// ```
    pub fn get_disjoint_mut<Q, const N: usize>(&mut self, ks: [&Q; N]) -> [Option<&mut V>; N]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let found = self.find_many(ks);
        for (i, f) in found.iter().enumerate() {
            if f.is_some() && found[..i].contains(f) {
                panic!("duplicate keys found");
            }
        }
        // SAFETY: the slots found are distinct (checked above).
        unsafe { self.values_at(found) }
    }

    /// [`get_disjoint_mut`](Self::get_disjoint_mut) without the check that the keys differ.
    /// Std's `HashMap::get_disjoint_unchecked_mut`.
    ///
    /// # Safety
    /// Calling this with two equal keys that are present is undefined behaviour, even if the
    /// references it returns are not used.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([("a", 1), ("b", 2)]);
    /// // SAFETY: "a", "b" and "c" are distinct keys.
    /// let [a, b, c] = unsafe { m.get_disjoint_unchecked_mut(["a", "b", "c"]) };
    /// assert_eq!((a, b, c), (Some(&mut 1), Some(&mut 2), None));
    /// ```
    pub unsafe fn get_disjoint_unchecked_mut<Q, const N: usize>(
        &mut self,
        ks: [&Q; N],
    ) -> [Option<&mut V>; N]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let found = self.find_many(ks);
        // SAFETY: the caller promises the keys, and so the slots found, are distinct.
        unsafe { self.values_at(found) }
    }

    /// The bucket and slot of each key, for `get_disjoint_mut`.
    #[allow(clippy::type_complexity)]
    fn find_many<Q, const N: usize>(&self, ks: [&Q; N]) -> [Option<(Bucket<K, V>, usize)>; N]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        ks.map(|k| self.table.mapaccess(self.hash(k), |q| q.borrow() == k))
    }

    /// The values in slots found by `find_many` on this unchanged map, borrowed mutably.
    ///
    /// # Safety
    /// The slots must be pairwise distinct.
    unsafe fn values_at<const N: usize>(
        &mut self,
        found: [Option<(Bucket<K, V>, usize)>; N],
    ) -> [Option<&mut V>; N] {
        // SAFETY: each slot is a filled slot of this map, unchanged since `find_many`, and
        // appears once (caller), so the &mut V are unique; they borrow the map mutably.
        found.map(|f| f.map(|(b, i)| unsafe { &mut *b.elem(i) }))
    }

    /// A mutable reference to the value for `k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([(1, "a")]);
    /// if let Some(v) = m.get_mut(&1) {
    ///     *v = "b";
    /// }
    /// assert_eq!(m[&1], "b");
    /// ```
    #[inline]
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(k);
        let (b, i) = self.table.mapaccess(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is filled; the reference borrows self mutably.
        Some(unsafe { &mut *b.elem(i) })
    }

    /// The stored key equal to `k`, mutably: for `GoSet::replace`, which swaps in an equal key.
    pub(crate) fn get_key_mut<Q>(&mut self, k: &Q) -> Option<&mut K>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(k);
        let (b, i) = self.table.mapaccess(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is filled; the reference borrows self mutably.
        Some(unsafe { &mut *b.key(i) })
    }

    /// Whether the map has an entry for `k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m = GoMap::from([(1, "a")]);
    /// assert!(m.contains_key(&1));
    /// assert!(!m.contains_key(&2));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.mapaccess(self.hash(k), |q| q.borrow() == k).is_some()
    }

    /// Removes `k`, returning its value (Go's `delete`, which also does grow work).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([(1, "a")]);
    /// assert_eq!(m.remove(&1), Some("a"));
    /// assert_eq!(m.remove(&1), None);
    /// ```
    #[inline]
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(k).map(|(_, v)| v)
    }

    /// Removes `k`, returning the stored key and its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m = GoMap::from([(1, "a")]);
    /// assert_eq!(m.remove_entry(&1), Some((1, "a")));
    /// assert_eq!(m.remove_entry(&1), None);
    /// ```
    #[inline]
    pub fn remove_entry<Q>(&mut self, k: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(k);
        let (table, hasher) = self.parts();
        table.mapdelete(hash, |q| q.borrow() == k, &hasher)
    }

    /// The entry for `key`, for in-place manipulation. Like an insert, this does Go's grow work
    /// (and may start a grow) when the key is absent.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut letters = GoMap::new();
    /// for ch in "a short treatise on fungi".chars() {
    ///     *letters.entry(ch).or_insert(0) += 1;
    /// }
    /// assert_eq!(letters[&'s'], 2);
    /// assert_eq!(letters[&'t'], 3);
    /// assert_eq!(letters.get(&'y'), None);
    /// ```
    #[inline]
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let hash = self.hash(&key);
        let (table, hasher) = self.parts();
        match table.mapassign(hash, |q| *q == key, &hasher) {
            Ok(found) => Entry::Occupied(OccupiedEntry { table, found }),
            Err(slot) => Entry::Vacant(VacantEntry { table, slot, key }),
        }
    }
}

#[cfg(test)]
mod tests;
