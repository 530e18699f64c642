//! Shared-map throughput at 1K, 100K and 1M keys: ConcurrentMap (Go's classic sync.Map design)
//! against RwLockMap, RwLock<std HashMap>, dashmap and papaya, and against Go's own classic
//! sync.Map, Go 1.24's HashTrieMap and an RWMutex around a Go map (benches/gosync), all running
//! the same workloads on the same keys in one table.
//!
//!     cargo bench --bench concurrent                   every size, workload and thread count
//!     cargo bench --bench concurrent -- 100k read_     only cells whose "size/workload" has
//!                                                      every word given
//!     <bench binary> --one MAP SIZE WORKLOAD THREADS   one measurement, one JSON line (for perf
//!                                                      record, cachegrind or a quick look)
//!     cargo bench --bench concurrent -- gosync         Go's own sync.Map benchmarks instead (see
//!     cargo bench --bench concurrent -- gosync Swap    "gosync" below), or those whose name has
//!                                                      every word after `gosync`
//!
//! Each measurement is its own process (this binary re-run with `--one`, or the Go binary), so
//! no map inherits another's heap. A measurement builds a fresh map, stores the keys 0..n,
//! loads them twice over (which promotes a sync.Map's dirty map, as a long-lived map would
//! have), runs the workload for a warm-up window and then for a timed window. Threads run
//! until told to stop; throughput is all threads' operations over the window's wall time, and
//! CPU time is the process's (so Go's garbage collector is counted) over the same operations.
//!
//! Env: `GOMAP_BENCH_THREADS` (default `1,2`), `GOMAP_BENCH_SIZES` (default `1k,100k,1m`),
//! `GOMAP_CONC_RUNS` (runs per cell, default 3; the median is shown), `GOMAP_CONC_MS` and
//! `GOMAP_CONC_WARM_MS` (timed and warm-up window, default 500 and 200), `GOMAP_CONC_MAPS`
//! (a comma-separated subset of the map names below), `GO` (the Go toolchain; otherwise `go`
//! on PATH or /tmp/go/bin/go), `GOMAP_CONC_NO_GO=1` (Rust maps only), `GOMAP_CONC_BASELINE`
//! (another build of this bench, whose ConcurrentMap gets a column of its own). Results also go to
//! target/gomap-bench/concurrent.{jsonl,md}. `GOMAP_CONC_OPS=N` makes `--one` run exactly N
//! operations per thread, untimed, for callgrind or cachegrind.
//!
//! Workloads (keys and values are u64; a random key is one of the n stored keys):
//! - `read_only`: loads only.
//! - `read_99`, `read_90`, `write_50`: loads, the rest stores to present keys.
//! - `grow_only`: 0.1% of operations store a brand-new key; loads pick one of this thread's 64
//!   newest keys 1 time in 8, else a random key. Keys are written once and read many times (a
//!   cache that only grows): the case sync.Map is made for.
//! - `churn`: 25% stores of new keys, 25% deletes of keys stored 64 stores ago, 50% loads
//!   (half of them of this thread's 64 newest keys).
//!
//! ## gosync: Go's own sync.Map benchmarks
//!
//! `-- gosync` runs the 24 benchmarks of Go 1.24's sync/map_bench_test.go (LoadMostlyHits ...
//! Clear, Go's names less `BenchmarkMap`) instead of the workloads above, and writes one table,
//! target/gomap-bench/concurrent_gosync.{jsonl,md} (the tables above are left alone). Rows are
//! benchmark × threads, cells ns per operation: the timed run's wall time over b.N, the unit
//! `go test -bench` prints. Columns: ConcurrentMap, RwLockMap, HashTrieMap (gomap's, `-` until
//! it is listed in `gomap_sync_maps!`: one line), papaya, dashmap, Go's sync.Map as Go 1.24
//! ships it (the HashTrieMap) and Go's classic sync.Map (GOEXPERIMENT=nosynchashtriemap); then
//! HashTrieMap / Go's HashTrieMap (the target is <= 1) and ConcurrentMap / Go's classic.
//!
//! Go's side is Go's file itself: at bench time sync's map_bench_test.go and
//! map_reference_test.go are copied from `$(go env GOROOT)/src/sync` into a throwaway module in
//! target/gomap-bench/gosync-suite with the uses of `internal/sync` taken out (`build_go_suite`
//! says which lines), built with `go test -c` twice, and each benchmark × thread count is one
//! run of that binary, `-test.bench '^BenchmarkMapX$' -test.cpu T -test.benchtime <window>`.
//! Nothing of Go's is kept in this repository.
//!
//! The Rust side (`--one MAP go BENCHMARK THREADS`) does what Go's `benchMap` and
//! `b.RunParallel` do: b.N = 1, then b.N grown by Go's `predictN` until a run lasts the
//! window, each run on a fresh map given the benchmark's `setup` untimed; T threads (Go:
//! GOMAXPROCS goroutines) run the benchmark's `perG` with `i` starting at `id * b.N`, taking
//! iterations from a shared count in Go's grains (`Pb`, testing.PB) until b.N are done. Setup
//! and perG are ported line by line (`GoWorkload::setup`, `GoWorkload::per_g`). Differences:
//! keys and values are u64 where Go's are `any` (so Go boxes every key and value outside
//! 0..256, and pays an interface hash and compare); AdversarialDelete deletes the key its Range
//! stopped at just after the Range returns, not inside the callback (dashmap's iterator holds a
//! shard lock there). Env for `gosync`: `GOMAP_CONC_MS` (the window, Go's benchtime; default
//! 200 here), `GOMAP_CONC_RUNS` (default 3, interleaved; median shown), `GOMAP_BENCH_THREADS`
//! (default `1,2`), `GOMAP_CONC_MAPS` (column names: ConcurrentMap, RwLockMap, HashTrieMap,
//! papaya, dashmap, go_hashtriemap, go_syncmap), `GOMAP_CONC_NO_GO`, `GO`.

#[path = "common/procs.rs"]
mod procs;

use dashmap::DashMap;
use gomap::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};
use procs::out_dir;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, RwLock};
use std::time::{Duration, Instant};

/// Keys each thread remembers of those it added (grow_only, churn).
const RING: usize = 64;
/// Operations between two looks at the phase flag.
const CHUNK: u64 = 256;

const SIZES: [(&str, u64); 3] = [("1k", 1024), ("100k", 100_000), ("1m", 1_000_000)];

const WORKLOADS: [(&str, Workload); 6] = [
    ("read_only", Workload::Mixed(100)),
    ("read_99", Workload::Mixed(99)),
    ("read_90", Workload::Mixed(90)),
    ("write_50", Workload::Mixed(50)),
    ("grow_only", Workload::GrowOnly),
    ("churn", Workload::Churn),
];

