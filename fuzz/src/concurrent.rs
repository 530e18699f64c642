//! `ConcurrentMap` (and `RwLockMap` and `HashTrieMap`) against a `Mutex<HashMap>` model, one call at a time, as
//! Go's sync/map_reference_test.go does: every call's result must match the model's.
//!
//! Few keys and values, so that hits, misses, equal-value compare-and-swaps, deletes of live
//! keys and, in `ConcurrentMap`, promotions of the dirty map (after enough misses) and
//! expunged entries (a deleted key when a new dirty map is built) all come often.
//! `tests/concurrent_model.rs` runs the same model on proptest's sequences.

use std::collections::HashMap;
use std::sync::Mutex;

use arbitrary::Arbitrary;
use gomap::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};

/// Keys are taken modulo this, values modulo [`VALUES`].
pub const KEYS: u8 = 16;
pub const VALUES: u8 = 4;

/// One call. Keys and values are reduced modulo [`KEYS`] and [`VALUES`].
#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    Load(u8),
    Store(u8, u8),
    LoadOrStore(u8, u8),
    LoadAndDelete(u8),
    Delete(u8),
    Swap(u8, u8),
    CompareAndSwap(u8, u8, u8),
    CompareAndDelete(u8, u8),
    /// Range, stopping after this many entries.
    Range(u8),
    Clear,
    Len,
    IsEmpty,
}

/// What a call returned.
#[derive(Debug, PartialEq)]
pub enum Out {
    Unit,
    Value(Option<Val>),
    Pair(Val, bool),
    Flag(bool),
    Len(usize),
}

/// A value that owns heap memory, so that AddressSanitizer sees a value freed twice or too
/// early by the epoch reclamation.
pub type Val = String;

fn val(v: u8) -> Val {
    format!("v{}", v % VALUES)
}

/// The sync.Map API, as all of gomap's concurrent maps have it.
pub trait SyncMap: Default {
    fn load(&self, k: &u8) -> Option<Val>;
    fn store(&self, k: u8, v: Val);
    fn load_or_store(&self, k: u8, v: Val) -> (Val, bool);
    fn load_and_delete(&self, k: &u8) -> Option<Val>;
    fn delete(&self, k: &u8);
    fn swap(&self, k: u8, v: Val) -> Option<Val>;
    fn compare_and_swap(&self, k: &u8, old: &Val, new: Val) -> bool;
    fn compare_and_delete(&self, k: &u8, old: &Val) -> bool;
    fn range(&self, f: &mut dyn FnMut(&u8, &Val) -> bool);
    fn clear(&self);
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
}

macro_rules! sync_map {
    ($($map:ident),*) => {$(
        impl SyncMap for $map<u8, Val> {
            fn load(&self, k: &u8) -> Option<Val> {
                $map::load(self, k)
            }
            fn store(&self, k: u8, v: Val) {
                $map::store(self, k, v)
            }
            fn load_or_store(&self, k: u8, v: Val) -> (Val, bool) {
                $map::load_or_store(self, k, v)
            }
            fn load_and_delete(&self, k: &u8) -> Option<Val> {
                $map::load_and_delete(self, k)
            }
            fn delete(&self, k: &u8) {
                $map::delete(self, k)
            }
            fn swap(&self, k: u8, v: Val) -> Option<Val> {
                $map::swap(self, k, v)
            }
            fn compare_and_swap(&self, k: &u8, old: &Val, new: Val) -> bool {
                $map::compare_and_swap(self, k, old, new)
            }
            fn compare_and_delete(&self, k: &u8, old: &Val) -> bool {
                $map::compare_and_delete(self, k, old)
            }
            fn range(&self, f: &mut dyn FnMut(&u8, &Val) -> bool) {
                $map::range(self, f)
            }
            fn clear(&self) {
                $map::clear(self)
            }
            fn len(&self) -> usize {
                $map::len(self)
            }
            fn is_empty(&self) -> bool {
                $map::is_empty(self)
            }
        }
    )*};
}

sync_map!(ConcurrentMap, RwLockMap, HashTrieMap);

/// The model: a plain map under a mutex, with each call's meaning spelled out.
#[derive(Default)]
pub struct Model(Mutex<HashMap<u8, Val>>);

