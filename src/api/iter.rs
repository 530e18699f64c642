//! Iterators. All of them walk the table in its engine's Go order from a random start
//! (`mapiternext` for the classic map, `Iter.Next` for the Swiss one).
//!
//! The borrowing iterators carry the map's hasher (as a type-erased pointer, hence the `S`
//! parameter: they are `Send`/`Sync` only when `S` is `Sync`), because mid-grow the classic
//! map filters an unevacuated old bucket by each key's hash exactly as Go does. The owning ones
//! cannot keep the hasher and instead take such a bucket whole on its first (X) visit; either
//! way every entry comes out once. (The Swiss map never needs the hasher to iterate.)

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use super::engine::{Engine, ErasedHasher};

/// An iterator over `(&K, &V)`, from [`Map::iter`](super::Map::iter).
pub struct Iter<'a, K, V, S, E: Engine<K, V>> {
    table: &'a E,
    raw: E::Cursor,
    hasher: Option<ErasedHasher>,
    marker: PhantomData<(&'a S, &'a K, &'a V)>,
}

impl<'a, K, V, S, E: Engine<K, V>> Iter<'a, K, V, S, E> {
    pub(crate) fn new(table: &'a E, hasher: Option<ErasedHasher>) -> Self {
        Iter { table, raw: table.cursor(), hasher, marker: PhantomData }
    }

    /// An iteration from a cursor made elsewhere (a replayed start: `GoMap::raw().iter_from`,
    /// `SwissMap::iter_at`).
    pub(crate) fn from_cursor(table: &'a E, raw: E::Cursor, hasher: Option<ErasedHasher>) -> Self {
        Iter { table, raw, hasher, marker: PhantomData }
    }
}

impl<K, V, S, E: Engine<K, V>> Clone for Iter<'_, K, V, S, E> {
    fn clone(&self) -> Self {
        Iter { table: self.table, raw: self.raw.clone(), hasher: self.hasher, marker: PhantomData }
    }
}

impl<'a, K, V, S, E: Engine<K, V>> Iterator for Iter<'a, K, V, S, E> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: the table is borrowed shared for 'a, so it is unchanged since `new`.
        let s = unsafe { self.table.next(&mut self.raw, self.hasher)? };
        // SAFETY: the slot is valid; the references live as long as the shared borrow.
        let (k, v) = unsafe { self.table.slot_ptrs(s) };
        // SAFETY: as above.
        Some(unsafe { (&*k, &*v) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = E::remaining(&self.raw);
        (n, Some(n))
    }

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        let table = self.table;
        // SAFETY: as in `next`; each slot passed to the closure is valid.
        unsafe {
            table.fold(self.raw, self.hasher, init, |acc, s| {
                let (k, v) = table.slot_ptrs(s);
                f(acc, (&*k, &*v))
            })
        }
    }
}

impl<K, V, S, E: Engine<K, V>> ExactSizeIterator for Iter<'_, K, V, S, E> {}
impl<K, V, S, E: Engine<K, V>> FusedIterator for Iter<'_, K, V, S, E> {}

impl<K: fmt::Debug, V: fmt::Debug, S, E: Engine<K, V>> fmt::Debug for Iter<'_, K, V, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// An iterator over `(&K, &mut V)`, from [`Map::iter_mut`](super::Map::iter_mut).
pub struct IterMut<'a, K, V, S, E: Engine<K, V>> {
    table: &'a E,
    raw: E::Cursor,
    hasher: Option<ErasedHasher>,
    marker: PhantomData<(&'a mut V, &'a S, &'a K)>,
}

impl<'a, K, V, S, E: Engine<K, V>> IterMut<'a, K, V, S, E> {
    pub(crate) fn new(table: &'a mut E, hasher: Option<ErasedHasher>) -> Self {
        let raw = table.cursor();
        IterMut { table, raw, hasher, marker: PhantomData }
    }
}

impl<'a, K, V, S, E: Engine<K, V>> Iterator for IterMut<'a, K, V, S, E> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: the map is borrowed mutably for 'a and only values are changed through us.
        let s = unsafe { self.table.next(&mut self.raw, self.hasher)? };
        // SAFETY: the slot is valid.
        let (k, v) = unsafe { self.table.slot_ptrs(s) };
        // SAFETY: the slot is yielded once, so the &mut V is unique; the values live in the
        // engine's memory, not in the borrowed engine value.
        Some(unsafe { (&*k, &mut *v) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = E::remaining(&self.raw);
        (n, Some(n))
    }

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        let table = self.table;
        // SAFETY: as in `next`: each valid slot is passed once, so each &mut V is unique.
        unsafe {
            table.fold(self.raw, self.hasher, init, |acc, s| {
                let (k, v) = table.slot_ptrs(s);
                f(acc, (&*k, &mut *v))
            })
        }
    }
}

