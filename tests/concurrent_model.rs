//! Reference-model test, as Go's sync/map_reference_test.go: random sequences of calls go to a
//! concurrent map and to a `Mutex<HashMap>` model, and every result must match.
#![cfg(not(loom))]

use gomap::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

/// The model and its comparison loop are the concurrent fuzz target's (fuzz/src/concurrent.rs):
/// proptest picks the calls here, libFuzzer there.
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use harness::concurrent::{run_ops, Op, Val};

/// Keys in 0..10 and values in 0..4 (the harness reduces them modulo KEYS and VALUES), so that
/// hits, misses, equal-value CAS, deletes of live keys and (in ConcurrentMap) promotions and
/// expunges all happen often.
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
        1 => Just(Op::IsEmpty),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 4 } else { 512 }, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_map_matches_model(ops in prop::collection::vec(op(), 1..300)) {
        run_ops::<ConcurrentMap<u8, Val>>(&ops);
    }

    #[test]
    fn rwlock_map_matches_model(ops in prop::collection::vec(op(), 1..300)) {
        run_ops::<RwLockMap<u8, Val>>(&ops);
    }

    #[test]
    fn hash_trie_map_matches_model(ops in prop::collection::vec(op(), 1..300)) {
        run_ops::<HashTrieMap<u8, Val>>(&ops);
    }
}

/// The model test above, but with calls from several threads at once on disjoint key ranges:
/// each thread's results must still match its own sequential model.
macro_rules! per_thread_models {
    ($($name:ident: $map:ident),*) => {$(
        #[test]
        fn $name() {
            use rand::{Rng, SeedableRng};
            let m: $map<u32, u32> = $map::new();
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
    )*};
}

per_thread_models!(
    concurrent_map_matches_per_thread_models_under_concurrency: ConcurrentMap,
    hash_trie_map_matches_per_thread_models_under_concurrency: HashTrieMap
);

#[test]
fn ops_strategy_is_exercised() {
    // Guards the model test from silently testing nothing: a fixed sequence through all three.
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
    run_ops::<ConcurrentMap<u8, Val>>(&ops);
    run_ops::<RwLockMap<u8, Val>>(&ops);
    run_ops::<HashTrieMap<u8, Val>>(&ops);
}
