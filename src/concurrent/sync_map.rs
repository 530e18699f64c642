//! `ConcurrentMap`: Go's classic `sync.Map` (sync/map.go before Go 1.24).

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::Arc;

use super::sync::{unpoison, AtomicArc, AtomicBool, AtomicOptionArc, Guard, Mutex, MutexGuard};
use super::Inner;

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
/// Values are returned as clones, never as guards, so nothing a caller holds can block the map.
///
/// # When to use it
///
/// As Go's documentation says of `sync.Map`, this design pays off when keys are written once
/// and read many times (caches that only grow), or when threads work on disjoint keys. Adding
/// a new key after a promotion copies every key of `read` into a fresh `dirty` map, so a steady
/// stream of new keys (churn) or a write-heavy mix runs slower than [`RwLockMap`]; see the
/// `concurrent` benchmark.
///
/// Lookups use `K: Borrow<Q>`, like [`HashMap`](std::collections::HashMap).
///
/// # Panics
///
/// No method panics by itself. A panic raised by `K`'s `Hash`/`Eq` or `V`'s `Clone`/`PartialEq`
/// unwinds out of the call; the map stays usable (its lock is not left poisoned), though that
/// call may or may not have taken effect.
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
pub struct ConcurrentMap<K, V> {
    /// Stored only with `mu` held; loaded without it.
    read: AtomicArc<ReadOnly<K, V>>,
    mu: Mutex<Dirty<K, V>>,
}

struct ReadOnly<K, V> {
    m: Inner<K, Arc<Entry<V>>>,
    /// Set (with `mu` held) when `dirty` gains a key `m` lacks. It only ever goes from false to
    /// true on one snapshot, so Go's re-publication of `{m, amended: true}` becomes a flag flip.
    amended: AtomicBool,
}

struct Dirty<K, V> {
    /// `None` right after a promotion, until the next new key needs a dirty map again.
    map: Option<Inner<K, Arc<Entry<V>>>>,
    misses: usize,
}

/// One key's value cell. Empty: deleted. `Slot::Expunged`: deleted and absent from `dirty`.
struct Entry<V> {
    p: AtomicOptionArc<Slot<V>>,
}

enum Slot<V> {
    Expunged,
    Value(V),
}

type Cell<V> = Option<Arc<Slot<V>>>;

fn live<V>(cell: &Cell<V>) -> Option<&V> {
    match cell.as_deref() {
        Some(Slot::Value(v)) => Some(v),
        _ => None,
    }
}

fn is_expunged<V>(cell: &Cell<V>) -> bool {
    matches!(cell.as_deref(), Some(Slot::Expunged))
}

/// Gets the value out of a slot this thread took out of the map, cloning only if readers
/// still hold it.
fn into_value<V: Clone>(slot: Arc<Slot<V>>) -> Option<V> {
    match Arc::try_unwrap(slot) {
        Ok(Slot::Value(v)) => Some(v),
        Ok(Slot::Expunged) => None,
        Err(shared) => match &*shared {
            Slot::Value(v) => Some(v.clone()),
            Slot::Expunged => None,
        },
    }
}

/// A value for `load_or_store`, boxed only once a store is actually attempted.
enum Pending<V> {
    Plain(V),
    /// The value to return, and the slot that will be stored.
    Boxed(V, Arc<Slot<V>>),
}

impl<V: Clone> Pending<V> {
    fn into_parts(self) -> (V, Arc<Slot<V>>) {
        match self {
            Pending::Plain(v) => (v.clone(), Arc::new(Slot::Value(v))),
            Pending::Boxed(v, slot) => (v, slot),
        }
    }
}

impl<V> Entry<V> {
    fn new(slot: Arc<Slot<V>>) -> Arc<Self> {
        Arc::new(Entry {
            p: AtomicOptionArc::new(Some(slot)),
        })
    }

    fn load(&self) -> Option<V>
    where
        V: Clone,
    {
        live(&self.p.load()).cloned()
    }

    /// Stores `new` unless the entry is expunged, returning the previous cell.
    fn try_swap(&self, new: &Arc<Slot<V>>) -> Result<Cell<V>, ()> {
        let mut cur = self.p.load();
        loop {
            if is_expunged(&cur) {
                return Err(());
            }
            if self.p.compare_and_swap(&cur, Some(Arc::clone(new))) {
                return Ok((*cur).clone());
            }
            cur = self.p.load();
        }
    }

