//! Differential tests: random operation sequences run on std's HashMap and on each of gomap's
//! maps (GoMap and SwissMap, through the one generic `run`), compared after every step (lookups
//! of the whole key space, length, and a full iteration).

mod common;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{IdentityState, PoorState};
use gomap::api::{Engine, Map};
use gomap::{GoMap, GoSet, SwissMap};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Insert(u64, u32),
    Remove(u64),
    RemoveEntry(u64),
    Get(u64),
    GetMut(u64, u32),
    OrInsert(u64, u32),
    AndModify(u64),
    OccupiedRemove(u64),
    InsertEntry(u64, u32),
    Retain(u64),
    Drain(usize),
    Clear,
    Iterate,
    IterMut,
    ShrinkTo(usize),
    Reserve(usize),
    Extend(Vec<(u64, u32)>),
    ExtractIf(u64),
    ExtractSome(u64, usize),
    GetDisjoint(u64, u64, u64),
    CloneFrom(Vec<(u64, u32)>),
}

fn op(keys: u64) -> impl Strategy<Value = Op> {
    let k = 0..keys;
    prop_oneof![
        30 => (k.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        12 => k.clone().prop_map(Op::Remove),
        3 => k.clone().prop_map(Op::RemoveEntry),
        6 => k.clone().prop_map(Op::Get),
        3 => (k.clone(), any::<u32>()).prop_map(|(k, v)| Op::GetMut(k, v)),
        5 => (k.clone(), any::<u32>()).prop_map(|(k, v)| Op::OrInsert(k, v)),
        3 => k.clone().prop_map(Op::AndModify),
        3 => k.clone().prop_map(Op::OccupiedRemove),
        3 => (k.clone(), any::<u32>()).prop_map(|(k, v)| Op::InsertEntry(k, v)),
        1 => (2..5u64).prop_map(Op::Retain),
        1 => (0..40usize).prop_map(Op::Drain),
        1 => Just(Op::Clear),
        2 => Just(Op::Iterate),
        1 => Just(Op::IterMut),
        1 => (0..200usize).prop_map(Op::ShrinkTo),
        1 => (0..300usize).prop_map(Op::Reserve),
        2 => prop::collection::vec((k.clone(), any::<u32>()), 0..60).prop_map(Op::Extend),
        1 => (2..5u64).prop_map(Op::ExtractIf),
        1 => (2..5u64, 0..30usize).prop_map(|(d, n)| Op::ExtractSome(d, n)),
        3 => (k.clone(), k.clone(), k.clone()).prop_map(|(a, b, c)| Op::GetDisjoint(a, b, c)),
        1 => prop::collection::vec((k, any::<u32>()), 0..100).prop_map(Op::CloneFrom),
    ]
}

fn sorted<'a>(it: impl Iterator<Item = (&'a u64, &'a u32)>) -> Vec<(u64, u32)> {
    let mut v: Vec<_> = it.map(|(k, v)| (*k, *v)).collect();
    v.sort_unstable();
    v
}

/// What differs between the engines: each checks its own structure.
trait Structure {
    /// The engine's own consistency checks, for a map of `len` entries.
    fn check_structure(&self, len: usize);
    /// A same-size grow is in progress (classic only).
    fn same_size_growing(&self) -> bool;
    /// A measure of the allocation that `shrink_to` must not raise.
    fn size_measure(&self) -> usize;
    /// The header, to compare a clone's with its source's.
    fn header(&self) -> String;
}

impl<K, V, S> Structure for GoMap<K, V, S> {
    fn check_structure(&self, len: usize) {
        let st = self.stats();
        assert_eq!(st.len, len);
        assert!(st.growing || (st.nevacuate == 0 && st.old_buckets == 0 && !st.same_size_grow));
        if self.capacity() > 0 {
            assert!(self.capacity() >= 8);
        }
    }
    fn same_size_growing(&self) -> bool {
        self.stats().same_size_grow
    }
    fn size_measure(&self) -> usize {
        self.stats().b.into()
    }
    fn header(&self) -> String {
        format!("{:?}", self.stats())
    }
}

