//! The engine against Go's rules, step by step, and against std's HashMap at random.

use super::raw::CtrlState;
use super::*;
use core::cell::Cell;
use core::hash::BuildHasher;
use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// A well-mixed hash (splitmix64's finalizer).
pub(crate) fn mix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A typed map over the engine, the way an API layer drives it.
pub(crate) struct M<K, V, H> {
    pub(crate) t: SwissTable<K, V>,
    pub(crate) h: H,
}

impl<K: Eq, V, H: Fn(&K) -> u64> M<K, V, H> {
    pub(crate) fn new(h: H) -> Self {
        M { t: SwissTable::new(), h }
    }
    pub(crate) fn with_hint(hint: usize, h: H) -> Self {
        M { t: SwissTable::with_hint(hint).unwrap(), h }
    }
    pub(crate) fn insert(&mut self, k: K, v: V) -> Option<V> {
        let hash = (self.h)(&k);
        match self.t.find_or_vacancy(hash, |x| *x == k, &self.h) {
            // SAFETY: fresh slot from this map.
            Ok(s) => Some(core::mem::replace(unsafe { self.t.value_mut(s) }, v)),
            Err(vac) => {
                // SAFETY: fresh vacancy for `k`.
                unsafe { self.t.insert_at(vac, k, v) };
                None
            }
        }
    }
    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        let s = self.t.find((self.h)(k), |x| x == k)?;
        // SAFETY: fresh slot from this map.
        Some(unsafe { self.t.value(s) })
    }
    pub(crate) fn remove(&mut self, k: &K) -> Option<V> {
        self.t.delete((self.h)(k), |x| x == k).map(|(_, v)| v)
    }
    pub(crate) fn check(&self) {
        self.t.check_invariants(&self.h);
    }
    /// Keys in iteration order from a chosen start.
    pub(crate) fn keys_from(&self, dir_offset: u64, entry_offset: u64) -> Vec<&K> {
        let mut it = RawIter::init_at(&self.t, dir_offset, entry_offset);
        let mut out = Vec::new();
        while let Some(s) = it.next(&self.t) {
            // SAFETY: fresh slot; the map is not written during the walk.
            out.push(unsafe { self.t.key(s) });
        }
        out
    }
}

fn good() -> M<u64, u64, impl Fn(&u64) -> u64> {
    M::new(|k: &u64| mix(*k))
}

/// A hash with a chosen group start and h2: h1 = `group`, h2 = `h2`, top bits from `top`.
fn crafted(top: u64, group: u64, h2: u64) -> u64 {
    top << 60 | group << 7 | h2
}

#[test]
fn small_map_becomes_a_table_at_the_ninth_insert() {
    let mut m = good();
    assert!(!m.t.view().header().allocated);
    assert_eq!(m.t.allocated_bytes(), 0);
    for k in 0..8 {
        m.insert(k, k);
        let h = m.t.view().header();
        assert!(h.small && h.allocated);
        assert_eq!((h.used, h.dir_len, h.global_depth, h.global_shift), (k + 1, 0, 0, 0));
    }
    // The group's slots fill in order, each byte the key's h2.
    let g = m.t.view().small_group().unwrap();
    for k in 0..8u64 {
        assert_eq!(g.ctrl_byte(k as usize), h2(mix(k)));
        assert_eq!(g.slot(k as usize), Some((&k, &k)));
    }
    m.check();
    m.insert(8, 8);
    let v = m.t.view();
    let h = v.header();
    assert!(!h.small);
    assert_eq!((h.used, h.dir_len, h.global_depth, h.global_shift), (9, 1, 0, 64));
    let t = &v.tables()[0];
    assert_eq!(
        (t.capacity(), t.used(), t.growth_left(), t.local_depth(), t.index()),
        (16, 9, 5, 0, 0)
    );
    assert!(v.small_group().is_none());
    m.check();
    for k in 0..9 {
        assert_eq!(m.get(&k), Some(&k));
    }
}

#[test]
fn updating_a_key_of_a_full_small_map_still_grows_it() {
    let mut m = good();
    for k in 0..8 {
        m.insert(k, k);
    }
    // Go's PutSlot grows to a table before looking (its TODO says so).
    assert_eq!(m.insert(3, 30), Some(3));
    assert_eq!(m.t.view().header().dir_len, 1);
    assert_eq!(m.t.len(), 8);
    m.check();
}

#[test]
fn small_map_deletes_leave_empty_slots_and_reuse_them() {
    let mut m = good();
    for k in 0..8 {
        m.insert(k, k);
    }
    assert_eq!(m.remove(&2), Some(2));
    assert_eq!(m.remove(&2), None);
    let g = m.t.view().small_group().unwrap();
    assert_eq!(g.state(2), CtrlState::Empty);
    m.insert(100, 1);
    let g = m.t.view().small_group().unwrap();
    assert_eq!(g.slot(2), Some((&100, &1)));
    assert!(m.t.view().header().small);
    m.check();
}