/// Which program measures a map.
#[derive(Clone, Copy, PartialEq)]
enum Runner {
    /// This binary, `--one`.
    Here,
    /// A build of benches/gosync.
    Go(&'static str),
    /// `$GOMAP_CONC_BASELINE --one ConcurrentMap ...`: another build of this bench (say, of an
    /// older commit), so that a change is measured side by side with what it replaces.
    Baseline,
}

/// The maps in table order: (name, column header, who measures it).
const MAPS: [(&str, &str, Runner); 10] = [
    ("ConcurrentMap", "ConcurrentMap", Runner::Here),
    ("ConcurrentMap_before", "ConcurrentMap (baseline)", Runner::Baseline),
    ("HashTrieMap", "HashTrieMap", Runner::Here),
    ("RwLockMap", "RwLockMap", Runner::Here),
    ("RwLock_std", "RwLock<std HashMap>", Runner::Here),
    ("dashmap", "dashmap", Runner::Here),
    ("papaya", "papaya", Runner::Here),
    ("go_syncmap", "Go sync.Map", Runner::Go("gosync-classic")),
    ("go_hashtriemap", "Go HashTrieMap", Runner::Go("gosync-default")),
    ("go_rwmutex", "Go RWMutex+map", Runner::Go("gosync-default")),
];

trait SharedMap: Sync {
    fn new() -> Self;
    fn load(&self, k: u64) -> Option<u64>;
    fn store(&self, k: u64, v: u64);
    fn delete(&self, k: u64);
}

impl SharedMap for RwLock<HashMap<u64, u64>> {
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

/// Every map with Go's sync.Map operations (gomap's, dashmap, papaya) runs the other
/// workloads through the same ones.
impl<T: GoSyncOps> SharedMap for T {
    fn new() -> Self {
        <T as GoSyncOps>::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        GoSyncOps::load(self, k)
    }
    fn store(&self, k: u64, v: u64) {
        GoSyncOps::store(self, k, v)
    }
    fn delete(&self, k: u64) {
        GoSyncOps::delete(self, k)
    }
}

/// Per-thread xorshift: cheap enough not to dominate a map operation. benches/gosync has the
/// same generator, seeds and draws, so both sides touch the same keys in the same order.
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

/// A uniform pick in 0..n by multiply-shift (a division would cost as much as a cached load).
#[inline]
fn below(r: u64, n: u64) -> u64 {
    ((r as u128 * n as u128) >> 64) as u64
}

#[derive(Clone, Copy)]
enum Workload {
    /// Percentage of loads; the rest are stores to present keys.
    Mixed(u64),
    GrowOnly,
    Churn,
}

/// One map operation, as a worker draws it.
enum Op {
    Load(u64),
    Store(u64, u64),
    Delete(u64),
}

/// One thread's side of a workload: its generator and the keys it added. benches/gosync draws
/// the same operations in the same order (`worker.next`).
struct Worker {
    rng: Rng,
    ring: [u64; RING],
    fresh: u64,
    added: usize,
    i: u64,
}

impl Worker {
    fn new(t: u64) -> Self {
        Worker {
            rng: Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)),
            ring: [0; RING],
            // Fresh keys never collide with the stored ones or across threads.
            fresh: (t + 1) << 40,
            added: 0,
            i: 0,
        }
    }

    /// One of the (up to RING) keys this thread added last.
    fn ring_key(&self, r: u64) -> u64 {
        self.ring[below(r, self.added.min(RING) as u64) as usize]
    }

    /// A brand-new key, remembered in the ring.
    fn add(&mut self) -> Op {
        self.fresh += 1;
        self.ring[self.added % RING] = self.fresh;
        self.added += 1;
        Op::Store(self.fresh, self.fresh)
    }

    #[inline]
    fn next(&mut self, w: Workload, n: u64) -> Op {
        let r = self.rng.next();
        let d = r as u32;
        let i = self.i;
        self.i += 1;
        match w {
            Workload::Mixed(load_pct) if u64::from(d % 100) < load_pct => Op::Load(below(r, n)),
            Workload::Mixed(_) => Op::Store(below(r, n), i),
            Workload::GrowOnly if d.is_multiple_of(1000) => self.add(),
            Workload::GrowOnly if self.added > 0 && (d >> 16).is_multiple_of(8) => {
                Op::Load(self.ring_key(r))
            }
            Workload::GrowOnly => Op::Load(below(r, n)),
            Workload::Churn => match i % 4 {
                0 => self.add(),
                1 => Op::Load(self.ring_key(r)),
                // The slot the next store reuses holds the key stored RING stores ago.
                2 if self.added >= RING => Op::Delete(self.ring[self.added % RING]),
                _ => Op::Load(below(r, n)),
            },
        }
    }

    #[inline]
    fn step<M: SharedMap>(&mut self, m: &M, w: Workload, n: u64) {
        match self.next(w, n) {
            Op::Load(k) => {
                black_box(m.load(k));
            }
            Op::Store(k, v) => m.store(k, v),
            Op::Delete(k) => m.delete(k),
        }
    }
}

/// The process's CPU time (all threads), if the platform says.
fn process_cpu_ns() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec for the call's duration.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Phases the main thread announces to the workers.
const WARM: u32 = 0;
const TIMED: u32 = 1;
const STOP: u32 = 2;

/// One measurement in this process; its JSON line.
fn measure<M: SharedMap>(
    w: Workload,
    n: u64,
    threads: usize,
    warm: Duration,
    window: Duration,
) -> Value {
    let m = M::new();
    for k in 0..n {
        m.store(k, k);
    }
    for k in 0..2 * n {
        black_box(m.load(k % n));
    }
    if let Some(ops) = fixed_ops() {
        return counted::<M>(&m, w, n, threads, ops);
    }
    let phase = AtomicU32::new(WARM);
    let go = Barrier::new(threads + 1);
    let (ops, wall, cpu) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads as u64)
            .map(|t| {
                let (m, phase, go) = (&m, &phase, &go);
                s.spawn(move || {
                    let mut wk = Worker::new(t);
                    go.wait();
                    let mut from = None;
                    loop {
                        for _ in 0..CHUNK {
                            wk.step(m, w, n);
                        }
                        match phase.load(Relaxed) {
                            WARM => {}
                            TIMED => {
                                from.get_or_insert(wk.i);
                            }
                            _ => return wk.i - from.unwrap_or(wk.i),
                        }
                    }
                })
            })
            .collect();
        go.wait();
        std::thread::sleep(warm);
        let (t0, c0) = (Instant::now(), process_cpu_ns());
        phase.store(TIMED, Relaxed);
        std::thread::sleep(window);
        phase.store(STOP, Relaxed);
        let (wall, c1) = (t0.elapsed(), process_cpu_ns());
        let ops: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        (ops, wall, c0.zip(c1).map(|(a, b)| b - a))
    });
    json!({ "ops": ops, "wall_ns": wall.as_nanos() as u64, "cpu_ns": cpu })
}

