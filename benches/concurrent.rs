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

#[path = "common/procs.rs"]
mod procs;

use dashmap::DashMap;
use gomap::concurrent::{ConcurrentMap, RwLockMap};
use procs::out_dir;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
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
const MAPS: [(&str, &str, Runner); 9] = [
    ("ConcurrentMap", "ConcurrentMap", Runner::Here),
    ("ConcurrentMap_before", "ConcurrentMap (baseline)", Runner::Baseline),
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

impl SharedMap for ConcurrentMap<u64, u64> {
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

/// papaya pinned per operation, as ConcurrentMap is (its guide's default usage).
impl SharedMap for papaya::HashMap<u64, u64> {
    fn new() -> Self {
        papaya::HashMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.pin().get(&k).copied()
    }
    fn store(&self, k: u64, v: u64) {
        self.pin().insert(k, v);
    }
    fn delete(&self, k: u64) {
        self.pin().remove(&k);
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
    let n = SIZES.iter().find(|s| s.0 == size).ok_or(format!("unknown size {size}"))?.1;
    let w =
        WORKLOADS.iter().find(|x| x.0 == workload).ok_or(format!("unknown workload {workload}"))?.1;
    let threads: usize = threads.parse().map_err(|_| format!("bad thread count {threads}"))?;
    let (warm, window) = warm_and_window();
    let mut v = match map.as_str() {
        "ConcurrentMap" => measure::<ConcurrentMap<u64, u64>>(w, n, threads, warm, window),
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = if args.first().map(String::as_str) == Some("--one") {
        one(&args[1..])
    } else {
        // cargo bench passes `--bench`; anything else not starting with `-` filters cells.
        let filters: Vec<String> = args.into_iter().filter(|a| !a.starts_with('-')).collect();
        orchestrate(&filters)
    };
    if let Err(e) = r {
        eprintln!("concurrent: {e}");
        std::process::exit(1);
    }
}
