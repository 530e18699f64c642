//! ConcurrentMap's white-box tests: its read and dirty maps, promotion, the piecewise rebuild.

use super::*;

fn read_len<K, V>(m: &ConcurrentMap<K, V>) -> usize {
    m.read.load(&pin()).m.len()
}

fn amended<K, V>(m: &ConcurrentMap<K, V>) -> bool {
    m.read.load(&pin()).amended()
}

fn dirty_len<K, V>(m: &ConcurrentMap<K, V>) -> Option<usize> {
    m.lock().map.as_ref().map(|d| d.len())
}

fn is_expunged_in_read<K: Eq + Hash, V>(m: &ConcurrentMap<K, V>, k: &K) -> bool {
    let g = &pin();
    is_expunged(m.read.load(g).m[k].p.load(g))
}

#[test]
fn new_keys_go_to_dirty_and_misses_promote_them() {
    let m = ConcurrentMap::new();
    for i in 0..4 {
        m.store(i, i);
    }
    assert_eq!(read_len(&m), 0);
    assert_eq!(dirty_len(&m), Some(4));
    assert!(amended(&m));
    // Three misses leave dirty in place; the fourth (misses == len(dirty)) promotes it.
    for _ in 0..3 {
        assert_eq!(m.load(&0), Some(0));
    }
    assert_eq!(dirty_len(&m), Some(4));
    assert_eq!(m.load(&0), Some(0));
    assert_eq!(dirty_len(&m), None);
    assert_eq!(read_len(&m), 4);
    assert!(!amended(&m));
    assert_eq!(m.lock().misses, 0);
}

#[test]
fn updates_of_read_keys_stay_off_the_lock_path() {
    let m: ConcurrentMap<i32, i32> = (0..3).map(|i| (i, i)).collect();
    m.range(|_, _| true); // promote
    assert_eq!(dirty_len(&m), None);
    m.store(1, 10);
    assert!(m.compare_and_swap(&2, &2, 20));
    m.delete(&0);
    // None of these needed a dirty map.
    assert_eq!(dirty_len(&m), None);
    assert_eq!(m.load(&1), Some(10));
    assert_eq!(m.load(&2), Some(20));
    assert_eq!(m.load(&0), None);
}

#[test]
fn deleted_entries_are_expunged_then_unexpunged() {
    let m: ConcurrentMap<i32, i32> = (0..3).map(|i| (i, i)).collect();
    m.range(|_, _| true);
    m.delete(&0);
    assert!(!is_expunged_in_read(&m, &0));
    // A new key builds dirty from read, expunging the deleted entry.
    m.store(100, 100);
    assert!(is_expunged_in_read(&m, &0));
    assert_eq!(dirty_len(&m), Some(3)); // 1, 2, 100
    assert_eq!(m.load(&0), None);
    assert_eq!(m.len(), 3);
    // Storing to the expunged key puts the same entry back into dirty.
    m.store(0, 7);
    assert!(!is_expunged_in_read(&m, &0));
    assert_eq!(dirty_len(&m), Some(4));
    assert_eq!(m.load(&0), Some(7));
    // After promotion everything is still there exactly once.
    m.range(|_, _| true);
    let mut seen = Vec::new();
    m.range(|k, v| {
        seen.push((*k, *v));
        true
    });
    seen.sort_unstable();
    assert_eq!(seen, vec![(0, 7), (1, 1), (2, 2), (100, 100)]);
}

#[test]
fn expunged_entries_refuse_fast_path_ops() {
    let m: ConcurrentMap<i32, i32> = (0..2).map(|i| (i, i)).collect();
    m.range(|_, _| true);
    m.delete(&0);
    m.store(5, 5);
    assert!(is_expunged_in_read(&m, &0));
    assert!(!m.compare_and_swap(&0, &0, 1));
    assert!(!m.compare_and_delete(&0, &0));
    assert_eq!(m.load_and_delete(&0), None);
    assert_eq!(m.load_or_store(0, 9), (9, false));
    assert_eq!(m.load(&0), Some(9));
    assert_eq!(dirty_len(&m), Some(3));
}

#[test]
fn clear_keeps_an_empty_dirty_map_usable() {
    let m = ConcurrentMap::new();
    m.store(1, 1);
    m.clear();
    assert_eq!(read_len(&m), 0);
    assert_eq!(dirty_len(&m), Some(0));
    assert!(!amended(&m));
    m.store(2, 2);
    assert!(amended(&m));
    assert_eq!(m.load(&2), Some(2));
    assert_eq!(m.load(&1), None);
    assert_eq!(m.len(), 1);
}

