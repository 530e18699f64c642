//! The raw view (`GoMap::raw`) against maps whose placement the tests choose: the header as Go
//! holds it, the chains, and lookups and iterations traced from the map's own code. Needs no
//! feature: this is what a library user with `default-features = false` gets.

mod common;

use common::IdentityState;
use gomap::map::raw::{BucketShape, Generation, SlotState};
use gomap::GoMap;
use proptest::prelude::*;

/// Key `i` with tophash byte `top`: under `IdentityState` its low bits are its bucket.
fn key(top: u8, i: u64) -> u64 {
    u64::from(top) << 56 | i
}

/// 26 keys at B = 2, then a 27th that starts the grow to B = 3 and evacuates old buckets 0 and
/// 1 (its own, then nevacuate's); old buckets 2 and 3 still hold their entries.
fn half_grown() -> GoMap<u64, u64, IdentityState> {
    let mut m = GoMap::with_hasher(IdentityState);
    for i in (0..=25).chain([28]) {
        m.insert(key(0xab, i), i);
    }
    m
}

#[test]
fn the_header_is_go_s_hmap() {
    let mut m: GoMap<u64, u64, IdentityState> = GoMap::with_hasher(IdentityState);
    let h = m.raw().header();
    assert_eq!((h.count, h.b, h.has_buckets, h.old_b), (0, 0, false, None));
    assert!(m.raw().buckets().is_none() && m.raw().oldbuckets().is_none());
    m.insert(1, 1);
    assert!(m.raw().header().has_buckets);
    let m = half_grown();
    let h = m.raw().header();
    assert_eq!((h.count, h.b, h.old_b, h.nevacuate), (27, 3, Some(2), 2));
    assert!(h.growing() && !h.same_size_grow);
    let old = m.raw().oldbuckets().expect("growing");
    assert_eq!((old.b(), old.nbuckets(), old.generation()), (2, 4, Generation::Old));
    let evacuated: Vec<bool> = old.chains().map(|c| c.evacuated()).collect();
    assert_eq!(evacuated, [true, true, false, false]);
    // An evacuated old bucket keeps only markers; an unevacuated one keeps its entries.
    for s in old.chain(0).unwrap().bmaps().flat_map(|b| b.slots()) {
        assert!(s.state().is_evacuated() && s.key.is_none(), "{s:?}");
    }
    let waiting: Vec<u64> = old
        .chain(2)
        .unwrap()
        .bmaps()
        .flat_map(|b| b.slots())
        .filter_map(|s| s.key.copied())
        .collect();
    assert_eq!(waiting.iter().map(|k| k & 0xff).collect::<Vec<_>>(), [2, 6, 10, 14, 18, 22]);
    assert!(old.chain(4).is_none());
}

#[test]
fn iterator_flags_follow_go() {
    let mut m: GoMap<u64, u64, IdentityState> = GoMap::with_hasher(IdentityState);
    let _ = m.iter().count();
    let h = m.raw().header();
    assert!(!h.iterator && !h.old_iterator, "an iterator over no entries sets nothing");
    for i in 0..8 {
        m.insert(key(0xab, i), i);
    }
    let _ = m.iter().count();
    let h = m.raw().header();
    assert!(h.iterator && h.old_iterator);
    m.insert(key(0xab, 8), 8); // hashGrow: the iterator now walks what became the old array
    let h = m.raw().header();
    assert!(!h.iterator && h.old_iterator);
}

#[test]
fn chains_show_overflow_buckets_in_link_order() {
    // B = 4 after the hint: two preallocated overflow buckets (Go rounds the 17 buckets of 144
    // bytes up to its 2688-byte size class, which holds 18), then the arena.
    let mut m = GoMap::with_capacity_and_hasher(60, IdentityState);
    assert_eq!(m.raw().header().b, 4);
    assert_eq!(m.raw().buckets().unwrap().preallocated_overflow(), 2);
    for i in 0..28 {
        m.insert(key(0x80 + i as u8, i << 4), i); // all in bucket 0
    }
    let chain = m.raw().buckets().unwrap().chain(0).unwrap();
    let bmaps: Vec<_> = chain.bmaps().collect();
    assert_eq!(bmaps.len(), 4);
    let depth: Vec<usize> = bmaps.iter().map(|b| b.depth()).collect();
    assert_eq!(depth, [0, 1, 2, 3]);
    let pre: Vec<bool> = bmaps.iter().map(|b| b.preallocated()).collect();
    assert_eq!(pre, [false, true, true, false]);
    assert_eq!(m.raw().header().spare_overflow, 0);
    assert_eq!(bmaps[1].tophash(), core::array::from_fn(|i| 0x88 + i as u8));
    assert_eq!(bmaps[3].slot(3).value, Some(&27));
    assert_eq!(bmaps[3].slot(4).state(), SlotState::EmptyRest);
    let shape = m.raw().bucket_shape();
    assert_eq!(shape, BucketShape::of::<u64, u64>());
    assert_eq!((shape.size, shape.key_slot, shape.elem_slot), (144, 8, 8));
    assert!(m.raw().allocated_bytes() >= (16 + 2 + 1) * shape.size);
}

