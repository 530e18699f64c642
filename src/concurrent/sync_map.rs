//! `ConcurrentMap`: Go's classic `sync.Map` (sync/map.go before Go 1.24).

use std::borrow::Borrow;
use std::collections::VecDeque;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::Arc;

use super::sync::{
    pin, unpoison, AtomicBool, Fresh, Guard, Mark, Mutex, MutexGuard, Published, Snapshot, State,
    ValueCell,
};
use super::Inner;
use crate::RandomState;

/// A concurrent map built like Go's classic `sync.Map`.
///
/// Two maps share the entries. `read` is an immutable snapshot published through an atomic
/// pointer: a load, or an update of a key it already holds, takes no lock. `dirty` sits behind
/// a mutex and holds every live entry plus keys added since the last promotion; `amended` says
/// it has keys `read` lacks. Each lookup that has to fall through to `dirty` counts a miss, and
/// once misses reach `len(dirty)` the dirty map becomes the new `read` (a move, not a copy).
///
/// An entry's value is an atomically replaceable cell, so overwriting or deleting a key held
/// by `read` is a compare-and-swap on that cell. A deleted cell is empty; when a new `dirty`
/// is built from `read`, empty cells are marked *expunged* and left out of it, and a later
/// store to such a key must first clear the mark and put the entry back into `dirty` under
/// the lock.
///
/// Pointers are published and reclaimed with crossbeam-epoch, so a read is one thread pin and
/// a hash lookup. Replaced values are freed later, possibly on another thread and after the map
/// is dropped; hence the `Send + Sync + 'static` bounds on keys and values.
///
/// Values are returned as clones, never as guards, so nothing a caller holds can block the map.
///
/// # When to use it
///
/// As Go's documentation says of `sync.Map`, this design pays off when keys are written once
/// and read many times (caches that only grow), or when threads work on disjoint keys. After a
/// promotion, new keys need every key of `read` copied into a fresh `dirty` map again; Go does
/// that in one store, this map a few bucket chains per locked operation (so no operation pays
/// for the whole map), but the work is still there, so a steady stream of new keys (churn) or a
/// write-heavy mix runs slower than [`RwLockMap`]; see the `concurrent` benchmark and
/// docs/concurrency.md.
///
/// Lookups use `K: Borrow<Q>`, like [`HashMap`](std::collections::HashMap).
///
/// # Panics
///
/// No method panics by itself. A panic raised by `K`'s `Hash`/`Eq`/`Clone` or `V`'s
/// `Clone`/`PartialEq` unwinds out of the call; the map stays usable (its lock is not left
/// poisoned and no entry is left half-moved), though that call may or may not have taken effect.
/// Those impls must not call back into the same map: its lock is not reentrant.
///
/// [`RwLockMap`]: super::RwLockMap
///
/// # Examples
///
/// ```
/// use gomap::ConcurrentMap;
///
/// let m = ConcurrentMap::new();
/// m.store("a", 1);
/// assert_eq!(m.load("a"), Some(1));
/// assert_eq!(m.load_or_store("a", 2), (1, true));
/// assert!(m.compare_and_swap("a", &1, 3));
/// assert_eq!(m.load_and_delete("a"), Some(3));
/// assert_eq!(m.len(), 0);
/// ```
pub struct ConcurrentMap<K, V, S = RandomState> {
    /// Replaced only with `mu` held; loaded without it. Boxed in an `Arc` so that `range` can
    /// keep a snapshot without staying pinned while its callback runs.
    read: Published<Arc<ReadOnly<K, V, S>>>,
    mu: Mutex<Dirty<K, V, S>>,
    /// Each new read or dirty map hashes with a clone of this.
    hasher: S,
    /// The capacity hint: a dirty map is made with room for at least this many keys.
    capacity: usize,
}

struct ReadOnly<K, V, S> {
    m: Inner<K, Entry<V>, S>,
    /// Set (with `mu` held) when `dirty` gains a key `m` lacks. It only ever goes from false to
    /// true on one snapshot, so Go's re-publication of `{m, amended: true}` becomes a flag flip.
    amended: AtomicBool,
}

