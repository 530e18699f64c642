//! The Swiss map's tour: `gomap tour --map swiss`, and the pictures of docs/swiss.md (the same
//! frames). Each frame is drawn from a live `SwissMap` through its view and its own traced
//! lookup ([`swiss_text`]), with the docs' fixed hasher so that it is the same on every machine.

use super::swiss_text;
use super::FixedState;
use gomap::swiss::raw as swiss_raw;
use gomap::SwissMap;
use std::fmt::Write as _;

/// One step of the tour.
pub struct SwissFrame {
    /// Short heading.
    pub title: &'static str,
    /// What the frame shows and why (one paragraph per line).
    pub narration: &'static str,
    /// The picture: text, or a markdown table.
    pub body: String,
    /// Whether `body` is a markdown table rather than text.
    pub markdown: bool,
    /// Its name in docs/swiss.md's `gomap:figure` markers.
    pub figure: &'static str,
}

/// The frames, in order.
pub fn frames() -> Vec<SwissFrame> {
    let f = |title, figure, narration, body| SwissFrame {
        title,
        narration,
        body,
        markdown: false,
        figure,
    };
    vec![
        f("The small map", "swiss-small",
          "Up to 8 entries a Swiss map is one group and no table: 8 slots behind a control word, one byte per slot.\nA full slot's byte is h2, the low 7 bits of its key's hash (the row under the keys is each key's h2, from the map's hasher); 0x80 is empty.",
          swiss_small()),
        f("The first table", "swiss-first-table",
          "The ninth key does not fit the one group: growToTable moves the eight into a table of 16 slots, two groups, and h1 (the hash's upper 57 bits) picks each key's group.\ngrowthLeft is what the table may still take before it must grow: 7/8 of its slots, less what is used.",
          swiss_first_table()),
        f("Probing and h2 matches", "swiss-lookup",
          "A lookup compares h2 with all 8 control bytes at once and compares keys only where a byte matched; a group with no match and no empty slot sends it to the next group of the probe sequence (+1, +2, +3 ... groups).\nA miss ends at the first group with an empty slot. Both lookups are the map's own search (trace_lookup).",
          swiss_lookup()),
        f("A tombstone", "swiss-tombstone",
          "A delete frees its slot (back to empty) when its group still has an empty slot: no probe ever went past that group.\nIn a group with no empty slot it leaves a tombstone (del), which lookups step over and inserts reuse; growthLeft does not get that slot back.",
          swiss_tombstone()),
        SwissFrame {
            title: "Grow, then split",
            narration: "A table with no growthLeft is rebuilt at once: at twice its size up to 1,024 slots, then split in two tables of 1,024 by the next hash bit.\nA directory indexed by the hash's top globalDepth bits finds each key's table; splitting a table that uses every directory bit doubles the directory first.",
            body: swiss_growth(),
            markdown: true,
            figure: "swiss-growth",
        },
        f("The first split and the directory", "swiss-split",
          "Insert 897 finds the one 1,024-slot table full (896 = 7/8 of it): the table splits, the directory doubles to 2 entries, and each new table takes the keys of its half (localDepth 1).\nThe worst insert rebuilds one table of at most 1,024 slots, never the whole map.",
          swiss_split()),
    ]
}

/// A SwissMap with the docs' fixed hasher, holding `keys` (value = key * 10).
pub fn swiss_u64(keys: impl IntoIterator<Item = u64>) -> SwissMap<u64, u64, FixedState> {
    let mut m = SwissMap::with_hasher(FixedState::default());
    for k in keys {
        m.insert(k, k * 10);
    }
    m
}

fn swiss_small() -> String {
    let m = swiss_u64(1..=5);
    format!(
        "{}
{}
",
        swiss_text::render(&m, true),
        swiss_text::key_line(&m, &3)
    )
}

fn swiss_first_table() -> String {
    let m = swiss_u64(1..=9);
    swiss_text::render(&m, true)
}

/// Two lookups in the 40-key map of the tombstone figure, as the map's own search ran them: a
/// key found past its first group, and a miss.
fn swiss_lookup() -> String {
    let m = swiss_u64(1..=40);
    let hit = (1..=40u64)
        .map(|k| (k, m.trace_lookup(&k)))
        .find(|(_, t)| t.probes.len() > 1)
        .expect("some key of 40 in 8 groups is found past its first group");
    let miss = (41..)
        .map(|k| (k, m.trace_lookup(&k)))
        .find(|(_, t)| t.probes.len() > 1)
        .expect("a miss that probes on");
    format!(
        "{}\n{}\n{}",
        swiss_text::table_line(&m.raw().tables()[0]),
        swiss_text::lookup_lines(&hit.0.to_string(), &hit.1),
        swiss_text::lookup_lines(&miss.0.to_string(), &miss.1)
    )
}

