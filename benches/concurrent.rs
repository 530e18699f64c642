//! Shared-map throughput: ConcurrentMap (sync.Map design) against RwLockMap, RwLock<HashMap>
//! and dashmap, with the thread count as a parameter.
//!
//! Thread counts come from `GOMAP_BENCH_THREADS` (default `1,2`; a bigger machine can run
//! `GOMAP_BENCH_THREADS=1,2,4,8,16`). One iteration is one operation on every thread, so the
//! reported throughput is total operations per second across threads. With
//! `GOMAP_BENCH_CPU_TIME=1` it prints CPU time per operation instead (see `cpu_time_table`).
//!
//! Workloads (keys and values are u64; 1024 keys are stored before each timed batch):
//! - `read_99`, `read_90`, `write_50`: loads of present keys, the rest stores to present keys.
//! - `grow_only`: 0.1% of operations store a brand-new key; loads pick one of this thread's 64
//!   newest keys 1 time in 8, else an initial key. Keys are written once and read many times
//!   (a cache that only grows): the case sync.Map is made for.
//! - `churn`: 25% stores of new keys, 25% deletes of keys stored 64 stores ago, 50% loads.

use criterion::{black_box, criterion_group, BenchmarkId, Criterion, Throughput};
use dashmap::DashMap;
use gomap::concurrent::{ConcurrentMap, RwLockMap};
use std::collections::HashMap;
use std::sync::{Barrier, RwLock};
use std::time::{Duration, Instant};

const PREFILL: u64 = 1024;
const RING: usize = 64;

trait SharedMap: Sync {
    const NAME: &'static str;
    fn new() -> Self;
    fn load(&self, k: u64) -> Option<u64>;
    fn store(&self, k: u64, v: u64);
    fn delete(&self, k: u64);
}

impl SharedMap for ConcurrentMap<u64, u64> {
    const NAME: &'static str = "ConcurrentMap";
    fn new() -> Self {
        ConcurrentMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        ConcurrentMap::load(self, &k)
    }
    fn store(&self, k: u64, v: u64) {
        ConcurrentMap::store(self, k, v)
    }
    fn delete(&self, k: u64) {
        ConcurrentMap::delete(self, &k)
    }
}

impl SharedMap for RwLockMap<u64, u64> {
    const NAME: &'static str = "RwLockMap";
    fn new() -> Self {
        RwLockMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        RwLockMap::load(self, &k)
    }
    fn store(&self, k: u64, v: u64) {
        RwLockMap::store(self, k, v)
    }
    fn delete(&self, k: u64) {
        RwLockMap::delete(self, &k)
    }
}

impl SharedMap for RwLock<HashMap<u64, u64>> {
    const NAME: &'static str = "RwLock_std_HashMap";
    fn new() -> Self {
        RwLock::new(HashMap::new())
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.read().unwrap().get(&k).copied()
    }
    fn store(&self, k: u64, v: u64) {
        self.write().unwrap().insert(k, v);
    }
    fn delete(&self, k: u64) {
        self.write().unwrap().remove(&k);
    }
}

impl SharedMap for DashMap<u64, u64> {
    const NAME: &'static str = "dashmap";
    fn new() -> Self {
        DashMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.get(&k).map(|r| *r)
    }
    fn store(&self, k: u64, v: u64) {
        self.insert(k, v);
    }
    fn delete(&self, k: u64) {
        self.remove(&k);
    }
}

/// Per-thread xorshift: cheap enough not to dominate a map operation.
struct Rng(u64);

impl Rng {
    #[inline]
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Clone, Copy)]
enum Workload {
    /// Percentage of loads; the rest are stores to present keys.
    Mixed(u64),
    GrowOnly,
    Churn,
}

/// Nanoseconds this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`), if known.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Wall time and CPU time (if known) of one thread's share of a batch.
#[derive(Clone, Copy, Default)]
struct Spent {
    wall: Duration,
    cpu_ns: Option<u64>,
}

/// Runs `iters` operations of `w` on thread `t` and returns how long they took.
fn run_thread<M: SharedMap>(m: &M, w: Workload, t: u64, iters: u64, go: &Barrier) -> Spent {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    // Keys this thread added, newest last; fresh keys never collide across threads.
    let mut ring = [0u64; RING];
    let mut fresh = (t + 1) << 40;
    let mut added = 0usize;
    go.wait();
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    for i in 0..iters {
        let r = rng.next();
        match w {
            Workload::Mixed(load_pct) => {
                let k = r % PREFILL;
                if (r >> 32) % 100 < load_pct {
                    black_box(m.load(k));
                } else {
                    m.store(k, i);
                }
            }
            Workload::GrowOnly => {
                if (r >> 32).is_multiple_of(1000) {
                    fresh += 1;
                    m.store(fresh, fresh);
                    ring[added % RING] = fresh;
                    added += 1;
                } else if added > 0 && (r >> 40).is_multiple_of(8) {
                    black_box(m.load(ring[(r as usize) % added.min(RING)]));
                } else {
                    black_box(m.load(r % PREFILL));
                }
            }
            Workload::Churn => match i % 4 {
                0 => {
                    if added >= RING {
                        // The slot about to be reused holds the key stored RING stores ago.
                        m.delete(ring[added % RING]);
                    }
                    fresh += 1;
                    m.store(fresh, fresh);
                    ring[added % RING] = fresh;
                    added += 1;
                }
                1 if added > 0 => {
                    black_box(m.load(ring[(r as usize) % added.min(RING)]));
                }
                _ => {
                    black_box(m.load(r % PREFILL));
                }
            },
        }
    }
    let wall = start.elapsed();
    let cpu_ns = cpu0.zip(thread_cpu_ns()).map(|(a, b)| b - a);
    Spent { wall, cpu_ns }
}