fn rebuilding<K, V>(m: &ConcurrentMap<K, V>) -> bool {
    m.lock().copy.is_some()
}

#[test]
fn a_rebuild_is_copied_piecewise_and_promotion_waits_for_it() {
    let n = 20_000u64;
    let m: ConcurrentMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    m.range(|_, _| true); // promote: all in read, no dirty
    for i in 0..100 {
        m.delete(&i);
    }
    m.store(n, n); // starts a rebuild, copies a few chains only
    assert!(rebuilding(&m));
    let copied = dirty_len(&m).unwrap();
    assert!(copied < 2_000, "copied {copied} at once");
    // Mid-rebuild: every key answers, and len counts read's uncopied chains too.
    assert_eq!(m.len(), n as usize - 100 + 1);
    assert_eq!(m.load(&5), None);
    assert_eq!(m.load(&500), Some(500));
    // A key deleted before the cursor reaches it and stored again lock-free survives.
    m.store(7, 70);
    // Misses of the new key pile up past len(dirty) while the copy runs; the promotion
    // comes only once the copy is done, with nothing lost.
    let mut ops = 0;
    while rebuilding(&m) {
        assert_eq!(m.load(&n), Some(n));
        ops += 1;
        assert!(ops < 100_000, "the rebuild does not progress");
    }
    assert!(amended(&m), "promoted before the copy was done");
    while amended(&m) {
        assert_eq!(m.load(&n), Some(n));
    }
    assert_eq!(read_len(&m), n as usize - 99 + 1); // 0..100 but 7 expunged and left out
    assert_eq!(m.len(), n as usize - 99 + 1);
    for i in 0..=n {
        let want = match i {
            7 => Some(70),
            0..100 => None,
            _ => Some(i),
        };
        assert_eq!(m.load(&i), want, "key {i}");
    }
}

#[test]
fn range_finishes_a_rebuild_before_promoting() {
    let n = 50_000u64;
    let m: ConcurrentMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    m.range(|_, _| true);
    m.store(n, n);
    assert!(rebuilding(&m));
    let mut seen = 0;
    m.range(|_, _| {
        seen += 1;
        true
    });
    assert_eq!(seen, n as usize + 1);
    assert!(!rebuilding(&m));
    assert!(!amended(&m));
}

#[test]
fn retired_read_maps_are_emptied_then_reused() {
    let n = 5_000u64;
    let m: ConcurrentMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    m.range(|_, _| true); // retires the first (empty) read map
    m.store(n, n);
    m.range(|_, _| true); // finishes the rebuild, retires the 5,000-key read map
    assert!(!m.lock().retired.is_empty());
    // Locked operations (stores of new keys) empty the retired maps once the epoch lets go
    // of them. The epoch is the process's: another test's thread, pinned for a long walk on
    // a loaded machine, can hold it back for a while, so the bound is generous time (a
    // liveness check, not a timing one) rather than a count of operations.
    let mut ops = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !m.lock().retired.is_empty() {
        pin().flush();
        m.store(n + 1 + ops, 0);
        ops += 1;
        if ops % 1_000 == 0 {
            assert!(std::time::Instant::now() < deadline, "retired maps are never emptied");
            std::thread::yield_now();
        }
    }
    let spare = m.lock().spare.as_ref().map(|s| (s.len(), s.capacity()));
    let (len, cap) = spare.expect("an emptied map is kept for the next rebuild");
    assert_eq!(len, 0);
    assert!(cap >= n as usize, "the spare is the big map, capacity {cap}");
    // The next rebuild takes it.
    m.range(|_, _| true);
    m.store(u64::MAX, 1);
    assert!(m.lock().spare.is_none());
    assert_eq!(m.load(&u64::MAX), Some(1));
    assert_eq!(m.len(), n as usize + 1 + ops as usize + 1);
    for i in 0..n + 1 + ops {
        assert_eq!(
            m.load(&i),
            Some(if i < n {
                i
            } else if i == n {
                n
            } else {
                0
            })
        );
    }
}

/// A value that counts its live copies in `live`.
struct Counted {
    n: u32,
    live: &'static std::sync::atomic::AtomicIsize,
}