impl<K, V, S> Structure for SwissMap<K, V, S> {
    fn check_structure(&self, len: usize) {
        let h = self.stats();
        assert_eq!(h.used, len as u64);
        let view = self.raw();
        let in_tables: u64 = view.tables().iter().map(|t| u64::from(t.used())).sum();
        let in_small = view.small_group().map_or(0, |g| g.slots().iter().flatten().count());
        assert_eq!(in_tables + in_small as u64, h.used);
        assert_eq!(h.small, h.dir_len == 0);
    }
    fn same_size_growing(&self) -> bool {
        false
    }
    fn size_measure(&self) -> usize {
        let view = self.raw();
        let slots: usize = view.tables().iter().map(|t| usize::from(t.capacity())).sum();
        slots + view.small_group().map_or(0, |_| 8)
    }
    fn header(&self) -> String {
        format!("{:?}", self.stats())
    }
}

fn check<S: BuildHasher, E: Engine<u64, u32>>(
    m: &Map<u64, u32, S, E>,
    s: &HashMap<u64, u32>,
    keys: u64,
) where
    Map<u64, u32, S, E>: Structure,
{
    assert_eq!(m.len(), s.len());
    assert_eq!(m.is_empty(), s.is_empty());
    for k in 0..keys {
        assert_eq!(m.get(&k), s.get(&k), "key {k}");
    }
    let it = m.iter();
    assert_eq!(it.len(), s.len());
    let got = sorted(it);
    assert_eq!(got.len(), s.len(), "iteration yields each entry once");
    assert_eq!(got, sorted(s.iter()));
    // fold (and what is built on it) walks the same entries as next, also mid-grow and after a
    // partial walk.
    let mut folded: Vec<(u64, u32)> = m.iter().fold(Vec::new(), |mut acc, (k, v)| {
        acc.push((*k, *v));
        acc
    });
    folded.sort_unstable();
    assert_eq!(folded, got);
    let mut it = m.iter();
    let mut rest: Vec<(u64, u32)> = it.by_ref().take(3).map(|(k, v)| (*k, *v)).collect();
    it.for_each(|(k, v)| rest.push((*k, *v)));
    rest.sort_unstable();
    assert_eq!(rest, got);
    assert_eq!(m.keys().fold(0u64, |a, k| a.wrapping_add(*k)), s.keys().sum::<u64>());
    assert_eq!(m.values().count(), s.len());
    m.check_structure(s.len());
    assert!(m.capacity() >= m.len());
}

