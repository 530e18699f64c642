//! The contract between the API layer ([`Map`](super::Map)) and a table engine.
//!
//! The API layer hashes keys (with the map's `S: BuildHasher`), owns the hasher and hands the
//! engine `hash: u64`, an `eq` closure and, for operations that may move entries, a `hasher`
//! closure. An engine stores the entries and knows nothing of `S`. Two engines implement
//! [`Engine`]: the classic `Hmap` (`src/map/engine.rs`) and the Swiss `SwissTable`
//! (`src/swiss/engine.rs`). The trait is sealed: its items are implementation details, hidden
//! from the docs, and can change in any release.
//!
//! Handles ([`Engine::Slot`], [`Engine::Occupied`], [`Engine::Vacant`]) are small `Copy`
//! values that name a place in the table without borrowing it; the methods that read or write
//! through one are `unsafe fn`s whose contract is that the handle is still *valid*: it came
//! from this engine and nothing has written to the engine since, other than what the method
//! that produced it allows (removing *other* entries through an iteration cursor, or changing
//! values).

use super::TryReserveError;

/// A type-erased hash function for keys, so that borrowing iterators (declared without
/// `K: Hash`, as std's are) can still hash a key; the classic engine needs one mid-grow to
/// filter an unevacuated old bucket as Go's `mapiternext` does.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct ErasedHasher {
    pub(crate) state: *const u8,
    pub(crate) f: unsafe fn(*const u8, *const u8) -> u64,
}

impl ErasedHasher {
    /// # Safety
    /// `key` must point to a live key of the type this hasher was made for, and the hasher
    /// state it was made from must still be alive.
    #[inline]
    pub(crate) unsafe fn hash<K>(self, key: *const K) -> u64 {
        // SAFETY: `state` and `f` come from the same Map<K, V, S, E> (see
        // `Map::erased_hasher`), which outlives every iterator holding this.
        unsafe { (self.f)(self.state, key.cast()) }
    }
}

/// Only the crate's engines implement [`Engine`]: each engine's file implements this too.
pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A table engine under [`Map`](super::Map): the classic `Hmap` of [`GoMap`](crate::GoMap) or
/// the Swiss `SwissTable` of [`SwissMap`](crate::SwissMap). Sealed; its items are not public
/// API.
///
/// Besides the methods, an engine promises that it owns its keys and values and points only
/// into memory it owns, and changes nothing through `&self` but atomics, so `Map` is
/// `Send`/`Sync` when `K`, `V` and `S` are (std's bounds); and that dropping it drops every
/// entry it holds exactly once.
pub trait Engine<K, V>: Sized + sealed::Sealed {
    /// A filled slot, from [`find`](Engine::find) or an iteration cursor.
    #[doc(hidden)]
    type Slot: Copy + PartialEq;
    /// A present key's slot as [`find_or_vacancy`](Engine::find_or_vacancy) found it: enough
    /// to remove it in O(1) ([`remove_occupied`](Engine::remove_occupied)).
    #[doc(hidden)]
    type Occupied: Copy;
    /// Where an absent key goes, with room already made.
    #[doc(hidden)]
    type Vacant;
    /// The position of an iteration (borrowing or owning).
    #[doc(hidden)]
    type Cursor: Clone;
    /// The walk behind `extract_if` and `retain`: removes as it goes.
    #[doc(hidden)]
    type Walk<'a>
    where
        Self: 'a;

    /// The map's name, for messages (`Index`'s panic).
    #[doc(hidden)]
    const NAME: &'static str;

    /// The empty engine: allocates nothing.
    #[doc(hidden)]
    const EMPTY: Self;

    /// An engine sized by its Go constructor's rule for `hint` entries (`makemap`, `NewMap`).
    ///
    /// # Errors
    /// The size overflows, or the allocator refuses.
    #[doc(hidden)]
    fn with_hint(hint: usize) -> Result<Self, TryReserveError>;