/// One batch of `iters` operations per thread on a fresh map; the per-thread results.
fn run<M: SharedMap>(w: Workload, threads: usize, iters: u64) -> Vec<Spent> {
    let m = M::new();
    for k in 0..PREFILL {
        m.store(k, k);
    }
    // Settle ConcurrentMap's read map the way a long-lived map would be: loads of the
    // prefilled keys promote them out of the dirty map.
    for k in 0..2 * PREFILL {
        black_box(m.load(k % PREFILL));
    }
    let go = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (m, go) = (&m, &go);
                s.spawn(move || run_thread(m, w, t as u64, iters, go))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn thread_counts() -> Vec<usize> {
    std::env::var("GOMAP_BENCH_THREADS")
        .ok()
        .map(|s| s.split(',').filter_map(|t| t.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1, 2])
}

fn bench_workload(c: &mut Criterion, name: &str, w: Workload) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2));
    for threads in thread_counts() {
        g.throughput(Throughput::Elements(threads as u64));
        macro_rules! one {
            ($ty:ty) => {
                g.bench_with_input(
                    BenchmarkId::new(<$ty as SharedMap>::NAME, threads),
                    &threads,
                    |b, &n| {
                        b.iter_custom(|iters| {
                            run::<$ty>(w, n, iters).iter().map(|s| s.wall).max().unwrap_or_default()
                        })
                    },
                );
            };
        }
        one!(ConcurrentMap<u64, u64>);
        one!(RwLockMap<u64, u64>);
        one!(RwLock<HashMap<u64, u64>>);
        one!(DashMap<u64, u64>);
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_workload(c, "read_99", Workload::Mixed(99));
    bench_workload(c, "read_90", Workload::Mixed(90));
    bench_workload(c, "write_50", Workload::Mixed(50));
    bench_workload(c, "grow_only", Workload::GrowOnly);
    bench_workload(c, "churn", Workload::Churn);
}

/// `GOMAP_BENCH_CPU_TIME=1`: instead of criterion's wall-clock runs, print CPU nanoseconds per
/// operation (summed over threads, median of 3 batches). On a shared, oversubscribed machine
/// this is steadier than wall time: a descheduled thread costs no CPU time, while cache-line
/// contention between threads that do run together still shows as extra CPU per operation.
fn cpu_time_table() {
    const OPS: u64 = 4_000_000;
    let workloads = [
        ("read_99", Workload::Mixed(99)),
        ("read_90", Workload::Mixed(90)),
        ("write_50", Workload::Mixed(50)),
        ("grow_only", Workload::GrowOnly),
        ("churn", Workload::Churn),
    ];
    /// Median CPU ns per operation, and in brackets how much of the batch's wall time the
    /// threads were actually on a CPU (100% = all of them all the time).
    fn ns_per_op<M: SharedMap>(w: Workload, threads: usize) -> String {
        let mut samples: Vec<(f64, f64)> = (0..3)
            .filter_map(|_| {
                let spent = run::<M>(w, threads, OPS);
                let cpu: u64 = spent.iter().map(|s| s.cpu_ns).sum::<Option<u64>>()?;
                let wall = spent.iter().map(|s| s.wall).max()?.as_nanos() as f64;
                let ops = (OPS * threads as u64) as f64;
                Some((cpu as f64 / ops, cpu as f64 / (wall * threads as f64)))
            })
            .collect();
        samples.sort_by(|a, b| a.0.total_cmp(&b.0));
        samples
            .get(1)
            .map_or_else(|| "n/a".to_string(), |(ns, on)| format!("{ns:.1} ({:.0}%)", on * 100.0))
    }
    println!(
        "CPU ns per operation (lower is better), median of 3 batches of {OPS} ops/thread; \
         (on-CPU share of threads x wall time)"
    );
    println!(
        "| workload | threads | {} | {} | {} | {} |",
        <ConcurrentMap<u64, u64> as SharedMap>::NAME,
        <RwLockMap<u64, u64> as SharedMap>::NAME,
        <RwLock<HashMap<u64, u64>> as SharedMap>::NAME,
        <DashMap<u64, u64> as SharedMap>::NAME
    );
    println!("|---|---|---|---|---|---|");
    for (name, w) in workloads {
        for threads in thread_counts() {
            println!(
                "| {name} | {threads} | {} | {} | {} | {} |",
                ns_per_op::<ConcurrentMap<u64, u64>>(w, threads),
                ns_per_op::<RwLockMap<u64, u64>>(w, threads),
                ns_per_op::<RwLock<HashMap<u64, u64>>>(w, threads),
                ns_per_op::<DashMap<u64, u64>>(w, threads)
            );
        }
    }
}

criterion_group!(concurrent, benches);

fn main() {
    if std::env::var_os("GOMAP_BENCH_CPU_TIME").is_some() {
        cpu_time_table();
        return;
    }
    concurrent();
    Criterion::default().configure_from_args().final_summary();
}