/// Capacity after n inserts of well-mixed keys into one table: 16 holds 14, 32 holds 28...
#[test]
fn tables_double_up_to_1024_then_split() {
    let mut m = good();
    let mut caps = Vec::new();
    for k in 0..896u64 {
        m.insert(k, k);
        let v = m.t.view();
        if v.header().dir_len == 1 {
            let t = &v.tables()[0];
            if caps.last().map(|c: &(u64, u16)| c.1) != Some(t.capacity()) {
                caps.push((k, t.capacity()));
            }
        }
    }
    // The 9th insert (key 8) makes the table; then a table of c slots holds c * 7/8 and the
    // next insert doubles it.
    assert_eq!(caps, [(8, 16), (14, 32), (28, 64), (56, 128), (112, 256), (224, 512), (448, 1024)]);
    let caps: Vec<u16> = caps.iter().map(|c| c.1).collect();
    assert_eq!(caps, [16, 32, 64, 128, 256, 512, 1024]);
    // 896 = 1024 * 7/8 entries fill the largest table exactly.
    let v = m.t.view();
    assert_eq!(v.tables()[0].growth_left(), 0);
    assert_eq!(v.header().global_depth, 0);
    m.insert(896, 0);
    let v = m.t.view();
    let h = v.header();
    assert_eq!((h.dir_len, h.global_depth, h.global_shift), (2, 1, 63));
    assert_eq!(v.directory(), [0, 1]);
    let ts = v.tables();
    for (i, t) in ts.iter().enumerate() {
        assert_eq!((t.capacity(), t.local_depth(), t.index()), (1024, 1, i));
    }
    assert_eq!(ts[0].used() + ts[1].used(), 897);
    // Left holds the hashes with top bit 0.
    for k in 0..=896u64 {
        let side = usize::from(mix(k) >> 63 == 1);
        assert!(ts[side].groups().any(|g| g.slots().iter().any(|s| s.map(|s| *s.0) == Some(k))));
    }
    m.check();
}

#[test]
fn split_doubles_the_directory_only_when_local_depth_is_global_depth() {
    // Hashes with the top bit clear: everything lands left of the first split.
    let mut m = M::new(|k: &u64| mix(*k) >> 1);
    for k in 0..896 {
        m.insert(k, k);
    }
    assert_eq!(m.t.view().header().dir_len, 1);
    // The 897th insert splits the full table; the left half gets all 896 entries (no top
    // bit set), so the retried insert finds it full too and splits it again:
    // localDepth 1 == globalDepth 1, so the directory doubles first, and the right table
    // (split once) now fills two entries.
    m.insert(896, 896);
    let v = m.t.view();
    let h = v.header();
    assert_eq!((h.global_depth, h.global_shift), (2, 62));
    assert_eq!(v.directory(), [0, 1, 2, 2]);
    let ts = v.tables();
    let fields: Vec<_> = ts.iter().map(|t| (t.index(), t.local_depth(), t.capacity())).collect();
    assert_eq!(fields, [(0, 2, 1024), (1, 2, 1024), (2, 1, 1024)]);
    assert_eq!(ts[2].used(), 0, "nothing has the top bit set");
    m.check();
    // Now grow the untouched right table: a split with localDepth 1 < globalDepth 2 must not
    // double the directory again.
    let mut m2 = M::new(|k: &u64| mix(*k) | 1 << 63);
    let mut j = 0;
    // Same construction mirrored: everything has the top bit set.
    while m2.t.view().header().dir_len < 4 {
        m2.insert(j, j);
        j += 1;
    }
    assert_eq!(m2.t.view().directory(), [0, 0, 1, 2]);
    let ts = m2.t.view().tables();
    let fields: Vec<_> = ts.iter().map(|t| (t.index(), t.local_depth())).collect();
    assert_eq!(fields, [(0, 1), (2, 2), (3, 2)]);
    m2.check();
}

#[test]
fn split_of_a_shallow_table_keeps_the_directory() {
    // Top bits 1x first (right side splits, directory to 4), then keys with top bit 0 until
    // the left table (localDepth 1, two entries) splits: directory stays 4 long.
    let mut m = M::new(|k: &u64| {
        let h = mix(*k);
        if *k >= 1 << 32 {
            h & !(1 << 63)
        } else {
            h | 1 << 63
        }
    });
    let mut k = 0u64;
    while m.t.view().header().dir_len < 4 {
        m.insert(k, k);
        k += 1;
    }
    assert_eq!(m.t.view().directory(), [0, 0, 1, 2]);
    let mut j = 1u64 << 32;
    while m.t.view().tables().len() < 4 {
        m.insert(j, j);
        j += 1;
        assert_eq!(m.t.view().header().dir_len, 4);
    }
    let v = m.t.view();
    assert_eq!(v.directory(), [0, 1, 2, 3]);
    let f: Vec<_> = v.tables().iter().map(|t| (t.index(), t.local_depth())).collect();
    assert_eq!(f, [(0, 2), (1, 2), (2, 2), (3, 2)]);
    m.check();
}