/// Runs the ops on both maps, checking after each; returns how many same-size grows started.
fn run<S: BuildHasher + Clone, E: Engine<u64, u32>>(
    mut m: Map<u64, u32, S, E>,
    ops: Vec<Op>,
    keys: u64,
) -> usize
where
    Map<u64, u32, S, E>: Structure,
{
    let mut s = HashMap::new();
    let mut same_size_grows = 0;
    for op in ops {
        let was_same_size = m.same_size_growing();
        match op {
            Op::Insert(k, v) => assert_eq!(m.insert(k, v), s.insert(k, v)),
            Op::Remove(k) => assert_eq!(m.remove(&k), s.remove(&k)),
            Op::RemoveEntry(k) => assert_eq!(m.remove_entry(&k), s.remove_entry(&k)),
            Op::Get(k) => {
                assert_eq!(m.get_key_value(&k), s.get_key_value(&k));
                assert_eq!(m.contains_key(&k), s.contains_key(&k));
            }
            Op::GetMut(k, v) => {
                if let Some(x) = m.get_mut(&k) {
                    *x = v;
                }
                if let Some(x) = s.get_mut(&k) {
                    *x = v;
                }
            }
            Op::OrInsert(k, v) => assert_eq!(*m.entry(k).or_insert(v), *s.entry(k).or_insert(v)),
            Op::AndModify(k) => {
                m.entry(k).and_modify(|v| *v = v.wrapping_add(1)).or_default();
                s.entry(k).and_modify(|v| *v = v.wrapping_add(1)).or_default();
            }
            Op::OccupiedRemove(k) => {
                let a = match m.entry(k) {
                    gomap::api::Entry::Occupied(e) => Some(e.remove_entry()),
                    gomap::api::Entry::Vacant(e) => {
                        assert_eq!(*e.key(), k);
                        None
                    }
                };
                let b = match s.entry(k) {
                    std::collections::hash_map::Entry::Occupied(e) => Some(e.remove_entry()),
                    std::collections::hash_map::Entry::Vacant(_) => None,
                };
                assert_eq!(a, b);
            }
            Op::InsertEntry(k, v) => {
                let e = m.entry(k).insert_entry(v);
                assert_eq!((*e.key(), *e.get()), (k, v));
                s.insert(k, v);
            }
            Op::Retain(d) => {
                m.retain(|k, v| {
                    *v = v.wrapping_mul(3);
                    !k.is_multiple_of(d)
                });
                s.retain(|k, v| {
                    *v = v.wrapping_mul(3);
                    !k.is_multiple_of(d)
                });
            }
            Op::Drain(take) => {
                let n = s.len();
                let mut d = m.drain();
                assert_eq!(d.len(), n);
                let mut got = Vec::new();
                for _ in 0..take {
                    match d.next() {
                        Some((k, v)) => got.push((k, v)),
                        None => break,
                    }
                }
                drop(d);
                for (k, v) in &got {
                    assert_eq!(s.get(k), Some(v));
                }
                s.clear();
            }
            Op::Clear => {
                m.clear();
                s.clear();
            }
            Op::Iterate => {
                let keys_sum: u64 = m.keys().sum();
                assert_eq!(keys_sum, s.keys().sum::<u64>());
                let vals: u64 = m.values().map(|v| u64::from(*v)).sum();
                assert_eq!(vals, s.values().map(|v| u64::from(*v)).sum::<u64>());
            }
            Op::IterMut => {
                for (k, v) in m.iter_mut() {
                    *v ^= *k as u32;
                }
                for (k, v) in s.iter_mut() {
                    *v ^= *k as u32;
                }
                for v in m.values_mut() {
                    *v = v.rotate_left(1);
                }
                for v in s.values_mut() {
                    *v = v.rotate_left(1);
                }
            }
            Op::ShrinkTo(n) => {
                m.shrink_to(n);
                if n == 0 {
                    let before = m.size_measure();
                    m.shrink_to_fit();
                    assert!(m.size_measure() <= before);
                }
                assert!(m.capacity() >= s.len().max(n.min(m.capacity())));
            }
            Op::Reserve(n) => {
                m.reserve(n);
                assert!(m.capacity() >= s.len() + n);
            }
            Op::Extend(items) => {
                m.extend(items.iter().copied());
                s.extend(items.iter().copied());
            }
            Op::ExtractIf(d) => {
                // The predicate also changes the values it keeps, as std allows.
                let pred = |k: &u64, v: &mut u32| {
                    *v = v.wrapping_add(7);
                    k.is_multiple_of(d)
                };
                let mut a: Vec<_> = m.extract_if(pred).collect();
                let mut b: Vec<_> = s.extract_if(pred).collect();
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b);
            }
            Op::ExtractSome(d, n) => {
                // Dropped after `n`: which entries come out depends on the order, so std's
                // map loses exactly the ones GoMap yielded.
                let got: Vec<_> = m.extract_if(|k, _| k.is_multiple_of(d)).take(n).collect();
                // Fewer than `n`: the walk reached the end and took every match.
                let reached_end = got.len() < n;
                for (k, v) in got {
                    assert_eq!(k % d, 0);
                    assert_eq!(s.remove(&k), Some(v));
                }
                if reached_end {
                    assert!(s.keys().all(|k| !k.is_multiple_of(d)));
                }
            }
            Op::GetDisjoint(a, b, c) => {
                let dup = |x: u64, y: u64| x == y && s.contains_key(&x);
                if dup(a, b) || dup(a, c) || dup(b, c) {
                    let r = catch_unwind(AssertUnwindSafe(|| {
                        m.get_disjoint_mut([&a, &b, &c]);
                    }));
                    assert!(r.is_err(), "duplicate present keys must panic");
                    let r = catch_unwind(AssertUnwindSafe(|| {
                        s.get_disjoint_mut([&a, &b, &c]);
                    }));
                    assert!(r.is_err());
                } else {
                    let got = m.get_disjoint_mut([&a, &b, &c]);
                    let want = s.get_disjoint_mut([&a, &b, &c]);
                    assert_eq!(got, want);
                    for v in got.into_iter().flatten() {
                        *v = v.wrapping_mul(5);
                    }
                    for v in want.into_iter().flatten() {
                        *v = v.wrapping_mul(5);
                    }
                }
            }
            Op::CloneFrom(items) => {
                // Into a map of other entries; the copy carries on in place of the original.
                let mut dst = Map::with_hasher(m.hasher().clone());
                dst.extend(items.iter().copied());
                dst.clone_from(&m);
                assert_eq!(dst.header(), m.header());
                m = dst;
            }
        }
        check(&m, &s, keys);
        same_size_grows += usize::from(m.same_size_growing() && !was_same_size);
    }
    // Owning iteration at the end, whatever state the table is in.
    let mut all: Vec<_> = m.into_iter().collect();
    all.sort_unstable();
    assert_eq!(all, sorted(s.iter()));
    same_size_grows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 2 } else { 64 }, ..ProptestConfig::default() })]

    /// A wide key space: many doubling grows, operations landing mid-grow.
    #[test]
    fn wide_keys_many_grows(ops in prop::collection::vec(op(4096), 1..400)) {
        run(GoMap::new(), ops, 4096);
    }

    /// A small key space with churn.
    #[test]
    fn small_keys_churn(ops in prop::collection::vec(op(40), 1..400)) {
        run(GoMap::new(), ops, 40);
    }

    /// Two buckets' worth of distinct low bits: long overflow chains and same-size grows.
    #[test]
    fn poor_hasher_long_chains(ops in prop::collection::vec(op(300), 1..300), bits in 0..3u32) {
        run(GoMap::with_hasher(PoorState { bits }), ops, 300);
    }


    /// The identity hash: keys land in bucket k mod 2^B with tophash 5 (top byte 0, lifted).
    #[test]
    fn identity_hasher(ops in prop::collection::vec(op(1000), 1..300)) {
        run(GoMap::with_hasher(IdentityState), ops, 1000);
    }

    /// Sized up front, then churned.
    #[test]
    fn with_capacity(hint in 0..500usize, ops in prop::collection::vec(op(600), 1..200)) {
        run(GoMap::with_capacity_and_hasher(hint, gomap::RandomState::new()), ops, 600);
    }
}

