//! `SwissMap`: Go 1.24's Swiss table map (`internal/runtime/maps`), structure for structure.
//!
//! [`SwissMap<K, V, S>`](SwissMap) is std's `HashMap` API, the same layer as
//! [`GoMap`](crate::GoMap)'s ([`api::Map`]), over the Swiss engine
//! (`SwissTable`, Go's `Map`). Given the same hash function and seed, the header, directory,
//! tables and every group's control word and slots are the same as a Go 1.24 process's after
//! every insert, delete and clear. Its own extras are [`SwissMap::stats`] (Go's header fields)
//! and [`SwissMap::raw`] (a read-only view of every table, group and slot, [`raw`]).
//!
//! The hash of a key is `S::hash_one(key)`: with the default [`RandomState`], Go's
//! `typ.Hasher` (aeshash or memhash) with the map's seed ([`RandomState::from_go`] to choose
//! it). `with_capacity(n)` follows Go's `NewMap` hint rules.
//!
//! ```
//! use gomap::SwissMap;
//! let mut m = SwissMap::new();
//! for k in 0..9u64 {
//!     m.insert(k, k * 10);
//! }
//! // 9 entries do not fit the small map's one group of 8: the map became a table.
//! assert!(!m.stats().small);
//! assert_eq!(m[&3], 30);
//! ```
//!
//! | std / GoMap | SwissMap's engine, Go's name |
//! |---|---|
//! | `get`, `contains_key`, `get_mut`, `get_key_value`, `get_disjoint_mut` | `getWithKey` (`find`) |
//! | `insert`, `entry` | `PutSlot` (`find_or_vacancy`, then `insert_at`), growing first as Go does |
//! | `remove`, `remove_entry`, `OccupiedEntry::remove` | `Delete` (`delete`, `remove_at`) |
//! | `clear` | `Clear` |
//! | `iter` and every iterator, `drain`, `extract_if`, `retain` | `Iter.Init`, `Iter.Next` |
//! | `with_capacity` | `NewMap(hint)` |
//! | `reserve`, `shrink_to`, `clone` | no Go counterpart: a rebuild as `NewMap` + inserts; a copy slot for slot |
//!
//! # The design
//!
//! **Groups.** Storage is in *groups* of 8 slots behind one 8-byte *control word*, one byte
//! per slot: `0x80` empty, `0xFE` deleted (a tombstone), or, for a full slot, the 7-bit *h2*
//! of its key's hash (high bit clear). A slot holds the key then the value, as Go lays a slot
//! out (`struct { key K; elem V }`); a key or value over 128 bytes is boxed and the slot holds
//! the pointer (Go's indirect key and elem). The hash splits in two: **h1 = hash >> 7** picks
//! where probing starts, **h2 = hash & 0x7f** goes in the control byte. A lookup compares h2
//! against all 8 bytes at once with word arithmetic on the control word (SWAR: `match_h2`,
//! `match_empty`, `match_empty_or_deleted`, `match_full`), and compares keys only where h2
//! matches (about 1 in 128 slots by chance).
//!
//! **The small map.** A map that has never held more than 8 entries is a single group with no
//! table (Go's `dirLen == 0`, `dirPtr` pointing at the group). Nothing is allocated until the
//! first insert (`grow_to_small`). Deletes in it always leave empty slots: with one group
//! there is no probe sequence to keep intact. When an insert finds all 8 slots used, the map
//! becomes a table of 16 slots (`grow_to_table`) — even if the key is already there, as Go does.
//!
//! **Tables.** A table is an open-addressed hash table of a power-of-two number of groups.
//! Probing starts at group `h1 & (groups - 1)` and follows Go's triangular `probe_seq`
//! (`offset += ++index`, mod groups), which visits every group once. A probe ends at the first
//! group with an empty slot; hence the table always keeps one empty slot at least.
//!
//! **Deletes and tombstones.** Deleting from a group that still has an empty slot marks the
//! slot empty (no probe can have passed through that group). Deleting from a group with no
//! empty slot marks it deleted, a tombstone, which lookups step over and inserts reuse first
//! (the first tombstone on the key's probe sequence, once the key is known to be absent). A
//! table's *growthLeft* counts the slots that may still be filled before it must rehash:
//! `capacity * 7/8` (`maxAvgGroupLoad` 7 of 8 slots) for tables over one group, `capacity - 1`
//! for a one-group table. An insert into an empty slot spends one, a delete that leaves an
//! empty slot gives one back, and a tombstone keeps its slot spent until the next rehash
//! (`tombstones() = capacity*7/8 - used - growthLeft`; Go 1.24 has no `pruneTombstones`,
//! which came in 1.25).
//!
//! **Growth.** An insert that finds no room (growthLeft 0 and no tombstone on its probe
//! sequence) *rehashes* its table: up to `maxTableCapacity` (1024 slots) the table is replaced
//! by one of twice the capacity (`grow`), dropping the tombstones; beyond that it *splits* in
//! two 1024-slot tables (`split`), by the next hash bit from the top. The map is a directory
//! of tables indexed by the top *globalDepth* bits of the hash (extendible hashing:
//! `directory_index = hash >> globalShift`, `globalShift = 64 - globalDepth`). A table with
//! *localDepth* < globalDepth fills `1 << (globalDepth - localDepth)` consecutive directory
//! entries starting at its *index*. Splitting a table whose localDepth equals globalDepth
//! doubles the directory first (each entry becomes two, each table's index doubles); the two
//! halves then take the old table's entries in the directory. So a grow moves at most 1024
//! slots' entries, never the whole map.
//!
//! **NewMap's hint** (`with_hint`). A hint of at most 8 allocates nothing. Otherwise the map
//! aims at `hint * 8/7` slots: `dirSize = ceil(target / 1024)` rounded up to a power of two
//! tables, each of `target / dirSize` slots (at least 8, rounded up to a power of two), with
//! globalDepth and localDepth `log2(dirSize)` from the start. Absurd hints (overflow, more
//! than Go's `maxAlloc`) give Go an empty map and here an error.
//!
//! **Clear** drops every entry of a non-empty map and keeps its shape: the small group is
//! emptied; every table is emptied in place (used 0, growthLeft reset, tombstones gone) with
//! its capacity, localDepth and index; the directory stays; `used` becomes 0 and `clearSeq`
//! goes up by one (Go's iterators use it to notice a clear). An empty map is left untouched.
//!
//! **Iteration** (`RawIter`) starts at a random directory entry (`dirOffset`) and a random
//! slot (`entryOffset`): for each table, in directory order from the start (a start inside a
//! table's run of entries moves back to the run's first entry) and skipping the other entries
//! of the same table, it walks the table's slots `(entryIdx + entryOffset) & (capacity - 1)`
//! for entryIdx = 0.., yielding the full ones. A small map walks `(entryIdx + entryOffset) % 8`.
//!
//! **Hashes come from outside.** The engine never hashes: each operation takes the key's
//! `hash: u64` (Go's `typ.Hasher(key, m.seed)`), an `eq` closure for key equality, and, where
//! entries move (grow, split, the small map becoming a table, reserve, shrink), a
//! `hasher: &impl Fn(&K) -> u64`. Go draws a new seed on `Clear` and when a delete empties the
//! map; the seed belongs to the caller's hasher, so that is the caller's to do.
//!
//! **Panics.** Every grow hashes all the entries it will move before it moves any, so a
//! panicking hasher leaves the map as it was; a panicking `eq` happens before any change; a
//! panicking drop (in `clear`, `delete` callers, or `Drop`) still drops every other entry
//! once. Nothing is dropped twice and no group array is leaked.
//!
//! **Differences from Go** (all outside what a Go map's structure shows):
//! - A replaced table is freed at once (Go keeps it for iterators, marked `index = -1`), so a
//!   `RawIter` is only specified for a map that is not grown while it runs (removals are fine).
//! - Go's `writing` flag is reported as 0: `&mut` excludes concurrent writes.
//! - Go's `table.index` of a stale table is -1; tables here are never stale, so it is a `usize`.
//! - A type aligned to more than 8 bytes (Go has none) starts slot 0 at its alignment.
//! - `reserve`, `shrink_to` and `clone_with` have no Go counterpart; see their docs.
//! - On an update, Go stores the new key over the old one for keys whose equal values can
//!   differ in bytes (`NeedKeyUpdate`: floats, strings; `table.go`, PutSlot's
//!   `typedmemmove(typ.Key, slotKey, key)`). The engine keeps the old key, as std's `insert`
//!   does; a caller that wants Go's behaviour can write it through `SwissTable::slot_ptrs`.
//! - Go's fast paths for small maps of 4- and 8-byte and string keys (`mapaccess1_fast64`...)
//!   compare keys without hashing; `find` always takes a hash. Same answer, same layout.
//! - The directory keeps, per entry, a copy of its table's group array address (`hot`), so a
//!   lookup goes directory -> groups instead of directory -> table -> groups.
//! - Go's compiler may give a map that does not escape a group on the stack before its first
//!   insert; a twin comparing `dirPtr != nil` must allow for it.
//!
//! **Speed.** A hit costs about what hashbrown's does (1.0x to 1.6x with the same hasher on
//! this machine, noisy; `tests/swiss_engine.rs` has the timing). A miss costs more (2x to 3.5x):
//! it probes until a group with an empty slot, and Go's 8-slot groups at 7/8 load have none
//! far more often than hashbrown's 16-slot ones. That is Go's design, kept.
//!
//! # How it is checked against Go
//!
//! `tests.rs` walks Go's rules one by one (the small map becoming a table, doubling, splits
//! and directory doubling, tombstones, growthLeft, clear, NewMap's hints, iteration order),
//! ports Go's own `TestTableGroupCount`, and compares with std's `HashMap` at random. Its
//! `go_twin` test replays 6000 operations that were also run in Go 1.24.11's runtime
//! (`internal/runtime/maps` with its hash function replaced, through `go test -overlay`; the Go
//! side is in `src/swiss/testdata/`) and finds the same header, directory, tables, control
//! words, slots and iteration orders after every 97th operation.
//!
//! # Where the unsafe code is
//!
//! Only `group.rs` (the group array: allocation, slot reads and writes, each checked against
//! the control byte; the directory's copy of a group array's address and the lookup through
//! it) and `map.rs` (the `Slot` accessors, the lookup's unchecked directory read, and
//! `Send`/`Sync` for the handles); `engine.rs` (the API layer's `Engine` for `SwissTable`)
//! forwards the raw API's contracts. `table.rs`, `iter.rs` and `raw.rs` have no `unsafe` at
//! all (they deny it, so the compiler checks). `tests.rs` and `raw_api_tests.rs` call the
//! engine's `unsafe fn`s, as the API layer (`src/api`, through `engine.rs`) does.
//!
//! # Where Go's functions are
//!
//! | Go (`internal/runtime/maps`) | gomap | file |
//! |---|---|---|
//! | `Map` | `SwissTable` (`dirPtr`/`dirLen` = `small` or `dir` + `tables`) | `map.rs` |
//! | `NewMap`, `NewEmptyMap` | `SwissTable::with_hint`, `SwissTable::new` | `map.rs` |
//! | `h1`, `h2` | `h1`, `h2` | `mod.rs` |
//! | `directoryIndex`, `directoryAt` | `SwissTable::directory_index`, `directory_at` (plus `hot`, a per-entry copy of each table's group array address, not in Go) | `map.rs` |
//! | `replaceTable`, `installTableSplit` | `replace_table`, `install_table_split` | `map.rs` |
//! | `getWithKey`, `getWithoutKey`, `mapaccess*` | `SwissTable::find` → `table.get_with_key` | `map.rs`, `table.rs` |
//! | `getWithKeySmall` | `get_with_key_small` | `map.rs` |
//! | (teaching) a lookup that reports each group and compare | `SwissMap::trace_lookup`, through `find_observed` and the `hooks::Observer` the lookup calls | `traced.rs`, `hooks.rs` |
//! | `PutSlot`, `mapassign*` | `SwissTable::find_or_vacancy` → `table.put_slot`, then `SwissTable::insert_at` (`insert_vacant`) | `map.rs`, `table.rs` |
//! | `putSlotSmall` | `put_slot_small` | `map.rs` |
//! | `growToSmall`, `growToTable` | `grow_to_small`, `grow_to_table` | `map.rs` |
//! | `table.rehash`, `grow`, `split` | `rehash`, `grow`, `split` (methods of `SwissTable` taking a table id) | `map.rs` |
//! | `localDepthMask` | `local_depth_mask` | `map.rs` |
//! | `table.uncheckedPutSlot` | `Table::unchecked_put_slot` | `table.rs` |
//! | `Delete`, `deleteSmall`, `table.Delete` | `SwissTable::delete` (small case inline), `Table::delete` → `Table::remove_slot`; `SwissTable::remove_at` | `map.rs`, `table.rs` |
//! | `table.tombstones` | `Table::tombstones` | `table.rs` |
//! | `pruneTombstones` | not in Go 1.24.11 | — |
//! | `Clear`, `clearSmall`, `table.Clear` | `SwissTable::clear`, `Table::clear_counts` + `GroupArray::clear` | `map.rs`, `table.rs`, `group.rs` |
//! | `newTable`, `table.reset`, `resetGrowthLeft` | `Table::new_table`, `reset_growth_left` | `table.rs` |
//! | `probeSeq`, `makeProbeSeq`, `next` | `ProbeSeq::new`, `ProbeSeq::next` | `table.rs` |
//! | `table` | `Table` | `table.rs` |
//! | `ctrlGroup.matchH2`, `matchEmpty`, `matchEmptyOrDeleted`, `matchFull` | `match_h2`, `match_empty`, `match_empty_or_deleted`, `match_full` | `group.rs` |
//! | `bitset.first`, `removeFirst`, `removeBelow`; `ctrlGroup.get` | `first`, `remove_first`, `remove_below`; `ctrl_get` | `group.rs` |
//! | `groupsReference`, `newGroups`, `groupReference.key`/`elem` | `GroupArray`, `GroupArray::new`, `slot_key`/`slot_elem` | `group.rs` |
//! | `SwissMapType.SlotSize`, `ElemOff`, `GroupSize`, `IndirectKey`/`IndirectElem` | `Shape` | `group.rs` |
//! | `Iter`, `Iter.Init`, `Iter.Next`, `nextDirIdx` | `RawIter`, `RawIter::init` / `RawIter::init_at`, `RawIter::next` | `iter.rs` |
//! | `checkInvariants` | `SwissTable::check_invariants` | `map.rs` |