    /// With `mu` held: turns an expunged entry back into a deleted one, so the caller can put
    /// it into `dirty` before storing into it.
    fn unexpunge_locked(&self) -> bool {
        let cur = self.p.load();
        is_expunged(&cur) && self.p.compare_and_swap(&cur, None)
    }

    /// With `mu` held and the entry known not to be expunged.
    fn swap_locked(&self, new: Arc<Slot<V>>) -> Cell<V> {
        self.p.swap(Some(new))
    }

    /// With `mu` held: marks a deleted entry expunged (it is about to be left out of `dirty`).
    fn try_expunge_locked(&self, marker: &mut Option<Arc<Slot<V>>>) -> bool {
        let mut cur = self.p.load();
        loop {
            match cur.as_deref() {
                Some(Slot::Value(_)) => return false,
                Some(Slot::Expunged) => return true,
                None => {}
            }
            let marker = marker.get_or_insert_with(|| Arc::new(Slot::Expunged));
            if self.p.compare_and_swap(&cur, Some(Arc::clone(marker))) {
                return true;
            }
            cur = self.p.load();
        }
    }

    /// Loads the value, or stores one into a deleted entry. Gives the value back if the entry
    /// is expunged, because then only the slow path (under `mu`) may store into it.
    fn try_load_or_store(&self, value: Pending<V>) -> Result<(V, bool), Pending<V>>
    where
        V: Clone,
    {
        let mut cur = self.p.load();
        match cur.as_deref() {
            Some(Slot::Value(v)) => return Ok((v.clone(), true)),
            Some(Slot::Expunged) => return Err(value),
            None => {}
        }
        let (ret, slot) = value.into_parts();
        loop {
            if self.p.compare_and_swap(&cur, Some(Arc::clone(&slot))) {
                return Ok((ret, false));
            }
            cur = self.p.load();
            match cur.as_deref() {
                Some(Slot::Value(v)) => return Ok((v.clone(), true)),
                Some(Slot::Expunged) => return Err(Pending::Boxed(ret, slot)),
                None => {}
            }
        }
    }

    /// With `mu` held and the entry known not to be expunged.
    fn load_or_store_locked(&self, value: Pending<V>) -> (V, bool)
    where
        V: Clone,
    {
        let (ret, slot) = value.into_parts();
        let mut cur = self.p.load();
        loop {
            if let Some(v) = live(&cur) {
                return (v.clone(), true);
            }
            if self.p.compare_and_swap(&cur, Some(Arc::clone(&slot))) {
                return (ret, false);
            }
            cur = self.p.load();
        }
    }

    /// Empties a live entry, returning the slot it held.
    fn delete(&self) -> Option<Arc<Slot<V>>> {
        let mut cur = self.p.load();
        loop {
            live(&cur)?;
            if self.p.compare_and_swap(&cur, None) {
                return (*cur).clone();
            }
            cur = self.p.load();
        }
    }

    fn try_compare_and_swap(&self, old: &V, new: V) -> bool
    where
        V: PartialEq,
    {
        let mut cur = self.p.load();
        if live(&cur) != Some(old) {
            return false;
        }
        let slot = Arc::new(Slot::Value(new));
        loop {
            if self.p.compare_and_swap(&cur, Some(Arc::clone(&slot))) {
                return true;
            }
            cur = self.p.load();
            if live(&cur) != Some(old) {
                return false;
            }
        }
    }

    fn compare_and_delete(&self, old: &V) -> bool
    where
        V: PartialEq,
    {
        let mut cur = self.p.load();
        loop {
            if live(&cur) != Some(old) {
                return false;
            }
            if self.p.compare_and_swap(&cur, None) {
                return true;
            }
            cur = self.p.load();
        }
    }
}

impl<K, V> ReadOnly<K, V> {
    fn new(m: Inner<K, Arc<Entry<V>>>) -> Arc<Self> {
        Arc::new(ReadOnly {
            m,
            amended: AtomicBool::new(false),
        })
    }

    fn amended(&self) -> bool {
        self.amended.load(Acquire)
    }
}

impl<K, V> ConcurrentMap<K, V> {
    /// Creates an empty map.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: gomap::ConcurrentMap<String, u32> = gomap::ConcurrentMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        ConcurrentMap {
            read: AtomicArc::new(ReadOnly::new(Inner::default())),
            mu: Mutex::new(Dirty {
                map: None,
                misses: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Dirty<K, V>> {
        unpoison(self.mu.lock())
    }
}

impl<K, V> Default for ConcurrentMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> ConcurrentMap<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    /// Returns a clone of the value stored for `key`, if any.
    #[inline]
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.with_entry(key, false, |e| e.load()).flatten()
    }

