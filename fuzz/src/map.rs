//! Both maps (`GoMap` and `SwissMap`, one generic runner) against std's `HashMap`: every
//! operation's answer, then the whole contents, compared after each step.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash, Hasher};

use arbitrary::Arbitrary;
use gomap::api::{Engine, Entry, Map};
use gomap::hash::{backend, testing};
use gomap::{GoMap, SwissMap};

/// One run's script: which hasher and key/value types, how many distinct keys, the operations.
#[derive(Arbitrary, Debug)]
pub struct Script {
    hasher: HashChoice,
    types: Types,
    /// The key space is 2^(1 + key_bits % 11) keys: 2 to 2048.
    key_bits: u8,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum HashChoice {
    /// Go's hash (the process backend) with a fixed key schedule and this seed.
    Go { seed: u64 },
    /// [`PoorState`]: few bucket bits, runs of consecutive integer keys in one bucket.
    Poor { low_bits: u8, shift: u8 },
}

/// Key and value types: heap-owning ones, so that a slot dropped twice or never shows up
/// under AddressSanitizer; boxed ones (over 128 bytes, Go's indirect key and elem); and a
/// zero-sized value.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Types {
    U64String,
    StringBytes,
    Boxed,
    U16Unit,
}

/// A key is a number in the key space (taken modulo its size); a value is any `u8`.
#[derive(Arbitrary, Debug, Clone)]
enum Op {
    Insert(u16, u8),
    InsertRange {
        from: u16,
        len: u8,
        value: u8,
    },
    Remove(u16),
    RemoveRange {
        from: u16,
        len: u8,
    },
    /// `rounds` times: inserts a run of `len` keys, each run starting where the last ended,
    /// then removes three in four of them. Clustered churn leaves overflow buckets behind
    /// (with the poor hasher, until a same-size grow).
    Churn {
        from: u16,
        len: u8,
        rounds: u8,
    },
    RemoveEntry(u16),
    Get(u16),
    GetMut(u16, u8),
    OrInsert(u16, u8),
    OrInsertWithKey(u16),
    AndModifyOrDefault(u16),
    OccupiedInsert(u16, u8),
    OccupiedRemove(u16),
    InsertEntry(u16, u8),
    VacantIntoKey(u16),
    /// Keeps keys with `key % (2 + modulus % 5) != 0`, changing every value it is shown.
    Retain {
        modulus: u8,
    },
    /// Drains `take` entries, then drops the `Drain` with the rest.
    Drain {
        take: u8,
    },
    /// Takes `take` entries from a clone's `into_iter` and drops the rest with it.
    IntoIterPartial {
        take: u8,
    },
    Clear,
    ShrinkTo(u16),
    ShrinkToFit,
    Reserve(u16),
    /// `take` entries through `next`, the rest through `fold`.
    Iterate {
        take: u8,
    },
    IterMut,
    /// Clones the map (a grow in progress included) and compares the clone; with `keep`, the
    /// clone carries on as the map.
    Clone {
        keep: bool,
    },
    Extend(Vec<(u16, u8)>),
    /// Extracts keys with `key % (2 + modulus % 5) == 0` through `extract_if`, takes `take` of
    /// them and drops the `ExtractIf` half-way (the rest stay).
    ExtractIf {
        modulus: u8,
        take: u8,
    },
}

/// The key and value types of one run, made from numbers.
trait Kind {
    type K: Eq + Hash + Clone + Debug;
    type V: PartialEq + Clone + Debug + Default;
    fn key(n: u64) -> Self::K;
    /// The number `key` was made from.
    fn num(k: &Self::K) -> u64;
    fn value(n: u8) -> Self::V;
    /// An in-place change, made the same on both maps.
    fn touch(v: &mut Self::V);
}

struct U64String;
impl Kind for U64String {
    type K = u64;
    type V = String;
    fn key(n: u64) -> u64 {
        n
    }
    fn num(k: &u64) -> u64 {
        *k
    }
    fn value(n: u8) -> String {
        format!("value {n}")
    }
    fn touch(v: &mut String) {
        v.push('+');
        if v.len() > 24 {
            v.truncate(5);
        }
    }
}

struct StringBytes;
impl Kind for StringBytes {
    type K = String;
    type V = Vec<u8>;
    fn key(n: u64) -> String {
        format!("key-{n}")
    }
    fn num(k: &String) -> u64 {
        k[4..].parse().expect("made by key()")
    }
    fn value(n: u8) -> Vec<u8> {
        vec![n; usize::from(n % 9)]
    }
    fn touch(v: &mut Vec<u8>) {
        v.push(1);
        v.rotate_left(1);
    }
}

