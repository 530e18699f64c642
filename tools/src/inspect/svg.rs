//! SVG pictures: a bucket is a row of 8 slots (tophash, key, value), overflow buckets are linked
//! boxes to its right, and mid-grow the old array stands left of the new one with nevacuate
//! marked and evacuated buckets greyed.

use super::text::{evacuation_line, figures_line, header_line, lookup_note, tophash_label};
use super::{Chain, Evacuation, Generation, Layout, LookupPath, SlotState};
use std::fmt::Write;

/// Options for [`render_svg`].
#[derive(Clone, Debug, Default)]
pub struct SvgOptions {
    /// A caption drawn above the header line.
    pub title: Option<String>,
    /// Chains outlined in orange: those the last writes changed.
    pub highlight: Vec<(Generation, usize)>,
    /// Evacuations to draw: each moved entry's new slot gets an X or Y mark, and while the old
    /// array is drawn, an arrow from its old slot.
    pub evacuations: Vec<Evacuation>,
    /// A lookup whose chain is outlined in blue, its found slot boxed, described under the
    /// picture.
    pub lookup: Option<LookupPath>,
    /// Draw at most this many buckets per array (0 = all); the rest are summarised.
    pub max_buckets: usize,
}

const SW: usize = 62; // slot width
const LH: usize = 17; // line height inside a slot
const BH: usize = 3 * LH; // bmap height
const RH: usize = BH + 22; // row pitch
const LABEL: usize = 124;
const LINK: usize = 34; // gap holding the overflow arrow
const BW: usize = 8 * SW;
const GAP: usize = 80; // between the old and the new column, where evacuation arrows run
const LEGEND_WIDTH: usize = 1120; // the legend rows, so they are never cut off
const X_COLOUR: &str = "#00796b";
const Y_COLOUR: &str = "#8e24aa";

/// Escapes text for SVG/HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 8 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(7).collect();
        t.push('…');
        t
    }
}

fn fill(state: SlotState) -> &'static str {
    match state {
        SlotState::Filled => "#d8f0d2",
        SlotState::EmptyOne => "#fde9a9",
        SlotState::EmptyRest => "#ffffff",
        SlotState::EvacuatedX | SlotState::EvacuatedY => "#d4d4d4",
        SlotState::EvacuatedEmpty => "#e8e8e8",
    }
}

struct Column<'a> {
    array: Generation,
    chains: &'a [Chain],
    x: usize,
    width: usize,
}

impl Column<'_> {
    /// Top-left corner of slot `slot` of bmap `depth` of bucket `index`, if it is drawn.
    fn slot_at(
        &self,
        top: usize,
        index: usize,
        depth: usize,
        slot: usize,
    ) -> Option<(usize, usize)> {
        let row = self.chains.iter().position(|c| c.index == index)?;
        (depth < self.chains[row].bmaps.len())
            .then(|| (self.x + LABEL + depth * (BW + LINK) + slot * SW, top + row * RH))
    }
}

fn column_width(chains: &[Chain]) -> usize {
    let longest = chains.iter().map(|c| c.bmaps.len()).max().unwrap_or(1);
    LABEL + longest * BW + (longest - 1) * LINK
}

/// A slot an evacuation filled or emptied: (array, bucket, bmap along its chain, slot).
type SlotAt = (Generation, usize, usize, usize);

/// What an evacuation did to a slot: the move, and the key that moved (from the new slot).
#[derive(Clone)]
struct SlotMark {
    /// Whether the entry went to Y rather than X.
    y: bool,
    oldbucket: usize,
    /// The new bucket it went to.
    to: usize,
    key: Option<String>,
}

/// Every slot the drawn evacuations filled (in the new array) or emptied (in the old one).
struct Marks(Vec<(SlotAt, SlotMark)>);

