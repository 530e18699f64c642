//! `GoSet`: std's `HashSet` API on a [`GoMap`] whose values are `()`.
//!
//! A Go program writes a set as `map[T]struct{}`; this is that map, so everything the map
//! docs say (buckets, tophash bytes, incremental growth, random iteration order) holds for a
//! set too. A `()` value takes no room in a bucket: 8 tophash bytes, 8 keys and the overflow
//! pointer are the whole of it.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::{Chain, FusedIterator};
use core::ops::{BitAnd, BitOr, BitXor, Sub};

use crate::map::HiterExtract;
use crate::map::{self, GoMap, Stats, TryReserveError};
use crate::RandomState;

/// A hash set on Go's classic map: std's [`HashSet`](std::collections::HashSet) API over a
/// [`GoMap<T, (), S>`](GoMap), as Go's `map[T]struct{}`.
///
/// As with [`GoMap`], iteration starts at a random bucket and slot, so two iterations of one
/// set usually differ in order.
///
/// # Examples
///
/// ```
/// use gomap::GoSet;
///
/// let mut books = GoSet::new();
/// books.insert("A Dance With Dragons".to_string());
/// books.insert("To Kill a Mockingbird".to_string());
/// books.insert("The Odyssey".to_string());
///
/// if !books.contains("The Winds of Winter") {
///     println!("We have {} books, but The Winds of Winter ain't one.", books.len());
/// }
/// books.remove("The Odyssey");
/// assert_eq!(books.len(), 2);
/// ```
pub struct GoSet<T, S = RandomState> {
    pub(crate) map: GoMap<T, (), S>,
}

impl<T> GoSet<T, RandomState> {
    /// An empty set; it allocates nothing until the first insert.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set: GoSet<i32> = GoSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        GoSet { map: GoMap::new() }
    }

    /// An empty set sized by Go's `makemap` rule to hold `capacity` values without a grow.
    ///
    /// # Panics
    /// Panics if the bucket array's size overflows `isize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set: GoSet<i32> = GoSet::with_capacity(10);
    /// assert!(set.capacity() >= 10);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        GoSet { map: GoMap::with_capacity(capacity) }
    }
}

impl<T, S> GoSet<T, S> {
    /// An empty set that will hash values with `hasher`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{GoSet, RandomState};
    /// let mut set = GoSet::with_hasher(RandomState::new());
    /// set.insert(2);
    /// assert!(set.contains(&2));
    /// ```
    pub const fn with_hasher(hasher: S) -> Self {
        GoSet { map: GoMap::with_hasher(hasher) }
    }

    /// An empty set sized for `capacity` values, hashing with `hasher`.
    ///
    /// # Panics
    /// Panics if the bucket array's size overflows `isize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{GoSet, RandomState};
    /// let mut set = GoSet::with_capacity_and_hasher(10, RandomState::new());
    /// set.insert(1);
    /// assert!(set.capacity() >= 10);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        GoSet { map: GoMap::with_capacity_and_hasher(capacity, hasher) }
    }

    /// Values the set holds before its next load-factor grow (see [`GoMap::capacity`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set: GoSet<i32> = GoSet::with_capacity(100);
    /// assert_eq!(set.capacity(), 104);
    /// ```
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// An iterator over the values, in Go's order: from a random bucket and slot offset.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set = GoSet::from(["a", "b"]);
    /// let mut values: Vec<_> = set.iter().copied().collect();
    /// values.sort();
    /// assert_eq!(values, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T, S> {
        Iter { inner: self.map.keys() }
    }

    /// Number of values.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::new();
    /// set.insert(1);
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::new();
    /// assert!(set.is_empty());
    /// set.insert(1);
    /// assert!(!set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Removes every value, yielding them; the bucket array is kept for reuse.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::from([1, 2, 3]);
    /// let mut drained: Vec<i32> = set.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [1, 2, 3]);
    /// assert!(set.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain { inner: self.map.drain() }
    }

    /// An iterator that removes and yields the values for which `pred` returns true; std's
    /// `HashSet::extract_if` (see [`GoMap::extract_if`]). A value for which `pred` returns
    /// false, or panics, stays, and so do the values not reached if it is dropped early.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set: GoSet<i32> = (0..8).collect();
    /// let mut evens: Vec<i32> = set.extract_if(|v| v % 2 == 0).collect();
    /// evens.sort();
    /// assert_eq!(evens, [0, 2, 4, 6]);
    /// assert_eq!(set.len(), 4);
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, T, F>
    where
        F: FnMut(&T) -> bool,
    {
        ExtractIf { raw: self.map.extract_raw(), pred }
    }

    /// Keeps only the values for which `f` returns true.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::from([1, 2, 3, 4, 5, 6]);
    /// set.retain(|&k| k % 2 == 0);
    /// assert_eq!(set, GoSet::from([2, 4, 6]));
    /// ```
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, mut f: F) {
        self.map.retain(|k, _| f(k));
    }

    /// Removes every value, keeping the bucket array at its current size.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::from([1, 2]);
    /// set.clear();
    /// assert!(set.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// The set's hasher.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{GoSet, RandomState};
    /// let set: GoSet<i32> = GoSet::with_hasher(RandomState::new());
    /// let _hasher: &RandomState = set.hasher();
    /// ```
    pub fn hasher(&self) -> &S {
        self.map.hasher()
    }

    /// Go's hmap fields of the underlying map (see [`GoMap::stats`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set: GoSet<u32> = (0..100).collect();
    /// assert_eq!(set.stats().len, 100);
    /// ```
    pub fn stats(&self) -> Stats {
        self.map.stats()
    }
}

