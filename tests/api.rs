//! The std HashMap API surface on both maps (GoMap in `classic::`, SwissMap in `swiss::`, the same
//! tests): traits, Borrow lookups, entry methods, iterator traits.

use std::collections::HashMap;
use std::iter::FusedIterator;

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}
fn assert_exact_fused<I: ExactSizeIterator + FusedIterator>(_: &I) {}

/// The map tests, on one map: `$map` (the type) with its module `$maps`.
macro_rules! map_api_tests {
    ($name:ident, $map:ident, $maps:ident) => {
        mod $name {
            use super::*;
            use gomap::$map as TestMap;
            use gomap::$maps::{self as maps, Entry, Iter, IterMut};

            #[test]
            fn auto_traits_as_std() {
                assert_send_sync::<TestMap<String, Vec<u8>>>();
                assert_send_sync::<Iter<'static, String, u64>>();
                assert_send_sync::<IterMut<'static, String, u64>>();
                assert_send_sync::<maps::IntoIter<String, u64>>();
                assert_send_sync::<maps::Drain<'static, String, u64>>();
                assert_send::<maps::Keys<'static, String, u64>>();
                assert_send_sync::<
                    maps::ExtractIf<'static, String, u64, fn(&String, &mut u64) -> bool>,
                >();
                // Covariance, as std: a map of longer-lived references is usable as a shorter-lived one.
                fn shorten<'a>(
                    m: TestMap<&'static str, &'static str>,
                ) -> TestMap<&'a str, &'a str> {
                    m
                }
                let m = shorten(TestMap::from([("a", "b")]));
                assert_eq!(m["a"], "b");
            }

            #[test]
            fn borrow_lookups_with_string_keys() {
                let mut m: TestMap<String, usize> = TestMap::new();
                for w in "the quick brown fox jumps over the lazy dog".split(' ') {
                    *m.entry(w.to_string()).or_insert(0) += 1;
                }
                assert_eq!(m.get("the"), Some(&2));
                assert_eq!(m["fox"], 1);
                assert!(m.contains_key("dog"));
                assert_eq!(m.get_key_value("lazy"), Some((&"lazy".to_string(), &1)));
                assert_eq!(m.remove("over"), Some(1));
                assert_eq!(m.remove_entry("quick"), Some(("quick".to_string(), 1)));
                *m.get_mut("brown").unwrap() = 9;
                assert_eq!(m["brown"], 9);
                assert_eq!(m.len(), 6);
            }

            #[test]
            #[should_panic(expected = "key not found")]
            fn index_panics_on_missing_key() {
                let m: TestMap<u64, u64> = TestMap::new();
                let _ = m[&1];
            }

            #[test]
            fn traits() {
                let a = TestMap::from([(1, "one"), (2, "two"), (3, "three")]);
                let b: TestMap<_, _> = [(3, "three"), (2, "two"), (1, "one")].into_iter().collect();
                assert_eq!(a, b);
                let mut c = a.clone();
                assert_eq!(a, c);
                c.insert(4, "four");
                assert_ne!(a, c);
                let d: TestMap<u64, u64> = TestMap::default();
                assert!(d.is_empty());
                assert_eq!(format!("{:?}", TestMap::from([(7, 8)])), "{7: 8}");
                let mut e: TestMap<u64, u64> = TestMap::new();
                e.extend([(&1, &2), (&3, &4)]);
                e.extend(vec![(5, 6)]);
                assert_eq!(e.len(), 3);
                let mut sum = 0;
                for (k, v) in &e {
                    sum += k + v;
                }
                assert_eq!(sum, 21);
                for (_, v) in &mut e {
                    *v = 0;
                }
                assert!(e.values().all(|v| *v == 0));
                let mut keys: Vec<u64> = e.clone().into_keys().collect();
                keys.sort();
                assert_eq!(keys, [1, 3, 5]);
                assert_eq!(e.into_values().sum::<u64>(), 0);
                let with: TestMap<u64, u64, std::collections::hash_map::RandomState> =
                    TestMap::with_capacity_and_hasher(10, Default::default());
                assert!(with.capacity() >= 10);
                let _: &std::collections::hash_map::RandomState = with.hasher();
            }

            #[test]
            fn iterator_traits_and_lengths() {
                let mut m: TestMap<u64, u64> = (0..100).map(|k| (k, k)).collect();
                let it = m.iter();
                assert_exact_fused(&it);
                assert_eq!(it.len(), 100);
                let mut it = m.iter();
                it.by_ref().take(10).count();
                assert_eq!(it.len(), 90);
                let cloned = it.clone();
                assert_eq!(cloned.count(), 90);
                assert_eq!(it.count(), 90);
                assert_eq!(m.keys().len(), 100);
                assert_eq!(m.values().len(), 100);
                assert_eq!(m.values_mut().len(), 100);
                assert_eq!(m.iter_mut().len(), 100);
                let mut exhausted = m.iter();
                for _ in exhausted.by_ref() {}
                assert_eq!(exhausted.next(), None);
                assert_eq!(exhausted.next(), None);
                assert_eq!(m.drain().len(), 100);
                assert!(m.is_empty());
                assert!(format!("{:?}", m.iter()).starts_with('['));
                // fold through iter_mut and values_mut changes every value once.
                let mut m: TestMap<u64, u64> = (0..1000).map(|k| (k, k)).collect();
                let n = m.iter_mut().fold(0, |n, (_, v)| {
                    *v += 1;
                    n + 1
                });
                assert_eq!(n, 1000);
                m.values_mut().for_each(|v| *v *= 2);
                assert!(m.iter().all(|(k, v)| *v == 2 * (k + 1)));
            }

            #[test]
            fn entry_api() {
                let mut m: TestMap<String, Vec<u32>> = TestMap::new();
                m.entry("a".into()).or_default().push(1);
                m.entry("a".into()).or_default().push(2);
                assert_eq!(m["a"], [1, 2]);
                let v = m.entry("b".into()).or_insert_with_key(|k| vec![k.len() as u32]);
                assert_eq!(*v, [1]);
                match m.entry("c".into()) {
                    Entry::Vacant(e) => {
                        assert_eq!(e.key(), "c");
                        assert_eq!(e.into_key(), "c");
                    }
                    Entry::Occupied(_) => unreachable!(),
                }
                assert!(!m.contains_key("c"));
                match m.entry("a".into()) {
                    Entry::Occupied(mut e) => {
                        assert_eq!(e.key(), "a");
                        assert_eq!(e.insert(vec![9]), [1, 2]);
                        e.get_mut().push(10);
                        assert_eq!(e.get(), &[9, 10]);
                        assert_eq!(e.remove(), [9, 10]);
                    }
                    Entry::Vacant(_) => unreachable!(),
                }
                assert!(!m.contains_key("a"));
                let e = m.entry("d".into()).and_modify(|v| v.push(0));
                assert_eq!(e.key(), "d");
                assert!(format!("{e:?}").contains("VacantEntry"));
                e.or_insert_with(|| vec![7]);
                assert_eq!(m["d"], [7]);
                let occ = m.entry("d".into()).insert_entry(vec![4]);
                assert_eq!(occ.into_mut(), &[4]);
                assert_eq!(m.len(), 2);
            }

            /// Reserving: room made as promised, overflow reported, as std's; `with_capacity`
            /// panics on an absurd size.
            #[test]
            fn reserve_and_overflow() {
                let mut m: TestMap<u64, u64> = TestMap::new();
                m.try_reserve(1000).expect("room for 1000");
                assert!(m.capacity() >= 1000);
                assert_eq!(
                    m.try_reserve(usize::MAX),
                    Err(gomap::TryReserveError::CapacityOverflow)
                );
                m.extend((0..10).map(|i| (i, i)));
                m.shrink_to_fit();
                assert!(m.capacity() >= 10);
                assert_eq!(m.len(), 10);
                let r = std::panic::catch_unwind(|| TestMap::<u64, u64>::with_capacity(usize::MAX));
                assert!(r.is_err());
            }

            /// The same program on std's HashMap and the map gives the same answers.
            #[test]
            fn drop_in_for_hashmap() {
                fn word_lengths<M: Default + Extend<(String, usize)>>(words: &[&str]) -> M {
                    let mut m = M::default();
                    m.extend(words.iter().map(|w| (w.to_string(), w.len())));
                    m
                }
                let words = ["alpha", "beta", "gamma", "delta", "beta"];
                let g: TestMap<String, usize> = word_lengths(&words);
                let s: HashMap<String, usize> = word_lengths(&words);
                assert_eq!(g.len(), s.len());
                for (k, v) in &s {
                    assert_eq!(g.get(k), Some(v));
                }
            }
        }
    };
}

