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

/// Lookups against hashbrown with the same hasher. Run with
/// `cargo test --release --test swiss_engine -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run by hand in release"]
fn lookup_speed_against_hashbrown() {
    use std::hint::black_box;
    use std::time::Instant;
    let s = foldhash::fast::FixedState::with_seed(7);
    // SWISS_BENCH_N=1000 times one size.
    let sizes: Vec<usize> = match std::env::var("SWISS_BENCH_N") {
        Ok(v) => vec![v.parse().expect("a size")],
        Err(_) => vec![1_000, 100_000, 1_000_000],
    };
    for n in sizes {
        let keys: Vec<u64> = (0..n as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        let mut hb = hashbrown::HashMap::with_hasher(s.clone());
        let mut sw = SwissTable::<u64, u64>::new();
        let hasher = |k: &u64| s.hash_one(k);
        for &k in &keys {
            hb.insert(k, k);
            match sw.find_or_vacancy(hasher(&k), |x| *x == k, &hasher) {
                Ok(_) => {}
                // SAFETY: fresh vacancy.
                Err(v) => unsafe {
                    sw.insert_at(v, k, k);
                },
            }
        }
        let rounds = 20_000_000 / n;
        let mut best = [f64::MAX; 4];
        for _ in 0..5 {
            let t = Instant::now();
            let mut sum = 0u64;
            for _ in 0..rounds {
                for &k in &keys {
                    sum = sum.wrapping_add(*hb.get(&k).unwrap());
                }
            }
            black_box(sum);
            best[0] = best[0].min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let mut sum = 0u64;
            for _ in 0..rounds {
                for &k in &keys {
                    let slot = sw.find(hasher(&k), |x| *x == k).unwrap();
                    // SAFETY: fresh slot.
                    sum = sum.wrapping_add(unsafe { *sw.value(slot) });
                }
            }
            black_box(sum);
            best[1] = best[1].min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let mut c = 0usize;
            for _ in 0..rounds {
                for &k in &keys {
                    c += usize::from(hb.get(&(k ^ 1)).is_some());
                }
            }
            black_box(c);
            best[2] = best[2].min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let mut c = 0usize;
            for _ in 0..rounds {
                for &k in &keys {
                    let q = k ^ 1;
                    c += usize::from(sw.find(hasher(&q), |x| *x == q).is_some());
                }
            }
            black_box(c);
            best[3] = best[3].min(t.elapsed().as_secs_f64());
        }
        let ops = (rounds * n) as f64;
        println!(
            "n {n:>8}: hit hashbrown {:.2} ns, swiss {:.2} ns ({:.2}x); miss hashbrown {:.2} ns, swiss {:.2} ns ({:.2}x)",
            best[0] / ops * 1e9,
            best[1] / ops * 1e9,
            best[1] / best[0],
            best[2] / ops * 1e9,
            best[3] / ops * 1e9,
            best[3] / best[2],
        );
    }
}