mod engine;
mod group;
#[deny(unsafe_code)]
mod hooks;
#[deny(unsafe_code)]
mod iter;
mod map;
#[deny(unsafe_code)]
pub mod raw;
#[cfg(test)]
mod raw_api_tests;
#[deny(unsafe_code)]
mod table;
#[cfg(test)]
mod tests;
#[deny(unsafe_code)]
pub mod traced;

#[allow(unused_imports)]
pub(crate) use iter::RawIter;
#[allow(unused_imports)]
pub(crate) use map::{Slot, SwissTable, Vacancy};

use crate::api::{self, Map};
use crate::RandomState;

/// The error of a fallible allocation: the same type as the classic map's.
pub(crate) type AllocError = crate::map::TryReserveError;

/// Go 1.24's Swiss table map with std's `HashMap` API: groups of 8 slots behind a control
/// word, tables of up to 1,024 slots that split, a directory over them. See the
/// [module docs](self) for the design.
///
/// Its API is the shared layer [`Map`] over the Swiss engine, the same as
/// [`GoMap`](crate::GoMap)'s; [`stats`](Map::stats) and [`raw`](Map::raw) are its own.
///
/// ```
/// use gomap::SwissMap;
/// let mut m = SwissMap::new();
/// m.insert("gopher", 1);
/// assert_eq!(m.get("gopher"), Some(&1));
/// assert!(m.stats().small); // up to 8 entries live in one group, with no table
/// ```
pub type SwissMap<K, V, S = RandomState> = Map<K, V, S, SwissTable<K, V>>;

