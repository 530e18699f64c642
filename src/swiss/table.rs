//! Go's `table` (`internal/runtime/maps/table.go`): one open-addressed Swiss table of up to
//! 1024 slots, probing over groups. No `unsafe` here: slots are read and written only through
//! [`GroupArray`]'s checked methods.
//!
//! What needs the rest of the map (rehash, grow, split: they install tables in the directory)
//! is in `map.rs`.

use super::group::{
    ctrl_get, first, match_empty, match_empty_or_deleted, match_full, remove_first, GroupArray,
};
use super::MAX_TABLE_CAPACITY;
use super::{h1, h2, AllocError, CTRL_DELETED, CTRL_EMPTY, GROUP_SLOTS, MAX_AVG_GROUP_LOAD};

/// Go's `probeSeq`: the triangular sequence `p(i) = (i^2 + i)/2 + hash (mod groups)`, which
/// visits every group once when the group count is a power of two.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProbeSeq {
    mask: usize,
    pub(crate) offset: usize,
    index: usize,
}

impl ProbeSeq {
    /// Go's `makeProbeSeq`.
    #[inline(always)]
    pub(crate) fn new(h1: u64, mask: usize) -> Self {
        ProbeSeq { mask, offset: h1 as usize & mask, index: 0 }
    }

    /// Go's `probeSeq.next`.
    #[inline(always)]
    pub(crate) fn next(&mut self) {
        self.index += 1;
        self.offset = (self.offset + self.index) & self.mask;
    }
}

/// The outcome of Go's `table.PutSlot` search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PutSlot {
    /// The key is in slot (group, slot).
    Found(usize, usize),
    /// The key is absent and goes to (group, slot); `tombstone` if that slot is a deleted one
    /// (reusing it costs no growthLeft).
    Vacant { g: usize, i: usize, tombstone: bool },
    /// The key is absent and there is no growthLeft: Go rehashes here.
    Full,
}

/// Go's `table`.
pub(crate) struct Table<K, V> {
    /// Filled slots.
    pub(crate) used: u16,
    /// Total slots (a power of two, groups * 8).
    pub(crate) capacity: u16,
    /// Slots that can still be filled before a rehash (tombstones count as filled).
    pub(crate) growth_left: u16,
    /// Hash bits the directory uses above this table.
    pub(crate) local_depth: u8,
    /// The first directory index pointing at this table (Go's -1 for a stale table does not
    /// occur: a replaced table is freed at once).
    pub(crate) index: usize,
    /// The groups.
    pub(crate) groups: GroupArray<K, V>,
}

impl<K, V> Table<K, V> {
    /// Go's `newTable`: at least 8 slots, rounded up to a power of two; panics past 1024 as Go
    /// does ("initial table capacity too large").
    pub(crate) fn new_table(
        capacity: u64,
        index: usize,
        local_depth: u8,
    ) -> Result<Self, AllocError> {
        let capacity = capacity.max(GROUP_SLOTS as u64);
        assert!(capacity <= MAX_TABLE_CAPACITY as u64, "initial table capacity too large");
        let capacity = capacity.next_power_of_two() as u16;
        let mut t = Table {
            used: 0,
            capacity,
            growth_left: 0,
            local_depth,
            index,
            groups: GroupArray::new(usize::from(capacity) / GROUP_SLOTS)?,
        };
        t.reset_growth_left();
        Ok(t)
    }

    /// Go's `resetGrowthLeft`: a one-group table keeps one slot empty to end probes; bigger
    /// ones fill to 7/8.
    pub(crate) fn reset_growth_left(&mut self) {
        assert!(self.capacity > 0, "table must have positive capacity");
        self.growth_left = if usize::from(self.capacity) <= GROUP_SLOTS {
            self.capacity - 1
        } else {
            self.capacity * MAX_AVG_GROUP_LOAD / GROUP_SLOTS as u16
        };
    }

    /// Go's `table.tombstones`.
    pub(crate) fn tombstones(&self) -> u16 {
        (self.capacity * MAX_AVG_GROUP_LOAD) / GROUP_SLOTS as u16 - self.used - self.growth_left
    }

    /// Go's `table.getWithKey`: the (group, slot) holding the key.
    #[inline(always)]
    pub(crate) fn get_with_key(
        &self,
        hash: u64,
        eq: &mut impl FnMut(&K) -> bool,
    ) -> Option<(usize, usize)> {
        let h2 = h2(hash);
        let mut seq = ProbeSeq::new(h1(hash), self.groups.length_mask());
        loop {
            match self.groups.find_in_group(seq.offset, h2, eq) {
                Ok(i) => return Some((seq.offset, i)),
                Err(ctrl) => {
                    if match_empty(ctrl) != 0 {
                        return None;
                    }
                }
            }
            seq.next();
        }
    }