/// `GOMAP_CONC_OPS`: a fixed number of operations per thread instead of timed windows, for
/// instruction and cache-miss counts (callgrind, cachegrind) that two builds can compare.
fn fixed_ops() -> Option<u64> {
    std::env::var("GOMAP_CONC_OPS").ok().and_then(|v| v.parse().ok())
}

/// Runs `ops` operations on each thread, untimed.
fn counted<M: SharedMap>(m: &M, w: Workload, n: u64, threads: usize, ops: u64) -> Value {
    std::thread::scope(|s| {
        for t in 0..threads as u64 {
            s.spawn(move || {
                let mut wk = Worker::new(t);
                for _ in 0..ops {
                    wk.step(m, w, n);
                }
            });
        }
    });
    json!({ "ops": ops * threads as u64 })
}

fn env_ms(name: &str, default: u64) -> Duration {
    Duration::from_millis(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

fn warm_and_window() -> (Duration, Duration) {
    (env_ms("GOMAP_CONC_WARM_MS", 200), env_ms("GOMAP_CONC_MS", 500))
}

/// `--one MAP SIZE WORKLOAD THREADS`: one measurement, printed as one JSON line.
fn one(args: &[String]) -> Result<(), String> {
    let [map, size, workload, threads] = args else {
        return Err("usage: --one MAP SIZE WORKLOAD THREADS".into());
    };
    if size == "go" {
        let t: usize = threads.parse().map_err(|_| format!("bad thread count {threads}"))?;
        let mut v = one_go(map, workload, t)?;
        v["impl"] = json!(map);
        v["size"] = json!(size);
        v["workload"] = json!(workload);
        v["threads"] = json!(t);
        println!("{v}");
        return Ok(());
    }
    let n = SIZES.iter().find(|s| s.0 == size).ok_or(format!("unknown size {size}"))?.1;
    let w =
        WORKLOADS.iter().find(|x| x.0 == workload).ok_or(format!("unknown workload {workload}"))?.1;
    let threads: usize = threads.parse().map_err(|_| format!("bad thread count {threads}"))?;
    let (warm, window) = warm_and_window();
    let mut v = match map.as_str() {
        "ConcurrentMap" => measure::<ConcurrentMap<u64, u64>>(w, n, threads, warm, window),
        "HashTrieMap" => measure::<HashTrieMap<u64, u64>>(w, n, threads, warm, window),
        "RwLockMap" => measure::<RwLockMap<u64, u64>>(w, n, threads, warm, window),
        "RwLock_std" => measure::<RwLock<HashMap<u64, u64>>>(w, n, threads, warm, window),
        "dashmap" => measure::<DashMap<u64, u64>>(w, n, threads, warm, window),
        "papaya" => measure::<papaya::HashMap<u64, u64>>(w, n, threads, warm, window),
        _ => return Err(format!("unknown map {map}")),
    };
    v["impl"] = json!(map);
    v["size"] = json!(size);
    v["workload"] = json!(workload);
    v["threads"] = json!(threads);
    println!("{v}");
    Ok(())
}

/// Builds benches/gosync twice: with GOEXPERIMENT=nosynchashtriemap (Go 1.24's classic
/// sync.Map, sync/map.go) and as Go 1.24 ships (sync.Map is the HashTrieMap). Both use Go
/// 1.24's default Swiss-table map; sync.Map over the classic map (Go 1.23's runtime) measured
/// slower still on this bench, so the classic sync.Map's column is its faster form.
fn build_go(go: &Path) -> Result<(), String> {
    procs::build_go(
        go,
        "benches/gosync",
        &[],
        &[("gosync-classic", Some("nosynchashtriemap")), ("gosync-default", None)],
    )
}

fn list_env(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// The orchestrator: every selected cell, each map, `runs` times; then the tables.
fn orchestrate(filters: &[String]) -> Result<(), String> {
    let runs: usize =
        std::env::var("GOMAP_CONC_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let threads: Vec<usize> =
        list_env("GOMAP_BENCH_THREADS", "1,2").iter().filter_map(|t| t.parse().ok()).collect();
    let sizes = list_env("GOMAP_BENCH_SIZES", "1k,100k,1m");
    let wanted = std::env::var("GOMAP_CONC_MAPS").ok();
    let baseline = std::env::var_os("GOMAP_CONC_BASELINE");
    let maps: Vec<_> = MAPS
        .iter()
        .filter(|m| wanted.as_deref().is_none_or(|w| w.split(',').any(|x| x.trim() == m.0)))
        .filter(|m| m.2 != Runner::Baseline || baseline.is_some())
        .collect();
    let go_ok = if std::env::var_os("GOMAP_CONC_NO_GO").is_some()
        || !maps.iter().any(|m| matches!(m.2, Runner::Go(_)))
    {
        false
    } else {
        match procs::go_toolchain().and_then(|g| build_go(&g)) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("\n!!! concurrent: NO GO COLUMNS: {e}\n");
                false
            }
        }
    };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let (warm, window) = warm_and_window();
    let mut results: Vec<Value> = Vec::new();
    let mut jsonl = String::new();
    for size in &sizes {
        for (workload, _) in WORKLOADS {
            let cell = format!("{size}/{workload}");
            if !filters.iter().all(|f| cell.contains(f.as_str())) {
                continue;
            }
            for &t in &threads {
                for run in 1..=runs {
                    for &&(name, _, runner) in &maps {
                        let mut cmd = match runner {
                            Runner::Here => Command::new(&me),
                            Runner::Baseline => Command::new(baseline.as_ref().unwrap()),
                            Runner::Go(_) if !go_ok => continue,
                            Runner::Go(bin) => {
                                let mut c = Command::new(out_dir().join(bin));
                                c.env("GOMAXPROCS", t.to_string())
                                    .arg(format!("-warm={}ms", warm.as_millis()))
                                    .arg(format!("-ms={}", window.as_millis()));
                                c
                            }
                        };
                        if !matches!(runner, Runner::Go(_)) {
                            cmd.arg("--one");
                        }
                        let measured =
                            if runner == Runner::Baseline { "ConcurrentMap" } else { name };
                        cmd.args([measured, size, workload, &t.to_string()]);
                        let mut v = procs::measure(cmd, &format!("{name} {cell} {t}t run {run}"))?;
                        v["impl"] = json!(name);
                        v["run"] = json!(run);
                        eprintln!(
                            "{cell} {t}t run {run} {name}: {:.1} Mops/s",
                            mops(&v).unwrap_or(f64::NAN)
                        );
                        writeln!(jsonl, "{v}").unwrap();
                        results.push(v);
                    }
                }
            }
        }
    }
    std::fs::write(out_dir().join("concurrent.jsonl"), &jsonl).map_err(|e| e.to_string())?;
    let md = tables(&results, &sizes, &threads, &maps, runs, window);
    print!("{md}");
    std::fs::write(out_dir().join("concurrent.md"), &md).map_err(|e| e.to_string())?;
    Ok(())
}

fn mops(v: &Value) -> Option<f64> {
    Some(v["ops"].as_f64()? / v["wall_ns"].as_f64()? * 1e3)
}

fn cpu_ns_per_op(v: &Value) -> Option<f64> {
    Some(v["cpu_ns"].as_f64()? / v["ops"].as_f64()?)
}

/// Median of `f` over the runs of one (map, size, workload, threads) cell, and the runs' spread
/// around it as +-% (half the range).
fn summary(rs: &[&Value], f: fn(&Value) -> Option<f64>) -> Option<(f64, f64)> {
    let xs: Vec<f64> = rs.iter().filter_map(|v| f(v)).collect();
    let mid = median(xs.clone())?;
    let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    Some((mid, (hi - lo) / 2.0 / mid * 100.0))
}

/// Two tables per size: throughput (with ConcurrentMap's ratio to Go's sync.Map and to
/// RwLockMap) and CPU time per operation.
fn tables(
    results: &[Value],
    sizes: &[String],
    threads: &[usize],
    maps: &[&(&str, &str, Runner)],
    runs: usize,
    window: Duration,
) -> String {
    let mut md = String::new();
    let pick = |name: &str, size: &str, w: &str, t: usize| -> Vec<&Value> {
        results
            .iter()
            .filter(|v| {
                v["impl"] == name && v["size"] == size && v["workload"] == w && v["threads"] == t
            })
            .collect()
    };
    let ratio_to = ["go_syncmap", "RwLockMap"];
    for size in sizes {
        for (title, f, ratios) in [
            (
                "millions of operations per second over all threads (higher is better)",
                mops as fn(&Value) -> Option<f64>,
                true,
            ),
            ("CPU ns per operation, the whole process's (lower is better)", cpu_ns_per_op, false),
        ] {
            let mut head = String::from("| workload | threads |");
            for m in maps {
                write!(head, " {} |", m.1).unwrap();
            }
            let shown: Vec<&str> = ratio_to
                .iter()
                .copied()
                .filter(|r| ratios && maps.iter().any(|m| m.0 == *r))
                .collect();
            for r in &shown {
                write!(head, " CM / {} |", maps.iter().find(|m| m.0 == *r).unwrap().1).unwrap();
            }
            let mut body = String::new();
            for (w, _) in WORKLOADS {
                for &t in threads {
                    let cells: Vec<Option<(f64, f64)>> =
                        maps.iter().map(|m| summary(&pick(m.0, size, w, t), f)).collect();
                    if cells.iter().all(Option::is_none) {
                        continue;
                    }
                    write!(body, "| {w} | {t} |").unwrap();
                    for c in &cells {
                        match c {
                            Some((x, pm)) => write!(body, " {x:.1} ±{pm:.0}% |").unwrap(),
                            None => body.push_str(" - |"),
                        }
                    }
                    let at = |name: &str| {
                        maps.iter().position(|m| m.0 == name).and_then(|i| cells[i]).map(|c| c.0)
                    };
                    for r in &shown {
                        match at("ConcurrentMap").zip(at(r)) {
                            Some((cm, other)) => write!(body, " {:.2}x |", cm / other).unwrap(),
                            None => body.push_str(" - |"),
                        }
                    }
                    body.push('\n');
                }
            }
            if body.is_empty() {
                continue;
            }
            writeln!(
                md,
                "\n### {size} keys: {title}; median of {runs} runs of {} ms, ±half their range\n",
                window.as_millis()
            )
            .unwrap();
            writeln!(md, "{head}").unwrap();
            writeln!(md, "|{}", "---|".repeat(2 + maps.len() + shown.len())).unwrap();
            md.push_str(&body);
        }
    }
    md
}

// ---------------------------------------------------------------------------------------------
// `gosync`: Go's own sync.Map benchmarks (sync/map_bench_test.go) on the Rust maps and on Go's.
// ---------------------------------------------------------------------------------------------

/// What Go's sync.Map benchmarks call on a map (sync's `mapInterface`), over u64 keys and values
/// where Go's are `any`.
trait GoSyncOps: Sync {
    fn new() -> Self;
    fn load(&self, k: u64) -> Option<u64>;
    fn store(&self, k: u64, v: u64);
    fn load_or_store(&self, k: u64, v: u64) -> (u64, bool);
    fn load_and_delete(&self, k: u64) -> Option<u64>;
    fn delete(&self, k: u64);
    fn swap(&self, k: u64, v: u64) -> Option<u64>;
    fn compare_and_swap(&self, k: u64, old: u64, new: u64) -> bool;
    fn compare_and_delete(&self, k: u64, old: u64) -> bool;
    fn range(&self, f: impl FnMut(u64, u64) -> bool);
    fn clear(&self);
}

/// gomap's concurrent maps, which all have sync.Map's method set under the same names
/// (`load`, `store`, `load_or_store`, `load_and_delete`, `delete`, `swap`, `compare_and_swap`,
/// `compare_and_delete`, `range`, `clear`): each `"name" => Type,` line makes the map a column
/// of the `gosync` table, measurable with `--one name go WORKLOAD THREADS`.
macro_rules! gomap_sync_maps {
    ($($name:literal => $t:ty,)*) => {
        $(impl GoSyncOps for $t {
            fn new() -> Self {
                <$t>::new()
            }
            fn load(&self, k: u64) -> Option<u64> {
                <$t>::load(self, &k)
            }
            fn store(&self, k: u64, v: u64) {
                <$t>::store(self, k, v)
            }
            fn load_or_store(&self, k: u64, v: u64) -> (u64, bool) {
                <$t>::load_or_store(self, k, v)
            }
            fn load_and_delete(&self, k: u64) -> Option<u64> {
                <$t>::load_and_delete(self, &k)
            }
            fn delete(&self, k: u64) {
                <$t>::delete(self, &k)
            }
            fn swap(&self, k: u64, v: u64) -> Option<u64> {
                <$t>::swap(self, k, v)
            }
            fn compare_and_swap(&self, k: u64, old: u64, new: u64) -> bool {
                <$t>::compare_and_swap(self, &k, &old, new)
            }
            fn compare_and_delete(&self, k: u64, old: u64) -> bool {
                <$t>::compare_and_delete(self, &k, &old)
            }
            fn range(&self, mut f: impl FnMut(u64, u64) -> bool) {
                <$t>::range(self, |k, v| f(*k, *v))
            }
            fn clear(&self) {
                <$t>::clear(self)
            }
        })*

        /// The gomap maps with a `gosync` column.
        const GOMAP_SYNC_MAPS: &[&str] = &[$($name),*];

        /// Go's benchmark `w` on the gomap map called `name`, if there is one.
        fn gomap_sync_bench(name: &str, w: GoWorkload, threads: usize, goal: Duration) -> Option<Value> {
            $(if name == $name {
                return Some(go_bench::<$t>(w, threads, goal));
            })*
            None
        }
    };
}

gomap_sync_maps! {
    "ConcurrentMap" => ConcurrentMap<u64, u64>,
    "RwLockMap" => RwLockMap<u64, u64>,
    "HashTrieMap" => gomap::concurrent::HashTrieMap<u64, u64>,
}

impl GoSyncOps for DashMap<u64, u64> {
    fn new() -> Self {
        DashMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.get(&k).map(|r| *r)
    }
    fn store(&self, k: u64, v: u64) {
        self.insert(k, v);
    }
    fn load_or_store(&self, k: u64, v: u64) -> (u64, bool) {
        // A shared-lock look first, as RwLockMap and sync.Map do: `entry` alone takes the
        // shard's write lock even for a hit.
        if let Some(r) = self.get(&k) {
            return (*r, true);
        }
        match self.entry(k) {
            dashmap::Entry::Occupied(e) => (*e.get(), true),
            dashmap::Entry::Vacant(e) => {
                e.insert(v);
                (v, false)
            }
        }
    }
    fn load_and_delete(&self, k: u64) -> Option<u64> {
        self.remove(&k).map(|(_, v)| v)
    }
    fn delete(&self, k: u64) {
        self.remove(&k);
    }
    fn swap(&self, k: u64, v: u64) -> Option<u64> {
        self.insert(k, v)
    }
    fn compare_and_swap(&self, k: u64, old: u64, new: u64) -> bool {
        match self.get_mut(&k) {
            Some(mut r) if *r == old => {
                *r = new;
                true
            }
            _ => false,
        }
    }
    fn compare_and_delete(&self, k: u64, old: u64) -> bool {
        self.remove_if(&k, |_, v| *v == old).is_some()
    }
    fn range(&self, mut f: impl FnMut(u64, u64) -> bool) {
        for r in self.iter() {
            if !f(*r.key(), *r.value()) {
                break;
            }
        }
    }
    fn clear(&self) {
        DashMap::clear(self)
    }
}

/// papaya pinned per operation, as ConcurrentMap is (its guide's default usage).
impl GoSyncOps for papaya::HashMap<u64, u64> {
    fn new() -> Self {
        papaya::HashMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.pin().get(&k).copied()
    }
    fn store(&self, k: u64, v: u64) {
        self.pin().insert(k, v);
    }
    fn load_or_store(&self, k: u64, v: u64) -> (u64, bool) {
        match self.pin().try_insert(k, v) {
            Ok(_) => (v, false),
            Err(e) => (*e.current, true),
        }
    }
    fn load_and_delete(&self, k: u64) -> Option<u64> {
        self.pin().remove(&k).copied()
    }
    fn delete(&self, k: u64) {
        self.pin().remove(&k);
    }
    fn swap(&self, k: u64, v: u64) -> Option<u64> {
        self.pin().insert(k, v).copied()
    }
    fn compare_and_swap(&self, k: u64, old: u64, new: u64) -> bool {
        use papaya::{Compute, Operation};
        let swap = |e: Option<(&u64, &u64)>| match e {
            Some((_, v)) if *v == old => Operation::Insert(new),
            _ => Operation::Abort(()),
        };
        matches!(self.pin().compute(k, swap), Compute::Updated { .. })
    }
    fn compare_and_delete(&self, k: u64, old: u64) -> bool {
        matches!(self.pin().remove_if(&k, |_, v| *v == old), Ok(Some(_)))
    }
    fn range(&self, mut f: impl FnMut(u64, u64) -> bool) {
        for (k, v) in self.pin().iter() {
            if !f(*k, *v) {
                break;
            }
        }
    }
    fn clear(&self) {
        self.pin().clear()
    }
}

/// `mapSize` of Go's Range and AdversarialDelete.
const MAP_SIZE: u64 = 1 << 10;

/// Go's benchmarks, by their names less `BenchmarkMap`, in the file's order, and the list of
/// them all.
macro_rules! go_workloads {
    ($($w:ident,)*) => {
        #[derive(Clone, Copy, PartialEq, Debug)]
        enum GoWorkload {
            $($w,)*
        }

        const GO_WORKLOADS: &[GoWorkload] = &[$(GoWorkload::$w,)*];
    };
}

go_workloads! {
    LoadMostlyHits,
    LoadMostlyMisses,
    LoadOrStoreBalanced,
    LoadOrStoreUnique,
    LoadOrStoreCollision,
    LoadAndDeleteBalanced,
    LoadAndDeleteUnique,
    LoadAndDeleteCollision,
    Range,
    AdversarialAlloc,
    AdversarialDelete,
    DeleteCollision,
    SwapCollision,
    SwapMostlyHits,
    SwapMostlyMisses,
    CompareAndSwapCollision,
    CompareAndSwapNoExistingKey,
    CompareAndSwapValueNotEqual,
    CompareAndSwapMostlyHits,
    CompareAndSwapMostlyMisses,
    CompareAndDeleteCollision,
    CompareAndDeleteMostlyHits,
    CompareAndDeleteMostlyMisses,
    Clear,
}

impl GoWorkload {
    fn name(self) -> String {
        format!("{self:?}")
    }

    fn parse(s: &str) -> Option<Self> {
        GO_WORKLOADS.iter().copied().find(|w| w.name() == s)
    }

    /// `hits, misses` of the benchmarks that have them.
    fn hits_misses(self) -> (u64, u64) {
        use GoWorkload::*;
        match self {
            LoadMostlyHits
            | SwapMostlyHits
            | CompareAndSwapMostlyHits
            | CompareAndDeleteMostlyHits => (1023, 1),
            LoadMostlyMisses
            | SwapMostlyMisses
            | CompareAndSwapMostlyMisses
            | CompareAndDeleteMostlyMisses => (1, 1023),
            LoadOrStoreBalanced | LoadAndDeleteBalanced => (128, 128),
            _ => (0, 0),
        }
    }

    /// The benchmark's `setup`, before the timer starts.
    fn setup<M: GoSyncOps>(self, m: &M) {
        use GoWorkload::*;
        match self {
            LoadOrStoreCollision
            | LoadAndDeleteCollision
            | DeleteCollision
            | SwapCollision
            | CompareAndSwapCollision
            | CompareAndDeleteCollision => {
                m.load_or_store(0, 0);
            }
            CompareAndSwapValueNotEqual => m.store(0, 0),
            Range | AdversarialDelete => {
                for i in 0..MAP_SIZE {
                    m.store(i, i);
                }
            }
            LoadOrStoreUnique
            | LoadAndDeleteUnique
            | AdversarialAlloc
            | CompareAndSwapNoExistingKey
            | Clear => {}
            _ => {
                let (hits, _) = self.hits_misses();
                for i in 0..hits {
                    m.load_or_store(i, i);
                }
                // Prime the map to get it into a steady state.
                for i in 0..hits * 2 {
                    black_box(m.load(i % hits));
                }
            }
        }
    }

    /// The benchmark's `perG`: one goroutine's (thread's) loop, `i` starting at `id * b.N`.
    // Go's loops count `i` even where the body does not read it (the collision benchmarks).
    #[allow(unused_assignments)]
    fn per_g<M: GoSyncOps>(self, m: &M, pb: &mut Pb, mut i: u64) {
        use GoWorkload::*;
        let (hits, misses) = self.hits_misses();
        let hm = hits + misses;
        // `for ; pb.Next(); i++ { body }`
        macro_rules! each {
            ($body:expr) => {
                while pb.next() {
                    $body;
                    i += 1;
                }
            };
        }
        match self {
            LoadMostlyHits | LoadMostlyMisses => each!(black_box(m.load(i % hm))),
            LoadOrStoreBalanced => each!({
                let j = i % hm;
                if j < hits {
                    assert!(m.load_or_store(j, i).1, "unexpected miss for {j}");
                } else {
                    let (v, loaded) = m.load_or_store(i, i);
                    assert!(!loaded, "failed to store {i}: existing value {v}");
                }
            }),
            LoadOrStoreUnique => each!(black_box(m.load_or_store(i, i))),
            LoadOrStoreCollision => each!(black_box(m.load_or_store(0, 0))),
            LoadAndDeleteBalanced => each!({
                let j = i % hm;
                black_box(m.load_and_delete(if j < hits { j } else { i }));
            }),
            LoadAndDeleteUnique => each!(black_box(m.load_and_delete(i))),
            LoadAndDeleteCollision => each!(if m.load_and_delete(0).is_some() {
                m.store(0, 0)
            }),
            Range => each!(m.range(|k, v| {
                black_box((k, v));
                true
            })),
            AdversarialAlloc => {
                let (mut stores, mut loads_since_store) = (0u64, 0u64);
                each!({
                    black_box(m.load(i));
                    loads_since_store += 1;
                    if loads_since_store > stores {
                        m.load_or_store(i, stores);
                        loads_since_store = 0;
                        stores += 1;
                    }
                })
            }
            AdversarialDelete => each!({
                black_box(m.load(i));
                if i.is_multiple_of(MAP_SIZE) {
                    // Go deletes from inside Range's callback; dashmap's iterator holds its
                    // shard's read lock there, so every map deletes the same first key just
                    // after the range instead.
                    let mut first = None;
                    m.range(|k, _| {
                        first = Some(k);
                        false
                    });
                    if let Some(k) = first {
                        m.delete(k);
                    }
                    m.store(i, i);
                }
            }),
            DeleteCollision => each!(m.delete(0)),
            SwapCollision => each!(black_box(m.swap(0, 0))),
            SwapMostlyHits | SwapMostlyMisses => each!(if i % hm < hits {
                let v = i % hm;
                black_box(m.swap(v, v));
            } else {
                black_box(m.swap(i, i));
                m.delete(i);
            }),
            CompareAndSwapCollision => each!(if m.compare_and_swap(0, 0, 42) {
                m.compare_and_swap(0, 42, 0);
            }),
            CompareAndSwapNoExistingKey => each!(if m.compare_and_swap(i, 0, 0) {
                m.delete(i)
            }),
            CompareAndSwapValueNotEqual => each!(black_box(m.compare_and_swap(0, 1, 2))),
            CompareAndSwapMostlyHits | CompareAndSwapMostlyMisses => each!({
                let v = if i % hm < hits { i % hm } else { i };
                black_box(m.compare_and_swap(v, v, v));
            }),
            CompareAndDeleteCollision => each!(if m.compare_and_delete(0, 0) {
                m.store(0, 0)
            }),
            CompareAndDeleteMostlyHits | CompareAndDeleteMostlyMisses => each!({
                let v = if i % hm < hits { i % hm } else { i };
                if m.compare_and_delete(v, v) {
                    m.store(v, v)
                }
            }),
            Clear => each!({
                let (k, v) = (i % 256, i % 256);
                m.clear();
                m.store(k, v);
            }),
        }
    }
}

/// Go's `testing.PB`: the goroutines of one `RunParallel` take `grain` iterations at a time
/// from a shared count until `b.N` are handed out.
struct Pb<'a> {
    global: &'a AtomicU64,
    grain: u64,
    bn: u64,
    cache: u64,
}

impl Pb<'_> {
    #[inline]
    fn next(&mut self) -> bool {
        if self.cache == 0 {
            let n = self.global.fetch_add(self.grain, Relaxed) + self.grain;
            if n <= self.bn {
                self.cache = self.grain;
            } else if n < self.bn + self.grain {
                self.cache = self.bn + self.grain - n;
            } else {
                return false;
            }
        }
        self.cache -= 1;
        true
    }
}

