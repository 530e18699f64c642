//! Shared pieces of the map benches: the `BenchMap` trait, key generation that the Go program
//! (benches/go) reproduces bit for bit, the in-flight trace and a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Seeds shared with benches/go/main.go; changing one breaks the Go comparison.
pub const SEED_KEYS: u64 = 0x6d61_705f_6b65_7973;
pub const SEED_SHUFFLE: u64 = 0x7368_7566_666c_6521;
pub const SEED_INFLIGHT: u64 = 0x6e73_715f_6d73_6773;

/// splitmix64: tiny, fast, and trivial to write identically in Go.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher-Yates with `next % (i + 1)`, the same draw order as the Go side.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// A map size the benches know, by its `GOMAP_BENCH_SIZES` label.
pub struct Size {
    pub label: &'static str,
    pub n: usize,
}

pub const ALL_SIZES: [Size; 4] = [
    Size { label: "1k", n: 1_000 },
    Size { label: "100k", n: 100_000 },
    Size { label: "1m", n: 1_000_000 },
    Size { label: "8m", n: 8_000_000 },
];

/// The sizes `GOMAP_BENCH_SIZES` asks for (`default` when unset). Panics on an unknown label.
pub fn sizes(default: &str) -> Vec<&'static Size> {
    let spec = std::env::var("GOMAP_BENCH_SIZES").unwrap_or_else(|_| default.into());
    let wanted: Vec<&str> = spec.split(',').map(str::trim).collect();
    for w in &wanted {
        assert!(
            ALL_SIZES.iter().any(|s| s.label == *w),
            "GOMAP_BENCH_SIZES: unknown size {w:?} (known: 1k, 100k, 1m, 8m)"
        );
    }
    ALL_SIZES.iter().filter(|s| wanted.contains(&s.label)).collect()
}

/// A key type the benches run with.
pub trait BenchKey: Hash + Eq + Clone {
    const NAME: &'static str;
    fn make(x: u64) -> Self;
}

impl BenchKey for u64 {
    const NAME: &'static str = "u64";
    fn make(x: u64) -> Self {
        x
    }
}

impl BenchKey for String {
    const NAME: &'static str = "str";
    /// 20 bytes: Go's `fmt.Sprintf("key-%016x", x)`.
    fn make(x: u64) -> Self {
        format!("key-{x:016x}")
    }
}

/// The inputs of every workload at one size. `ring` holds 2n distinct keys: the first n are the
/// map's contents (hits), the last n are misses and the churn's spare keys.
pub struct Data<K> {
    pub n: usize,
    pub ring: Vec<K>,
    /// The hits in a random order: lookups and removes walk this so they do not follow
    /// insertion order (which would favour tables that keep it).
    pub shuffled: Vec<K>,
}

impl<K: BenchKey> Data<K> {
    pub fn new(n: usize) -> Self {
        let mut rng = SplitMix(SEED_KEYS);
        let ring: Vec<K> = (0..2 * n).map(|_| K::make(rng.next_u64())).collect();
        let mut shuffled = ring[..n].to_vec();
        SplitMix(SEED_SHUFFLE).shuffle(&mut shuffled);
        Data { n, ring, shuffled }
    }

    pub fn hits(&self) -> &[K] {
        &self.ring[..self.n]
    }

    pub fn misses(&self) -> &[K] {
        &self.ring[self.n..]
    }

    pub fn build<M: BenchMap<K, u64>>(&self) -> M {
        let mut m = M::new();
        for (i, k) in self.hits().iter().enumerate() {
            m.insert(k.clone(), i as u64);
        }
        m
    }
}

/// The few map operations the workloads need, so one harness drives every map.
pub trait BenchMap<K, V>: Sized {
    fn new() -> Self;
    fn with_capacity(n: usize) -> Self;
    fn insert(&mut self, k: K, v: V) -> Option<V>;
    fn get(&self, k: &K) -> Option<&V>;
    fn contains_key(&self, k: &K) -> bool;
    fn remove(&mut self, k: &K) -> Option<V>;
    fn remove_entry(&mut self, k: &K) -> Option<(K, V)>;
    fn len(&self) -> usize;
    fn fold_values(&self, init: u64, f: impl FnMut(u64, &K, &V) -> u64) -> u64;
}

/// Implements `BenchMap` for a std-like map type whose hasher is `Default`.
macro_rules! impl_bench_map {
    ($map:ident) => {
        impl<K: Hash + Eq, V, S: BuildHasher + Default> BenchMap<K, V> for $map<K, V, S> {
            fn new() -> Self {
                $map::with_hasher(S::default())
            }
            fn with_capacity(n: usize) -> Self {
                $map::with_capacity_and_hasher(n, S::default())
            }
            #[inline]
            fn insert(&mut self, k: K, v: V) -> Option<V> {
                $map::insert(self, k, v)
            }
            #[inline]
            fn get(&self, k: &K) -> Option<&V> {
                $map::get(self, k)
            }
            #[inline]
            fn contains_key(&self, k: &K) -> bool {
                $map::contains_key(self, k)
            }
            #[inline]
            fn remove(&mut self, k: &K) -> Option<V> {
                $map::remove(self, k)
            }
            #[inline]
            fn remove_entry(&mut self, k: &K) -> Option<(K, V)> {
                $map::remove_entry(self, k)
            }
            fn len(&self) -> usize {
                $map::len(self)
            }
            #[inline]
            fn fold_values(&self, init: u64, mut f: impl FnMut(u64, &K, &V) -> u64) -> u64 {
                self.iter().fold(init, |acc, (k, v)| f(acc, k, v))
            }
        }
    };
}

