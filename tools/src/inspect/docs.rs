//! The figures in docs/, generated from live maps.
//!
//! Markdown files carry marked blocks:
//!
//! ```text
//! <!-- gomap:figure NAME -->
//! ...generated...
//! <!-- gomap:end -->
//! ```
//!
//! [`regenerate`] rewrites what lies between the markers in docs/*.md and in the README beside
//! docs/ (and the standalone SVG/HTML files);
//! [`check`] reports what is out of date. Every figure uses a fixed hasher, so the output is the
//! same on every machine.

use super::swiss_tour;
use super::tour::{self, Frame};
use super::{render_text, snapshot, FixedState, Generation, Layout, TextOptions};
use gomap::map::raw::BucketShape;
use gomap::map::{LOAD_FACTOR_DEN, LOAD_FACTOR_NUM};
use gomap::GoMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A figure's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Preformatted text, fenced as a `text` code block.
    Text(String),
    /// Markdown (tables), inserted as is.
    Markdown(String),
}

/// A named figure that markdown files embed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    /// The name used in the `gomap:figure` marker.
    pub name: &'static str,
    /// The content.
    pub body: Body,
}

const START: &str = "<!-- gomap:figure ";
const END: &str = "<!-- gomap:end -->";

/// The command that regenerates everything, quoted in error messages.
pub const REGENERATE: &str = "cargo run --release -- docs";

fn frame<'a>(frames: &'a [Frame], title: &str) -> (usize, &'a Frame) {
    frames
        .iter()
        .enumerate()
        .find(|(_, f)| f.title == title)
        .map(|(i, f)| (i + 1, f))
        .unwrap_or_else(|| panic!("the tour has no frame titled {title:?}"))
}

/// The map `gomap layout --n N --key-type u64` draws: keys 0..N, each its own value.
pub fn map_u64(n: u64) -> GoMap<u64, u64, FixedState> {
    let mut m = GoMap::with_hasher(FixedState::with_seed(0));
    for k in 0..n {
        m.insert(k, k);
    }
    m
}

/// The map `gomap layout --n N --key-type string` draws: keys "key-0".."key-{N-1}".
pub fn map_string(n: u64) -> GoMap<String, u64, FixedState> {
    let mut m = GoMap::with_hasher(FixedState::with_seed(0));
    for k in 0..n {
        m.insert(format!("key-{k}"), k);
    }
    m
}

/// A snapshot of [`map_u64`].
pub fn layout_u64(n: u64) -> Layout {
    snapshot(&map_u64(n))
}

fn size_row<K, V>(out: &mut String, k: &str, v: &str) {
    let shape = BucketShape::of::<K, V>();
    let (ks, ka, vs, va) = (shape.key_slot, shape.key_align, shape.elem_slot, shape.elem_align);
    let real = shape.size;
    // The same slots laid out as key/value pairs side by side, each pair padded to its
    // alignment: the layout Go's bmap avoids.
    let up = |n: usize, a: usize| n.div_ceil(a) * a;
    let pair = up(up(ks, va) + vs, ka.max(va));
    let interleaved = up(up(up(8, ka.max(va)) + 8 * pair, 8) + 8, shape.align);
    let stored = match (shape.indirect_key, shape.indirect_elem) {
        (true, true) => "key and value boxed",
        (true, false) => "key boxed",
        (false, true) => "value boxed",
        (false, false) => "inline",
    };
    let _ = writeln!(
        out,
        "| `{k}` | `{v}` | {} | {} | {stored} | {real} | {interleaved} | {:.1} |",
        std::mem::size_of::<K>(),
        std::mem::size_of::<V>(),
        real as f64 / 8.0
    );
}

fn sizes_table() -> String {
    let mut t = String::from(
        "| key | value | key bytes | value bytes | stored | bmap bytes (keys, then values) | bmap bytes if k/v/k/v | bmap bytes per slot |\n|---|---|---:|---:|---|---:|---:|---:|\n",
    );
    size_row::<u64, u64>(&mut t, "u64", "u64");
    size_row::<u64, u8>(&mut t, "u64", "u8");
    size_row::<u8, u64>(&mut t, "u8", "u64");
    size_row::<u32, u16>(&mut t, "u32", "u16");
    size_row::<String, u64>(&mut t, "String", "u64");
    size_row::<u64, [u8; 100]>(&mut t, "u64", "[u8; 100]");
    size_row::<u64, [u8; 200]>(&mut t, "u64", "[u8; 200]");
    size_row::<[u8; 200], u64>(&mut t, "[u8; 200]", "u64");
    t
}

