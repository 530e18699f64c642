//! Parallel iterators over a [`GoMap`], and its `ParallelExtend` and `FromParallelIterator`.

use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::rayon::iter::plumbing::UnindexedConsumer;
use ::rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::{collect_chunks, drive_units, Exclusive, Owned, Shared, Units};
use crate::map::Hmap;
use crate::GoMap;

/// A parallel iterator over `(&K, &V)`, from `GoMap::par_iter` (rayon's
/// `IntoParallelRefIterator`).
pub struct ParIter<'a, K, V> {
    units: Units<'a, K, V, Shared>,
}

/// A parallel iterator over `(&K, &mut V)`, from `GoMap::par_iter_mut` (rayon's
/// `IntoParallelRefMutIterator`).
pub struct ParIterMut<'a, K, V> {
    units: Units<'a, K, V, Exclusive>,
    marker: PhantomData<&'a mut V>,
}

/// An owning parallel iterator over `(K, V)`, from `GoMap::into_par_iter`. Entries that a
/// consumer stops short of drop with the table.
pub struct IntoParIter<K, V> {
    table: Hmap<K, V>,
}

// SAFETY: the iterator owns the table and moves its entries to the consumer's threads, as
// std's IntoIter may be sent when K and V are Send.
unsafe impl<K: Send, V: Send> Send for IntoParIter<K, V> {}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParIter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        drive_units(self.units, consumer, |b, i| {
            // SAFETY: a filled slot of the map borrowed shared for 'a.
            unsafe { (&*b.key(i), &*b.elem(i)) }
        })
    }
}

impl<'a, K: Sync, V: Send> ParallelIterator for ParIterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        drive_units(self.units, consumer, |b, i| {
            // SAFETY: a filled slot of the map borrowed mutably for 'a, reached by this unit
            // alone and yielded once, so the &mut V is unique.
            unsafe { (&*b.key(i), &mut *b.elem(i)) }
        })
    }
}

impl<K: Send, V: Send> ParallelIterator for IntoParIter<K, V> {
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        let table = self.table;
        // SAFETY: `table` is owned here until every thread is done with it (rayon returns,
        // or unwinds, only after all of its jobs have finished).
        let units = unsafe { Units::<K, V, Owned>::new(&table) };
        let result = drive_units(units, consumer, |b, i| {
            // SAFETY: a filled slot, reached by this unit alone; `take` marks it empty first,
            // so the table's drop skips it.
            unsafe { b.take(i) }
        });
        // What the consumer stopped short of drops with the table.
        drop(table);
        result
    }
}

impl<'a, K: Sync, V: Sync, S> IntoParallelIterator for &'a GoMap<K, V, S> {
    type Iter = ParIter<'a, K, V>;
    type Item = (&'a K, &'a V);

    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// use rayon::prelude::*;
    /// let m: GoMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(m.par_iter().filter(|(k, _)| *k % 2 == 0).count(), 50);
    /// ```
    fn into_par_iter(self) -> ParIter<'a, K, V> {
        // SAFETY: shared access, for 'a.
        ParIter { units: unsafe { Units::new(self.table()) } }
    }
}

impl<'a, K: Sync, V: Send, S> IntoParallelIterator for &'a mut GoMap<K, V, S> {
    type Iter = ParIterMut<'a, K, V>;
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
    fn into_par_iter(self) -> ParIterMut<'a, K, V> {
        // SAFETY: the map is borrowed mutably for 'a.
        ParIterMut { units: unsafe { Units::new(self.table_mut()) }, marker: PhantomData }
    }
}

impl<K: Send, V: Send, S> IntoParallelIterator for GoMap<K, V, S> {
    type Iter = IntoParIter<K, V>;
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
    fn into_par_iter(self) -> IntoParIter<K, V> {
        IntoParIter { table: self.into_table() }
    }
}

impl<K, V, S> GoMap<K, V, S> {
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

/// Collects in parallel into per-thread vectors, then inserts on this thread (a `GoMap`
/// takes one writer at a time). An empty map is sized for all of them first.
impl<K, V, S> ParallelExtend<(K, V)> for GoMap<K, V, S>
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

impl<'a, K, V, S> ParallelExtend<(&'a K, &'a V)> for GoMap<K, V, S>
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

impl<K, V, S> FromParallelIterator<(K, V)> for GoMap<K, V, S>
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
        let mut m = GoMap::with_hasher(S::default());
        m.par_extend(par_iter);
        m
    }
}