impl_bench_map!(HashMap);
use gomap::GoMap;
impl_bench_map!(GoMap);
use gomap::SwissMap;
impl_bench_map!(SwissMap);
use hashbrown::HashMap as HbMap;
impl_bench_map!(HbMap);
use griddle::HashMap as GriddleMap;
impl_bench_map!(GriddleMap);

/// 16-byte message ID, ASCII hex like nsqd's `MessageID` (hex of a time-ordered guid).
pub type MsgId = [u8; 16];

fn hex_id(guid: u64) -> MsgId {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = HEX[((guid >> (60 - 4 * i)) & 0xf) as usize];
    }
    id
}

/// Messages in flight at steady state.
pub const INFLIGHT: usize = 100_000;
/// Steps generated (untimed) and replayed (timed) per bench iteration.
pub const INFLIGHT_CHUNK: usize = 10_000;
/// Requeued messages wait for this many others before they are redelivered.
const REQUEUE_DEPTH: usize = 1_000;

/// Drives the in-flight trace of benches/go/main.go: each step one message leaves (90% FIN of a
/// random message, 5% REQ of a random one, 5% timeout of the slot under a round-robin cursor,
/// standing in for the oldest) and one is delivered into its slot: a requeued one once the
/// requeue queue is deep enough, else a fresh ID. REQ and timeout put the ID on the requeue.
pub struct InflightSim {
    rng: SplitMix,
    slots: Vec<MsgId>,
    requeue: std::collections::VecDeque<MsgId>,
    cursor: usize,
    guid: u64,
}

impl InflightSim {
    /// The simulator and the IDs in flight at the start (to prefill the index).
    pub fn new() -> Self {
        let mut sim = InflightSim {
            rng: SplitMix(SEED_INFLIGHT),
            slots: Vec::with_capacity(INFLIGHT),
            requeue: Default::default(),
            cursor: 0,
            guid: 0x0600_0000_0000_0000,
        };
        for _ in 0..INFLIGHT {
            let id = sim.fresh();
            sim.slots.push(id);
        }
        sim
    }

    pub fn in_flight(&self) -> &[MsgId] {
        &self.slots
    }

    fn fresh(&mut self) -> MsgId {
        // nsqd's guid: milliseconds << 22 | worker << 12 | sequence; a step is about 1 us.
        self.guid += 1 + (self.rng.next_u64() & 3);
        hex_id(self.guid)
    }

    /// Fills `out` with the next steps: (id that leaves, id that is delivered).
    pub fn chunk(&mut self, out: &mut Vec<(MsgId, MsgId)>) {
        out.clear();
        for _ in 0..INFLIGHT_CHUNK {
            let r = self.rng.next_u64() % 100;
            let s = if r < 95 {
                (self.rng.next_u64() % INFLIGHT as u64) as usize
            } else {
                let c = self.cursor;
                self.cursor = (c + 1) % INFLIGHT;
                c
            };
            let done = self.slots[s];
            if r >= 90 {
                self.requeue.push_back(done);
            }
            let new = if self.requeue.len() > REQUEUE_DEPTH {
                self.requeue.pop_front().expect("queue is non-empty")
            } else {
                self.fresh()
            };
            self.slots[s] = new;
            out.push((done, new));
        }
    }
}

/// Replays steps as nsqd's channel does: pop = lookup, check, delete; push = lookup, insert.
#[inline(never)]
pub fn replay_inflight<M: BenchMap<MsgId, u64>>(m: &mut M, steps: &[(MsgId, MsgId)]) -> u64 {
    let mut acc = 0u64;
    for (i, (done, new)) in steps.iter().enumerate() {
        match m.get(done) {
            Some(&h) => {
                acc = acc.wrapping_add(h);
                m.remove(done);
            }
            None => panic!("in-flight message missing from the index"),
        }
        if !m.contains_key(new) {
            m.insert(*new, i as u64);
        }
    }
    acc
}

/// Counts live and peak heap bytes (requested sizes, not the allocator's size classes).
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call forwards to `System` with the caller's arguments unchanged; the counters
// are only bookkeeping and never affect the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (so from `System`) with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which `System` shares.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        p
    }
}

/// Heap bytes live now.
pub fn live_bytes() -> usize {
    LIVE.load(Relaxed)
}

/// Resets the peak to the current live count and returns that baseline.
pub fn reset_peak() -> usize {
    let now = LIVE.load(Relaxed);
    PEAK.store(now, Relaxed);
    now
}

/// Highest live count since the last `reset_peak`.
pub fn peak_bytes() -> usize {
    PEAK.load(Relaxed)
}
