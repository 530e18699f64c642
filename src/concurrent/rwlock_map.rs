//! `RwLockMap`: the other way Go shares a map, a plain map behind `sync.RWMutex`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;

use super::sync::{unpoison, RwLock, RwLockReadGuard, RwLockWriteGuard};
use super::Inner;

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
pub struct RwLockMap<K, V> {
    inner: RwLock<Inner<K, V>>,
}

impl<K, V> RwLockMap<K, V> {
    /// Creates an empty map.
    pub fn new() -> Self {
        RwLockMap { inner: RwLock::new(Inner::default()) }
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner<K, V>> {
        unpoison(self.inner.read())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner<K, V>> {
        unpoison(self.inner.write())
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.write().clear();
    }

    /// The number of entries. O(1).
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}

impl<K, V> Default for RwLockMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> RwLockMap<K, V>
where
    K: Eq + Hash,
    V: Clone,
{
    /// Returns a clone of the value stored for `key`, if any.
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.read().get(key).cloned()
    }

    /// Sets the value for `key`.
    pub fn store(&self, key: K, value: V) {
        self.write().insert(key, value);
    }

    /// Sets the value for `key` and returns the previous one, if any.
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.write().insert(key, value)
    }

    /// Returns the existing value for `key` and `true` if there is one; otherwise stores
    /// `value` and returns a clone of it and `false`.
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
    pub fn load_and_delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.write().remove(key)
    }

    /// Removes `key`.
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
    pub fn range<F>(&self, mut f: F)
    where
        K: Clone,
        F: FnMut(&K, &V) -> bool,
    {
        let snapshot: Vec<(K, V)> =
            self.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, v) in &snapshot {
            if !f(k, v) {
                break;
            }
        }
    }
}

impl<K, V> fmt::Debug for RwLockMap<K, V>
where
    K: fmt::Debug,
    V: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.read().iter()).finish()
    }
}

impl<K, V> FromIterator<(K, V)> for RwLockMap<K, V>
where
    K: Eq + Hash,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        RwLockMap { inner: RwLock::new(iter.into_iter().collect()) }
    }
}
