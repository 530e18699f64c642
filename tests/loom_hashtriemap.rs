//! Loom models of HashTrieMap's trie protocol: expansion, pruning, overflow chains, clear and the
//! lock-then-recheck step every write takes.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release --test
//! loom_hashtriemap`. Under `cfg(loom)` the trie's child pointers, `dead` flags and node
//! mutexes are loom's, so every interleaving of lock-free loads with locked writes is explored;
//! retired nodes are leaked there rather than handed to crossbeam-epoch, which loom cannot see
//! into (src/concurrent/hashtriemap.rs).
#![cfg(loom)]

use gomap::concurrent::HashTrieMap;
use loom::sync::Arc;
use loom::thread;
use std::hash::{BuildHasher, Hasher};

/// Hash = key << 52: small keys share the top two 4-bit digits and part at the third, so two
/// keys in one root slot expand into two new levels (a short chain of nodes to prune, few
/// enough atomics for loom).
#[derive(Clone, Copy, Default)]
struct Shallow;

struct ShallowHasher(u64);

impl Hasher for ShallowHasher {
    fn finish(&self) -> u64 {
        self.0 << 52
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
}

impl BuildHasher for Shallow {
    type Hasher = ShallowHasher;
    fn build_hasher(&self) -> ShallowHasher {
        ShallowHasher(0)
    }
}

/// Every key hashes to 0: all keys share one overflow chain in one root slot.
#[derive(Clone, Copy, Default)]
struct Collide;

impl BuildHasher for Collide {
    type Hasher = CollideHasher;
    fn build_hasher(&self) -> CollideHasher {
        CollideHasher
    }
}

/// The hasher of [`Collide`].
struct CollideHasher;

impl Hasher for CollideHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, _: &[u8]) {}
}

type Map = HashTrieMap<u8, u8, Shallow>;

fn map() -> Arc<Map> {
    Arc::new(HashTrieMap::with_hasher(Shallow))
}

fn contents(m: &Map) -> Vec<(u8, u8)> {
    let mut v = Vec::new();
    m.range(|k, x| {
        v.push((*k, *x));
        true
    });
    v.sort_unstable();
    v
}

/// Explores every interleaving (no preemption bound) and prints how many there were.
fn model(f: impl Fn() + Sync + Send + 'static) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&runs);
    let mut b = loom::model::Builder::new();
    b.preemption_bound = None;
    b.check(move || {
        counted.fetch_add(1, Relaxed);
        f();
    });
    eprintln!("{} executions", runs.load(Relaxed));
}

/// A store that expands the slot holding key 1 races loads of both keys: a reader sees the old
/// entry or the whole new subtree, never a trie without key 1.
#[test]
fn expand_races_loads() {
    model(|| {
        let m = map();
        m.store(1, 10);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.store(2, 20));
        assert_eq!(m.load(&1), Some(10));
        let two = m.load(&2);
        assert!(two.is_none() || two == Some(20));
        t.join().unwrap();
        assert_eq!(m.load(&2), Some(20));
        assert_eq!(contents(&m), vec![(1, 10), (2, 20)]);
    });
}

/// Two stores into the same empty root slot: one inserts, the other finds the slot taken under
/// the lock and expands it (or retries after the first expanded it).
#[test]
fn stores_of_colliding_prefixes_both_land() {
    model(|| {
        let m = map();
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.store(1, 10));
        m.store(2, 20);
        t.join().unwrap();
        assert_eq!(contents(&m), vec![(1, 10), (2, 20)]);
        assert_eq!(m.debug_shape().lines().filter(|l| l.ends_with("indirect")).count(), 2);
    });
}

/// Key 1 sits two levels down (key 2 was stored and deleted, and pruning stops at the node
/// that still holds 1). Deleting 1 prunes both levels while a store of key 3 walks the same
/// path: the store must restart if it locks a node just marked dead, and must not be lost.
#[test]
fn delete_and_prune_race_store() {
    model(|| {
        let m = map();
        m.store(1, 10);
        m.store(2, 20);
        m.delete(&2);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.load_and_delete(&1));
        m.store(3, 30);
        assert_eq!(t.join().unwrap(), Some(10));
        assert_eq!(contents(&m), vec![(3, 30)]);
        assert_eq!(m.load(&1), None);
        assert_eq!(m.load(&3), Some(30));
    });
}

/// Deleting key 1, two levels down, prunes both levels back to the root while another thread
/// loads it and a key beside it: it sees key 1 present or absent, and the trie ends empty.
#[test]
fn delete_and_prune_race_load() {
    model(|| {
        let m = map();
        m.store(1, 10);
        m.store(2, 20);
        m.delete(&2);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.delete(&1));
        let one = m.load(&1);
        assert!(one.is_none() || one == Some(10));
        assert_eq!(m.load(&3), None);
        t.join().unwrap();
        assert_eq!(m.debug_shape(), "root\n");
        assert!(m.is_empty());
    });
}

/// Two load_or_store calls on one new key: exactly one stores, and both return its value.
#[test]
fn load_or_store_races_load_or_store() {
    model(|| {
        let m = map();
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.load_or_store(1, 10));
        let mine = m.load_or_store(1, 20);
        let theirs = t.join().unwrap();
        assert_ne!(mine.1, theirs.1, "exactly one call stores");
        assert_eq!(mine.0, theirs.0);
        assert_eq!(contents(&m), vec![(1, mine.0)]);
    });
}

/// load_or_store of a key whose neighbour is being deleted (so its node may be pruned under
/// it) against a compare_and_swap of the stored key.
#[test]
fn load_or_store_races_prune_and_compare_and_swap() {
    model(|| {
        let m = map();
        m.store(1, 10);
        m.store(2, 20);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || {
            m2.delete(&2);
            m2.compare_and_swap(&1, &10, 11)
        });
        let (v, loaded) = m.load_or_store(1, 99);
        assert!(loaded);
        assert!(v == 10 || v == 11);
        assert!(t.join().unwrap());
        assert_eq!(contents(&m), vec![(1, 11)]);
    });
}

/// Unlinking the middle of an overflow chain (a store to its predecessor's link) while a load
/// walks the chain: the entries before and after it are found throughout.
#[test]
fn chain_delete_races_chain_walk() {
    model(|| {
        let m = Arc::new(HashTrieMap::with_hasher(Collide));
        m.store(1, 10);
        m.store(2, 20);
        m.store(3, 30); // the chain is 3 -> 2 -> 1
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.load_and_delete(&2));
        assert_eq!(m.load(&1), Some(10));
        let two = m.load(&2);
        assert!(two.is_none() || two == Some(20));
        assert_eq!(t.join().unwrap(), Some(20));
        assert_eq!(m.debug_shape(), "root\n  0: entry 0000000000000000 +1\n");
        assert_eq!((m.load(&3), m.load(&1)), (Some(30), Some(10)));
    });
}

/// A clear racing a store: the store lands in the new trie or in the old one (and is cleared
/// with it), and the key stored before is gone either way.
#[test]
fn clear_races_store() {
    model(|| {
        let m = map();
        m.store(1, 10);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.clear());
        m.store(2, 20);
        t.join().unwrap();
        let after = contents(&m);
        assert!(after.is_empty() || after == vec![(2, 20)], "{after:?}");
    });
}