// The same `run` on SwissMap.
proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 2 } else { 64 }, ..ProptestConfig::default() })]

    /// A wide key space: many tables, splits and directory doublings.
    #[test]
    fn swiss_wide_keys_many_grows(ops in prop::collection::vec(op(4096), 1..400)) {
        run(SwissMap::new(), ops, 4096);
    }

    /// A small key space with churn: the small map, tombstones and their reuse.
    #[test]
    fn swiss_small_keys_churn(ops in prop::collection::vec(op(40), 1..400)) {
        run(SwissMap::new(), ops, 40);
    }

    /// Few distinct low bits (h2 collisions) with varied top bits.
    #[test]
    fn swiss_poor_hasher(ops in prop::collection::vec(op(300), 1..300), bits in 0..3u32) {
        run(SwissMap::with_hasher(PoorState { bits }), ops, 300);
    }

    /// The identity hash: every key in directory entry 0, h2 = the key's low 7 bits. (Fewer
    /// keys than one 1,024-slot table holds: with no top bits a split could not divide them.)
    #[test]
    fn swiss_identity_hasher(ops in prop::collection::vec(op(800), 1..300)) {
        run(SwissMap::with_hasher(IdentityState), ops, 800);
    }

    /// Sized up front by Go's NewMap hint rules, then churned.
    #[test]
    fn swiss_with_capacity(hint in 0..500usize, ops in prop::collection::vec(op(600), 1..200)) {
        run(SwissMap::with_capacity_and_hasher(hint, gomap::RandomState::new()), ops, 600);
    }
}

