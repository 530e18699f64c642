//! Single-thread semantics of every method, run against all three concurrent map types.
#![cfg(not(loom))]

mod epoch;

use epoch::reclaimed;
use gomap::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};
use std::collections::HashSet;
use std::sync::Arc;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn all_types_are_send_and_sync() {
    assert_send_sync::<ConcurrentMap<String, Vec<u8>>>();
    assert_send_sync::<HashTrieMap<String, Vec<u8>>>();
    assert_send_sync::<RwLockMap<String, Vec<u8>>>();
    assert_send_sync::<gomap::ConcurrentMap<u64, Arc<str>>>();
}

macro_rules! semantics {
    ($modname:ident, $map:ident) => {
        mod $modname {
            use super::*;

            fn map() -> $map<String, i32> {
                $map::new()
            }

            fn contents(m: &$map<String, i32>) -> Vec<(String, i32)> {
                let mut v = Vec::new();
                m.range(|k, x| {
                    v.push((k.clone(), *x));
                    true
                });
                v.sort();
                v
            }

            #[test]
            fn new_is_empty() {
                let m = map();
                assert_eq!(m.len(), 0);
                assert!(m.is_empty());
                assert_eq!(m.load("a"), None);
                assert!(contents(&m).is_empty());
                let d: $map<String, i32> = Default::default();
                assert!(d.is_empty());
            }

            #[test]
            fn store_then_load_by_borrowed_key() {
                let m = map();
                m.store("a".to_string(), 1);
                m.store("b".to_string(), 2);
                assert_eq!(m.load("a"), Some(1));
                assert_eq!(m.load(&"b".to_string()), Some(2));
                assert_eq!(m.load("c"), None);
                m.store("a".to_string(), 3);
                assert_eq!(m.load("a"), Some(3));
                assert_eq!(m.len(), 2);
                assert!(!m.is_empty());
            }

            #[test]
            fn load_or_store_keeps_the_first_value() {
                let m = map();
                assert_eq!(m.load_or_store("k".to_string(), 1), (1, false));
                assert_eq!(m.load_or_store("k".to_string(), 2), (1, true));
                assert_eq!(m.load("k"), Some(1));
                m.delete("k");
                assert_eq!(m.load_or_store("k".to_string(), 3), (3, false));
                assert_eq!(m.load("k"), Some(3));
                assert_eq!(m.len(), 1);
            }

            #[test]
            fn load_and_delete_returns_the_value_once() {
                let m = map();
                m.store("k".to_string(), 5);
                assert_eq!(m.load_and_delete("k"), Some(5));
                assert_eq!(m.load_and_delete("k"), None);
                assert_eq!(m.load("k"), None);
                assert_eq!(m.load_and_delete("never"), None);
                assert_eq!(m.len(), 0);
            }

            #[test]
            fn delete_removes_and_ignores_missing_keys() {
                let m = map();
                m.store("a".to_string(), 1);
                m.store("b".to_string(), 2);
                m.delete("a");
                m.delete("a");
                m.delete("zzz");
                assert_eq!(contents(&m), vec![("b".to_string(), 2)]);
            }

            #[test]
            fn swap_returns_the_previous_value() {
                let m = map();
                assert_eq!(m.swap("k".to_string(), 1), None);
                assert_eq!(m.swap("k".to_string(), 2), Some(1));
                assert_eq!(m.load("k"), Some(2));
                m.delete("k");
                assert_eq!(m.swap("k".to_string(), 3), None);
                assert_eq!(m.load("k"), Some(3));
            }

            #[test]
            fn compare_and_swap_needs_an_equal_present_value() {
                let m = map();
                assert!(!m.compare_and_swap("k", &0, 1), "missing key swapped");
                assert_eq!(m.load("k"), None, "CAS on a missing key inserted it");
                m.store("k".to_string(), 1);
                assert!(!m.compare_and_swap("k", &2, 3));
                assert_eq!(m.load("k"), Some(1));
                assert!(m.compare_and_swap("k", &1, 3));
                assert_eq!(m.load("k"), Some(3));
                assert!(m.compare_and_swap(&"k".to_string(), &3, 3));
                m.delete("k");
                assert!(!m.compare_and_swap("k", &3, 4));
                assert_eq!(m.load("k"), None);
            }

            #[test]
            fn compare_and_delete_needs_an_equal_present_value() {
                let m = map();
                assert!(!m.compare_and_delete("k", &1));
                m.store("k".to_string(), 1);
                assert!(!m.compare_and_delete("k", &2));
                assert_eq!(m.load("k"), Some(1));
                assert!(m.compare_and_delete("k", &1));
                assert_eq!(m.load("k"), None);
                assert!(!m.compare_and_delete("k", &1));
            }

            #[test]
            fn range_visits_each_entry_once_and_stops_on_false() {
                let m = map();
                for i in 0..100 {
                    m.store(i.to_string(), i);
                }
                for i in (0..100).step_by(3) {
                    m.delete(&i.to_string());
                }
                let mut seen = HashSet::new();
                m.range(|k, v| {
                    assert_eq!(k.parse::<i32>().unwrap(), *v);
                    assert!(seen.insert(k.clone()), "{k} visited twice");
                    true
                });
                let want: HashSet<String> =
                    (0..100).filter(|i| i % 3 != 0).map(|i| i.to_string()).collect();
                assert_eq!(seen, want);

                let mut calls = 0;
                m.range(|_, _| {
                    calls += 1;
                    calls < 5
                });
                assert_eq!(calls, 5);
            }

            #[test]
            fn range_callback_may_use_the_map() {
                let m = map();
                for i in 0..10 {
                    m.store(i.to_string(), i);
                }
                m.range(|k, v| {
                    // Keys stored during the walk may or may not be visited (HashTrieMap
                    // visits those that land ahead of it): leave them alone.
                    if k.starts_with("new") {
                        return true;
                    }
                    m.delete(k);
                    m.store(format!("new{k}"), *v + 100);
                    assert_eq!(m.load(k.as_str()), None);
                    true
                });
                let c = contents(&m);
                assert!(c.iter().all(|(k, v)| k.starts_with("new") && *v >= 100));
                assert!(c.len() >= 10, "lost entries: {c:?}");
                for i in 0..10 {
                    assert_eq!(m.load(format!("new{i}").as_str()), Some(i + 100));
                }
            }

            #[test]
            fn clear_empties_and_the_map_stays_usable() {
                let m = map();
                m.clear();
                for i in 0..50 {
                    m.store(i.to_string(), i);
                }
                m.clear();
                assert_eq!(m.len(), 0);
                assert_eq!(m.load("1"), None);
                assert!(contents(&m).is_empty());
                m.store("x".to_string(), 1);
                assert_eq!(m.load_or_store("x".to_string(), 2), (1, true));
                assert_eq!(contents(&m), vec![("x".to_string(), 1)]);
            }

            #[test]
            fn many_keys_survive_repeated_delete_and_reinsert() {
                // Enough new keys, misses and deletes to go through several promotions and
                // expunge/unexpunge cycles in ConcurrentMap.
                let m: $map<u32, u32> = $map::new();
                for round in 0..5u32 {
                    for k in 0..300 {
                        m.store(k, k + round);
                    }
                    for k in (0..300).filter(|k| k % 2 == round % 2) {
                        m.delete(&k);
                    }
                    for k in 0..400 {
                        let want = (k < 300 && k % 2 != round % 2).then_some(k + round);
                        assert_eq!(m.load(&k), want, "round {round} key {k}");
                    }
                    assert_eq!(m.len(), 150);
                }
            }

            #[test]
            fn values_are_clones_and_none_leak() {
                let v = Arc::new(7);
                {
                    let m: $map<u8, Arc<i32>> = $map::new();
                    for k in 0..20 {
                        m.store(k, Arc::clone(&v));
                    }
                    let got = m.load(&3).unwrap();
                    assert!(Arc::ptr_eq(&got, &v));
                    drop(got);
                    m.range(|_, _| true);
                    m.delete(&0);
                    m.store(100, Arc::clone(&v));
                    assert_eq!(m.swap(1, Arc::new(1)).map(|x| *x), Some(7));
                    assert!(reclaimed(|| Arc::strong_count(&v) == 1 + 19));
                    m.clear();
                    assert!(reclaimed(|| Arc::strong_count(&v) == 1), "clear leaked values");
                    m.store(1, Arc::clone(&v));
                }
                assert!(
                    reclaimed(|| Arc::strong_count(&v) == 1),
                    "dropping the map leaked a value"
                );
            }

            #[test]
            fn debug_and_from_iterator() {
                let m: $map<i32, i32> = [(1, 10)].into_iter().collect();
                assert_eq!(format!("{m:?}"), "{1: 10}");
                assert_eq!(m.load(&1), Some(10));
            }
        }
    };
}

