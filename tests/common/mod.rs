//! Helpers shared by the integration tests: hashers that place keys on purpose, and counting
//! types for drop accounting.
#![allow(dead_code)]

use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher};
use std::rc::Rc;

/// Uses the written integer as the hash, so a test decides bucket (low bits) and tophash (top
/// byte) exactly. Byte writes are folded in FNV-style for keys that are not integers.
#[derive(Clone, Copy, Default, Debug)]
pub struct IdentityState;

#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n as u64;
    }
}

impl BuildHasher for IdentityState {
    type Hasher = IdentityHasher;
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

/// A deliberately poor hasher: only `bits` distinct low-bit patterns, so keys pile into a few
/// buckets and build long overflow chains; the top byte still varies.
#[derive(Clone, Copy, Debug)]
pub struct PoorState {
    pub bits: u32,
}

pub struct PoorHasher {
    bits: u32,
    h: u64,
}

impl Hasher for PoorHasher {
    fn finish(&self) -> u64 {
        let mixed = self.h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mixed & !((1u64 << 56) - 1)) | (self.h & ((1 << self.bits) - 1))
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.h = (self.h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.h = self.h.rotate_left(5) ^ n;
    }
}

impl BuildHasher for PoorState {
    type Hasher = PoorHasher;
    fn build_hasher(&self) -> PoorHasher {
        PoorHasher { bits: self.bits, h: 0 }
    }
}

/// Counts live instances: +1 on creation and clone, -1 on drop. Dropping twice would push the
/// count below zero, which `Drop` reports by panicking.
#[derive(Clone, Default)]
pub struct Counter(Rc<Cell<i64>>);

impl Counter {
    pub fn live(&self) -> i64 {
        self.0.get()
    }
}

/// A key or value that tracks how many of it are alive, with an optional panic in Hash, Eq,
/// Drop or Clone after a set number of calls.
pub struct Tracked {
    pub id: u64,
    counter: Counter,
    dropped: Cell<bool>,
    pub faults: Rc<Faults>,
}

#[derive(Default)]
pub struct Faults {
    /// Panic in Hash when this reaches 1 (decremented on each hash call while > 0).
    pub hash_countdown: Cell<u64>,
    pub eq_countdown: Cell<u64>,
    pub drop_countdown: Cell<u64>,
    pub clone_countdown: Cell<u64>,
}

fn tick(c: &Cell<u64>) -> bool {
    match c.get() {
        0 => false,
        1 => {
            c.set(0);
            true
        }
        n => {
            c.set(n - 1);
            false
        }
    }
}

impl Tracked {
    pub fn new(id: u64, counter: &Counter, faults: &Rc<Faults>) -> Self {
        counter.0.set(counter.0.get() + 1);
        Tracked { id, counter: counter.clone(), dropped: Cell::new(false), faults: faults.clone() }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        if tick(&self.faults.clone_countdown) {
            panic!("clone fault");
        }
        Tracked::new(self.id, &self.counter, &self.faults)
    }
}

impl Hash for Tracked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if tick(&self.faults.hash_countdown) {
            panic!("hash fault");
        }
        self.id.hash(state);
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        if tick(&self.faults.eq_countdown) {
            panic!("eq fault");
        }
        self.id == other.id
    }
}

impl Eq for Tracked {}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "T{}", self.id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(!self.dropped.get(), "T{} dropped twice", self.id);
        self.dropped.set(true);
        self.counter.0.set(self.counter.0.get() - 1);
        if tick(&self.faults.drop_countdown) {
            panic!("drop fault");
        }
    }
}

/// Reports that part of a test did not run (no Go toolchain, no AES-NI, ...) where a reader of
/// the test run sees it: libtest swallows `eprintln!` from a passing test, so this writes to the
/// process's stderr directly. With `GOMAP_NO_SKIP` set (CI sets it), skipping fails instead.
pub fn not_run(what: &str) {
    if std::env::var_os("GOMAP_NO_SKIP").is_some() {
        panic!("NOT RUN: {what} (GOMAP_NO_SKIP is set: every part of every test must run)");
    }
    note(&format!("NOT RUN: {what}"));
}

/// A line for the reader of the test run (not swallowed by libtest), for coverage that depends
/// on the machine (the VAES path of aeshash runs only on CPUs with VAES).
pub fn note(what: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!! {what}\n");
}

/// The engine type of a map type, for tests generic over the engine: `Classic<K, V>` is
/// GoMap's and `Swiss<K, V>` SwissMap's (neither engine is nameable outside the crate).
pub trait EngineOf {
    type E;
}

impl<K, V, S, E> EngineOf for gomap::api::Map<K, V, S, E> {
    type E = E;
}

/// GoMap's engine.
pub type Classic<K, V> = <gomap::GoMap<K, V> as EngineOf>::E;
/// SwissMap's engine.
pub type Swiss<K, V> = <gomap::SwissMap<K, V> as EngineOf>::E;

/// What tests generic over the engine ask of its structure.
pub trait Shape {
    /// Mid-grow where the engine grows incrementally (the classic map); true otherwise.
    fn mid_grow(&self) -> bool;
    /// The engine's header, to compare a copy with its source.
    fn header(&self) -> String;
}

impl<K, V, S> Shape for gomap::GoMap<K, V, S> {
    fn mid_grow(&self) -> bool {
        self.stats().growing
    }
    fn header(&self) -> String {
        format!("{:?}", self.stats())
    }
}

impl<K, V, S> Shape for gomap::SwissMap<K, V, S> {
    fn mid_grow(&self) -> bool {
        true
    }
    fn header(&self) -> String {
        format!("{:?}", self.stats())
    }
}
