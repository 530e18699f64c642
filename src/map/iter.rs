//! Iterators. All of them walk the buckets in Go's mapiternext order from a random start.
//!
//! The borrowing iterators carry the map's hasher (as a type-erased pointer, hence the `S`
//! parameter: they are `Send`/`Sync` only when `S` is `Sync`), because mid-grow they filter an
//! unevacuated old bucket by each key's hash exactly as Go does. The owning ones cannot keep the
//! hasher and instead take such a bucket whole on its first (X) visit; either way every entry
//! comes out once.

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use super::hiter::{Hiter, HiterExtract};
use super::table::{ErasedHasher, Hmap};
use crate::RandomState;

/// An iterator over `(&K, &V)`, from [`GoMap::iter`](super::GoMap::iter).
pub struct Iter<'a, K, V, S = RandomState> {
    table: &'a Hmap<K, V>,
    raw: Hiter,
    hasher: Option<ErasedHasher>,
    marker: PhantomData<&'a S>,
}

impl<'a, K, V, S> Iter<'a, K, V, S> {
    pub(crate) fn new(table: &'a Hmap<K, V>, hasher: Option<ErasedHasher>) -> Self {
        Iter { table, raw: Hiter::mapiterinit(table), hasher, marker: PhantomData }
    }

    /// An iteration from a start bucket and slot offset chosen by the caller (see
    /// `Hiter::mapiterinit_at`).
    pub(crate) fn starting_at(
        table: &'a Hmap<K, V>,
        hasher: Option<ErasedHasher>,
        start_bucket: usize,
        offset: usize,
    ) -> Self {
        let raw = Hiter::mapiterinit_at(table, start_bucket, offset);
        Iter { table, raw, hasher, marker: PhantomData }
    }
}

impl<K, V, S> Clone for Iter<'_, K, V, S> {
    fn clone(&self) -> Self {
        Iter { table: self.table, raw: self.raw.clone(), hasher: self.hasher, marker: PhantomData }
    }
}

impl<'a, K, V, S> Iterator for Iter<'a, K, V, S> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: the table is borrowed shared for 'a, so it is unchanged since `new`.
        let (b, i) = unsafe { self.raw.mapiternext(self.table, self.hasher)? };
        // SAFETY: the slot is filled; the references live as long as the shared borrow.
        Some(unsafe { (&*b.key(i), &*b.elem(i)) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.raw.remaining, Some(self.raw.remaining))
    }

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        // SAFETY: as in `next`; each slot passed to the closure is filled.
        unsafe {
            self.raw
                .fold(self.table, self.hasher, init, |acc, b, i| f(acc, (&*b.key(i), &*b.elem(i))))
        }
    }
}

impl<K, V, S> ExactSizeIterator for Iter<'_, K, V, S> {}
impl<K, V, S> FusedIterator for Iter<'_, K, V, S> {}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for Iter<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// An iterator over `(&K, &mut V)`, from [`GoMap::iter_mut`](super::GoMap::iter_mut).
pub struct IterMut<'a, K, V, S = RandomState> {
    table: &'a Hmap<K, V>,
    raw: Hiter,
    hasher: Option<ErasedHasher>,
    marker: PhantomData<(&'a mut V, &'a S)>,
}

impl<'a, K, V, S> IterMut<'a, K, V, S> {
    pub(crate) fn new(table: &'a mut Hmap<K, V>, hasher: Option<ErasedHasher>) -> Self {
        let raw = Hiter::mapiterinit(table);
        IterMut { table, raw, hasher, marker: PhantomData }
    }
}