/// The entry for a key in a [`SwissMap`], from [`SwissMap::entry`](Map::entry).
pub type Entry<'a, K, V> = api::Entry<'a, K, V, SwissTable<K, V>>;
/// An occupied entry of a [`SwissMap`].
pub type OccupiedEntry<'a, K, V> = api::OccupiedEntry<'a, K, V, SwissTable<K, V>>;
/// A vacant entry of a [`SwissMap`].
pub type VacantEntry<'a, K, V> = api::VacantEntry<'a, K, V, SwissTable<K, V>>;
/// An iterator over `(&K, &V)` of a [`SwissMap`], in Go's `Iter.Next` order.
pub type Iter<'a, K, V, S = RandomState> = api::Iter<'a, K, V, S, SwissTable<K, V>>;
/// An iterator over `(&K, &mut V)` of a [`SwissMap`].
pub type IterMut<'a, K, V, S = RandomState> = api::IterMut<'a, K, V, S, SwissTable<K, V>>;
/// An iterator over the keys of a [`SwissMap`].
pub type Keys<'a, K, V, S = RandomState> = api::Keys<'a, K, V, S, SwissTable<K, V>>;
/// An iterator over the values of a [`SwissMap`].
pub type Values<'a, K, V, S = RandomState> = api::Values<'a, K, V, S, SwissTable<K, V>>;
/// An iterator over mutable values of a [`SwissMap`].
pub type ValuesMut<'a, K, V, S = RandomState> = api::ValuesMut<'a, K, V, S, SwissTable<K, V>>;
/// An owning iterator over `(K, V)` of a [`SwissMap`].
pub type IntoIter<K, V> = api::IntoIter<K, V, SwissTable<K, V>>;
/// An owning iterator over the keys of a [`SwissMap`].
pub type IntoKeys<K, V> = api::IntoKeys<K, V, SwissTable<K, V>>;
/// An owning iterator over the values of a [`SwissMap`].
pub type IntoValues<K, V> = api::IntoValues<K, V, SwissTable<K, V>>;
/// A draining iterator of a [`SwissMap`].
pub type Drain<'a, K, V> = api::Drain<'a, K, V, SwissTable<K, V>>;
/// The iterator of [`SwissMap::extract_if`](Map::extract_if).
pub type ExtractIf<'a, K, V, F> = api::ExtractIf<'a, K, V, F, SwissTable<K, V>>;

