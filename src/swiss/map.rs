//! Go's `Map` (`internal/runtime/maps/map.go`): the header, the small map of one group, the
//! directory of tables, and the raw API that a typed map drives.
//!
//! `unsafe` here is limited to the [`Slot`] accessors (a `Slot` is a raw address, valid only
//! while the map is not rebuilt) and the `Send`/`Sync` impls of the handles.

use core::mem::MaybeUninit;
use core::ptr::NonNull;

use super::group::{
    ctrl_get, first, match_h2_exact, remove_first, slot_elem, slot_key, GroupArray, GroupsRef,
};
use super::hooks::Observer;
use super::table::{copy_groups, PutSlot, Table};
use super::{
    h2, AllocError, CTRL_EMPTY, GROUP_SLOTS, MAX_ALLOC, MAX_AVG_GROUP_LOAD, MAX_TABLE_CAPACITY,
};

/// The `table` field of a [`Slot`] or [`Vacancy`] in the small map's group.
const SMALL: u32 = u32::MAX;
/// `SMALL` as a table id.
pub(crate) const SMALL_TABLE: usize = SMALL as usize;

/// A filled slot: a small `Copy` handle returned by [`SwissTable::find`],
/// [`SwissTable::find_or_vacancy`], [`SwissTable::insert_at`] and
/// [`RawIter::next`](super::RawIter::next).
///
/// It stays valid (it names the same entry at the same address) until that entry is
/// removed, or until an operation that can move entries: `find_or_vacancy` (it may grow),
/// `clear`, `reserve`, `shrink_to` and `reset_to_empty`. `insert_at`, `delete`, `remove_at`
/// and the `&mut V` accessors never move other entries (Go never moves an entry on delete),
/// so slots of other entries survive them. The accessors that read through a slot are
/// `unsafe fn`s for that reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Start of the slot (key, then elem at Go's `ElemOff`).
    pub(crate) ptr: NonNull<u8>,
    /// Index in `SwissTable::tables`, or `SMALL`.
    pub(crate) table: u32,
    /// group * 8 + slot.
    pub(crate) pos: u32,
}

// SAFETY: a Slot is only an address and two indices; every read through it is an unsafe fn
// whose caller holds the map (shared or mutably), so sending the handle shares nothing.
unsafe impl Send for Slot {}
// SAFETY: as above.
unsafe impl Sync for Slot {}

impl Slot {
    /// The slot's group in its table's group array.
    pub fn group(&self) -> usize {
        self.pos as usize / GROUP_SLOTS
    }

    /// The slot's index (0..8) in its group.
    pub fn slot(&self) -> usize {
        self.pos as usize % GROUP_SLOTS
    }

    /// The table holding the slot (its position in [`SwissTable`]'s arena, the id the
    /// [`view`](SwissTable::view) uses), or `None` in the small map's group.
    pub fn table(&self) -> Option<usize> {
        (self.table != SMALL).then_some(self.table as usize)
    }
}

/// Where an absent key goes: returned by [`SwissTable::find_or_vacancy`] after any growth,
/// consumed by [`SwissTable::insert_at`]. Dropping it without inserting leaves the map as the
/// growth left it, which is a valid map (Go's state after a rehash).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vacancy {
    table: u32,
    g: u32,
    i: u8,
    h2: u8,
    tombstone: bool,
}

impl Vacancy {
    /// Whether the slot is a tombstone being reused (no growthLeft is spent).
    pub fn reuses_tombstone(&self) -> bool {
        self.tombstone
    }
}

/// Go's `Map`: the Swiss table engine.
///
/// Keys and values live in the groups' slots; hashes come from the caller (`hash` arguments,
/// and a `hasher` for the operations that move entries). See the [module docs](super).
pub struct SwissTable<K, V> {
    /// Go's `used`: live entries.
    pub(crate) used: usize,
    /// Go's `dirPtr` when `dirLen == 0`: the small map's one group, or no group yet.
    pub(crate) small: GroupArray<K, V>,
    /// Go's directory (`dirPtr`, `dirLen`): ids into `tables`; a table appears in
    /// `1 << (global_depth - local_depth)` consecutive entries.
    pub(crate) dir: Vec<u32>,
    /// The tables the directory points to (Go allocates each on its own; here an arena, so
    /// that a directory entry is an index).
    pub(crate) tables: Vec<Table<K, V>>,
    /// For each directory entry, its table's group array address (not in Go: a cache that
    /// saves lookups one dependent load). Always as long as `dir` and in step with it:
    /// `replace_table` updates the entries of the table it installs, the directory's doubling
    /// doubles it, and `refresh_hot` rebuilds it whole where a map is made.
    hot: Vec<GroupsRef<K, V>>,
    /// Go's `globalDepth`.
    pub(crate) global_depth: u8,
    /// Go's `globalShift` (0 for a small map, as Go's zeroed header; 64 - globalDepth after).
    pub(crate) global_shift: u8,
    /// Go's `clearSeq`.
    pub(crate) clear_seq: u64,
}