/// Go's `runN` of one `benchMap` sub-benchmark: a fresh map, `setup`, then (timed) `threads`
/// goroutines running `perG` until `b.N` iterations are done. `prev` is the previous run's
/// `(b.N, duration)`, from which Go sizes the grain (~100µs of iterations, at most 1e4).
fn go_run_n<M: GoSyncOps>(
    w: GoWorkload,
    threads: usize,
    bn: u64,
    prev: Option<(u64, Duration)>,
) -> Duration {
    let grain = prev
        .filter(|p| p.0 > 0 && p.1 > Duration::ZERO)
        .map_or(0, |(n, d)| (100_000 * n as u128 / d.as_nanos()) as u64)
        .clamp(1, 10_000);
    let m = M::new();
    w.setup(&m);
    let global = AtomicU64::new(0);
    let go = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for id in 0..threads as u64 {
            let (m, global, go) = (&m, &global, &go);
            s.spawn(move || {
                let mut pb = Pb { global, grain, bn, cache: 0 };
                go.wait();
                w.per_g(m, &mut pb, id * bn);
            });
        }
        go.wait();
        let t0 = Instant::now();
        // The scope joins every thread before it returns.
        t0
    })
    .elapsed()
}

/// Go's `predictN` (testing/benchmark.go, Go 1.24).
fn predict_n(goal: Duration, prev_iters: u64, prev: Duration, last: u64) -> u64 {
    let prevns = prev.as_nanos().max(1);
    let mut n = (goal.as_nanos() * prev_iters as u128 / prevns) as u64;
    n += n / 5;
    n.min(100 * last).max(last + 1).min(1_000_000_000)
}

