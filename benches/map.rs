//! GoMap against std's HashMap and hashbrown, and (through benches/go) against Go's own maps.
//!
//! Sizes come from `GOMAP_BENCH_SIZES` (default `1k,100k`; add `1m`, `8m` for the slow groups).
//! Every run first prints and saves (target/gomap-bench/memory.csv) the heap bytes per entry
//! after insert_grow, counted by the global allocator below. See docs/performance.md.
#![deny(unsafe_op_in_unsafe_fn)]

mod common;

use common::*;
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use std::collections::HashMap;
use std::hash::Hash;
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: Counting = Counting;

type Ahash = ahash::RandomState;
type Foldhash = foldhash::fast::RandomState;
type Sip = std::collections::hash_map::RandomState;

/// Something to run once per map type under test.
trait MapVisitor<K> {
    fn visit<M: BenchMap<K, u64>>(&mut self, label: &'static str);
}

/// The maps under test, in table order. Labels are criterion function ids and table columns.
fn for_each_map<K: Hash + Eq, V: MapVisitor<K>>(v: &mut V) {
    v.visit::<gomap::GoMap<K, u64>>("gomap");
    v.visit::<gomap::GoMap<K, u64, Ahash>>("gomap_ahash");
    v.visit::<HashMap<K, u64, Sip>>("std");
    v.visit::<HashMap<K, u64, Ahash>>("std_ahash");
    v.visit::<hashbrown::HashMap<K, u64, Ahash>>("hashbrown_ahash");
    v.visit::<hashbrown::HashMap<K, u64, Foldhash>>("hashbrown_foldhash");
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
    InsertGrow,
    InsertHint,
    GetHit,
    GetMiss,
    Remove,
    Iterate,
    Churn,
}

const WORKLOADS: [Workload; 7] = [
    Workload::InsertGrow,
    Workload::InsertHint,
    Workload::GetHit,
    Workload::GetMiss,
    Workload::Remove,
    Workload::Iterate,
    Workload::Churn,
];

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::InsertGrow => "insert_grow",
            Workload::InsertHint => "insert_hint",
            Workload::GetHit => "get_hit",
            Workload::GetMiss => "get_miss",
            Workload::Remove => "remove",
            Workload::Iterate => "iterate",
            Workload::Churn => "churn",
        }
    }
}

struct Size {
    label: &'static str,
    n: usize,
}

const ALL_SIZES: [Size; 4] = [
    Size { label: "1k", n: 1_000 },
    Size { label: "100k", n: 100_000 },
    Size { label: "1m", n: 1_000_000 },
    Size { label: "8m", n: 8_000_000 },
];

fn sizes() -> Vec<&'static Size> {
    let spec = std::env::var("GOMAP_BENCH_SIZES").unwrap_or_else(|_| "1k,100k".into());
    let wanted: Vec<&str> = spec.split(',').map(str::trim).collect();
    for w in &wanted {
        assert!(
            ALL_SIZES.iter().any(|s| s.label == *w),
            "GOMAP_BENCH_SIZES: unknown size {w:?} (known: 1k, 100k, 1m, 8m)"
        );
    }
    ALL_SIZES.iter().filter(|s| wanted.contains(&s.label)).collect()
}

/// Runs one workload at one size for every map; each iteration does `n` operations.
struct WorkloadRun<'a, 'g, K> {
    g: &'a mut BenchmarkGroup<'g, WallTime>,
    w: Workload,
    size: &'static Size,
    d: &'a Data<K>,
}