impl Marks {
    fn of(layout: &Layout, evacuations: &[Evacuation]) -> Marks {
        let mut slots = Vec::new();
        for e in evacuations {
            for m in &e.moves {
                let (to, depth, slot) = m.to;
                let key = layout
                    .buckets
                    .get(to)
                    .and_then(|c| c.bmaps.get(depth))
                    .and_then(|b| b.slots[slot].key.clone());
                let mark = SlotMark { y: m.y, oldbucket: e.oldbucket, to, key };
                slots.push(((Generation::Current, to, depth, slot), mark.clone()));
                slots.push(((Generation::Old, e.oldbucket, m.from.0, m.from.1), mark));
            }
        }
        Marks(slots)
    }

    /// The latest mark of a slot.
    fn get(&self, at: SlotAt) -> Option<&SlotMark> {
        self.0.iter().rev().find(|(k, _)| *k == at).map(|(_, v)| v)
    }
}

/// Renders `layout` as a standalone SVG document.
pub fn render_svg(layout: &Layout, opts: &SvgOptions) -> String {
    let limit = |n: usize| {
        if opts.max_buckets == 0 {
            n
        } else {
            n.min(opts.max_buckets)
        }
    };
    let cur = &layout.buckets[..limit(layout.buckets.len())];
    let old = &layout.old_buckets[..limit(layout.old_buckets.len())];
    let mut cols = Vec::new();
    let mut x = 10;
    if !old.is_empty() {
        let w = column_width(old);
        cols.push(Column { array: Generation::Old, chains: old, x, width: w });
        x += w + GAP;
    }
    let cw = column_width(cur).max(LABEL + BW);
    cols.push(Column { array: Generation::Current, chains: cur, x, width: cw });
    x += cw + 10;
    let mut notes: Vec<String> = Vec::new();
    if let Some(l) = &opts.lookup {
        notes.push(lookup_note(l));
    }
    notes.extend(opts.evacuations.iter().map(|e| evacuation_line(layout, e)));
    for (chains, all) in [(cur, &layout.buckets), (old, &layout.old_buckets)] {
        if chains.len() < all.len() {
            let entries: usize = all[chains.len()..].iter().map(Chain::live).sum();
            notes.push(format!(
                "… {} more buckets holding {entries} entries not drawn",
                all.len() - chains.len()
            ));
        }
    }
    // Monospace at 12px is about 7.3px a character; keep the longest text line inside.
    let longest_text = [header_line(layout), figures_line(layout)]
        .iter()
        .chain(&notes)
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0);
    let width = x.max(LEGEND_WIDTH).max(20 + longest_text * 15 / 2);
    let top = if opts.title.is_some() { 112 } else { 90 };
    let rows = cur.len().max(old.len()).max(1);
    let notes_y = top + rows * RH + 4;
    let legend_y = notes_y + notes.len() * 18 + 6;
    let height = legend_y + 2 * LEGEND_ROW + 4;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">"#
    );
    s.push('\n');
    let _ =
        writeln!(s, r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#fbfbf8"/>"##);
    let mut y = 22;
    if let Some(t) = &opts.title {
        let _ = writeln!(
            s,
            r#"<text x="10" y="{y}" font-size="16" font-weight="bold">{}</text>"#,
            esc(t)
        );
        y += 22;
    }
    let _ = writeln!(
        s,
        r#"<text x="10" y="{y}" font-weight="bold">{}</text>"#,
        esc(&header_line(layout))
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" fill="#555">{}</text>"##,
        y + 18,
        esc(&figures_line(layout))
    );
    let marks = Marks::of(layout, &opts.evacuations);
    for col in &cols {
        let title = match col.array {
            Generation::Current if layout.buckets.is_empty() => {
                "buckets: none yet (allocated on the first insert)".to_string()
            }
            Generation::Current => format!("buckets ({})", layout.buckets.len()),
            Generation::Old => format!(
                "oldbuckets ({}), nevacuate = {}",
                layout.old_buckets.len(),
                layout.header.nevacuate
            ),
        };
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-weight="bold">{}</text>"#,
            col.x,
            top - 24,
            esc(&title)
        );
        for (row, c) in col.chains.iter().enumerate() {
            let nevacuate = col.array == Generation::Old && c.index == layout.header.nevacuate;
            draw_chain(&mut s, opts, &marks, col, c, top + row * RH, nevacuate);
        }
    }
    draw_moves(&mut s, &cols, top, &opts.evacuations);
    for (i, n) in notes.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="10" y="{}" fill="#1f4f8a">{}</text>"##,
            notes_y + 12 + i * 18,
            esc(n)
        );
    }
    legend(&mut s, legend_y);
    s.push_str("</svg>\n");
    s
}

