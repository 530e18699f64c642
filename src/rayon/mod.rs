//! Feature `rayon`: parallel iterators over [`GoMap`](crate::GoMap) and [`GoSet`](crate::GoSet),
//! `ParallelExtend` and `FromParallelIterator`.
//!
//! A parallel iteration splits the current bucket array into ranges of buckets that rayon
//! hands to its threads. Mid-grow it needs no hashing: an old bucket not yet evacuated holds
//! the entries of both new buckets it feeds, so it is walked whole for the lower of the two
//! and skipped for the other (the rule the owning iterators use), and every entry is visited
//! exactly once, in no particular order. Two ranges never share a bucket, so `par_iter_mut`
//! hands out each `&mut V` once and `into_par_iter` moves each entry out once.
//!
//! ```
//! use gomap::GoMap;
//! use rayon::prelude::*;
//!
//! let m: GoMap<u64, u64> = (0..10_000).map(|i| (i, i * 2)).collect();
//! let sum: u64 = m.par_iter().map(|(_, v)| *v).sum();
//! assert_eq!(sum, m.values().sum::<u64>());
//! ```
//!
//! Unlike a sequential iterator, a parallel one does not start at a random bucket, and it
//! does not set Go's iterator flags (Go has no parallel iteration to mirror).

pub mod map;
pub mod set;

use core::marker::PhantomData;

use crate::map::{Bucket, Hmap};

/// How the threads of one parallel iteration reach the table, which decides what it takes for
/// the table to cross threads.
pub(crate) struct Shared;
/// See [`Shared`]: each thread changes the values of its own buckets.
pub(crate) struct Exclusive;
/// See [`Shared`]: each thread moves the entries of its own buckets out.
pub(crate) struct Owned;

/// A table reference that the threads of one parallel iteration share. Each thread works on
/// the units (`Hmap::unit_chain`) rayon gives it, and no two units share a bucket.
pub(crate) struct Units<'a, K, V, A> {
    table: &'a Hmap<K, V>,
    access: PhantomData<A>,
}

impl<K, V, A> Clone for Units<'_, K, V, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V, A> Copy for Units<'_, K, V, A> {}

impl<'a, K, V, A> Units<'a, K, V, A> {
    /// # Safety
    /// With [`Exclusive`] or [`Owned`], the caller must hold the table mutably or own it for
    /// `'a`, so that only this iteration touches its entries.
    pub(crate) unsafe fn new(table: &'a Hmap<K, V>) -> Self {
        Units { table, access: PhantomData }
    }

    pub(crate) fn count(self) -> usize {
        self.table.units()
    }

    /// The filled slots of unit `j`. (A method, so that a closure captures the whole `Units`
    /// and its Send and Sync, not the bare table reference.)
    pub(crate) fn slots(self, j: usize) -> impl Iterator<Item = (Bucket<K, V>, usize)> {
        self.table.unit_slots(j)
    }
}

// SAFETY: with `Shared`, threads only read keys and values through `&`, as `&GoMap` allows
// when K and V are Sync; the table's own fields are only read.
unsafe impl<K: Sync, V: Sync> Send for Units<'_, K, V, Shared> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync> Sync for Units<'_, K, V, Shared> {}
// SAFETY: with `Exclusive`, keys are read through `&` and each value is reached through one
// `&mut` from one thread (units are disjoint), as std's IterMut needs K: Sync, V: Send.
unsafe impl<K: Sync, V: Send> Send for Units<'_, K, V, Exclusive> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Send> Sync for Units<'_, K, V, Exclusive> {}
// SAFETY: with `Owned`, each entry is moved out by the one thread whose unit holds it, and the
// tophash byte that `take` writes belongs to that unit's bucket alone.
unsafe impl<K: Send, V: Send> Send for Units<'_, K, V, Owned> {}
// SAFETY: see above.
unsafe impl<K: Send, V: Send> Sync for Units<'_, K, V, Owned> {}

/// Drives `consumer` over the filled slots of every unit, each made an item by `item`: the
/// whole of the three map iterators, which differ only in what they make of a slot.
pub(crate) fn drive_units<K, V, A, T, C>(
    units: Units<'_, K, V, A>,
    consumer: C,
    item: fn(Bucket<K, V>, usize) -> T,
) -> C::Result
where
    for<'u> Units<'u, K, V, A>: Send + Sync,
    T: Send,
    C: ::rayon::iter::plumbing::UnindexedConsumer<T>,
{
    use ::rayon::iter::{IntoParallelIterator, ParallelIterator};
    (0..units.count())
        .into_par_iter()
        .flat_map_iter(move |j| units.slots(j).map(move |(b, i)| item(b, i)))
        .drive_unindexed(consumer)
}

/// Collects a parallel iterator into per-thread vectors, as rayon's own collections'
/// `par_extend` does, so that the inserts after it run on one thread without a lock.
pub(crate) fn collect_chunks<T: Send>(
    par_iter: impl ::rayon::iter::IntoParallelIterator<Item = T>,
) -> std::collections::LinkedList<Vec<T>> {
    use ::rayon::iter::ParallelIterator;
    par_iter
        .into_par_iter()
        .fold(Vec::new, |mut v, x| {
            v.push(x);
            v
        })
        .map(|v| std::collections::LinkedList::from([v]))
        .reduce(std::collections::LinkedList::new, |mut a, mut b| {
            a.append(&mut b);
            a
        })
}