impl<'a, K, V, S> Iterator for IterMut<'a, K, V, S> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: the map is borrowed mutably for 'a and only values are changed through us.
        let (b, i) = unsafe { self.raw.mapiternext(self.table, self.hasher)? };
        // SAFETY: the slot is filled and yielded once, so the &mut V is unique; the values live
        // in the bucket memory, not in the borrowed header.
        Some(unsafe { (&*b.key(i), &mut *b.elem(i)) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.raw.remaining, Some(self.raw.remaining))
    }

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        // SAFETY: as in `next`: each filled slot is passed once, so each &mut V is unique.
        unsafe {
            self.raw.fold(self.table, self.hasher, init, |acc, b, i| {
                f(acc, (&*b.key(i), &mut *b.elem(i)))
            })
        }
    }
}

impl<K, V, S> ExactSizeIterator for IterMut<'_, K, V, S> {}
impl<K, V, S> FusedIterator for IterMut<'_, K, V, S> {}

impl<K, V, S> fmt::Debug for IterMut<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut").field("remaining", &self.raw.remaining).finish()
    }
}

/// An owning iterator over `(K, V)`, from `GoMap::into_iter`.
pub struct IntoIter<K, V> {
    table: Hmap<K, V>,
    raw: Hiter,
}

impl<K, V> IntoIter<K, V> {
    pub(crate) fn new(table: Hmap<K, V>) -> Self {
        let raw = Hiter::mapiterinit_owning(&table);
        IntoIter { table, raw }
    }
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        // SAFETY: only slots already returned have changed (emptied) since `new`.
        let (b, i) = unsafe { self.raw.mapiternext(&self.table, None)? };
        // SAFETY: the slot is filled; `take` empties it, so the table's drop skips it.
        Some(unsafe { b.take(i) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.raw.remaining, Some(self.raw.remaining))
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}

impl<K, V> Default for IntoIter<K, V> {
    /// An empty `IntoIter`, as std's.
    ///
    /// ```
    /// let it: gomap::map::IntoIter<u8, u8> = Default::default();
    /// assert_eq!(it.len(), 0);
    /// ```
    fn default() -> Self {
        IntoIter::new(Hmap::new())
    }
}
impl<K, V> FusedIterator for IntoIter<K, V> {}

impl<K, V> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").field("remaining", &self.raw.remaining).finish()
    }
}

/// A draining iterator, from [`GoMap::drain`](super::GoMap::drain). Dropping it drops what is
/// left and empties the map, keeping its bucket array.
pub struct Drain<'a, K, V> {
    table: &'a mut Hmap<K, V>,
    raw: Hiter,
}

impl<'a, K, V> Drain<'a, K, V> {
    pub(crate) fn new(table: &'a mut Hmap<K, V>) -> Self {
        let raw = Hiter::mapiterinit_owning(table);
        // If the Drain is leaked, the map reads as empty rather than counting moved-out slots.
        table.count = 0;
        Drain { table, raw }
    }
}

impl<K, V> Iterator for Drain<'_, K, V> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        // SAFETY: as for IntoIter: only returned slots have been emptied.
        let (b, i) = unsafe { self.raw.mapiternext(self.table, None)? };
        // SAFETY: the slot is filled; `take` empties it.
        Some(unsafe { b.take(i) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.raw.remaining, Some(self.raw.remaining))
    }
}

impl<K, V> Drop for Drain<'_, K, V> {
    fn drop(&mut self) {
        self.table.reset();
    }
}

impl<K, V> ExactSizeIterator for Drain<'_, K, V> {}
impl<K, V> FusedIterator for Drain<'_, K, V> {}

impl<K, V> fmt::Debug for Drain<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain").field("remaining", &self.raw.remaining).finish()
    }
}

/// An iterator that removes and yields the entries a predicate accepts, from
/// [`GoMap::extract_if`](super::GoMap::extract_if). Dropped before the end, it leaves the
/// entries it has not reached in the map.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ExtractIf<'a, K, V, F> {
    raw: HiterExtract<'a, K, V>,
    pred: F,
}

impl<'a, K, V, F> ExtractIf<'a, K, V, F> {
    pub(crate) fn new(raw: HiterExtract<'a, K, V>, pred: F) -> Self {
        ExtractIf { raw, pred }
    }
}