/// Churn that moves keys from bucket to bucket leaves overflow buckets behind everywhere; once
/// noverflow reaches 2^B, the next new key starts a same-size grow, and the map stays right.
#[test]
fn churn_triggers_same_size_grow() {
    let mut m = GoMap::with_capacity_and_hasher(40, IdentityState);
    assert_eq!(m.stats().b, 3);
    let mut s = HashMap::new();
    let mut saw_same_size = false;
    for round in 0..40u64 {
        let bucket = round % 8;
        let keys: Vec<u64> = (0..9).map(|j| bucket + 8 * j + 800 * round).collect();
        for &k in &keys {
            m.insert(k, k as u32);
            s.insert(k, k as u32);
            let st = m.stats();
            if st.same_size_grow {
                saw_same_size = true;
                assert_eq!(st.b, 3, "a same-size grow keeps B");
                assert_eq!(st.old_buckets, 8);
            }
        }
        for &k in &keys[1..] {
            assert_eq!(m.remove(&k), s.remove(&k));
        }
        check(&m, &s, 40 * 800);
    }
    assert!(saw_same_size);
}

/// One wave of churn: fill bucket `bucket` (identity hash, so key k sits in bucket k mod 2^B)
/// with `n` fresh keys, then delete all but `keep` of them. Successive waves in different buckets
/// leave overflow buckets behind while the count stays low: the situation that makes Go start a
/// same-size grow.
#[derive(Clone, Debug)]
struct Wave {
    bucket: u64,
    n: u64,
    keep: u64,
}

fn wave() -> impl Strategy<Value = Wave> {
    (0..8u64, 9..32u64, 0..2u64).prop_map(|(bucket, n, keep)| Wave { bucket, n, keep })
}

/// Runs the waves on GoMap and std's HashMap, checking after each; returns how many same-size
/// grows started.
fn run_waves(waves: &[Wave]) -> usize {
    let mut m = GoMap::with_hasher(IdentityState);
    let mut s = HashMap::new();
    let mut same_size = 0;
    for (w, wave) in waves.iter().enumerate() {
        // Distinct keys per wave, all congruent to `bucket` mod 8.
        let keys: Vec<u64> = (0..wave.n).map(|j| wave.bucket + 8 * j + 256 * w as u64).collect();
        for &k in &keys {
            let before = m.stats().same_size_grow;
            assert_eq!(m.insert(k, k as u32), s.insert(k, k as u32));
            same_size += usize::from(m.stats().same_size_grow && !before);
        }
        for &k in &keys[wave.keep as usize..] {
            assert_eq!(m.remove(&k), s.remove(&k));
        }
        check(&m, &s, 256 * waves.len() as u64);
    }
    same_size
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 1 } else { 24 }, ..ProptestConfig::default() })]

    #[test]
    fn churn_waves(waves in prop::collection::vec(wave(), 1..60)) {
        run_waves(&waves);
    }
}

/// The wave strategy does reach same-size grows: checked on fixed-seed cases, so it cannot
/// flake.
#[test]
fn churn_waves_reach_same_size_grows() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = prop::collection::vec(wave(), 40..60);
    let grows: Vec<usize> = (0..10)
        .map(|_| run_waves(&strategy.new_tree(&mut runner).expect("strategy").current()))
        .collect();
    assert!(grows.iter().all(|&g| g > 0), "same-size grows per case: {grows:?}");
}

/// GoSet against std's HashSet: the same operations, and the set operations against a second
/// set, compared after each step.
#[derive(Clone, Debug)]
enum SetOp {
    Insert(u64),
    Replace(u64),
    Remove(u64),
    Take(u64),
    Get(u64),
    Retain(u64),
    ExtractIf(u64),
    Extend(Vec<u64>),
    Drain,
    Against(Vec<u64>),
}

fn set_op(keys: u64) -> impl Strategy<Value = SetOp> {
    let k = 0..keys;
    prop_oneof![
        30 => k.clone().prop_map(SetOp::Insert),
        3 => k.clone().prop_map(SetOp::Replace),
        12 => k.clone().prop_map(SetOp::Remove),
        3 => k.clone().prop_map(SetOp::Take),
        5 => k.clone().prop_map(SetOp::Get),
        1 => (2..5u64).prop_map(SetOp::Retain),
        1 => (2..5u64).prop_map(SetOp::ExtractIf),
        2 => prop::collection::vec(k.clone(), 0..60).prop_map(SetOp::Extend),
        1 => Just(SetOp::Drain),
        4 => prop::collection::vec(k, 0..80).prop_map(SetOp::Against),
    ]
}