struct Boxed;
impl Kind for Boxed {
    /// 136 bytes: stored boxed (over MAX_KEY_SIZE).
    type K = [u64; 17];
    /// 136 bytes: stored boxed (over MAX_ELEM_SIZE).
    type V = [u64; 17];
    fn key(n: u64) -> [u64; 17] {
        core::array::from_fn(|i| n.wrapping_mul(i as u64 + 1))
    }
    fn num(k: &[u64; 17]) -> u64 {
        k[0]
    }
    fn value(n: u8) -> [u64; 17] {
        [u64::from(n); 17]
    }
    fn touch(v: &mut [u64; 17]) {
        v[16] = v[16].wrapping_add(1);
    }
}

struct U16Unit;
impl Kind for U16Unit {
    type K = u16;
    type V = ();
    fn key(n: u64) -> u16 {
        n as u16
    }
    fn num(k: &u16) -> u64 {
        u64::from(*k)
    }
    fn value(_: u8) {}
    fn touch(_: &mut ()) {}
}

/// A deliberately poor hasher: the bucket bits are `(key >> shift) & (2^low_bits - 1)` for an
/// integer key (FNV of the bytes otherwise), so runs of 2^shift consecutive keys share a bucket
/// and few buckets are used at all: long overflow chains, and after churn, same-size grows.
/// The top byte (the tophash) is mixed from the whole key.
#[derive(Clone, Copy, Debug)]
pub struct PoorState {
    low_mask: u64,
    shift: u32,
}

impl PoorState {
    fn new(low_bits: u8, shift: u8) -> Self {
        PoorState { low_mask: (1 << (low_bits % 11)) - 1, shift: u32::from(shift % 7) }
    }
}

pub struct PoorHasher {
    h: u64,
    state: PoorState,
}

impl Hasher for PoorHasher {
    fn finish(&self) -> u64 {
        let mut x = self.h ^ (self.h >> 33);
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        (x & 0xff << 56) | ((self.h >> self.state.shift) & self.state.low_mask)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.h = (self.h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.h = self.h.rotate_left(29) ^ n;
    }
    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }
}

impl BuildHasher for PoorState {
    type Hasher = PoorHasher;
    fn build_hasher(&self) -> PoorHasher {
        PoorHasher { h: 0, state: *self }
    }
}

/// What a run went through, so that a replayed corpus can show it still reaches the hard cases.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    pub ops: usize,
    /// Full comparisons (lookups and iteration) made while a doubling grow was in progress, on a
    /// map with unevacuated old buckets.
    pub doubling: usize,
    /// Full comparisons made while a same-size grow was in progress.
    pub same_size: usize,
    /// The largest B seen.
    pub max_b: u8,
    /// The most tables a SwissMap reached.
    pub max_tables: usize,
}

impl Reached {
    pub fn add(&mut self, o: Reached) {
        self.ops += o.ops;
        self.doubling += o.doubling;
        self.same_size += o.same_size;
        self.max_b = self.max_b.max(o.max_b);
        self.max_tables = self.max_tables.max(o.max_tables);
    }
}

/// What the runner asks of each engine's own structure.
pub trait Probe {
    /// Notes the structure reached.
    fn saw(&self, r: &mut Reached);
    /// A grow in progress (the classic map's incremental evacuation).
    fn growing(&self) -> bool;
    /// A measure of the allocation, which `shrink_to` never raises.
    fn size_class(&self) -> usize;
    /// The header, which a clone keeps.
    fn shape(&self) -> String;
    /// The entry count the header reports.
    fn header_len(&self) -> usize;
}

impl<K, V, S> Probe for GoMap<K, V, S> {
    fn saw(&self, r: &mut Reached) {
        let st = self.stats();
        r.doubling += usize::from(st.growing && !st.same_size_grow);
        r.same_size += usize::from(st.same_size_grow);
        r.max_b = r.max_b.max(st.b);
    }
    fn growing(&self) -> bool {
        self.stats().growing
    }
    fn size_class(&self) -> usize {
        self.stats().b.into()
    }
    fn shape(&self) -> String {
        format!("{:?}", self.stats())
    }
    fn header_len(&self) -> usize {
        self.stats().len
    }
}

impl<K, V, S> Probe for SwissMap<K, V, S> {
    fn saw(&self, r: &mut Reached) {
        r.max_tables = r.max_tables.max(self.raw().tables().len());
    }
    fn growing(&self) -> bool {
        false
    }
    fn size_class(&self) -> usize {
        let view = self.raw();
        let slots: usize = view.tables().iter().map(|t| usize::from(t.capacity())).sum();
        slots + view.small_group().map_or(0, |_| 8)
    }
    fn shape(&self) -> String {
        format!("{:?}", self.stats())
    }
    fn header_len(&self) -> usize {
        self.stats().used as usize
    }
}

