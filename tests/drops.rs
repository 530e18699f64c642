//! Every key and value is dropped exactly once, also when Hash, Eq, Clone or Drop panics midway,
//! in both maps: each test is generic over the engine and runs on GoMap (`classic::`) and
//! SwissMap (`swiss::`).
//! `Tracked` panics if dropped twice and counts live instances, so a leak shows as a count above
//! zero and a double drop as a test failure.

mod common;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use common::{Classic, Counter, Faults, PoorState, Shape, Swiss, Tracked};
use gomap::api::{Engine, Map};
use gomap::RandomState;

/// A map of tracked keys and values on engine `E`.
type M<E> = Map<Tracked, Tracked, RandomState, E>;

struct Fixture {
    keys: Counter,
    vals: Counter,
    faults: Rc<Faults>,
}

impl Fixture {
    fn new() -> Self {
        Fixture { keys: Counter::default(), vals: Counter::default(), faults: Rc::default() }
    }
    fn k(&self, id: u64) -> Tracked {
        Tracked::new(id, &self.keys, &self.faults)
    }
    fn v(&self, id: u64) -> Tracked {
        Tracked::new(id, &self.vals, &self.faults)
    }
    fn live(&self) -> (i64, i64) {
        (self.keys.live(), self.vals.live())
    }
    /// A map of n entries; with `bits` set, a poor hasher puts them in long chains.
    fn map<E: Engine<Tracked, Tracked>>(&self, n: u64) -> M<E> {
        let mut m = Map::new();
        for i in 0..n {
            m.insert(self.k(i), self.v(i));
        }
        m
    }
}

fn overwrite_drops_new_key_and_old_value<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let mut m = f.map::<E>(10);
    let old = m.insert(f.k(3), f.v(100)).expect("present");
    assert_eq!(old.id, 3);
    drop(old);
    assert_eq!(f.live(), (10, 10));
    assert_eq!(m.get(&f.k(3)).map(|v| v.id), Some(100));
    drop(m);
    assert_eq!(f.live(), (0, 0));
}

fn remove_clear_retain<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let mut m = f.map::<E>(200);
    for i in 0..50 {
        let (k, v) = m.remove_entry(&f.k(i)).expect("present");
        assert_eq!((k.id, v.id), (i, i));
    }
    assert_eq!(f.live(), (150, 150));
    m.retain(|k, _| k.id % 2 == 0);
    assert_eq!(f.live(), (75, 75));
    assert_eq!(m.len(), 75);
    m.clear();
    assert_eq!(f.live(), (0, 0));
    for i in 0..20 {
        m.insert(f.k(i), f.v(i));
    }
    drop(m);
    assert_eq!(f.live(), (0, 0));
}

fn drain_dropped_half_way<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let mut m = f.map::<E>(100);
    let mut d = m.drain();
    let taken: Vec<_> = d.by_ref().take(40).collect();
    drop(d);
    assert!(m.is_empty());
    assert_eq!(f.live(), (40, 40));
    drop(taken);
    assert_eq!(f.live(), (0, 0));
    m.insert(f.k(1), f.v(1));
    assert_eq!(m.len(), 1);
}

fn into_iter_half_consumed<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let m = f.map::<E>(100);
    let mut it = m.into_iter();
    let taken: Vec<_> = it.by_ref().take(30).collect();
    assert_eq!(it.len(), 70);
    drop(it);
    assert_eq!(f.live(), (30, 30));
    drop(taken);
    assert_eq!(f.live(), (0, 0));
}

fn map_dropped_mid_grow<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for n in [53u64, 105, 833] {
        let f = Fixture::new();
        let mut m = f.map::<E>(n);
        assert!(m.mid_grow(), "n={n}");
        m.remove(&f.k(0));
        drop(m);
        assert_eq!(f.live(), (0, 0));
    }
    // Also owning iteration mid-grow yields everything once.
    let f = Fixture::new();
    let m = f.map::<E>(833);
    assert!(m.mid_grow());
    let mut ids: Vec<u64> = m
        .into_iter()
        .map(|(k, v)| {
            assert_eq!(k.id, v.id);
            k.id
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..833).collect::<Vec<_>>());
    assert_eq!(f.live(), (0, 0));
}

fn clone_mid_grow_and_clone_panic<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let m = f.map::<E>(833);
    assert!(m.mid_grow());
    let c = m.clone();
    assert_eq!(c.header(), m.header());
    assert_eq!(f.live(), (2 * 833, 2 * 833));
    for i in 0..833 {
        assert_eq!(c.get(&f.k(i)).map(|v| v.id), Some(i));
    }
    drop(c);
    // A Clone that panics half-way: the partial copy is dropped, the source is untouched.
    f.faults.clone_countdown.set(500);
    let r = catch_unwind(AssertUnwindSafe(|| m.clone()));
    assert!(r.is_err());
    assert_eq!(f.live(), (833, 833));
    assert_eq!(m.len(), 833);
    drop(m);
    assert_eq!(f.live(), (0, 0));
}

