//! Go's `Iter` (`table.go`): a cursor over the map that starts at a random table and a random
//! slot, and yields [`Slot`]s in Go's order. No `unsafe` here.
//!
//! The cursor holds no borrow: each [`RawIter::next`] takes the map, and the caller may remove
//! the slot it was just given (or any other) between calls, as Go allows deletes during
//! `range`; the cursor re-reads every control byte. Go's extra machinery for a map that grows
//! during iteration (it keeps walking the replaced table and looks each key up in the new one)
//! is not reproduced: a grow frees the old table at once here, so after an insert that grows,
//! the cursor's results are unspecified (never unsound: every access is checked).

use super::group::{ctrl_get, first, match_full, remove_below, remove_first};
use super::map::{Slot, SwissTable, SMALL_TABLE};
use super::{CTRL_EMPTY, GROUP_SLOTS};

/// Go's `Iter`.
#[derive(Clone, Debug)]
pub struct RawIter {
    /// The map was empty at init (Go's `it.m == nil`): yield nothing.
    done: bool,
    /// Go's `entryOffset`: random start slot within each table (or the small group).
    entry_offset: u64,
    /// Go's `dirOffset`: random start in the directory (adjusted once to a table's first
    /// entry, and scaled when the directory grows).
    dir_offset: u64,
    /// Go's `clearSeq` at init.
    clear_seq: u64,
    /// Go's `globalDepth` at the last `next`.
    global_depth: u8,
    /// Go's `dirIdx` before the offset; -1 for a map that was small at init.
    dir_idx: isize,
    /// Go's `tab`: the table being walked (its id), if resolved.
    tab: Option<usize>,
    /// Go's `entryIdx` before the offset: group * 8 + slot.
    entry_idx: u64,
}

impl RawIter {
    /// Go's `Iter.Init`, with `entryOffset` and `dirOffset` drawn at random (in that order,
    /// as Go draws them).
    pub fn init<K, V>(map: &SwissTable<K, V>) -> Self {
        let entry_offset = rand::random::<u64>();
        let dir_offset = rand::random::<u64>();
        Self::init_at(map, dir_offset, entry_offset)
    }

    /// Go's `Iter.Init` with chosen offsets, to replay a given start.
    pub fn init_at<K, V>(map: &SwissTable<K, V>, dir_offset: u64, entry_offset: u64) -> Self {
        RawIter {
            done: map.used == 0,
            entry_offset,
            dir_offset,
            clear_seq: map.clear_seq,
            global_depth: map.global_depth,
            dir_idx: if map.dir.is_empty() { -1 } else { 0 },
            tab: None,
            entry_idx: 0,
        }
    }

    /// The offsets this cursor started from: (dirOffset, entryOffset).
    #[allow(dead_code)]
    pub fn offsets(&self) -> (u64, u64) {
        (self.dir_offset, self.entry_offset)
    }

    /// Go's `clearSeq` snapshot: whether the map has been cleared since init.
    #[allow(dead_code)]
    pub fn cleared_since_init<K, V>(&self, map: &SwissTable<K, V>) -> bool {
        map.clear_seq != self.clear_seq
    }

    /// Go's `Iter.Next`: the next full slot, or `None` at the end.
    pub fn next<K, V>(&mut self, map: &SwissTable<K, V>) -> Option<Slot> {
        if self.done {
            return None;
        }
        if self.dir_idx < 0 {
            return self.next_small(map);
        }
        if self.global_depth != map.global_depth {
            // The directory doubled: scale the index and offset with it.
            let orders = u32::from(map.global_depth.wrapping_sub(self.global_depth)) & 63;
            self.dir_idx <<= orders;
            self.dir_offset <<= orders;
            self.global_depth = map.global_depth;
        }
        while let Some(tid) = self.table(map) {
            let t = map.tables.get(tid)?;
            let entry_mask = u64::from(t.capacity) - 1;
            while self.entry_idx <= entry_mask {
                let e = self.entry_idx.wrapping_add(self.entry_offset) & entry_mask;
                let g = (e >> 3) as usize;
                let s = (e & 7) as usize;
                let full = remove_below(match_full(t.groups.ctrls(g)), s);
                if full == 0 {
                    // Nothing full in the rest of this group.
                    self.entry_idx += (GROUP_SLOTS - s) as u64;
                    continue;
                }
                let i = first(full);
                self.entry_idx += (i - s) as u64;
                if self.entry_idx > entry_mask {
                    // That slot is past the end of this table's walk (it wrapped around).
                    break;
                }
                self.entry_idx += 1;
                return Some(map.slot_at(tid, g, i));
            }
            self.next_table(t.local_depth);
        }
        None
    }

