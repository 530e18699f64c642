//! The API layer: std's `HashMap` API, written once over any [`Engine`].
//!
//! [`Map<K, V, S, E>`](Map) holds the hasher `S` and a table engine `E`; every method of std's
//! `HashMap`, the Entry API, the iterators and the trait implementations (and, behind their
//! features, serde and rayon) are written here, once, and reach the table only through the
//! [`Engine`] trait. The two maps are this type with their engines:
//!
//! | map | engine | its module |
//! |---|---|---|
//! | [`GoMap<K, V, S>`](crate::GoMap) = `Map<K, V, S, Hmap<K, V>>` | Go's classic hmap/bmap | [`crate::map`] |
//! | [`SwissMap<K, V, S>`](crate::SwissMap) = `Map<K, V, S, SwissTable<K, V>>` | Go 1.24's Swiss table | [`crate::swiss`] |
//!
//! Each map's module names the shared types for its engine (`gomap::map::Entry`,
//! `gomap::swiss::Iter`, ...), and adds what only its engine has: `GoMap::stats` and
//! `GoMap::raw`, `SwissMap::stats` and `SwissMap::raw`.
//!
//! Engines are sealed: the two above are the only ones.

// lib.rs allows unsafe code in this module: the layer reads slots through the engine's raw
// handles (`mod.rs`, `entry.rs`, `iter.rs`) and `engine.rs` declares the unsafe contract;
// `traits.rs` needs none and denies it.
pub mod engine;
mod entry;
#[deny(unsafe_code)]
mod error;
mod iter;
#[deny(unsafe_code)]
mod traits;

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};

pub use engine::Engine;
use engine::ErasedHasher;
pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{
    Drain, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut,
};

use crate::RandomState;
pub use error::TryReserveError;

/// A hash map with std's `HashMap` API over a table engine `E`: use it as
/// [`GoMap`](crate::GoMap) (Go's classic map) or [`SwissMap`](crate::SwissMap) (Go 1.24's
/// Swiss table). See the [module docs](self).
///
/// ```
/// use gomap::{GoMap, SwissMap};
/// let mut classic = GoMap::new();
/// let mut swiss = SwissMap::new();
/// classic.insert("gopher", 1);
/// swiss.insert("gopher", 1);
/// assert_eq!(classic.get("gopher"), swiss.get("gopher"));
/// ```
pub struct Map<K, V, S, E> {
    pub(crate) hash_builder: S,
    pub(crate) table: E,
    /// Set by the first method that may start a grow (those have `K: Hash, S: BuildHasher`), so
    /// iterators, which std declares without those bounds, can hash keys mid-grow as Go does.
    pub(crate) hash_fn: Option<unsafe fn(*const u8, *const u8) -> u64>,
    pub(crate) marker: core::marker::PhantomData<(K, V)>,
}

// SAFETY: the map owns its keys and values (like std's HashMap, it is Send when they are); an
// engine's raw pointers point only into memory it owns (the `Engine` contract).
unsafe impl<K: Send, V: Send, S: Send, E: Engine<K, V>> Send for Map<K, V, S, E> {}
// SAFETY: `&Map` only reads; engines change nothing through `&self` but atomics (the `Engine`
// contract: the classic engine's iterator flags; its overflow arena is reached only through
// `&mut`, see map/bucket.rs).
unsafe impl<K: Sync, V: Sync, S: Sync, E: Engine<K, V>> Sync for Map<K, V, S, E> {}

/// Hashes a key through type-erased pointers; see `Map::hash_fn`.
///
/// # Safety
/// `state` must point to an `S` and `key` to a `K`, both alive.
unsafe fn erased_hash<K: Hash, S: BuildHasher>(state: *const u8, key: *const u8) -> u64 {
    // SAFETY: forwarded from the caller.
    unsafe { (*state.cast::<S>()).hash_one(&*key.cast::<K>()) }
}

impl<K, V, E: Engine<K, V>> Map<K, V, RandomState, E> {
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

    /// An empty map sized by its Go constructor's rule for the hint `capacity`.
    ///
    /// - [`GoMap`](crate::GoMap): Go's `makemap` (hint 0-8: B = 0, 9-13: B = 1, 14-26: B = 2,
    ///   ...), so that `capacity` inserts cause no load-factor grow. On Linux, a bucket array
    ///   of 1 MiB or more is faulted in during this call, with huge pages where the kernel has
    ///   them: the memory is committed now, the call takes time in proportion to it, and no
    ///   insert waits for memory later. (With a hint of 8 or less, as in Go, no bucket exists
    ///   until the first insert.)
    /// - [`SwissMap`](crate::SwissMap): Go's `NewMap` (a hint of 8 or less allocates nothing;
    ///   above, tables for `hint * 8/7` slots, at most 1,024 each, and a directory of a power of
    ///   two of them). Go's rounding can leave room for slightly fewer entries than the hint
    ///   (897 gives room for 896); [`reserve`](Map::reserve) guarantees its room.
    ///
    /// # Panics
    /// Panics if the size overflows `isize` (Go's bound on a hint, for SwissMap).
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

impl<K, V, S, E: Engine<K, V>> Map<K, V, S, E> {
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
        Map { hash_builder, table: E::EMPTY, hash_fn: None, marker: core::marker::PhantomData }
    }