impl<K: BenchKey> MapVisitor<K> for WorkloadRun<'_, '_, K> {
    fn visit<M: BenchMap<K, u64>>(&mut self, label: &'static str) {
        let d = self.d;
        let n = d.n;
        let id = BenchmarkId::new(label, self.size.label);
        match self.w {
            Workload::InsertGrow | Workload::InsertHint => {
                let hint = self.w == Workload::InsertHint;
                self.g.bench_function(id, |b| {
                    b.iter_batched(
                        || d.hits().to_vec(),
                        |keys| {
                            let mut m = if hint { M::with_capacity(n) } else { M::new() };
                            for (i, k) in keys.into_iter().enumerate() {
                                m.insert(k, i as u64);
                            }
                            m
                        },
                        BatchSize::LargeInput,
                    )
                });
            }
            Workload::GetHit => {
                let m: M = d.build();
                self.g.bench_function(id, |b| {
                    b.iter(|| {
                        let mut acc = 0u64;
                        for k in &d.shuffled {
                            acc = acc.wrapping_add(*m.get(k).expect("hit"));
                        }
                        acc
                    })
                });
            }
            Workload::GetMiss => {
                let m: M = d.build();
                self.g.bench_function(id, |b| {
                    b.iter(|| {
                        let mut found = 0usize;
                        for k in d.misses() {
                            found += m.get(k).is_some() as usize;
                        }
                        assert_eq!(found, 0);
                    })
                });
            }
            Workload::Remove => {
                self.g.bench_function(id, |b| {
                    b.iter_batched(
                        || (d.build::<M>(), Vec::with_capacity(n)),
                        // Removed entries go to `sink` so that freeing String keys is not timed
                        // (Go frees nothing on delete).
                        |(mut m, mut sink)| {
                            for k in &d.shuffled {
                                sink.push(m.remove_entry(k).expect("present"));
                            }
                            (m, sink)
                        },
                        BatchSize::LargeInput,
                    )
                });
            }
            Workload::Iterate => {
                let m: M = d.build();
                self.g.bench_function(id, |b| {
                    b.iter(|| m.fold_values(0, |acc, _, v| acc.wrapping_add(*v)))
                });
            }
            Workload::Churn => {
                // A sliding window over 2n keys: remove the oldest, insert the next.
                let mut m: M = d.build();
                let mut spare: Vec<Option<K>> =
                    (0..2 * n).map(|i| (i >= n).then(|| d.ring[i].clone())).collect();
                let mut j = 0usize;
                self.g.bench_function(id, |b| {
                    b.iter(|| {
                        for _ in 0..n {
                            let (k, v) = m.remove_entry(&d.ring[j]).expect("in window");
                            spare[j] = Some(k);
                            let t = (j + n) % (2 * n);
                            m.insert(spare[t].take().expect("spare key"), v);
                            j = (j + 1) % (2 * n);
                        }
                    })
                });
                assert_eq!(m.len(), n);
            }
        }
    }
}

/// The queue-engine workload: see `InflightSim` and examples/inflight_index.rs.
struct InflightRun<'a, 'g> {
    g: &'a mut BenchmarkGroup<'g, WallTime>,
}

impl MapVisitor<MsgId> for InflightRun<'_, '_> {
    fn visit<M: BenchMap<MsgId, u64>>(&mut self, label: &'static str) {
        let mut sim = InflightSim::new();
        let mut m = M::new();
        for (i, id) in sim.in_flight().iter().enumerate() {
            m.insert(*id, i as u64);
        }
        let mut steps = Vec::with_capacity(INFLIGHT_CHUNK);
        self.g.bench_function(BenchmarkId::new(label, "100k"), |b| {
            b.iter_custom(|iters| {
                let mut t = Duration::ZERO;
                for _ in 0..iters {
                    sim.chunk(&mut steps);
                    let start = Instant::now();
                    black_box(replay_inflight(&mut m, &steps));
                    t += start.elapsed();
                }
                t
            })
        });
        assert_eq!(m.len(), INFLIGHT);
    }
}

/// Heap bytes per entry after insert_grow, for every map and size.
struct MemoryRun<'a, K> {
    d: &'a Data<K>,
    size: &'static Size,
    rows: &'a mut Vec<String>,
}