map_api_tests!(classic, GoMap, map);
map_api_tests!(swiss, SwissMap, swiss);

#[test]
fn new_types_have_std_auto_traits() {
    assert_send_sync::<gomap::GoSet<String>>();
    assert_send_sync::<gomap::set::Iter<'static, String>>();
    assert_send_sync::<gomap::set::IntoIter<String>>();
    assert_send_sync::<gomap::set::Drain<'static, String>>();
    assert_send_sync::<gomap::set::Union<'static, String>>();
    assert_send_sync::<gomap::map::ExtractIf<'static, String, u64, fn(&String, &mut u64) -> bool>>(
    );
    assert_send_sync::<gomap::set::ExtractIf<'static, String, fn(&String) -> bool>>();
    assert_send_sync::<gomap::concurrent::RwLockMap<String, u64, std::hash::RandomState>>();
    assert_send_sync::<gomap::ConcurrentMap<String, u64, std::hash::RandomState>>();
    let set: gomap::GoSet<u64> = (0..10).collect();
    assert_exact_fused(&set.iter());
    assert_exact_fused(&set.clone().into_iter());
    // std's Default for the owning iterators.
    let it: gomap::map::IntoIter<u8, u8> = Default::default();
    assert_eq!(it.len(), 0);
    let it: gomap::map::IntoKeys<u8, u8> = Default::default();
    assert_eq!(it.count(), 0);
    let it: gomap::set::IntoIter<u8> = Default::default();
    assert_eq!(it.len(), 0);
}