    /// An empty map sized for `capacity` as [`with_capacity`](Map::with_capacity) says,
    /// hashing with `hash_builder`. For GoMap, a hint of 9 or more allocates the bucket array
    /// at once; a smaller one, as in Go, leaves the one bucket of B = 0 to the first insert,
    /// and `capacity()` is 8 all the same.
    ///
    /// # Panics
    /// Panics if the size overflows `isize`.
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
        let table = match E::with_hint(capacity) {
            Ok(t) => t,
            Err(TryReserveError::CapacityOverflow) => panic!("capacity overflow"),
            Err(TryReserveError::AllocError { layout }) => std::alloc::handle_alloc_error(layout),
        };
        Map { table, ..Self::with_hasher(hash_builder) }
    }

    /// [`with_capacity_and_hasher`](Map::with_capacity_and_hasher) that reports a capacity
    /// it cannot make instead of panicking or aborting (as std's unstable
    /// `HashMap::try_with_capacity` does).
    ///
    /// # Errors
    /// [`TryReserveError::CapacityOverflow`] when the size overflows (for SwissMap also when it
    /// passes Go's `maxAlloc`, where Go's `make` falls back to an empty map), and
    /// [`TryReserveError::AllocError`] when the allocator refuses.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{RandomState, SwissMap};
    /// assert!(SwissMap::<u64, u64>::try_with_capacity_and_hasher(usize::MAX, RandomState::new()).is_err());
    /// let m = SwissMap::<u64, u64>::try_with_capacity_and_hasher(100, RandomState::new()).unwrap();
    /// assert!(m.capacity() >= 100);
    /// ```
    pub fn try_with_capacity_and_hasher(
        capacity: usize,
        hash_builder: S,
    ) -> Result<Self, TryReserveError> {
        let table = E::with_hint(capacity)?;
        Ok(Map { table, ..Self::with_hasher(hash_builder) })
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
        self.table.len()
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
        self.table.is_empty()
    }

    /// Entries the map holds before its next growth.
    ///
    /// - GoMap: before its next load-factor grow: 0 before the first allocation, 8 for B = 0,
    ///   13 * 2^(B-1) after. (A same-size grow can still come earlier, after churn.)
    /// - SwissMap: 8 for a small map; otherwise `len` plus every table's growthLeft (the room
    ///   if new keys spread over the tables as their hashes do; a table that fills up grows on
    ///   its own, and tombstones spend room until the table's next rehash).
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

    /// Removes every entry, keeping the memory at its current size (Go's `clear(m)`: GoMap
    /// keeps its bucket array; SwissMap its directory and tables, emptied, and counts the
    /// clear in `clearSeq`).
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
        self.table.clear();
    }

    /// An iterator over `(&K, &V)` in Go's order: from a random start (GoMap: a bucket and a
    /// slot offset; SwissMap: a directory entry and a slot offset).
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
    pub fn iter(&self) -> Iter<'_, K, V, S, E> {
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
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V, S, E> {
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
    pub fn keys(&self) -> Keys<'_, K, V, S, E> {
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
    pub fn values(&self) -> Values<'_, K, V, S, E> {
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
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V, S, E> {
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
    pub fn into_keys(self) -> IntoKeys<K, V, E> {
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
    pub fn into_values(self) -> IntoValues<K, V, E> {
        IntoValues { inner: IntoIter::new(self.table) }
    }

    /// Removes every entry, yielding them; the memory is kept for reuse. Entries not consumed
    /// are dropped when the `Drain` is.
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
    pub fn drain(&mut self) -> Drain<'_, K, V, E> {
        Drain::new(&mut self.table)
    }

    /// An iterator that removes and yields each entry for which `pred` returns true; `pred`
    /// may also change the value of an entry it keeps. Std's `HashMap::extract_if`.
    ///
    /// An entry for which `pred` returns false, or panics, stays in the map. If the iterator is
    /// dropped before the end, the entries it has not reached stay too. The walk starts at a
    /// random place, like every iteration of a Go map; it hashes nothing and moves nothing
    /// (GoMap: also mid-grow, nothing moves between buckets; SwissMap: a removal leaves an
    /// empty slot or a tombstone, as Go's delete). Use [`retain`](Self::retain) with the
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
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, F, E>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        ExtractIf::new(self.extract_raw(), pred)
    }

    /// The walk behind `extract_if`, for `GoSet::extract_if` too.
    pub(crate) fn extract_raw(&mut self) -> E::Walk<'_> {
        self.table.walk()
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

    /// The engine, for the parallel iterators (src/rayon).
    #[cfg(feature = "rayon")]
    pub(crate) fn table(&self) -> &E {
        &self.table
    }

    /// The engine, for `par_iter_mut`.
    #[cfg(feature = "rayon")]
    pub(crate) fn table_mut(&mut self) -> &mut E {
        &mut self.table
    }

    /// The engine alone, for `into_par_iter` (the hasher is not needed to walk it).
    #[cfg(feature = "rayon")]
    pub(crate) fn into_table(self) -> E {
        self.table
    }

    /// The erased hash function for iterators, when one is known.
    pub(crate) fn erased_hasher(&self) -> Option<ErasedHasher> {
        self.hash_fn.map(|f| ErasedHasher { state: (&self.hash_builder as *const S).cast(), f })
    }
}