/// An arrow from each moved entry's old slot to its new one, where both are drawn. It runs
/// along the gaps, never across a slot: down into the gap under the old row, right to the gap
/// between the columns (X and Y each on their own track), along it to the gap over the new row,
/// and down into the new slot.
fn draw_moves(s: &mut String, cols: &[Column], top: usize, evacuations: &[Evacuation]) {
    let (Some(old), Some(new)) = (
        cols.iter().find(|c| c.array == Generation::Old),
        cols.iter().find(|c| c.array == Generation::Current),
    ) else {
        return;
    };
    let half_gap = (RH - BH) / 2;
    for e in evacuations {
        for m in &e.moves {
            let (from, to) = (
                old.slot_at(top, e.oldbucket, m.from.0, m.from.1),
                new.slot_at(top, m.to.0, m.to.1, m.to.2),
            );
            let (Some((fx, fy)), Some((tx, ty))) = (from, to) else { continue };
            let (colour, track) = if m.y {
                (Y_COLOUR, old.x + old.width + GAP / 2 + 8)
            } else {
                (X_COLOUR, old.x + old.width + GAP / 2 - 8)
            };
            let (x0, y0) = (fx + SW / 2, fy + BH);
            let (x1, y1) = (tx + SW / 2 + 8, ty - 1);
            let (ya, yb) = (y0 + half_gap, ty - half_gap);
            let _ = writeln!(
                s,
                r##"<path class="move" data-from="{} {} {}" data-to="{} {} {}" d="M{x0},{y0} V{ya} H{track} V{yb} H{x1} V{}" fill="none" stroke="{colour}" stroke-width="1.5" stroke-opacity="0.75" stroke-linejoin="round"/><polygon points="{x1},{y1} {},{} {},{}" fill="{colour}"/>"##,
                e.oldbucket,
                m.from.0,
                m.from.1,
                m.to.0,
                m.to.1,
                m.to.2,
                y1 - 5,
                x1 - 4,
                y1 - 6,
                x1 + 4,
                y1 - 6
            );
        }
    }
}

