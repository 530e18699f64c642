//! Parallel iterators over a [`GoSet`], and its `ParallelExtend` and `FromParallelIterator`.

use core::hash::{BuildHasher, Hash};

use ::rayon::iter::plumbing::UnindexedConsumer;
use ::rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::map;
use crate::GoSet;

/// A parallel iterator over `&T`, from `GoSet::par_iter`.
pub struct ParIter<'a, T> {
    inner: map::ParIter<'a, T, ()>,
}

/// An owning parallel iterator over `T`, from `GoSet::into_par_iter`.
pub struct IntoParIter<T> {
    inner: map::IntoParIter<T, ()>,
}

impl<'a, T: Sync> ParallelIterator for ParIter<'a, T> {
    type Item = &'a T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, _)| k).drive_unindexed(consumer)
    }
}

impl<T: Send> ParallelIterator for IntoParIter<T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, ())| k).drive_unindexed(consumer)
    }
}

impl<'a, T: Sync, S> IntoParallelIterator for &'a GoSet<T, S> {
    type Iter = ParIter<'a, T>;
    type Item = &'a T;

    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// use rayon::prelude::*;
    /// let set: GoSet<u64> = (0..100).collect();
    /// assert_eq!(set.par_iter().sum::<u64>(), 4950);
    /// ```
    fn into_par_iter(self) -> ParIter<'a, T> {
        ParIter { inner: (&self.map).into_par_iter() }
    }
}

impl<T: Send, S> IntoParallelIterator for GoSet<T, S> {
    type Iter = IntoParIter<T>;
    type Item = T;

    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// use rayon::prelude::*;
    /// let set: GoSet<u64> = (0..100).collect();
    /// let mut v: Vec<u64> = set.into_par_iter().collect();
    /// v.sort();
    /// assert_eq!(v, (0..100).collect::<Vec<_>>());
    /// ```
    fn into_par_iter(self) -> IntoParIter<T> {
        IntoParIter { inner: self.map.into_par_iter() }
    }
}

/// As the map's: collected in parallel, inserted on this thread.
impl<T: Eq + Hash + Send, S: BuildHasher> ParallelExtend<T> for GoSet<T, S> {
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, par_iter: I) {
        self.map.par_extend(par_iter.into_par_iter().map(|k| (k, ())));
    }
}

impl<'a, T: Eq + Hash + Copy + Sync, S: BuildHasher> ParallelExtend<&'a T> for GoSet<T, S> {
    fn par_extend<I: IntoParallelIterator<Item = &'a T>>(&mut self, par_iter: I) {
        for chunk in super::collect_chunks(par_iter) {
            self.extend(chunk);
        }
    }
}

impl<T, S> FromParallelIterator<T> for GoSet<T, S>
where
    T: Eq + Hash + Send,
    S: BuildHasher + Default,
{
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// use rayon::prelude::*;
    /// let set: GoSet<u32> = (0..1000u32).into_par_iter().map(|i| i % 10).collect();
    /// assert_eq!(set.len(), 10);
    /// ```
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(par_iter: I) -> Self {
        let mut set = GoSet::with_hasher(S::default());
        set.par_extend(par_iter);
        set
    }
}
