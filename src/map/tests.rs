//! White-box tests: tophash states and bucket placement, read through the raw view.

use core::hash::{BuildHasher, Hasher};

use super::raw::{BmapView, Generation};
use super::*;

#[derive(Clone, Copy, Default)]
struct Identity;
struct IdentityHasher(u64);
impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("u64 keys only")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
impl BuildHasher for Identity {
    type Hasher = IdentityHasher;
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

/// Every bmap of array `g`: its bucket's index, its depth along the chain, the bmap.
fn bmaps<V, S>(m: &GoMap<u64, V, S>, g: Generation) -> Vec<(usize, usize, BmapView<'_, u64, V>)> {
    let chains = m.raw().array(g).into_iter().flat_map(|a| a.chains());
    chains.flat_map(|c| c.bmaps().map(move |b| (c.index(), b.depth(), b))).collect()
}

/// The tophash bytes of bucket `index`'s chain in the current array.
fn chain_tophash(m: &GoMap<u64, u64, Identity>, index: usize) -> Vec<[u8; 8]> {
    let bmaps = bmaps(m, Generation::Current).into_iter();
    bmaps.filter(|(i, _, _)| *i == index).map(|(_, _, b)| b.tophash()).collect()
}

const TOP: u64 = 0xAB << 56;

/// A xorshift64 stream: test inputs that differ in their low bits (bucket index under
/// `Identity`) as much as in their top byte (tophash).
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

#[test]
fn tophash_is_top_byte_lifted_past_markers() {
    assert_eq!(table::tophash(0xAB << 56), 0xAB);
    assert_eq!(table::tophash(0), MIN_TOP_HASH);
    assert_eq!(table::tophash(4 << 56), 4 + MIN_TOP_HASH);
    assert_eq!(table::tophash(5 << 56), 5);
}

#[test]
fn remove_leaves_empty_one_then_empty_rest_across_the_chain() {
    let mut m = GoMap::with_hasher(Identity);
    // 12 keys in bucket 0 of a B = 0 map: one full bucket plus 4 slots of an overflow bucket.
    for i in 0..12u64 {
        m.insert(TOP | (i << 8), i);
    }
    let th = chain_tophash(&m, 0);
    assert_eq!(th, vec![[0xAB; 8], [0xAB, 0xAB, 0xAB, 0xAB, 0, 0, 0, 0]]);
    // Removing from the middle leaves emptyOne: later slots still hold entries.
    m.remove(&(TOP | (2 << 8)));
    assert_eq!(chain_tophash(&m, 0)[0][2], EMPTY_ONE);
    // Removing the chain's last entry turns the trailing run into emptyRest.
    m.remove(&(TOP | (11 << 8)));
    assert_eq!(chain_tophash(&m, 0)[1], [0xAB, 0xAB, 0xAB, 0, 0, 0, 0, 0]);
    // Empty the overflow bucket: the run reaches back into the first bucket, up to the last
    // filled slot (7), and slot 2 stays emptyOne.
    for i in 8..11u64 {
        m.remove(&(TOP | (i << 8)));
    }
    let th = chain_tophash(&m, 0);
    assert_eq!(th[1], [0; 8]);
    assert_eq!(th[0], [0xAB, 0xAB, EMPTY_ONE, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB]);
    for i in (3..8u64).rev() {
        m.remove(&(TOP | (i << 8)));
    }
    // Slots 2..8 are now all empty: emptyRest from slot 2 on, including the old emptyOne.
    assert_eq!(chain_tophash(&m, 0)[0], [0xAB, 0xAB, 0, 0, 0, 0, 0, 0]);
    // An insert reuses the first empty slot.
    m.insert(TOP | (50 << 8), 50);
    assert_eq!(chain_tophash(&m, 0)[0], [0xAB, 0xAB, 0xAB, 0, 0, 0, 0, 0]);
}

#[test]
fn evacuation_marks_old_slots_and_splits_x_and_y() {
    let mut m = GoMap::with_hasher(Identity);
    // B = 0 holds 8 entries; give them hash bit 0 alternately 0 and 1 (X and Y after doubling).
    for i in 0..8u64 {
        m.insert(TOP | i, i);
    }
    // B = 1 after the 9th insert; the single old bucket is evacuated at once.
    m.insert(TOP | 8, 8);
    assert_eq!(m.stats().b, 1);
    assert!(!m.stats().growing);
    let x: Vec<u64> = (0..9).filter(|i| i % 2 == 0).collect();
    let mut in_x = Vec::new();
    let mut in_y = Vec::new();
    for (index, _, b) in bmaps(&m, Generation::Current) {
        let keys = b.slots().into_iter().filter_map(|s| s.key.map(|k| k & 0xff));
        match index {
            0 => in_x.extend(keys),
            _ => in_y.extend(keys),
        }
    }
    in_x.sort();
    in_y.sort();
    assert_eq!(in_x, x);
    assert_eq!(in_y, [1, 3, 5, 7]);

    // Mid-grow with B = 3 -> 4: old buckets not yet reached keep their entries, evacuated ones
    // show only markers.
    let mut m = GoMap::with_hasher(Identity);
    for i in 0..53u64 {
        m.insert(TOP | i, i);
    }
    let st = m.stats();
    assert!(st.growing);
    let old: Vec<(usize, [u8; 8])> = bmaps(&m, Generation::Old)
        .into_iter()
        .filter(|(_, depth, _)| *depth == 0)
        .map(|(index, _, b)| (index, b.tophash()))
        .collect();
    assert_eq!(old.len(), 8);
    for (index, th) in old {
        let evacuated = th[0] > EMPTY_ONE && th[0] < MIN_TOP_HASH;
        assert_eq!(evacuated, index < st.nevacuate || index == 52 % 8, "old bucket {index}");
        if evacuated {
            assert!(th.iter().all(|&t| (EVACUATED_X..=EVACUATED_EMPTY).contains(&t)));
        }
    }
}

#[test]
fn preallocated_overflow_buckets_come_first() {
    // B = 5: Go preallocates 2^(5-4) = 2 overflow buckets and rounds the 34 buckets of 144 bytes
    // up to the 5376-byte size class, which holds 37: 5 overflow buckets, then the arena.
    let mut m = GoMap::with_capacity_and_hasher(200, Identity);
    assert_eq!(m.stats().b, 5);
    let buckets = m.raw().buckets().expect("allocated");
    assert_eq!(buckets.preallocated_overflow(), 5);
    assert_eq!(m.raw().header().spare_overflow, 5);
    for i in 0..56u64 {
        m.insert(TOP | (i << 5), i); // all in bucket 0: 8 + 6 overflow buckets
    }
    let prealloc: Vec<bool> = bmaps(&m, Generation::Current)
        .into_iter()
        .filter(|(index, depth, _)| *index == 0 && *depth > 0)
        .map(|(_, _, b)| b.preallocated())
        .collect();
    assert_eq!(prealloc, [true, true, true, true, true, false]);
    assert_eq!(m.stats().noverflow, 6);
    assert_eq!(m.raw().header().spare_overflow, 0);
    let bucket = raw::BucketShape::of::<u64, u64>().size;
    assert!(m.raw().allocated_bytes() >= (32 + 5 + 1) * bucket);
}

#[test]
fn bucket_layout_groups_keys_and_values() {
    // tophash 8 + 8 u64 keys + 8 u8 values + pointer: 8 + 64 + 8 + 8 = 88, no padding per slot.
    assert_eq!(raw::BucketShape::of::<u64, u8>().size, 88);
    assert_eq!(raw::BucketShape::of::<u64, u64>().size, 8 + 64 + 64 + 8);
    // Over 128 bytes: stored as pointers.
    assert_eq!(raw::BucketShape::of::<[u8; 129], [u8; 200]>().size, 8 + 64 + 64 + 8);
    assert_eq!(raw::BucketShape::of::<[u8; 128], ()>().size, 8 + 8 * 128 + 8);
    assert_eq!(raw::BucketShape::of::<(), ()>().size, 16);
}

#[test]
fn cached_grow_limits_agree_with_go_triggers() {
    use super::table::{grow_limits, over_load_factor, too_many_overflow_buckets};
    for b in 0..=40u8 {
        let (load, ovf) = grow_limits(b);
        for count in [0, 1, load.saturating_sub(2), load - 1, load, load + 1, 2 * load] {
            assert_eq!(count >= load, over_load_factor(count + 1, b), "b={b} count={count}");
        }
        for n in [0, 1, ovf - 1, ovf, ovf.saturating_add(1), u16::MAX] {
            assert_eq!(n >= ovf, too_many_overflow_buckets(n, b), "b={b} noverflow={n}");
        }
    }
}

/// After every remove, a chain's empty slot is emptyRest exactly when every later slot of the
/// chain is empty too (Go's invariant, which lookups rely on to stop early).
#[test]
fn empty_rest_marks_exactly_the_trailing_empty_run() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for round in 0..200 {
        let mut m: GoMap<u64, u64, Identity> = GoMap::with_capacity_and_hasher(8, Identity);
        // Up to four buckets' worth of keys, all in bucket 0's chain (low bits 0).
        let n = 1 + next() % 32;
        let mut keys: Vec<u64> = (0..n).map(|i| TOP | (i << 8)).collect();
        for &k in &keys {
            m.insert(k, k);
        }
        while !keys.is_empty() {
            let k = keys.swap_remove((next() % keys.len() as u64) as usize);
            assert_eq!(m.remove(&k), Some(k));
            let slots: Vec<u8> = chain_tophash(&m, 0).concat();
            for (i, &t) in slots.iter().enumerate() {
                let rest_empty = slots[i..].iter().all(|&u| u < MIN_TOP_HASH);
                if t < MIN_TOP_HASH {
                    let want = if rest_empty { EMPTY_REST } else { EMPTY_ONE };
                    assert_eq!(t, want, "round {round}, slot {i} of {slots:?}");
                }
            }
            for &k in &keys {
                assert_eq!(m.get(&k), Some(&k), "round {round}");
            }
        }
        // Refill in order: inserts take the first empty slot again.
        for i in 0..n {
            m.insert(TOP | (i << 8), i);
        }
        assert_eq!(m.len() as u64, n);
    }
}