#[test]
fn set_debug_and_set_operations_as_std() {
    use std::collections::HashSet;
    let a = gomap::GoSet::from([1, 2, 3]);
    let b = gomap::GoSet::from([2, 3, 4]);
    assert_eq!(format!("{:?}", gomap::GoSet::from([5])), "{5}");
    assert_eq!(format!("{:?}", a.intersection(&b).count()), "2");
    let sa: HashSet<i32> = a.iter().copied().collect();
    let sb: HashSet<i32> = b.iter().copied().collect();
    let mut u: Vec<i32> = a.union(&b).copied().collect();
    let mut su: Vec<i32> = sa.union(&sb).copied().collect();
    u.sort();
    su.sort();
    assert_eq!(u, su);
    // Intersection yields the smaller set's values, as std's.
    let big = gomap::GoSet::from([1, 2, 3, 4, 5, 6]);
    assert_eq!(a.intersection(&big).count(), 3);
    assert!(a.is_subset(&big) && big.is_superset(&a) && !a.is_disjoint(&b));
}

/// `with_hasher` is a `const fn`, as std's: a map can start out in a `static`.
#[test]
fn with_hasher_is_const() {
    use std::hash::{BuildHasherDefault, DefaultHasher};
    use std::sync::Mutex;
    type S = BuildHasherDefault<DefaultHasher>;
    static CLASSIC: Mutex<gomap::GoMap<u64, u64, S>> =
        Mutex::new(gomap::GoMap::with_hasher(BuildHasherDefault::new()));
    static SWISS: Mutex<gomap::SwissMap<u64, u64, S>> =
        Mutex::new(gomap::SwissMap::with_hasher(BuildHasherDefault::new()));
    CLASSIC.lock().unwrap().insert(1, 2);
    SWISS.lock().unwrap().insert(1, 2);
    assert_eq!(CLASSIC.lock().unwrap()[&1], SWISS.lock().unwrap()[&1]);
}