impl<T, S> GoSet<T, S>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Makes room for `additional` more values without a load-factor grow.
    ///
    /// # Panics
    /// Panics if the new size overflows `isize`; aborts if allocation fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set: GoSet<i32> = GoSet::new();
    /// set.reserve(10);
    /// assert!(set.capacity() >= 10);
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// Like [`reserve`](Self::reserve), returning an error instead of panicking or aborting.
    ///
    /// # Errors
    /// As [`GoMap::try_reserve`].
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set: GoSet<i32> = GoSet::new();
    /// set.try_reserve(10).expect("room for 10");
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.map.try_reserve(additional)
    }

    /// Shrinks the bucket array as far as the values allow.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set: GoSet<i32> = GoSet::with_capacity(100);
    /// set.insert(1);
    /// set.shrink_to_fit();
    /// assert_eq!(set.capacity(), 8);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
    }

    /// Shrinks the bucket array to hold `max(len(), min_capacity)` values, if smaller.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set: GoSet<i32> = GoSet::with_capacity(100);
    /// set.insert(1);
    /// set.shrink_to(10);
    /// assert!(set.capacity() >= 10 && set.capacity() < 100);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.map.shrink_to(min_capacity);
    }

    /// The values in `self` but not in `other`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let a = GoSet::from([1, 2, 3]);
    /// let b = GoSet::from([4, 2, 3, 4]);
    /// let diff: GoSet<_> = a.difference(&b).collect();
    /// assert_eq!(diff, [1].iter().collect());
    /// ```
    pub fn difference<'a>(&'a self, other: &'a GoSet<T, S>) -> Difference<'a, T, S> {
        Difference { iter: self.iter(), other }
    }

    /// The values in `self` or in `other` but not in both.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let a = GoSet::from([1, 2, 3]);
    /// let b = GoSet::from([4, 2, 3, 4]);
    /// let sym: GoSet<_> = a.symmetric_difference(&b).collect();
    /// assert_eq!(sym, [1, 4].iter().collect());
    /// ```
    pub fn symmetric_difference<'a>(
        &'a self,
        other: &'a GoSet<T, S>,
    ) -> SymmetricDifference<'a, T, S> {
        SymmetricDifference { iter: self.difference(other).chain(other.difference(self)) }
    }

    /// The values in both `self` and `other`; they come from the smaller set, as in std.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let a = GoSet::from([1, 2, 3]);
    /// let b = GoSet::from([4, 2, 3, 4]);
    /// let both: GoSet<_> = a.intersection(&b).collect();
    /// assert_eq!(both, [2, 3].iter().collect());
    /// ```
    pub fn intersection<'a>(&'a self, other: &'a GoSet<T, S>) -> Intersection<'a, T, S> {
        if self.len() <= other.len() {
            Intersection { iter: self.iter(), other }
        } else {
            Intersection { iter: other.iter(), other: self }
        }
    }

    /// The values in `self` or `other`, each once; the larger set's come first, as in std.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let a = GoSet::from([1, 2, 3]);
    /// let b = GoSet::from([4, 2, 3, 4]);
    /// let all: GoSet<_> = a.union(&b).collect();
    /// assert_eq!(all, [1, 2, 3, 4].iter().collect());
    /// ```
    pub fn union<'a>(&'a self, other: &'a GoSet<T, S>) -> Union<'a, T, S> {
        if self.len() >= other.len() {
            Union { iter: self.iter().chain(other.difference(self)) }
        } else {
            Union { iter: other.iter().chain(self.difference(other)) }
        }
    }

    /// Whether the set holds `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set = GoSet::from([1, 2, 3]);
    /// assert!(set.contains(&1));
    /// assert!(!set.contains(&4));
    /// ```
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains_key(value)
    }

    /// The stored value equal to `value`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set = GoSet::from(["a".to_string()]);
    /// assert_eq!(set.get("a"), Some(&"a".to_string()));
    /// assert_eq!(set.get("b"), None);
    /// ```
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get_key_value(value).map(|(k, _)| k)
    }

    /// Whether `self` and `other` have no value in common.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let a = GoSet::from([1, 2, 3]);
    /// let mut b = GoSet::new();
    /// assert!(a.is_disjoint(&b));
    /// b.insert(4);
    /// assert!(a.is_disjoint(&b));
    /// b.insert(1);
    /// assert!(!a.is_disjoint(&b));
    /// ```
    pub fn is_disjoint(&self, other: &GoSet<T, S>) -> bool {
        if self.len() <= other.len() {
            self.iter().all(|v| !other.contains(v))
        } else {
            other.iter().all(|v| !self.contains(v))
        }
    }

    /// Whether every value of `self` is in `other`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let sup = GoSet::from([1, 2, 3]);
    /// let mut set = GoSet::new();
    /// assert!(set.is_subset(&sup));
    /// set.insert(2);
    /// assert!(set.is_subset(&sup));
    /// set.insert(4);
    /// assert!(!set.is_subset(&sup));
    /// ```
    pub fn is_subset(&self, other: &GoSet<T, S>) -> bool {
        self.len() <= other.len() && self.iter().all(|v| other.contains(v))
    }

    /// Whether every value of `other` is in `self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let sub = GoSet::from([1, 2]);
    /// let mut set = GoSet::new();
    /// assert!(!set.is_superset(&sub));
    /// set.insert(0);
    /// set.insert(1);
    /// assert!(!set.is_superset(&sub));
    /// set.insert(2);
    /// assert!(set.is_superset(&sub));
    /// ```
    pub fn is_superset(&self, other: &GoSet<T, S>) -> bool {
        other.is_subset(self)
    }

    /// Adds `value`. Returns whether it was new; if not, the set keeps the value it had and
    /// `value` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::new();
    /// assert!(set.insert(2));
    /// assert!(!set.insert(2));
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// Adds `value`, replacing an equal value already stored; returns the one replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::new();
    /// set.insert(Vec::<i32>::new());
    /// assert_eq!(set.get(&[][..]).unwrap().capacity(), 0);
    /// set.replace(Vec::with_capacity(10));
    /// assert_eq!(set.get(&[][..]).unwrap().capacity(), 10);
    /// ```
    pub fn replace(&mut self, value: T) -> Option<T> {
        match self.map.get_key_mut(&value) {
            Some(stored) => Some(core::mem::replace(stored, value)),
            None => {
                self.map.insert(value, ());
                None
            }
        }
    }

    /// Removes `value`; returns whether it was present.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::from([2]);
    /// assert!(set.remove(&2));
    /// assert!(!set.remove(&2));
    /// ```
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(value).is_some()
    }

    /// Removes and returns the stored value equal to `value`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let mut set = GoSet::from([2]);
    /// assert_eq!(set.take(&2), Some(2));
    /// assert_eq!(set.take(&2), None);
    /// ```
    pub fn take<Q>(&mut self, value: &Q) -> Option<T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove_entry(value).map(|(k, ())| k)
    }
}

