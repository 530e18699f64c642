//! Tail latency of the concurrent maps: every single operation timed on its own, as
//! benches/latency.rs does for the single-threaded maps. ConcurrentMap beside RwLockMap, papaya,
//! dashmap and Go's two sync.Maps (benches/gosync, `-latency`).
//!
//!     cargo bench --bench concurrent_latency                    every workload, 3 runs
//!     cargo bench --bench concurrent_latency -- read-recent     workloads containing this
//!
//! Env: `GOMAP_CLAT_RUNS` (default 3), `GOMAP_CLAT_IMPLS` (comma list of impl names),
//! `GOMAP_CLAT_NO_GO=1` (Rust maps only), `GOMAP_CLAT_CLOCK=thread` (time by thread CPU time,
//! Rust maps only: preemption left out, for a loaded machine), `GOMAP_CLAT_DOCS=1` (also write the plots to
//! docs/figures/), `GOMAP_CLAT_BASELINE` (another build of this bench, whose ConcurrentMap gets
//! rows of its own, `ConcurrentMap-before`). Go is found (or installed) by the twin's helper.
//!
//! Each (map, workload, run) is its own process; runs are interleaved (run 1 of every map,
//! then run 2, ...). Results: target/gomap-bench/concurrent_latency.{jsonl,md} and an SVG
//! percentile plot per workload.
//!
//! # Workloads
//!
//! The i-th key is `splitmix64(i)` (benches/gosync/latency.go draws the same); values are u64.
//! - `read-recent-2m`: one thread; op i stores new key i, then loads keys i, i-1 and i-2, each
//!   a timed operation (8M in all). The recent keys are only in a sync.Map's dirty map, so the
//!   loads miss its read map and promotions follow.
//! - `read-recent-2m-2t`: two threads, both timed: one stores keys 0..2M, the other loads the
//!   three newest keys the storer has published, until the storer is done.
//! - `churn-1m`: 1M keys prefilled (untimed), then 2M steps of "delete the oldest key, store
//!   the next one", each a timed operation.
//! - `load-or-store-2m`: 2M steps of two timed `load_or_store`s: a new key, then a key already
//!   stored (picked at random among the older ones).

#[path = "common/procs.rs"]
mod procs;

use dashmap::DashMap;
use gomap::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};
use hdrhistogram::Histogram;
use procs::{measure, out_dir, root};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

const WORKLOADS: [&str; 4] =
    ["read-recent-2m", "read-recent-2m-2t", "churn-1m", "load-or-store-2m"];
const RUST_IMPLS: [&str; 5] = ["ConcurrentMap", "HashTrieMap", "RwLockMap", "papaya", "dashmap"];
/// (impl name, binary built from benches/gosync, GOEXPERIMENT).
const GO_IMPLS: [(&str, &str, Option<&str>); 2] = [
    ("go-syncmap-classic", "gosync-classic", Some("nosynchashtriemap")),
    ("go-hashtriemap", "gosync-default", None),
];
const PERCENTILES: [f64; 9] = [50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 99.9999, 100.0];

fn splitmix(i: u64) -> u64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One thread's timed operations.
struct Recorder {
    hist: Histogram<u64>,
    sum: u128,
    over: [u64; 3],
    /// `GOMAP_CLAT_CLOCK=thread`: time each operation by this thread's CPU time, which leaves
    /// out preemption (on a loaded machine that swamps the tail) but costs a system call.
    thread_clock: bool,
}

/// This thread's CPU time (CLOCK_THREAD_CPUTIME_ID), in ns.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            hist: Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("histogram bounds"),
            sum: 0,
            over: [0; 3],
            thread_clock: std::env::var("GOMAP_CLAT_CLOCK").is_ok_and(|c| c == "thread"),
        }
    }

    #[inline(always)]
    fn time<R>(&mut self, op: impl FnOnce() -> R) -> R {
        if self.thread_clock {
            let t0 = thread_cpu_ns();
            let r = op();
            let ns = thread_cpu_ns().saturating_sub(t0);
            self.record(ns);
            return r;
        }
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
        self.over[0] += u64::from(ns > 10_000);
        self.over[1] += u64::from(ns > 100_000);
        self.over[2] += u64::from(ns > 1_000_000);
    }

    fn merge(&mut self, o: &Recorder) {
        self.hist.add(&o.hist).expect("same bounds");
        self.sum += o.sum;
        for i in 0..3 {
            self.over[i] += o.over[i];
        }
    }

    fn to_json(&self, imp: &str, workload: &str, run: usize, wall_ms: f64) -> Value {
        let ops = self.hist.len();
        let at = |p: f64| {
            if p >= 100.0 {
                self.hist.max()
            } else {
                self.hist.value_at_quantile(p / 100.0)
            }
        };
        json!({
            "impl": imp, "workload": workload, "run": run, "ops": ops,
            "mean_ns": self.sum as f64 / ops.max(1) as f64,
            "p50_ns": at(50.0), "p99_ns": at(99.0), "p999_ns": at(99.9), "p9999_ns": at(99.99),
            "max_ns": self.hist.max(), "over_10us": self.over[0], "over_100us": self.over[1],
            "over_1ms": self.over[2], "wall_ms": wall_ms,
            "clock": if self.thread_clock { "thread-cpu" } else { "wall" },
            "percentiles": PERCENTILES.iter().map(|&p| json!([p, at(p)])).collect::<Vec<_>>(),
        })
    }
}