impl<K, V, S> SwissMap<K, V, S> {
    /// Go's `Map` header fields: `used`, `dirLen`, `globalDepth`, `globalShift`, `writing`,
    /// `clearSeq`, and whether the map is small (one group, no table).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::SwissMap;
    /// let mut m = SwissMap::new();
    /// for i in 0..100u64 {
    ///     m.insert(i, i);
    /// }
    /// let h = m.stats();
    /// assert_eq!(h.used, 100);
    /// assert!(!h.small && h.dir_len >= 1);
    /// ```
    pub fn stats(&self) -> raw::Header {
        self.table.view().header()
    }

    /// A read-only view of the insides: the header, the directory, each table's fields, each
    /// group's control word and slots ([`raw`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::SwissMap;
    /// let m: SwissMap<u64, u64> = (0..3).map(|i| (i, i)).collect();
    /// let view = m.raw();
    /// let group = view.small_group().expect("a small map has its group");
    /// assert_eq!(group.slots().iter().flatten().count(), 3);
    /// ```
    pub fn raw(&self) -> raw::SwissView<'_, K, V> {
        self.table.view()
    }

    /// An iterator that starts where Go's `Iter.Init` would with the random draws
    /// `dir_offset` and `entry_offset`: for replaying an order a Go process produced.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::SwissMap;
    /// let m: SwissMap<u64, u64> = (0..5).map(|i| (i, i)).collect();
    /// let a: Vec<_> = m.iter_at(7, 3).collect();
    /// let b: Vec<_> = m.iter_at(7, 3).collect();
    /// assert_eq!(a, b);
    /// assert_eq!(a.len(), 5);
    /// ```
    pub fn iter_at(&self, dir_offset: u64, entry_offset: u64) -> Iter<'_, K, V, S> {
        let cursor = engine::cursor_at(&self.table, dir_offset, entry_offset);
        api::Iter::from_cursor(&self.table, cursor, self.erased_hasher())
    }
}