    /// The table the cursor is in (resolving it from the directory on the first visit), or
    /// `None` past the directory's end.
    #[inline]
    fn table<K, V>(&mut self, map: &SwissTable<K, V>) -> Option<usize> {
        if let Some(t) = self.tab {
            return Some(t);
        }
        let dir_len = map.dir.len();
        if self.dir_idx as usize >= dir_len {
            return None;
        }
        let dir_idx =
            ((self.dir_idx as u64).wrapping_add(self.dir_offset) & (dir_len as u64 - 1)) as usize;
        let tid = map.directory_at(dir_idx);
        let index = map.tables[tid].index;
        if index != dir_idx {
            // A random start may land inside a run of entries for one table: move the offset
            // back to the run's first entry, once.
            self.dir_offset = self.dir_offset.wrapping_sub(dir_idx.wrapping_sub(index) as u64);
        }
        self.tab = Some(tid);
        Some(tid)
    }

    /// Go's nextDirIdx: past the other entries pointing at the table just finished.
    #[inline]
    fn next_table(&mut self, local_depth: u8) {
        self.dir_idx += 1isize << (self.global_depth.saturating_sub(local_depth) & 63);
        self.tab = None;
        self.entry_idx = 0;
    }

    /// The rest of the iteration in one loop, visiting the slots `next` would yield, in the
    /// same order, a group at a time: the map is unchanged throughout (`&map` is held), so
    /// nothing needs re-reading between slots.
    #[inline]
    pub fn fold<K, V, B>(
        mut self,
        map: &SwissTable<K, V>,
        init: B,
        mut f: impl FnMut(B, Slot) -> B,
    ) -> B {
        let mut acc = init;
        if self.done || self.dir_idx < 0 || self.global_depth != map.global_depth {
            while let Some(s) = self.next(map) {
                acc = f(acc, s);
            }
            return acc;
        }
        while let Some(tid) = self.table(map) {
            let Some(t) = map.tables.get(tid) else { break };
            let entry_mask = u64::from(t.capacity) - 1;
            while self.entry_idx <= entry_mask {
                let e = self.entry_idx.wrapping_add(self.entry_offset) & entry_mask;
                let (g, s) = ((e >> 3) as usize, (e & 7) as usize);
                // Slots s.. of this group, but no more than the walk has left (the last group
                // of a walk that started mid-group stops below the start slot).
                let take = ((GROUP_SLOTS - s) as u64).min(entry_mask + 1 - self.entry_idx);
                let upto = if s + take as usize >= GROUP_SLOTS {
                    u64::MAX
                } else {
                    (1u64 << (8 * (s + take as usize))) - 1
                };
                let mut full = remove_below(match_full(t.groups.ctrls(g)), s) & upto;
                while full != 0 {
                    acc = f(acc, map.slot_at(tid, g, first(full)));
                    full = remove_first(full);
                }
                self.entry_idx += take;
            }
            self.next_table(t.local_depth);
        }
        acc
    }

    /// The small map: slots `(entryIdx + entryOffset) % 8` for entryIdx 0..8.
    fn next_small<K, V>(&mut self, map: &SwissTable<K, V>) -> Option<Slot> {
        if !map.dir.is_empty() {
            // Grew to a table since init: outside the contract.
            return None;
        }
        let ctrl = map.small.ctrls(0);
        while self.entry_idx < GROUP_SLOTS as u64 {
            let k = (self.entry_idx.wrapping_add(self.entry_offset) % GROUP_SLOTS as u64) as usize;
            self.entry_idx += 1;
            if ctrl_get(ctrl, k) & CTRL_EMPTY == 0 {
                return Some(map.slot_at(SMALL_TABLE, 0, k));
            }
        }
        None
    }
}
