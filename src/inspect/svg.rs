//! SVG pictures: a bucket is a row of 8 slots (tophash, key, value), overflow buckets are linked
//! boxes to its right, and mid-grow the old array stands left of the new one with nevacuate
//! marked and evacuated buckets greyed.

use super::text::{figures_line, header_line, lookup_note, tophash_label};
use super::{Chain, Generation, Layout, LookupPath, SlotState};
use std::fmt::Write;

/// Options for [`render_svg`].
#[derive(Clone, Debug, Default)]
pub struct SvgOptions {
    /// A caption drawn above the header line.
    pub title: Option<String>,
    /// Buckets outlined in orange, e.g. the one the last write touched.
    pub highlight: Vec<(Generation, usize)>,
    /// A lookup whose chain is outlined in blue and described under the picture.
    pub lookup: Option<LookupPath>,
    /// Draw at most this many buckets per array (0 = all); the rest are summarised.
    pub max_buckets: usize,
}

const SW: usize = 62; // slot width
const LH: usize = 17; // line height inside a slot
const BH: usize = 3 * LH; // bmap height
const RH: usize = BH + 18; // row pitch
const LABEL: usize = 124;
const LINK: usize = 34; // gap holding the overflow arrow
const BW: usize = 8 * SW;
const LEGEND_WIDTH: usize = 970; // the legend row, so it is never cut off

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

fn column_width(chains: &[Chain]) -> usize {
    let longest = chains.iter().map(|c| c.bmaps.len()).max().unwrap_or(1);
    LABEL + longest * BW + (longest - 1) * LINK
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
        x += w + 60;
    }
    let cw = column_width(cur).max(LABEL + BW);
    cols.push(Column { array: Generation::Current, chains: cur, x, width: cw });
    x += cw + 10;
    // Monospace at 12px is about 7.3px a character; keep the longest text line inside.
    let longest_text = [header_line(layout), figures_line(layout)]
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0);
    let note_len = opts.lookup.as_ref().map_or(0, |l| lookup_note(l).chars().count());
    let width = x.max(LEGEND_WIDTH).max(20 + longest_text.max(note_len) * 15 / 2);
    let top = if opts.title.is_some() { 96 } else { 74 };
    let rows = cur.len().max(old.len()).max(1);
    let notes_y = top + rows * RH + 8;
    let mut notes: Vec<String> = Vec::new();
    if let Some(l) = &opts.lookup {
        notes.push(lookup_note(l));
    }
    for (chains, all) in [(cur, &layout.buckets), (old, &layout.old_buckets)] {
        if chains.len() < all.len() {
            let entries: usize = all[chains.len()..].iter().map(Chain::live).sum();
            notes.push(format!(
                "… {} more buckets holding {entries} entries not drawn",
                all.len() - chains.len()
            ));
        }
    }
    let legend_y = notes_y + notes.len() * 18 + 6;
    let height = legend_y + 34;

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
            top - 8,
            esc(&title)
        );
        for (row, c) in col.chains.iter().enumerate() {
            draw_chain(&mut s, opts, col, c, top + row * RH);
        }
        if col.array == Generation::Old {
            let nev = layout.header.nevacuate;
            if let Some(row) = col.chains.iter().position(|c| c.index == nev) {
                let ly = top + row * RH - 6;
                let _ = writeln!(
                    s,
                    r##"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="#c62828" stroke-width="2" stroke-dasharray="6 3"/><text x="{}" y="{}" fill="#c62828" font-weight="bold" text-anchor="end">nevacuate = {nev} ▼</text>"##,
                    col.x,
                    col.x + col.width,
                    col.x + col.width,
                    ly - 3
                );
            }
        }
    }
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

fn draw_chain(s: &mut String, opts: &SvgOptions, col: &Column, c: &Chain, y: usize) {
    let greyed = col.array == Generation::Old && c.evacuated;
    let opacity = if greyed { r#" opacity="0.45""# } else { "" };
    let _ = writeln!(
        s,
        r#"<g class="chain" data-array="{}" data-index="{}"{opacity}>"#,
        match col.array {
            Generation::Current => "buckets",
            Generation::Old => "oldbuckets",
        },
        c.index
    );
    let label = if greyed { format!("{} evac", c.index) } else { format!("bucket {}", c.index) };
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-weight="bold">{}</text>"#,
        col.x,
        y + BH / 2 + 4,
        esc(&label)
    );
    for (row, name) in ["tophash", "key", "value"].iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" fill="#777" font-size="10" text-anchor="end">{name}</text>"##,
            col.x + LABEL - 6,
            y + (row + 1) * LH - 5
        );
    }
    for (depth, b) in c.bmaps.iter().enumerate() {
        let bx = col.x + LABEL + depth * (BW + LINK);
        if depth > 0 {
            // A drawn arrowhead, not a <marker>: pages hold many SVGs, and a marker defined
            // in a hidden one does not render in the others.
            let (ay, tip) = (y + BH / 2, bx - 2);
            let _ = writeln!(
                s,
                r##"<line x1="{}" y1="{ay}" x2="{}" y2="{ay}" stroke="#3b6ea8" stroke-width="2"/><polygon points="{tip},{ay} {},{} {},{}" fill="#3b6ea8"/>"##,
                bx - LINK + 2,
                tip - 8,
                tip - 10,
                ay - 6,
                tip - 10,
                ay + 6
            );
            if b.preallocated {
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" fill="#3b6ea8" font-size="9">pre</text>"##,
                    bx - LINK + 4,
                    y + BH / 2 - 4
                );
            }
        }
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
        let _ = writeln!(
            s,
            r##"<rect x="{bx}" y="{y}" width="{BW}" height="{BH}" fill="none" stroke="#222" stroke-width="1.4"/>"##
        );
    }
    let chain_w = c.bmaps.len() * BW + (c.bmaps.len() - 1) * LINK;
    let x0 = col.x + LABEL - 3;
    if opts.highlight.contains(&(col.array, c.index)) {
        let _ = writeln!(
            s,
            r##"<rect class="touched" x="{x0}" y="{}" width="{}" height="{}" fill="none" stroke="#ef6c00" stroke-width="3" rx="4"/>"##,
            y - 3,
            chain_w + 6,
            BH + 6
        );
    }
    if let Some(l) = &opts.lookup {
        if l.trace.read == Some((col.array, c.index)) {
            let _ = writeln!(
                s,
                r##"<rect class="lookup" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#1565c0" stroke-width="3" stroke-dasharray="8 4" rx="6"/>"##,
                x0 - 4,
                y - 7,
                chain_w + 14,
                BH + 14
            );
        }
    }
    s.push_str("</g>\n");
}

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
        r##"<rect x="{x}" y="{}" width="22" height="12" fill="none" stroke="#ef6c00" stroke-width="3"/><text x="{}" y="{}">touched</text>"##,
        y + 1,
        x + 28,
        y + 11
    );
    x += 100;
    let _ = writeln!(
        s,
        r##"<rect x="{x}" y="{}" width="22" height="12" fill="none" stroke="#1565c0" stroke-width="3" stroke-dasharray="5 3"/><text x="{}" y="{}">chain a lookup read</text>"##,
        y + 1,
        x + 28,
        y + 11
    );
}