struct Dirty<K, V, S> {
    /// `None` right after a promotion, until the next new key needs a dirty map again.
    map: Option<Inner<K, Entry<V>, S>>,
    misses: usize,
    /// While `map` is being rebuilt from `read`: the chains of `read` not yet copied. Every
    /// entry of `read` is in `map`, expunged, or in a chain past this cursor.
    copy: Option<Cursor>,
    /// Read maps replaced since, oldest first: each waits until no reader holds it, then is
    /// emptied a few chains per locked operation, so that no operation pays for a whole map.
    retired: VecDeque<Retired<K, V, S>>,
    /// An emptied retired map, whose (already faulted-in) buckets the next rebuild reuses.
    spare: Option<Inner<K, Entry<V>, S>>,
    /// Keys taken out of a retired map's chains before they are removed from it.
    scratch: Vec<K>,
}

enum Retired<K, V, S> {
    /// Still reachable by readers pinned before the promotion (or by a running `range`).
    Waiting(Arc<ReadOnly<K, V, S>>),
    /// Ours alone; the chains before the cursor are empty.
    Draining(Box<Inner<K, Entry<V>, S>>, Cursor),
}

/// Bucket chains of `read` copied into a dirty map being rebuilt, per locked operation. One
/// under loom, so that the models' small maps stay mid-rebuild across several operations.
const COPY_CHAINS: usize = if cfg!(loom) { 1 } else { 2 };
/// Bucket chains of a retired read map emptied per locked operation.
const DRAIN_CHAINS: usize = 4;
/// Bucket chains copied per lock hold by a `range` that must finish a rebuild to promote.
const RANGE_CHAINS: usize = 256;

/// A position in a map's bucket chains: the old array's (if it is mid-grow), then the current
/// array's. Together they hold each entry exactly once: an old chain's entries that have been
/// evacuated are marked so and not visited there.
#[derive(Clone, Copy)]
struct Cursor {
    old: bool,
    chain: usize,
}

impl Cursor {
    const START: Cursor = Cursor { old: true, chain: 0 };

    /// Calls `f` on each entry of up to `chains` chains of `m` from here, moving past each
    /// chain once `f` has seen all of it (so a panic in `f` leaves the chain to be visited
    /// again). Returns whether chains are left.
    fn walk<K, E, S>(
        &mut self,
        m: &Inner<K, E, S>,
        mut chains: usize,
        mut f: impl FnMut(&K, &E),
    ) -> bool {
        let raw = m.raw();
        loop {
            let array = if self.old { raw.oldbuckets() } else { raw.buckets() };
            match array.and_then(|a| a.chain(self.chain)) {
                Some(_) if chains == 0 => return true,
                Some(chain) => {
                    for b in chain.bmaps() {
                        for slot in b.slots() {
                            if let (Some(k), Some(e)) = (slot.key, slot.value) {
                                f(k, e);
                            }
                        }
                    }
                    self.chain += 1;
                    chains -= 1;
                }
                None if self.old => *self = Cursor { old: false, chain: 0 },
                None => return false,
            }
        }
    }
}

/// One key's value cell (Go's `*entry`): a handle that the read and dirty maps share.
struct Entry<V> {
    p: ValueCell<V>,
}

impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Entry { p: self.p.clone() }
    }
}

/// A value on its way into the map: kept unboxed until a cell needs it boxed, so that a
/// brand-new key's value goes straight into its new cell.
enum Pending<V> {
    Raw(V),
    Boxed(Fresh<V>),
}

impl<V> Pending<V> {
    fn boxed(self) -> Fresh<V> {
        match self {
            Pending::Raw(v) => Fresh::new(v),
            Pending::Boxed(f) => f,
        }
    }

    fn raw(self) -> V {
        match self {
            Pending::Raw(v) => v,
            Pending::Boxed(f) => f.into_inner(),
        }
    }
}

fn live<V>(s: Snapshot<'_, V>) -> Option<&V> {
    match s.state() {
        State::Value(v) => Some(v),
        _ => None,
    }
}

fn is_expunged<V>(s: Snapshot<'_, V>) -> bool {
    matches!(s.state(), State::<V>::Expunged)
}