impl<K, V, S, E: Engine<K, V>> Map<K, V, S, E>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    #[inline]
    pub(crate) fn hash<Q: Hash + ?Sized>(&self, k: &Q) -> u64 {
        self.hash_builder.hash_one(k)
    }

    /// Splits the borrow: the table mutably, and a hash function over keys for evacuation.
    #[inline]
    pub(crate) fn parts(&mut self) -> (&mut E, impl Fn(&K) -> u64 + '_) {
        if self.hash_fn.is_none() {
            self.hash_fn = Some(erased_hash::<K, S>);
        }
        let hb = &self.hash_builder;
        (&mut self.table, move |k: &K| hb.hash_one(k))
    }

    /// Makes room for `additional` more entries without growing, rebuilding the table if
    /// needed (an explicit resize, like `shrink_to`, which Go has not): GoMap at a larger B;
    /// SwissMap as Go's `NewMap(len + additional)` plus every entry re-inserted.
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
    /// [`TryReserveError::AllocError`] if the allocator refuses the memory.
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
        let (table, hasher) = self.parts();
        table.try_reserve(additional, &hasher)
    }

    /// Shrinks the memory as far as the entries allow (something Go's map never does): GoMap
    /// rebuilds at the B Go's makemap would pick for `len()`; SwissMap as Go's `NewMap(len())`
    /// if that allocates fewer group bytes.
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

    /// Shrinks toward `max(len(), min_capacity)` entries, if smaller than now (GoMap: the B
    /// that holds them; SwissMap: `NewMap` of that hint, if it allocates fewer group bytes). A
    /// map left empty frees its memory.
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
        let (table, hasher) = self.parts();
        table.shrink_to(min_capacity, &hasher);
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
        table.insert(hash, k, v, &hasher)
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
        let slot = self.table.find(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is valid; the reference borrows self.
        Some(unsafe { &*self.table.slot_ptrs(slot).1 })
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
        let slot = self.table.find(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is valid; the references borrow self.
        let (k, v) = unsafe { self.table.slot_ptrs(slot) };
        // SAFETY: as above.
        Some(unsafe { (&*k, &*v) })
    }

    /// Mutable references to the values of `N` keys at once; `None` for a key that is absent.
    /// Std's `HashMap::get_disjoint_mut`. Like [`get_mut`](Self::get_mut), it moves nothing
    /// (a GoMap mid-grow reads an old bucket).
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
    fn find_many<Q, const N: usize>(&self, ks: [&Q; N]) -> [Option<E::Slot>; N]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        ks.map(|k| self.table.find(self.hash(k), |q| q.borrow() == k))
    }

    /// The values in slots found by `find_many` on this unchanged map, borrowed mutably.
    ///
    /// # Safety
    /// The slots must be pairwise distinct.
    unsafe fn values_at<const N: usize>(
        &mut self,
        found: [Option<E::Slot>; N],
    ) -> [Option<&mut V>; N] {
        // SAFETY: each slot is a filled slot of this map, unchanged since `find_many`, and
        // appears once (caller), so the &mut V are unique; they borrow the map mutably.
        found.map(|f| f.map(|s| unsafe { &mut *self.table.slot_ptrs(s).1 }))
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
        let slot = self.table.find(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is valid; the reference borrows self mutably.
        Some(unsafe { &mut *self.table.slot_ptrs(slot).1 })
    }

    /// The stored key equal to `k`, mutably: for `GoSet::replace`, which swaps in an equal key.
    pub(crate) fn get_key_mut<Q>(&mut self, k: &Q) -> Option<&mut K>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(k);
        let slot = self.table.find(hash, |q| q.borrow() == k)?;
        // SAFETY: a found slot is valid; the reference borrows self mutably.
        Some(unsafe { &mut *self.table.slot_ptrs(slot).0 })
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
        self.table.find(self.hash(k), |q| q.borrow() == k).is_some()
    }

    /// Removes `k`, returning its value (Go's `delete`; GoMap's also does grow work).
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
        table.delete(hash, |q| q.borrow() == k, &hasher)
    }

    /// The entry for `key`, for in-place manipulation. Like an insert, this does what Go's
    /// `m[k] = v` does before the store, growing the table (GoMap: grow work, and maybe a new
    /// grow) when the key is absent; SwissMap's small map becomes a table when it holds 8
    /// entries even if the key is one of them, as Go's does.
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
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, E> {
        let hash = self.hash(&key);
        let (table, hasher) = self.parts();
        match table.find_or_vacancy(hash, |q| *q == key, &hasher) {
            Ok(found) => Entry::Occupied(OccupiedEntry { table, found }),
            Err(slot) => Entry::Vacant(VacantEntry { table, slot, key }),
        }
    }
}
