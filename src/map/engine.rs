//! The classic engine under the API layer: [`Engine`] for `Hmap`, Go's hmap.
//!
//! Each method is one of Go's runtime functions (`table.rs`, `hiter.rs`); `insert` keeps the
//! split that makes `GoMap::insert` fast: `mapassign_fast` inlined into the caller, everything
//! else (`insert_slow`) out of line.

use core::mem;

use super::bucket::{AllocFailure, Bucket};
use super::hiter::{Hiter, HiterExtract};
use super::table::{b_for_hint, Found, Hmap, Vacant};
use super::TryReserveError;
use crate::api::engine::{Engine, ErasedHasher};

/// `Hmap::insert` when the fast path declines (first allocation, growing, grow due): kept out
/// of line so the fast path's slot stays in registers.
#[inline(never)]
fn insert_slow<K: Eq, V>(
    table: &mut Hmap<K, V>,
    hash: u64,
    k: K,
    v: V,
    hasher: &impl Fn(&K) -> u64,
) -> Option<V> {
    let slot = table.mapassign_slow(hash, |q| *q == k, hasher);
    store(table, slot, k, v)
}

/// Stores `v` at a found key's slot (returning the old value) or `k` and `v` in a vacant one.
#[inline(always)]
pub(crate) fn store<K, V>(
    table: &mut Hmap<K, V>,
    slot: Result<Found<K, V>, Vacant<K, V>>,
    k: K,
    v: V,
) -> Option<V> {
    match slot {
        // SAFETY: `found` points at a filled slot of this table.
        Ok(found) => Some(mem::replace(unsafe { &mut *found.bucket.elem(found.slot) }, v)),
        Err(vacant) => {
            // SAFETY: `vacant` was just computed on this unchanged table.
            unsafe { table.insert_at(vacant, k, v) };
            None
        }
    }
}

impl<K, V> Engine<K, V> for Hmap<K, V> {
    /// A bucket and a slot in it.
    type Slot = (Bucket<K, V>, usize);
    /// The slot and the head of its chain (for the emptyRest fix-up on removal).
    type Occupied = Found<K, V>;
    type Vacant = Vacant<K, V>;
    type Cursor = Hiter;
    type Walk<'a>
        = HiterExtract<'a, K, V>
    where
        Self: 'a;

    #[allow(clippy::declare_interior_mutable_const)]
    const NAME: &'static str = "GoMap";

    const EMPTY: Self = Hmap::new();

    fn with_hint(hint: usize) -> Result<Self, TryReserveError> {
        Ok(Hmap::makemap(hint)?)
    }

    #[inline]
    fn len(&self) -> usize {
        self.count
    }

    #[inline]
    fn capacity(&self) -> usize {
        Hmap::capacity(self)
    }

    #[inline]
    fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Self::Slot> {
        self.mapaccess(hash, eq)
    }