impl<T: Clone, S: Clone> Clone for GoSet<T, S> {
    fn clone(&self) -> Self {
        GoSet { map: self.map.clone() }
    }

    /// Reuses this set's bucket arrays where the sizes allow (see `GoMap`'s `clone_from`).
    fn clone_from(&mut self, source: &Self) {
        self.map.clone_from(&source.map);
    }
}

impl<T, S> PartialEq for GoSet<T, S>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.is_subset(other)
    }
}

impl<T: Eq + Hash, S: BuildHasher> Eq for GoSet<T, S> {}

impl<T: fmt::Debug, S> fmt::Debug for GoSet<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T, S: Default> Default for GoSet<T, S> {
    /// An empty set with the default hasher.
    fn default() -> Self {
        GoSet { map: GoMap::default() }
    }
}

impl<T: Eq + Hash, S: BuildHasher + Default> FromIterator<T> for GoSet<T, S> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = GoSet::with_hasher(S::default());
        set.extend(iter);
        set
    }
}

impl<T: Eq + Hash, const N: usize> From<[T; N]> for GoSet<T, RandomState> {
    /// # Examples
    ///
    /// ```
    /// use gomap::GoSet;
    /// let set1 = GoSet::from([1, 2, 3, 4]);
    /// let set2: GoSet<_> = [1, 2, 3, 4].into();
    /// assert_eq!(set1, set2);
    /// ```
    fn from(arr: [T; N]) -> Self {
        let mut set = GoSet::with_capacity(N);
        set.extend(arr);
        set
    }
}

