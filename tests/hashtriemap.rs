//! HashTrieMap's own cases, beside the semantics, model and stress tests it shares with the
//! other concurrent maps: hashes that collide in full (overflow chains) or in their high bits
//! (deep expansion and pruning), every key and value dropped exactly once (also when `Hash`,
//! `Eq`, `Clone` or `Drop` panic), and the shape `debug_shape` reports.
#![cfg(not(loom))]

mod epoch;

use epoch::reclaimed;
use gomap::concurrent::HashTrieMap;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::SeqCst};
use std::sync::Arc;

/// Hashes a key to `f(the last u64 it writes)`: deterministic hashes with chosen collisions.
#[derive(Clone, Copy)]
struct Rigged(fn(u64) -> u64);

struct RiggedHasher(fn(u64) -> u64, u64);

impl Hasher for RiggedHasher {
    fn finish(&self) -> u64 {
        (self.0)(self.1)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.1 = self.1.wrapping_mul(31).wrapping_add(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.1 = n;
    }
}

impl BuildHasher for Rigged {
    type Hasher = RiggedHasher;
    fn build_hasher(&self) -> RiggedHasher {
        RiggedHasher(self.0, 0)
    }
}

/// Every key hashes to 0: one slot of the root, one overflow chain.
const ALL_COLLIDE: Rigged = Rigged(|_| 0);
/// Hash = key: small keys agree in all their high bits, so they sit 15 levels down.
const HIGH_BITS_COLLIDE: Rigged = Rigged(|k| k);
/// Hash = key / 3: threes of keys collide in full, at the bottom of a deep trie.
const BOTH: Rigged = Rigged(|k| k / 3);

/// Random calls on `m` and on a std map; every answer must match, and the contents at the end.
fn against_model(m: &HashTrieMap<u64, u64, Rigged>, keys: u64, steps: usize, seed: u64) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut model = HashMap::new();
    for step in 0..steps {
        let k = rng.gen_range(0..keys);
        let v = rng.gen_range(0..3);
        match rng.gen_range(0..7) {
            0 => assert_eq!(m.load(&k), model.get(&k).copied(), "step {step}"),
            1 => assert_eq!(m.swap(k, v), model.insert(k, v), "step {step}"),
            2 => assert_eq!(m.load_and_delete(&k), model.remove(&k), "step {step}"),
            3 => {
                let want = *model.entry(k).or_insert(v);
                assert_eq!(m.load_or_store(k, v).0, want, "step {step}");
            }
            4 => {
                let hit = model.get(&k) == Some(&v);
                if hit {
                    model.insert(k, v + 1);
                }
                assert_eq!(m.compare_and_swap(&k, &v, v + 1), hit, "step {step}");
            }
            5 => {
                let hit = model.get(&k) == Some(&v);
                if hit {
                    model.remove(&k);
                }
                assert_eq!(m.compare_and_delete(&k, &v), hit, "step {step}");
            }
            _ => {
                m.store(k, v);
                model.insert(k, v);
            }
        }
    }
    let mut seen = HashMap::new();
    m.range(|k, v| {
        assert!(seen.insert(*k, *v).is_none(), "{k} visited twice");
        true
    });
    assert_eq!(seen, model);
    assert_eq!(m.len(), model.len());
}

#[test]
fn full_hash_collisions_chain_in_one_slot() {
    let m = HashTrieMap::with_hasher(ALL_COLLIDE);
    for k in 0..20 {
        m.store(k, k);
    }
    assert_eq!(m.debug_shape(), "root\n  0: entry 0000000000000000 +19\n");
    // Delete from the middle, the head and the tail of the chain.
    assert_eq!(m.load_and_delete(&10), Some(10));
    assert_eq!(m.load_and_delete(&19), Some(19));
    assert_eq!(m.load_and_delete(&0), Some(0));
    assert!(m.compare_and_swap(&5, &5, 50));
    assert_eq!(m.swap(7, 70), Some(7));
    assert_eq!(m.len(), 17);
    assert_eq!(m.load(&5), Some(50));
    assert_eq!(m.load(&7), Some(70));
    assert_eq!(m.load(&10), None);
    for k in 0..20 {
        m.delete(&k);
    }
    assert_eq!(m.debug_shape(), "root\n");
    against_model(&m, 24, 20_000, 1);
}