impl<K, V> Default for SwissTable<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// Go throws on a failed allocation; the infallible operations do what std's collections do.
#[cold]
#[inline(never)]
fn alloc_failed(e: AllocError) -> ! {
    match e {
        AllocError::CapacityOverflow => panic!("capacity overflow"),
        AllocError::AllocError { layout } => std::alloc::handle_alloc_error(layout),
    }
}

/// Bits of `hash` that pick the table at `depth` (Go's `localDepthMask`).
fn local_depth_mask(local_depth: u8) -> u64 {
    1u64 << (64 - u32::from(local_depth))
}

impl<K, V> SwissTable<K, V> {
    /// Go's `NewEmptyMap`: no group until the first insert.
    pub const fn new() -> Self {
        SwissTable {
            used: 0,
            small: GroupArray::none(),
            dir: Vec::new(),
            tables: Vec::new(),
            hot: Vec::new(),
            global_depth: 0,
            global_shift: 0,
            clear_seq: 0,
        }
    }

    /// Go's `NewMap(hint)`: a hint up to 8 allocates nothing (a small map); above, enough
    /// tables for `hint * 8 / 7` slots, each at most 1024, with a directory of a power of two
    /// of them (`globalDepth` set up front). Where Go returns an empty map for an absurd hint
    /// (the capacity overflows, or `dirSize * 1024 * GroupSize` exceeds `maxAlloc`, 2^48
    /// bytes), this returns `Err(CapacityOverflow)`: the caller chooses Go's answer
    /// ([`SwissTable::new`]) or std's (an error).
    ///
    /// Go's rounding can leave room for slightly fewer than `hint` entries (897 gives two
    /// 512-slot tables, room for 896); [`reserve`](Self::reserve) guarantees its room.
    pub fn with_hint(hint: usize) -> Result<Self, AllocError> {
        let mut m = Self::new();
        let Some((dir_size, table_capacity)) = Self::new_map_shape(hint)? else {
            return Ok(m);
        };
        m.global_depth = dir_size.trailing_zeros() as u8;
        m.global_shift = 64 - m.global_depth;
        m.tables.reserve_exact(dir_size);
        m.dir.reserve_exact(dir_size);
        for i in 0..dir_size {
            m.tables.push(Table::new_table(table_capacity, i, m.global_depth)?);
            m.dir.push(i as u32);
        }
        m.refresh_hot();
        Ok(m)
    }

    /// Rebuilds `hot` from `dir` and `tables`.
    fn refresh_hot(&mut self) {
        let tables = &self.tables;
        self.hot.clear();
        self.hot.extend(self.dir.iter().map(|&t| tables[t as usize].groups.as_ref(t as usize)));
    }

    /// NewMap's arithmetic: `None` for a small map, else the directory size and each table's
    /// requested capacity (before `newTable` rounds it).
    fn new_map_shape(hint: usize) -> Result<Option<(usize, u64)>, AllocError> {
        if hint <= GROUP_SLOTS {
            return Ok(None);
        }
        let target = hint.wrapping_mul(GROUP_SLOTS) / MAX_AVG_GROUP_LOAD as usize;
        if target < hint {
            return Err(AllocError::CapacityOverflow);
        }
        let dir_size = (target as u64).div_ceil(MAX_TABLE_CAPACITY as u64);
        let dir_size = dir_size.checked_next_power_of_two().ok_or(AllocError::CapacityOverflow)?;
        let mem = dir_size
            .checked_mul(MAX_TABLE_CAPACITY as u64)
            .and_then(|g| g.checked_mul(super::group::Shape::<K, V>::GROUP_SIZE as u64))
            .ok_or(AllocError::CapacityOverflow)?;
        if mem > MAX_ALLOC || dir_size > u64::from(u32::MAX) {
            return Err(AllocError::CapacityOverflow);
        }
        Ok(Some((dir_size as usize, target as u64 / dir_size)))
    }

    /// The (capacity, group bytes) of `with_hint(hint)`, without allocating.
    fn hint_room(hint: usize) -> Result<(usize, usize), AllocError> {
        Ok(match Self::new_map_shape(hint)? {
            None => (GROUP_SLOTS, super::group::Shape::<K, V>::GROUP_SIZE),
            Some((dir_size, cap)) => {
                let cap = cap.max(GROUP_SLOTS as u64).next_power_of_two() as usize;
                let room = if cap <= GROUP_SLOTS { cap - 1 } else { cap * 7 / 8 };
                (
                    dir_size * room,
                    dir_size * cap / GROUP_SLOTS * super::group::Shape::<K, V>::GROUP_SIZE,
                )
            }
        })
    }