/// `fold` walks gathered groups of buckets; it must pass the same entries in the same order
/// as `mapiternext`, from every start bucket and slot offset, across long overflow chains (which
/// span groups), sparse arrays (where it stops early) and a grow in progress.
#[test]
fn fold_visits_entries_in_next_order() {
    let mut next = xorshift(0x0123_4567_89ab_cdef);
    let mut maps: Vec<GoMap<u64, u64, Identity>> = Vec::new();
    for n in [0usize, 1, 7, 8, 9, 50, 200, 1000, 3000] {
        let mut m = GoMap::with_hasher(Identity);
        for _ in 0..n {
            let k = next();
            m.insert(k, k ^ 1);
        }
        maps.push(m);
    }
    // Chains of up to 7 buckets: 50 keys in bucket 3 of a 16-bucket array, a few elsewhere.
    let mut m = GoMap::with_capacity_and_hasher(100, Identity);
    assert_eq!(m.stats().b, 4);
    for i in 0..50u64 {
        m.insert(TOP | (i << 8) | 3, i);
    }
    for i in 0..20u64 {
        m.insert(TOP | (i << 8) | (i % 16), i);
    }
    assert!(!m.stats().growing);
    maps.push(m);
    // Sparse: a 4096-bucket array left with 10 entries.
    let mut m = GoMap::with_hasher(Identity);
    let keys: Vec<u64> = (0..20_000).map(|_| next()).collect();
    for &k in &keys {
        m.insert(k, k);
    }
    for &k in &keys[10..] {
        m.remove(&k);
    }
    maps.push(m);
    // Mid-grow: fold falls back to `mapiternext`.
    let mut m = GoMap::with_hasher(Identity);
    while !m.stats().growing || m.len() < 100 {
        let k = next();
        m.insert(k, k);
    }
    maps.push(m);
    for m in &maps {
        for _ in 0..64 {
            let it = m.iter();
            let mut by_next = Vec::new();
            for (k, v) in it.clone() {
                by_next.push((*k, *v));
            }
            let by_fold = it.fold(Vec::new(), |mut acc, (k, v)| {
                acc.push((*k, *v));
                acc
            });
            assert_eq!(by_fold, by_next);
            assert_eq!(by_fold.len(), m.len());
        }
    }
}