fn memory_table() -> String {
    let mut t = String::from(
        "| entries | B | buckets | overflow buckets | allocated bytes | bytes/entry | overhead/entry |\n|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut m: GoMap<u64, u64, FixedState> = GoMap::with_hasher(FixedState::with_seed(0));
    let stops = [1u64, 8, 9, 13, 14, 26, 27, 100, 1_000, 10_000, 100_000];
    let mut k = 0;
    for n in stops {
        while k < n {
            m.insert(k, k);
            k += 1;
        }
        let l = snapshot(&m);
        let f = l.figures();
        let _ = writeln!(
            t,
            "| {n} | {} | {} | {} | {} | {:.1} | {:.1} |",
            l.header.b,
            l.buckets.len(),
            f.overflow_buckets,
            l.allocated_bytes,
            f.bytes_per_entry.unwrap_or(0.0),
            f.overhead_per_entry.unwrap_or(0.0)
        );
    }
    t
}

/// B of the load-factor table's map: 4096 buckets.
pub const GROWTH_TABLE_B: u8 = 12;

fn growth_table() -> String {
    let nb = 1usize << GROWTH_TABLE_B;
    let mut t = String::from(
        "| load factor | entries | %overflow | overflow buckets | noverflow | bytes/entry (overhead) | hitprobe | missprobe |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    // Sized for the load factor (6.5 per bucket) at B = GROWTH_TABLE_B.
    let hint = nb * LOAD_FACTOR_NUM / LOAD_FACTOR_DEN;
    let mut m: GoMap<u64, u64, FixedState> =
        GoMap::with_capacity_and_hasher(hint, FixedState::with_seed(0));
    let mut k = 0u64;
    for tenths in [40usize, 45, 50, 55, 60, 65] {
        let n = nb * tenths / 10;
        while (k as usize) < n {
            m.insert(k, k);
            k += 1;
        }
        let l = snapshot(&m);
        let f = l.figures();
        let _ = writeln!(
            t,
            "| {:.2} | {n} | {:.2} | {} | {} | {:.2} | {:.2} | {:.2} |",
            f.load_factor,
            100.0 * f.overflow_share,
            f.overflow_buckets,
            l.header.noverflow,
            f.overhead_per_entry.unwrap_or(0.0),
            f.probes_per_hit,
            f.probes_per_miss
        );
    }
    // One more entry crosses 6.5 and the map doubles: the load halves.
    m.insert(k, k);
    while m.stats().growing {
        m.insert(k, k);
    }
    let l = snapshot(&m);
    let f = l.figures();
    let _ = writeln!(
        t,
        "| {:.2} (after the next insert doubled B to {}) | {} | {:.2} | {} | {} | {:.2} | {:.2} | {:.2} |",
        f.load_factor,
        l.header.b,
        l.header.count,
        100.0 * f.overflow_share,
        f.overflow_buckets,
        l.header.noverflow,
        f.overhead_per_entry.unwrap_or(0.0),
        f.probes_per_hit,
        f.probes_per_miss
    );
    t
}

fn trace_changes(n: u64) -> String {
    let tsv = super::trace::run(n);
    let mut lines = tsv.lines();
    let mut out = String::new();
    out.push_str(lines.next().unwrap_or_default());
    out.push('\n');
    let mut prev: Option<Vec<String>> = None;
    for line in lines {
        let cols: Vec<String> = line.split('\t').map(str::to_string).collect();
        // Print a row when anything but step, op and count changed.
        let changed = match &prev {
            Some(p) => p[3..] != cols[3..],
            None => true,
        };
        if changed {
            out.push_str(line);
            out.push('\n');
        }
        prev = Some(cols);
    }
    out
}

fn hashing_table() -> String {
    let mut m = GoMap::with_capacity_and_hasher(40, FixedState::with_seed(0));
    let words = ["apple", "banana", "cherry", "date", "elder", "fig", "grape", "hazel"];
    for (i, w) in words.iter().enumerate() {
        m.insert(w.to_string(), i);
    }
    let l = snapshot(&m);
    let b = l.header.b;
    let mut t = format!(
        "Map of {} words, B = {b}: bucket = low {b} bits of the hash, tophash = top byte (lifted past 4).\n\n| key | hash | low {b} bits = bucket | top byte = tophash | where the live map holds it |\n|---|---|---:|---:|---|\n",
        words.len()
    );
    for w in words {
        // The map's own lookup says where the key went; the snapshot shows what is there.
        let p = m.raw().trace_lookup(w);
        let place = match (p.read, p.found) {
            (Some((g, bi)), Some((depth, slot))) => {
                let th = l.array(g)[bi].bmaps[depth].slots[slot].tophash;
                format!("bucket {bi}, slot {slot}, tophash {th:#04x}")
            }
            _ => "missing".into(),
        };
        let (h, bucket, top) = (p.hash, p.bucket, p.tophash);
        let _ = writeln!(t, "| `{w}` | `{h:#018x}` | {bucket} | `{top:#04x}` | {place} |");
    }
    t
}

fn queue_churn() -> String {
    // An NSQ-style in-flight index: message id -> offset, keeping the newest WINDOW ids.
    const WINDOW: u64 = 1000;
    const MESSAGES: u64 = 200_000;
    let mut m: GoMap<u64, u64, FixedState> = GoMap::with_hasher(FixedState::with_seed(7));
    let mut out = String::from(
        "| message id | count | B | noverflow | growing | same-size | event |\n|---:|---:|---:|---:|---|---|---|\n",
    );
    let mut prev = m.stats();
    let (mut same_size, mut doublings, mut printed) = (0, 0, 0);
    for id in 0..MESSAGES {
        m.insert(id, id * 64);
        if id >= WINDOW {
            m.remove(&(id - WINDOW));
        }
        let st = m.stats();
        if st.b != prev.b {
            doublings += 1;
        }
        let event = match (prev.growing, st.growing) {
            (false, true) if st.same_size_grow => {
                same_size += 1;
                "same-size grow starts"
            }
            (false, true) => "doubling starts",
            (true, false) => "grow done",
            (false, false) if st.b != prev.b => "doubled and finished in the same write",
            _ => "",
        };
        // The first events tell the story; the summary line counts the rest.
        if !event.is_empty() && printed < 16 {
            printed += 1;
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} | {} | {} | {event} |",
                st.len, st.b, st.noverflow, st.growing, st.same_size_grow
            );
        }
        prev = st;
    }
    let st = m.stats();
    let _ = writeln!(
        out,
        "\nAfter {MESSAGES} messages: count {}, B {}, noverflow {}; {doublings} doublings, {same_size} same-size grow(s).",
        st.len, st.b, st.noverflow
    );
    out
}

