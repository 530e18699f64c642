//! Multi-thread stress with bounded iterations, against all three concurrent map types.
//!
//! Each test checks exact outcomes (totals, winners, key sets), never timings.
#![cfg(not(loom))]

use gomap::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::thread;

const THREADS: usize = 4;

/// A small per-thread xorshift, so that the tests don't depend on a shared RNG.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

macro_rules! stress {
    ($modname:ident, $map:ident) => {
        mod $modname {
            use super::*;

            #[test]
            fn load_or_store_on_disjoint_keys_stores_every_key() {
                const N: u64 = 2_000;
                let m: $map<u64, u64> = $map::new();
                let go = Barrier::new(THREADS);
                thread::scope(|s| {
                    for t in 0..THREADS as u64 {
                        let (m, go) = (&m, &go);
                        s.spawn(move || {
                            go.wait();
                            for i in 0..N {
                                let k = t * N + i;
                                assert_eq!(m.load_or_store(k, k * 3), (k * 3, false));
                                // A second call, and other threads' reads, must see it.
                                assert_eq!(m.load_or_store(k, 0), (k * 3, true));
                                let other = ((t + 1) % THREADS as u64) * N + i;
                                if let Some(v) = m.load(&other) {
                                    assert_eq!(v, other * 3);
                                }
                            }
                        });
                    }
                });
                assert_eq!(m.len(), THREADS * N as usize);
                for k in 0..THREADS as u64 * N {
                    assert_eq!(m.load(&k), Some(k * 3));
                }
            }

            #[test]
            fn load_or_store_on_shared_keys_has_one_winner_per_key() {
                const N: usize = 2_000;
                let m: $map<usize, usize> = $map::new();
                let go = Barrier::new(THREADS);
                let results: Vec<Vec<(usize, bool)>> = thread::scope(|s| {
                    let handles: Vec<_> = (0..THREADS)
                        .map(|t| {
                            let (m, go) = (&m, &go);
                            s.spawn(move || {
                                go.wait();
                                (0..N).map(|k| m.load_or_store(k, t)).collect::<Vec<_>>()
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                for k in 0..N {
                    let winners: Vec<usize> = (0..THREADS).filter(|&t| !results[t][k].1).collect();
                    assert_eq!(winners.len(), 1, "key {k}: stored by {winners:?}");
                    let w = winners[0];
                    for r in &results {
                        assert_eq!(r[k].0, w, "key {k}: a thread saw another value");
                    }
                    assert_eq!(m.load(&k), Some(w));
                }
            }

            #[test]
            fn compare_and_swap_counters_reach_exact_totals() {
                const COUNTERS: u64 = 8;
                const INCS: usize = 3_000;
                let m: $map<u64, u64> = $map::new();
                for c in 0..COUNTERS {
                    m.store(c, 0);
                }
                let go = Barrier::new(THREADS);
                let per_thread: Vec<Vec<u64>> = thread::scope(|s| {
                    let handles: Vec<_> = (0..THREADS)
                        .map(|t| {
                            let (m, go) = (&m, &go);
                            s.spawn(move || {
                                let mut rng = Rng::new(t as u64 + 1);
                                let mut mine = vec![0u64; COUNTERS as usize];
                                go.wait();
                                for _ in 0..INCS {
                                    let c = rng.below(COUNTERS);
                                    loop {
                                        let old = m.load(&c).unwrap();
                                        if m.compare_and_swap(&c, &old, old + 1) {
                                            break;
                                        }
                                    }
                                    mine[c as usize] += 1;
                                }
                                mine
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                let mut total = 0;
                for c in 0..COUNTERS {
                    let want: u64 = per_thread.iter().map(|v| v[c as usize]).sum();
                    assert_eq!(m.load(&c), Some(want), "counter {c}");
                    total += want;
                }
                assert_eq!(total, (THREADS * INCS) as u64);
            }

            #[test]
            fn range_during_concurrent_stores_never_yields_a_key_twice() {
                const STABLE: u64 = 300;
                let m: $map<u64, u64> = $map::new();
                for k in 0..STABLE {
                    m.store(k, k);
                }
                let stop = AtomicBool::new(false);
                thread::scope(|s| {
                    for t in 0..THREADS as u64 - 1 {
                        let (m, stop) = (&m, &stop);
                        s.spawn(move || {
                            let mut rng = Rng::new(t + 10);
                            let mut i = 0u64;
                            while !stop.load(Ordering::Relaxed) && i < 200_000 {
                                // New keys (forcing dirty maps and promotions), deletes and
                                // re-stores of them, and overwrites of the stable keys.
                                let fresh = 1_000_000 * (t + 1) + i;
                                m.store(fresh, fresh);
                                if i % 2 == 0 {
                                    m.delete(&(fresh - rng.below(50).min(fresh)));
                                }
                                let k = rng.below(STABLE);
                                m.store(k, k);
                                i += 1;
                            }
                        });
                    }
                    let (m, stop) = (&m, &stop);
                    s.spawn(move || {
                        for _ in 0..40 {
                            let mut seen = HashSet::new();
                            m.range(|k, v| {
                                assert!(seen.insert(*k), "range yielded {k} twice");
                                assert_eq!(k, v);
                                true
                            });
                            for k in 0..STABLE {
                                assert!(seen.contains(&k), "stable key {k} not seen");
                            }
                        }
                        stop.store(true, Ordering::Relaxed);
                    });
                });
            }

            #[test]
            fn nothing_is_lost_or_duplicated_across_promotions_and_expunges() {
                // Each thread owns a key range and keeps an exact model of it; other threads'
                // new keys and misses keep promoting and rebuilding dirty maps meanwhile, so
                // owned entries are deleted, expunged, unexpunged and promoted while in use.
                const KEYS: u64 = 64;
                let m: $map<u64, u64> = $map::new();
                let go = Barrier::new(THREADS);
                let models: Vec<HashMap<u64, u64>> = thread::scope(|s| {
                    let handles: Vec<_> = (0..THREADS as u64)
                        .map(|t| {
                            let (m, go) = (&m, &go);
                            s.spawn(move || {
                                let mut rng = Rng::new(t + 100);
                                let mut model = HashMap::new();
                                go.wait();
                                for step in 0..15_000u64 {
                                    let k = t * KEYS + rng.below(KEYS);
                                    match rng.below(6) {
                                        0 | 1 => {
                                            let v = step;
                                            assert_eq!(m.swap(k, v), model.insert(k, v));
                                        }
                                        2 => assert_eq!(m.load_and_delete(&k), model.remove(&k)),
                                        3 => {
                                            let want = *model.entry(k).or_insert(step);
                                            assert_eq!(m.load_or_store(k, step).0, want);
                                        }
                                        4 => assert_eq!(m.load(&k), model.get(&k).copied()),
                                        _ => {
                                            // A miss that counts towards promotion.
                                            assert_eq!(m.load(&(u64::MAX - k)), None);
                                        }
                                    }
                                }
                                model
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                let want: HashMap<u64, u64> = models.into_iter().flatten().collect();
                let mut got = HashMap::new();
                m.range(|k, v| {
                    assert!(got.insert(*k, *v).is_none(), "{k} twice");
                    true
                });
                assert_eq!(got, want);
                assert_eq!(m.len(), want.len());
            }

            #[test]
            fn clear_while_storing_is_safe() {
                let m: $map<u64, u64> = $map::new();
                thread::scope(|s| {
                    for t in 0..THREADS as u64 - 1 {
                        let m = &m;
                        s.spawn(move || {
                            for i in 0..20_000 {
                                let k = (t << 32) | (i % 500);
                                m.store(k, k);
                                if let Some(v) = m.load(&k) {
                                    assert_eq!(v, k);
                                }
                            }
                        });
                    }
                    let m = &m;
                    s.spawn(move || {
                        for _ in 0..200 {
                            m.clear();
                            thread::yield_now();
                        }
                    });
                });
                let mut n = 0;
                m.range(|k, v| {
                    assert_eq!(k, v);
                    n += 1;
                    true
                });
                assert_eq!(n, m.len());
                assert!(n <= 3 * 500);
            }
        }
    };
}

stress!(concurrent_map, ConcurrentMap);
stress!(rwlock_map, RwLockMap);
stress!(hash_trie_map, HashTrieMap);