fn sorted_set<'a>(it: impl Iterator<Item = &'a u64>) -> Vec<u64> {
    let mut v: Vec<u64> = it.copied().collect();
    v.sort_unstable();
    v
}

fn run_set(ops: Vec<SetOp>, keys: u64) {
    let mut g: GoSet<u64> = GoSet::new();
    let mut s: HashSet<u64> = HashSet::new();
    for op in ops {
        match op {
            SetOp::Insert(k) => assert_eq!(g.insert(k), s.insert(k)),
            SetOp::Replace(k) => assert_eq!(g.replace(k), s.replace(k)),
            SetOp::Remove(k) => assert_eq!(g.remove(&k), s.remove(&k)),
            SetOp::Take(k) => assert_eq!(g.take(&k), s.take(&k)),
            SetOp::Get(k) => {
                assert_eq!(g.get(&k), s.get(&k));
                assert_eq!(g.contains(&k), s.contains(&k));
            }
            SetOp::Retain(d) => {
                g.retain(|k| !k.is_multiple_of(d));
                s.retain(|k| !k.is_multiple_of(d));
            }
            SetOp::ExtractIf(d) => {
                let mut a: Vec<u64> = g.extract_if(|k| k.is_multiple_of(d)).collect();
                let mut b: Vec<u64> = s.extract_if(|k| k.is_multiple_of(d)).collect();
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b);
            }
            SetOp::Extend(items) => {
                g.extend(items.iter());
                s.extend(items.iter());
            }
            SetOp::Drain => {
                let mut a: Vec<u64> = g.drain().collect();
                let mut b: Vec<u64> = s.drain().collect();
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b);
            }
            SetOp::Against(items) => {
                let go: GoSet<u64> = items.iter().copied().collect();
                let st: HashSet<u64> = items.iter().copied().collect();
                assert_eq!(sorted_set(g.union(&go)), sorted_set(s.union(&st)));
                assert_eq!(sorted_set(g.intersection(&go)), sorted_set(s.intersection(&st)));
                assert_eq!(sorted_set(g.difference(&go)), sorted_set(s.difference(&st)));
                assert_eq!(
                    sorted_set(g.symmetric_difference(&go)),
                    sorted_set(s.symmetric_difference(&st))
                );
                assert_eq!(g.union(&go).count(), s.union(&st).count());
                assert_eq!(sorted_set((&g | &go).iter()), sorted_set((&s | &st).iter()));
                assert_eq!(sorted_set((&g & &go).iter()), sorted_set((&s & &st).iter()));
                assert_eq!(sorted_set((&g ^ &go).iter()), sorted_set((&s ^ &st).iter()));
                assert_eq!(sorted_set((&g - &go).iter()), sorted_set((&s - &st).iter()));
                assert_eq!(g.is_subset(&go), s.is_subset(&st));
                assert_eq!(g.is_superset(&go), s.is_superset(&st));
                assert_eq!(g.is_disjoint(&go), s.is_disjoint(&st));
                assert_eq!(g == go, s == st);
                // Replacing the set by a copy of the other, through clone_from.
                if items.len() % 3 == 0 {
                    g.clone_from(&go);
                    s.clone_from(&st);
                }
            }
        }
        assert_eq!(g.len(), s.len());
        assert_eq!(g.iter().len(), s.len());
        assert_eq!(sorted_set(g.iter()), sorted_set(s.iter()));
        for k in 0..keys {
            assert_eq!(g.contains(&k), s.contains(&k), "key {k}");
        }
    }
    let mut all: Vec<u64> = g.into_iter().collect();
    all.sort_unstable();
    assert_eq!(all, sorted_set(s.iter()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 2 } else { 64 }, ..ProptestConfig::default() })]

    #[test]
    fn set_matches_std(ops in prop::collection::vec(set_op(300), 1..300)) {
        run_set(ops, 300);
    }

    #[test]
    fn set_small_keys_churn(ops in prop::collection::vec(set_op(30), 1..300)) {
        run_set(ops, 30);
    }
}