#[test]
fn tombstones_only_in_full_groups_and_reused_first() {
    // Two groups (capacity 16). Keys 0..8 all start at group 0 and fill it; 8..10 start at
    // group 1.
    let hash =
        |k: &u64| if *k < 8 || *k >= 100 { crafted(0, 0, *k & 0x7f) } else { crafted(0, 1, *k) };
    let mut m = M::with_hint(9, hash);
    for k in 0..10 {
        m.insert(k, k);
    }
    let t = |m: &M<u64, u64, _>| {
        let v = m.t.view();
        let t = &v.tables()[0];
        (t.used(), t.growth_left(), t.tombstones())
    };
    assert_eq!(t(&m), (10, 4, 0));
    // Group 0 is full: deleting from it leaves a tombstone, growthLeft unchanged.
    m.remove(&3);
    assert_eq!(m.t.view().tables()[0].group(0).state(3), CtrlState::Deleted);
    assert_eq!(t(&m), (9, 4, 1));
    // Group 1 has empty slots: deleting from it leaves an empty slot, growthLeft back.
    m.remove(&8);
    assert_eq!(m.t.view().tables()[0].group(1).state(0), CtrlState::Empty);
    assert_eq!(t(&m), (8, 5, 1));
    // Lookups step over the tombstone.
    assert_eq!(m.get(&7), Some(&7));
    // A new key probing from group 0 takes the tombstone, spending no growthLeft.
    m.insert(100, 1);
    assert_eq!(m.t.view().tables()[0].group(0).slot(3), Some((&100, &1)));
    assert_eq!(m.t.view().tables()[0].group(0).ctrl_byte(3), 100);
    assert_eq!(t(&m), (9, 5, 0));
    m.check();
    // An existing key past a tombstone is updated in place, not duplicated.
    m.remove(&0);
    assert_eq!(m.insert(7, 70), Some(7));
    assert_eq!(t(&m), (8, 5, 1));
    m.check();
}

#[test]
fn tombstones_count_against_growth_and_a_grow_drops_them() {
    // Everything starts at group 0 of a 2-group table.
    let mut m = M::with_hint(9, |k: &u64| crafted(0, 0, *k & 0x7f));
    for k in 0..14 {
        m.insert(k, k);
    }
    assert_eq!(m.t.view().tables()[0].growth_left(), 0);
    // Group 0 (keys 0..8) is full: these leave tombstones.
    for k in 0..3 {
        m.remove(&k);
    }
    let v = m.t.view();
    assert_eq!((v.tables()[0].tombstones(), v.tables()[0].growth_left()), (3, 0));
    // Three inserts reuse the tombstones without a grow.
    for k in 20..23 {
        m.insert(k, k);
    }
    assert_eq!(m.t.view().tables()[0].capacity(), 16);
    // Group 0 is full again: a tombstone. Group 1 has empty slots: an empty slot, and
    // growthLeft back.
    m.remove(&20);
    m.remove(&13);
    let v = m.t.view();
    assert_eq!((v.tables()[0].tombstones(), v.tables()[0].growth_left()), (1, 1));
    assert_eq!(v.tables()[0].group(1).state(5), CtrlState::Empty);
    // The tombstone is reused first (growthLeft stays 1)...
    m.insert(30, 30);
    assert_eq!(m.t.view().tables()[0].group(0).slot(0), Some((&30, &30)));
    assert_eq!(m.t.view().tables()[0].growth_left(), 1);
    // ...then the empty slot spends the last growthLeft...
    m.insert(31, 31);
    assert_eq!(m.t.view().tables()[0].capacity(), 16);
    // ...and the next insert finds no room: the table doubles, dropping tombstones.
    m.insert(32, 32);
    let v = m.t.view();
    let t = &v.tables()[0];
    assert_eq!((t.capacity(), t.used(), t.tombstones(), t.growth_left()), (32, 15, 0, 13));
    m.check();
}

#[test]
fn clear_resets_what_go_resets() {
    let mut m = good();
    for k in 0..3000 {
        m.insert(k, k);
    }
    for k in (0..3000).step_by(3) {
        m.remove(&k);
    }
    let before = m.t.view();
    let dir = before.directory();
    let shape: Vec<_> =
        before.tables().iter().map(|t| (t.capacity(), t.local_depth(), t.index())).collect();
    let h0 = before.header();
    m.t.clear();
    let v = m.t.view();
    let h = v.header();
    assert_eq!(h.used, 0);
    assert_eq!(h.clear_seq, h0.clear_seq + 1);
    assert_eq!(
        (h.dir_len, h.global_depth, h.global_shift),
        (h0.dir_len, h0.global_depth, h0.global_shift)
    );
    assert_eq!(v.directory(), dir);
    for (t, s) in v.tables().iter().zip(&shape) {
        assert_eq!((t.capacity(), t.local_depth(), t.index()), *s);
        assert_eq!((t.used(), t.tombstones()), (0, 0));
        assert_eq!(t.growth_left(), t.capacity() * 7 / 8);
        assert!(t.groups().all(|g| g.ctrl() == 0x8080_8080_8080_8080));
    }
    // An empty map is left alone: no clearSeq bump.
    m.t.clear();
    assert_eq!(m.t.view().header().clear_seq, h0.clear_seq + 1);
    m.check();
    // Small map.
    let mut s = good();
    s.insert(1, 1);
    s.t.clear();
    let h = s.t.view().header();
    assert_eq!((h.used, h.clear_seq, h.small, h.allocated), (0, 1, true, true));
    assert_eq!(s.t.view().small_group().unwrap().ctrl(), 0x8080_8080_8080_8080);
}

#[test]
fn clear_of_a_map_with_only_tombstones_is_a_no_op() {
    let mut m = M::with_hint(9, |k: &u64| crafted(0, 0, *k & 0x7f));
    for k in 0..8 {
        m.insert(k, k);
    }
    for k in 0..8 {
        m.remove(&k);
    }
    assert_eq!(m.t.view().tables()[0].tombstones(), 8);
    m.t.clear();
    let v = m.t.view();
    assert_eq!((v.header().clear_seq, v.tables()[0].tombstones()), (0, 8));
}