/// One Go benchmark as `go test -bench -benchtime=goal` runs it: b.N = 1, then b.N grown by
/// `predictN` (each run on a fresh map) until a run lasts `goal`; that run's ns/op.
fn go_bench<M: GoSyncOps>(w: GoWorkload, threads: usize, goal: Duration) -> Value {
    let (mut n, mut prev) = (1, None);
    let mut d = go_run_n::<M>(w, threads, n, prev);
    while d < goal && n < 1_000_000_000 {
        prev = Some((n, d));
        n = predict_n(goal, n, d, n);
        d = go_run_n::<M>(w, threads, n, prev);
    }
    json!({ "n": n, "wall_ns": d.as_nanos() as u64, "ns_per_op": d.as_nanos() as f64 / n as f64 })
}

/// `--one MAP go WORKLOAD THREADS`: Go's benchmark WORKLOAD on a Rust map.
fn one_go(map: &str, workload: &str, threads: usize) -> Result<Value, String> {
    let w = GoWorkload::parse(workload).ok_or(format!("unknown Go workload {workload}"))?;
    let goal = go_benchtime();
    if let Some(v) = gomap_sync_bench(map, w, threads, goal) {
        return Ok(v);
    }
    match map {
        "papaya" => Ok(go_bench::<papaya::HashMap<u64, u64>>(w, threads, goal)),
        "dashmap" => Ok(go_bench::<DashMap<u64, u64>>(w, threads, goal)),
        _ => Err(format!("unknown map {map} for Go's workloads")),
    }
}