impl<K, V, S, E: Engine<K, V>> ExactSizeIterator for IterMut<'_, K, V, S, E> {}
impl<K, V, S, E: Engine<K, V>> FusedIterator for IterMut<'_, K, V, S, E> {}

impl<K, V, S, E: Engine<K, V>> fmt::Debug for IterMut<'_, K, V, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut").field("remaining", &E::remaining(&self.raw)).finish()
    }
}

/// An owning iterator over `(K, V)`, from `Map::into_iter`.
pub struct IntoIter<K, V, E: Engine<K, V>> {
    table: E,
    raw: E::Cursor,
}

impl<K, V, E: Engine<K, V>> IntoIter<K, V, E> {
    pub(crate) fn new(table: E) -> Self {
        let raw = table.owning_cursor();
        IntoIter { table, raw }
    }
}

impl<K, V, E: Engine<K, V>> Iterator for IntoIter<K, V, E> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        // SAFETY: only slots already returned have been taken since `new`.
        let s = unsafe { self.table.next(&mut self.raw, None)? };
        // SAFETY: the slot was just yielded by the owning cursor.
        Some(unsafe { self.table.take(s) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = E::remaining(&self.raw);
        (n, Some(n))
    }
}

impl<K, V, E: Engine<K, V>> ExactSizeIterator for IntoIter<K, V, E> {}

impl<K, V, E: Engine<K, V>> Default for IntoIter<K, V, E> {
    fn default() -> Self {
        IntoIter::new(E::EMPTY)
    }
}
impl<K, V, E: Engine<K, V>> FusedIterator for IntoIter<K, V, E> {}

impl<K, V, E: Engine<K, V>> fmt::Debug for IntoIter<K, V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").field("remaining", &E::remaining(&self.raw)).finish()
    }
}

/// A draining iterator, from [`Map::drain`](super::Map::drain). Dropping it drops what is
/// left and empties the map, keeping its memory for reuse.
pub struct Drain<'a, K, V, E: Engine<K, V>> {
    table: &'a mut E,
    raw: E::Cursor,
}

impl<'a, K, V, E: Engine<K, V>> Drain<'a, K, V, E> {
    pub(crate) fn new(table: &'a mut E) -> Self {
        let raw = table.begin_drain();
        Drain { table, raw }
    }
}

impl<K, V, E: Engine<K, V>> Iterator for Drain<'_, K, V, E> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        // SAFETY: as for IntoIter: only returned slots have been taken.
        let s = unsafe { self.table.next(&mut self.raw, None)? };
        // SAFETY: the slot was just yielded by the owning cursor.
        Some(unsafe { self.table.take(s) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = E::remaining(&self.raw);
        (n, Some(n))
    }
}

impl<K, V, E: Engine<K, V>> Drop for Drain<'_, K, V, E> {
    fn drop(&mut self) {
        self.table.end_drain();
    }
}

impl<K, V, E: Engine<K, V>> ExactSizeIterator for Drain<'_, K, V, E> {}
impl<K, V, E: Engine<K, V>> FusedIterator for Drain<'_, K, V, E> {}

impl<K, V, E: Engine<K, V>> fmt::Debug for Drain<'_, K, V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain").field("remaining", &E::remaining(&self.raw)).finish()
    }
}

/// An iterator that removes and yields the entries a predicate accepts, from
/// [`Map::extract_if`](super::Map::extract_if). Dropped before the end, it leaves the
/// entries it has not reached in the map.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ExtractIf<'a, K, V, F, E: Engine<K, V> + 'a> {
    raw: E::Walk<'a>,
    pred: F,
}

impl<'a, K, V, F, E: Engine<K, V> + 'a> ExtractIf<'a, K, V, F, E> {
    pub(crate) fn new(raw: E::Walk<'a>, pred: F) -> Self {
        ExtractIf { raw, pred }
    }
}

impl<'a, K, V, F: FnMut(&K, &mut V) -> bool, E: Engine<K, V> + 'a> Iterator
    for ExtractIf<'a, K, V, F, E>
{
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        E::walk_next(&mut self.raw, &mut self.pred)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(E::walk_upper_bound(&self.raw)))
    }
}

impl<'a, K, V, F: FnMut(&K, &mut V) -> bool, E: Engine<K, V> + 'a> FusedIterator
    for ExtractIf<'a, K, V, F, E>
{
}