#[test]
fn new_map_hint_rules() {
    for hint in 0..=8 {
        let t = SwissTable::<u64, u64>::with_hint(hint).unwrap();
        let h = t.view().header();
        assert!(h.small && !h.allocated, "{hint}");
        assert_eq!(t.allocated_bytes(), 0);
    }
    let shape = |hint: usize| {
        let t = SwissTable::<u64, u64>::with_hint(hint).unwrap();
        let v = t.view();
        let h = v.header();
        let ts: Vec<_> = v
            .tables()
            .iter()
            .map(|t| (t.capacity(), t.local_depth(), t.index(), t.growth_left()))
            .collect();
        (h.dir_len, h.global_depth, h.global_shift, v.directory(), ts)
    };
    assert_eq!(shape(9), (1, 0, 64, vec![0], vec![(16, 0, 0, 14)]));
    // 14 * 8/7 = 16 slots.
    assert_eq!(shape(14).4, vec![(16, 0, 0, 14)]);
    assert_eq!(shape(15).4, vec![(32, 0, 0, 28)]);
    // 896 * 8/7 = 1024: one full-size table.
    assert_eq!(shape(896).4, vec![(1024, 0, 0, 896)]);
    // 897 * 8/7 = 1025: two tables of 512 rounded to 512.
    assert_eq!(shape(897), (2, 1, 63, vec![0, 1], vec![(512, 1, 0, 448), (512, 1, 1, 448)]));
    // 5000 * 8/7 = 5714: ceil(5714/1024) = 6 -> 8 tables of 714 -> 1024.
    let s = shape(5000);
    assert_eq!((s.0, s.1, s.2), (8, 3, 61));
    assert_eq!(s.3, (0..8).collect::<Vec<_>>());
    assert!(s.4.iter().enumerate().all(|(i, t)| *t == (1024, 3, i, 896)));
    // Absurd hints: Go returns an empty map, here an error.
    assert!(SwissTable::<u64, u64>::with_hint(usize::MAX).is_err());
    assert!(SwissTable::<u64, u64>::with_hint(1 << 50).is_err());
    // The capacity covers the hint.
    for hint in [9, 10, 50, 100, 896, 1000, 3000, 10_000] {
        let t = SwissTable::<u64, u64>::with_hint(hint).unwrap();
        assert!(t.capacity() >= hint, "{hint}");
    }
    // Go's rounding: 897 * 8/7 = 1025 slots in two tables is 512 each, room for 896.
    assert_eq!(SwissTable::<u64, u64>::with_hint(897).unwrap().capacity(), 896);
    // reserve always makes its room.
    let mut t = SwissTable::<u64, u64>::new();
    t.reserve(897, &|k| mix(*k)).unwrap();
    assert!(t.capacity() >= 897);
}

#[test]
fn a_hinted_map_fills_without_growing() {
    let mut m = M::with_hint(5000, |k: &u64| mix(*k));
    let before: Vec<_> = m.t.view().tables().iter().map(|t| t.capacity()).collect();
    for k in 0..5000 {
        m.insert(k, k);
    }
    let after: Vec<_> = m.t.view().tables().iter().map(|t| t.capacity()).collect();
    assert_eq!(before, after);
    m.check();
}

/// Every entry exactly once, from every start.
#[test]
fn iteration_visits_each_entry_once_from_every_start() {
    for n in [0u64, 1, 5, 8, 9, 30, 900, 2500] {
        let mut m = good();
        for k in 0..n {
            m.insert(k, k);
        }
        for k in (0..n).step_by(4) {
            m.remove(&k);
        }
        let want: HashSet<u64> = (0..n).filter(|k| k % 4 != 0).collect();
        let dir_len = m.t.view().header().dir_len.max(1) as u64;
        let entry_offsets: Vec<u64> =
            if n > 100 { vec![0, 1, 7, 8, 1023, u64::MAX] } else { (0..17).collect() };
        for d in 0..dir_len * 2 + 1 {
            for &e in &entry_offsets {
                let got = m.keys_from(d, e);
                assert_eq!(got.len(), want.len(), "n {n} d {d} e {e}");
                assert_eq!(got.iter().map(|k| **k).collect::<HashSet<_>>(), want);
            }
        }
    }
}

/// Go's order, written out the plain way: tables from the run holding dirOffset, slots from
/// entryOffset, wrapping.
#[test]
fn iteration_order_is_gos() {
    let mut m = M::new(|k: &u64| mix(*k) >> 1);
    for k in 0..2500 {
        m.insert(k, k);
    }
    for k in (0..2500).step_by(7) {
        m.remove(&k);
    }
    let v = m.t.view();
    let dir = v.directory();
    let tables = v.tables();
    assert!(tables.len() >= 3 && dir.len() > tables.len(), "runs of several entries");
    for (d, e) in [(0u64, 0u64), (1, 5), (2, 13), (3, 1000), (7, u64::MAX - 3), (u64::MAX, 12345)] {
        let mut want = Vec::new();
        let mut idx = (d & (dir.len() as u64 - 1)) as usize;
        // Back to the first entry of the run.
        idx = tables[dir[idx]].index();
        let mut seen = 0;
        while seen < dir.len() {
            let t = &tables[dir[idx % dir.len()]];
            let mask = u64::from(t.capacity()) - 1;
            for j in 0..=mask {
                let p = (j.wrapping_add(e)) & mask;
                if let Some((k, _)) = t.group((p >> 3) as usize).slot((p & 7) as usize) {
                    want.push(*k);
                }
            }
            let run = 1 << (v.header().global_depth - t.local_depth());
            idx += run;
            seen += run;
        }
        let got: Vec<u64> = m.keys_from(d, e).into_iter().copied().collect();
        assert_eq!(got, want, "d {d} e {e}");
    }
    // Small map: (i + entryOffset) % 8.
    let mut s = good();
    for k in 0..6 {
        s.insert(k, k);
    }
    s.remove(&2);
    assert_eq!(s.keys_from(99, 3).into_iter().copied().collect::<Vec<_>>(), [3, 4, 5, 0, 1]);
}