impl SyncMap for Model {
    fn load(&self, k: &u8) -> Option<Val> {
        self.0.lock().unwrap().get(k).cloned()
    }
    fn store(&self, k: u8, v: Val) {
        self.0.lock().unwrap().insert(k, v);
    }
    fn load_or_store(&self, k: u8, v: Val) -> (Val, bool) {
        let mut m = self.0.lock().unwrap();
        match m.get(&k) {
            Some(old) => (old.clone(), true),
            None => {
                m.insert(k, v.clone());
                (v, false)
            }
        }
    }
    fn load_and_delete(&self, k: &u8) -> Option<Val> {
        self.0.lock().unwrap().remove(k)
    }
    fn delete(&self, k: &u8) {
        self.0.lock().unwrap().remove(k);
    }
    fn swap(&self, k: u8, v: Val) -> Option<Val> {
        self.0.lock().unwrap().insert(k, v)
    }
    fn compare_and_swap(&self, k: &u8, old: &Val, new: Val) -> bool {
        match self.0.lock().unwrap().get_mut(k) {
            Some(v) if v == old => {
                *v = new;
                true
            }
            _ => false,
        }
    }
    fn compare_and_delete(&self, k: &u8, old: &Val) -> bool {
        let mut m = self.0.lock().unwrap();
        let hit = m.get(k) == Some(old);
        if hit {
            m.remove(k);
        }
        hit
    }
    fn range(&self, f: &mut dyn FnMut(&u8, &Val) -> bool) {
        for (k, v) in self.0.lock().unwrap().iter() {
            if !f(k, v) {
                break;
            }
        }
    }
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn is_empty(&self) -> bool {
        self.0.lock().unwrap().is_empty()
    }
}

impl Model {
    fn contents(&self) -> HashMap<u8, Val> {
        self.0.lock().unwrap().clone()
    }
}

/// Applies one call (other than `Range`, which is checked as a set).
fn apply(m: &impl SyncMap, op: &Op) -> Out {
    let key = |k: u8| k % KEYS;
    match *op {
        Op::Load(k) => Out::Value(m.load(&key(k))),
        Op::Store(k, v) => {
            m.store(key(k), val(v));
            Out::Unit
        }
        Op::LoadOrStore(k, v) => {
            let (v, loaded) = m.load_or_store(key(k), val(v));
            Out::Pair(v, loaded)
        }
        Op::LoadAndDelete(k) => Out::Value(m.load_and_delete(&key(k))),
        Op::Delete(k) => {
            m.delete(&key(k));
            Out::Unit
        }
        Op::Swap(k, v) => Out::Value(m.swap(key(k), val(v))),
        Op::CompareAndSwap(k, o, n) => Out::Flag(m.compare_and_swap(&key(k), &val(o), val(n))),
        Op::CompareAndDelete(k, o) => Out::Flag(m.compare_and_delete(&key(k), &val(o))),
        Op::Range(_) => unreachable!("range results are checked as sets"),
        Op::Clear => {
            m.clear();
            Out::Unit
        }
        Op::Len => Out::Len(m.len()),
        Op::IsEmpty => Out::Flag(m.is_empty()),
    }
}

/// What `range` visited, stopping after `stop` entries; panics if a key comes twice.
fn ranged(m: &impl SyncMap, stop: usize) -> HashMap<u8, Val> {
    let mut seen = HashMap::new();
    m.range(&mut |k, v| {
        assert!(seen.insert(*k, v.clone()).is_none(), "range visited {k} twice");
        seen.len() < stop
    });
    seen
}

/// Runs `ops` on a fresh `M` and on the model, panicking at the first difference. After each
/// call the lengths must agree (`len` neither promotes nor counts a miss, so it leaves the
/// read/dirty state as the call left it); at the end, the whole contents, by `range` and `load`.
pub fn run_ops<M: SyncMap>(ops: &[Op]) {
    let (m, model) = (M::default(), Model::default());
    for (i, op) in ops.iter().enumerate() {
        if let Op::Range(stop) = *op {
            let want = model.contents();
            let seen = ranged(&m, usize::from(stop));
            if usize::from(stop) < want.len() {
                assert_eq!(seen.len(), usize::from(stop).max(1), "op {i}: range stops");
                for (k, v) in &seen {
                    assert_eq!(want.get(k), Some(v), "op {i}: range");
                }
            } else {
                assert_eq!(seen, want, "op {i}: range");
            }
        } else {
            assert_eq!(apply(&m, op), apply(&model, op), "op {i}: {op:?}");
        }
        assert_eq!(m.len(), model.len(), "op {i}: len after {op:?}");
    }
    let want = model.contents();
    assert_eq!(ranged(&m, usize::MAX), want, "final range");
    for k in 0..KEYS {
        assert_eq!(m.load(&k), want.get(&k).cloned(), "final load {k}");
    }
}

/// The fuzz target's entry point: the same calls on all three concurrent maps.
pub fn run(data: &[u8]) {
    if let Some(ops) = super::parse::<Vec<Op>>(data) {
        run_ops::<ConcurrentMap<u8, Val>>(&ops);
        run_ops::<RwLockMap<u8, Val>>(&ops);
        run_ops::<HashTrieMap<u8, Val>>(&ops);
    }
}