/// The engine of a map type (neither engine is nameable outside gomap).
trait EngineOf {
    type E;
}

impl<K, V, S, E> EngineOf for Map<K, V, S, E> {
    type E = E;
}

type Classic<K, V> = <GoMap<K, V> as EngineOf>::E;
type Swiss<K, V> = <SwissMap<K, V> as EngineOf>::E;

/// The fuzz target's entry point.
pub fn run(data: &[u8]) {
    if let Some(script) = super::parse::<Script>(data) {
        run_script(script);
    }
}

/// Runs a script, panicking on the first difference from std.
pub fn run_script(script: Script) -> Reached {
    match script.hasher {
        HashChoice::Go { seed } => {
            // A fixed key schedule: the same input hashes the same way in every process.
            let sched = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
            let key = [0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344, 0xa409_3822_299f_31d0, 7];
            let s = testing::random_state(sched, key, seed, backend()).expect("process backend");
            by_types(script, s)
        }
        HashChoice::Poor { low_bits, shift } => by_types(script, PoorState::new(low_bits, shift)),
    }
}

/// The script on GoMap, then on SwissMap.
fn by_types<S: BuildHasher + Clone>(script: Script, s: S) -> Reached {
    let mut r = by_engine::<S, Classic<_, _>, Classic<_, _>, Classic<_, _>, Classic<_, _>>(
        &script,
        s.clone(),
    );
    r.add(by_engine::<S, Swiss<_, _>, Swiss<_, _>, Swiss<_, _>, Swiss<_, _>>(&script, s));
    r
}

/// The script on one map: the engine for each key/value types.
fn by_engine<S, E1, E2, E3, E4>(script: &Script, s: S) -> Reached
where
    S: BuildHasher + Clone,
    E1: Engine<<U64String as Kind>::K, <U64String as Kind>::V>,
    E2: Engine<<StringBytes as Kind>::K, <StringBytes as Kind>::V>,
    E3: Engine<<Boxed as Kind>::K, <Boxed as Kind>::V>,
    E4: Engine<<U16Unit as Kind>::K, <U16Unit as Kind>::V>,
    Map<<U64String as Kind>::K, <U64String as Kind>::V, S, E1>: Probe,
    Map<<StringBytes as Kind>::K, <StringBytes as Kind>::V, S, E2>: Probe,
    Map<<Boxed as Kind>::K, <Boxed as Kind>::V, S, E3>: Probe,
    Map<<U16Unit as Kind>::K, <U16Unit as Kind>::V, S, E4>: Probe,
{
    let space = 1u64 << (1 + script.key_bits % 11);
    match script.types {
        Types::U64String => Runner::<U64String, S, E1>::new(s, space).run(&script.ops),
        Types::StringBytes => Runner::<StringBytes, S, E2>::new(s, space).run(&script.ops),
        Types::Boxed => Runner::<Boxed, S, E3>::new(s, space).run(&script.ops),
        Types::U16Unit => Runner::<U16Unit, S, E4>::new(s, space).run(&script.ops),
    }
}

struct Runner<T: Kind, S, E> {
    m: Map<T::K, T::V, S, E>,
    std: HashMap<T::K, T::V>,
    space: u64,
}

