//! A read-only view of a [`SwissMap`](super::SwissMap)'s insides, for teaching and for the Go twin: Go's
//! header fields, the directory, each table's fields, each group's control word and slots.
//! No `unsafe` here.
//!
//! Table ids in the view are canonical: tables are numbered 0, 1, 2, ... in the order the
//! directory first reaches them, so two maps with the same structure (say this one and a Go
//! process's, whose tables are pointers) have the same ids.

use super::group::{ctrl_get, GroupArray};
use super::map::SwissTable;
use super::table::Table;
use super::{CTRL_DELETED, CTRL_EMPTY, GROUP_SLOTS};

/// Go's `Map` header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Go's `used`.
    pub used: u64,
    /// Go's `dirLen` (0 for a small map).
    pub dir_len: usize,
    /// Go's `globalDepth`.
    pub global_depth: u8,
    /// Go's `globalShift` (0 for a small map, as Go's zeroed header).
    pub global_shift: u8,
    /// Go's `writing`: the concurrent-write detector, which Rust's `&mut` makes unnecessary.
    /// Always 0 (as Go's between operations).
    pub writing: u8,
    /// Go's `clearSeq`.
    pub clear_seq: u64,
    /// `dirLen == 0`: the map is one group (or none yet).
    pub small: bool,
    /// `dirPtr != nil`: a group or a directory has been allocated.
    pub allocated: bool,
}

/// The state of one slot, from its control byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtrlState {
    /// 0x80.
    Empty,
    /// 0xFE, a tombstone.
    Deleted,
    /// A 7-bit h2.
    Full(u8),
}

impl CtrlState {
    /// The state a control byte encodes.
    pub fn of(c: u8) -> Self {
        match c {
            CTRL_EMPTY => CtrlState::Empty,
            CTRL_DELETED => CtrlState::Deleted,
            c => CtrlState::Full(c),
        }
    }
}

/// The view, from [`SwissMap::raw`](super::SwissMap::raw).
pub struct SwissView<'a, K, V> {
    map: &'a SwissTable<K, V>,
}

impl<'a, K, V> SwissView<'a, K, V> {
    pub(crate) fn new(map: &'a SwissTable<K, V>) -> Self {
        SwissView { map }
    }

    /// Go's header fields.
    pub fn header(&self) -> Header {
        let m = self.map;
        Header {
            used: m.used as u64,
            dir_len: m.dir.len(),
            global_depth: m.global_depth,
            global_shift: m.global_shift,
            writing: 0,
            clear_seq: m.clear_seq,
            small: m.dir.is_empty(),
            allocated: !m.dir.is_empty() || m.small.len() != 0,
        }
    }

    /// Go's `directoryIndex(hash)`: the directory entry a hash selects (meaningful once the
    /// map has a directory).
    pub fn directory_index(&self, hash: u64) -> usize {
        self.map.directory_index(hash)
    }

    /// The small map's group (`None` once the map has tables, or before its first insert).
    pub fn small_group(&self) -> Option<GroupView<'a, K, V>> {
        (self.map.small.len() != 0).then(|| GroupView::new(&self.map.small, 0))
    }

    /// Internal table ids in directory order, one per distinct table. O(dirLen + tables).
    fn distinct(&self) -> Vec<usize> {
        let mut seen = vec![false; self.map.tables.len()];
        let mut v: Vec<usize> = Vec::new();
        for &t in &self.map.dir {
            if !core::mem::replace(&mut seen[t as usize], true) {
                v.push(t as usize);
            }
        }
        v
    }

    /// The directory: for each entry, the canonical id of its table (entries that share a
    /// table have the same id).
    pub fn directory(&self) -> Vec<usize> {
        let mut canonical = vec![usize::MAX; self.map.tables.len()];
        for (id, t) in self.distinct().into_iter().enumerate() {
            canonical[t] = id;
        }
        self.map.dir.iter().map(|&t| canonical[t as usize]).collect()
    }

    /// The tables, by canonical id.
    pub fn tables(&self) -> Vec<TableView<'a, K, V>> {
        let map = self.map;
        self.distinct()
            .into_iter()
            .enumerate()
            .map(|(id, tid)| TableView { id, table: &map.tables[tid] })
            .collect()
    }
}

/// One table's fields and groups.
pub struct TableView<'a, K, V> {
    id: usize,
    table: &'a Table<K, V>,
}

impl<'a, K, V> TableView<'a, K, V> {
    /// The canonical id (see the module docs).
    pub fn id(&self) -> usize {
        self.id
    }
    /// Go's `table.used`.
    pub fn used(&self) -> u16 {
        self.table.used
    }
    /// Go's `table.capacity`.
    pub fn capacity(&self) -> u16 {
        self.table.capacity
    }
    /// Go's `table.growthLeft`.
    pub fn growth_left(&self) -> u16 {
        self.table.growth_left
    }
    /// Go's `table.localDepth`.
    pub fn local_depth(&self) -> u8 {
        self.table.local_depth
    }
    /// Go's `table.index`: the first directory entry pointing here.
    pub fn index(&self) -> usize {
        self.table.index
    }
    /// Go's `table.tombstones()`.
    pub fn tombstones(&self) -> u16 {
        self.table.tombstones()
    }
    /// The number of groups (`lengthMask + 1`).
    pub fn group_count(&self) -> usize {
        self.table.groups.len()
    }
    /// Group `g`.
    pub fn group(&self, g: usize) -> GroupView<'a, K, V> {
        assert!(g < self.table.groups.len(), "group out of range");
        GroupView::new(&self.table.groups, g)
    }
    /// Every group, in array order.
    pub fn groups(&self) -> impl Iterator<Item = GroupView<'a, K, V>> + 'a {
        let groups = &self.table.groups;
        (0..groups.len()).map(move |g| GroupView::new(groups, g))
    }
}

/// One group: its control word and 8 slots.
pub struct GroupView<'a, K, V> {
    groups: &'a GroupArray<K, V>,
    g: usize,
}

impl<'a, K, V> GroupView<'a, K, V> {
    fn new(groups: &'a GroupArray<K, V>, g: usize) -> Self {
        GroupView { groups, g }
    }
    /// The control word as Go reads it (little-endian: slot i is byte i).
    pub fn ctrl(&self) -> u64 {
        self.groups.ctrls(self.g)
    }
    /// The 8 control bytes.
    pub fn ctrl_bytes(&self) -> [u8; GROUP_SLOTS] {
        self.ctrl().to_le_bytes()
    }
    /// Slot `i`'s control byte.
    pub fn ctrl_byte(&self, i: usize) -> u8 {
        ctrl_get(self.ctrl(), i)
    }
    /// Slot `i`'s state.
    pub fn state(&self, i: usize) -> CtrlState {
        CtrlState::of(self.ctrl_byte(i))
    }
    /// Slot `i`'s key and value, if full.
    pub fn slot(&self, i: usize) -> Option<(&'a K, &'a V)> {
        assert!(i < GROUP_SLOTS, "slot out of range");
        self.groups.get(self.g, i)
    }
    /// All 8 slots.
    pub fn slots(&self) -> [Option<(&'a K, &'a V)>; GROUP_SLOTS] {
        core::array::from_fn(|i| self.slot(i))
    }
}

impl<K, V> SwissTable<K, V> {
    /// A read-only view of the insides (header, directory, tables, groups, slots).
    pub fn view(&self) -> SwissView<'_, K, V> {
        SwissView::new(self)
    }
}
