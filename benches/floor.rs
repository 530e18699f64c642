//! How fast can a lookup or an insert in Go's bucket layout be? A bare table of 144-byte bmaps
//! (tophash word, 8 u64 keys, 8 u64 values, overflow link), sized once for its n keys: no
//! growth, no deletes, no generics. It is timed beside GoMap and hashbrown on the same keys and
//! hasher (ahash with fixed seeds): get_hit, get_miss and insert_hint as in benches/map.rs. The
//! floor's gap to hashbrown is the layout's; GoMap's gap to the floor is GoMap's own.
//! `bmap_floor_prefetch` looks up after asking for the bucket's slot lines, as GoMap's insert and
//! remove do (its lookups do not: see `Hmap::find`).
//!
//! `cargo bench --bench floor` (sizes from `GOMAP_BENCH_SIZES`, default 1k,100k,1m). A run is in
//! docs/performance.md, "Where GoMap's time still goes".
#![deny(unsafe_op_in_unsafe_fn)]

#[allow(dead_code)] // sizes and key streams only; the rest serves benches/map.rs
mod common;

use common::{sizes, BenchKey, Data, Size};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

type Ahash = ahash::RandomState;

fn hasher() -> Ahash {
    Ahash::with_seeds(1, 2, 3, 4)
}

/// Go's bmap for map[uint64]uint64 as 18 words: the 8 tophash bytes (little-endian, byte i for
/// slot i), 8 keys, 8 values, and the overflow link (1 + an index into `Floor::overflow`, 0 for
/// none). Plain words, so that a zeroed array comes straight from the allocator, as GoMap's does.
type Bmap = [u64; 18];

const KEYS: usize = 1;
const VALS: usize = 9;
const OVERFLOW: usize = 17;
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Go's tophash: the hash's top byte, lifted past the marker values (0 here means empty).
fn tophash(h: u64) -> u8 {
    let t = (h >> 56) as u8;
    if t < 5 {
        t + 5
    } else {
        t
    }
}

/// The bytes of `w` that are zero, as their high bits (false hits only above a true one).
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(LO) & !w & HI
}

/// The slot of a byte flagged by `zero_bytes`.
fn slot(m: u64) -> usize {
    (m.trailing_zeros() / 8) as usize & 7
}

struct Floor {
    buckets: Vec<Bmap>,
    overflow: Vec<Bmap>,
    mask: usize,
    hasher: Ahash,
}

impl Floor {
    /// An empty table with 2^B buckets, B the smallest that keeps n at or under Go's load
    /// factor 6.5 (the B a GoMap or Go map of n keys ends up with), and room for 2^(B-4)
    /// overflow buckets (Go preallocates that many, and more when roundupsize leaves room).
    fn with_capacity(n: usize) -> Self {
        let mut b = 0;
        while n > 8 && n as f64 > 6.5 * (1u64 << b) as f64 {
            b += 1;
        }
        let mut f = Floor {
            buckets: vec![[0; 18]; 1 << b],
            overflow: Vec::with_capacity(1 << b.max(4) >> 4),
            mask: (1 << b) - 1,
            hasher: hasher(),
        };
        advise_huge_pages(&mut f.buckets);
        f
    }

    /// Go's mapassign without growth: the key's slot if present, else the chain's first empty
    /// slot (with no deletes, empties only trail a chain), else a new overflow bucket. It
    /// prefetches the slot lines, as GoMap's insert does.
    #[inline]
    fn insert(&mut self, k: u64, v: u64) {
        let h = self.hasher.hash_one(k);
        let top = tophash(h);
        let needle = LO * u64::from(top);
        // Where the walk is: main bucket loc below nb, else overflow bucket loc - nb.
        let nb = self.buckets.len();
        let mut loc = h as usize & self.mask;
        prefetch_slots(&self.buckets[loc]);
        loop {
            let len = self.overflow.len();
            let b = if loc < nb { &mut self.buckets[loc] } else { &mut self.overflow[loc - nb] };
            let w = b[0];
            let mut m = zero_bytes(w ^ needle);
            while m != 0 {
                if b[KEYS + slot(m)] == k {
                    b[VALS + slot(m)] = v;
                    return;
                }
                m &= m - 1;
            }
            let empty = zero_bytes(w);
            if empty != 0 {
                let i = slot(empty);
                b[0] |= u64::from(top) << (8 * i);
                b[KEYS + i] = k;
                b[VALS + i] = v;
                return;
            }
            if b[OVERFLOW] == 0 {
                b[OVERFLOW] = len as u64 + 1;
                self.overflow.push([0; 18]);
                loc = nb + len;
            } else {
                loc = nb + b[OVERFLOW] as usize - 1;
            }
        }
    }

