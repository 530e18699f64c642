//! Loom models of ConcurrentMap's promotion and expunge protocol.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release --test
//! loom_concurrent`. Under `cfg(loom)` the map's atomic pointers are loom-visible stand-ins
//! (see src/concurrent/sync.rs), so every interleaving of the lock-free fast paths with the
//! locked slow paths below is explored.
#![cfg(loom)]

use gomap::hash::Backend;
use gomap::{ConcurrentMap, RandomState};
use loom::sync::Arc;
use loom::thread;

fn contents(m: &ConcurrentMap<u8, u8>) -> Vec<(u8, u8)> {
    let mut v = Vec::new();
    m.range(|k, x| {
        v.push((*k, *x));
        true
    });
    v.sort_unstable();
    v
}

/// Explores every interleaving (no preemption bound): the models are small enough that this
/// takes a few hundred executions each.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = None;
    b.check(f);
}

/// Key 1 sits in dirty only; a load of it is the miss that promotes dirty, while another
/// thread stores a new key (which must land in the old dirty map or build a new one).
#[test]
fn promotion_races_store_of_new_key() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.store(2, 20));
        assert_eq!(m.load(&1), Some(10));
        t.join().unwrap();
        assert_eq!(m.load(&2), Some(20));
        assert_eq!(m.load(&1), Some(10));
        assert_eq!(contents(&m), vec![(1, 10), (2, 20)]);
        assert_eq!(m.len(), 2);
    });
}

/// Promotion racing an overwrite of the promoted key: the overwrite may go through dirty
/// (locked) or through read's cell (lock-free), and must not be lost either way.
#[test]
fn promotion_races_store_of_existing_key() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.swap(1, 11));
        let seen = m.load(&1);
        assert!(seen == Some(10) || seen == Some(11));
        assert_eq!(t.join().unwrap(), Some(10));
        assert_eq!(contents(&m), vec![(1, 11)]);
    });
}

/// Promotion racing a delete: the deleted key must stay deleted, and the value must be
/// handed to exactly one load_and_delete.
#[test]
fn promotion_races_delete() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        m.store(2, 20);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.load_and_delete(&1));
        // Two misses on a two-key dirty map promote it.
        let a = m.load(&2);
        let b = m.load(&9);
        assert_eq!((a, b), (Some(20), None));
        assert_eq!(t.join().unwrap(), Some(10));
        assert_eq!(m.load(&1), None);
        assert_eq!(m.load_and_delete(&1), None);
        assert_eq!(contents(&m), vec![(2, 20)]);
    });
}

/// Key 1 is in read and deleted. One thread adds a new key, which rebuilds dirty and
/// expunges key 1's entry; the other stores key 1, either into the still-deleted cell
/// (lock-free, before the expunge) or by unexpunging it under the lock. Either way key 1 must
/// end up in dirty, so it survives the next promotion.
#[test]
fn expunge_races_unexpunge_via_store() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        m.range(|_, _| true); // promote: key 1 now in read
        m.delete(&1);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.store(2, 20));
        m.store(1, 11);
        t.join().unwrap();
        assert_eq!(m.load(&1), Some(11));
        // range promotes dirty; key 1 must have made it there.
        assert_eq!(contents(&m), vec![(1, 11), (2, 20)]);
        assert_eq!(m.load(&1), Some(11));
    });
}

/// As above, but key 1 comes back through load_or_store, whose fast path has its own
/// "gave up because expunged" hand-off to the locked path.
#[test]
fn expunge_races_unexpunge_via_load_or_store() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        m.range(|_, _| true);
        m.delete(&1);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.load_or_store(2, 20));
        assert_eq!(m.load_or_store(1, 12), (12, false));
        assert_eq!(t.join().unwrap(), (20, false));
        assert_eq!(contents(&m), vec![(1, 12), (2, 20)]);
    });
}

/// A delete racing the expunge of another deleted key and a store to it: the deleted key
/// must not come back, and the stored one must not be lost.
#[test]
fn expunge_races_delete_and_compare_and_swap() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        m.store(3, 30);
        m.range(|_, _| true);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || {
            m2.delete(&3);
            m2.store(2, 20);
        });
        assert!(m.compare_and_swap(&1, &10, 11));
        t.join().unwrap();
        assert_eq!(m.load(&3), None);
        assert_eq!(contents(&m), vec![(1, 11), (2, 20)]);
    });
}