trait Map: Sync + Send {
    fn new() -> Self;
    fn load(&self, k: u64) -> Option<u64>;
    fn store(&self, k: u64, v: u64);
    fn delete(&self, k: u64);
    fn load_or_store(&self, k: u64, v: u64) -> u64;
}

/// gomap's concurrent maps share sync.Map's method names.
macro_rules! gomap_maps {
    ($($t:ident),*) => {
        $(impl Map for $t<u64, u64> {
            fn new() -> Self {
                $t::new()
            }
            fn load(&self, k: u64) -> Option<u64> {
                $t::load(self, &k)
            }
            fn store(&self, k: u64, v: u64) {
                $t::store(self, k, v)
            }
            fn delete(&self, k: u64) {
                $t::delete(self, &k)
            }
            fn load_or_store(&self, k: u64, v: u64) -> u64 {
                $t::load_or_store(self, k, v).0
            }
        })*
    };
}

gomap_maps!(ConcurrentMap, HashTrieMap, RwLockMap);

impl Map for DashMap<u64, u64> {
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
    fn load_or_store(&self, k: u64, v: u64) -> u64 {
        *self.entry(k).or_insert(v)
    }
}

/// papaya pinned per operation, as ConcurrentMap is.
impl Map for papaya::HashMap<u64, u64> {
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
    fn load_or_store(&self, k: u64, v: u64) -> u64 {
        *self.pin().get_or_insert(k, v)
    }
}

fn read_recent<M: Map>(n: u64, rec: &mut Recorder) -> M {
    let keys: Vec<u64> = (0..n).map(splitmix).collect();
    let m = M::new();
    for i in 0..n as usize {
        rec.time(|| m.store(keys[i], i as u64));
        for back in 0..3 {
            let k = keys[i.saturating_sub(back)];
            black_box(rec.time(|| m.load(k)));
        }
    }
    m
}

fn read_recent_2t<M: Map>(n: u64, rec: &mut Recorder) -> M {
    let keys: Vec<u64> = (0..n).map(splitmix).collect();
    let m = M::new();
    let published = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let loader = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let mut r = Recorder::new();
            while !done.load(Ordering::Acquire) {
                let c = published.load(Ordering::Acquire);
                for back in 1..=3 {
                    if c >= back {
                        let k = keys[c - back];
                        black_box(r.time(|| m.load(k)));
                    }
                }
            }
            r
        });
        for (i, &k) in keys.iter().enumerate() {
            rec.time(|| m.store(k, i as u64));
            published.store(i + 1, Ordering::Release);
        }
        done.store(true, Ordering::Release);
        h.join().expect("loader")
    });
    rec.merge(&loader);
    m
}

fn churn<M: Map>(n: u64, steps: u64, rec: &mut Recorder) -> M {
    let m = M::new();
    for i in 0..n {
        m.store(splitmix(i), i);
    }
    for i in 0..steps {
        let (old, new) = (splitmix(i), splitmix(n + i));
        rec.time(|| m.delete(old));
        rec.time(|| m.store(new, i));
    }
    m
}

fn load_or_store<M: Map>(n: u64, rec: &mut Recorder) -> M {
    let m = M::new();
    let mut r = 0x2545_F491_4F6C_DD1Du64;
    for i in 0..n {
        black_box(rec.time(|| m.load_or_store(splitmix(i), i)));
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        let old = splitmix(((u128::from(r) * u128::from(i + 1)) >> 64) as u64);
        black_box(rec.time(|| m.load_or_store(old, i)));
    }
    m
}

