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
//! to an observer as it runs, and `GrowPace`, the teaching hold on evacuation), `engine.rs`
//! (the engine contract, [`crate::api::Engine`], for `Hmap`: what the shared API layer calls),
//! this file (the name [`GoMap`] and the names of its Entry and iterator types, plus
//! [`GoMap::stats`]), [`raw`] (a read-only view of the insides, for teaching and inspection),
//! and `traced` (feature `teach`: the map's own writes and lookups reporting each step). The
//! std-compatible API itself (methods, Entry, iterators, traits) is written once for both maps
//! in [`crate::api`]. Every file here but `msize.rs` and `hooks.rs` may hold unsafe code
//! (lib.rs allows it for this module; those two deny it).
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
mod engine;
mod group;
mod hiter;
#[deny(unsafe_code)]
mod hooks;
mod memory;
#[deny(unsafe_code)]
mod msize;
pub mod raw;
mod table;
#[cfg(feature = "teach")]
#[cfg_attr(docsrs, doc(cfg(feature = "teach")))]
pub mod traced;

use bucket::AllocFailure;
pub(crate) use hiter::HiterExtract;
pub(crate) use table::Hmap;

pub use crate::api::TryReserveError;
use crate::api::{self, Map};
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
/// Its API is the shared layer [`Map`] over the classic engine (`Hmap`), the
/// same as [`SwissMap`](crate::SwissMap)'s; [`stats`](Map::stats) and [`raw`](Map::raw) are
/// its own.
///
/// ```
/// use gomap::GoMap;
/// let mut m = GoMap::new();
/// m.insert("gopher", 1);
/// assert_eq!(m.get("gopher"), Some(&1));
/// assert_eq!(m.stats().b, 0); // one bucket holds up to 8 entries
/// ```
pub type GoMap<K, V, S = RandomState> = Map<K, V, S, Hmap<K, V>>;

/// The entry for a key in a [`GoMap`], from [`GoMap::entry`](Map::entry).
pub type Entry<'a, K, V> = api::Entry<'a, K, V, Hmap<K, V>>;
/// An occupied entry of a [`GoMap`].
pub type OccupiedEntry<'a, K, V> = api::OccupiedEntry<'a, K, V, Hmap<K, V>>;
/// A vacant entry of a [`GoMap`].
pub type VacantEntry<'a, K, V> = api::VacantEntry<'a, K, V, Hmap<K, V>>;
/// An iterator over `(&K, &V)` of a [`GoMap`], in Go's `mapiternext` order.
pub type Iter<'a, K, V, S = RandomState> = api::Iter<'a, K, V, S, Hmap<K, V>>;
/// An iterator over `(&K, &mut V)` of a [`GoMap`].
pub type IterMut<'a, K, V, S = RandomState> = api::IterMut<'a, K, V, S, Hmap<K, V>>;
/// An iterator over the keys of a [`GoMap`].
pub type Keys<'a, K, V, S = RandomState> = api::Keys<'a, K, V, S, Hmap<K, V>>;
/// An iterator over the values of a [`GoMap`].
pub type Values<'a, K, V, S = RandomState> = api::Values<'a, K, V, S, Hmap<K, V>>;
/// An iterator over mutable values of a [`GoMap`].
pub type ValuesMut<'a, K, V, S = RandomState> = api::ValuesMut<'a, K, V, S, Hmap<K, V>>;
/// An owning iterator over `(K, V)` of a [`GoMap`].
pub type IntoIter<K, V> = api::IntoIter<K, V, Hmap<K, V>>;
/// An owning iterator over the keys of a [`GoMap`].
pub type IntoKeys<K, V> = api::IntoKeys<K, V, Hmap<K, V>>;
/// An owning iterator over the values of a [`GoMap`].
pub type IntoValues<K, V> = api::IntoValues<K, V, Hmap<K, V>>;
/// A draining iterator of a [`GoMap`].
pub type Drain<'a, K, V> = api::Drain<'a, K, V, Hmap<K, V>>;
/// The iterator of [`GoMap::extract_if`](Map::extract_if).
pub type ExtractIf<'a, K, V, F> = api::ExtractIf<'a, K, V, F, Hmap<K, V>>;

impl<K, V, S> GoMap<K, V, S> {
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
}

#[cfg(test)]
mod tests;