/// `fold` (the whole-walk loop behind `Iterator::fold`, `for_each`, `sum`, ...) yields the
/// slots `next` does, in the same order, from every start and after any number of `next`s.
#[test]
fn fold_yields_what_next_yields() {
    for n in [0u64, 3, 8, 9, 200, 3000] {
        let mut m = M::new(|k: &u64| mix(*k) >> 1);
        for k in 0..n {
            m.insert(k, k);
        }
        for k in (0..n).step_by(5) {
            m.remove(&k);
        }
        for (d, e) in [(0u64, 0u64), (1, 5), (3, 13), (5, 1023), (u64::MAX, 7), (2, u64::MAX)] {
            let all = m.keys_from(d, e);
            for skip in [0, 1, 7, all.len() / 2, all.len()] {
                let mut it = RawIter::init_at(&m.t, d, e);
                for _ in 0..skip {
                    it.next(&m.t);
                }
                let rest = it.fold(&m.t, Vec::new(), |mut v, s| {
                    // SAFETY: a slot of the unchanged map.
                    v.push(unsafe { m.t.key(s) });
                    v
                });
                assert_eq!(rest, all[skip.min(all.len())..], "n {n} d {d} e {e} skip {skip}");
            }
        }
    }
}

#[test]
fn deleting_during_iteration_yields_each_entry_once() {
    for n in [6u64, 100, 3000] {
        let mut m = good();
        for k in 0..n {
            m.insert(k, k);
        }
        let mut it = RawIter::init(&m.t);
        let mut seen = HashSet::new();
        while let Some(s) = it.next(&m.t) {
            // SAFETY: fresh slot.
            let k = unsafe { *m.t.key(s) };
            assert!(seen.insert(k), "{k} twice");
            if k % 3 != 0 {
                // SAFETY: fresh slot, removed once (what retain and extract_if do).
                let (rk, _) = unsafe { m.t.remove_at(s) };
                assert_eq!(rk, k);
            } else if k % 2 == 0 {
                // Deleting some other entry, not yet visited or already visited.
                m.remove(&(k + 1));
            }
        }
        for k in 0..n {
            assert_eq!(m.get(&k).is_some(), k % 3 == 0, "{k}");
        }
        m.check();
    }
}

#[test]
fn reserve_and_shrink() {
    let mut m = good();
    m.t.reserve(5, &m.h).unwrap();
    assert!(m.t.view().header().allocated && m.t.view().header().small);
    m.t.reserve(3000, &m.h).unwrap();
    assert!(m.t.capacity() >= 3000);
    let caps: Vec<_> = m.t.view().tables().iter().map(|t| t.capacity()).collect();
    for k in 0..2000 {
        m.insert(k, k);
    }
    m.check();
    for k in 0..1990 {
        m.remove(&k);
    }
    let before = m.t.allocated_bytes();
    m.t.shrink_to(0, &m.h).unwrap();
    assert!(m.t.allocated_bytes() < before);
    // 10 entries: NewMap(10), one 16-slot table.
    let v = m.t.view();
    assert_eq!((v.header().dir_len, v.tables()[0].capacity()), (1, 16));
    assert_eq!(m.t.len(), 10);
    for k in 1990..2000 {
        assert_eq!(m.get(&k), Some(&k));
    }
    m.check();
    m.t.shrink_to(0, &m.h).unwrap();
    for k in 1990..2000 {
        m.remove(&k);
    }
    m.t.shrink_to(0, &m.h).unwrap();
    assert_eq!(m.t.allocated_bytes(), 0);
    assert!(!caps.is_empty());
    // A reserve with keys that all land in one table still ends valid.
    let mut c = M::new(|k: &u64| crafted(0, 0, *k & 0x7f));
    for k in 0..50 {
        c.insert(k, k);
    }
    c.t.reserve(5000, &c.h).unwrap();
    c.check();
    assert_eq!(c.t.len(), 50);
}

#[test]
fn clone_has_the_same_layout() {
    let mut m: M<u64, String, _> = M::new(|k: &u64| mix(*k));
    for k in 0..2000 {
        m.insert(k, k.to_string());
    }
    for k in (0..2000).step_by(5) {
        m.remove(&k);
    }
    let c = M { t: m.t.clone_with(|k, v| (*k, v.clone())), h: |k: &u64| mix(*k) };
    let (a, b) = (m.t.view(), c.t.view());
    assert_eq!(a.header(), b.header());
    assert_eq!(a.directory(), b.directory());
    for (x, y) in a.tables().iter().zip(b.tables().iter()) {
        assert_eq!(
            (x.used(), x.capacity(), x.growth_left(), x.local_depth(), x.index()),
            (y.used(), y.capacity(), y.growth_left(), y.local_depth(), y.index())
        );
        for (g, h) in x.groups().zip(y.groups()) {
            assert_eq!(g.ctrl(), h.ctrl());
            assert_eq!(g.slots(), h.slots());
        }
    }
    c.check();
}

