//! GoMap and SwissMap against std's HashMap and hashbrown, and (through benches/go) against
//! Go's own maps.
//!
//! Sizes come from `GOMAP_BENCH_SIZES` (default `1k,100k`; add `1m`, `8m` for the slow groups),
//! key types from `GOMAP_BENCH_KEYS` (default `u64,str,id16`; id16 is the inflight workload).
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
    v.visit::<gomap::SwissMap<K, u64>>("swissmap");
    v.visit::<gomap::SwissMap<K, u64, Ahash>>("swissmap_ahash");
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

/// How a workload's routine is driven: by criterion, or a fixed number of times for a profiler.
trait Runner {
    /// Whether the benchmark of map `label` is wanted (so its setup may be skipped).
    fn wants(&self, label: &str) -> bool;
    fn iter<O>(&mut self, label: &'static str, f: impl FnMut() -> O);
    /// `routine` is timed, `setup` (and dropping the output) is not.
    fn batched<I, O>(
        &mut self,
        label: &'static str,
        setup: impl FnMut() -> I,
        routine: impl FnMut(I) -> O,
    );
    /// `f(iters)` runs `iters` iterations and returns the time they took.
    fn custom(&mut self, label: &'static str, f: impl FnMut(u64) -> Duration);
}

struct Crit<'a, 'g> {
    g: &'a mut BenchmarkGroup<'g, WallTime>,
    size: &'static str,
}

impl Runner for Crit<'_, '_> {
    fn wants(&self, _label: &str) -> bool {
        true
    }
    fn iter<O>(&mut self, label: &'static str, mut f: impl FnMut() -> O) {
        self.g.bench_function(BenchmarkId::new(label, self.size), |b| b.iter(&mut f));
    }
    fn batched<I, O>(
        &mut self,
        label: &'static str,
        mut setup: impl FnMut() -> I,
        mut routine: impl FnMut(I) -> O,
    ) {
        self.g.bench_function(BenchmarkId::new(label, self.size), |b| {
            b.iter_batched(&mut setup, &mut routine, BatchSize::LargeInput)
        });
    }
    fn custom(&mut self, label: &'static str, mut f: impl FnMut(u64) -> Duration) {
        self.g.bench_function(BenchmarkId::new(label, self.size), |b| b.iter_custom(&mut f));
    }
}

/// Runs one benchmark's routine `reps` times, for callgrind (see scripts/bench-callgrind.sh).
struct Profile {
    label: String,
    reps: u64,
    /// Run only the untimed setup of batched routines, to subtract its instructions.
    setup_only: bool,
    ran: bool,
}

impl Runner for Profile {
    fn wants(&self, label: &str) -> bool {
        self.label == label
    }
    fn iter<O>(&mut self, label: &'static str, mut f: impl FnMut() -> O) {
        if self.wants(label) {
            for _ in 0..self.reps {
                black_box(f());
            }
            self.ran = true;
        }
    }
    fn batched<I, O>(
        &mut self,
        label: &'static str,
        mut setup: impl FnMut() -> I,
        mut routine: impl FnMut(I) -> O,
    ) {
        if self.wants(label) {
            for _ in 0..self.reps {
                if self.setup_only {
                    black_box(setup());
                } else {
                    black_box(routine(setup()));
                }
            }
            self.ran = true;
        }
    }
    fn custom(&mut self, label: &'static str, mut f: impl FnMut(u64) -> Duration) {
        if self.wants(label) {
            f(self.reps);
            self.ran = true;
        }
    }
}

/// Runs one workload at one size for every map; each iteration does `n` operations.
struct WorkloadRun<'a, K, R> {
    r: &'a mut R,
    w: Workload,
    d: &'a Data<K>,
}

impl<K: BenchKey, R: Runner> MapVisitor<K> for WorkloadRun<'_, K, R> {
    fn visit<M: BenchMap<K, u64>>(&mut self, label: &'static str) {
        if !self.r.wants(label) {
            return;
        }
        let d = self.d;
        let n = d.n;
        match self.w {
            Workload::InsertGrow | Workload::InsertHint => {
                let hint = self.w == Workload::InsertHint;
                self.r.batched(
                    label,
                    || d.hits().to_vec(),
                    |keys| {
                        let mut m = if hint { M::with_capacity(n) } else { M::new() };
                        for (i, k) in keys.into_iter().enumerate() {
                            m.insert(k, i as u64);
                        }
                        m
                    },
                );
            }
            Workload::GetHit => {
                let m: M = d.build();
                self.r.iter(label, || {
                    let mut acc = 0u64;
                    for k in &d.shuffled {
                        acc = acc.wrapping_add(*m.get(k).expect("hit"));
                    }
                    acc
                });
            }
            Workload::GetMiss => {
                let m: M = d.build();
                self.r.iter(label, || {
                    let mut found = 0usize;
                    for k in d.misses() {
                        found += m.get(k).is_some() as usize;
                    }
                    assert_eq!(found, 0);
                });
            }
            Workload::Remove => {
                self.r.batched(
                    label,
                    || (d.build::<M>(), Vec::with_capacity(n)),
                    // Removed entries go to `sink` so that freeing String keys is not timed
                    // (Go frees nothing on delete).
                    |(mut m, mut sink)| {
                        for k in &d.shuffled {
                            sink.push(m.remove_entry(k).expect("present"));
                        }
                        (m, sink)
                    },
                );
            }
            Workload::Iterate => {
                let m: M = d.build();
                self.r.iter(label, || m.fold_values(0, |acc, _, v| acc.wrapping_add(*v)));
            }
            Workload::Churn => {
                // A sliding window over 2n keys: remove the oldest, insert the next.
                let mut m: M = d.build();
                let mut spare: Vec<Option<K>> =
                    (0..2 * n).map(|i| (i >= n).then(|| d.ring[i].clone())).collect();
                let mut j = 0usize;
                self.r.iter(label, || {
                    for _ in 0..n {
                        let (k, v) = m.remove_entry(&d.ring[j]).expect("in window");
                        spare[j] = Some(k);
                        let t = (j + n) % (2 * n);
                        m.insert(spare[t].take().expect("spare key"), v);
                        j = (j + 1) % (2 * n);
                    }
                });
                assert_eq!(m.len(), n);
            }
        }
    }
}