#[test]
fn high_bit_collisions_expand_deep_and_prune_back() {
    let m = HashTrieMap::with_hasher(HIGH_BITS_COLLIDE);
    m.store(1, 1);
    assert_eq!(m.debug_shape(), "root\n  0: entry 0000000000000001\n");
    m.store(2, 2);
    // Keys 1 and 2 agree in 15 digits, so the store built 15 indirect nodes below the root.
    let shape = m.debug_shape();
    assert_eq!(shape.lines().filter(|l| l.ends_with("indirect")).count(), 15, "{shape}");
    assert!(shape.contains(&format!("{}1: entry 0000000000000001", "  ".repeat(16))), "{shape}");
    assert_eq!((m.load(&1), m.load(&2), m.load(&3)), (Some(1), Some(2), None));
    // Deleting one leaves the other deep down (Go does not pull entries back up) ...
    m.delete(&2);
    assert_eq!(m.load(&1), Some(1));
    // ... and deleting the last prunes every empty node back to the root.
    m.delete(&1);
    assert_eq!(m.debug_shape(), "root\n");
    // Keys that differ only in their top digit: no expansion at all.
    for d in 0..16u64 {
        m.store(d << 60, d);
    }
    assert_eq!(m.debug_shape().lines().count(), 17);
    m.clear();
    against_model(&m, 300, 20_000, 2);
}

#[test]
fn chains_at_the_bottom_of_deep_tries() {
    let m = HashTrieMap::with_hasher(BOTH);
    against_model(&m, 60, 30_000, 3);
    for k in 0..60 {
        m.store(k, k);
    }
    assert!(m.debug_shape().contains(" +2\n"));
    for k in 0..60 {
        m.delete(&k);
    }
    assert_eq!(m.debug_shape(), "root\n");
}

/// Threads hammer keys that share trie paths (hashes differ only in low bits), each on its own
/// keys, so expansions and prunes on one thread's keys race the others' lookups and stores.
#[test]
fn colliding_paths_under_concurrency() {
    for hasher in [HIGH_BITS_COLLIDE, BOTH, ALL_COLLIDE] {
        let m = HashTrieMap::with_hasher(hasher);
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let m = &m;
                s.spawn(move || {
                    let mut model = HashMap::new();
                    for i in 0..20_000u64 {
                        let k = t + 4 * (i % 8); // 8 keys per thread, interleaved
                        match i % 5 {
                            0 | 1 => assert_eq!(m.swap(k, i), model.insert(k, i)),
                            2 => assert_eq!(m.load(&k), model.get(&k).copied()),
                            3 => assert_eq!(m.load_and_delete(&k), model.remove(&k)),
                            _ => {
                                let want = *model.entry(k).or_insert(i);
                                assert_eq!(m.load_or_store(k, i).0, want);
                            }
                        }
                    }
                    for (k, v) in model {
                        assert_eq!(m.load(&k), Some(v));
                    }
                });
            }
        });
    }
}

/// A key or value that counts its live instances and can be told to panic in `Hash`, `Eq`,
/// `Clone` or `Drop`.
struct Counted {
    id: u64,
    live: Arc<AtomicIsize>,
    boom: Arc<Boom>,
}

#[derive(Default)]
struct Boom {
    hash: AtomicBool,
    eq: AtomicBool,
    clone: AtomicBool,
    /// Drops of this id panic (after counting).
    drop_id: AtomicIsize,
}

impl Counted {
    fn new(id: u64, live: &Arc<AtomicIsize>, boom: &Arc<Boom>) -> Self {
        live.fetch_add(1, SeqCst);
        Counted { id, live: Arc::clone(live), boom: Arc::clone(boom) }
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        assert!(!self.boom.clone.load(SeqCst), "Clone panics");
        Counted::new(self.id, &self.live, &self.boom)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let left = self.live.fetch_sub(1, SeqCst);
        assert!(left > 0, "dropped twice");
        if self.boom.drop_id.load(SeqCst) == self.id as isize && !std::thread::panicking() {
            panic!("Drop panics");
        }
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        assert!(!self.boom.eq.load(SeqCst), "Eq panics");
        self.id == other.id
    }
}
impl Eq for Counted {}