/// The `gosync` benchtime: `GOMAP_CONC_MS`, default 200 ms.
fn go_benchtime() -> Duration {
    env_ms("GOMAP_CONC_MS", 200)
}

/// The `gosync` columns: (name, header, who measures it). `HashTrieMap` is measured only when
/// it is in `gomap_sync_maps!`; otherwise its column shows `-`.
const GO_SUITE_MAPS: [(&str, &str, GoRunner); 7] = [
    ("ConcurrentMap", "ConcurrentMap", GoRunner::Here),
    ("RwLockMap", "RwLockMap", GoRunner::Here),
    ("HashTrieMap", "HashTrieMap", GoRunner::Here),
    ("papaya", "papaya", GoRunner::Here),
    ("dashmap", "dashmap", GoRunner::Here),
    ("go_hashtriemap", "Go sync.Map (HashTrieMap)", GoRunner::GoTest("gosync-suite-default")),
    ("go_syncmap", "Go classic sync.Map", GoRunner::GoTest("gosync-suite-classic")),
];

#[derive(Clone, Copy, PartialEq)]
enum GoRunner {
    /// This binary, `--one MAP go WORKLOAD THREADS`.
    Here,
    /// A `go test -c` build of Go's own sync/map_bench_test.go.
    GoTest(&'static str),
}

/// Go's own benchmark file, made to build outside the standard library: sync's
/// map_bench_test.go and map_reference_test.go copied from `$GOROOT/src/sync` into a throwaway
/// module under target/gomap-bench/gosync-suite, renamed to its package and with the two uses
/// of `internal/sync` (which only std may import) taken out: `benchMap`'s list of maps becomes
/// `&sync.Map{}` alone (in Go 1.24's default build sync.Map is a thin wrapper over
/// internal/sync's HashTrieMap), and the interface check of HashTrieMap goes. Everything else,
/// setup and perG included, is Go's text. Built twice with `go test -c`: as Go ships and with
/// GOEXPERIMENT=nosynchashtriemap (the classic sync.Map, sync/map.go).
fn build_go_suite(go: &Path) -> Result<(), String> {
    let out = Command::new(go)
        .args(["env", "GOROOT"])
        .env("GOTOOLCHAIN", "local")
        .output()
        .map_err(|e| format!("go env GOROOT: {e}"))?;
    let goroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let src = out_dir().join("gosync-suite");
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    let edits: [(&str, &[(&str, &str)]); 2] = [
        (
            "map_bench_test.go",
            &[
                ("package sync_test\n", "package gosyncsuite\n"),
                ("\tisync \"internal/sync\"\n", ""),
                (
                    "[...]mapInterface{&DeepCopyMap{}, &RWMutexMap{}, &isync.HashTrieMap[any, any]{}, &sync.Map{}}",
                    "[...]mapInterface{&sync.Map{}}",
                ),
            ],
        ),
        (
            "map_reference_test.go",
            &[
                ("package sync_test\n", "package gosyncsuite\n"),
                ("\tisync \"internal/sync\"\n", ""),
                ("\t_ mapInterface = &isync.HashTrieMap[any, any]{}\n", ""),
            ],
        ),
    ];
    for (file, subs) in edits {
        let from = goroot.join("src/sync").join(file);
        let mut text = std::fs::read_to_string(&from)
            .map_err(|e| format!("reading Go's {}: {e}", from.display()))?;
        for (old, new) in subs {
            if text.matches(old).count() != 1 {
                return Err(format!(
                    "{} is not Go 1.24's: expected one {old:?} in it",
                    from.display()
                ));
            }
            text = text.replacen(old, new, 1);
        }
        std::fs::write(src.join(file), text).map_err(|e| e.to_string())?;
    }
    std::fs::write(src.join("go.mod"), "module gosyncsuite\n\ngo 1.24\n")
        .map_err(|e| e.to_string())?;
    for (bin, experiment) in
        [("gosync-suite-default", None), ("gosync-suite-classic", Some("nosynchashtriemap"))]
    {
        let mut cmd = Command::new(go);
        cmd.args(["test", "-c", "-o"])
            .arg(out_dir().join(bin))
            .arg(".")
            .current_dir(&src)
            .env("GOTOOLCHAIN", "local");
        match experiment {
            Some(e) => cmd.env("GOEXPERIMENT", e),
            None => cmd.env_remove("GOEXPERIMENT"),
        };
        let out = cmd.output().map_err(|e| format!("go test -c: {e}"))?;
        if !out.status.success() {
            return Err(format!("go test -c {bin}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    Ok(())
}

/// One Go benchmark in its own process: `BenchmarkMap<workload>` with `-test.cpu threads`
/// (GOMAXPROCS, so RunParallel's goroutine count), `-test.benchtime` the window. Reads its
/// `BenchmarkMapX/*sync.Map[-P]  N  T ns/op` line.
fn go_test_one(bin: &str, workload: &str, threads: usize, goal: Duration) -> Result<Value, String> {
    let what = format!("{bin} {workload} {threads}");
    let out = Command::new(out_dir().join(bin))
        .args(["-test.run", "^$", "-test.bench"])
        .arg(format!("^BenchmarkMap{workload}$"))
        .arg("-test.cpu")
        .arg(threads.to_string())
        .arg("-test.benchtime")
        .arg(format!("{}ms", goal.as_millis()))
        .env_remove("GOMAXPROCS")
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{what} failed: {text}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("BenchmarkMap") && l.contains(" ns/op"))
        .ok_or(format!("{what}: no ns/op line in {text}"))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    let at = f.iter().position(|x| *x == "ns/op").ok_or(format!("{what}: {line}"))?;
    let ns: f64 = f[at - 1].parse().map_err(|_| format!("{what}: {line}"))?;
    let n: u64 = f[at - 2].parse().map_err(|_| format!("{what}: {line}"))?;
    Ok(json!({ "n": n, "ns_per_op": ns, "go_line": line }))
}

/// `cargo bench --bench concurrent -- gosync [WORDS]`: Go's sync.Map benchmarks (those whose
/// name contains every word) on every `gosync` column, `runs` times, interleaved; then the table.
fn go_suite(filters: &[String]) -> Result<(), String> {
    let runs: usize =
        std::env::var("GOMAP_CONC_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let threads: Vec<usize> =
        list_env("GOMAP_BENCH_THREADS", "1,2").iter().filter_map(|t| t.parse().ok()).collect();
    let wanted = std::env::var("GOMAP_CONC_MAPS").ok();
    let maps: Vec<_> = GO_SUITE_MAPS
        .iter()
        .filter(|m| wanted.as_deref().is_none_or(|w| w.split(',').any(|x| x.trim() == m.0)))
        .collect();
    let go_ok = if std::env::var_os("GOMAP_CONC_NO_GO").is_some()
        || !maps.iter().any(|m| matches!(m.2, GoRunner::GoTest(_)))
    {
        false
    } else {
        match procs::go_toolchain().and_then(|g| build_go_suite(&g)) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("\n!!! concurrent gosync: NO GO COLUMNS: {e}\n");
                false
            }
        }
    };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let goal = go_benchtime();
    let workloads: Vec<String> = GO_WORKLOADS
        .iter()
        .map(|w| w.name())
        .filter(|w| filters.iter().all(|f| w.contains(f.as_str())))
        .collect();
    let mut results: Vec<Value> = Vec::new();
    let mut jsonl = String::new();
    for w in &workloads {
        for &t in &threads {
            for run in 1..=runs {
                for &&(name, _, runner) in &maps {
                    let mut v = match runner {
                        GoRunner::Here
                            if name == "HashTrieMap" && !GOMAP_SYNC_MAPS.contains(&name) =>
                        {
                            continue
                        }
                        GoRunner::Here => {
                            let mut cmd = Command::new(&me);
                            cmd.args(["--one", name, "go", w, &t.to_string()]);
                            procs::measure(cmd, &format!("{name} {w} {t}t run {run}"))?
                        }
                        GoRunner::GoTest(_) if !go_ok => continue,
                        GoRunner::GoTest(bin) => go_test_one(bin, w, t, goal)?,
                    };
                    v["impl"] = json!(name);
                    v["size"] = json!("go");
                    v["workload"] = json!(w);
                    v["threads"] = json!(t);
                    v["run"] = json!(run);
                    eprintln!(
                        "{w} {t}t run {run} {name}: {:.1} ns/op",
                        ns_per_op(&v).unwrap_or(f64::NAN)
                    );
                    writeln!(jsonl, "{v}").unwrap();
                    results.push(v);
                }
            }
        }
    }
    std::fs::write(out_dir().join("concurrent_gosync.jsonl"), &jsonl).map_err(|e| e.to_string())?;
    let md = go_table(&results, &workloads, &threads, &maps, runs, goal);
    print!("{md}");
    std::fs::write(out_dir().join("concurrent_gosync.md"), &md).map_err(|e| e.to_string())?;
    Ok(())
}

fn ns_per_op(v: &Value) -> Option<f64> {
    v["ns_per_op"].as_f64()
}

/// Rows: Go's benchmark × threads; columns: each map's median ns/op ±half the runs' range,
/// then HashTrieMap / Go's HashTrieMap sync.Map and ConcurrentMap / Go's classic sync.Map.
fn go_table(
    results: &[Value],
    workloads: &[String],
    threads: &[usize],
    maps: &[&(&str, &str, GoRunner)],
    runs: usize,
    goal: Duration,
) -> String {
    let ratios = [
        ("HashTrieMap", "go_hashtriemap", "HashTrieMap / Go HashTrieMap"),
        ("ConcurrentMap", "go_syncmap", "ConcurrentMap / Go classic"),
    ];
    let mut md = format!(
        "\n### Go's sync.Map benchmarks (sync/map_bench_test.go): ns per operation, all threads' \
         wall time over b.N (lower is better); median of {runs} runs of {} ms, ±half their range\n\n",
        goal.as_millis()
    );
    md.push_str("| benchmark | threads |");
    for m in maps {
        write!(md, " {} |", m.1).unwrap();
    }
    for r in &ratios {
        write!(md, " {} |", r.2).unwrap();
    }
    writeln!(md, "\n|{}", "---|".repeat(2 + maps.len() + ratios.len())).unwrap();
    for w in workloads {
        for &t in threads {
            let cell = |name: &str| {
                let rs: Vec<&Value> = results
                    .iter()
                    .filter(|v| {
                        v["impl"] == name && v["workload"] == w.as_str() && v["threads"] == t
                    })
                    .collect();
                summary(&rs, ns_per_op)
            };
            write!(md, "| {w} | {t} |").unwrap();
            for m in maps {
                match cell(m.0) {
                    Some((x, pm)) => write!(md, " {x:.1} ±{pm:.0}% |").unwrap(),
                    None => md.push_str(" - |"),
                }
            }
            for (a, b, _) in ratios {
                match cell(a).zip(cell(b)) {
                    Some((x, y)) => write!(md, " {:.2} |", x.0 / y.0).unwrap(),
                    None => md.push_str(" - |"),
                }
            }
            md.push('\n');
        }
    }
    md
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = if args.first().map(String::as_str) == Some("--one") {
        one(&args[1..])
    } else {
        // cargo bench passes `--bench`; anything else not starting with `-` filters cells.
        let filters: Vec<String> = args.into_iter().filter(|a| !a.starts_with('-')).collect();
        match filters.split_first() {
            Some((suite, words)) if suite == "gosync" => go_suite(words),
            _ => orchestrate(&filters),
        }
    };
    if let Err(e) = r {
        eprintln!("concurrent: {e}");
        std::process::exit(1);
    }
}