impl<T: Kind, S: BuildHasher + Clone, E: Engine<T::K, T::V>> Runner<T, S, E>
where
    Map<T::K, T::V, S, E>: Probe,
{
    fn new(s: S, space: u64) -> Self {
        Runner { m: Map::with_hasher(s), std: HashMap::new(), space }
    }

    fn run(mut self, ops: &[Op]) -> Reached {
        let mut reached = Reached::default();
        for op in ops {
            self.step(op, &mut reached);
            check(&self.m, &self.std);
            reached.ops += 1;
            self.m.saw(&mut reached);
        }
        reached
    }

    fn step(&mut self, op: &Op, reached: &mut Reached) {
        let (m, s, space) = (&mut self.m, &mut self.std, self.space);
        let key = |n: u16| T::key(u64::from(n) % space);
        match *op {
            Op::Insert(k, v) => {
                let k = key(k);
                assert_eq!(m.insert(k.clone(), T::value(v)), s.insert(k, T::value(v)));
            }
            Op::InsertRange { from, len, value } => {
                for i in 0..u16::from(len) {
                    let k = key(from.wrapping_add(i));
                    assert_eq!(m.insert(k.clone(), T::value(value)), s.insert(k, T::value(value)));
                    check_mid_grow(m, s, i, reached);
                }
            }
            Op::Remove(k) => {
                let k = key(k);
                assert_eq!(m.remove(&k), s.remove(&k));
            }
            Op::RemoveRange { from, len } => {
                for i in 0..u16::from(len) {
                    let k = key(from.wrapping_add(i));
                    assert_eq!(m.remove(&k), s.remove(&k));
                    check_mid_grow(m, s, i, reached);
                }
            }
            Op::Churn { from, len, rounds } => {
                for r in 0..u16::from(rounds % 32) {
                    let base = from.wrapping_add(r.wrapping_mul(u16::from(len)));
                    for i in 0..u16::from(len) {
                        let k = key(base.wrapping_add(i));
                        assert_eq!(
                            m.insert(k.clone(), T::value(r as u8)),
                            s.insert(k, T::value(r as u8))
                        );
                        check_mid_grow(m, s, i, reached);
                    }
                    for i in (0..u16::from(len)).filter(|i| i % 4 != 0) {
                        let k = key(base.wrapping_add(i));
                        assert_eq!(m.remove(&k), s.remove(&k));
                        check_mid_grow(m, s, i, reached);
                    }
                }
            }
            Op::RemoveEntry(k) => {
                let k = key(k);
                assert_eq!(m.remove_entry(&k), s.remove_entry(&k));
            }
            Op::Get(k) => {
                let k = key(k);
                assert_eq!(m.get_key_value(&k), s.get_key_value(&k));
                assert_eq!(m.contains_key(&k), s.contains_key(&k));
            }
            Op::GetMut(k, v) => {
                let k = key(k);
                match (m.get_mut(&k), s.get_mut(&k)) {
                    (Some(a), Some(b)) => {
                        assert_eq!(a, b);
                        (*a, *b) = (T::value(v), T::value(v));
                    }
                    (a, b) => assert_eq!(a, b),
                }
            }
            Op::OrInsert(k, v) => {
                let k = key(k);
                assert_eq!(
                    m.entry(k.clone()).or_insert(T::value(v)),
                    s.entry(k).or_insert(T::value(v))
                );
            }
            Op::OrInsertWithKey(k) => {
                let k = key(k);
                let f = |k: &T::K| T::value(T::num(k) as u8);
                assert_eq!(
                    m.entry(k.clone()).or_insert_with_key(f),
                    s.entry(k).or_insert_with_key(f)
                );
            }
            Op::AndModifyOrDefault(k) => {
                let k = key(k);
                let a = m.entry(k.clone()).and_modify(T::touch).or_default().clone();
                assert_eq!(&a, s.entry(k).and_modify(T::touch).or_default());
            }
            Op::OccupiedInsert(k, v) => {
                let k = key(k);
                let old = match m.entry(k.clone()) {
                    Entry::Occupied(mut e) => {
                        assert_eq!(*e.key(), k);
                        Some(e.insert(T::value(v)))
                    }
                    Entry::Vacant(_) => None,
                };
                assert_eq!(old, s.get_mut(&k).map(|x| std::mem::replace(x, T::value(v))));
            }
            Op::OccupiedRemove(k) => {
                let k = key(k);
                let got = match m.entry(k.clone()) {
                    Entry::Occupied(e) => {
                        assert_eq!(e.get(), &s[&k]);
                        Some(e.remove_entry())
                    }
                    Entry::Vacant(e) => {
                        assert_eq!(*e.key(), k);
                        None
                    }
                };
                assert_eq!(got, s.remove_entry(&k));
            }
            Op::InsertEntry(k, v) => {
                let k = key(k);
                let e = m.entry(k.clone()).insert_entry(T::value(v));
                assert_eq!((e.key(), e.get()), (&k, &T::value(v)));
                s.insert(k, T::value(v));
            }
            Op::VacantIntoKey(k) => {
                let k = key(k);
                match m.entry(k.clone()) {
                    Entry::Vacant(e) => {
                        assert!(!s.contains_key(&k));
                        assert_eq!(e.into_key(), k);
                    }
                    Entry::Occupied(e) => assert_eq!(Some(e.get()), s.get(&k)),
                }
            }
            Op::Retain { modulus } => {
                let d = 2 + u64::from(modulus % 5);
                let keep = |k: &T::K, v: &mut T::V| {
                    T::touch(v);
                    T::num(k) % d != 0
                };
                m.retain(keep);
                s.retain(keep);
            }
            Op::Drain { take } => {
                let mut d = m.drain();
                assert_eq!(d.len(), s.len());
                for (k, v) in d.by_ref().take(usize::from(take)) {
                    assert_eq!(s.get(&k), Some(&v), "drained {k:?}");
                }
                drop(d);
                s.clear();
            }
            Op::IntoIterPartial { take } => {
                let mut it = m.clone().into_iter();
                assert_eq!(it.len(), s.len());
                let mut seen = HashSet::new();
                for (k, v) in it.by_ref().take(usize::from(take)) {
                    assert_eq!(s.get(&k), Some(&v), "into_iter {k:?}");
                    assert!(seen.insert(k), "into_iter yields each key once");
                }
                assert_eq!(it.len(), s.len() - seen.len());
            }
            Op::ExtractIf { modulus, take } => {
                let d = 2 + u64::from(modulus % 5);
                let mut seen = HashSet::new();
                for (k, v) in m.extract_if(|k, _| T::num(k) % d == 0).take(usize::from(take)) {
                    assert_eq!(T::num(&k) % d, 0, "extract_if yields only what pred accepts");
                    assert_eq!(s.remove(&k), Some(v), "extracted {k:?}");
                    assert!(seen.insert(T::num(&k)), "extract_if yields each key once");
                }
            }
            Op::Clear => {
                m.clear();
                s.clear();
            }
            Op::ShrinkTo(n) => {
                let (b, cap) = (m.size_class(), m.capacity());
                m.shrink_to(usize::from(n));
                assert!(m.size_class() <= b, "shrink_to never grows");
                assert!(
                    m.capacity() >= m.len().max(usize::from(n)).min(cap),
                    "nor shrinks too far"
                );
            }
            Op::ShrinkToFit => {
                m.shrink_to_fit();
                assert!(m.capacity() >= m.len());
            }
            Op::Reserve(n) => {
                m.reserve(usize::from(n));
                assert!(m.capacity() >= m.len() + usize::from(n), "reserve makes room");
            }
            Op::Iterate { take } => {
                let mut it = m.iter();
                let mut n = 0;
                for (k, v) in it.by_ref().take(usize::from(take)) {
                    assert_eq!(s.get(k), Some(v));
                    n += 1;
                }
                assert_eq!(it.len(), s.len() - n);
                n += it.fold(0, |n, (k, v)| {
                    assert_eq!(s.get(k), Some(v));
                    n + 1
                });
                assert_eq!(n, s.len());
            }
            Op::IterMut => {
                for (_, v) in m.iter_mut() {
                    T::touch(v);
                }
                s.values_mut().for_each(T::touch);
            }
            Op::Clone { keep } => {
                let c = m.clone();
                assert_eq!(c.shape(), m.shape(), "a clone keeps the table's shape");
                check(&c, s);
                if keep {
                    *m = c;
                }
            }
            Op::Extend(ref kvs) => {
                let kvs: Vec<_> = kvs.iter().map(|&(k, v)| (key(k), T::value(v))).collect();
                m.extend(kvs.iter().cloned());
                s.extend(kvs);
            }
        }
    }
}