impl<T: Eq + Hash, S: BuildHasher> Extend<T> for GoSet<T, S> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|k| (k, ())));
    }
}

impl<'a, T: 'a + Eq + Hash + Copy, S: BuildHasher> Extend<&'a T> for GoSet<T, S> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T, S> IntoIterator for GoSet<T, S> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { inner: self.map.into_keys() }
    }
}

impl<'a, T, S> IntoIterator for &'a GoSet<T, S> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T, S>;

    fn into_iter(self) -> Iter<'a, T, S> {
        self.iter()
    }
}

/// The operators: each builds a new set of clones, as std's do.
macro_rules! set_operator {
    ($trait:ident, $method:ident, $doc:literal, $op:tt, [$($want:literal),*], |$a:ident, $b:ident| $e:expr) => {
        impl<T, S> $trait<&GoSet<T, S>> for &GoSet<T, S>
        where
            T: Eq + Hash + Clone,
            S: BuildHasher + Default,
        {
            type Output = GoSet<T, S>;

            #[doc = $doc]
            ///
            /// # Examples
            ///
            /// ```
            /// use gomap::GoSet;
            /// let a = GoSet::from([1, 2, 3]);
            /// let b = GoSet::from([3, 4, 5]);
            #[doc = concat!("let set = &a ", stringify!($op), " &b;")]
            #[doc = concat!("assert_eq!(set, GoSet::from([", $(stringify!($want), ", ",)* "]));")]
            /// ```
            fn $method(self, rhs: &GoSet<T, S>) -> GoSet<T, S> {
                let ($a, $b) = (self, rhs);
                $e.cloned().collect()
            }
        }
    };
}

set_operator!(BitOr, bitor, "The union of `self` and `rhs`, as a new set.", |, [1, 2, 3, 4, 5],
    |a, b| a.union(b));
set_operator!(BitAnd, bitand, "The intersection of `self` and `rhs`, as a new set.", &, [3],
    |a, b| a.intersection(b));
set_operator!(BitXor, bitxor, "The symmetric difference of `self` and `rhs`, as a new set.", ^,
    [1, 2, 4, 5], |a, b| a.symmetric_difference(b));
set_operator!(Sub, sub, "The difference of `self` and `rhs`, as a new set.", -, [1, 2],
    |a, b| a.difference(b));

/// An iterator over the values of a [`GoSet`], from [`GoSet::iter`].
pub struct Iter<'a, K, S = RandomState> {
    inner: map::Keys<'a, K, (), S>,
}

/// An owning iterator over the values of a [`GoSet`], from `GoSet::into_iter`.
pub struct IntoIter<K> {
    inner: map::IntoKeys<K, ()>,
}

/// A draining iterator over the values of a [`GoSet`], from [`GoSet::drain`].
pub struct Drain<'a, K> {
    inner: map::Drain<'a, K, ()>,
}

/// An iterator that removes the values a predicate accepts, from [`GoSet::extract_if`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ExtractIf<'a, K, F> {
    raw: HiterExtract<'a, K, ()>,
    pred: F,
}

impl<'a, K, S> Clone for Iter<'a, K, S> {
    fn clone(&self) -> Self {
        Iter { inner: self.inner.clone() }
    }
}

impl<K: fmt::Debug, S> fmt::Debug for Iter<'_, K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<K> Default for IntoIter<K> {
    /// An empty `IntoIter`, as std's.
    fn default() -> Self {
        IntoIter { inner: Default::default() }
    }
}

/// The iterators that only forward to the map's.
macro_rules! forward_iter {
    ($name:ident [$($lt:lifetime,)? $($s:ident)?] => $item:ty) => {
        impl<$($lt,)? K $(, $s)?> Iterator for $name<$($lt,)? K $(, $s)?> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.inner.next()
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }

            #[inline]
            fn fold<B, F: FnMut(B, $item) -> B>(self, init: B, f: F) -> B {
                self.inner.fold(init, f)
            }
        }

        impl<$($lt,)? K $(, $s)?> ExactSizeIterator for $name<$($lt,)? K $(, $s)?> {}
        impl<$($lt,)? K $(, $s)?> FusedIterator for $name<$($lt,)? K $(, $s)?> {}
    };
}

