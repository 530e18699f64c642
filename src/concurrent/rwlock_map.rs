//! `RwLockMap`: the other way Go shares a map, a plain map behind `sync.RWMutex`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use super::sync::{unpoison, RwLock, RwLockReadGuard, RwLockWriteGuard};
use super::Inner;
use crate::RandomState;

/// A map behind a readers-writer lock, with the same methods as
/// [`ConcurrentMap`](super::ConcurrentMap).
///
/// Every read takes the shared lock and every write the exclusive one, so readers on many
/// threads still contend on the lock's counter; in exchange writes and new keys cost no more
/// than in a plain map, which is where it beats [`ConcurrentMap`](super::ConcurrentMap).
///
/// Values are returned as clones and no lock is held while user code runs ([`range`] walks a
/// copy), so nothing a caller does can deadlock the map.
///
/// [`range`]: RwLockMap::range
///
/// # Panics
///
/// No method panics by itself. A panic raised by `K`'s `Hash`/`Eq` or `V`'s `Clone`/`PartialEq`
/// unwinds out of the call; the lock is not left poisoned, though that call may or may not have
/// taken effect.
///
/// # Examples
///
/// ```
/// use gomap::concurrent::RwLockMap;
///
/// let m = RwLockMap::new();
/// assert_eq!(m.swap("a", 1), None);
/// assert_eq!(m.swap("a", 2), Some(1));
/// assert!(!m.compare_and_delete("a", &1));
/// assert!(m.compare_and_delete("a", &2));
/// assert!(m.is_empty());
/// ```
pub struct RwLockMap<K, V, S = RandomState> {
    inner: RwLock<Inner<K, V, S>>,
}

impl<K, V> RwLockMap<K, V, RandomState> {
    /// Creates an empty map.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m: RwLockMap<String, u32> = RwLockMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    /// Creates an empty map with room for `capacity` entries without a grow.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::with_capacity(1000);
    /// m.store(1, "one");
    /// assert_eq!(m.load(&1), Some("one"));
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, RandomState::new())
    }
}

impl<K, V, S> RwLockMap<K, V, S> {
    /// Creates an empty map that hashes keys with `hasher`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use gomap::concurrent::RwLockMap;
    ///
    /// let m = RwLockMap::with_hasher(RandomState::new()); // std's SipHash
    /// m.store("a", 1);
    /// assert_eq!(m.load("a"), Some(1));
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        Self::from_map(Inner::with_hasher(hasher))
    }

    /// Creates an empty map with room for `capacity` entries, hashing keys with `hasher`
    /// (the map's bucket array is sized by Go's `makemap` rule, as
    /// [`GoMap::with_capacity`](crate::GoMap::with_capacity) says).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{concurrent::RwLockMap, RandomState};
    /// let m = RwLockMap::with_capacity_and_hasher(100, RandomState::new());
    /// for i in 0..100 {
    ///     m.store(i, i * 2);
    /// }
    /// assert_eq!(m.load(&7), Some(14));
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self::from_map(Inner::with_capacity_and_hasher(capacity, hasher))
    }

    /// The map behind the lock.
    pub(crate) fn from_map(m: Inner<K, V, S>) -> Self {
        RwLockMap { inner: RwLock::new(m) }
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner<K, V, S>> {
        unpoison(self.inner.read())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner<K, V, S>> {
        unpoison(self.inner.write())
    }

    /// Removes every entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// m.store(1, 1);
    /// m.clear();
    /// assert!(m.is_empty());
    /// ```
    pub fn clear(&self) {
        self.write().clear();
    }

    /// The number of entries. O(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// assert!(m.is_empty());
    /// m.store("a", 1);
    /// assert!(!m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Clones of every entry, taken under the shared lock (for `range` and serde).
    pub(crate) fn snapshot(&self) -> Vec<(K, V)>
    where
        K: Clone,
        V: Clone,
    {
        self.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl<K, V, S: Default> Default for RwLockMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> RwLockMap<K, V, S>
where
    K: Eq + Hash,
    V: Clone,
    S: BuildHasher,
{
    /// Returns a clone of the value stored for `key`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.load("a"), Some(1));
    /// assert_eq!(m.load("b"), None);
    /// ```
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.read().get(key).cloned()
    }

    /// Sets the value for `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// m.store("a", 1);
    /// m.store("a", 2);
    /// assert_eq!(m.load("a"), Some(2));
    /// ```
    pub fn store(&self, key: K, value: V) {
        self.write().insert(key, value);
    }

    /// Sets the value for `key` and returns the previous one, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// assert_eq!(m.swap("a", 1), None);
    /// assert_eq!(m.swap("a", 2), Some(1));
    /// ```
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.write().insert(key, value)
    }

    /// Returns the existing value for `key` and `true` if there is one; otherwise stores
    /// `value` and returns a clone of it and `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// assert_eq!(m.load_or_store("a", 1), (1, false));
    /// assert_eq!(m.load_or_store("a", 2), (1, true));
    /// ```
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool) {
        // Hits, the common case, only need the shared lock.
        if let Some(v) = self.read().get(&key) {
            return (v.clone(), true);
        }
        let mut m = self.write();
        if let Some(v) = m.get(&key) {
            return (v.clone(), true);
        }
        m.insert(key, value.clone());
        (value, false)
    }

    /// Removes `key`, returning its value if it had one.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.load_and_delete("a"), Some(1));
    /// assert_eq!(m.load_and_delete("a"), None);
    /// ```
    pub fn load_and_delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.write().remove(key)
    }

    /// Removes `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
    /// m.store("a", 1);
    /// m.delete("a");
    /// assert_eq!(m.load("a"), None);
    /// ```
    pub fn delete<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.write().remove(key);
    }

    /// Replaces the value for `key` with `new` if it currently equals `old`.
    ///
    /// Returns whether it was replaced; a missing key is never replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
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
        match self.write().get_mut(key) {
            Some(v) if *v == *old => {
                *v = new;
                true
            }
            _ => false,
        }
    }

    /// Removes `key` if its value equals `old`. Returns whether it was removed.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
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
        let mut m = self.write();
        if m.get(key) == Some(old) {
            m.remove(key);
            true
        } else {
            false
        }
    }

    /// Calls `f` on each key and value until it returns `false`.
    ///
    /// The entries are copied under the shared lock and `f` runs with no lock held, so it may
    /// call back into the map; each key present at the copy is visited exactly once. The copy
    /// costs O(n) clones even if `f` stops early.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::RwLockMap;
    /// let m = RwLockMap::new();
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
        K: Clone,
        F: FnMut(&K, &V) -> bool,
    {
        for (k, v) in &self.snapshot() {
            if !f(k, v) {
                break;
            }
        }
    }
}

impl<K, V, S> fmt::Debug for RwLockMap<K, V, S>
where
    K: fmt::Debug,
    V: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.read().iter()).finish()
    }
}

impl<K, V, S> FromIterator<(K, V)> for RwLockMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self::from_map(iter.into_iter().collect())
    }
}
