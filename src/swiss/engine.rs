//! The Swiss engine under the API layer: [`Engine`] for [`SwissTable`], Go 1.24's map.
//!
//! Iteration is Go's `Iter` ([`RawIter`]) with a count of what is left (std's exact
//! `size_hint`); the owning iterators and the removing walk remove each slot right after it
//! is yielded, which `RawIter` allows, so the table stays a valid Swiss table throughout.

use super::iter::RawIter;
use super::map::{Slot, SwissTable, Vacancy};
use crate::api::engine::{Engine, ErasedHasher};
use crate::api::TryReserveError;

/// The position of an iteration over a [`SwissTable`]: Go's `Iter` and the entries it has
/// yet to yield.
#[derive(Clone, Debug)]
pub struct SwissCursor {
    raw: RawIter,
    remaining: usize,
}

/// The walk behind `SwissMap::extract_if`: Go's `Iter` over the map, removing the entries
/// the predicate accepts as it passes them (Go allows deletes during `range`).
pub struct SwissWalk<'a, K, V> {
    map: &'a mut SwissTable<K, V>,
    raw: RawIter,
}

/// A cursor from Go's `Iter.Init` with chosen draws (`SwissMap::iter_at`).
pub(crate) fn cursor_at<K, V>(
    map: &SwissTable<K, V>,
    dir_offset: u64,
    entry_offset: u64,
) -> SwissCursor {
    SwissCursor { raw: RawIter::init_at(map, dir_offset, entry_offset), remaining: map.used }
}

fn alloc_failed(e: TryReserveError) -> ! {
    match e {
        TryReserveError::CapacityOverflow => panic!("capacity overflow"),
        TryReserveError::AllocError { layout } => std::alloc::handle_alloc_error(layout),
    }
}

impl<K, V> Engine<K, V> for SwissTable<K, V> {
    type Slot = Slot;
    type Occupied = Slot;
    type Vacant = Vacancy;
    type Cursor = SwissCursor;
    type Walk<'a>
        = SwissWalk<'a, K, V>
    where
        Self: 'a;

    const NAME: &'static str = "SwissMap";

    const EMPTY: Self = SwissTable::new();

    fn with_hint(hint: usize) -> Result<Self, TryReserveError> {
        SwissTable::with_hint(hint)
    }

    #[inline]
    fn len(&self) -> usize {
        self.used
    }

    #[inline]
    fn capacity(&self) -> usize {
        SwissTable::capacity(self)
    }

    #[inline]
    fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Slot> {
        SwissTable::find(self, hash, eq)
    }

    #[inline]
    fn find_or_vacancy(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<Slot, Vacancy> {
        SwissTable::find_or_vacancy(self, hash, eq, hasher)
    }

    #[inline(always)]
    unsafe fn insert_at(&mut self, vac: Vacancy, key: K, value: V) -> Slot {
        // SAFETY: forwarded from the caller (the same contract).
        unsafe { SwissTable::insert_at(self, vac, key, value) }
    }

    #[inline]
    fn occupied_slot(occ: Slot) -> Slot {
        occ
    }

    #[inline]
    fn delete(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        _hasher: &impl Fn(&K) -> u64,
    ) -> Option<(K, V)> {
        SwissTable::delete(self, hash, eq)
    }

    #[inline]
    unsafe fn remove_occupied(&mut self, occ: Slot) -> (K, V) {
        // SAFETY: a valid slot (caller).
        unsafe { self.remove_at(occ) }
    }

    #[inline(always)]
    unsafe fn slot_ptrs(&self, slot: Slot) -> (*mut K, *mut V) {
        // SAFETY: a valid slot (caller).
        unsafe { SwissTable::slot_ptrs(self, slot) }
    }

    fn clear(&mut self) {
        SwissTable::clear(self);
    }

    fn reset_to_empty(&mut self) {
        SwissTable::reset_to_empty(self);
    }

    fn clone_with(&self, f: &mut dyn FnMut(&K, &V) -> (K, V)) -> Self {
        SwissTable::clone_with(self, f)
    }

    /// Empties `self` first (as the classic map does), so a panicking clone or drop leaves it
    /// empty, with every entry it held dropped once.
    fn clone_from_with(&mut self, src: &Self, f: &mut dyn FnMut(&K, &V) -> (K, V)) {
        self.reset_to_empty();
        *self = src.clone_with(f);
    }

    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), TryReserveError> {
        self.reserve(additional, hasher)
    }