    #[inline]
    fn get<const PREFETCH: bool>(&self, k: u64) -> Option<&u64> {
        let h = self.hasher.hash_one(k);
        let mut b = &self.buckets[h as usize & self.mask];
        if PREFETCH {
            prefetch_slots(b);
        }
        let needle = LO * u64::from(tophash(h));
        loop {
            let w = b[0];
            let mut m = zero_bytes(w ^ needle);
            while m != 0 {
                if b[KEYS + slot(m)] == k {
                    return Some(&b[VALS + slot(m)]);
                }
                m &= m - 1;
            }
            // No deletes, so an empty slot means the rest of the chain is empty too.
            if zero_bytes(w) != 0 || b[OVERFLOW] == 0 {
                return None;
            }
            b = &self.overflow[b[OVERFLOW] as usize - 1];
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn prefetch_slots(b: &Bmap) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    let p = (b as *const Bmap).cast::<i8>();
    // SAFETY: a prefetch is a hint that never faults; the addresses are inside `b` anyway.
    unsafe {
        _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
        _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(128));
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn prefetch_slots(_: &Bmap) {}

/// The same transparent-huge-page advice GoMap gives its bucket arrays, so that neither side
/// of the comparison has fewer TLB misses.
#[cfg(target_os = "linux")]
fn advise_huge_pages(buckets: &mut [Bmap]) {
    const HUGE: usize = 2 << 20;
    let start = (buckets.as_mut_ptr() as usize).next_multiple_of(HUGE);
    let end = (buckets.as_mut_ptr() as usize + std::mem::size_of_val(buckets)) & !(HUGE - 1);
    if end > start {
        // SAFETY: [start, end) lies inside the live allocation behind `buckets`; the advice
        // changes how it is backed, never its contents.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &mut [Bmap]) {}

fn bench(c: &mut Criterion) {
    for &Size { label: size, n } in sizes("1k,100k,1m") {
        let d = Data::<u64>::new(n);
        let mut floor = Floor::with_capacity(n);
        let mut gomap = gomap::GoMap::with_hasher(hasher());
        let mut hashbrown = hashbrown::HashMap::with_hasher(hasher());
        for (i, &k) in d.hits().iter().enumerate() {
            floor.insert(k, i as u64);
            gomap.insert(k, i as u64);
            hashbrown.insert(k, i as u64);
        }
        // The floor must be a correct map for its timings to mean anything.
        let found = |i: usize, k: u64| floor.get::<false>(k) == Some(&(i as u64));
        assert!(d.hits().iter().enumerate().all(|(i, &k)| found(i, k)));
        assert!(d.misses().iter().all(|&k| floor.get::<true>(k).is_none()));
        for (workload, keys) in [("get_hit", &d.shuffled[..]), ("get_miss", d.misses())] {
            let mut g = c.benchmark_group(format!("floor-{workload}-{}", u64::NAME));
            g.throughput(Throughput::Elements(n as u64));
            // A macro, not a table of closures: each lookup must inline into its own loop.
            macro_rules! time {
                ($label:expr, $get:expr) => {
                    g.bench_function(BenchmarkId::new($label, size), |b| {
                        b.iter(|| {
                            keys.iter().fold(0u64, |acc, &k| acc + $get(k).map_or(1, |v| v & 1))
                        })
                    });
                };
            }
            time!("bmap_floor", |k| floor.get::<false>(k));
            time!("bmap_floor_prefetch", |k| floor.get::<true>(k));
            time!("gomap_ahash", |k| gomap.get(&k));
            time!("hashbrown_ahash", |k| hashbrown.get(&k));
            g.finish();
        }
        let mut g = c.benchmark_group(format!("floor-insert_hint-{}", u64::NAME));
        g.throughput(Throughput::Elements(n as u64));
        macro_rules! time {
            ($label:expr, $new:expr) => {
                g.bench_function(BenchmarkId::new($label, size), |b| {
                    // As benches/map.rs times its inserts (the map is dropped untimed).
                    let fill = |()| {
                        let mut m = $new;
                        for (i, &k) in d.hits().iter().enumerate() {
                            m.insert(k, i as u64);
                        }
                        m
                    };
                    b.iter_batched(|| (), fill, BatchSize::LargeInput)
                });
            };
        }
        time!("bmap_floor", Floor::with_capacity(n));
        time!("gomap_ahash", gomap::GoMap::with_capacity_and_hasher(n, hasher()));
        time!("hashbrown_ahash", hashbrown::HashMap::with_capacity_and_hasher(n, hasher()));
        g.finish();
        black_box((floor, gomap, hashbrown));
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
}