fn draw_chain(
    s: &mut String,
    opts: &SvgOptions,
    marks: &Marks,
    col: &Column,
    c: &Chain,
    y: usize,
    nevacuate: bool,
) {
    let greyed = col.array == Generation::Old && c.evacuated;
    let _ = writeln!(
        s,
        r#"<g class="chain" data-array="{}" data-index="{}">"#,
        match col.array {
            Generation::Current => "buckets",
            Generation::Old => "oldbuckets",
        },
        c.index
    );
    let dim = if greyed { r##" fill="#888""## } else { "" };
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-weight="bold"{dim}>bucket {}</text>"#,
        col.x,
        y + BH / 2 + 4,
        c.index
    );
    // Under the label: why an old bucket looks as it does.
    if greyed {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" fill="#888" font-size="11">evacuated</text>"##,
            col.x,
            y + BH / 2 + 18
        );
    } else if nevacuate {
        let _ = writeln!(
            s,
            r##"<text class="nevacuate" x="{}" y="{}" fill="#c62828" font-size="11" font-weight="bold">&#x25B6; nevacuate</text>"##,
            col.x,
            y + BH / 2 + 18
        );
    }
    for (row, name) in ["tophash", "key", "value"].iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" fill="#777" font-size="10" text-anchor="end">{name}</text>"##,
            col.x + LABEL - 12,
            y + (row + 1) * LH - 5
        );
    }
    let opacity = if greyed { r#" opacity="0.5""# } else { "" };
    for (depth, b) in c.bmaps.iter().enumerate() {
        let bx = col.x + LABEL + depth * (BW + LINK);
        if depth > 0 {
            // A drawn arrowhead, not a <marker>: pages hold many SVGs, and a marker defined
            // in a hidden one does not render in the others.
            overflow_arrow(s, bx - LINK, y + BH / 2, b.preallocated);
        }
        let _ = writeln!(s, r#"<g class="bmap"{opacity}>"#);
        for (i, slot) in b.slots.iter().enumerate() {
            let sx = bx + i * SW;
            let st = slot.state;
            let _ = writeln!(
                s,
                r##"<rect x="{sx}" y="{y}" width="{SW}" height="{BH}" fill="{}" stroke="#666" stroke-width="0.8"><title>slot {i}: tophash {} ({})</title></rect>"##,
                fill(st),
                slot.tophash,
                st.name()
            );
            let cx = sx + SW / 2;
            let weight = if st == SlotState::Filled { "bold" } else { "normal" };
            let _ = writeln!(
                s,
                r##"<text x="{cx}" y="{}" text-anchor="middle" font-weight="{weight}" fill="#333">{}</text>"##,
                y + LH - 4,
                esc(&tophash_label(slot.tophash))
            );
            if let (Some(k), Some(v)) = (&slot.key, &slot.value) {
                let _ = writeln!(
                    s,
                    r##"<text x="{cx}" y="{}" text-anchor="middle">{}</text><text x="{cx}" y="{}" text-anchor="middle" fill="#555">{}</text>"##,
                    y + 2 * LH - 4,
                    esc(&clip(k)),
                    y + 3 * LH - 4,
                    esc(&clip(v))
                );
            }
        }
        s.push_str("</g>\n");
        let _ = writeln!(
            s,
            r##"<rect x="{bx}" y="{y}" width="{BW}" height="{BH}" fill="none" stroke="#222" stroke-width="1.4"/>"##
        );
        for i in 0..b.slots.len() {
            if let Some(mark) = marks.get((col.array, c.index, depth, i)) {
                move_mark(s, col.array, bx + i * SW, y, mark);
            }
        }
    }
    let chain_w = c.bmaps.len() * BW + (c.bmaps.len() - 1) * LINK;
    let x0 = col.x + LABEL;
    if opts.highlight.contains(&(col.array, c.index)) {
        let _ = writeln!(
            s,
            r##"<rect class="touched" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#ef6c00" stroke-width="3" rx="4"/>"##,
            x0 - 4,
            y - 4,
            chain_w + 8,
            BH + 8
        );
    }
    if let Some(l) = &opts.lookup {
        if l.trace.read == Some((col.array, c.index)) {
            let _ = writeln!(
                s,
                r##"<rect class="lookup" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#1565c0" stroke-width="2.5" stroke-dasharray="8 4" rx="6"/>"##,
                x0 - 8,
                y - 8,
                chain_w + 16,
                BH + 16
            );
            if let Some((depth, slot)) = l.trace.found {
                let _ = writeln!(
                    s,
                    r##"<rect class="found" x="{}" y="{}" width="{SW}" height="{BH}" fill="none" stroke="#1565c0" stroke-width="3.5"><title>the lookup found its key here</title></rect>"##,
                    x0 + depth * (BW + LINK) + slot * SW,
                    y
                );
            }
        }
    }
    s.push_str("</g>\n");
}

/// The arrow from a bmap to its overflow bucket, `pre` over it when the bucket came from the
/// array's preallocated tail.
fn overflow_arrow(s: &mut String, x: usize, ay: usize, preallocated: bool) {
    let tip = x + LINK - 2;
    let _ = writeln!(
        s,
        r##"<line x1="{}" y1="{ay}" x2="{}" y2="{ay}" stroke="#3b6ea8" stroke-width="2"/><polygon points="{tip},{ay} {},{} {},{}" fill="#3b6ea8"/>"##,
        x + 2,
        tip - 8,
        tip - 10,
        ay - 6,
        tip - 10,
        ay + 6
    );
    if preallocated {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" fill="#3b6ea8" font-size="10">pre</text>"##,
            x + 4,
            ay - 5
        );
    }
}