impl<'a, K: fmt::Debug, V: fmt::Debug, F, E: Engine<K, V> + 'a> fmt::Debug
    for ExtractIf<'a, K, V, F, E>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}

// The iterators hand out references to, or ownership of, keys and values exactly as std's do, so
// they take std's bounds; the borrowing ones also call the hasher through `&S`, hence `S: Sync`.
// An engine's memory is reached only through the iterator (the `Engine` contract).
// SAFETY: as said above.
unsafe impl<K: Sync, V: Sync, S: Sync, E: Engine<K, V>> Send for Iter<'_, K, V, S, E> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync, S: Sync, E: Engine<K, V>> Sync for Iter<'_, K, V, S, E> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Send, S: Sync, E: Engine<K, V>> Send for IterMut<'_, K, V, S, E> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync, S: Sync, E: Engine<K, V>> Sync for IterMut<'_, K, V, S, E> {}
// SAFETY: see above.
unsafe impl<K: Send, V: Send, E: Engine<K, V>> Send for IntoIter<K, V, E> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync, E: Engine<K, V>> Sync for IntoIter<K, V, E> {}
// SAFETY: see above.
unsafe impl<K: Send, V: Send, E: Engine<K, V>> Send for Drain<'_, K, V, E> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync, E: Engine<K, V>> Sync for Drain<'_, K, V, E> {}

macro_rules! projection {
    ($(#[$doc:meta])* $name:ident [$($lt:lifetime,)? $($s:ident)?] from $inner:ty => $item:ty, |$kv:pat_param| $e:expr) => {
        $(#[$doc])*
        pub struct $name<$($lt,)? K, V, $($s,)? E: Engine<K, V>> {
            pub(crate) inner: $inner,
        }

        impl<$($lt,)? K, V, $($s,)? E: Engine<K, V>> Iterator for $name<$($lt,)? K, V, $($s,)? E> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.inner.next().map(|$kv| $e)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }

            #[inline]
            fn fold<B, F: FnMut(B, $item) -> B>(self, init: B, mut f: F) -> B {
                self.inner.fold(init, |acc, $kv| f(acc, $e))
            }
        }

        impl<$($lt,)? K, V, $($s,)? E: Engine<K, V>> ExactSizeIterator for $name<$($lt,)? K, V, $($s,)? E> {}
        impl<$($lt,)? K, V, $($s,)? E: Engine<K, V>> FusedIterator for $name<$($lt,)? K, V, $($s,)? E> {}

        impl<$($lt,)? K, V, $($s,)? E: Engine<K, V>> fmt::Debug for $name<$($lt,)? K, V, $($s,)? E> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("remaining", &self.inner.len()).finish()
            }
        }
    };
}

projection!(
    /// An iterator over the keys, from [`GoMap::keys`](crate::GoMap::keys).
    Keys['a, S] from Iter<'a, K, V, S, E> => &'a K, |(k, _)| k
);
projection!(
    /// An iterator over the values, from [`GoMap::values`](crate::GoMap::values).
    Values['a, S] from Iter<'a, K, V, S, E> => &'a V, |(_, v)| v
);
projection!(
    /// An iterator over mutable values, from [`GoMap::values_mut`](crate::GoMap::values_mut).
    ValuesMut['a, S] from IterMut<'a, K, V, S, E> => &'a mut V, |(_, v)| v
);
projection!(
    /// An owning iterator over the keys, from [`GoMap::into_keys`](crate::GoMap::into_keys).
    IntoKeys[] from IntoIter<K, V, E> => K, |(k, _)| k
);
projection!(
    /// An owning iterator over the values, from [`GoMap::into_values`](crate::GoMap::into_values).
    IntoValues[] from IntoIter<K, V, E> => V, |(_, v)| v
);

impl<K, V, S, E: Engine<K, V>> Clone for Keys<'_, K, V, S, E> {
    fn clone(&self) -> Self {
        Keys { inner: self.inner.clone() }
    }
}

impl<K, V, S, E: Engine<K, V>> Clone for Values<'_, K, V, S, E> {
    fn clone(&self) -> Self {
        Values { inner: self.inner.clone() }
    }
}

impl<K, V, E: Engine<K, V>> Default for IntoKeys<K, V, E> {
    fn default() -> Self {
        IntoKeys { inner: IntoIter::default() }
    }
}

impl<K, V, E: Engine<K, V>> Default for IntoValues<K, V, E> {
    fn default() -> Self {
        IntoValues { inner: IntoIter::default() }
    }
}
