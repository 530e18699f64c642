//! Parallel iterators over both maps ([`GoMap`](crate::GoMap) and
//! [`SwissMap`](crate::SwissMap): one implementation over [`Map`], each engine splitting its
//! entries as [`ParEngine`] says), and their `ParallelExtend` and `FromParallelIterator`.

use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::rayon::iter::plumbing::UnindexedConsumer;
use ::rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::{collect_chunks, drive_units, Exclusive, ParEngine, Shared, Units};
use crate::api::Map;
use crate::map::Hmap;

/// A parallel iterator over `(&K, &V)`, from `par_iter` (rayon's `IntoParallelRefIterator`).
pub struct ParIter<'a, K, V, E: ParEngine<K, V> = Hmap<K, V>> {
    units: Units<'a, K, V, E, Shared>,
}

/// A parallel iterator over `(&K, &mut V)`, from `par_iter_mut` (rayon's
/// `IntoParallelRefMutIterator`).
pub struct ParIterMut<'a, K, V, E: ParEngine<K, V> = Hmap<K, V>> {
    units: Units<'a, K, V, E, Exclusive>,
    marker: PhantomData<&'a mut V>,
}

/// An owning parallel iterator over `(K, V)`, from `into_par_iter`. Entries that a consumer
/// stops short of drop with the table.
pub struct IntoParIter<K, V, E: ParEngine<K, V> = Hmap<K, V>> {
    table: E,
    marker: PhantomData<(K, V)>,
}

// SAFETY: the iterator owns the table and moves its entries to the consumer's threads, as
// std's IntoIter may be sent when K and V are Send (an engine owns its entries and points
// only into memory it owns: the `Engine` contract).
unsafe impl<K: Send, V: Send, E: ParEngine<K, V>> Send for IntoParIter<K, V, E> {}

impl<'a, K: Sync + 'a, V: Sync + 'a, E: ParEngine<K, V> + 'a> ParallelIterator
    for ParIter<'a, K, V, E>
{
    type Item = (&'a K, &'a V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        drive_units(self.units, consumer, |t, s| {
            // SAFETY: a valid slot of the map borrowed shared for 'a.
            unsafe {
                let (k, v) = t.slot_ptrs(s);
                (&*k, &*v)
            }
        })
    }
}

impl<'a, K: Sync + 'a, V: Send + 'a, E: ParEngine<K, V> + 'a> ParallelIterator
    for ParIterMut<'a, K, V, E>
{
    type Item = (&'a K, &'a mut V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        drive_units(self.units, consumer, |t, s| {
            // SAFETY: a valid slot of the map borrowed mutably for 'a, reached by this unit
            // alone and yielded once, so the &mut V is unique.
            unsafe {
                let (k, v) = t.slot_ptrs(s);
                (&*k, &mut *v)
            }
        })
    }
}

impl<K: Send, V: Send, E: ParEngine<K, V>> ParallelIterator for IntoParIter<K, V, E> {
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.table.into_par_drive(consumer)
    }
}

impl<'a, K: Sync, V: Sync, S, E: ParEngine<K, V> + 'a> IntoParallelIterator
    for &'a Map<K, V, S, E>
{
    type Iter = ParIter<'a, K, V, E>;
    type Item = (&'a K, &'a V);

    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let m: GoMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(m.par_iter().filter(|(k, _)| *k % 2 == 0).count(), 50);
    /// ```
    fn into_par_iter(self) -> ParIter<'a, K, V, E> {
        // SAFETY: shared access, for 'a.
        ParIter { units: unsafe { Units::new(self.table()) } }
    }
}

impl<'a, K: Sync, V: Send, S, E: ParEngine<K, V> + 'a> IntoParallelIterator
    for &'a mut Map<K, V, S, E>
{
    type Iter = ParIterMut<'a, K, V, E>;
    type Item = (&'a K, &'a mut V);

    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let mut m: GoMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// m.par_iter_mut().for_each(|(_, v)| *v += 1);
    /// assert_eq!(m[&9], 10);
    /// ```
    fn into_par_iter(self) -> ParIterMut<'a, K, V, E> {
        // SAFETY: the map is borrowed mutably for 'a.
        ParIterMut { units: unsafe { Units::new(self.table_mut()) }, marker: PhantomData }
    }
}

