//! Terminal pictures: each bmap as three rows (tophash, key, value), overflow buckets under it.

use super::{Bmap, Chain, Evacuation, Generation, Layout, LookupPath, SlotState};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

/// Options for [`render_text`].
#[derive(Clone, Debug, Default)]
pub struct TextOptions {
    /// Emit ANSI colours (the CLI turns this on when stdout is a terminal and `NO_COLOR` is
    /// unset, or for `--color always`).
    pub color: bool,
    /// Chains to mark with `>>`: those the last writes changed.
    pub highlight: Vec<(Generation, usize)>,
    /// Evacuations to list under the picture: which keys went from which old bucket to which
    /// new one.
    pub evacuations: Vec<Evacuation>,
    /// A lookup to mark on the chain it read.
    pub lookup: Option<LookupPath>,
    /// Print at most this many buckets per array (0 = all); the rest are summarised.
    pub max_buckets: usize,
}

/// Widest a key or value cell gets before it is clipped.
const WIDTH: usize = 8;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn paint(out: &mut String, color: bool, style: Style, text: &str) {
    if color {
        let _ = write!(out, "{style}{text}{style:#}");
    } else {
        out.push_str(text);
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= WIDTH {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(WIDTH - 1).collect();
        t.push('~');
        t
    }
}

/// The short label a tophash byte gets in a picture.
pub(crate) fn tophash_label(tophash: u8) -> String {
    match SlotState::of(tophash) {
        SlotState::EmptyRest => "rest".into(),
        SlotState::EmptyOne => "one".into(),
        SlotState::EvacuatedX => "evX".into(),
        SlotState::EvacuatedY => "evY".into(),
        SlotState::EvacuatedEmpty => "evE".into(),
        SlotState::Filled => format!("{tophash:02x}"),
    }
}

fn colour_of(state: SlotState, greyed: bool) -> Style {
    if greyed {
        return DIM;
    }
    match state {
        SlotState::Filled => AnsiColor::Green.on_default(),
        SlotState::EmptyOne => AnsiColor::Yellow.on_default(),
        SlotState::EmptyRest => DIM,
        _ => AnsiColor::BrightBlack.on_default(),
    }
}

fn bmap_rows(out: &mut String, opts: &Ctx, label: &str, b: &Bmap, greyed: bool) {
    let cell = |row: usize, i: usize| {
        let s = &b.slots[i];
        match row {
            0 => tophash_label(s.tophash),
            1 => s.key.as_deref().map_or("·".into(), clip),
            _ => s.value.as_deref().map_or("·".into(), clip),
        }
    };
    for (r, name) in ["tophash", "key", "value"].into_iter().enumerate() {
        let first = if r == 0 { label } else { "" };
        let _ = write!(out, "{first:<14}{name:<8}");
        for i in 0..b.slots.len() {
            let text = format!(" {:>w$}", cell(r, i), w = opts.width);
            paint(out, opts.color, colour_of(b.slots[i].state, greyed), &text);
        }
        out.push('\n');
    }
}

fn chain(out: &mut String, opts: &Ctx, array: Generation, c: &Chain, note: &str) {
    let greyed = array == Generation::Old && c.evacuated;
    let marked = opts.highlight.contains(&(array, c.index))
        || opts.lookup.as_ref().is_some_and(|l| l.trace.read == Some((array, c.index)));
    let mark = if marked { ">>" } else { "  " };
    let label = format!("{mark}bucket {}", c.index);
    bmap_rows(out, opts, &label, &c.bmaps[0], greyed);
    for (depth, b) in c.bmaps.iter().enumerate().skip(1) {
        let pre = if b.preallocated { ", prealloc" } else { "" };
        paint(
            out,
            opts.color,
            AnsiColor::Cyan.on_default(),
            &format!("  `-> overflow {depth}{pre}\n"),
        );
        bmap_rows(out, opts, "", b, greyed);
    }
    if !note.is_empty() {
        paint(out, opts.color, AnsiColor::Blue.on_default().bold(), &format!("  {note}\n"));
    }
}

fn array(out: &mut String, opts: &Ctx, layout: &Layout, which: Generation) {
    let chains = layout.array(which);
    let limit =
        if opts.max_buckets == 0 { chains.len() } else { opts.max_buckets.min(chains.len()) };
    for c in &chains[..limit] {
        if which == Generation::Old && c.index == layout.header.nevacuate {
            let mark = format!("  ---- nevacuate = {} ----\n", c.index);
            paint(out, opts.color, AnsiColor::Red.on_default().bold(), &mark);
        }
        let mut note = String::new();
        if let Some(l) = &opts.lookup {
            if l.trace.read == Some((which, c.index)) {
                note = lookup_note(l);
            }
        }
        if which == Generation::Old && c.evacuated {
            note = if note.is_empty() { "(evacuated)".into() } else { note };
        }
        chain(out, opts, which, c, &note);
    }
    if limit < chains.len() {
        let more = &chains[limit..];
        let entries: usize = more.iter().map(Chain::live).sum();
        let _ = writeln!(out, "  ... {} more buckets holding {entries} entries", more.len());
    }
}

/// Where an evacuation sent each key, as one line: `evacuated old bucket 0: 0 16 -> X 0, ...`.
pub(crate) fn evacuation_line(layout: &Layout, e: &Evacuation) -> String {
    let mut line = format!("evacuated old bucket {}:", e.oldbucket);
    if e.moves.is_empty() {
        line.push_str(" nothing to move");
    }
    // X first, then Y: each new bucket once, its keys in the order they moved.
    let mut first = true;
    for y in [false, true] {
        let moves: Vec<_> = e.moves.iter().filter(|m| m.y == y).collect();
        let Some(to) = moves.first().map(|m| m.to.0) else { continue };
        let keys: Vec<&str> = moves
            .iter()
            .map(|m| {
                let (b, depth, slot) = m.to;
                let bmap = layout.buckets.get(b).and_then(|c| c.bmaps.get(depth));
                bmap.and_then(|bm| bm.slots[slot].key.as_deref()).unwrap_or("?")
            })
            .collect();
        let sep = if first { "" } else { "," };
        let _ =
            write!(line, "{sep} {} -> {} bucket {to}", keys.join(" "), if y { "Y" } else { "X" });
        first = false;
    }
    line
}

pub(crate) fn lookup_note(l: &LookupPath) -> String {
    let t = &l.trace;
    let place = match t.read {
        Some((Generation::Old, index)) => format!("old bucket {index}"),
        Some((Generation::Current, index)) => format!("bucket {index}"),
        None => "no bucket array".into(),
    };
    let outcome = match t.found {
        Some((0, slot)) => format!("found in slot {slot}"),
        Some((depth, slot)) => format!("found in overflow {depth}, slot {slot}"),
        None => "not found".into(),
    };
    format!(
        "lookup {}: hash {:#018x} -> bucket {}, tophash {:02x}; read {place}: {} probes, {} key compares, {outcome}",
        l.key, t.hash, t.bucket, t.tophash, t.probes, t.key_compares
    )
}

/// One line with the hmap fields.
pub(crate) fn header_line(layout: &Layout) -> String {
    let h = &layout.header;
    let grow = match h.old_b {
        None => "not growing".to_string(),
        Some(old_b) => format!(
            "growing{} from {} old buckets, nevacuate {}",
            if h.same_size_grow { " (same size)" } else { "" },
            1usize << old_b,
            h.nevacuate
        ),
    };
    format!(
        "hmap: count {}, B {} (2^B = {} bucket{}), noverflow {}, {grow}",
        h.count,
        h.b,
        1usize << h.b,
        if h.b == 0 { "" } else { "s" },
        h.noverflow
    )
}

/// One line with the per-map figures.
pub(crate) fn figures_line(layout: &Layout) -> String {
    let f = layout.figures();
    let bytes = match (f.bytes_per_entry, f.overhead_per_entry) {
        (Some(b), Some(o)) => format!("{b:.1} bytes/entry ({o:.1} overhead)"),
        _ => "no entries".into(),
    };
    format!(
        "load {:.2}, {bytes}, chains avg {:.2} longest {}, probes per hit {:.2} per miss {:.2}",
        f.load_factor, f.avg_chain, f.longest_chain, f.probes_per_hit, f.probes_per_miss
    )
}

/// Options plus the column width every slot of this picture shares.
struct Ctx<'a> {
    opts: &'a TextOptions,
    width: usize,
}

