//! Reference-model test, as Go's sync/map_reference_test.go: random sequences of calls go to a
//! concurrent map and to a `Mutex<HashMap>` model, and every result must match.
#![cfg(not(loom))]

use gomap::concurrent::{ConcurrentMap, RwLockMap};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Debug, Clone)]
enum Op {
    Load(u8),
    Store(u8, u8),
    LoadOrStore(u8, u8),
    LoadAndDelete(u8),
    Delete(u8),
    Swap(u8, u8),
    CompareAndSwap(u8, u8, u8),
    CompareAndDelete(u8, u8),
    /// Range, stopping after this many entries.
    Range(u8),
    Clear,
    Len,
}

#[derive(Debug, PartialEq)]
enum Out {
    Unit,
    Value(Option<u8>),
    Pair(u8, bool),
    Flag(bool),
    Len(usize),
}

/// Few keys and values, so that hits, misses, equal-value CAS, deletes of live keys and
/// (in ConcurrentMap) promotions and expunges all happen often.
fn op() -> impl Strategy<Value = Op> {
    let k = 0u8..10;
    let v = 0u8..4;
    prop_oneof![
        4 => k.clone().prop_map(Op::Load),
        3 => (k.clone(), v.clone()).prop_map(|(k, v)| Op::Store(k, v)),
        2 => (k.clone(), v.clone()).prop_map(|(k, v)| Op::LoadOrStore(k, v)),
        2 => k.clone().prop_map(Op::LoadAndDelete),
        2 => k.clone().prop_map(Op::Delete),
        2 => (k.clone(), v.clone()).prop_map(|(k, v)| Op::Swap(k, v)),
        2 => (k.clone(), v.clone(), v.clone()).prop_map(|(k, o, n)| Op::CompareAndSwap(k, o, n)),
        2 => (k.clone(), v.clone()).prop_map(|(k, o)| Op::CompareAndDelete(k, o)),
        1 => (0u8..12).prop_map(Op::Range),
        1 => Just(Op::Clear),
        1 => Just(Op::Len),
    ]
}

/// The model: a plain map under a mutex, with each operation's meaning spelled out.
struct Model(Mutex<HashMap<u8, u8>>);

impl Model {
    fn apply(&self, op: &Op) -> Out {
        let mut m = self.0.lock().unwrap();
        match *op {
            Op::Load(k) => Out::Value(m.get(&k).copied()),
            Op::Store(k, v) => {
                m.insert(k, v);
                Out::Unit
            }
            Op::LoadOrStore(k, v) => match m.get(&k) {
                Some(&old) => Out::Pair(old, true),
                None => {
                    m.insert(k, v);
                    Out::Pair(v, false)
                }
            },
            Op::LoadAndDelete(k) => Out::Value(m.remove(&k)),
            Op::Delete(k) => {
                m.remove(&k);
                Out::Unit
            }
            Op::Swap(k, v) => Out::Value(m.insert(k, v)),
            Op::CompareAndSwap(k, old, new) => Out::Flag(match m.get_mut(&k) {
                Some(v) if *v == old => {
                    *v = new;
                    true
                }
                _ => false,
            }),
            Op::CompareAndDelete(k, old) => Out::Flag(if m.get(&k) == Some(&old) {
                m.remove(&k);
                true
            } else {
                false
            }),
            Op::Range(_) => unreachable!("range results are checked as sets"),
            Op::Clear => {
                m.clear();
                Out::Unit
            }
            Op::Len => Out::Len(m.len()),
        }
    }
}

macro_rules! apply {
    ($m:expr, $op:expr) => {
        match *$op {
            Op::Load(k) => Out::Value($m.load(&k)),
            Op::Store(k, v) => {
                $m.store(k, v);
                Out::Unit
            }
            Op::LoadOrStore(k, v) => {
                let (v, loaded) = $m.load_or_store(k, v);
                Out::Pair(v, loaded)
            }
            Op::LoadAndDelete(k) => Out::Value($m.load_and_delete(&k)),
            Op::Delete(k) => {
                $m.delete(&k);
                Out::Unit
            }
            Op::Swap(k, v) => Out::Value($m.swap(k, v)),
            Op::CompareAndSwap(k, o, n) => Out::Flag($m.compare_and_swap(&k, &o, n)),
            Op::CompareAndDelete(k, o) => Out::Flag($m.compare_and_delete(&k, &o)),
            Op::Range(_) => unreachable!(),
            Op::Clear => {
                $m.clear();
                Out::Unit
            }
            Op::Len => Out::Len($m.len()),
        }
    };
}