/// The table's first group with no empty slot, and a group that has one, with a key of each.
fn full_and_open_groups(
    m: &SwissMap<u64, u64, FixedState>,
) -> Option<((usize, u64), (usize, u64))> {
    let view = m.raw();
    let t = view.tables().into_iter().next()?;
    let key_of = |g: &swiss_raw::GroupView<'_, u64, u64>| {
        g.slots().iter().flatten().map(|(k, _)| **k).next()
    };
    let mut full = None;
    let mut open = None;
    for (i, g) in t.groups().enumerate() {
        let empty = (0..8).any(|s| g.state(s) == swiss_raw::CtrlState::Empty);
        match (empty, key_of(&g)) {
            (false, Some(k)) if full.is_none() => full = Some((i, k)),
            (true, Some(k)) if open.is_none() => open = Some((i, k)),
            _ => {}
        }
    }
    Some((full?, open?))
}

fn swiss_tombstone() -> String {
    // The fewest keys 1..=n whose one table has a group with no empty slot.
    let (mut m, (full, open)) = (40..=56)
        .find_map(|n| {
            let m = swiss_u64(1..=n);
            full_and_open_groups(&m).map(|g| (m, g))
        })
        .expect("a table of up to 56 keys in 8 groups has a full group");
    // The table's line, then the two groups.
    let show = |m: &SwissMap<u64, u64, FixedState>| {
        let view = m.raw();
        let t = view.tables().into_iter().next().expect("one table");
        let mut s = format!("{}\n", swiss_text::table_line(&t));
        for g in [full.0, open.0] {
            s.push_str(&swiss_text::group_block(&format!("group {g}"), &t.group(g), m.hasher()));
        }
        s
    };
    let mut out = format!("keys 1 to {}:\n{}", m.len(), show(&m));
    m.remove(&full.1);
    m.remove(&open.1);
    let _ = writeln!(
        out,
        "\nafter removing key {} (group {}, no empty slot) and key {} (group {}, which has one):",
        full.1, full.0, open.1, open.0
    );
    out.push_str(&show(&m));
    out
}

/// Inserts keys 0, 1, 2, ... and prints a line each time the map's shape changes: the small
/// group becoming a table, a table rehashed to twice its size, a split, a directory doubling.
fn swiss_growth() -> String {
    let mut m: SwissMap<u64, u64, FixedState> = SwissMap::with_hasher(FixedState::default());
    let shape = |m: &SwissMap<u64, u64, FixedState>| {
        let view = m.raw();
        let caps: Vec<u16> = view.tables().iter().map(|t| t.capacity()).collect();
        (view.header().dir_len, caps)
    };
    let mut out = String::from(
        "| insert | what happened | dirLen | tables (capacity) |\n|---|---|---|---|\n",
    );
    let mut last = shape(&m);
    for k in 0..4000u64 {
        m.insert(k, k);
        let now = shape(&m);
        if now == last {
            continue;
        }
        let what = if last.1.is_empty() && now.1.is_empty() {
            "the small group is allocated"
        } else if last.1.is_empty() {
            "growToTable: the full small group becomes a table"
        } else if now.0 > last.0 {
            "split, and the directory doubles"
        } else if now.1.len() > last.1.len() {
            "split (the directory already had room)"
        } else {
            "grow: one table rehashed at twice its size"
        };
        let big = now.1.iter().filter(|&&c| c == 1024).count();
        let tables = match (now.1.len(), big) {
            (n, b) if n == b && n > 1 => format!("{n} x 1024"),
            _ => now.1.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
        };
        let _ = writeln!(out, "| {} | {what} | {} | {tables} |", k + 1, now.0);
        last = now;
    }
    out
}

fn swiss_split() -> String {
    // The first insert that splits a table: print the map just before and just after it.
    let mut m: SwissMap<u64, u64, FixedState> = SwissMap::with_hasher(FixedState::default());
    let mut k = 0u64;
    loop {
        let before = swiss_text::render(&m, false);
        m.insert(k, k);
        if m.raw().tables().len() > 1 {
            return format!(
                "before insert {} (key {k}):\n{before}\nafter it:\n{}",
                k + 1,
                swiss_text::render(&m, false)
            );
        }
        k += 1;
    }
}