/// A finished grow's old array is not freed by the write that ends the grow: from B = 13 on
/// (arrays of 1 MiB and up, mapped from the kernel) it is handed back RELEASE_STEP bytes per
/// later write, on inserts and removes alike, and every entry stays reachable throughout.
#[test]
fn old_generation_goes_back_a_step_per_write() {
    let mut m: GoMap<u64, u64, Identity> = GoMap::with_hasher(Identity);
    let mut k = 0u64;
    // Up to B = 14, and on until the grow from B = 13 has finished.
    while m.stats().b < 14 || m.stats().growing {
        m.insert(k, k);
        k += 1;
    }
    let old_bytes = (1usize << 13) * bucket::Shape::<u64, u64>::SIZE;
    assert!(old_bytes >= memory::MAPPED_ARRAY);
    if cfg!(target_os = "linux") && memory::MAP_LARGE {
        assert!(m.table.retired.is_some(), "the B = 13 array is retired, not freed");
    }
    let steps = old_bytes.div_ceil(memory::RELEASE_STEP);
    for i in 0..steps + 8 {
        if i % 2 == 0 {
            m.insert(k, k);
            k += 1;
        } else {
            assert_eq!(m.remove(&(i as u64)), Some(i as u64));
        }
    }
    assert!(m.table.retired.is_none(), "released within {steps} writes and its arena chunks");
    for j in steps as u64 + 8..k {
        assert_eq!(m.get(&j), Some(&j));
    }
}