impl<K: Send, V: Send, S, E: ParEngine<K, V>> IntoParallelIterator for Map<K, V, S, E> {
    type Iter = IntoParIter<K, V, E>;
    type Item = (K, V);

    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let m: GoMap<u32, String> = (0..100).map(|i| (i, i.to_string())).collect();
    /// let mut v: Vec<(u32, String)> = m.into_par_iter().collect();
    /// v.sort();
    /// assert_eq!(v[42], (42, "42".to_string()));
    /// ```
    fn into_par_iter(self) -> IntoParIter<K, V, E> {
        IntoParIter { table: self.into_table(), marker: PhantomData }
    }
}

impl<K, V, S, E: ParEngine<K, V>> Map<K, V, S, E> {
    /// A parallel iterator over the keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let m: GoMap<u64, ()> = (0..100).map(|i| (i, ())).collect();
    /// assert_eq!(m.par_keys().sum::<u64>(), 4950);
    /// ```
    pub fn par_keys(&self) -> impl ParallelIterator<Item = &K> + '_
    where
        K: Sync,
        V: Sync,
    {
        self.into_par_iter().map(|(k, _)| k)
    }

    /// A parallel iterator over the values.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let m: GoMap<u64, u64> = (0..100).map(|i| (i, 1)).collect();
    /// assert_eq!(m.par_values().sum::<u64>(), 100);
    /// ```
    pub fn par_values(&self) -> impl ParallelIterator<Item = &V> + '_
    where
        K: Sync,
        V: Sync,
    {
        self.into_par_iter().map(|(_, v)| v)
    }

    /// A parallel iterator over mutable references to the values.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let mut m: GoMap<u64, u64> = (0..100).map(|i| (i, 1)).collect();
    /// m.par_values_mut().for_each(|v| *v *= 3);
    /// assert_eq!(m.values().sum::<u64>(), 300);
    /// ```
    pub fn par_values_mut(&mut self) -> impl ParallelIterator<Item = &mut V> + '_
    where
        K: Sync,
        V: Send,
    {
        self.into_par_iter().map(|(_, v)| v)
    }
}

/// Collects in parallel into per-thread vectors, then inserts on this thread (a map takes
/// one writer at a time). An empty map is sized for all of them first.
impl<K, V, S, E: ParEngine<K, V>> ParallelExtend<(K, V)> for Map<K, V, S, E>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher,
{
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, par_iter: I) {
        let chunks = collect_chunks(par_iter);
        if self.is_empty() {
            self.reserve(chunks.iter().map(Vec::len).sum());
        }
        for chunk in chunks {
            self.extend(chunk);
        }
    }
}

impl<'a, K, V, S, E: ParEngine<K, V>> ParallelExtend<(&'a K, &'a V)> for Map<K, V, S, E>
where
    K: Eq + Hash + Copy + Sync,
    V: Copy + Sync,
    S: BuildHasher,
{
    fn par_extend<I: IntoParallelIterator<Item = (&'a K, &'a V)>>(&mut self, par_iter: I) {
        for chunk in collect_chunks(par_iter) {
            self.extend(chunk);
        }
    }
}

impl<K, V, S, E: ParEngine<K, V>> FromParallelIterator<(K, V)> for Map<K, V, S, E>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher + Default,
{
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let m: GoMap<u32, u32> = (0..1000u32).into_par_iter().map(|i| (i, i * i)).collect();
    /// assert_eq!(m[&30], 900);
    /// ```
    fn from_par_iter<I: IntoParallelIterator<Item = (K, V)>>(par_iter: I) -> Self {
        let mut m = Map::with_hasher(S::default());
        m.par_extend(par_iter);
        m
    }
}
