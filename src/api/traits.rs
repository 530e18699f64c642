//! std's trait implementations, for both maps.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::Index;

use super::{Engine, IntoIter, Iter, IterMut, Map};
use crate::RandomState;

impl<K: Clone, V: Clone, S: Clone, E: Engine<K, V>> Clone for Map<K, V, S, E> {
    /// Copies the map bucket for bucket, a grow in progress included (Go's mapclone).
    fn clone(&self) -> Self {
        Map {
            hash_builder: self.hash_builder.clone(),
            table: self.table.clone_with(&mut |k, v| (k.clone(), v.clone())),
            hash_fn: self.hash_fn,
            marker: core::marker::PhantomData,
        }
    }

    /// Makes this map a copy of `source`, reusing its bucket arrays where `source`'s have the
    /// same B (std's and hashbrown's `clone_from` reuse their allocation the same way).
    ///
    /// If a key's or value's `clone` panics, this map is left empty, as std's is: the entries
    /// it held and those cloned so far are dropped, each once.
    fn clone_from(&mut self, source: &Self) {
        self.hash_builder.clone_from(&source.hash_builder);
        self.table.clone_from_with(&source.table, &mut |k, v| (k.clone(), v.clone()));
        self.hash_fn = self.hash_fn.or(source.hash_fn);
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, E: Engine<K, V>> fmt::Debug for Map<K, V, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S: Default, E: Engine<K, V>> Default for Map<K, V, S, E> {
    /// An empty map with the default hasher.
    fn default() -> Self {
        Map::with_hasher(S::default())
    }
}

impl<K, V, S, E: Engine<K, V>> PartialEq for Map<K, V, S, E>
where
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Eq + Hash, V: Eq, S: BuildHasher, E: Engine<K, V>> Eq for Map<K, V, S, E> {}

impl<K, Q, V, S, E: Engine<K, V>> Index<&Q> for Map<K, V, S, E>
where
    K: Eq + Hash + Borrow<Q>,
    Q: Eq + Hash + ?Sized,
    S: BuildHasher,
{
    type Output = V;

    /// # Panics
    /// Panics if the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).unwrap_or_else(|| panic!("key not found in {}", E::NAME))
    }
}

impl<K: Eq + Hash, V, S: BuildHasher, E: Engine<K, V>> Extend<(K, V)> for Map<K, V, S, E> {
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S, E: Engine<K, V>> Extend<(&'a K, &'a V)> for Map<K, V, S, E>
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

impl<K: Eq + Hash, V, S: BuildHasher + Default, E: Engine<K, V>> FromIterator<(K, V)>
    for Map<K, V, S, E>
{
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut m = Map::with_hasher(S::default());
        m.extend(iter);
        m
    }
}

impl<K: Eq + Hash, V, E: Engine<K, V>, const N: usize> From<[(K, V); N]>
    for Map<K, V, RandomState, E>
{
    fn from(arr: [(K, V); N]) -> Self {
        let mut m = Map::with_capacity(N);
        m.extend(arr);
        m
    }
}

impl<K, V, S, E: Engine<K, V>> IntoIterator for Map<K, V, S, E> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V, E>;

    /// Consumes the map; the iteration starts at a random bucket like every other.
    fn into_iter(self) -> IntoIter<K, V, E> {
        IntoIter::new(self.table)
    }
}

impl<'a, K, V, S, E: Engine<K, V>> IntoIterator for &'a Map<K, V, S, E> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V, S, E>;

    fn into_iter(self) -> Iter<'a, K, V, S, E> {
        self.iter()
    }
}

impl<'a, K, V, S, E: Engine<K, V>> IntoIterator for &'a mut Map<K, V, S, E> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V, S, E>;

    fn into_iter(self) -> IterMut<'a, K, V, S, E> {
        self.iter_mut()
    }
}