/// The model: which ids are in the map, checked against the map after a fault.
fn assert_matches<S: std::hash::BuildHasher, E: Engine<Tracked, Tracked>>(
    m: &Map<Tracked, Tracked, S, E>,
    f: &Fixture,
    model: &HashMap<u64, u64>,
    span: u64,
) {
    assert_eq!(m.len(), model.len());
    for id in 0..span {
        assert_eq!(m.get(&f.k(id)).map(|v| v.id), model.get(&id).copied(), "id {id}");
    }
    let mut seen: Vec<u64> = m.keys().map(|k| k.id).collect();
    seen.sort_unstable();
    let mut want: Vec<u64> = model.keys().copied().collect();
    want.sort_unstable();
    assert_eq!(seen, want);
}

/// Hash panics at every possible point of inserts that evacuate: the map keeps answering right.
fn hash_panic_mid_insert_and_mid_evacuation<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for fault_at in 1..40u64 {
        let f = Fixture::new();
        let mut m = f.map::<E>(52); // B = 3, full: the next insert starts a grow
        let mut model: HashMap<u64, u64> = (0..52).map(|i| (i, i)).collect();
        f.faults.hash_countdown.set(fault_at);
        let mut next = 52;
        let mut panicked = false;
        for _ in 0..6 {
            let r = catch_unwind(AssertUnwindSafe(|| m.insert(f.k(next), f.v(next))));
            match r {
                Ok(_) => {
                    model.insert(next, next);
                }
                Err(_) => panicked = true,
            }
            next += 1;
        }
        f.faults.hash_countdown.set(0);
        assert!(panicked, "fault {fault_at} never fired");
        assert_matches(&m, &f, &model, next);
        drop(m);
        assert_eq!(f.live(), (0, 0), "fault {fault_at}");
    }
}

/// Eq panics mid-insert and mid-remove in long chains.
fn eq_panic_mid_operation<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for fault_at in 1..30u64 {
        let f = Fixture::new();
        let mut m = Map::<_, _, _, E>::with_hasher(PoorState { bits: 1 });
        let mut model = HashMap::new();
        for i in 0..60 {
            m.insert(f.k(i), f.v(i));
            model.insert(i, i);
        }
        f.faults.eq_countdown.set(fault_at);
        let r = catch_unwind(AssertUnwindSafe(|| {
            m.insert(f.k(59), f.v(1000));
            m.remove(&f.k(10));
            m.insert(f.k(70), f.v(70));
        }));
        f.faults.eq_countdown.set(0);
        if r.is_ok() {
            model.insert(59, 1000);
            model.remove(&10);
            model.insert(70, 70);
        } else {
            // Replay what succeeded: compare against the map's own answers for the touched ids.
            for id in [59u64, 10, 70] {
                match m.get(&f.k(id)).map(|v| v.id) {
                    Some(v) => {
                        model.insert(id, v);
                    }
                    None => {
                        model.remove(&id);
                    }
                }
            }
        }
        let m2: &Map<Tracked, Tracked, PoorState, E> = &m;
        assert_eq!(m2.len(), model.len());
        for id in 0..80 {
            assert_eq!(m2.get(&f.k(id)).map(|v| v.id), model.get(&id).copied());
        }
        drop(m);
        assert_eq!(f.live(), (0, 0), "fault {fault_at}");
    }
}

/// A Drop that panics: the panic propagates, and every other key and value is still dropped
/// exactly once.
fn drop_panic_in_clear_drop_retain_and_remove<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for fault_at in [1u64, 7, 50, 199] {
        // Map drop.
        let f = Fixture::new();
        let m = f.map::<E>(100);
        f.faults.drop_countdown.set(fault_at);
        assert!(catch_unwind(AssertUnwindSafe(|| drop(m))).is_err());
        assert_eq!(f.live(), (0, 0));

        // clear.
        let f = Fixture::new();
        let mut m = f.map::<E>(100);
        f.faults.drop_countdown.set(fault_at);
        assert!(catch_unwind(AssertUnwindSafe(|| m.clear())).is_err());
        assert_eq!(f.live(), (0, 0));
        assert!(m.is_empty());
        m.insert(f.k(1), f.v(1));
        assert_eq!(m.get(&f.k(1)).map(|v| v.id), Some(1));
        drop(m);
        assert_eq!(f.live(), (0, 0));

        // retain.
        let f = Fixture::new();
        let mut m = f.map::<E>(100);
        f.faults.drop_countdown.set(fault_at);
        let r = catch_unwind(AssertUnwindSafe(|| m.retain(|k, _| k.id >= 50)));
        if fault_at <= 100 {
            assert!(r.is_err());
        }
        f.faults.drop_countdown.set(0);
        let (k, v) = f.live();
        assert_eq!(k as usize, m.len());
        assert_eq!(v as usize, m.len());
        assert!(m.keys().all(|k| m.get(k).is_some()));
        drop(m);
        assert_eq!(f.live(), (0, 0));
    }
}