impl Counted {
    fn new(n: u32, live: &'static std::sync::atomic::AtomicIsize) -> Self {
        live.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Counted { n, live }
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::new(self.n, self.live)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.live.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Pushes epoch reclamation along until `done` holds. Replaced values (and old read maps,
/// which share the entries) are freed once no thread is pinned in an old epoch, and another
/// test thread may stay pinned a while (say, in a panic hook): this gives it a few seconds
/// before the caller judges.
fn reclaim_until(done: impl Fn() -> bool) {
    for _ in 0..3000 {
        if done() {
            return;
        }
        pin().flush();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn values_are_freed_once_replaced_and_unpinned() {
    use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
    static LIVE: AtomicIsize = AtomicIsize::new(0);
    let m = ConcurrentMap::new();
    for i in 0..100 {
        m.store(i % 10, Counted::new(i, &LIVE));
        m.delete(&(i % 7));
    }
    m.range(|_, _| true);
    drop(m);
    reclaim_until(|| LIVE.load(SeqCst) == 0);
    assert_eq!(LIVE.load(SeqCst), 0, "values leaked");
}

#[test]
fn a_replaced_first_value_is_dropped_while_its_entry_lives() {
    use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
    static LIVE: AtomicIsize = AtomicIsize::new(0);
    let m = ConcurrentMap::new();
    m.store(1, Counted::new(1, &LIVE)); // kept inline in the entry's cell
    m.range(|_, _| true);
    m.store(1, Counted::new(2, &LIVE)); // boxed; the inline one is retired
                                        // Only the current value may stay once the epoch has moved past the stores.
    reclaim_until(|| LIVE.load(SeqCst) == 1);
    assert_eq!(LIVE.load(SeqCst), 1, "a replaced value outlived its replacement");
    assert_eq!(m.load(&1).map(|c| c.n), Some(2));
    drop(m);
    reclaim_until(|| LIVE.load(SeqCst) == 0);
    assert_eq!(LIVE.load(SeqCst), 0, "values leaked or dropped twice");
}

#[test]
fn zero_sized_and_byte_values_work() {
    // Boxed ZSTs share one dangling address; the cells must still tell deleted, expunged
    // and present apart.
    let m: ConcurrentMap<u8, ()> = ConcurrentMap::new();
    m.store(1, ());
    m.range(|_, _| true);
    assert_eq!(m.swap(1, ()), Some(()));
    assert!(m.compare_and_swap(&1, &(), ()));
    assert_eq!(m.load_and_delete(&1), Some(()));
    m.store(2, ()); // rebuilds dirty, expunging key 1
    assert!(is_expunged_in_read(&m, &1));
    assert_eq!(m.load(&1), None);
    assert_eq!(m.load_or_store(1, ()), ((), false));
    assert_eq!(m.len(), 2);

    let b: ConcurrentMap<u8, u8> = (0..=255).map(|i| (i, i)).collect();
    assert_eq!(b.len(), 256);
    assert!(b.compare_and_delete(&7, &7));
    assert_eq!(b.load(&8), Some(8));
}

#[test]
fn a_panicking_key_clone_while_building_dirty_loses_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    /// Clones allowed before `Key::clone` panics.
    static CLONES_LEFT: AtomicUsize = AtomicUsize::new(usize::MAX);
    #[derive(PartialEq, Eq, Hash, Debug)]
    struct Key(u32);
    impl Clone for Key {
        fn clone(&self) -> Self {
            let left = CLONES_LEFT.fetch_sub(1, SeqCst);
            assert!(left > 0, "clone of {} refused", self.0);
            Key(self.0)
        }
    }
    let m = ConcurrentMap::new();
    for i in 0..20 {
        m.store(Key(i), i);
    }
    m.range(|_, _| true); // promote: all in read, no dirty
    for i in 0..10 {
        m.delete(&Key(i));
    }
    // Starting the rebuild copies the live keys of its first two chains (of four); the
    // second copy panics, after (almost surely) some deleted entries were marked expunged.
    CLONES_LEFT.store(1, SeqCst);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| m.store(Key(100), 100)));
    CLONES_LEFT.store(usize::MAX, SeqCst);
    assert!(r.is_err(), "building dirty should have cloned keys");
    // The rebuild stays under way, its cursor before the chain that panicked, so the keys it
    // expunged can still be revived; nothing is lost once dirty is finished and promoted.
    assert!(dirty_len(&m).is_some());
    assert!(!amended(&m));
    m.store(Key(3), 33);
    m.store(Key(100), 100);
    m.range(|_, _| true);
    for i in 0..20 {
        let want = match i {
            3 => Some(33),
            0..=9 => None,
            _ => Some(i),
        };
        assert_eq!(m.load(&Key(i)), want, "key {i}");
    }
    assert_eq!(m.load(&Key(100)), Some(100));
    assert_eq!(m.len(), 12);
}