    #[inline]
    fn find_or_vacancy(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<Found<K, V>, Vacant<K, V>> {
        self.mapassign(hash, eq, hasher)
    }

    #[inline]
    fn insert(&mut self, hash: u64, k: K, v: V, hasher: &impl Fn(&K) -> u64) -> Option<V>
    where
        K: Eq,
    {
        let slot = match self.mapassign_fast(hash, |q| *q == k) {
            Some(slot) => slot,
            None => return insert_slow(self, hash, k, v, hasher),
        };
        store(self, slot, k, v)
    }

    #[inline]
    unsafe fn insert_at(&mut self, vac: Vacant<K, V>, key: K, value: V) -> Found<K, V> {
        let found = Found { head: vac.head, bucket: vac.bucket, slot: vac.slot };
        // SAFETY: forwarded from the caller (a fresh vacancy of this table).
        unsafe { Hmap::insert_at(self, vac, key, value) };
        found
    }

    #[inline]
    fn occupied_slot(occ: Found<K, V>) -> Self::Slot {
        (occ.bucket, occ.slot)
    }

    #[inline(always)]
    fn delete(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Option<(K, V)> {
        self.mapdelete(hash, eq, hasher)
    }

    #[inline]
    unsafe fn remove_occupied(&mut self, occ: Found<K, V>) -> (K, V) {
        let Found { head, bucket, slot } = occ;
        // SAFETY: the slot is filled and lies in the chain starting at `head` (found by
        // mapassign in the current array after grow work; caller).
        unsafe { self.remove_at(head, bucket, slot) }
    }

    #[inline(always)]
    unsafe fn slot_ptrs(&self, (b, i): Self::Slot) -> (*mut K, *mut V) {
        // SAFETY: a valid slot is a filled slot of an array this table holds.
        unsafe { (b.key(i), b.elem(i)) }
    }

    fn clear(&mut self) {
        self.mapclear();
    }

    fn clone_with(&self, f: &mut dyn FnMut(&K, &V) -> (K, V)) -> Self {
        self.mapclone(f)
    }

    fn clone_from_with(&mut self, src: &Self, f: &mut dyn FnMut(&K, &V) -> (K, V)) {
        self.mapclone_from(src, f);
    }

    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), TryReserveError> {
        let need = self.count.checked_add(additional).ok_or(TryReserveError::CapacityOverflow)?;
        if need <= Hmap::capacity(self) {
            return Ok(());
        }
        let b = b_for_hint(need);
        if b as u32 >= usize::BITS - 1 {
            return Err(TryReserveError::CapacityOverflow);
        }
        self.rebuild(b.max(self.b), hasher)?;
        Ok(())
    }

    fn shrink_to(&mut self, min_capacity: usize, hasher: &impl Fn(&K) -> u64) {
        let want = self.count.max(min_capacity);
        if self.buckets.is_none() {
            return;
        }
        if want == 0 {
            *self = Hmap::new();
            return;
        }
        let b = b_for_hint(want);
        if b < self.b || (self.growing() && b <= self.b) {
            if let Err(AllocFailure::Alloc(layout)) = self.rebuild(b, hasher) {
                std::alloc::handle_alloc_error(layout);
            }
        }
    }

    #[inline]
    fn cursor(&self) -> Hiter {
        Hiter::mapiterinit(self)
    }

    #[inline]
    fn owning_cursor(&self) -> Hiter {
        Hiter::mapiterinit_owning(self)
    }

    #[inline]
    fn remaining(cursor: &Hiter) -> usize {
        cursor.remaining
    }

    #[inline]
    unsafe fn next(&self, cursor: &mut Hiter, hasher: Option<ErasedHasher>) -> Option<Self::Slot> {
        // SAFETY: forwarded from the caller.
        unsafe { cursor.mapiternext(self, hasher) }
    }

    #[inline]
    unsafe fn fold<B>(
        &self,
        cursor: Hiter,
        hasher: Option<ErasedHasher>,
        init: B,
        mut f: impl FnMut(B, Self::Slot) -> B,
    ) -> B {
        // SAFETY: forwarded from the caller.
        unsafe { cursor.fold(self, hasher, init, |acc, b, i| f(acc, (b, i))) }
    }

    #[inline]
    unsafe fn take(&mut self, (b, i): Self::Slot) -> (K, V) {
        // SAFETY: the slot is filled (just yielded); `take` empties it, so the table's drop
        // or `reset` skips it.
        unsafe { b.take(i) }
    }

    fn begin_drain(&mut self) -> Hiter {
        let raw = Hiter::mapiterinit_owning(self);
        // If the Drain is leaked, the map reads as empty rather than counting moved-out slots.
        self.count = 0;
        raw
    }

    fn end_drain(&mut self) {
        self.reset();
    }

    #[inline]
    fn walk(&mut self) -> HiterExtract<'_, K, V> {
        HiterExtract::new(self)
    }

    #[inline]
    fn walk_next(
        walk: &mut HiterExtract<'_, K, V>,
        pred: &mut impl FnMut(&K, &mut V) -> bool,
    ) -> Option<(K, V)> {
        walk.next(pred)
    }

    fn walk_upper_bound(walk: &HiterExtract<'_, K, V>) -> usize {
        walk.upper_bound()
    }
}

impl<K, V> crate::api::engine::sealed::Sealed for Hmap<K, V> {}