    /// Live entries (Go's `used`, `len(m)`).
    #[inline]
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether there are no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Entries that fit before some growth: 0 before the first group is allocated (the first
    /// insert allocates it), 8 for a small map; otherwise
    /// `len` plus every table's growthLeft. With several tables this is the room if new keys
    /// spread over the tables as their hashes do on average: a table that fills up grows on
    /// its own (that is the point of the directory), even while others have room.
    pub fn capacity(&self) -> usize {
        if self.dir.is_empty() {
            if self.small.len() == 0 {
                0
            } else {
                GROUP_SLOTS
            }
        } else {
            self.used + self.tables.iter().map(|t| usize::from(t.growth_left)).sum::<usize>()
        }
    }

    /// Bytes this map has allocated: group arrays, the directory and the table headers.
    pub fn allocated_bytes(&self) -> usize {
        self.small.allocated_bytes()
            + self.tables.iter().map(|t| t.groups.allocated_bytes()).sum::<usize>()
            + self.dir.capacity() * core::mem::size_of::<u32>()
            + self.tables.capacity() * core::mem::size_of::<Table<K, V>>()
    }

    /// Go's `directoryIndex`: the top `globalDepth` bits of the hash. Meaningful once the map
    /// has a directory (for a small map Go's expression gives the hash itself, unused).
    #[inline(always)]
    pub fn directory_index(&self, hash: u64) -> usize {
        // Go tests dirLen == 1 (globalShift 64 shifts by 0 once masked); masking with
        // dirLen - 1 gives the same index without a branch.
        (hash >> (self.global_shift & 63)) as usize & self.dir.len().wrapping_sub(1)
    }

    /// Go's `directoryAt`: the id of the table at directory index `i`.
    #[inline(always)]
    pub(crate) fn directory_at(&self, i: usize) -> usize {
        self.dir[i] as usize
    }

    /// The handle of slot `i` of group `g` in table `table` (or `SMALL_TABLE`).
    #[inline(always)]
    pub(crate) fn slot_at(&self, table: usize, g: usize, i: usize) -> Slot {
        let groups = if table == SMALL as usize { &self.small } else { &self.tables[table].groups };
        Slot { ptr: groups.slot_ptr(g, i), table: table as u32, pos: (g * GROUP_SLOTS + i) as u32 }
    }

    /// Go's `getWithKey`: the slot holding the key `eq` accepts, whose hash is `hash`.
    #[inline]
    pub fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Slot> {
        self.find_observed(hash, eq, &mut ())
    }

    /// [`find`](Self::find), reporting each group read and key compared to `obs`.
    #[inline(always)]
    pub(crate) fn find_observed(
        &self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        obs: &mut impl Observer,
    ) -> Option<Slot> {
        // No early return for an empty map: its groups (or the static empty group) end every
        // probe at once, and a hit saves the test.
        if self.dir.is_empty() {
            return self.get_with_key_small(hash, &mut eq, obs);
        }
        let idx = self.directory_index(hash);
        debug_assert!(idx < self.hot.len());
        // SAFETY: `hot` is as long as `dir`, which is 1 << globalDepth long, and
        // directory_index is below that (the top globalDepth bits, or 0 for one entry).
        let groups = unsafe { *self.hot.get_unchecked(idx) };
        // SAFETY: `hot[idx]` is the group array of table `dir[idx]` (`hot` is kept in step
        // with the directory, see its field), alive and unwritten while `&self` is held.
        let (ptr, pos) = unsafe { groups.get_with_key(hash, &mut eq, obs) }?;
        Some(Slot { ptr, table: groups.table, pos: pos as u32 })
    }

    /// Go's `getWithKeySmall`: a byte-by-byte scan of the one group for `h2`, comparing keys
    /// only where the byte is exactly `h2` (Go compares bytes here, not `matchH2`).
    #[inline]
    fn get_with_key_small<O: Observer>(
        &self,
        hash: u64,
        eq: &mut impl FnMut(&K) -> bool,
        obs: &mut O,
    ) -> Option<Slot> {
        let h2 = h2(hash);
        let ctrl = self.small.ctrls(0);
        // The slots whose byte is exactly h2, for an observer (the loop reads the bytes).
        if O::ENABLED {
            obs.group(0, ctrl, match_h2_exact(ctrl, h2));
        }
        for i in 0..GROUP_SLOTS {
            if ctrl_get(ctrl, i) == h2 {
                if let Some(k) = self.small.key(0, i) {
                    let equal = eq(k);
                    obs.compare(i, equal);
                    if equal {
                        return Some(self.slot_at(SMALL as usize, 0, i));
                    }
                }
            }
        }
        None
    }

    /// Go's `PutSlot` up to the write: the slot holding the key, or else a [`Vacancy`] where
    /// `m[k] = v` would put it. Any growth Go does on this path happens here, before the
    /// search that returns: the first group (`growToSmall`), the small map becoming a table
    /// when it holds 8 entries (`growToTable`, even if the key is one of them, as Go does),
    /// and a table with no growthLeft rehashing (`grow` to twice its capacity up to 1024
    /// slots, else `split`). `hasher` hashes the keys those moves place.
    ///
    /// A panic in `eq` or `hasher` leaves the map valid with every entry in it (a growth is
    /// completed or not started).
    #[inline]
    pub fn find_or_vacancy(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<Slot, Vacancy> {
        if self.dir.is_empty() {
            if self.small.len() == 0 {
                self.grow_to_small().unwrap_or_else(|e| alloc_failed(e));
            }
            if self.used < GROUP_SLOTS {
                return self.put_slot_small(hash, &mut eq);
            }
            self.grow_to_table(hasher).unwrap_or_else(|e| alloc_failed(e));
        }
        loop {
            let tid = self.directory_at(self.directory_index(hash));
            match self.tables[tid].put_slot(hash, &mut eq) {
                PutSlot::Found(g, i) => return Ok(self.slot_at(tid, g, i)),
                PutSlot::Vacant { g, i, tombstone } => {
                    return Err(Vacancy {
                        table: tid as u32,
                        g: g as u32,
                        i: i as u8,
                        h2: h2(hash),
                        tombstone,
                    })
                }
                PutSlot::Full => self.rehash(tid, hasher).unwrap_or_else(|e| alloc_failed(e)),
            }
        }
    }

    /// Go's `putSlotSmall` search: the key's slot, or the first free slot (a small map has no
    /// tombstones). Keys are compared where `matchH2` reports, as Go does here.
    fn put_slot_small(&self, hash: u64, eq: &mut impl FnMut(&K) -> bool) -> Result<Slot, Vacancy> {
        let h2 = h2(hash);
        match self.small.find_in_group(0, h2, eq) {
            Ok(i) => Ok(self.slot_at(SMALL as usize, 0, i)),
            Err(ctrl) => {
                let free = super::group::match_empty_or_deleted(ctrl);
                assert!(free != 0, "small map with no empty slot");
                Err(Vacancy { table: SMALL, g: 0, i: first(free) as u8, h2, tombstone: false })
            }
        }
    }

    /// Writes `key` and `value` where `v` says (the end of Go's `PutSlot`/`putSlotSmall` plus
    /// the caller's store of the elem), in O(1), and returns the filled slot.
    ///
    /// # Safety
    /// `v` must come from the latest [`find_or_vacancy`](Self::find_or_vacancy) on this map,
    /// with no write to the map since, and `key` must be the key (with that call's `hash`)
    /// that `eq` was looking for. (A stale vacancy is caught by checks and panics rather than
    /// corrupting memory, but could misfile the key.)
    #[inline(always)]
    pub unsafe fn insert_at(&mut self, v: Vacancy, key: K, value: V) -> Slot {
        let (g, i) = (v.g as usize, usize::from(v.i));
        let ptr = if v.table == SMALL {
            self.small.put(g, i, v.h2, key, value)
        } else {
            self.tables[v.table as usize].insert_vacant(g, i, v.tombstone, v.h2, key, value)
        };
        self.used += 1;
        Slot { ptr, table: v.table, pos: (g * GROUP_SLOTS + i) as u32 }
    }

    /// Go's `Delete`: removes and returns the entry `eq` accepts (`hash` its hash). In a
    /// table the slot becomes empty if its group has an empty slot, else a tombstone; in the
    /// small map it always becomes empty. (Go also draws a new seed when the map becomes
    /// empty; the seed is the caller's.)
    #[inline]
    pub fn delete(&mut self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<(K, V)> {
        if self.used == 0 {
            return None;
        }
        let kv = if self.dir.is_empty() {
            // Go's deleteSmall: matchH2 candidates.
            let i = self.small.find_in_group(0, h2(hash), &mut eq).ok()?;
            self.small.take(0, i, CTRL_EMPTY)
        } else {
            let tid = self.directory_at(self.directory_index(hash));
            self.tables[tid].delete(hash, &mut eq)?
        };
        self.used -= 1;
        Some(kv)
    }

    /// Removes the entry at `slot`, by the same rule as [`delete`](Self::delete). Other
    /// slots stay where they are (and valid).
    ///
    /// # Safety
    /// `slot` must be valid (see [`Slot`]). A stale one is caught by checks and panics, or
    /// removes whatever entry now sits at that position.
    pub unsafe fn remove_at(&mut self, slot: Slot) -> (K, V) {
        let (g, i) = (slot.group(), slot.slot());
        let kv = if slot.table == SMALL {
            self.small.take(g, i, CTRL_EMPTY)
        } else {
            self.tables[slot.table as usize].remove_slot(g, i)
        };
        self.used -= 1;
        kv
    }

    /// The key at `slot`.
    ///
    /// # Safety
    /// `slot` must be valid for this map (see [`Slot`]): it came from this map and the map
    /// has not been written since in a way that invalidates it.
    #[inline(always)]
    pub unsafe fn key(&self, slot: Slot) -> &K {
        // SAFETY: a valid slot is full, so it holds a live key; `&self` keeps it unmutated.
        unsafe { &*slot_key::<K, V>(slot.ptr) }
    }

    /// The value at `slot`.
    ///
    /// # Safety
    /// As [`key`](Self::key).
    #[inline(always)]
    pub unsafe fn value(&self, slot: Slot) -> &V {
        // SAFETY: a valid slot is full, so it holds a live value; `&self` keeps it unmutated.
        unsafe { &*slot_elem::<K, V>(slot.ptr) }
    }

    /// The value at `slot`, mutably.
    ///
    /// # Safety
    /// As [`key`](Self::key).
    #[inline(always)]
    pub unsafe fn value_mut(&mut self, slot: Slot) -> &mut V {
        // SAFETY: a valid slot holds a live value; `&mut self` makes this the only reference.
        unsafe { &mut *slot_elem::<K, V>(slot.ptr) }
    }

    /// The key and value at `slot`, the value mutably.
    ///
    /// # Safety
    /// As [`key`](Self::key).
    #[inline(always)]
    pub unsafe fn key_value_mut(&mut self, slot: Slot) -> (&K, &mut V) {
        // SAFETY: a valid slot holds a live key and value, disjoint (key first, elem at
        // ElemOff, or two separate boxes); `&mut self` makes these the only references.
        unsafe { (&*slot_key::<K, V>(slot.ptr), &mut *slot_elem::<K, V>(slot.ptr)) }
    }

    /// Raw pointers to the key and value at `slot`, for iterators that hand out several
    /// `&mut V` at once (`iter_mut`, `get_disjoint_mut`).
    ///
    /// # Safety
    /// `slot` must be valid (see [`Slot`]). The pointers are valid as long as the slot is;
    /// writing through them needs the map held mutably and no other reference to that value.
    #[inline(always)]
    pub unsafe fn slot_ptrs(&self, slot: Slot) -> (*mut K, *mut V) {
        // SAFETY: a valid slot is full, so following an indirect box pointer is sound.
        unsafe { (slot_key::<K, V>(slot.ptr), slot_elem::<K, V>(slot.ptr)) }
    }

    /// Go's `growToSmall`: the small map's one group.
    fn grow_to_small(&mut self) -> Result<(), AllocError> {
        self.small = GroupArray::new(1)?;
        Ok(())
    }

    /// Go's `growToTable`: the 8 entries of the full small map move to a new 16-slot table,
    /// the directory's only entry (globalDepth 0, globalShift 64). All 8 are hashed before any
    /// moves, so a panicking hasher leaves the small map as it was.
    fn grow_to_table(&mut self, hasher: &impl Fn(&K) -> u64) -> Result<(), AllocError> {
        let mut tab = Table::new_table(2 * GROUP_SLOTS as u64, 0, 0)?;
        let ctrl = self.small.ctrls(0);
        let mut hashes = [0u64; GROUP_SLOTS];
        for (i, h) in hashes.iter_mut().enumerate() {
            if let Some(k) = self.small.key(0, i) {
                *h = hasher(k);
            }
        }
        for (i, &h) in hashes.iter().enumerate() {
            if ctrl_get(ctrl, i) & CTRL_EMPTY == 0 {
                let (k, v) = self.small.take(0, i, CTRL_EMPTY);
                tab.unchecked_put_slot(h, k, v);
            }
        }
        self.small = GroupArray::none();
        self.tables.push(tab);
        self.dir.push((self.tables.len() - 1) as u32);
        self.global_depth = 0;
        self.global_shift = 64;
        self.refresh_hot();
        Ok(())
    }

    /// Go's `table.rehash`: double the table up to 1024 slots, else split it.
    fn rehash(&mut self, tid: usize, hasher: &impl Fn(&K) -> u64) -> Result<(), AllocError> {
        let new_capacity = 2 * self.tables[tid].capacity;
        if usize::from(new_capacity) <= MAX_TABLE_CAPACITY {
            self.grow(tid, new_capacity, hasher)
        } else {
            self.split(tid, hasher)
        }
    }

    /// The hashes of table `tid`'s entries in Go's grow order (`full_slots`), into `out`
    /// (a table holds fewer than 1024 entries, so a buffer on the stack does, with no
    /// allocation per grow).
    fn table_hashes<'b>(
        &self,
        tid: usize,
        hasher: &impl Fn(&K) -> u64,
        out: &'b mut [MaybeUninit<u64>; MAX_TABLE_CAPACITY],
    ) -> &'b [u64] {
        let t = &self.tables[tid];
        let mut n = 0;
        for (g, i) in t.full_slots() {
            out[n].write(hasher(t.groups.key(g, i).expect("full slot")));
            n += 1;
        }
        // SAFETY: the first n elements were just written, and u64 has no invalid values.
        unsafe { core::slice::from_raw_parts(out.as_ptr().cast::<u64>(), n) }
    }

    /// Moves table `tid`'s entries, in Go's order, to `place` with their hashes; nothing here
    /// calls user code (the hashes were taken first), so nothing can panic halfway.
    fn drain_table(&mut self, tid: usize, hashes: &[u64], mut place: impl FnMut(u64, K, V)) {
        let t = &mut self.tables[tid];
        let mut n = 0;
        for g in 0..t.groups.len() {
            let mut m = super::group::match_full(t.groups.ctrls(g));
            while m != 0 {
                let i = first(m);
                m = remove_first(m);
                let (k, v) = t.groups.take(g, i, CTRL_EMPTY);
                place(hashes[n], k, v);
                n += 1;
            }
        }
        t.used = 0;
    }

    /// Go's `table.grow`: a new table of `new_capacity` slots takes every entry (tombstones
    /// are dropped on the way) and replaces the old one in the directory.
    fn grow(
        &mut self,
        tid: usize,
        new_capacity: u16,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), AllocError> {
        let old = &self.tables[tid];
        let mut nt = Table::new_table(u64::from(new_capacity), old.index, old.local_depth)?;
        let mut buf = [MaybeUninit::uninit(); MAX_TABLE_CAPACITY];
        let hashes = self.table_hashes(tid, hasher, &mut buf);
        self.drain_table(tid, hashes, |h, k, v| nt.unchecked_put_slot(h, k, v));
        self.tables[tid] = nt;
        self.replace_table(tid);
        Ok(())
    }

    /// Go's `table.split`: two 1024-slot tables one level deeper take the entries, by the
    /// hash bit just below the ones the directory used for the old table.
    fn split(&mut self, tid: usize, hasher: &impl Fn(&K) -> u64) -> Result<(), AllocError> {
        let local_depth = self.tables[tid].local_depth + 1;
        let mut left = Table::new_table(MAX_TABLE_CAPACITY as u64, usize::MAX, local_depth)?;
        let mut right = Table::new_table(MAX_TABLE_CAPACITY as u64, usize::MAX, local_depth)?;
        let mask = local_depth_mask(local_depth);
        let mut buf = [MaybeUninit::uninit(); MAX_TABLE_CAPACITY];
        let hashes = self.table_hashes(tid, hasher, &mut buf);
        self.drain_table(tid, hashes, |h, k, v| {
            if h & mask == 0 {
                left.unchecked_put_slot(h, k, v)
            } else {
                right.unchecked_put_slot(h, k, v)
            }
        });
        self.install_table_split(tid, left, right);
        Ok(())
    }

    /// Go's `replaceTable`: points the directory entries of table `tid` (from its `index`,
    /// `1 << (globalDepth - localDepth)` of them) at it.
    fn replace_table(&mut self, tid: usize) {
        let t = &self.tables[tid];
        let entries = 1usize << (self.global_depth - t.local_depth);
        let index = t.index;
        let r = t.groups.as_ref(tid);
        for e in &mut self.dir[index..index + entries] {
            *e = tid as u32;
        }
        // Only these entries' cache changes: a split or grow costs one table, not the directory.
        for h in &mut self.hot[index..index + entries] {
            *h = r;
        }
    }

    /// Go's `installTableSplit`: doubles the directory first if the old table already used
    /// every directory bit (each entry becomes two; each table's `index` doubles once), then
    /// installs `left` at the old table's index and `right` just after left's entries. `left`
    /// takes the old table's id, `right` a new one.
    fn install_table_split(&mut self, old: usize, mut left: Table<K, V>, mut right: Table<K, V>) {
        if self.tables[old].local_depth == self.global_depth {
            let mut new_dir = Vec::with_capacity(self.dir.len() * 2);
            let mut new_hot = Vec::with_capacity(self.dir.len() * 2);
            for i in 0..self.dir.len() {
                let t = self.dir[i];
                new_dir.push(t);
                new_dir.push(t);
                new_hot.extend([self.hot[i]; 2]);
                // A table may fill several entries; only its first one doubles its index.
                let tab = &mut self.tables[t as usize];
                if tab.index == i {
                    tab.index = 2 * i;
                }
            }
            self.global_depth += 1;
            self.global_shift -= 1;
            self.dir = new_dir;
            self.hot = new_hot;
        }
        left.index = self.tables[old].index;
        let entries = 1usize << (self.global_depth - left.local_depth);
        right.index = left.index + entries;
        self.tables[old] = left;
        self.replace_table(old);
        self.tables.push(right);
        self.replace_table(self.tables.len() - 1);
    }

    /// Go's `Clear`: drops every entry; an empty map is left alone (Go returns early, so
    /// clearSeq does not move and tombstones stay). The small map's group is emptied;
    /// each table is emptied in place, keeping its capacity, localDepth and index, with used
    /// 0 and growthLeft reset; the directory stays; `used` becomes 0 and `clearSeq` goes up
    /// by one. (Go also draws a new seed; the seed is the caller's.) If a drop panics, the
    /// rest are still dropped and the map is left cleared.
    pub fn clear(&mut self) {
        if self.used == 0 {
            return;
        }
        self.used = 0;
        self.clear_seq += 1;
        if self.dir.is_empty() {
            self.small.clear();
            return;
        }
        for t in &mut self.tables {
            t.clear_counts();
        }
        self.clear_groups_from(0);
    }

    /// Empties the groups of tables `from..`; if a drop panics, carries on with the next.
    fn clear_groups_from(&mut self, from: usize) {
        struct Rest<'a, K, V>(&'a mut SwissTable<K, V>, usize);
        impl<K, V> Drop for Rest<'_, K, V> {
            fn drop(&mut self) {
                // Only while unwinding: the table at `1` finished its own clear.
                self.0.clear_groups_from(self.1 + 1);
            }
        }
        for tid in from..self.tables.len() {
            let rest = Rest(self, tid);
            rest.0.tables[tid].groups.clear();
            core::mem::forget(rest);
        }
    }

    /// Drops every entry and frees everything, leaving the state of [`new`](Self::new) (what
    /// drop and an owning iterator's end need; `clearSeq` is kept).
    pub fn reset_to_empty(&mut self) {
        let mut old = core::mem::take(self);
        self.clear_seq = old.clear_seq;
        // Each group array drops its entries and frees itself (a panicking drop still lets
        // the others run, and `self` is already the empty map).
        old.used = 0;
        drop(old);
    }

    /// A copy with the same layout, byte for byte: the same directory, tables (capacities,
    /// counters, index, localDepth), control words (tombstones included), and each entry, made
    /// by `f`, in the same slot. If `f` panics, what was copied so far is dropped.
    pub fn clone_with(&self, mut f: impl FnMut(&K, &V) -> (K, V)) -> Self {
        self.try_clone_with(&mut f).unwrap_or_else(|e| alloc_failed(e))
    }

    fn try_clone_with(&self, f: &mut impl FnMut(&K, &V) -> (K, V)) -> Result<Self, AllocError> {
        let mut m = Self::new();
        if self.small.len() != 0 {
            m.small = GroupArray::new(1)?;
            copy_groups(&self.small, &mut m.small, f);
        }
        m.tables.reserve_exact(self.tables.len());
        for t in &self.tables {
            m.tables.push(t.clone_with(f)?);
        }
        m.dir = self.dir.clone();
        m.refresh_hot();
        m.used = self.used;
        m.global_depth = self.global_depth;
        m.global_shift = self.global_shift;
        m.clear_seq = self.clear_seq;
        Ok(m)
    }

    /// Makes room so that [`capacity`](Self::capacity) is at least `len + additional`. Go has
    /// no such call. A small map that stays within 8 entries only gets its group; otherwise,
    /// if the room is short, the map is rebuilt as Go's `NewMap(len + additional)` followed by
    /// inserting the entries (in the order of a walk of the directory's tables, groups and
    /// slots from the start), so its layout is that of a Go map made with that hint. (The hint
    /// is `len + additional`, raised just enough where Go's rounding would leave less room.)
    ///
    /// Every key is hashed before anything moves, so a panicking hasher changes nothing. If the
    /// keys cluster so that a new table needs to grow during the rebuild and the hasher panics
    /// then, the entries not yet moved are dropped (std's hashbrown loses elements the same
    /// way when a hasher panics in an in-place rehash); nothing is dropped twice or leaked.
    pub fn reserve(
        &mut self,
        additional: usize,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), AllocError> {
        let need = self.used.checked_add(additional).ok_or(AllocError::CapacityOverflow)?;
        if need <= self.capacity() {
            if need > 0 && self.dir.is_empty() && self.small.len() == 0 {
                self.grow_to_small()?;
            }
            return Ok(());
        }
        // The smallest hint from `need` up whose NewMap has room for `need` (Go's rounding
        // can fall a little short).
        let mut hint = need;
        while Self::hint_room(hint)?.0 < need {
            hint = hint.checked_add(hint / 8 + 1).ok_or(AllocError::CapacityOverflow)?;
        }
        self.rebuild(hint, hasher)
    }

    /// Shrinks toward `max(len, min_capacity)`. Go never shrinks a map (not on delete, not on
    /// clear). Here, if Go's `NewMap` for that hint would allocate fewer group bytes than the
    /// map holds now, the map is rebuilt as in [`reserve`](Self::reserve) (a hint up to 8 gives
    /// a small map; an empty map with `min_capacity == 0` frees everything). The result can
    /// still hold more than predicted if the keys cluster in one table.
    pub fn shrink_to(
        &mut self,
        min_capacity: usize,
        hasher: &impl Fn(&K) -> u64,
    ) -> Result<(), AllocError> {
        let target = self.used.max(min_capacity);
        if target == 0 {
            self.reset_to_empty();
            return Ok(());
        }
        let now: usize = self.small.allocated_bytes()
            + self.tables.iter().map(|t| t.groups.allocated_bytes()).sum::<usize>();
        let Ok((_, want)) = Self::hint_room(target) else {
            return Ok(());
        };
        if want < now {
            self.rebuild(target, hasher)?;
        }
        Ok(())
    }

    /// Rebuilds as `NewMap(hint)` plus every entry re-inserted (see `reserve`).
    fn rebuild(&mut self, hint: usize, hasher: &impl Fn(&K) -> u64) -> Result<(), AllocError> {
        // Hash everything first: a panic here changes nothing.
        let mut hashes = Vec::with_capacity(self.used);
        let mut order = Vec::with_capacity(self.used);
        let sources: Vec<usize> = if self.dir.is_empty() {
            vec![SMALL as usize]
        } else {
            let mut v: Vec<usize> = Vec::new();
            for &t in &self.dir {
                if v.last() != Some(&(t as usize)) {
                    v.push(t as usize);
                }
            }
            v
        };
        for &src in &sources {
            let groups = if src == SMALL as usize { &self.small } else { &self.tables[src].groups };
            for g in 0..groups.len() {
                let mut m = super::group::match_full(groups.ctrls(g));
                while m != 0 {
                    let i = first(m);
                    m = remove_first(m);
                    hashes.push(hasher(groups.key(g, i).expect("full slot")));
                    order.push((src, g, i));
                }
            }
        }
        let mut new = Self::with_hint(hint)?;
        if hint > 0 && new.dir.is_empty() {
            new.grow_to_small()?;
        }
        new.clear_seq = self.clear_seq;
        let mut old = core::mem::replace(self, new);
        old.used = 0;
        // From here `self` is the new map; `old` drops whatever it still holds on any exit.
        for (&(src, g, i), &h) in order.iter().zip(&hashes) {
            let (k, v) = if src == SMALL as usize {
                old.small.take(g, i, CTRL_EMPTY)
            } else {
                old.tables[src].groups.take(g, i, CTRL_EMPTY)
            };
            // Keys are distinct: no comparison can succeed.
            match self.find_or_vacancy(h, |_| false, hasher) {
                // SAFETY: the vacancy is fresh and `k` is the key hashed to `h`.
                Err(vac) => unsafe {
                    self.insert_at(vac, k, v);
                },
                Ok(_) => unreachable!("a key was found while comparing nothing"),
            }
        }
        Ok(())
    }

    /// Checks every invariant Go's `checkInvariants` does (and a few of the directory's),
    /// panicking on the first broken one. For tests.
    pub fn check_invariants(&self, hasher: &impl Fn(&K) -> u64) {
        if self.dir.is_empty() {
            assert!(self.tables.is_empty());
            let n = (0..GROUP_SLOTS).filter(|&i| self.small.key(0, i).is_some()).count();
            assert_eq!(n, self.used, "small map used");
            let ctrl = self.small.ctrls(0);
            assert!((0..GROUP_SLOTS).all(|i| ctrl_get(ctrl, i) != super::CTRL_DELETED));
            return;
        }
        assert_eq!(self.small.len(), 0);
        assert_eq!(self.dir.len(), 1 << self.global_depth, "dirLen");
        assert_eq!(self.hot.len(), self.dir.len(), "hot");
        for (h, &t) in self.hot.iter().zip(&self.dir) {
            assert!(self.tables[t as usize].groups.is(h) && h.table == t, "hot entry");
        }
        assert_eq!(self.global_shift, 64 - self.global_depth, "globalShift");
        let mut used = 0usize;
        let mut i = 0;
        while i < self.dir.len() {
            let tid = self.dir[i] as usize;
            let t = &self.tables[tid];
            assert_eq!(t.index, i, "table index");
            assert!(t.local_depth <= self.global_depth);
            let entries = 1usize << (self.global_depth - t.local_depth);
            assert!(self.dir[i..i + entries].iter().all(|&x| x as usize == tid), "run");
            let mut full = 0;
            let mut deleted = 0;
            let mut empty = 0;
            for g in 0..t.groups.len() {
                let ctrl = t.groups.ctrls(g);
                for s in 0..GROUP_SLOTS {
                    match ctrl_get(ctrl, s) {
                        CTRL_EMPTY => empty += 1,
                        super::CTRL_DELETED => deleted += 1,
                        c => {
                            full += 1;
                            let k = t.groups.key(g, s).expect("full");
                            let h = hasher(k);
                            assert_eq!(c, h2(h), "h2");
                            assert_eq!(
                                self.directory_index(h) >> (self.global_depth - t.local_depth),
                                i >> (self.global_depth - t.local_depth),
                                "key in the wrong table"
                            );
                            let mut eq_self = |x: &K| core::ptr::eq(x, k);
                            assert_eq!(t.get_with_key(h, &mut eq_self), Some((g, s)), "findable");
                        }
                    }
                }
            }
            assert!(empty > 0, "a table must keep an empty slot");
            assert_eq!(full, usize::from(t.used), "table used");
            assert_eq!(deleted, usize::from(t.tombstones()), "tombstones");
            used += full;
            i += entries;
        }
        assert_eq!(used, self.used, "map used");
    }
}