semantics!(concurrent_map, ConcurrentMap);
semantics!(rwlock_map, RwLockMap);
semantics!(hash_trie_map, HashTrieMap);

/// A BuildHasher that counts the hashers it builds, to show that a map hashes with it.
#[derive(Clone, Default)]
struct Counting(Arc<std::sync::atomic::AtomicUsize>);

impl std::hash::BuildHasher for Counting {
    type Hasher = std::collections::hash_map::DefaultHasher;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Default::default()
    }
}

/// with_hasher and with_capacity_and_hasher hash with the hasher given (its clones, for the
/// dirty maps ConcurrentMap makes), and the capacity hint changes no answer.
#[test]
fn all_types_hash_with_the_hasher_given() {
    macro_rules! check {
        ($map:ident, $capacity:expr) => {{
            let h = Counting::default();
            let m = match $capacity {
                None => $map::with_hasher(h.clone()),
                Some(c) => $map::with_capacity_and_hasher(c, h.clone()),
            };
            for i in 0..100u64 {
                m.store(i, i * 2);
            }
            assert_eq!(m.load(&7), Some(14));
            assert_eq!(m.len(), 100);
            let used = h.0.load(std::sync::atomic::Ordering::Relaxed);
            assert!(used >= 101, "{} {:?}: {used} hashes", stringify!($map), $capacity);
        }};
    }
    for capacity in [None, Some(0), Some(1000)] {
        check!(ConcurrentMap, capacity);
        check!(RwLockMap, capacity);
        check!(HashTrieMap, capacity);
    }
}