macro_rules! check_against_model {
    ($map:ident, $ops:expr) => {{
        let m: $map<u8, u8> = $map::new();
        let model = Model(Mutex::new(HashMap::new()));
        for (i, op) in $ops.iter().enumerate() {
            if let Op::Range(stop) = *op {
                let want = model.0.lock().unwrap().clone();
                let mut seen = HashMap::new();
                let mut twice = None;
                m.range(|k, v| {
                    if seen.insert(*k, *v).is_some() {
                        twice = Some(*k);
                    }
                    seen.len() < stop as usize
                });
                prop_assert_eq!(twice, None, "op {}: a key was visited twice", i);
                if (stop as usize) < want.len() {
                    prop_assert_eq!(seen.len(), (stop as usize).max(1));
                    for (k, v) in &seen {
                        prop_assert_eq!(want.get(k), Some(v));
                    }
                } else {
                    prop_assert_eq!(&seen, &want, "op {}: range", i);
                }
                continue;
            }
            let got = apply!(m, op);
            let want = model.apply(op);
            prop_assert_eq!(got, want, "op {}: {:?}", i, op);
        }
        // Final state, through both range and load.
        let want = model.0.lock().unwrap().clone();
        let mut all = HashMap::new();
        m.range(|k, v| {
            all.insert(*k, *v);
            true
        });
        prop_assert_eq!(&all, &want);
        for k in 0..10u8 {
            prop_assert_eq!(m.load(&k), want.get(&k).copied());
        }
        prop_assert_eq!(m.len(), want.len());
    }};
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_map_matches_model(ops in prop::collection::vec(op(), 1..300)) {
        check_against_model!(ConcurrentMap, ops);
    }

    #[test]
    fn rwlock_map_matches_model(ops in prop::collection::vec(op(), 1..300)) {
        check_against_model!(RwLockMap, ops);
    }
}

/// The model test above, but with calls from several threads at once on disjoint key ranges:
/// each thread's results must still match its own sequential model.
#[test]
fn concurrent_map_matches_per_thread_models_under_concurrency() {
    use rand::{Rng, SeedableRng};
    let m: ConcurrentMap<u32, u32> = ConcurrentMap::new();
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let m = &m;
            s.spawn(move || {
                let mut rng = rand::rngs::StdRng::seed_from_u64(t as u64);
                let mut model: HashMap<u32, u32> = HashMap::new();
                for step in 0..20_000 {
                    let k = t * 1000 + rng.gen_range(0..16);
                    let v = rng.gen_range(0..4);
                    match rng.gen_range(0..7) {
                        0 => assert_eq!(m.load(&k), model.get(&k).copied(), "step {step}"),
                        1 => assert_eq!(m.swap(k, v), model.insert(k, v)),
                        2 => assert_eq!(m.load_and_delete(&k), model.remove(&k)),
                        3 => {
                            let want = *model.entry(k).or_insert(v);
                            assert_eq!(m.load_or_store(k, v).0, want);
                        }
                        4 => {
                            let hit = model.get(&k) == Some(&v);
                            if hit {
                                model.insert(k, v + 1);
                            }
                            assert_eq!(m.compare_and_swap(&k, &v, v + 1), hit);
                        }
                        5 => {
                            let hit = model.get(&k) == Some(&v);
                            if hit {
                                model.remove(&k);
                            }
                            assert_eq!(m.compare_and_delete(&k, &v), hit);
                        }
                        _ => {
                            // Misses on keys nobody stores push promotions along.
                            assert_eq!(m.load(&(1_000_000 + k)), None);
                        }
                    }
                }
                for k in t * 1000..t * 1000 + 16 {
                    assert_eq!(m.load(&k), model.get(&k).copied());
                }
            });
        }
    });
    let mut seen = HashSet::new();
    m.range(|k, _| {
        assert!(seen.insert(*k));
        true
    });
    assert_eq!(seen.len(), m.len());
}

#[test]
fn ops_strategy_is_exercised() {
    // Guards the model test from silently testing nothing: a fixed sequence through both.
    let ops = vec![
        Op::Store(1, 1),
        Op::Load(1),
        Op::LoadOrStore(1, 2),
        Op::CompareAndSwap(1, 1, 3),
        Op::Range(5),
        Op::Delete(1),
        Op::Store(2, 2),
        Op::Swap(1, 0),
        Op::CompareAndDelete(2, 2),
        Op::LoadAndDelete(1),
        Op::Len,
        Op::Clear,
    ];
    let run = || -> Result<(), TestCaseError> {
        check_against_model!(ConcurrentMap, ops);
        check_against_model!(RwLockMap, ops);
        Ok(())
    };
    run().unwrap();
}