impl<K, V, F: FnMut(&K, &mut V) -> bool> Iterator for ExtractIf<'_, K, V, F> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.raw.next(&mut self.pred)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.raw.upper_bound()))
    }
}

impl<K, V, F: FnMut(&K, &mut V) -> bool> FusedIterator for ExtractIf<'_, K, V, F> {}

impl<K: fmt::Debug, V: fmt::Debug, F> fmt::Debug for ExtractIf<'_, K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}

// The iterators hand out references to, or ownership of, keys and values exactly as std's do, so
// they take std's bounds; the borrowing ones also call the hasher through `&S`, hence `S: Sync`.
// SAFETY: as said above.
unsafe impl<K: Sync, V: Sync, S: Sync> Send for Iter<'_, K, V, S> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync, S: Sync> Sync for Iter<'_, K, V, S> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Send, S: Sync> Send for IterMut<'_, K, V, S> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync, S: Sync> Sync for IterMut<'_, K, V, S> {}
// SAFETY: see above.
unsafe impl<K: Send, V: Send> Send for IntoIter<K, V> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync> Sync for IntoIter<K, V> {}
// SAFETY: see above.
unsafe impl<K: Send, V: Send> Send for Drain<'_, K, V> {}
// SAFETY: see above.
unsafe impl<K: Sync, V: Sync> Sync for Drain<'_, K, V> {}

macro_rules! projection {
    ($(#[$doc:meta])* $name:ident [$($lt:lifetime,)? $($s:ident)?] from $inner:ty => $item:ty, |$kv:pat_param| $e:expr) => {
        $(#[$doc])*
        pub struct $name<$($lt,)? K, V $(, $s = RandomState)?> {
            pub(crate) inner: $inner,
        }

        impl<$($lt,)? K, V $(, $s)?> Iterator for $name<$($lt,)? K, V $(, $s)?> {
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

        impl<$($lt,)? K, V $(, $s)?> ExactSizeIterator for $name<$($lt,)? K, V $(, $s)?> {}
        impl<$($lt,)? K, V $(, $s)?> FusedIterator for $name<$($lt,)? K, V $(, $s)?> {}

        impl<$($lt,)? K, V $(, $s)?> fmt::Debug for $name<$($lt,)? K, V $(, $s)?> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("remaining", &self.inner.len()).finish()
            }
        }
    };
}

projection!(
    /// An iterator over the keys, from [`GoMap::keys`](super::GoMap::keys).
    Keys['a, S] from Iter<'a, K, V, S> => &'a K, |(k, _)| k
);
projection!(
    /// An iterator over the values, from [`GoMap::values`](super::GoMap::values).
    Values['a, S] from Iter<'a, K, V, S> => &'a V, |(_, v)| v
);
projection!(
    /// An iterator over mutable values, from [`GoMap::values_mut`](super::GoMap::values_mut).
    ValuesMut['a, S] from IterMut<'a, K, V, S> => &'a mut V, |(_, v)| v
);
projection!(
    /// An owning iterator over the keys, from [`GoMap::into_keys`](super::GoMap::into_keys).
    IntoKeys[] from IntoIter<K, V> => K, |(k, _)| k
);
projection!(
    /// An owning iterator over the values, from [`GoMap::into_values`](super::GoMap::into_values).
    IntoValues[] from IntoIter<K, V> => V, |(_, v)| v
);

impl<K, V, S> Clone for Keys<'_, K, V, S> {
    fn clone(&self) -> Self {
        Keys { inner: self.inner.clone() }
    }
}

impl<K, V, S> Clone for Values<'_, K, V, S> {
    fn clone(&self) -> Self {
        Values { inner: self.inner.clone() }
    }
}

impl<K, V> Default for IntoKeys<K, V> {
    fn default() -> Self {
        IntoKeys { inner: IntoIter::default() }
    }
}

impl<K, V> Default for IntoValues<K, V> {
    fn default() -> Self {
        IntoValues { inner: IntoIter::default() }
    }
}