/// A value that counts its drops, and can panic in drop.
struct D {
    drops: Rc<Cell<usize>>,
    panic: bool,
}

impl Drop for D {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
        if self.panic {
            panic!("drop panics");
        }
    }
}

fn d(drops: &Rc<Cell<usize>>, panic: bool) -> D {
    D { drops: drops.clone(), panic }
}

#[test]
fn every_entry_is_dropped_once() {
    let drops = Rc::new(Cell::new(0));
    let mut m2: M<u64, D, _> = M::new(|k: &u64| mix(*k));
    for k in 0..3000 {
        m2.insert(k, d(&drops, false));
    }
    // Replacing a value drops the old one.
    drop(m2.insert(5, d(&drops, false)));
    assert_eq!(drops.get(), 1);
    drop(m2.remove(&6));
    assert_eq!(drops.get(), 2);
    drop(m2);
    assert_eq!(drops.get(), 3001);
}

#[test]
fn a_panicking_drop_in_clear_and_drop_drops_the_rest_once() {
    for small in [true, false] {
        let n = if small { 6 } else { 3000 };
        let drops = Rc::new(Cell::new(0));
        let mut m: M<u64, D, _> = M::new(|k: &u64| mix(*k));
        for k in 0..n {
            m.insert(k, d(&drops, k == n / 2));
        }
        let r = catch_unwind(AssertUnwindSafe(|| m.t.clear()));
        assert!(r.is_err());
        assert_eq!(drops.get(), n as usize);
        assert_eq!(m.t.len(), 0);
        m.check();
        for k in 0..n {
            m.insert(k, d(&drops, k == 1));
        }
        let r = catch_unwind(AssertUnwindSafe(move || drop(m)));
        assert!(r.is_err());
        assert_eq!(drops.get(), 2 * n as usize);
    }
}

#[test]
fn a_panicking_hasher_during_growth_changes_nothing() {
    // The hasher panics on one chosen key: the grow that rehashes it panics, before moving.
    let bad = Rc::new(Cell::new(None::<u64>));
    let b = bad.clone();
    let drops = Rc::new(Cell::new(0));
    let mut made = 0usize;
    let mut m: M<u64, D, _> = M::new(move |k: &u64| {
        if b.get() == Some(*k) {
            panic!("hash panics");
        }
        mix(*k)
    });
    let mut inserted = 0u64;
    let mut panics = 0;
    for _round in 0..6 {
        bad.set(Some(inserted / 2));
        let r = catch_unwind(AssertUnwindSafe(|| {
            let start = inserted;
            for k in start..start + 5000 {
                made += 1;
                m.insert(k, d(&drops, false));
                inserted = k + 1;
            }
        }));
        bad.set(None);
        if r.is_err() {
            panics += 1;
        }
        m.check();
        assert_eq!(m.t.len(), inserted as usize);
        for k in 0..inserted {
            assert!(m.get(&k).is_some(), "{k} lost");
        }
    }
    assert!(panics >= 5, "grows hit the bad key: {panics}");
    drop(m);
    assert_eq!(drops.get(), made);
}

#[test]
fn a_panicking_eq_changes_nothing() {
    let mut m = good();
    for k in 0..100 {
        m.insert(k, k);
    }
    let before: Vec<_> = m.t.view().tables()[0].groups().map(|g| g.ctrl()).collect();
    let h = mix(50);
    let r = catch_unwind(AssertUnwindSafe(|| {
        m.t.find_or_vacancy(h, |_| panic!("eq panics"), &|k: &u64| mix(*k)).ok();
    }));
    assert!(r.is_err());
    let r = catch_unwind(AssertUnwindSafe(|| m.t.delete(h, |_| panic!("eq panics"))));
    assert!(r.is_err());
    let after: Vec<_> = m.t.view().tables()[0].groups().map(|g| g.ctrl()).collect();
    assert_eq!(before, after);
    m.check();
}

#[test]
fn a_dropped_vacancy_leaves_a_valid_map() {
    let mut m = good();
    for k in 0..14 {
        m.insert(k, k);
    }
    // The 15th key makes the table grow before a vacancy is returned.
    let v = m.t.find_or_vacancy(mix(14), |k| *k == 14, &|k: &u64| mix(*k));
    assert!(v.is_err());
    assert_eq!(m.t.view().tables()[0].capacity(), 32);
    m.check();
    assert_eq!(m.t.len(), 14);
}

#[test]
fn big_keys_and_values_are_boxed_and_work() {
    let mut m: M<[u64; 20], [u8; 200], _> = M::new(|k: &[u64; 20]| mix(k[0]));
    for k in 0..100u64 {
        m.insert([k; 20], [k as u8; 200]);
    }
    for k in 0..100u64 {
        assert_eq!(m.get(&[k; 20]).map(|v| v[199]), Some(k as u8));
    }
    for k in 0..50u64 {
        assert_eq!(m.remove(&[k; 20]).map(|v| v[0]), Some(k as u8));
    }
    let c = m.t.clone_with(|k, v| (*k, *v));
    drop(c);
    m.check();
}