/// The X or Y badge of a slot an evacuation filled or emptied; an emptied old slot also names
/// the key that left and its new bucket.
fn move_mark(s: &mut String, array: Generation, sx: usize, y: usize, mark: &SlotMark) {
    let SlotMark { y: to_y, oldbucket, to, key } = mark;
    let (letter, colour) = if *to_y { ("Y", Y_COLOUR) } else { ("X", X_COLOUR) };
    let what = match array {
        Generation::Current => format!("moved here from old bucket {oldbucket} ({letter})"),
        Generation::Old => format!("moved to bucket {to} ({letter})"),
    };
    let _ = writeln!(
        s,
        r##"<g class="moved-{}"><rect x="{}" y="{}" width="13" height="13" fill="{colour}"/><text x="{}" y="{}" fill="#fff" font-size="10" font-weight="bold" text-anchor="middle">{letter}</text><title>{}</title></g>"##,
        match array {
            Generation::Current => "in",
            Generation::Old => "out",
        },
        sx + SW - 13,
        y,
        sx + SW - 6,
        y + 10,
        esc(&what)
    );
    if array == Generation::Old {
        let cx = sx + SW / 2;
        if let Some(k) = key {
            let _ = writeln!(
                s,
                r##"<text x="{cx}" y="{}" text-anchor="middle" fill="#777">{}</text>"##,
                y + 2 * LH - 4,
                esc(&clip(k))
            );
        }
        let _ = writeln!(
            s,
            r##"<text x="{cx}" y="{}" text-anchor="middle" fill="{colour}" font-weight="bold">&#x2192; {to}</text>"##,
            y + 3 * LH - 4
        );
    }
}

/// Height of one legend row.
const LEGEND_ROW: usize = 22;

fn legend(s: &mut String, y: usize) {
    let items = [
        (SlotState::Filled, "filled (tophash in hex)"),
        (SlotState::EmptyOne, "emptyOne"),
        (SlotState::EmptyRest, "emptyRest"),
        (SlotState::EvacuatedX, "evacuatedX/Y"),
        (SlotState::EvacuatedEmpty, "evacuatedEmpty"),
    ];
    let mut x = 10;
    for (st, name) in items {
        let _ = writeln!(
            s,
            r##"<rect x="{x}" y="{y}" width="14" height="14" fill="{}" stroke="#666"/><text x="{}" y="{}">{name}</text>"##,
            fill(st),
            x + 20,
            y + 11
        );
        x += 30 + name.len() * 8;
    }
    let _ = writeln!(
        s,
        r##"<rect x="{x}" y="{}" width="22" height="12" fill="none" stroke="#ef6c00" stroke-width="3"/><text x="{}" y="{}">touched by the writes</text>"##,
        y + 1,
        x + 28,
        y + 11
    );
    let (mut x, y) = (10, y + LEGEND_ROW);
    let _ = writeln!(
        s,
        r##"<rect x="{x}" y="{}" width="22" height="12" fill="none" stroke="#1565c0" stroke-width="3" stroke-dasharray="5 3"/><text x="{}" y="{}">chain a lookup read</text>"##,
        y + 1,
        x + 28,
        y + 11
    );
    x += 200;
    for (letter, colour, what) in
        [("X", X_COLOUR, "moved to the same index"), ("Y", Y_COLOUR, "moved to index + old size")]
    {
        let _ = writeln!(
            s,
            r##"<rect x="{x}" y="{y}" width="13" height="13" fill="{colour}"/><text x="{}" y="{}" fill="#fff" font-size="10" font-weight="bold" text-anchor="middle">{letter}</text><text x="{}" y="{}">{what}</text>"##,
            x + 7,
            y + 10,
            x + 20,
            y + 11
        );
        x += 30 + what.len() * 8;
    }
    overflow_arrow(s, x, y + 7, true);
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}">overflow bucket (pre: from the array's preallocated tail)</text>"##,
        x + LINK + 6,
        y + 11
    );
}