/// extract_if mid-grow, dropped half-way: what it yielded is gone, everything else stays and
/// still answers lookups; nothing leaks and nothing drops twice.
fn extract_if_dropped_half_way_mid_grow<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for n in [53u64, 105, 833] {
        let f = Fixture::new();
        let mut m = f.map::<E>(n);
        assert!(m.mid_grow(), "n={n}");
        let mut model: HashMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
        let taken: Vec<(Tracked, Tracked)> = m.extract_if(|k, _| k.id % 3 == 0).take(10).collect();
        assert_eq!(taken.len(), 10);
        for (k, v) in &taken {
            assert_eq!((k.id % 3, k.id), (0, v.id));
            assert_eq!(model.remove(&k.id), Some(k.id));
        }
        assert_eq!(f.live(), (n as i64, n as i64));
        drop(taken);
        assert_matches(&m, &f, &model, n);
        // Still mid-grow, a whole walk shows the predicate each entry exactly once, as std does.
        assert!(m.mid_grow(), "n={n}");
        let mut seen = Vec::new();
        let kept = m.extract_if(|k, _| {
            seen.push(k.id);
            false
        });
        assert_eq!(kept.count(), 0);
        seen.sort_unstable();
        let mut want: Vec<u64> = model.keys().copied().collect();
        want.sort_unstable();
        assert_eq!(seen, want, "n={n}");
        // The map goes on working: finish the grow, and extract the rest of the multiples.
        for i in n..n + 200 {
            m.insert(f.k(i), f.v(i));
            model.insert(i, i);
        }
        let rest: Vec<u64> = m.extract_if(|k, _| k.id % 3 == 0).map(|(k, _)| k.id).collect();
        for id in rest {
            assert_eq!(model.remove(&id), Some(id));
        }
        assert!(model.keys().all(|id| id % 3 != 0));
        assert_matches(&m, &f, &model, n + 200);
        drop(m);
        assert_eq!(f.live(), (0, 0));
    }
}

/// A predicate that panics: the entries it accepted before are gone (and were dropped with the
/// consumer), the one it panicked on and all the rest stay.
fn extract_if_predicate_panics<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for fault_at in [1usize, 5, 40, 400] {
        let f = Fixture::new();
        let mut m = f.map::<E>(833);
        assert!(m.mid_grow());
        let accepted = std::cell::RefCell::new(Vec::new());
        let mut calls = 0;
        let r = catch_unwind(AssertUnwindSafe(|| {
            m.extract_if(|k, _| {
                calls += 1;
                if calls == fault_at {
                    panic!("predicate fault");
                }
                let take = k.id % 2 == 0;
                if take {
                    accepted.borrow_mut().push(k.id);
                }
                take
            })
            .count()
        }));
        assert!(r.is_err());
        let mut model: HashMap<u64, u64> = (0..833).map(|i| (i, i)).collect();
        for id in accepted.borrow().iter() {
            model.remove(id);
        }
        assert_matches(&m, &f, &model, 833);
        assert_eq!(f.live(), (model.len() as i64, model.len() as i64));
        drop(m);
        assert_eq!(f.live(), (0, 0));
    }
}

/// get_disjoint_mut mid-grow: values from old and new buckets at once; the same present key
/// twice panics before anything is handed out.
fn get_disjoint_mut_mid_grow<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let mut m = f.map::<E>(833);
    assert!(m.mid_grow());
    let keys: Vec<Tracked> = [0u64, 416, 832, 5000].iter().map(|&i| f.k(i)).collect();
    let got = m.get_disjoint_mut([&keys[0], &keys[1], &keys[2], &keys[3]]);
    let ids: Vec<Option<u64>> = got.iter().map(|v| v.as_ref().map(|v| v.id)).collect();
    assert_eq!(ids, [Some(0), Some(416), Some(832), None]);
    let [a, b, ..] = got;
    std::mem::swap(a.unwrap(), b.unwrap());
    assert_eq!(m.get(&f.k(0)).map(|v| v.id), Some(416));
    assert_eq!(m.get(&f.k(416)).map(|v| v.id), Some(0));
    // An absent key may repeat.
    assert!(m.get_disjoint_mut([&keys[3], &keys[3]]).iter().all(Option::is_none));
    let r = catch_unwind(AssertUnwindSafe(|| {
        m.get_disjoint_mut([&keys[1], &keys[2], &keys[1]]);
    }));
    let msg = r.expect_err("duplicate keys panic");
    assert_eq!(msg.downcast_ref::<&str>(), Some(&"duplicate keys found"));
    drop(keys);
    drop(m);
    assert_eq!(f.live(), (0, 0));
}