fn run_on<M: Map>(workload: &str, rec: &mut Recorder) -> Result<(), String> {
    let m: M = match workload {
        "read-recent-2m" => read_recent(2_000_000, rec),
        "read-recent-2m-2t" => read_recent_2t(2_000_000, rec),
        "churn-1m" => churn(1_000_000, 2_000_000, rec),
        "load-or-store-2m" => load_or_store(2_000_000, rec),
        _ => return Err(format!("unknown workload {workload}")),
    };
    // Dropped outside the timed phase.
    drop(m);
    Ok(())
}

fn one(imp: &str, workload: &str, run: usize) -> Result<(), String> {
    let mut rec = Recorder::new();
    let t0 = Instant::now();
    match imp {
        "ConcurrentMap" => run_on::<ConcurrentMap<u64, u64>>(workload, &mut rec)?,
        "HashTrieMap" => run_on::<HashTrieMap<u64, u64>>(workload, &mut rec)?,
        "RwLockMap" => run_on::<RwLockMap<u64, u64>>(workload, &mut rec)?,
        "papaya" => run_on::<papaya::HashMap<u64, u64>>(workload, &mut rec)?,
        "dashmap" => run_on::<DashMap<u64, u64>>(workload, &mut rec)?,
        _ => return Err(format!("unknown impl {imp}")),
    }
    let wall_ms = t0.elapsed().as_secs_f64() * 1e3;
    println!("{}", rec.to_json(imp, workload, run, wall_ms));
    Ok(())
}

fn build_go(go: &Path) -> Result<(), String> {
    let bins: Vec<(&str, Option<&str>)> = GO_IMPLS.iter().map(|g| (g.1, g.2)).collect();
    procs::build_go(go, "benches/gosync", &[], &bins)
}

fn orchestrate(workloads: &[&str]) -> Result<(), String> {
    let runs: usize =
        std::env::var("GOMAP_CLAT_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let wanted = std::env::var("GOMAP_CLAT_IMPLS").ok();
    let pick = |name: &str| wanted.as_deref().is_none_or(|w| w.split(',').any(|x| x == name));
    let baseline = std::env::var_os("GOMAP_CLAT_BASELINE");
    let go_ok = std::env::var_os("GOMAP_CLAT_NO_GO").is_none()
        && GO_IMPLS.iter().any(|g| pick(g.0))
        && match procs::go_toolchain().and_then(|g| build_go(&g)) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("\n!!! concurrent_latency: NO GO ROWS: {e}\n");
                false
            }
        };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results: Vec<Value> = Vec::new();
    for run in 1..=runs {
        for w in workloads {
            let mut cmds: Vec<(String, Command)> = Vec::new();
            for imp in RUST_IMPLS.iter().filter(|i| pick(i)) {
                let mut c = Command::new(&me);
                c.args(["--one", imp, w, &run.to_string()]);
                cmds.push((imp.to_string(), c));
                if *imp == "ConcurrentMap" {
                    if let Some(b) = &baseline {
                        let mut c = Command::new(b);
                        c.args(["--one", imp, w, &run.to_string()]);
                        cmds.push(("ConcurrentMap-before".into(), c));
                    }
                }
            }
            for &(imp, bin, _) in GO_IMPLS.iter().filter(|g| go_ok && pick(g.0)) {
                let mut c = Command::new(out_dir().join(bin));
                let procs = if w.ends_with("-2t") { "2" } else { "1" };
                c.env("GOMAXPROCS", procs).args(["-latency", w, "-run", &run.to_string()]);
                cmds.push((imp.to_string(), c));
            }
            for (imp, cmd) in cmds {
                let mut v = measure(cmd, &format!("{imp} {w} run {run}"))?;
                v["impl"] = json!(imp);
                eprintln!("{}", brief(&v));
                results.push(v);
            }
        }
    }
    let jsonl: String = results.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(out_dir().join("concurrent_latency.jsonl"), jsonl).map_err(|e| e.to_string())?;
    report(workloads, &results)
}

fn report(workloads: &[&str], results: &[Value]) -> Result<(), String> {
    let mut md = String::new();
    for w in workloads {
        md.push_str(&table(w, results));
        let svg = plot(w, results);
        std::fs::write(out_dir().join(format!("clatency-{w}.svg")), &svg)
            .map_err(|e| e.to_string())?;
        if std::env::var_os("GOMAP_CLAT_DOCS").is_some() {
            std::fs::write(root().join(format!("docs/figures/clatency-{w}.svg")), &svg)
                .map_err(|e| e.to_string())?;
        }
    }
    print!("{md}");
    std::fs::write(out_dir().join("concurrent_latency.md"), &md).map_err(|e| e.to_string())
}