/// Inside the range and churn operations, every eighth write: the whole comparison, if a grow
/// is in progress. A grow seldom outlives the operation that starts it (each write evacuates
/// up to two buckets), so checking only between operations would rarely see one.
fn check_mid_grow<K, V, S, E>(m: &Map<K, V, S, E>, s: &HashMap<K, V>, i: u16, r: &mut Reached)
where
    K: Eq + Hash + Debug,
    V: PartialEq + Debug,
    S: BuildHasher,
    E: Engine<K, V>,
    Map<K, V, S, E>: Probe,
{
    if i % 8 == 7 && m.growing() {
        check(m, s);
        m.saw(r);
    }
}

/// The whole contents: each of std's entries found in gomap, and gomap's iteration (by `next`
/// and by `fold`) yields each of its entries once.
fn check<K, V, S, E>(m: &Map<K, V, S, E>, s: &HashMap<K, V>)
where
    K: Eq + Hash + Debug,
    V: PartialEq + Debug,
    S: BuildHasher,
    E: Engine<K, V>,
    Map<K, V, S, E>: Probe,
{
    assert_eq!(m.len(), s.len());
    assert_eq!(m.is_empty(), s.is_empty());
    assert_eq!(m.header_len(), s.len());
    for (k, v) in s {
        assert_eq!(m.get(k), Some(v), "key {k:?}");
    }
    let mut seen = HashSet::with_capacity(s.len());
    for (k, v) in m {
        assert_eq!(s.get(k), Some(v), "iterated {k:?}");
        assert!(seen.insert(k), "{k:?} iterated twice");
    }
    assert_eq!(m.iter().fold(0, |n, _| n + 1), s.len());
}