    fn shrink_to(&mut self, min_capacity: usize, hasher: &impl Fn(&K) -> u64) {
        if let Err(e) = SwissTable::shrink_to(self, min_capacity, hasher) {
            alloc_failed(e);
        }
    }

    #[inline]
    fn cursor(&self) -> SwissCursor {
        SwissCursor { raw: RawIter::init(self), remaining: self.used }
    }

    #[inline]
    fn owning_cursor(&self) -> SwissCursor {
        self.cursor()
    }

    #[inline]
    fn remaining(cursor: &SwissCursor) -> usize {
        cursor.remaining
    }

    #[inline]
    unsafe fn next(&self, cursor: &mut SwissCursor, _hasher: Option<ErasedHasher>) -> Option<Slot> {
        let slot = cursor.raw.next(self)?;
        cursor.remaining -= 1;
        Some(slot)
    }

    #[inline]
    unsafe fn fold<B>(
        &self,
        cursor: SwissCursor,
        _hasher: Option<ErasedHasher>,
        init: B,
        f: impl FnMut(B, Slot) -> B,
    ) -> B {
        cursor.raw.fold(self, init, f)
    }

    #[inline]
    unsafe fn take(&mut self, slot: Slot) -> (K, V) {
        // SAFETY: the slot was just yielded, so it is valid; `RawIter` carries on correctly
        // after the slot it gave is removed.
        unsafe { self.remove_at(slot) }
    }

    fn begin_drain(&mut self) -> SwissCursor {
        self.cursor()
    }

    fn end_drain(&mut self) {
        self.clear();
    }

    #[inline]
    fn walk(&mut self) -> SwissWalk<'_, K, V> {
        let raw = RawIter::init(self);
        SwissWalk { map: self, raw }
    }

    fn walk_next(
        walk: &mut SwissWalk<'_, K, V>,
        pred: &mut impl FnMut(&K, &mut V) -> bool,
    ) -> Option<(K, V)> {
        while let Some(slot) = walk.raw.next(walk.map) {
            // SAFETY: the slot was just yielded by a cursor over this map, which has only
            // lost slots the cursor had already yielded since.
            let (k, v) = unsafe { walk.map.key_value_mut(slot) };
            if pred(k, v) {
                // SAFETY: as above; removing the slot just yielded is what RawIter allows.
                return Some(unsafe { walk.map.remove_at(slot) });
            }
        }
        None
    }

    fn walk_upper_bound(walk: &SwissWalk<'_, K, V>) -> usize {
        walk.map.used
    }
}

#[cfg(feature = "rayon")]
impl<K, V> SwissTable<K, V> {
    /// Units of work for the parallel iterators: each table, or the small map's group.
    pub(crate) fn par_units(&self) -> usize {
        if self.dir.is_empty() {
            usize::from(self.small.len() != 0)
        } else {
            self.tables.len()
        }
    }

    /// The full slots of unit `j` (see `par_units`), group by group.
    pub(crate) fn par_unit_slots(&self, j: usize) -> impl Iterator<Item = Slot> + '_ {
        let (tid, groups) = if self.dir.is_empty() {
            (super::map::SMALL_TABLE, &self.small)
        } else {
            (j, &self.tables[j].groups)
        };
        (0..groups.len()).flat_map(move |g| {
            let mut full = super::group::match_full(groups.ctrls(g));
            core::iter::from_fn(move || {
                if full == 0 {
                    return None;
                }
                let i = super::group::first(full);
                full = super::group::remove_first(full);
                Some(self.slot_at(tid, g, i))
            })
        })
    }
}

impl<K, V> crate::api::engine::sealed::Sealed for SwissTable<K, V> {}