fn brief(v: &Value) -> String {
    format!(
        "{:<22} {:<18} run {} p50 {:>5} ns  p99.99 {:>9} ns  max {:>11} ns  >100us {:>4}  >1ms {:>3}",
        v["impl"].as_str().unwrap_or("?"),
        v["workload"].as_str().unwrap_or("?"),
        v["run"],
        v["p50_ns"],
        v["p9999_ns"],
        v["max_ns"],
        v["over_100us"],
        v["over_1ms"]
    )
}

fn impls(results: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in results {
        let i = v["impl"].as_str().unwrap_or("?").to_string();
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn us(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.0} us", ns as f64 / 1e3)
    }
}

/// A row per map: each run's figures side by side, comma-separated.
fn table(workload: &str, results: &[Value]) -> String {
    let mut s = format!(
        "\n### {workload} (each run)\n\n| map | p50 ns | p99 ns | p99.99 | max | > 10 us | > 100 us | > 1 ms |\n|---|---|---|---|---|---|---|---|\n"
    );
    for imp in impls(results) {
        let runs: Vec<&Value> =
            results.iter().filter(|v| v["workload"] == workload && v["impl"] == *imp).collect();
        if runs.is_empty() {
            continue;
        }
        let each =
            |f: &dyn Fn(&Value) -> String| runs.iter().map(|v| f(v)).collect::<Vec<_>>().join(", ");
        let n = |k: &'static str| move |v: &Value| v[k].as_u64().unwrap_or(0).to_string();
        let t = |k: &'static str| move |v: &Value| us(v[k].as_u64().unwrap_or(0));
        let _ = writeln!(
            s,
            "| {imp} | {} | {} | {} | {} | {} | {} | {} |",
            each(&n("p50_ns")),
            each(&n("p99_ns")),
            each(&t("p9999_ns")),
            each(&t("max_ns")),
            each(&n("over_10us")),
            each(&n("over_100us")),
            each(&n("over_1ms")),
        );
    }
    s
}

/// Percentile plot: x = log10(1/(1-p)), max at the right edge; y = latency, log scale.
fn plot(workload: &str, results: &[Value]) -> String {
    const W: f64 = 760.0;
    const H: f64 = 440.0;
    const L: f64 = 70.0;
    const R: f64 = 200.0;
    const T: f64 = 40.0;
    const B: f64 = 50.0;
    const COLORS: [&str; 8] =
        ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
    let xs = |p: f64| if p >= 100.0 { 7.0 } else { (1.0 / (1.0 - p / 100.0)).log10() };
    let px = |x: f64| L + x / 7.0 * (W - L - R);
    let py = |ns: f64| T + (1.0 - (ns.max(10.0).log10() - 1.0) / 8.0) * (H - T - B);
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
    for (k, imp) in impls(results).iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let dash = if imp.starts_with("go-") { "stroke-dasharray=\"6,3\"" } else { "" };
        let width = if imp.starts_with("ConcurrentMap") { "2.5" } else { "1.2" };
        for v in results.iter().filter(|v| v["workload"] == workload && v["impl"] == *imp) {
            let pts: Vec<String> = v["percentiles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|pv| Some((pv[0].as_f64()?, pv[1].as_f64()?)))
                .map(|(p, ns)| format!("{:.1},{:.1}", px(xs(p)), py(ns)))
                .collect();
            let _ = writeln!(s, "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\" {dash} stroke-opacity=\"0.8\" points=\"{}\"/>", pts.join(" "));
        }
        let y = T + 10.0 + 18.0 * k as f64;
        let _ = writeln!(s, "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"3\" {dash}/><text x=\"{}\" y=\"{}\">{imp}</text>", W - R + 12.0, W - R + 32.0, W - R + 38.0, y + 4.0);
    }
    s.push_str("</svg>\n");
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = if args.first().map(String::as_str) == Some("--one") {
        match &args[1..] {
            [imp, w, run] => one(imp, w, run.parse().unwrap_or(1)),
            _ => Err("--one takes <impl> <workload> <run>".into()),
        }
    } else if args.first().map(String::as_str) == Some("--report") {
        std::fs::read_to_string(out_dir().join("concurrent_latency.jsonl"))
            .map_err(|e| e.to_string())
            .and_then(|t| {
                let rs: Vec<Value> =
                    t.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
                report(&WORKLOADS, &rs)
            })
    } else {
        let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let ws: Vec<&str> = WORKLOADS
            .iter()
            .copied()
            .filter(|w| filters.is_empty() || filters.iter().any(|f| w.contains(f.as_str())))
            .collect();
        orchestrate(&ws)
    };
    if let Err(e) = r {
        eprintln!("concurrent_latency: {e}");
        std::process::exit(1);
    }
}