    /// Live entries.
    #[doc(hidden)]
    fn len(&self) -> usize;

    /// No live entries.
    #[doc(hidden)]
    #[inline]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries the engine holds before its next growth.
    #[doc(hidden)]
    fn capacity(&self) -> usize;

    /// The slot of the key `eq` accepts (its hash is `hash`).
    #[doc(hidden)]
    fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Self::Slot>;

    /// Go's mapassign up to the store: the key's slot, or where it goes (growing first if
    /// needed; `hasher` hashes what moves).
    #[doc(hidden)]
    fn find_or_vacancy(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<Self::Occupied, Self::Vacant>;

    /// `m[k] = v`: replaces the value of a present key (returning the old one, keeping the
    /// stored key) or inserts the pair. An engine may override this with a faster path.
    #[doc(hidden)]
    #[inline]
    fn insert(&mut self, hash: u64, k: K, v: V, hasher: &impl Fn(&K) -> u64) -> Option<V>
    where
        K: Eq,
    {
        match self.find_or_vacancy(hash, |q| *q == k, hasher) {
            Ok(occ) => {
                let slot = Self::occupied_slot(occ);
                // SAFETY: `slot` was just found on this engine, unchanged since.
                let (_, val) = unsafe { self.slot_ptrs(slot) };
                // SAFETY: the slot is filled and `&mut self` makes this the only reference.
                Some(core::mem::replace(unsafe { &mut *val }, v))
            }
            Err(vac) => {
                // SAFETY: the vacancy is fresh and `k` is the key hashed to `hash`.
                unsafe { self.insert_at(vac, k, v) };
                None
            }
        }
    }

    /// Fills a vacancy.
    ///
    /// # Safety
    /// `vac` must come from the latest [`find_or_vacancy`](Engine::find_or_vacancy) on this
    /// engine, with no write since, and `key` must be the key (with that call's hash) `eq`
    /// was looking for.
    #[doc(hidden)]
    unsafe fn insert_at(&mut self, vac: Self::Vacant, key: K, value: V) -> Self::Occupied;

    /// The readable slot of an occupied handle.
    #[doc(hidden)]
    fn occupied_slot(occ: Self::Occupied) -> Self::Slot;

    /// Go's `delete`: removes the key `eq` accepts (`hasher` for any grow work it does).
    #[doc(hidden)]
    fn delete(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Option<(K, V)>;

    /// Removes the entry at an occupied handle, in O(1).
    ///
    /// # Safety
    /// `occ` must be valid: from `find_or_vacancy` or `insert_at` on this engine, with only
    /// value changes since.
    #[doc(hidden)]
    unsafe fn remove_occupied(&mut self, occ: Self::Occupied) -> (K, V);

    /// Pointers to the key and value of a slot. They stay valid as long as the slot; a `&K`
    /// or `&V` made from them may live as long as the engine is borrowed, and a `&mut V` as
    /// long as it is borrowed mutably (the entries are not inside the engine value itself).
    ///
    /// # Safety
    /// `slot` must be valid (from this engine, which has not been written to since except
    /// through value references and the removal of other entries by an iteration).
    #[doc(hidden)]
    unsafe fn slot_ptrs(&self, slot: Self::Slot) -> (*mut K, *mut V);

    /// Go's `clear(m)`: drops every entry, keeping the allocation.
    #[doc(hidden)]
    fn clear(&mut self);

    /// Drops every entry and frees everything: the state of [`EMPTY`](Engine::EMPTY).
    #[doc(hidden)]
    fn reset_to_empty(&mut self) {
        *self = Self::EMPTY;
    }

    /// A copy of the same shape, each entry made by `f`.
    #[doc(hidden)]
    fn clone_with(&self, f: &mut dyn FnMut(&K, &V) -> (K, V)) -> Self;

    /// `*self = src.clone_with(f)`, reusing `self`'s memory where the engine can.
    #[doc(hidden)]
    fn clone_from_with(&mut self, src: &Self, f: &mut dyn FnMut(&K, &V) -> (K, V)) {
        *self = src.clone_with(f);
    }

    /// Makes room for `additional` more entries without growing.
    ///
    /// # Errors
    /// The size overflows, or the allocator refuses.
    #[doc(hidden)]
    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), TryReserveError>;

    /// Shrinks toward `max(len, min_capacity)` (aborts if allocation fails).
    #[doc(hidden)]
    fn shrink_to(&mut self, min_capacity: usize, hasher: &impl Fn(&K) -> u64);

    /// A borrowing iteration from Go's random start.
    #[doc(hidden)]
    fn cursor(&self) -> Self::Cursor;

    /// An owning iteration (`into_iter`, `drain`), which moves entries out as it goes with
    /// [`take`](Engine::take) and needs no hasher.
    #[doc(hidden)]
    fn owning_cursor(&self) -> Self::Cursor;

    /// Entries the cursor has yet to yield.
    #[doc(hidden)]
    fn remaining(cursor: &Self::Cursor) -> usize;

    /// The next filled slot of an iteration.
    ///
    /// # Safety
    /// `cursor` must have been made by this engine ([`cursor`](Engine::cursor) with any
    /// `hasher` from the same map, or [`owning_cursor`](Engine::owning_cursor) with `None`),
    /// and the engine must be unchanged since, except for values and for slots this cursor
    /// already yielded and that were then [`take`](Engine::take)n.
    #[doc(hidden)]
    unsafe fn next(
        &self,
        cursor: &mut Self::Cursor,
        hasher: Option<ErasedHasher>,
    ) -> Option<Self::Slot>;

    /// A whole iteration from a fresh cursor in one loop (the same slots as calling
    /// [`next`](Engine::next) to the end).
    ///
    /// # Safety
    /// As for [`next`](Engine::next).
    #[doc(hidden)]
    #[inline]
    unsafe fn fold<B>(
        &self,
        mut cursor: Self::Cursor,
        hasher: Option<ErasedHasher>,
        init: B,
        mut f: impl FnMut(B, Self::Slot) -> B,
    ) -> B {
        let mut acc = init;
        // SAFETY: forwarded from the caller.
        while let Some(s) = unsafe { self.next(&mut cursor, hasher) } {
            acc = f(acc, s);
        }
        acc
    }

    /// Moves the entry out of a slot an owning cursor just yielded. Afterwards the engine may
    /// only be iterated on by that cursor, then [`end_drain`](Engine::end_drain)ed or dropped
    /// (each entry is dropped once).
    ///
    /// # Safety
    /// `slot` must be the slot `next` just returned for an owning cursor of this engine.
    #[doc(hidden)]
    unsafe fn take(&mut self, slot: Self::Slot) -> (K, V);

    /// Starts a drain: an owning cursor; if the drain is leaked the engine must still be
    /// valid (it may then read as empty or keep what was not taken).
    #[doc(hidden)]
    fn begin_drain(&mut self) -> Self::Cursor;

    /// Ends a drain: drops what was not taken and leaves the engine empty and valid, keeping
    /// its memory for reuse.
    #[doc(hidden)]
    fn end_drain(&mut self);

    /// Starts the removing walk of `extract_if`.
    #[doc(hidden)]
    fn walk(&mut self) -> Self::Walk<'_>;

    /// Moves out the next entry the walk reaches that `pred` accepts; `None` at the end. An
    /// entry `pred` rejects (or panics on) stays; so do those the walk never reaches.
    #[doc(hidden)]
    fn walk_next(
        walk: &mut Self::Walk<'_>,
        pred: &mut impl FnMut(&K, &mut V) -> bool,
    ) -> Option<(K, V)>;

    /// An upper bound of what the walk can still yield.
    #[doc(hidden)]
    fn walk_upper_bound(walk: &Self::Walk<'_>) -> usize;
}