#[test]
fn big_keys_and_values_are_boxed() {
    let s = BucketShape::of::<[u8; 129], u64>();
    assert!(s.indirect_key && !s.indirect_elem);
    assert_eq!(s.key_slot, std::mem::size_of::<usize>());
    let s = BucketShape::of::<u64, [u8; 128]>();
    assert!(!s.indirect_key && !s.indirect_elem);
    assert_eq!(s.elem_slot, 128);
}

#[test]
fn a_lookup_reports_the_chain_it_read_and_what_it_checked() {
    let m = half_grown();
    // Key 6 lands on new bucket 6; old bucket 2 is not evacuated, so the lookup reads it.
    let t = m.raw().trace_lookup(&key(0xab, 6));
    assert_eq!((t.bucket, t.tophash), (6, 0xab));
    assert_eq!(t.read, Some((Generation::Old, 2)));
    assert_eq!(m.raw().read_chain(6), t.read);
    // Old bucket 2 holds 2, 6, 10, ... in that order: slot 1, after one filled slot.
    assert_eq!(t.found, Some((0, 1)));
    assert_eq!((t.probes, t.key_compares), (2, 2), "same tophash: every key is compared");
    // Key 4's old bucket moved: it is read from new bucket 4.
    let t = m.raw().trace_lookup(&key(0xab, 4));
    assert_eq!(t.read, Some((Generation::Current, 4)));
    assert!(t.found.is_some());
    // A miss with a tophash nobody has checks every filled slot and compares no key.
    let t = m.raw().trace_lookup(&key(0xcd, 3));
    assert_eq!(t.found, None);
    assert_eq!((t.probes, t.key_compares), (6, 0));
    // No array yet: the lookup reads nothing.
    let empty: GoMap<u64, u64, IdentityState> = GoMap::with_hasher(IdentityState);
    let t = empty.raw().trace_lookup(&1);
    assert_eq!((t.read, t.found, t.probes), (None, None, 0));
}

#[test]
fn a_lookup_along_a_chain_counts_its_depth() {
    let mut m = GoMap::with_capacity_and_hasher(8, IdentityState);
    for i in 0..20u64 {
        m.insert(key(0x10 + i as u8, 0), i); // all in bucket 0's chain, each its own tophash
    }
    let t = m.raw().trace_lookup(&key(0x10 + 17, 0));
    assert_eq!(t.found, Some((2, 1)), "the 18th key: third bmap, slot 1");
    assert_eq!((t.probes, t.key_compares), (18, 1));
}

#[test]
fn a_walk_is_the_iterator_step_by_step() {
    let m = half_grown();
    let steps = m.raw().walk(5, 3);
    let buckets: Vec<usize> = steps.iter().map(|s| s.bucket).collect();
    assert_eq!(buckets, [5, 6, 7, 0, 1, 2, 3, 4]);
    // New bucket 6 reads old bucket 2 and passes over the keys that go to new bucket 2.
    assert_eq!(steps[1].read, (Generation::Old, 2));
    assert_eq!((steps[1].skipped, steps[1].skipped_to), (3, Some(2)));
    let six: Vec<u64> = steps[1].entries.iter().map(|(k, _)| *k & 0xff).collect();
    assert_eq!(six, [14, 22, 6], "from slot offset 3, wrapping");
    assert_eq!((steps[0].read, steps[0].skipped), ((Generation::Current, 5), 0));
    let walked: Vec<u64> = steps.iter().flat_map(|s| s.entries.iter().map(|(k, _)| **k)).collect();
    let iterated: Vec<u64> = m.raw().iter_from(5, 3).map(|(k, _)| *k).collect();
    assert_eq!(walked, iterated);
    assert_eq!(walked.len(), 27);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 2 } else { 64 }))]
    /// Whatever the operations, every lookup trace agrees with `get`, and the view holds each
    /// live entry exactly once in the chains lookups read.
    #[test]
    fn traces_agree_with_the_map(ops in prop::collection::vec((any::<bool>(), 0u64..400), 0..500)) {
        let mut m = GoMap::new();
        for (ins, k) in ops {
            if ins {
                m.insert(k, k + 1);
            } else {
                m.remove(&k);
            }
        }
        let raw = m.raw();
        for k in 0..400u64 {
            let t = raw.trace_lookup(&k);
            prop_assert_eq!(t.found.is_some(), m.contains_key(&k));
            prop_assert!(t.key_compares <= t.probes);
            if let Some((depth, slot)) = t.found {
                let (g, i) = t.read.unwrap();
                let chain = raw.array(g).unwrap().chain(i).unwrap();
                let b = chain.bmaps().nth(depth).unwrap();
                prop_assert_eq!(b.slot(slot).key, Some(&k));
                prop_assert_eq!(b.slot(slot).value, m.get(&k));
                prop_assert_eq!(b.slot(slot).tophash, t.tophash);
            }
        }
        let mut seen = 0;
        for j in 0..raw.buckets().map_or(0, |a| a.nbuckets()) {
            let (g, i) = raw.read_chain(j).unwrap();
            // An old bucket serves two new ones; count its entries at its X visit only.
            if g == Generation::Old && j != i {
                continue;
            }
            let chain = raw.array(g).unwrap().chain(i).unwrap();
            seen += chain.bmaps().flat_map(|b| b.slots()).filter(|s| s.key.is_some()).count();
        }
        prop_assert_eq!(seen, m.len());
    }
}
