//! Behaviours Go's runtime map has and its tests check (runtime/map_test.go), on GoMap.

mod common;

use std::collections::{HashMap, HashSet};

use common::IdentityState;
use gomap::GoMap;

/// Go's makemap: hint -> B (TestMapBuckets checks hint -> bucket count).
#[test]
fn with_capacity_picks_b_by_makemap_rule() {
    let cases = [
        (0, 0),
        (1, 0),
        (8, 0),
        (9, 1),
        (13, 1),
        (14, 2),
        (26, 2),
        (27, 3),
        (52, 3),
        (53, 4),
        (104, 4),
        (105, 5),
        (208, 5),
        (209, 6),
        (1000, 8),
        (1 << 20, 18),
    ];
    for (hint, b) in cases {
        let m: GoMap<u64, u64> = GoMap::with_capacity(hint);
        assert_eq!(m.stats().b, b, "hint {hint}");
        if hint > 0 {
            assert!(m.capacity() >= hint, "hint {hint}: capacity {}", m.capacity());
        }
    }
}

/// B after N sequential inserts equals makemap's B for N: each doubling comes exactly when
/// count + 1 passes 6.5 per bucket.
#[test]
fn b_after_sequential_inserts() {
    let mut m = GoMap::new();
    assert_eq!(m.capacity(), 0);
    for n in 1..=5000u64 {
        m.insert(n, n);
        let want = GoMap::<u64, u64>::with_capacity(n as usize).stats().b;
        assert_eq!(m.stats().b, want, "after {n} inserts");
    }
    // Go's load factor: 8 entries for B = 0, 13 * 2^(B-1) after.
    let caps: Vec<usize> = (0..6u32)
        .map(|b| {
            let mut m = GoMap::new();
            m.insert(u64::MAX, ());
            let mut k = 0u64;
            while m.stats().b < b as u8 {
                m.insert(k, ());
                k += 1;
            }
            m.capacity()
        })
        .collect();
    assert_eq!(caps, [8, 13, 26, 52, 104, 208]);
}

/// A grow starts at the insert that crosses the load factor and finishes within 2^oldB more
/// writes; every lookup and a full iteration are right at every step in between.
#[test]
fn grow_is_incremental_and_correct_at_every_step() {
    for old_b in [2u8, 4, 6, 9] {
        let limit = 13usize << (old_b - 1);
        let mut m = GoMap::new();
        let mut s = HashMap::new();
        for k in 0..limit as u64 {
            m.insert(k, k * 7);
            s.insert(k, k * 7);
        }
        let st = m.stats();
        assert_eq!((st.b, st.growing), (old_b, false));
        // The triggering insert.
        m.insert(limit as u64, 1);
        s.insert(limit as u64, 1);
        let st = m.stats();
        assert!(st.growing, "B={old_b}: the crossing insert starts the grow");
        assert!(!st.same_size_grow);
        assert_eq!(st.b, old_b + 1);
        assert_eq!(st.old_buckets, 1 << old_b);
        assert!(st.nevacuate <= 2);
        let mut writes = 0;
        let mut last_nevacuate = st.nevacuate;
        let mut next_key = limit as u64 + 1;
        while m.stats().growing {
            // Alternate inserts and removes: both do grow work.
            if writes % 2 == 0 {
                m.insert(next_key, 3);
                s.insert(next_key, 3);
                next_key += 1;
            } else {
                let k = writes as u64;
                assert_eq!(m.remove(&k), s.remove(&k));
            }
            writes += 1;
            let st = m.stats();
            assert!(st.nevacuate >= last_nevacuate || !st.growing);
            last_nevacuate = st.nevacuate;
            for (k, v) in &s {
                assert_eq!(m.get(k), Some(v));
            }
            let mut seen = HashSet::new();
            for (k, v) in &m {
                assert!(seen.insert(*k), "iteration mid-grow yielded {k} twice");
                assert_eq!(s.get(k), Some(v));
            }
            assert_eq!(seen.len(), s.len());
        }
        assert!(writes <= 1 << old_b, "B={old_b}: grow took {writes} writes");
        assert_eq!(m.stats().old_buckets, 0);
    }
}

/// Lookups alone never advance a grow (only writes evacuate).
#[test]
fn lookups_read_old_buckets_without_moving_them() {
    let mut m = GoMap::new();
    for k in 0..53u64 {
        m.insert(k, k);
    }
    assert!(m.stats().growing);
    let before = m.stats();
    for k in 0..53u64 {
        assert_eq!(m.get(&k), Some(&k));
    }
    assert_eq!(m.stats(), before);
}

/// TestMapIterOrder: iterations of an unchanged map start in different places.
#[test]
fn iteration_order_varies() {
    let m: GoMap<u64, u64> = (0..100).map(|k| (k, k)).collect();
    let orders: HashSet<Vec<u64>> = (0..20).map(|_| m.keys().copied().collect()).collect();
    assert!(orders.len() > 1, "20 iterations gave one order");
    // The start slot offset varies too: even a single-bucket map changes order.
    let small: GoMap<u64, u64> = (0..8).map(|k| (k, k)).collect();
    let firsts: HashSet<u64> = (0..50).map(|_| *small.keys().next().unwrap()).collect();
    assert!(firsts.len() > 1);
}

