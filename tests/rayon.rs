//! Feature `rayon`: parallel iteration sees each entry exactly once, also while a grow is in
//! progress (old buckets partly evacuated), and agrees with the sequential iterators;
//! par_extend and collect agree with extend and collect.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{IdentityState, PoorState};
use gomap::{GoMap, GoSet};
use rayon::prelude::*;

/// Maps in every state a parallel walk can meet: empty, unallocated, small, grown, and
/// mid-grow (doubling and same-size) with some old buckets evacuated and some not.
fn maps() -> Vec<(String, GoMap<u64, u64>)> {
    let mut out = Vec::new();
    out.push(("unallocated".into(), GoMap::new()));
    let mut emptied: GoMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
    emptied.clear();
    out.push(("emptied".into(), emptied));
    for n in [1u64, 8, 52, 53, 60, 105, 833, 5000, 6657, 20_000] {
        let m: GoMap<u64, u64> = (0..n).map(|i| (i, i * 3)).collect();
        out.push((format!("n={n} {:?}", m.stats()), m));
    }
    // Removals mid-grow leave old buckets half-evacuated in other places.
    let mut m: GoMap<u64, u64> = (0..6657).map(|i| (i, i)).collect();
    for i in (0..6657).step_by(7) {
        m.remove(&i);
    }
    out.push((format!("churned {:?}", m.stats()), m));
    out
}

fn sorted(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.sort_unstable();
    v
}

#[test]
fn par_iter_matches_iter_mid_grow() {
    let mut saw_partial = false;
    for (name, m) in maps() {
        let st = m.stats();
        saw_partial |= st.growing && st.nevacuate > 0 && st.nevacuate < st.old_buckets;
        let seq = sorted(m.iter().map(|(k, v)| (*k, *v)).collect());
        let par = sorted(m.par_iter().map(|(k, v)| (*k, *v)).collect());
        assert_eq!(par, seq, "{name}");
        assert_eq!(m.par_iter().count(), m.len(), "{name}");
        assert_eq!(m.par_keys().copied().sum::<u64>(), m.keys().sum::<u64>(), "{name}");
        assert_eq!(m.par_values().copied().sum::<u64>(), m.values().sum::<u64>(), "{name}");
    }
    assert!(saw_partial, "no map was caught with old buckets partly evacuated");
}

#[test]
fn par_iter_mut_touches_each_value_once() {
    for (name, mut m) in maps() {
        let want = sorted(m.iter().map(|(k, v)| (*k, v + 1)).collect());
        m.par_iter_mut().for_each(|(_, v)| *v += 1);
        assert_eq!(sorted(m.iter().map(|(k, v)| (*k, *v)).collect()), want, "{name}");
        m.par_values_mut().for_each(|v| *v -= 1);
        let back = sorted(m.iter().map(|(k, v)| (*k, v + 1)).collect());
        assert_eq!(back, want, "{name}");
    }
}

#[test]
fn into_par_iter_moves_each_entry_once() {
    for (name, m) in maps() {
        let want = sorted(m.iter().map(|(k, v)| (*k, *v)).collect());
        let got = sorted(m.into_par_iter().collect());
        assert_eq!(got, want, "{name}");
    }
}

/// Counts live values so that an owning parallel iteration stopped early is seen to drop the
/// rest, each once.
struct Live<'a>(&'a AtomicUsize, u64);

impl<'a> Live<'a> {
    fn new(c: &'a AtomicUsize, id: u64) -> Self {
        c.fetch_add(1, Ordering::Relaxed);
        Live(c, id)
    }
}

impl Drop for Live<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[test]
fn into_par_iter_stopped_early_drops_the_rest() {
    let live = AtomicUsize::new(0);
    let m: GoMap<u64, Live> = (0..6657).map(|i| (i, Live::new(&live, i))).collect();
    assert!(m.stats().growing);
    let found = m.into_par_iter().find_any(|(k, _)| *k == 1234).expect("present");
    assert_eq!(found.1 .1, 1234);
    assert_eq!(live.load(Ordering::Relaxed), 1);
    drop(found);
    assert_eq!(live.load(Ordering::Relaxed), 0);
}