    /// The search of Go's `table.PutSlot` (and `mapassign`, which takes the same slot: a group
    /// holding a tombstone never holds an empty slot, since deletes leave a tombstone only in
    /// a group with no empty slot and nothing but a clear or rehash empties a slot again).
    #[inline]
    pub(crate) fn put_slot(&self, hash: u64, eq: &mut impl FnMut(&K) -> bool) -> PutSlot {
        let h2 = h2(hash);
        let mut seq = ProbeSeq::new(h1(hash), self.groups.length_mask());
        let mut first_deleted: Option<(usize, usize)> = None;
        loop {
            let g = seq.offset;
            let ctrl = match self.groups.find_in_group(g, h2, eq) {
                Ok(i) => return PutSlot::Found(g, i),
                Err(ctrl) => ctrl,
            };
            let free = match_empty_or_deleted(ctrl);
            if free != 0 {
                let i = first(free);
                if ctrl_get(ctrl, i) == CTRL_DELETED {
                    // Remember the first tombstone and keep probing for the key.
                    first_deleted.get_or_insert((g, i));
                } else {
                    // An empty slot ends the probe sequence.
                    if let Some((g, i)) = first_deleted {
                        // Reuse costs nothing: Go's growthLeft++ then --.
                        return PutSlot::Vacant { g, i, tombstone: true };
                    }
                    if self.growth_left > 0 {
                        return PutSlot::Vacant { g, i, tombstone: false };
                    }
                    return PutSlot::Full;
                }
            }
            seq.next();
        }
    }

    /// The write at the end of Go's `table.PutSlot`, at a slot `put_slot` returned; the
    /// slot's address.
    #[inline(always)]
    pub(crate) fn insert_vacant(
        &mut self,
        g: usize,
        i: usize,
        tombstone: bool,
        h2: u8,
        key: K,
        value: V,
    ) -> core::ptr::NonNull<u8> {
        assert!(tombstone || self.growth_left > 0, "no growthLeft");
        let slot = self.groups.put(g, i, h2, key, value);
        if !tombstone {
            self.growth_left -= 1;
        }
        self.used += 1;
        slot
    }

    /// Go's `table.uncheckedPutSlot`: places an entry known to be absent, in the first empty or
    /// deleted slot of its probe sequence. Panics if there is no growthLeft, as Go does.
    pub(crate) fn unchecked_put_slot(&mut self, hash: u64, key: K, value: V) {
        assert!(self.growth_left > 0, "invariant failed: growthLeft is unexpectedly 0");
        let mut seq = ProbeSeq::new(h1(hash), self.groups.length_mask());
        loop {
            let m = match_empty_or_deleted(self.groups.ctrls(seq.offset));
            if m != 0 {
                self.groups.put(seq.offset, first(m), h2(hash), key, value);
                self.growth_left -= 1;
                self.used += 1;
                return;
            }
            seq.next();
        }
    }

    /// Empties a full slot by Go's rule: a group that still has an empty slot cannot be in the
    /// middle of anyone's probe sequence, so the slot becomes empty (and growthLeft comes
    /// back); in a group with no empty slot, a probe may run through it, so it becomes a
    /// tombstone (ctrlDeleted) and growthLeft stays spent until the next rehash.
    #[inline]
    pub(crate) fn remove_slot(&mut self, g: usize, i: usize) -> (K, V) {
        let tombstone = match_empty(self.groups.ctrls(g)) == 0;
        let kv = self.groups.take(g, i, if tombstone { CTRL_DELETED } else { CTRL_EMPTY });
        self.used -= 1;
        if !tombstone {
            self.growth_left += 1;
        }
        kv
    }

    /// Go's `table.Delete`.
    #[inline]
    pub(crate) fn delete(&mut self, hash: u64, eq: &mut impl FnMut(&K) -> bool) -> Option<(K, V)> {
        let (g, i) = self.get_with_key(hash, eq)?;
        Some(self.remove_slot(g, i))
    }

    /// Go's `table.Clear`, bookkeeping only: `used` and growthLeft as for a fresh table. The
    /// caller then empties the groups (`groups.clear()`), so that a panicking drop cannot
    /// leave the counts behind.
    pub(crate) fn clear_counts(&mut self) {
        self.used = 0;
        self.reset_growth_left();
    }

    /// The full slots in Go's order for grow and split: groups 0.., slots 0..8.
    pub(crate) fn full_slots(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.groups.len()).flat_map(move |g| {
            let mut m = match_full(self.groups.ctrls(g));
            core::iter::from_fn(move || {
                (m != 0).then(|| {
                    let i = first(m);
                    m = remove_first(m);
                    (g, i)
                })
            })
        })
    }

    /// A copy with the same capacity, counters and control bytes, each entry made by `f`.
    pub(crate) fn clone_with(
        &self,
        f: &mut impl FnMut(&K, &V) -> (K, V),
    ) -> Result<Self, AllocError> {
        let mut t = Table {
            used: self.used,
            capacity: self.capacity,
            growth_left: self.growth_left,
            local_depth: self.local_depth,
            index: self.index,
            groups: GroupArray::new(self.groups.len())?,
        };
        copy_groups(&self.groups, &mut t.groups, f);
        Ok(t)
    }
}

/// Copies every control byte of `from` into the fresh `to` (same length), cloning each entry
/// with `f`. If `f` panics, `to` holds the entries made so far and drops them.
pub(crate) fn copy_groups<K, V>(
    from: &GroupArray<K, V>,
    to: &mut GroupArray<K, V>,
    f: &mut impl FnMut(&K, &V) -> (K, V),
) {
    for g in 0..from.len() {
        let ctrl = from.ctrls(g);
        for i in 0..GROUP_SLOTS {
            let c = ctrl_get(ctrl, i);
            if let Some((k, v)) = from.get(g, i) {
                let (k, v) = f(k, v);
                to.put(g, i, c, k, v);
            } else if c == CTRL_DELETED {
                to.set_free(g, i, CTRL_DELETED);
            }
        }
    }
}