impl<V: Clone + Send + Sync + 'static> Entry<V> {
    fn new(value: V) -> Self {
        Entry { p: ValueCell::new(value) }
    }

    fn load(&self, g: &Guard) -> Option<V> {
        live(self.p.load(g)).cloned()
    }

    /// Stores `new` unless the entry is expunged; returns the previous value, or hands `new`
    /// back if expunged (only the locked path may revive an expunged entry).
    fn try_swap(&self, mut new: Fresh<V>, g: &Guard) -> Result<Option<V>, Fresh<V>> {
        let mut cur = self.p.load(g);
        loop {
            if is_expunged(cur) {
                return Err(new);
            }
            match self.p.compare_and_swap(cur, new, g) {
                Ok(()) => return Ok(live(cur).cloned()),
                Err(back) => new = back,
            }
            cur = self.p.load(g);
        }
    }

    /// With `mu` held: turns an expunged entry back into a deleted one (see `revive_locked`).
    fn unexpunge_locked(&self, g: &Guard) -> bool {
        let cur = self.p.load(g);
        is_expunged(cur) && self.p.compare_and_mark(cur, Mark::Deleted, g)
    }

    /// With `mu` held and the entry known not to be expunged.
    fn swap_locked(&self, new: Fresh<V>, g: &Guard) -> Option<V> {
        live(self.p.swap(new, g)).cloned()
    }

    /// With `mu` held: marks a deleted entry expunged (it is about to be left out of `dirty`).
    fn try_expunge_locked(&self, g: &Guard) -> bool {
        let mut cur = self.p.load(g);
        loop {
            match cur.state() {
                State::Value(_) => return false,
                State::Expunged => return true,
                State::Deleted => {}
            }
            if self.p.compare_and_mark(cur, Mark::Expunged, g) {
                return true;
            }
            cur = self.p.load(g);
        }
    }

    /// Loads the value, or stores `new` into a deleted entry. Hands `new` back if the entry is
    /// expunged. Under `mu` it cannot be (only `mu` holders expunge), so the locked paths call
    /// this too and never see `Err`.
    fn try_load_or_store(&self, mut new: Pending<V>, g: &Guard) -> Result<(V, bool), Pending<V>> {
        let mut cur = self.p.load(g);
        loop {
            match cur.state() {
                State::Value(v) => return Ok((v.clone(), true)),
                State::Expunged => return Err(new),
                State::Deleted => {}
            }
            let fresh = new.boxed();
            let ret = fresh.get().clone();
            match self.p.compare_and_swap(cur, fresh, g) {
                Ok(()) => return Ok((ret, false)),
                Err(back) => new = Pending::Boxed(back),
            }
            cur = self.p.load(g);
        }
    }

    /// With `mu` held: `try_load_or_store` on an entry that is not expunged.
    fn load_or_store_locked(&self, mut new: Pending<V>, g: &Guard) -> (V, bool) {
        let mut cur = self.p.load(g);
        loop {
            if let Some(v) = live(cur) {
                return (v.clone(), true);
            }
            let fresh = new.boxed();
            let ret = fresh.get().clone();
            match self.p.compare_and_swap(cur, fresh, g) {
                Ok(()) => return (ret, false),
                Err(back) => new = Pending::Boxed(back),
            }
            cur = self.p.load(g);
        }
    }

    /// Empties a live entry, returning its value.
    fn delete(&self, g: &Guard) -> Option<V> {
        let mut cur = self.p.load(g);
        loop {
            let v = live(cur)?;
            if self.p.compare_and_mark(cur, Mark::Deleted, g) {
                return Some(v.clone());
            }
            cur = self.p.load(g);
        }
    }

    /// `delete` without cloning the value out.
    fn delete_quietly(&self, g: &Guard) {
        let mut cur = self.p.load(g);
        while live(cur).is_some() {
            if self.p.compare_and_mark(cur, Mark::Deleted, g) {
                return;
            }
            cur = self.p.load(g);
        }
    }

    fn try_compare_and_swap(&self, old: &V, new: V, g: &Guard) -> bool
    where
        V: PartialEq,
    {
        let mut cur = self.p.load(g);
        if live(cur) != Some(old) {
            return false;
        }
        let mut new = Fresh::new(new);
        loop {
            match self.p.compare_and_swap(cur, new, g) {
                Ok(()) => return true,
                Err(back) => new = back,
            }
            cur = self.p.load(g);
            if live(cur) != Some(old) {
                return false;
            }
        }
    }

    fn compare_and_delete(&self, old: &V, g: &Guard) -> bool
    where
        V: PartialEq,
    {
        let mut cur = self.p.load(g);
        loop {
            if live(cur) != Some(old) {
                return false;
            }
            if self.p.compare_and_mark(cur, Mark::Deleted, g) {
                return true;
            }
            cur = self.p.load(g);
        }
    }
}