/// The tour's half-grown map: 26 keys at B = 2, then key 28 starts the grow to B = 3.
pub fn half_grown_map() -> GoMap<u64, u64, super::ModuloState> {
    let mut m = GoMap::with_hasher(super::ModuloState);
    for k in (0..=25).chain([28]) {
        m.insert(k, k * 10);
    }
    m
}

fn iteration_figure() -> String {
    let m = half_grown_map();
    let (start, offset) = (5, 3);
    let mut out = format!(
        "map: {}\nstart bucket {start}, slot offset {offset} (a real iterator draws both at random)\n\n",
        super::text::header_line(&snapshot(&m))
    );
    // The map's own mapiternext from that start, reporting each step.
    for step in m.raw().walk(start, offset) {
        let from = match step.read {
            (Generation::Current, i) => format!("buckets[{i}]"),
            (Generation::Old, i) => format!("oldbuckets[{i}]"),
        };
        let keys: Vec<String> = step.entries.iter().map(|(k, _)| k.to_string()).collect();
        let mut line =
            format!("bucket {}  reads {from:<14} yields {:<12}", step.bucket, keys.join(" "));
        if let Some(sibling) = step.skipped_to {
            let _ = write!(line, " skips {} key(s) of bucket {sibling}", step.skipped);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Every figure embedded in docs/*.md.
pub fn figures() -> Vec<Figure> {
    let frames = tour::frames();
    let text = |f: &Frame| Body::Text(f.text(false));
    let plain = TextOptions::default();
    vec![
        Figure { name: "readme", body: text(frame(&frames, "The first overflow bucket").1) },
        Figure { name: "layout-u64-20", body: Body::Text(render_text(&layout_u64(20), &plain)) },
        Figure { name: "layout-sizes", body: Body::Markdown(sizes_table()) },
        Figure { name: "memory-per-entry", body: Body::Markdown(memory_table()) },
        Figure { name: "growth-table", body: Body::Markdown(growth_table()) },
        Figure { name: "growth-trace", body: Body::Text(trace_changes(60)) },
        Figure { name: "half-grown", body: text(frame(&frames, "A grow half done").1) },
        Figure {
            name: "lookup-old",
            body: text(frame(&frames, "A lookup that reads an old bucket").1),
        },
        Figure { name: "deletes", body: text(frame(&frames, "Deletes leave emptyRest").1) },
        Figure { name: "iteration-walk", body: Body::Text(iteration_figure()) },
        Figure { name: "hashing-example", body: Body::Markdown(hashing_table()) },
        Figure { name: "queue-churn", body: Body::Markdown(queue_churn()) },
    ]
    .into_iter()
    .chain(swiss_tour::frames().into_iter().map(|f| Figure {
        name: f.figure,
        body: if f.markdown { Body::Markdown(f.body) } else { Body::Text(f.body) },
    }))
    .collect()
}

/// Standalone files under docs/ (path relative to docs/, content).
pub fn files() -> Vec<(&'static str, String)> {
    let frames = tour::frames();
    let svg = |title: &str| {
        let (n, f) = frame(&frames, title);
        f.svg(Some(n))
    };
    vec![
        ("figures/overflow.svg", svg("The first overflow bucket")),
        ("figures/half-grown.svg", svg("A grow half done")),
        ("figures/lookup-old.svg", svg("A lookup that reads an old bucket")),
        ("figures/deletes.svg", svg("Deletes leave emptyRest")),
        ("figures/same-size-grow.svg", svg("A same-size grow")),
        ("tour.html", tour::html(&frames)),
    ]
}

/// Replaces every marked block of `md` with its figure.
///
/// # Errors
/// An unknown figure name or a block without its end marker.
pub fn splice(md: &str, figures: &[Figure]) -> Result<String, String> {
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(at) = rest.find(START) {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        let line_end = tail.find('\n').ok_or("a gomap:figure marker ends the file")?;
        let marker = &tail[..line_end];
        let name = marker[START.len()..].trim_end().trim_end_matches("-->").trim();
        let fig = figures
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| format!("unknown figure {name:?}"))?;
        let body_start = &tail[line_end + 1..];
        let end =
            body_start.find(END).ok_or_else(|| format!("figure {name:?} has no {END} marker"))?;
        out.push_str(marker);
        out.push('\n');
        match &fig.body {
            Body::Text(t) => {
                out.push_str("```text\n");
                out.push_str(t);
                if !t.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```\n");
            }
            Body::Markdown(t) => {
                out.push_str(t);
                if !t.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out.push_str(END);
        rest = &body_start[end + END.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

fn markdown_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    v.sort();
    Ok(v)
}

/// What [`regenerate`] or [`check`] would write: (path, new content) for every file whose
/// content differs from `dir`'s.
///
/// # Errors
/// An unreadable docs directory or a bad marker.
pub fn stale(dir: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let figs = figures();
    let mut out = Vec::new();
    let mut md = markdown_files(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    // The crate's README shows a figure too; it sits beside docs/.
    if let Some(readme) = dir.parent().map(|p| p.join("README.md")).filter(|p| p.is_file()) {
        md.push(readme);
    }
    let mut texts = Vec::new();
    for p in md {
        let old =
            std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        texts.push((p, old));
    }
    // gomap's own docs carry figure markers; a docs/ without one is someone else's, and the
    // tour page and figures are not written into it.
    if !texts.iter().any(|(_, t)| t.contains(START)) {
        return Err(format!(
            "{} is not gomap's docs directory: none of its .md files, nor the README beside it, \
             holds a `{START}NAME -->` marker (run it in gomap's checkout, or name that \
             checkout's docs with --out)",
            dir.display()
        ));
    }
    for (p, old) in texts {
        let new = splice(&old, &figs).map_err(|e| format!("{}: {e}", p.display()))?;
        if new != old {
            out.push((p, new));
        }
    }
    for (rel, content) in files() {
        let p = dir.join(rel);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(content.as_str()) {
            out.push((p, content));
        }
    }
    Ok(out)
}

/// Regenerates every figure under `dir`; returns the files it rewrote.
///
/// # Errors
/// A bad marker or an I/O failure, as one line.
pub fn regenerate(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let todo = stale(dir)?;
    let mut written = Vec::new();
    for (p, content) in todo {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&p, content).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}

/// Lists the files under `dir` whose figures are out of date.
///
/// # Errors
/// A bad marker or an unreadable directory.
pub fn check(dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(stale(dir)?.into_iter().map(|(p, _)| p).collect())
}