forward_iter!(Iter['a, S] => &'a K);
forward_iter!(IntoIter[] => K);

impl<K> Iterator for Drain<'_, K> {
    type Item = K;

    #[inline]
    fn next(&mut self) -> Option<K> {
        self.inner.next().map(|(k, ())| k)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K> ExactSizeIterator for Drain<'_, K> {}
impl<K> FusedIterator for Drain<'_, K> {}

impl<K> fmt::Debug for IntoIter<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").field("remaining", &self.inner.len()).finish()
    }
}

impl<K> fmt::Debug for Drain<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain").field("remaining", &self.inner.len()).finish()
    }
}

impl<K, F: FnMut(&K) -> bool> Iterator for ExtractIf<'_, K, F> {
    type Item = K;

    #[inline]
    fn next(&mut self) -> Option<K> {
        let pred = &mut self.pred;
        self.raw.next(&mut |k, _| pred(k)).map(|(k, ())| k)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.raw.upper_bound()))
    }
}

impl<K, F: FnMut(&K) -> bool> FusedIterator for ExtractIf<'_, K, F> {}

impl<K, F> fmt::Debug for ExtractIf<'_, K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}

/// The values of one set not in another, from [`GoSet::difference`].
pub struct Difference<'a, T, S = RandomState> {
    iter: Iter<'a, T, S>,
    other: &'a GoSet<T, S>,
}

/// The values of one set also in another, from [`GoSet::intersection`].
pub struct Intersection<'a, T, S = RandomState> {
    iter: Iter<'a, T, S>,
    other: &'a GoSet<T, S>,
}

/// The values in one of two sets but not both, from [`GoSet::symmetric_difference`].
pub struct SymmetricDifference<'a, T, S = RandomState> {
    iter: Chain<Difference<'a, T, S>, Difference<'a, T, S>>,
}

/// The values in either of two sets, each once, from [`GoSet::union`].
pub struct Union<'a, T, S = RandomState> {
    iter: Chain<Iter<'a, T, S>, Difference<'a, T, S>>,
}

/// Difference and Intersection: the values of `iter` that `other` holds (`keep` = true) or
/// does not hold (`keep` = false).
macro_rules! filter_iter {
    ($name:ident, $keep:expr) => {
        impl<T, S> Clone for $name<'_, T, S> {
            fn clone(&self) -> Self {
                $name { iter: self.iter.clone(), other: self.other }
            }
        }

        impl<'a, T: Eq + Hash, S: BuildHasher> Iterator for $name<'a, T, S> {
            type Item = &'a T;

            fn next(&mut self) -> Option<&'a T> {
                let other = self.other;
                self.iter.by_ref().find(|v| other.contains(*v) == $keep)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                (0, self.iter.size_hint().1)
            }

            fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, mut f: F) -> B {
                let other = self.other;
                self.iter
                    .fold(init, |acc, v| if other.contains(v) == $keep { f(acc, v) } else { acc })
            }
        }

        impl<T: Eq + Hash, S: BuildHasher> FusedIterator for $name<'_, T, S> {}

        impl<T: fmt::Debug + Eq + Hash, S: BuildHasher> fmt::Debug for $name<'_, T, S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.clone()).finish()
            }
        }
    };
}

filter_iter!(Difference, false);
filter_iter!(Intersection, true);

/// SymmetricDifference and Union: a chain of the above.
macro_rules! chain_iter {
    ($name:ident) => {
        impl<T, S> Clone for $name<'_, T, S> {
            fn clone(&self) -> Self {
                $name { iter: self.iter.clone() }
            }
        }

        impl<'a, T: Eq + Hash, S: BuildHasher> Iterator for $name<'a, T, S> {
            type Item = &'a T;

            fn next(&mut self) -> Option<&'a T> {
                self.iter.next()
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.iter.size_hint()
            }

            fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, f: F) -> B {
                self.iter.fold(init, f)
            }
        }

        impl<T: Eq + Hash, S: BuildHasher> FusedIterator for $name<'_, T, S> {}

        impl<T: fmt::Debug + Eq + Hash, S: BuildHasher> fmt::Debug for $name<'_, T, S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.clone()).finish()
            }
        }
    };
}

chain_iter!(SymmetricDifference);
chain_iter!(Union);