#[test]
fn zero_sized_keys_and_values() {
    let mut m: M<(), (), _> = M::new(|_: &()| 42);
    assert_eq!(m.insert((), ()), None);
    assert_eq!(m.insert((), ()), Some(()));
    assert_eq!(m.t.len(), 1);
    assert_eq!(m.remove(&()), Some(()));
    assert_eq!(m.t.len(), 0);
}

mod differential {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
        Get(u16),
        Clear,
        Iterate(u64, u64),
        RetainOdd,
        Reserve(u16),
        Shrink(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            40 => (any::<u16>(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k % 3000, v)),
            15 => any::<u16>().prop_map(|k| Op::Remove(k % 3000)),
            10 => any::<u16>().prop_map(|k| Op::Get(k % 3000)),
            1 => Just(Op::Clear),
            2 => (any::<u64>(), any::<u64>()).prop_map(|(d, e)| Op::Iterate(d, e)),
            1 => Just(Op::RetainOdd),
            1 => any::<u16>().prop_map(|n| Op::Reserve(n % 2000)),
            1 => any::<u16>().prop_map(|n| Op::Shrink(n % 2000)),
        ]
    }

    fn run(ops: &[Op], h: impl Fn(&u64) -> u64) {
        let mut m = M::new(h);
        let mut std: HashMap<u64, u32> = HashMap::new();
        for op in ops {
            match *op {
                Op::Insert(k, v) => {
                    assert_eq!(m.insert(u64::from(k), v), std.insert(u64::from(k), v))
                }
                Op::Remove(k) => assert_eq!(m.remove(&u64::from(k)), std.remove(&u64::from(k))),
                Op::Get(k) => assert_eq!(m.get(&u64::from(k)), std.get(&u64::from(k))),
                Op::Clear => {
                    m.t.clear();
                    std.clear();
                }
                Op::Iterate(d, e) => {
                    let got: HashMap<u64, u32> = {
                        let mut it = RawIter::init_at(&m.t, d, e);
                        let mut out = HashMap::new();
                        while let Some(s) = it.next(&m.t) {
                            // SAFETY: fresh slot.
                            let (k, v) = unsafe { (*m.t.key(s), *m.t.value(s)) };
                            assert!(out.insert(k, v).is_none(), "twice");
                        }
                        out
                    };
                    assert_eq!(got, std);
                }
                Op::RetainOdd => {
                    let mut it = RawIter::init(&m.t);
                    while let Some(s) = it.next(&m.t) {
                        // SAFETY: fresh slot, removed once.
                        if unsafe { *m.t.value(s) } % 2 == 0 {
                            // SAFETY: the slot the cursor just gave, removed once.
                            unsafe { m.t.remove_at(s) };
                        }
                    }
                    std.retain(|_, v| *v % 2 == 1);
                }
                Op::Reserve(n) => {
                    m.t.reserve(n.into(), &m.h).unwrap();
                    assert!(m.t.capacity() >= std.len() + usize::from(n));
                }
                Op::Shrink(n) => m.t.shrink_to(n.into(), &m.h).unwrap(),
            }
            assert_eq!(m.t.len(), std.len());
        }
        m.check();
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 1 } else { 48 }, ..ProptestConfig::default() })]

        #[test]
        fn against_std_well_mixed(ops in proptest::collection::vec(op(), 1..1500)) {
            run(&ops, |k| mix(*k));
        }

        /// hash = (key % 13) << 7: 13 start groups, h2 always 0, top bits 0 (one table side).
        #[test]
        fn against_std_poor_hash(ops in proptest::collection::vec(op(), 1..600)) {
            run(&ops, |k| (k % 13) << 7);
        }

        /// Many h2 clashes and a skewed directory: h2 = key % 3, top bits from few values.
        #[test]
        fn against_std_clashing_hash(ops in proptest::collection::vec(op(), 1..1500)) {
            run(&ops, |k| (mix(*k % 500) & !0x7f) | (k % 3));
        }

        #[test]
        fn against_std_go_hash(ops in proptest::collection::vec(op(), 1..1500)) {
            let rs = crate::RandomState::new();
            run(&ops, move |k| rs.hash_one(k));
        }
    }
}

/// Go's own `TestTableGroupCount` (`internal/runtime/maps/map_swiss_test.go`): tables and
/// groups after `make(map[int]int)` or `make(map[int]int, n)` and n inserts.
#[test]
fn gos_table_group_count() {
    // Go's TableCount (dirLen) and GroupCount (1 for an allocated small map, else the sum over
    // distinct tables).
    fn counts(t: &SwissTable<u64, u64>) -> (usize, usize) {
        let v = t.view();
        let h = v.header();
        if h.small {
            (0, usize::from(h.allocated))
        } else {
            (h.dir_len, v.tables().iter().map(|t| t.group_count()).sum())
        }
    }
    let (below_max, at_max) = (8 * 3 / 2, 2 * 8 * 7 / 8);
    // n, after make(map, n), after the inserts.
    let cases = [
        (0, (0, 0), (0, 0)),
        (1, (0, 0), (0, 1)),
        (8, (0, 0), (0, 1)),
        (9, (1, 2), (1, 2)),
        (below_max, (1, 2), (1, 2)),
        (at_max, (1, 2), (1, 2)),
        (at_max + 1, (1, 4), (1, 4)),
        (2 * below_max, (1, 4), (1, 4)),
        (2 * at_max + 1, (1, 8), (1, 8)),
    ];
    for (n, hinted, after) in cases {
        for hint in [false, true] {
            let h = |k: &u64| mix(*k);
            let mut m = if hint { M::with_hint(n, h) } else { M::new(h) };
            assert_eq!(counts(&m.t), if hint { hinted } else { (0, 0) }, "n {n} hint {hint}");
            for k in 0..n as u64 {
                m.insert(k, k);
            }
            assert_eq!(counts(&m.t), after, "n {n} hint {hint}");
        }
    }
}