/// The queue-engine workload: see `InflightSim` and examples/inflight_index.rs.
struct InflightRun<'a, R> {
    r: &'a mut R,
}

impl<R: Runner> MapVisitor<MsgId> for InflightRun<'_, R> {
    fn visit<M: BenchMap<MsgId, u64>>(&mut self, label: &'static str) {
        if !self.r.wants(label) {
            return;
        }
        let mut sim = InflightSim::new();
        let mut m = M::new();
        for (i, id) in sim.in_flight().iter().enumerate() {
            m.insert(*id, i as u64);
        }
        let mut steps = Vec::with_capacity(INFLIGHT_CHUNK);
        self.r.custom(label, |iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                sim.chunk(&mut steps);
                let start = Instant::now();
                black_box(replay_inflight(&mut m, &steps));
                t += start.elapsed();
            }
            t
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

/// Whether `GOMAP_BENCH_KEYS` (default `u64,str,id16`) asks for this key type.
fn wants_key(name: &str) -> bool {
    let spec = std::env::var("GOMAP_BENCH_KEYS").unwrap_or_else(|_| "u64,str,id16".into());
    spec.split(',').any(|k| k.trim() == name)
}

fn memory_table(sizes: &[&'static Size]) {
    let mut rows = Vec::new();
    for size in sizes {
        if wants_key(u64::NAME) {
            let d = Data::<u64>::new(size.n);
            for_each_map(&mut MemoryRun { d: &d, size, rows: &mut rows });
        }
        if wants_key(String::NAME) {
            let d = Data::<String>::new(size.n);
            for_each_map(&mut MemoryRun { d: &d, size, rows: &mut rows });
        }
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
    if !wants_key(K::NAME) {
        return;
    }
    for size in sizes {
        let d = Data::<K>::new(size.n);
        for w in WORKLOADS {
            let mut g = c.benchmark_group(format!("{}-{}", w.name(), K::NAME));
            g.throughput(Throughput::Elements(size.n as u64));
            if size.n >= 1_000_000 {
                // Iterations take 10 ms to seconds here: one per sample is plenty.
                g.sampling_mode(SamplingMode::Flat);
            }
            let mut r = Crit { g: &mut g, size: size.label };
            for_each_map(&mut WorkloadRun { r: &mut r, w, d: &d });
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

/// Runs one benchmark, named as criterion names it (`get_hit-u64/gomap/100k`), `reps` times
/// with no timing, so that an instruction profile of it is deterministic. With
/// `GOMAP_BENCH_SETUP_ONLY` set, batched benchmarks run only their setup (to subtract it).
fn profile(id: &str, reps: u64) {
    let usage = "GOMAP_BENCH_PROFILE wants WORKLOAD-KEY/MAP/SIZE, e.g. get_hit-u64/gomap/100k";
    let parts: Vec<&str> = id.split('/').collect();
    let [group, label, size] = parts[..] else { panic!("{usage}") };
    let (workload, key) = group.rsplit_once('-').expect(usage);
    let setup_only = std::env::var_os("GOMAP_BENCH_SETUP_ONLY").is_some();
    let mut r = Profile { label: label.to_string(), reps, setup_only, ran: false };
    if workload == "inflight" {
        for_each_map(&mut InflightRun { r: &mut r });
    } else {
        let w = *WORKLOADS.iter().find(|w| w.name() == workload).expect(usage);
        let size = ALL_SIZES.iter().find(|s| s.label == size).expect(usage);
        match key {
            "u64" => for_each_map(&mut WorkloadRun { r: &mut r, w, d: &Data::<u64>::new(size.n) }),
            "str" => {
                for_each_map(&mut WorkloadRun { r: &mut r, w, d: &Data::<String>::new(size.n) })
            }
            _ => panic!("{usage}"),
        }
    }
    assert!(r.ran, "no benchmark named {id}");
    println!("ran {id} {reps} times");
}

fn main() {
    if std::env::var_os("GOMAP_BENCH_CHECK").is_some() {
        print_check();
        return;
    }
    if let Ok(id) = std::env::var("GOMAP_BENCH_PROFILE") {
        let reps = std::env::var("GOMAP_BENCH_REPS")
            .map_or(10, |r| r.parse().expect("GOMAP_BENCH_REPS must be a number"));
        profile(&id, reps);
        return;
    }
    let sizes = sizes("1k,100k");
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
    if wants_key("id16") {
        let mut g = c.benchmark_group("inflight-id16");
        g.throughput(Throughput::Elements(INFLIGHT_CHUNK as u64));
        for_each_map(&mut InflightRun { r: &mut Crit { g: &mut g, size: "100k" } });
        g.finish();
    }
    c.final_summary();
}