impl Hash for Counted {
    fn hash<H: Hasher>(&self, h: &mut H) {
        assert!(!self.boom.hash.load(SeqCst), "Hash panics");
        self.id.hash(h);
    }
}

#[test]
fn every_key_and_value_is_dropped_exactly_once() {
    for hasher in [HIGH_BITS_COLLIDE, BOTH, ALL_COLLIDE] {
        let live = Arc::new(AtomicIsize::new(0));
        let boom = Arc::new(Boom { drop_id: AtomicIsize::new(-1), ..Boom::default() });
        let c = |id| Counted::new(id, &live, &boom);
        {
            let m = HashTrieMap::with_hasher(hasher);
            for k in 0..50 {
                m.store(c(k), c(k));
            }
            for k in 0..50 {
                m.store(c(k), c(k + 1)); // replaces key and value
            }
            for k in (0..50).step_by(3) {
                assert!(m.load_and_delete(&c(k)).is_some());
            }
            for k in (1..50).step_by(3) {
                assert!(m.compare_and_swap(&c(k), &c(k + 1), c(7))); // clones the key
            }
            for k in (2..50).step_by(3) {
                assert!(m.compare_and_delete(&c(k), &c(k + 1)));
            }
            assert_eq!(m.load_or_store(c(1), c(0)).0.id, 7);
            assert!(m.swap(c(100), c(100)).is_none());
            assert_eq!(m.len(), 18);
            assert!(reclaimed(|| live.load(SeqCst) == 2 * 18), "{}", live.load(SeqCst));
            m.clear();
            assert!(reclaimed(|| live.load(SeqCst) == 0), "clear: {}", live.load(SeqCst));
            for k in 0..30 {
                m.store(c(k), c(k));
            }
        }
        assert!(reclaimed(|| live.load(SeqCst) == 0), "drop: {}", live.load(SeqCst));
    }
}

#[test]
fn panics_in_user_code_leave_the_map_usable_and_leak_nothing() {
    for hasher in [HIGH_BITS_COLLIDE, ALL_COLLIDE] {
        let live = Arc::new(AtomicIsize::new(0));
        let boom = Arc::new(Boom { drop_id: AtomicIsize::new(-1), ..Boom::default() });
        let c = |id| Counted::new(id, &live, &boom);
        let m = HashTrieMap::with_hasher(hasher);
        for k in 0..20 {
            m.store(c(k), c(k));
        }
        let fails = |f: &dyn Fn()| catch_unwind(AssertUnwindSafe(f)).is_err();
        for (flag, what) in [(&boom.hash, "hash"), (&boom.eq, "eq"), (&boom.clone, "clone")] {
            flag.store(true, SeqCst);
            // Each call panics before changing the trie (a store of a present key clones
            // nothing, so it goes through while `Clone` panics).
            if what != "clone" {
                assert!(fails(&|| m.store(c(5), c(50))), "{what}");
            }
            assert!(fails(&|| drop(m.swap(c(6), c(60)))), "{what}");
            assert!(fails(&|| drop(m.load_and_delete(&c(7)))), "{what}");
            assert!(fails(&|| _ = m.compare_and_swap(&c(8), &c(8), c(80))), "{what}");
            assert!(fails(&|| drop(m.load_or_store(c(9), c(90)))), "{what}");
            flag.store(false, SeqCst);
            assert_eq!(m.load(&c(5)).map(|v| v.id), Some(5));
        }
        assert_eq!(m.len(), 20);
        for k in 0..20 {
            assert_eq!(m.load(&c(k)).map(|v| v.id), Some(k), "{k}");
        }
        // A value whose Drop panics, dropped with the map: the others are dropped all the same.
        boom.drop_id.store(3, SeqCst);
        assert!(reclaimed(|| live.load(SeqCst) == 40), "{}", live.load(SeqCst));
        let r = catch_unwind(AssertUnwindSafe(move || drop(m)));
        assert!(r.is_err(), "the Drop panic propagates");
        boom.drop_id.store(-1, SeqCst);
        assert_eq!(live.load(SeqCst), 0);
    }
}

