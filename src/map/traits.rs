//! std's trait implementations for GoMap.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::Index;

use super::{GoMap, IntoIter, Iter, IterMut};
use crate::RandomState;

impl<K: Clone, V: Clone, S: Clone> Clone for GoMap<K, V, S> {
    /// Copies the map bucket for bucket, a grow in progress included (Go's mapclone).
    fn clone(&self) -> Self {
        GoMap {
            hash_builder: self.hash_builder.clone(),
            table: self.table.mapclone(&mut |k, v| (k.clone(), v.clone())),
            hash_fn: self.hash_fn,
        }
    }

    /// Makes this map a copy of `source`, reusing its bucket arrays where `source`'s have the
    /// same B (std's and hashbrown's `clone_from` reuse their allocation the same way).
    ///
    /// If a key's or value's `clone` panics, this map is left empty, as std's is: the entries
    /// it held and those cloned so far are dropped, each once.
    fn clone_from(&mut self, source: &Self) {
        self.hash_builder.clone_from(&source.hash_builder);
        self.table.mapclone_from(&source.table, &mut |k, v| (k.clone(), v.clone()));
        self.hash_fn = self.hash_fn.or(source.hash_fn);
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for GoMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S: Default> Default for GoMap<K, V, S> {
    /// An empty map with the default hasher.
    fn default() -> Self {
        GoMap::with_hasher(S::default())
    }
}

impl<K, V, S> PartialEq for GoMap<K, V, S>
where
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Eq + Hash, V: Eq, S: BuildHasher> Eq for GoMap<K, V, S> {}

impl<K, Q, V, S> Index<&Q> for GoMap<K, V, S>
where
    K: Eq + Hash + Borrow<Q>,
    Q: Eq + Hash + ?Sized,
    S: BuildHasher,
{
    type Output = V;

    /// # Panics
    /// Panics if the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not found in GoMap")
    }
}

impl<K: Eq + Hash, V, S: BuildHasher> Extend<(K, V)> for GoMap<K, V, S> {
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S> Extend<(&'a K, &'a V)> for GoMap<K, V, S>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
{
    fn extend<T: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: T) {
        for (k, v) in iter {
            self.insert(*k, *v);
        }
    }
}

impl<K: Eq + Hash, V, S: BuildHasher + Default> FromIterator<(K, V)> for GoMap<K, V, S> {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut m = GoMap::with_hasher(S::default());
        m.extend(iter);
        m
    }
}

impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for GoMap<K, V, RandomState> {
    fn from(arr: [(K, V); N]) -> Self {
        let mut m = GoMap::with_capacity(N);
        m.extend(arr);
        m
    }
}

impl<K, V, S> IntoIterator for GoMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// Consumes the map; the iteration starts at a random bucket like every other.
    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter::new(self.table)
    }
}

impl<'a, K, V, S> IntoIterator for &'a GoMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V, S>;

    fn into_iter(self) -> Iter<'a, K, V, S> {
        self.iter()
    }
}

impl<'a, K, V, S> IntoIterator for &'a mut GoMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V, S>;

    fn into_iter(self) -> IterMut<'a, K, V, S> {
        self.iter_mut()
    }
}