/// Three threads: a store of a new key (building dirty and expunging key 1), a revival of key
/// 1, and misses that promote whatever dirty map exists. Nothing stored may be lost.
#[test]
fn promotion_expunge_and_unexpunge_together() {
    model(|| {
        let m = Arc::new(ConcurrentMap::new());
        m.store(1, 10);
        m.range(|_, _| true);
        m.delete(&1);
        let (a, b) = (Arc::clone(&m), Arc::clone(&m));
        let t1 = thread::spawn(move || a.store(2, 20));
        let t2 = thread::spawn(move || b.swap(1, 11));
        assert_eq!(m.load(&3), None); // a miss, possibly promoting
        t1.join().unwrap();
        assert_eq!(t2.join().unwrap(), None);
        assert_eq!(contents(&m), vec![(1, 11), (2, 20)]);
        assert_eq!(m.len(), 2);
    });
}

/// A read map of this many keys spans several bucket chains, and under loom a rebuild copies
/// one chain per locked operation, so the models below start with a dirty map half built.
const MANY: u8 = 24;

/// Keys `0..MANY` (value = key) in read, then a new key 100 whose store starts a rebuild that
/// copies only the first chain.
///
/// Hashed with a fixed seed: which keys share a chain decides how many cells each copy step
/// touches, and loom needs every execution to take the same steps.
fn half_rebuilt() -> Arc<ConcurrentMap<u8, u8>> {
    half_rebuilt_of(MANY)
}

/// As [`half_rebuilt`], with keys `0..n` (14 is the fewest that fill four chains).
fn half_rebuilt_of(n: u8) -> Arc<ConcurrentMap<u8, u8>> {
    let seeded = RandomState::with_seed(7, Backend::Mem).expect("the portable hash");
    let m = Arc::new(ConcurrentMap::with_hasher(seeded));
    for k in 0..n {
        m.store(k, k);
    }
    m.range(|_, _| true);
    m.store(100, 100);
    m
}

fn expected(changes: &[(u8, Option<u8>)]) -> Vec<(u8, u8)> {
    expected_of(MANY, changes)
}

fn expected_of(n: u8, changes: &[(u8, Option<u8>)]) -> Vec<(u8, u8)> {
    let mut v: Vec<(u8, u8)> = (0..n).map(|k| (k, k)).chain([(100, 100)]).collect();
    for &(k, x) in changes {
        v.retain(|e| e.0 != k);
        if let Some(x) = x {
            v.push((k, x));
        }
    }
    v.sort_unstable();
    v
}

/// Mid-rebuild, one thread deletes read keys and stores one back (the cursor may expunge it
/// in between, or copy it live), while misses on the new key push the copy along and
/// promote once it is done. Nothing may be lost or come back.
#[test]
fn half_rebuilt_dirty_races_delete_revive_and_promotion() {
    model(|| {
        let m = half_rebuilt();
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || {
            m2.delete(&3);
            m2.delete(&(MANY - 1));
            m2.store(3, 33);
        });
        for _ in 0..3 {
            assert_eq!(m.load(&100), Some(100));
        }
        t.join().unwrap();
        assert_eq!(m.load(&(MANY - 1)), None);
        assert_eq!(contents(&m), expected(&[(3, Some(33)), (MANY - 1, None)]));
        assert_eq!(m.len(), MANY as usize);
    });
}

/// Mid-rebuild, a range must finish the copy and promote while another thread stores a new
/// key and swaps a read key not yet copied. (Fewer keys: every entry the range visits is a
/// point where the other thread may run.)
#[test]
fn half_rebuilt_dirty_races_range_and_stores() {
    const N: u8 = 14;
    model(|| {
        let m = half_rebuilt_of(N);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || {
            m2.store(101, 1);
            m2.swap(N - 2, 7)
        });
        let n = contents(&m).len();
        assert!(n == N as usize + 1 || n == N as usize + 2);
        assert_eq!(t.join().unwrap(), Some(N - 2));
        assert_eq!(contents(&m), expected_of(N, &[(101, Some(1)), (N - 2, Some(7))]));
    });
}

/// Mid-rebuild, load_and_delete of the new key (dirty only) races load_or_store of keys in
/// read that are not yet copied and of a deleted one.
#[test]
fn half_rebuilt_dirty_races_load_and_delete_and_load_or_store() {
    model(|| {
        let m = half_rebuilt();
        m.delete(&5);
        let m2 = Arc::clone(&m);
        let t = thread::spawn(move || m2.load_and_delete(&100));
        assert_eq!(m.load_or_store(5, 55), (55, false));
        assert_eq!(m.load_or_store(MANY - 1, 0), (MANY - 1, true));
        assert_eq!(t.join().unwrap(), Some(100));
        assert_eq!(m.load(&100), None);
        assert_eq!(contents(&m), expected(&[(5, Some(55)), (100, None)]));
    });
}