    /// Sets the value for `key`.
    pub fn store(&self, key: K, value: V) {
        drop(self.swap_slot(key, Arc::new(Slot::Value(value))));
    }

    /// Sets the value for `key` and returns the previous one, if any.
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.swap_slot(key, Arc::new(Slot::Value(value)))
            .and_then(into_value)
    }

    /// Returns the existing value for `key` and `true` if there is one; otherwise stores
    /// `value` and returns a clone of it and `false`.
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool) {
        let mut value = Pending::Plain(value);
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(&key) {
                match e.try_load_or_store(value) {
                    Ok(r) => return r,
                    Err(v) => value = v,
                }
            }
        }

        let mut d = self.lock();
        let read = self.read.load();
        if let Some(e) = read.m.get(&key) {
            if e.unexpunge_locked() {
                d.map
                    .get_or_insert_with(Inner::default)
                    .insert(key, Arc::clone(e));
            }
            e.load_or_store_locked(value)
        } else if let Some(e) = d.map.as_ref().and_then(|m| m.get(&key)) {
            let r = e.load_or_store_locked(value);
            self.miss_locked(&mut d);
            r
        } else {
            self.amend_locked(&mut d, &read);
            let (ret, slot) = value.into_parts();
            d.map
                .get_or_insert_with(Inner::default)
                .insert(key, Entry::new(slot));
            (ret, false)
        }
    }

    /// Removes `key`, returning its value if it had one.
    pub fn load_and_delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.with_entry(key, true, Entry::delete)
            .flatten()
            .and_then(into_value)
    }

    /// Removes `key`.
    pub fn delete<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        drop(self.with_entry(key, true, Entry::delete));
    }

    /// Replaces the value for `key` with `new` if it currently equals `old`.
    ///
    /// Returns whether it was replaced; a missing key is never replaced.
    pub fn compare_and_swap<Q>(&self, key: &Q, old: &V, new: V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(key) {
                return e.try_compare_and_swap(old, new);
            }
            if !read.amended() {
                return false;
            }
        }
        let mut d = self.lock();
        let read = self.read.load();
        if let Some(e) = read.m.get(key) {
            e.try_compare_and_swap(old, new)
        } else if let Some(e) = d.map.as_ref().and_then(|m| m.get(key)) {
            let swapped = e.try_compare_and_swap(old, new);
            self.miss_locked(&mut d);
            swapped
        } else {
            false
        }
    }

    /// Removes `key` if its value equals `old`. Returns whether it was removed.
    pub fn compare_and_delete<Q>(&self, key: &Q, old: &V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        self.with_entry(key, false, |e| e.compare_and_delete(old))
            .unwrap_or(false)
    }

    /// Calls `f` on each key and value until it returns `false`.
    ///
    /// As in Go, this is not a snapshot: each key is visited at most once, but a value stored
    /// or deleted during the call may or may not be seen. `f` may call back into the map. If
    /// keys were added since the last promotion, the dirty map is promoted first (as Go does),
    /// so the next new key costs a copy of the map.
    pub fn range<F>(&self, mut f: F)
    where
        F: FnMut(&K, &V) -> bool,
    {
        let mut read = self.read.load_full();
        if read.amended() {
            let mut d = self.lock();
            read = self.read.load_full();
            if read.amended() {
                if let Some(m) = d.map.take() {
                    read = ReadOnly::new(m);
                    self.read.store(Arc::clone(&read));
                    d.misses = 0;
                }
            }
        }
        for (k, e) in read.m.iter() {
            let cur = e.p.load();
            if let Some(v) = live(&cur) {
                if !f(k, v) {
                    break;
                }
            }
        }
    }

    /// Removes every entry.
    pub fn clear(&self) {
        {
            let read = self.read.load();
            if read.m.is_empty() && !read.amended() {
                return;
            }
        }
        let mut d = self.lock();
        let read = self.read.load();
        if !read.m.is_empty() || read.amended() {
            self.read.store(ReadOnly::new(Inner::default()));
        }
        if let Some(m) = d.map.as_mut() {
            m.clear();
        }
        d.misses = 0;
    }

    /// Counts the live entries.
    ///
    /// Go's `sync.Map` keeps no count, and neither does this: it is O(n), a walk over the read
    /// map (lock-free) or, while keys are pending in the dirty map, over that map under the lock.
    /// Concurrent writers may change the answer before it is returned.
    pub fn len(&self) -> usize {
        fn count<K, V>(m: &Inner<K, Arc<Entry<V>>>) -> usize {
            m.values().filter(|e| live(&e.p.load()).is_some()).count()
        }
        {
            let read = self.read.load();
            if !read.amended() {
                return count(&read.m);
            }
        }
        let d = self.lock();
        let read = self.read.load();
        match &d.map {
            Some(m) if read.amended() => count(m),
            _ => count(&read.m),
        }
    }

    /// Whether the map has no live entries. O(n) in the worst case, like [`len`](Self::len).
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        self.range(|_, _| {
            empty = false;
            false
        });
        empty
    }

    /// Finds `key`'s entry (taking the lock only when `read` misses and `dirty` has more keys)
    /// and runs `f` on it; `remove` also drops it from `dirty`, as `LoadAndDelete` does.
    #[inline]
    fn with_entry<Q, R>(&self, key: &Q, remove: bool, f: impl FnOnce(&Entry<V>) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(key) {
                return Some(f(e));
            }
            if !read.amended() {
                return None;
            }
        }
        let e = {
            let mut d = self.lock();
            let read = self.read.load();
            if let Some(e) = read.m.get(key) {
                Arc::clone(e)
            } else if read.amended() {
                let e = match d.map.as_mut() {
                    Some(m) if remove => m.remove(key),
                    Some(m) => m.get(key).cloned(),
                    None => None,
                };
                self.miss_locked(&mut d);
                e?
            } else {
                return None;
            }
        };
        // Like Go, touch the entry after unlocking: its cell is atomic on its own.
        Some(f(&e))
    }

    fn swap_slot(&self, key: K, slot: Arc<Slot<V>>) -> Option<Arc<Slot<V>>> {
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(&key) {
                if let Ok(prev) = e.try_swap(&slot) {
                    return prev;
                }
            }
        }
        let mut d = self.lock();
        let read = self.read.load();
        if let Some(e) = read.m.get(&key) {
            if e.unexpunge_locked() {
                d.map
                    .get_or_insert_with(Inner::default)
                    .insert(key, Arc::clone(e));
            }
            e.swap_locked(slot)
        } else if let Some(e) = d.map.as_ref().and_then(|m| m.get(&key)) {
            e.swap_locked(slot)
        } else {
            self.amend_locked(&mut d, &read);
            d.map
                .get_or_insert_with(Inner::default)
                .insert(key, Entry::new(slot));
            None
        }
    }

    /// With `mu` held, before adding a key `read` lacks: make sure `dirty` exists and mark
    /// `read` amended.
    fn amend_locked(&self, d: &mut Dirty<K, V>, read: &Guard<Arc<ReadOnly<K, V>>>) {
        if !read.amended() {
            self.dirty_locked(d, read);
            read.amended.store(true, Release);
        }
    }

    /// With `mu` held: counts a lookup that had to go to `dirty`, and promotes `dirty` to
    /// `read` once such lookups have cost as much as copying it would.
    fn miss_locked(&self, d: &mut Dirty<K, V>) {
        d.misses += 1;
        let Some(m) = d.map.as_ref() else { return };
        if d.misses < m.len() {
            return;
        }
        if let Some(m) = d.map.take() {
            self.read.store(ReadOnly::new(m));
        }
        d.misses = 0;
    }

    /// With `mu` held: builds `dirty` from `read` if there is none, expunging deleted entries
    /// so they are not copied.
    fn dirty_locked(&self, d: &mut Dirty<K, V>, read: &ReadOnly<K, V>) {
        if d.map.is_some() {
            return;
        }
        let mut marker = None;
        let mut m = Inner::with_capacity(read.m.len());
        for (k, e) in read.m.iter() {
            if !e.try_expunge_locked(&mut marker) {
                m.insert(k.clone(), Arc::clone(e));
            }
        }
        d.map = Some(m);
    }
}