/// Slots per group (Go's `abi.SwissMapGroupSlots`).
pub const GROUP_SLOTS: usize = 8;
/// Control byte of an empty slot (Go's `ctrlEmpty`).
pub const CTRL_EMPTY: u8 = 0b1000_0000;
/// Control byte of a deleted slot, a tombstone (Go's `ctrlDeleted`).
pub const CTRL_DELETED: u8 = 0b1111_1110;
/// Slots of 8 a table fills before it rehashes (Go's `maxAvgGroupLoad`).
pub const MAX_AVG_GROUP_LOAD: u16 = 7;
/// Largest table before it splits (Go's `maxTableCapacity`).
pub const MAX_TABLE_CAPACITY: usize = 1024;
/// Keys larger than this many bytes are stored boxed (Go's `abi.SwissMapMaxKeyBytes`).
pub const MAX_KEY_SIZE: usize = 128;
/// Values larger than this many bytes are stored boxed (Go's `abi.SwissMapMaxElemBytes`).
pub const MAX_ELEM_SIZE: usize = 128;
/// Go's `maxAlloc` on 64-bit Linux (2^48), which bounds NewMap's hint.
pub(crate) const MAX_ALLOC: u64 = 1 << 48;

/// Go's `h1`: the upper 57 bits of the hash, which choose where probing starts.
///
/// ```
/// assert_eq!(gomap::swiss::h1(0xff), 1);
/// ```
#[inline(always)]
pub fn h1(hash: u64) -> u64 {
    hash >> 7
}

/// Go's `h2`: the low 7 bits of the hash, stored in a full slot's control byte.
///
/// ```
/// assert_eq!(gomap::swiss::h2(0xff), 0x7f);
/// ```
#[inline(always)]
pub fn h2(hash: u64) -> u8 {
    (hash & 0x7f) as u8
}