/// clone_from over a map with entries, mid-grow on either side: the copy is exact (Go's
/// layout included), and the destination's old entries are dropped once.
fn clone_from_replaces_the_destination<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for (src_n, dst_n) in [(833u64, 0u64), (833, 833), (833, 20), (20, 833), (0, 833), (53, 60)] {
        let f = Fixture::new();
        let src = f.map::<E>(src_n);
        let mut dst: M<E> = Map::new();
        for i in 0..dst_n {
            dst.insert(f.k(10_000 + i), f.v(i));
        }
        dst.clone_from(&src);
        assert_eq!(dst.header(), src.header(), "{src_n} <- {dst_n}");
        assert_eq!(f.live(), (2 * src_n as i64, 2 * src_n as i64));
        let model: HashMap<u64, u64> = (0..src_n).map(|i| (i, i)).collect();
        assert_matches(&dst, &f, &model, src_n + 10);
        // Writes to the copy leave the source alone.
        dst.insert(f.k(99_999), f.v(1));
        assert_eq!(src.len() as u64, src_n);
        drop((src, dst));
        assert_eq!(f.live(), (0, 0));
    }
}

/// A clone that panics half-way through clone_from: the destination is left empty, as std's,
/// every entry it held and every clone made so far is dropped once, and it works afterwards.
fn clone_from_panic_leaves_the_destination_empty<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    for (dst_n, fault_at) in [(833u64, 1u64), (833, 500), (20, 300), (0, 700)] {
        let f = Fixture::new();
        let src = f.map::<E>(833);
        let mut dst: M<E> = Map::new();
        for i in 0..dst_n {
            dst.insert(f.k(10_000 + i), f.v(i));
        }
        f.faults.clone_countdown.set(fault_at);
        let r = catch_unwind(AssertUnwindSafe(|| dst.clone_from(&src)));
        f.faults.clone_countdown.set(0);
        assert!(r.is_err());
        assert!(dst.is_empty());
        assert_eq!(dst.iter().count(), 0);
        assert_eq!(dst.get(&f.k(1)), None);
        assert_eq!(f.live(), (833, 833));
        dst.insert(f.k(1), f.v(2));
        assert_eq!(dst.get(&f.k(1)).map(|v| v.id), Some(2));
        dst.clone_from(&src);
        assert_eq!(dst.len(), 833);
        drop((src, dst));
        assert_eq!(f.live(), (0, 0));
    }
}

/// A panicking Drop among the destination's old entries: the panic propagates, the rest are
/// dropped once, and the destination is left empty.
fn clone_from_drop_panic<E: Engine<Tracked, Tracked>>()
where
    M<E>: Shape,
{
    let f = Fixture::new();
    let src = f.map::<E>(100);
    let mut dst = f.map::<E>(100);
    f.faults.drop_countdown.set(7);
    let r = catch_unwind(AssertUnwindSafe(|| dst.clone_from(&src)));
    f.faults.drop_countdown.set(0);
    assert!(r.is_err());
    assert!(dst.is_empty());
    assert_eq!(f.live(), (100, 100));
    drop((src, dst));
    assert_eq!(f.live(), (0, 0));
}

/// Each test above, on each map.
macro_rules! on_both_maps {
    ($($name:ident),* $(,)?) => {
        mod classic {
            use super::*;
            $(#[test] fn $name() { super::$name::<Classic<Tracked, Tracked>>(); })*
        }
        mod swiss {
            use super::*;
            $(#[test] fn $name() { super::$name::<Swiss<Tracked, Tracked>>(); })*
        }
    };
}

on_both_maps!(
    overwrite_drops_new_key_and_old_value,
    remove_clear_retain,
    drain_dropped_half_way,
    into_iter_half_consumed,
    map_dropped_mid_grow,
    clone_mid_grow_and_clone_panic,
    hash_panic_mid_insert_and_mid_evacuation,
    eq_panic_mid_operation,
    drop_panic_in_clear_drop_retain_and_remove,
    extract_if_dropped_half_way_mid_grow,
    extract_if_predicate_panics,
    get_disjoint_mut_mid_grow,
    clone_from_replaces_the_destination,
    clone_from_panic_leaves_the_destination_empty,
    clone_from_drop_panic,
);