impl<K, V> fmt::Debug for ConcurrentMap<K, V>
where
    K: Eq + Hash + Clone + fmt::Debug,
    V: Clone + fmt::Debug,
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

impl<K, V> FromIterator<(K, V)> for ConcurrentMap<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let m = ConcurrentMap::new();
        for (k, v) in iter {
            m.store(k, v);
        }
        m
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn read_len<K, V>(m: &ConcurrentMap<K, V>) -> usize {
        m.read.load().m.len()
    }

    fn dirty_len<K, V>(m: &ConcurrentMap<K, V>) -> Option<usize> {
        m.lock().map.as_ref().map(|d| d.len())
    }

    fn is_expunged_in_read<K: Eq + Hash, V>(m: &ConcurrentMap<K, V>, k: &K) -> bool {
        is_expunged(&m.read.load().m[k].p.load())
    }

    #[test]
    fn new_keys_go_to_dirty_and_misses_promote_them() {
        let m = ConcurrentMap::new();
        for i in 0..4 {
            m.store(i, i);
        }
        assert_eq!(read_len(&m), 0);
        assert_eq!(dirty_len(&m), Some(4));
        assert!(m.read.load().amended());
        // Three misses leave dirty in place; the fourth (misses == len(dirty)) promotes it.
        for _ in 0..3 {
            assert_eq!(m.load(&0), Some(0));
        }
        assert_eq!(dirty_len(&m), Some(4));
        assert_eq!(m.load(&0), Some(0));
        assert_eq!(dirty_len(&m), None);
        assert_eq!(read_len(&m), 4);
        assert!(!m.read.load().amended());
        assert_eq!(m.lock().misses, 0);
    }

    #[test]
    fn updates_of_read_keys_stay_off_the_lock_path() {
        let m: ConcurrentMap<i32, i32> = (0..3).map(|i| (i, i)).collect();
        m.range(|_, _| true); // promote
        assert_eq!(dirty_len(&m), None);
        m.store(1, 10);
        assert!(m.compare_and_swap(&2, &2, 20));
        m.delete(&0);
        // None of these needed a dirty map.
        assert_eq!(dirty_len(&m), None);
        assert_eq!(m.load(&1), Some(10));
        assert_eq!(m.load(&2), Some(20));
        assert_eq!(m.load(&0), None);
    }

    #[test]
    fn deleted_entries_are_expunged_then_unexpunged() {
        let m: ConcurrentMap<i32, i32> = (0..3).map(|i| (i, i)).collect();
        m.range(|_, _| true);
        m.delete(&0);
        assert!(!is_expunged_in_read(&m, &0));
        // A new key builds dirty from read, expunging the deleted entry.
        m.store(100, 100);
        assert!(is_expunged_in_read(&m, &0));
        assert_eq!(dirty_len(&m), Some(3)); // 1, 2, 100
        assert_eq!(m.load(&0), None);
        assert_eq!(m.len(), 3);
        // Storing to the expunged key puts the same entry back into dirty.
        m.store(0, 7);
        assert!(!is_expunged_in_read(&m, &0));
        assert_eq!(dirty_len(&m), Some(4));
        assert_eq!(m.load(&0), Some(7));
        // After promotion everything is still there exactly once.
        m.range(|_, _| true);
        let mut seen = Vec::new();
        m.range(|k, v| {
            seen.push((*k, *v));
            true
        });
        seen.sort_unstable();
        assert_eq!(seen, vec![(0, 7), (1, 1), (2, 2), (100, 100)]);
    }

    #[test]
    fn expunged_entries_refuse_fast_path_ops() {
        let m: ConcurrentMap<i32, i32> = (0..2).map(|i| (i, i)).collect();
        m.range(|_, _| true);
        m.delete(&0);
        m.store(5, 5);
        assert!(is_expunged_in_read(&m, &0));
        assert!(!m.compare_and_swap(&0, &0, 1));
        assert!(!m.compare_and_delete(&0, &0));
        assert_eq!(m.load_and_delete(&0), None);
        assert_eq!(m.load_or_store(0, 9), (9, false));
        assert_eq!(m.load(&0), Some(9));
        assert_eq!(dirty_len(&m), Some(3));
    }

    #[test]
    fn clear_keeps_an_empty_dirty_map_usable() {
        let m = ConcurrentMap::new();
        m.store(1, 1);
        m.clear();
        assert_eq!(read_len(&m), 0);
        assert_eq!(dirty_len(&m), Some(0));
        assert!(!m.read.load().amended());
        m.store(2, 2);
        assert!(m.read.load().amended());
        assert_eq!(m.load(&2), Some(2));
        assert_eq!(m.load(&1), None);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn unique_slots_move_out_without_cloning() {
        struct NoClone(u8);
        impl Clone for NoClone {
            fn clone(&self) -> Self {
                panic!("cloned a slot nobody else holds")
            }
        }
        let m = ConcurrentMap::new();
        m.store(1, NoClone(1));
        assert_eq!(m.swap(1, NoClone(2)).map(|v| v.0), Some(1));
        assert_eq!(m.load_and_delete(&1).map(|v| v.0), Some(2));
    }
}
