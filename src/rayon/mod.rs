//! Feature `rayon`: parallel iterators over [`GoMap`](crate::GoMap), [`SwissMap`](crate::SwissMap)
//! (one implementation over both engines, [`ParEngine`]) and [`GoSet`](crate::GoSet),
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

use ::rayon::iter::plumbing::UnindexedConsumer;

use crate::api::Engine;
use crate::map::Hmap;
use crate::swiss::SwissTable;

/// What the parallel iterators need of an engine besides [`Engine`]: its entries in disjoint
/// units of work, and an owning parallel walk. Sealed with `Engine`; not public API.
///
/// The classic map's units are its buckets (`Hmap::unit_chain`: mid-grow an unevacuated old
/// bucket goes whole with its X visit), and `into_par_iter` moves entries out on the threads.
/// The Swiss map's units are its tables (or its small group): a simpler split, as coarse as
/// its directory (one unit up to 1,024 slots, and for a small map of up to 8 entries one unit
/// in all); its `into_par_iter` moves the entries out in Go's order on the calling thread and
/// splits them as a vector.
pub trait ParEngine<K, V>: Engine<K, V> {
    /// The number of units.
    #[doc(hidden)]
    fn units(&self) -> usize;

    /// The filled slots of unit `j`. Distinct units share no slot, and every entry is in one.
    #[doc(hidden)]
    fn unit_slots(&self, j: usize) -> impl Iterator<Item = Self::Slot> + '_;

    /// Drives `consumer` over every entry, moved out.
    #[doc(hidden)]
    fn into_par_drive<C: UnindexedConsumer<(K, V)>>(self, consumer: C) -> C::Result
    where
        K: Send,
        V: Send;
}

/// How the threads of one parallel iteration reach the table, which decides what it takes for
/// the table to cross threads.
pub(crate) struct Shared;
/// See [`Shared`]: each thread changes the values of its own units.
pub(crate) struct Exclusive;
/// See [`Shared`]: each thread moves the entries of its own buckets out (the classic engine).
pub(crate) struct Owned;

/// A table reference that the threads of one parallel iteration share. Each thread works on
/// the units ([`ParEngine::unit_slots`]) rayon gives it, and no two units share a slot.
pub(crate) struct Units<'a, K, V, E, A> {
    table: &'a E,
    #[allow(clippy::type_complexity)]
    access: PhantomData<(A, fn() -> (K, V))>,
}

impl<K, V, E, A> Clone for Units<'_, K, V, E, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V, E, A> Copy for Units<'_, K, V, E, A> {}

impl<'a, K, V, E: ParEngine<K, V>, A> Units<'a, K, V, E, A> {
    /// # Safety
    /// With [`Exclusive`] or [`Owned`], the caller must hold the table mutably or own it for
    /// `'a`, so that only this iteration touches its entries.
    pub(crate) unsafe fn new(table: &'a E) -> Self {
        Units { table, access: PhantomData }
    }

    pub(crate) fn count(self) -> usize {
        self.table.units()
    }

    /// The filled slots of unit `j`. (A method, so that a closure captures the whole `Units`
    /// and its Send and Sync, not the bare table reference.)
    pub(crate) fn slots(self, j: usize) -> impl Iterator<Item = E::Slot> + 'a {
        self.table.unit_slots(j)
    }

    /// The table, for making an item of a slot.
    pub(crate) fn table(self) -> &'a E {
        self.table
    }
}

// SAFETY: with `Shared`, threads only read keys and values through `&`, as `&Map` allows
// when K and V are Sync; the table's own fields are only read (the `Engine` contract).
unsafe impl<K, V, E, A: Access<K, V>> Send for Units<'_, K, V, E, A> {}
// SAFETY: see above.
unsafe impl<K, V, E, A: Access<K, V>> Sync for Units<'_, K, V, E, A> {}

/// What each access needs of K and V for its `Units` to cross threads: `Shared` K: Sync and
/// V: Sync (as `&HashMap`); `Exclusive` K: Sync, V: Send (as std's IterMut: each value is
/// reached through one `&mut` from one thread, units being disjoint); `Owned` K: Send, V: Send
/// (each entry is moved out by the one thread whose unit holds it, and the tophash byte that
/// `take` writes belongs to that unit's bucket alone).
pub(crate) trait Access<K, V> {}
impl<K: Sync, V: Sync> Access<K, V> for Shared {}
impl<K: Sync, V: Send> Access<K, V> for Exclusive {}
impl<K: Send, V: Send> Access<K, V> for Owned {}

/// Drives `consumer` over the filled slots of every unit, each made an item by `item`: the
/// whole of the map iterators, which differ only in what they make of a slot.
pub(crate) fn drive_units<'a, K, V, E, A, T, C>(
    units: Units<'a, K, V, E, A>,
    consumer: C,
    item: fn(&'a E, E::Slot) -> T,
) -> C::Result
where
    E: ParEngine<K, V> + 'a,
    Units<'a, K, V, E, A>: Send + Sync,
    T: Send,
    C: UnindexedConsumer<T>,
{
    use ::rayon::iter::{IntoParallelIterator, ParallelIterator};
    (0..units.count())
        .into_par_iter()
        .flat_map_iter(move |j| units.slots(j).map(move |s| item(units.table(), s)))
        .drive_unindexed(consumer)
}

impl<K, V> ParEngine<K, V> for Hmap<K, V> {
    fn units(&self) -> usize {
        Hmap::units(self)
    }

    fn unit_slots(&self, j: usize) -> impl Iterator<Item = Self::Slot> + '_ {
        Hmap::unit_slots(self, j)
    }

    fn into_par_drive<C: UnindexedConsumer<(K, V)>>(self, consumer: C) -> C::Result
    where
        K: Send,
        V: Send,
    {
        let table = self;
        // SAFETY: `table` is owned here until every thread is done with it (rayon returns,
        // or unwinds, only after all of its jobs have finished).
        let units = unsafe { Units::<K, V, Hmap<K, V>, Owned>::new(&table) };
        let result = drive_units(units, consumer, |_, (b, i)| {
            // SAFETY: a filled slot, reached by this unit alone; `take` marks it empty first,
            // so the table's drop skips it.
            unsafe { b.take(i) }
        });
        // What the consumer stopped short of drops with the table.
        drop(table);
        result
    }
}

impl<K, V> ParEngine<K, V> for SwissTable<K, V> {
    fn units(&self) -> usize {
        SwissTable::par_units(self)
    }

    fn unit_slots(&self, j: usize) -> impl Iterator<Item = Self::Slot> + '_ {
        SwissTable::par_unit_slots(self, j)
    }

    fn into_par_drive<C: UnindexedConsumer<(K, V)>>(self, consumer: C) -> C::Result
    where
        K: Send,
        V: Send,
    {
        use ::rayon::iter::{IntoParallelIterator, ParallelIterator};
        let entries: Vec<(K, V)> = crate::api::IntoIter::new(self).collect();
        entries.into_par_iter().drive_unindexed(consumer)
    }
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