impl<K, V, S> ReadOnly<K, V, S> {
    fn new(m: Inner<K, Entry<V>, S>) -> Arc<Self> {
        Arc::new(ReadOnly::<K, V, S> { m, amended: AtomicBool::new(false) })
    }

    fn amended(&self) -> bool {
        self.amended.load(Acquire)
    }
}

impl<K, V> ConcurrentMap<K, V, RandomState> {
    /// Creates an empty map.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: gomap::ConcurrentMap<String, u32> = gomap::ConcurrentMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    /// Creates an empty map whose first dirty map (where new keys go, as in Go's `sync.Map`)
    /// has room for `capacity` keys without a grow.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::with_capacity(1000);
    /// m.store(1, "one");
    /// assert_eq!(m.load(&1), Some("one"));
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, RandomState::new())
    }
}

impl<K, V, S: Clone> ConcurrentMap<K, V, S> {
    /// Creates an empty map that hashes keys with clones of `hasher`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use gomap::ConcurrentMap;
    ///
    /// let m = ConcurrentMap::with_hasher(RandomState::new()); // std's SipHash
    /// m.store("a", 1);
    /// assert_eq!(m.load("a"), Some(1));
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        Self::with_capacity_and_hasher(0, hasher)
    }

    /// Creates an empty map that hashes keys with clones of `hasher`, and whose dirty maps
    /// (where new keys go) are made with room for at least `capacity` keys. Like dashmap's and
    /// papaya's, the hint spares the grows of a map that is filled to a known size.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{ConcurrentMap, RandomState};
    /// let m = ConcurrentMap::with_capacity_and_hasher(100, RandomState::new());
    /// for i in 0..100 {
    ///     m.store(i, i * 2);
    /// }
    /// assert_eq!(m.load(&7), Some(14));
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        ConcurrentMap {
            read: Published::new(ReadOnly::new(Inner::with_hasher(hasher.clone()))),
            mu: Mutex::new(Dirty {
                map: None,
                misses: 0,
                copy: None,
                retired: VecDeque::new(),
                spare: None,
                scratch: Vec::new(),
            }),
            hasher,
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Dirty<K, V, S>> {
        unpoison(self.mu.lock())
    }

    /// An empty dirty map, sized by the capacity hint only: sizing it for all of `read` would
    /// allocate (and fault in) the whole array in one operation, where growing spreads that.
    fn fresh(&self) -> Inner<K, Entry<V>, S> {
        Inner::with_capacity_and_hasher(self.capacity, self.hasher.clone())
    }
}