#[test]
fn poor_hashers_long_chains_and_same_size_grows() {
    // Two distinct low bits: long overflow chains; churn there starts same-size grows.
    let mut m = GoMap::with_hasher(PoorState { bits: 1 });
    let mut s = HashMap::new();
    for i in 0..3000u64 {
        m.insert(i, i);
        s.insert(i, i);
        if i % 3 == 0 {
            m.remove(&(i / 2));
            s.remove(&(i / 2));
        }
        if i % 97 == 0 {
            let par = sorted(m.par_iter().map(|(k, v)| (*k, *v)).collect());
            assert_eq!(par, sorted(s.iter().map(|(k, v)| (*k, *v)).collect()), "i={i}");
        }
    }
    let mut id = GoMap::with_hasher(IdentityState);
    id.extend((0..1000u64).map(|i| (i, i)));
    assert_eq!(sorted(id.par_iter().map(|(k, v)| (*k, *v)).collect()).len(), 1000);
}

#[test]
fn par_extend_and_collect_match_sequential() {
    let items: Vec<(u64, u64)> = (0..10_000).map(|i| (i % 7000, i)).collect();
    let par: GoMap<u64, u64> = items.par_iter().copied().collect();
    assert_eq!(par.len(), 7000);
    for (k, v) in &par {
        // Later duplicates may win in any order across threads, but each value is one of the
        // key's.
        assert_eq!(k, &(v % 7000));
    }
    let mut m: GoMap<u64, u64> = (0..10).map(|i| (i, i)).collect();
    m.par_extend((100..200u64).into_par_iter().map(|i| (i, i)));
    let refs: Vec<(u64, u64)> = (300..310).map(|i| (i, i)).collect();
    m.par_extend(refs.par_iter().map(|(k, v)| (k, v)));
    assert_eq!(m.len(), 120);
    assert_eq!(m[&150], 150);
    assert_eq!(m[&305], 305);
}

#[test]
fn sets_too() {
    let set: GoSet<u64> = (0..6657u64).collect();
    assert!(set.stats().growing);
    let built: GoSet<u64> = (0..6657u64).into_par_iter().collect();
    assert_eq!(built, set);
    let mut seq: Vec<u64> = set.iter().copied().collect();
    let mut par: Vec<u64> = set.par_iter().copied().collect();
    seq.sort_unstable();
    par.sort_unstable();
    assert_eq!(par, seq);
    let mut owned: Vec<u64> = set.clone().into_par_iter().collect();
    owned.sort_unstable();
    assert_eq!(owned, seq);
    let mut more = GoSet::from([1u64, 2]);
    more.par_extend(vec![3u64, 4]);
    more.par_extend([5u64, 6].par_iter());
    assert_eq!(more, (1..=6).collect());
}

/// SwissMap has the same parallel iterators (one implementation over both engines), split by
/// table: each entry once, in every shape (unallocated, small, one table, many tables after
/// splits, tombstones).
#[test]
fn swiss_map_parallel_iterators() {
    use gomap::SwissMap;
    let mut shapes: Vec<SwissMap<u64, u64>> = vec![SwissMap::new()];
    for n in [1u64, 8, 9, 100, 897, 5000, 40_000] {
        let mut m: SwissMap<u64, u64> = (0..n).map(|i| (i, i * 3)).collect();
        shapes.push(m.clone());
        for i in (0..n).step_by(3) {
            m.remove(&i);
        }
        shapes.push(m);
    }
    for mut m in shapes {
        let want: HashMap<u64, u64> = m.iter().map(|(k, v)| (*k, *v)).collect();
        let got: HashMap<u64, u64> = m.par_iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(m.par_iter().count(), m.len());
        assert_eq!(got, want);
        m.par_iter_mut().for_each(|(_, v)| *v += 1);
        assert!(m.iter().all(|(k, v)| *v == want[k] + 1));
        assert_eq!(m.par_keys().count(), m.len());
        let mut all: Vec<(u64, u64)> = m.clone().into_par_iter().collect();
        all.sort_unstable();
        let mut seq: Vec<(u64, u64)> = m.into_iter().collect();
        seq.sort_unstable();
        assert_eq!(all, seq);
    }
    let collected: SwissMap<u64, u64> = (0..10_000u64).into_par_iter().map(|i| (i, i)).collect();
    assert_eq!(collected.len(), 10_000);
    assert!((0..10_000u64).all(|i| collected[&i] == i));
}