impl<K: BenchKey> MapVisitor<K> for MemoryRun<'_, K> {
    fn visit<M: BenchMap<K, u64>>(&mut self, label: &'static str) {
        let mut keys = self.d.hits().to_vec();
        // Hashers may allocate once per process (ahash's seed source): not the map's cost.
        drop(M::new());
        // Keys are allocated before the baseline and moved in, so only the map's own
        // allocations count (a String key's heap bytes are not the map's).
        let base = reset_peak();
        let mut m = M::new();
        for (i, k) in keys.drain(..).enumerate() {
            m.insert(k, i as u64);
        }
        let n = self.d.n as f64;
        let live = (live_bytes() - base) as f64 / n;
        let peak = (peak_bytes() - base) as f64 / n;
        drop(m);
        self.rows.push(format!(
            "{},{},{},{:.2},{:.2}",
            K::NAME,
            self.size.label,
            label,
            live,
            peak
        ));
    }
}

fn memory_table(sizes: &[&'static Size]) {
    let mut rows = Vec::new();
    for size in sizes {
        let d = Data::<u64>::new(size.n);
        for_each_map(&mut MemoryRun { d: &d, size, rows: &mut rows });
        drop(d);
        let d = Data::<String>::new(size.n);
        for_each_map(&mut MemoryRun { d: &d, size, rows: &mut rows });
    }
    println!("heap bytes per entry after insert_grow (live, peak during the build)");
    println!("{:<5} {:>5} {:<20} {:>8} {:>8}", "key", "size", "map", "live", "peak");
    for r in &rows {
        let f: Vec<&str> = r.split(',').collect();
        println!("{:<5} {:>5} {:<20} {:>8} {:>8}", f[0], f[1], f[2], f[3], f[4]);
    }
    let dir = std::path::Path::new("target/gomap-bench");
    let written = std::fs::create_dir_all(dir).and_then(|_| {
        let mut f = std::fs::File::create(dir.join("memory.csv"))?;
        writeln!(f, "key,size,map,live_bytes_per_entry,peak_bytes_per_entry")?;
        for r in &rows {
            writeln!(f, "{r}")?;
        }
        Ok(())
    });
    if let Err(e) = written {
        eprintln!("could not write target/gomap-bench/memory.csv: {e}");
    }
}

fn workloads<K: BenchKey>(c: &mut Criterion, sizes: &[&'static Size]) {
    for size in sizes {
        let d = Data::<K>::new(size.n);
        for w in WORKLOADS {
            let mut g = c.benchmark_group(format!("{}-{}", w.name(), K::NAME));
            g.throughput(Throughput::Elements(size.n as u64));
            if size.n >= 1_000_000 {
                // Iterations take 10 ms to seconds here: one per sample is plenty.
                g.sampling_mode(SamplingMode::Flat);
            }
            for_each_map(&mut WorkloadRun { g: &mut g, w, size, d: &d });
            g.finish();
        }
    }
}

/// Prints what `go run ./benches/go -check` prints: equal lines mean both sides get the same
/// keys, lookup order and in-flight trace.
fn print_check() {
    let d = Data::<u64>::new(1000);
    let (r, sh) = (&d.ring, &d.shuffled);
    println!(
        "u64 ring[0]={} ring[1999]={} shuffled[0]={} shuffled[999]={}",
        r[0], r[1999], sh[0], sh[999]
    );
    println!("str ring[0]={}", String::make(r[0]));
    let mut sim = InflightSim::new();
    let mut steps = Vec::new();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..20 {
        sim.chunk(&mut steps);
        for (done, new) in &steps {
            for b in done.iter().chain(new) {
                h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    let text = |id: &MsgId| String::from_utf8_lossy(id).into_owned();
    println!(
        "inflight first={} last={} fnv={h:016x}",
        text(&steps[0].0),
        text(&steps[steps.len() - 1].1)
    );
}

fn main() {
    if std::env::var_os("GOMAP_BENCH_CHECK").is_some() {
        print_check();
        return;
    }
    let sizes = sizes();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args();
    if std::env::var_os("GOMAP_BENCH_NO_MEMORY").is_none() {
        memory_table(&sizes);
    }
    workloads::<u64>(&mut c, &sizes);
    workloads::<String>(&mut c, &sizes);
    let mut g = c.benchmark_group("inflight-id16");
    g.throughput(Throughput::Elements(INFLIGHT_CHUNK as u64));
    for_each_map(&mut InflightRun { g: &mut g });
    g.finish();
    c.final_summary();
}