/// TestBigItems: keys and values over 128 bytes are stored boxed and behave like any other.
#[test]
fn big_keys_and_values() {
    let mut m: GoMap<[u8; 200], [u64; 40]> = GoMap::new();
    let mut s = HashMap::new();
    for i in 0..300u32 {
        let mut k = [0u8; 200];
        k[..4].copy_from_slice(&i.to_le_bytes());
        k[199] = i as u8;
        let v = [u64::from(i); 40];
        assert_eq!(m.insert(k, v), s.insert(k, v));
        if i % 3 == 0 {
            let mut old = [0u8; 200];
            old[..4].copy_from_slice(&(i / 2).to_le_bytes());
            old[199] = (i / 2) as u8;
            assert_eq!(m.remove(&old), s.remove(&old));
        }
    }
    assert_eq!(m.len(), s.len());
    for (k, v) in &s {
        assert_eq!(m.get(k), Some(v));
    }
    let c = m.clone();
    assert_eq!(c, m);
    let mut n = 0;
    for (k, v) in m {
        assert_eq!(s.get(&k), Some(&v));
        n += 1;
    }
    assert_eq!(n, s.len());
}

/// Zero-sized keys and values.
#[test]
fn zero_sized_types() {
    let mut unit: GoMap<(), ()> = GoMap::new();
    assert_eq!(unit.insert((), ()), None);
    assert_eq!(unit.insert((), ()), Some(()));
    assert_eq!(unit.len(), 1);
    assert_eq!(unit.iter().count(), 1);
    assert_eq!(unit.remove(&()), Some(()));
    assert!(unit.is_empty());

    let mut set: GoMap<u64, ()> = GoMap::new();
    for k in 0..1000 {
        set.insert(k, ());
    }
    assert_eq!(set.len(), 1000);
    assert!((0..1000).all(|k| set.contains_key(&k)));
    set.retain(|k, _| k % 2 == 0);
    assert_eq!(set.len(), 500);

    let mut zv: GoMap<(), u64> = GoMap::new();
    zv.insert((), 5);
    *zv.get_mut(&()).unwrap() += 1;
    assert_eq!(zv[&()], 6);
}

/// A user's BuildHasher places keys exactly: identity hash k lands in bucket k mod 2^B.
#[test]
fn hasher_output_is_used_as_go_uses_its_hash() {
    let mut m = GoMap::with_capacity_and_hasher(100, IdentityState);
    let b = m.stats().b;
    assert_eq!(b, 4);
    // 16 keys in bucket 3: two full buckets, so one overflow bucket (preallocated, B >= 4).
    for j in 0..16u64 {
        m.insert(3 + (j << b), j);
    }
    assert_eq!(m.stats().noverflow, 1);
    // 8 more keys in bucket 3, one more overflow bucket; spread keys add none.
    for j in 16..24u64 {
        m.insert(3 + (j << b), j);
    }
    for k in [0u64, 1, 2, 4, 5] {
        m.insert(k, k);
    }
    assert_eq!(m.stats().noverflow, 2);
}

/// Go's clear keeps the bucket array (TestMapClear*).
#[test]
fn clear_keeps_capacity() {
    let mut m: GoMap<u64, String> = (0..500).map(|k| (k, k.to_string())).collect();
    let b = m.stats().b;
    let cap = m.capacity();
    m.clear();
    assert!(m.is_empty());
    assert_eq!(m.stats().b, b);
    assert_eq!(m.capacity(), cap);
    assert_eq!(m.get(&3), None);
    m.insert(3, "x".into());
    assert_eq!(m.len(), 1);
}

/// shrink_to_fit and shrink_to rebuild at a smaller B.
#[test]
fn shrink_really_shrinks() {
    let mut m: GoMap<u64, u64> = (0..10_000).map(|k| (k, k)).collect();
    let big = m.stats().b;
    m.retain(|k, _| *k < 20);
    m.shrink_to(100);
    assert_eq!(m.stats().b, GoMap::<u64, u64>::with_capacity(100).stats().b);
    m.shrink_to_fit();
    assert_eq!(m.stats().b, 2);
    assert!(m.stats().b < big);
    assert!((0..20).all(|k| m[&k] == k));
    m.clear();
    m.shrink_to_fit();
    assert_eq!(m.capacity(), 0);
}

/// try_reserve reports overflow as an error, never a panic.
#[test]
fn try_reserve_errors() {
    let mut m: GoMap<u64, u64> = GoMap::new();
    assert_eq!(m.try_reserve(usize::MAX), Err(gomap::TryReserveError::CapacityOverflow));
    assert!(m.try_reserve(1000).is_ok());
    assert!(m.capacity() >= 1000);
    let err = m.try_reserve(usize::MAX / 2).unwrap_err();
    assert!(!err.to_string().is_empty());
}