/// The twin check against a real Go 1.24.11 runtime: the same 6000 operations (insert,
/// delete, clear; xorshift-driven) with the same hash functions, the whole structure dumped
/// every 97 steps and at the end, plus the iteration order from three chosen starts. Go's side
/// is `src/swiss/testdata/twin_dump_test.go` + `export_twin_test.go`, run inside
/// `internal/runtime/maps` with `go test -overlay` (see the comment at the top of the first).
/// The expected outputs are kept as FNV-1a digests of Go's text; with `SWISS_GO_DUMP_DIR`
/// set, the texts are compared line by line instead (for finding a difference).
mod go_twin {
    use super::*;

    fn group(out: &mut Vec<u64>, g: &raw::GroupView<'_, u64, u64>) {
        out.push(g.ctrl());
        for (i, s) in g.slots().iter().enumerate() {
            if let Some((k, v)) = s {
                out.extend([i as u64, **k, **v]);
            }
        }
        out.push(99);
    }

    fn dump(t: &SwissTable<u64, u64>) -> Vec<u64> {
        let v = t.view();
        let h = v.header();
        let mut out = vec![
            h.used,
            h.dir_len as u64,
            u64::from(h.global_depth),
            u64::from(h.global_shift),
            h.clear_seq,
            u64::from(h.allocated),
        ];
        if h.small {
            if let Some(g) = v.small_group() {
                group(&mut out, &g);
            }
            return out;
        }
        let tables = v.tables();
        let mut last = None;
        for id in v.directory() {
            let t = &tables[id];
            out.extend([1000, t.index() as u64]);
            if last == Some(id) {
                continue;
            }
            last = Some(id);
            out.extend([
                2000,
                u64::from(t.used()),
                u64::from(t.capacity()),
                u64::from(t.growth_left()),
                u64::from(t.local_depth()),
                t.index() as u64,
            ]);
            for g in t.groups() {
                group(&mut out, &g);
            }
        }
        out
    }

    fn list(v: &[u64]) -> String {
        let s: Vec<String> = v.iter().map(u64::to_string).collect();
        format!("[{}]", s.join(" "))
    }

    fn run(variant: u32) -> String {
        let hash = move |k: &u64| {
            if variant == 1 {
                (k % 13) << 7 | (mix(k % 7) & (3 << 62))
            } else {
                mix(*k)
            }
        };
        let mut m = M::with_hint(if variant == 2 { 3000 } else { 0 }, hash);
        let mut out = String::new();
        let mut x: u64 = 88172645463325252;
        for step in 0..6000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = (x >> 8) % 4000;
            match x % 100 {
                0..60 => {
                    m.insert(k, step);
                }
                60..99 => {
                    m.remove(&k);
                }
                _ => {
                    if step % 3 == 0 {
                        m.t.clear();
                    }
                }
            }
            if step % 97 == 0 || step > 5990 {
                out += &format!("step {step}\n{}\n", list(&dump(&m.t)));
                for (d, e) in [(0, 0), (3, 5), (u64::MAX, 12345)] {
                    let keys: Vec<u64> = m.keys_from(d, e).into_iter().copied().collect();
                    out += &format!("I {}\n", list(&keys));
                }
            }
        }
        m.check();
        out
    }

    fn fnv(s: &str) -> u64 {
        s.bytes()
            .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
    }

    /// FNV-1a of Go's go_0.txt, go_1.txt, go_2.txt.
    const GO_DIGESTS: [u64; 3] =
        [0xc7b5_432e_9284_10af, 0x9067_4e72_d685_a035, 0xee23_36f2_2471_b1c2];

    #[test]
    fn same_structure_as_go() {
        for variant in 0..3 {
            let ours = run(variant);
            if let Ok(dir) = std::env::var("SWISS_GO_DUMP_DIR") {
                let go = std::fs::read_to_string(format!("{dir}/go_{variant}.txt")).unwrap();
                for (n, (a, b)) in ours.lines().zip(go.lines()).enumerate() {
                    assert_eq!(a, b, "variant {variant}, line {n}");
                }
                assert_eq!(ours.lines().count(), go.lines().count());
                println!("variant {variant}: {:#x}", fnv(&go));
            } else {
                assert_eq!(fnv(&ours), GO_DIGESTS[variant as usize], "variant {variant}");
            }
        }
    }
}

#[test]
fn the_engine_is_send_and_sync_like_a_vec() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SwissTable<String, Vec<u8>>>();
    send_sync::<RawIter>();
    send_sync::<Slot>();
    send_sync::<Vacancy>();
}