impl<K, V, S: Default + Clone> Default for ConcurrentMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> ConcurrentMap<K, V, S>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    /// Returns a clone of the value stored for `key`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.load("a"), Some(1));
    /// assert_eq!(m.load("b"), None);
    /// ```
    #[inline]
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.with_entry(key, false, Entry::load).flatten()
    }

    /// Sets the value for `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// m.store("a", 2);
    /// assert_eq!(m.load("a"), Some(2));
    /// ```
    pub fn store(&self, key: K, value: V) {
        self.swap_value(key, value, |e, new, g| {
            e.p.swap(new, g);
            None
        });
    }

    /// Sets the value for `key` and returns the previous one, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// assert_eq!(m.swap("a", 1), None);
    /// assert_eq!(m.swap("a", 2), Some(1));
    /// ```
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.swap_value(key, value, Entry::swap_locked)
    }

    /// Returns the existing value for `key` and `true` if there is one; otherwise stores
    /// `value` and returns a clone of it and `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// assert_eq!(m.load_or_store("a", 1), (1, false));
    /// assert_eq!(m.load_or_store("a", 2), (1, true));
    /// ```
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool) {
        let g = &pin();
        let mut value = Pending::Raw(value);
        let read = self.read.load(g);
        if let Some(e) = read.m.get(&key) {
            match e.try_load_or_store(value, g) {
                Ok(r) => return r,
                Err(v) => value = v,
            }
        }

        let mut d = self.lock_step(g);
        let read = self.read.load(g);
        if let Some(e) = read.m.get(&key) {
            self.revive_locked(&mut d, key, e, g);
            e.load_or_store_locked(value, g)
        } else if let Some(e) = d.map.as_ref().and_then(|m| m.get(&key)) {
            let r = e.load_or_store_locked(value, g);
            self.miss_locked(&mut d, g);
            r
        } else {
            self.amend_locked(&mut d, read, g);
            let value = value.raw();
            let ret = value.clone();
            d.map.get_or_insert_with(|| self.fresh()).insert(key, Entry::new(value));
            (ret, false)
        }
    }

    /// Removes `key`, returning its value if it had one.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.load_and_delete("a"), Some(1));
    /// assert_eq!(m.load_and_delete("a"), None);
    /// ```
    pub fn load_and_delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.with_entry(key, true, Entry::delete).flatten()
    }

    /// Removes `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// m.delete("a");
    /// assert_eq!(m.load("a"), None);
    /// ```
    pub fn delete<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.with_entry(key, true, Entry::delete_quietly);
    }

    /// Replaces the value for `key` with `new` if it currently equals `old`.
    ///
    /// Returns whether it was replaced; a missing key is never replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// assert!(!m.compare_and_swap("a", &2, 3));
    /// assert!(m.compare_and_swap("a", &1, 3));
    /// assert_eq!(m.load("a"), Some(3));
    /// assert!(!m.compare_and_swap("b", &1, 3)); // a missing key is never swapped
    /// ```
    pub fn compare_and_swap<Q>(&self, key: &Q, old: &V, new: V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        let g = &pin();
        let read = self.read.load(g);
        if let Some(e) = read.m.get(key) {
            return e.try_compare_and_swap(old, new, g);
        }
        if !read.amended() {
            return false;
        }
        let mut d = self.lock_step(g);
        let read = self.read.load(g);
        if let Some(e) = read.m.get(key) {
            e.try_compare_and_swap(old, new, g)
        } else if let Some(e) = d.map.as_ref().and_then(|m| m.get(key)) {
            let swapped = e.try_compare_and_swap(old, new, g);
            self.miss_locked(&mut d, g);
            swapped
        } else {
            false
        }
    }

    /// Removes `key` if its value equals `old`. Returns whether it was removed.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// assert!(!m.compare_and_delete("a", &2));
    /// assert!(m.compare_and_delete("a", &1));
    /// assert!(m.is_empty());
    /// ```
    pub fn compare_and_delete<Q>(&self, key: &Q, old: &V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        self.with_entry(key, false, |e, g| e.compare_and_delete(old, g)).unwrap_or(false)
    }

    /// Calls `f` on each key and value until it returns `false`.
    ///
    /// As in Go, this is not a snapshot: each key is visited at most once, but a value stored
    /// or deleted during the call may or may not be seen. `f` may call back into the map. If
    /// keys were added since the last promotion, the dirty map is promoted first (as Go does),
    /// finishing its rebuild if one is under way (a bounded piece per lock hold), and new keys
    /// after that start a new rebuild.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// for i in 0..10 {
    ///     m.store(i, i * i);
    /// }
    /// let mut sum = 0;
    /// m.range(|_, v| {
    ///     sum += v;
    ///     true
    /// });
    /// assert_eq!(sum, 285);
    /// let mut seen = 0;
    /// m.range(|_, _| {
    ///     seen += 1;
    ///     seen < 3 // stop after three
    /// });
    /// assert_eq!(seen, 3);
    /// ```
    pub fn range<F>(&self, mut f: F)
    where
        F: FnMut(&K, &V) -> bool,
    {
        let read = self.promoted();
        for (k, e) in read.m.iter() {
            // Pinned per entry, not across `f`, so a slow callback does not hold up reclamation.
            let g = &pin();
            if let Some(v) = live(e.p.load(g)) {
                if !f(k, v) {
                    break;
                }
            }
        }
    }

    /// Removes every entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// m.clear();
    /// assert_eq!(m.load("a"), None);
    /// ```
    pub fn clear(&self) {
        let g = &pin();
        let read = self.read.load(g);
        if read.m.is_empty() && !read.amended() {
            return;
        }
        let mut d = self.lock_step(g);
        let read = self.read.load(g);
        // O(n), as Go's Clear is: the old read map and its values go to the epoch (not to
        // `retired`, which only locked operations empty), the dirty map is cleared in place.
        if !read.m.is_empty() || read.amended() {
            self.read.replace(ReadOnly::new(Inner::with_hasher(self.hasher.clone())), g);
        }
        if let Some(m) = d.map.as_mut() {
            m.clear();
        }
        d.copy = None;
        d.misses = 0;
    }

    /// Counts the live entries.
    ///
    /// Go's `sync.Map` keeps no count, and neither does this: it is O(n), a walk over the read
    /// map (lock-free) or, while keys are pending in the dirty map, over that map under the lock.
    /// Concurrent writers may change the answer before it is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// m.store("a", 1);
    /// m.store("b", 2);
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        fn count<K, V, S>(m: &Inner<K, Entry<V>, S>, g: &Guard) -> usize {
            m.values().filter(|e| live(e.p.load(g)).is_some()).count()
        }
        let g = &pin();
        let read = self.read.load(g);
        if !read.amended() {
            return count(&read.m, g);
        }
        let d = self.lock_step(g);
        let read = self.read.load(g);
        match &d.map {
            Some(m) if read.amended() => {
                // Mid-rebuild, `read`'s chains past the cursor hold the rest.
                let mut n = count(m, g);
                if let Some(mut at) = d.copy {
                    at.walk(&read.m, usize::MAX, |_, e| {
                        n += usize::from(live(e.p.load(g)).is_some())
                    });
                }
                n
            }
            _ => count(&read.m, g),
        }
    }

    /// Whether the map has no live entries. O(n) in the worst case, like [`len`](Self::len).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::ConcurrentMap;
    /// let m = ConcurrentMap::new();
    /// assert!(m.is_empty());
    /// m.store("a", 1);
    /// assert!(!m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        self.range(|_, _| {
            empty = false;
            false
        });
        empty
    }

    /// The read map after promoting any pending dirty keys into it, as Go's `Range` does.
    ///
    /// A rebuild still under way is finished first, [`RANGE_CHAINS`] chains per lock hold, so
    /// other threads get the lock in between.
    fn promoted(&self) -> Arc<ReadOnly<K, V, S>> {
        let g = &pin();
        loop {
            let read = self.read.load(g);
            if !read.amended() {
                return Arc::clone(read);
            }
            {
                let mut d = self.lock_step(g);
                let read = self.read.load(g);
                if !read.amended() {
                    return Arc::clone(read);
                }
                self.copy_locked(&mut d, read, RANGE_CHAINS, g);
                if d.copy.is_none() {
                    if let Some(fresh) = self.promote_locked(&mut d, g) {
                        return fresh;
                    }
                    return Arc::clone(read);
                }
            }
            std::thread::yield_now();
        }
    }

    /// Finds `key`'s entry (taking the lock only when `read` misses and `dirty` has more keys)
    /// and runs `f` on it; `remove` also drops it from `dirty`, as `LoadAndDelete` does.
    #[inline]
    fn with_entry<Q, R>(
        &self,
        key: &Q,
        remove: bool,
        f: impl FnOnce(&Entry<V>, &Guard) -> R,
    ) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let g = &pin();
        let read = self.read.load(g);
        if let Some(e) = read.m.get(key) {
            return Some(f(e, g));
        }
        if !read.amended() {
            return None;
        }
        let e = {
            let mut d = self.lock_step(g);
            let read = self.read.load(g);
            if let Some(e) = read.m.get(key) {
                e.clone()
            } else if read.amended() {
                let e = match d.map.as_mut() {
                    Some(m) if remove => m.remove(key),
                    Some(m) => m.get(key).cloned(),
                    None => None,
                };
                self.miss_locked(&mut d, g);
                e?
            } else {
                return None;
            }
        };
        // Like Go, touch the entry after unlocking: its cell is atomic on its own.
        Some(f(&e, g))
    }

    /// Store and Swap: in place if `read` has a live or deleted entry, otherwise under `mu`,
    /// where `locked` does the swap on an entry known not to be expunged.
    fn swap_value(
        &self,
        key: K,
        value: V,
        locked: impl FnOnce(&Entry<V>, Fresh<V>, &Guard) -> Option<V>,
    ) -> Option<V> {
        let g = &pin();
        let mut new = Pending::Raw(value);
        let read = self.read.load(g);
        if let Some(e) = read.m.get(&key) {
            match e.try_swap(new.boxed(), g) {
                Ok(prev) => return prev,
                Err(back) => new = Pending::Boxed(back),
            }
        }
        let mut d = self.lock_step(g);
        let read = self.read.load(g);
        if let Some(e) = read.m.get(&key) {
            self.revive_locked(&mut d, key, e, g);
            locked(e, new.boxed(), g)
        } else if let Some(e) = d.map.as_ref().and_then(|m| m.get(&key)) {
            locked(e, new.boxed(), g)
        } else {
            self.amend_locked(&mut d, read, g);
            d.map.get_or_insert_with(|| self.fresh()).insert(key, Entry::new(new.raw()));
            None
        }
    }

    /// With `mu` held, before adding a key `read` lacks: make sure `dirty` exists and mark
    /// `read` amended.
    fn amend_locked(&self, d: &mut Dirty<K, V, S>, read: &ReadOnly<K, V, S>, g: &Guard) {
        if !read.amended() {
            self.dirty_locked(d, read, g);
            read.amended.store(true, Release);
        }
    }

    /// With `mu` held: counts a lookup that had to go to `dirty`, and promotes `dirty` to
    /// `read` once such lookups have cost as much as copying it would.
    /// A rebuild must be finished before its map can be promoted; it takes at most one locked
    /// operation per [`COPY_CHAINS`] chains of `read`, so it delays a promotion, never pauses.
    fn miss_locked(&self, d: &mut Dirty<K, V, S>, g: &Guard) {
        d.misses += 1;
        let Some(m) = d.map.as_ref() else { return };
        if d.misses < m.len() || d.copy.is_some() {
            return;
        }
        self.promote_locked(d, g);
    }

    /// With `mu` held and no rebuild under way: publishes `dirty` as the new `read`, in O(1).
    /// The old `read` is retired, to be emptied piecewise once no reader can reach it.
    fn promote_locked(&self, d: &mut Dirty<K, V, S>, g: &Guard) -> Option<Arc<ReadOnly<K, V, S>>> {
        debug_assert!(d.copy.is_none());
        let m = d.map.take()?;
        let old = Arc::clone(self.read.load(g));
        let fresh = ReadOnly::new(m);
        self.read.replace(Arc::clone(&fresh), g);
        d.retired.push_back(Retired::Waiting(old));
        d.misses = 0;
        Some(fresh)
    }

    /// Takes the lock and does this operation's bounded share of the background work: the next
    /// chains of a rebuild, and of a retired map.
    fn lock_step(&self, g: &Guard) -> MutexGuard<'_, Dirty<K, V, S>> {
        let mut d = self.lock();
        if d.copy.is_some() {
            self.copy_locked(&mut d, self.read.load(g), COPY_CHAINS, g);
        }
        if !d.retired.is_empty() {
            Self::drain_locked(&mut d);
        }
        d
    }

    /// With `mu` held: copies up to `chains` more chains of `read` into the dirty map being
    /// rebuilt, expunging deleted entries instead of copying them, as Go's `dirtyLocked` does.
    fn copy_locked(
        &self,
        d: &mut Dirty<K, V, S>,
        read: &ReadOnly<K, V, S>,
        chains: usize,
        g: &Guard,
    ) {
        let Dirty { map: Some(m), copy: Some(at), .. } = d else { return };
        let more = at.walk(&read.m, chains, |k, e| {
            if !e.try_expunge_locked(g) {
                m.insert(k.clone(), e.clone());
            }
        });
        if !more {
            d.copy = None;
        }
    }

    /// With `mu` held: empties [`DRAIN_CHAINS`] chains of the oldest retired map, once no reader
    /// holds it. An emptied map becomes the spare, unless the spare is bigger.
    fn drain_locked(d: &mut Dirty<K, V, S>) {
        if let Some(Retired::Waiting(a)) = d.retired.front() {
            // Only `retired` holds it once the epoch has dropped the published pointer and no
            // `range` keeps a snapshot.
            if Arc::strong_count(a) > 1 {
                return;
            }
            if let Some(Retired::Waiting(a)) = d.retired.pop_front() {
                match Arc::try_unwrap(a) {
                    Ok(ro) => {
                        d.retired.push_front(Retired::Draining(Box::new(ro.m), Cursor::START))
                    }
                    Err(a) => {
                        d.retired.push_front(Retired::Waiting(a));
                        return;
                    }
                }
            }
        }
        let Dirty { retired, scratch, spare, .. } = d;
        let Some(Retired::Draining(m, at)) = retired.front_mut() else { return };
        scratch.clear();
        let more = at.walk(m, DRAIN_CHAINS, |k, _| scratch.push(k.clone()));
        // Removing only empties slots (an old chain's evacuation moves entries to chains the
        // cursor has yet to visit), so the walk still meets every entry once.
        for k in scratch.drain(..) {
            m.remove(&k);
        }
        if !more {
            // Keep the bigger of two empty maps (the smaller one is the cheaper to drop).
            if let Some(Retired::Draining(m, _)) = retired.pop_front() {
                if m.is_empty() && spare.as_ref().is_none_or(|s| s.capacity() < m.capacity()) {
                    *spare = Some(*m);
                }
            }
        }
    }

    /// With `mu` held: builds `dirty` from `read` if there is none, expunging deleted entries
    /// so they are not copied.
    ///
    /// Unlike Go's, the copy is not done here all at once: this starts it, and each locked
    /// operation copies [`COPY_CHAINS`] more chains (see `copy_locked`). Until it is done, keys
    /// of `read` past the cursor are in `read` only, which is where every lookup looks first.
    fn dirty_locked(&self, d: &mut Dirty<K, V, S>, read: &ReadOnly<K, V, S>, g: &Guard) {
        if d.map.is_some() {
            return;
        }
        d.map = Some(d.spare.take().unwrap_or_else(|| self.fresh()));
        d.copy = Some(Cursor::START);
        self.copy_locked(d, read, COPY_CHAINS, g);
    }

    /// With `mu` held and `e` in `read`: if `e` is expunged, puts it back into `dirty` and
    /// clears the mark, so that a store into it survives the next promotion. The insert goes
    /// first: should hashing `key` panic, `e` stays expunged and out of `dirty`, as before.
    fn revive_locked(&self, d: &mut Dirty<K, V, S>, key: K, e: &Entry<V>, g: &Guard) {
        if is_expunged(e.p.load(g)) {
            d.map.get_or_insert_with(|| self.fresh()).insert(key, e.clone());
            e.unexpunge_locked(g);
        }
    }
}

impl<K, V, S> fmt::Debug for ConcurrentMap<K, V, S>
where
    K: Eq + Hash + Clone + Send + Sync + 'static + fmt::Debug,
    V: Clone + Send + Sync + 'static + fmt::Debug,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_map();
        self.range(|k, v| {
            out.entry(k, v);
            true
        });
        out.finish()
    }
}

impl<K, V, S> FromIterator<(K, V)> for ConcurrentMap<K, V, S>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Default + Send + Sync + 'static,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let m = ConcurrentMap::default();
        for (k, v) in iter {
            m.store(k, v);
        }
        m
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