/// A deferred free whose `Drop` panics does not stop other frees, nor leak them.
#[test]
fn a_panicking_drop_in_a_deferred_free_is_contained() {
    let live = Arc::new(AtomicIsize::new(0));
    let boom = Arc::new(Boom { drop_id: AtomicIsize::new(-1), ..Boom::default() });
    let c = |id| Counted::new(id, &live, &boom);
    let m = HashTrieMap::with_hasher(HIGH_BITS_COLLIDE);
    for k in 0..10 {
        m.store(c(k), c(k));
    }
    boom.drop_id.store(4, SeqCst);
    m.clear();
    assert!(reclaimed(|| live.load(SeqCst) == 0), "{}", live.load(SeqCst));
    boom.drop_id.store(-1, SeqCst);
    m.store(c(1), c(1));
    assert_eq!(m.len(), 1);
}

#[test]
fn debug_shape_of_a_random_map_lists_every_entry() {
    let m: HashTrieMap<u32, u32> = (0..1000).map(|k| (k, k)).collect();
    let shape = m.debug_shape();
    let entries: usize = shape.lines().filter(|l| l.contains(": entry ")).count();
    assert_eq!(entries, 1000, "with a good hash, chains are empty");
    // 1000 keys in 16-way nodes: the trie is a few levels deep, not more.
    let depth = shape.lines().map(|l| l.len() - l.trim_start().len()).max().unwrap() / 2;
    assert!((2..=8).contains(&depth), "depth {depth}\n{shape}");
}

/// Every method at once on shared keys whose hashes share long prefixes, clears included: no
/// crash, no key seen twice by a range, and a consistent map at the end (ASAN and valgrind
/// see the frees this races).
#[test]
fn all_methods_race_on_deep_paths_with_clears() {
    use rand::{Rng, SeedableRng};
    for hasher in [HIGH_BITS_COLLIDE, BOTH] {
        let m = HashTrieMap::with_hasher(hasher);
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let m = &m;
                s.spawn(move || {
                    let mut rng = rand::rngs::StdRng::seed_from_u64(t);
                    for _ in 0..5_000 {
                        let k = rng.gen_range(0..48u64);
                        let v = rng.gen_range(0..3u64);
                        match rng.gen_range(0..100) {
                            0 => m.clear(),
                            1..=3 => {
                                let mut seen = std::collections::HashSet::new();
                                m.range(|k, _| {
                                    assert!(seen.insert(*k), "{k} visited twice");
                                    true
                                });
                            }
                            4..=20 => drop(m.load_and_delete(&k)),
                            21..=35 => drop(m.swap(k, v)),
                            36..=45 => drop(m.load_or_store(k, v)),
                            46..=55 => _ = m.compare_and_swap(&k, &v, v + 1),
                            56..=65 => _ = m.compare_and_delete(&k, &v),
                            _ => drop(m.load(&k)),
                        }
                    }
                });
            }
        });
        let mut seen = HashMap::new();
        m.range(|k, v| {
            assert!(seen.insert(*k, *v).is_none());
            true
        });
        assert_eq!(seen.len(), m.len());
        for (k, v) in seen {
            assert_eq!(m.load(&k), Some(v));
        }
    }
}

/// The trie pictured in docs/concurrency.md is this map's `debug_shape`, drawn from it: five
/// keys with chosen hashes (hash = key with its low bit cleared, so 0x1000..0 and 0x1000..1
/// collide in full and share an overflow chain, and 0x1100..0 shares the top digit with them).
#[test]
fn the_docs_picture_is_drawn_from_a_live_trie() {
    let m = HashTrieMap::with_hasher(Rigged(|k| k & !1));
    for k in [
        0x1000_0000_0000_0000u64,
        0x1000_0000_0000_0001,
        0x1100_0000_0000_0000,
        0x2000_0000_0000_0000,
        0xf000_0000_0000_0000,
    ] {
        m.store(k, k);
    }
    let shape = m.debug_shape();
    let doc = include_str!("../docs/concurrency.md");
    let start = doc.find("```text\nroot\n").expect("the trie picture in docs/concurrency.md");
    let picture = &doc[start + "```text\n".len()..];
    let picture = &picture[..picture.find("```").expect("end of the picture")];
    assert_eq!(shape, picture, "docs/concurrency.md's trie picture is stale:\n{shape}");
}