impl std::ops::Deref for Ctx<'_> {
    type Target = TextOptions;
    fn deref(&self) -> &TextOptions {
        self.opts
    }
}

/// Renders `layout` for a terminal.
pub fn render_text(layout: &Layout, opts: &TextOptions) -> String {
    let width = layout
        .buckets
        .iter()
        .chain(layout.old_buckets.iter())
        .flat_map(|c| c.bmaps.iter())
        .flat_map(|b| b.slots.iter())
        .flat_map(|s| [s.key.as_deref(), s.value.as_deref()])
        .flatten()
        .map(|t| t.chars().count().min(WIDTH))
        .max()
        .unwrap_or(0)
        .max(4);
    let ctx = Ctx { opts, width };
    let opts = &ctx;
    let mut out = String::new();
    paint(&mut out, opts.color, BOLD, &header_line(layout));
    out.push('\n');
    let _ = writeln!(
        out,
        "      key {} ({} B), value {} ({} B), bmap {} B, allocated {} B",
        layout.types.key,
        layout.types.key_size,
        layout.types.value,
        layout.types.value_size,
        layout.types.bucket_bytes,
        layout.allocated_bytes
    );
    if layout.buckets.is_empty() {
        out.push_str("buckets: none yet (a B = 0 map allocates its bucket on the first insert)\n");
    } else {
        paint(&mut out, opts.color, BOLD, &format!("buckets ({}):\n", layout.buckets.len()));
        array(&mut out, opts, layout, Generation::Current);
    }
    if !layout.old_buckets.is_empty() {
        paint(
            &mut out,
            opts.color,
            BOLD,
            &format!(
                "oldbuckets ({}, evacuated below nevacuate = {}):\n",
                layout.old_buckets.len(),
                layout.header.nevacuate
            ),
        );
        array(&mut out, opts, layout, Generation::Old);
    }
    for e in &opts.evacuations {
        out.push_str(&evacuation_line(layout, e));
        out.push('\n');
    }
    out.push_str(&figures_line(layout));
    out.push('\n');
    out.push_str("tophash: hex = filled, rest = emptyRest, one = emptyOne, evX/evY = evacuatedX/Y, evE = evacuatedEmpty\n");
    out
}