/// Overflow buckets come in chunks that double up to ARENA_CHUNK_MAX and no further, so a
/// retired arena goes back a chunk at a time too.
#[test]
fn arena_chunks_stay_bounded() {
    let mut a = memory::Arena::default();
    let layout = core::alloc::Layout::from_size_align(144, 8).unwrap();
    let mut last = 0;
    for _ in 0..20_000 {
        a.alloc(layout);
        let now = a.allocated_bytes();
        assert!(now - last <= memory::ARENA_CHUNK_MAX + 4096, "one chunk of {} bytes", now - last);
        if now != last {
            last = now;
        }
    }
    assert!(a.allocated_bytes() >= 20_000 * 144);
}

/// Large arrays go to a pool when a map is dropped or a grow retires them, zeroed, and later
/// arrays of the same size take them: every bucket of such an array must read as empty.
#[test]
fn reused_arrays_read_as_empty() {
    for round in 0..3u64 {
        // B = 14 through every grow from B = 13 (1.2 MiB, mapped), then dropped.
        let mut m: GoMap<u64, u64, Identity> = GoMap::with_hasher(Identity);
        let mut k = round;
        while m.stats().b < 14 || m.stats().growing {
            m.insert(k.wrapping_mul(0x9e37_79b9_7f4a_7c15), k);
            k += 1;
        }
        for _ in 0..memory::POOL_MAX / memory::RELEASE_STEP {
            m.insert(k.wrapping_mul(0x9e37_79b9_7f4a_7c15), k);
            k += 1;
        }
        drop(m);
        for b in [13u8, 14] {
            let fresh: GoMap<u64, u64, Identity> =
                GoMap::with_capacity_and_hasher(if b == 13 { 40_000 } else { 80_000 }, Identity);
            assert_eq!(fresh.stats().b, b);
            let mut buckets = 0;
            for (index, depth, v) in bmaps(&fresh, Generation::Current) {
                assert_eq!(v.tophash(), [0; BUCKET_CNT], "bucket {index} of a B = {b} array");
                assert_eq!(depth, 0, "no overflow link in a fresh array");
                buckets += 1;
            }
            assert_eq!(buckets, 1 << b);
        }
    }
}
