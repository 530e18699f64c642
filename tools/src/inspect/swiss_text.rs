//! A SwissMap drawn as text from its read-only view, for docs/swiss.md: the header, the
//! directory, each table's fields and each group's control bytes with the keys behind them.
//!
//! Everything printed is read from the live map ([`SwissMap::raw`]); the only thing computed
//! here is each key's `h2` from the map's own hasher, printed beside the control byte that
//! holds it so that a reader sees the two agree.

use gomap::swiss::h2;
use gomap::swiss::raw::{CtrlState, GroupView, SwissView, TableView};
use gomap::swiss::traced::Lookup;
use gomap::SwissMap;
use std::fmt::{Display, Write as _};
use std::hash::{BuildHasher, Hash};

/// Go's names for the header fields, one line.
pub fn header_line<K, V>(view: &SwissView<'_, K, V>) -> String {
    let h = view.header();
    if h.small {
        return format!(
            "used {}  small map (dirLen 0: one group, no table)  clearSeq {}",
            h.used, h.clear_seq
        );
    }
    format!(
        "used {}  dirLen {}  globalDepth {}  globalShift {}  clearSeq {}",
        h.used, h.dir_len, h.global_depth, h.global_shift, h.clear_seq
    )
}

/// One table's fields, one line.
pub fn table_line<K, V>(t: &TableView<'_, K, V>) -> String {
    format!(
        "table {}: capacity {}  used {}  growthLeft {}  tombstones {}  localDepth {}  index {}",
        t.id(),
        t.capacity(),
        t.used(),
        t.growth_left(),
        t.tombstones(),
        t.local_depth(),
        t.index()
    )
}

/// The directory as runs of entries pointing at one table: `[0-1] -> table 0`.
pub fn directory_lines<K, V>(view: &SwissView<'_, K, V>) -> String {
    let dir = view.directory();
    let mut out = String::new();
    let mut i = 0;
    while i < dir.len() {
        let mut j = i;
        while j + 1 < dir.len() && dir[j + 1] == dir[i] {
            j += 1;
        }
        let range = if i == j { format!("[{i}]") } else { format!("[{i}-{j}]") };
        let _ = writeln!(out, "  directory{range:<8} -> table {}", dir[i]);
        i = j + 1;
    }
    out
}

/// A control byte as the pictures show it: h2 in hex, `empty` or `del`.
fn ctrl_cell(b: u8) -> String {
    match CtrlState::of(b) {
        CtrlState::Empty => "empty".to_string(),
        CtrlState::Deleted => "del".to_string(),
        CtrlState::Full(b) => format!("{b:02x}"),
    }
}

/// A group: one column per slot, its control byte (h2 in hex, `empty` or `del`), then the key
/// and, for a full slot, the key's own h2 as the map's hasher computes it.
pub fn group_block<K: Display + Hash, V, S: BuildHasher>(
    label: &str,
    g: &GroupView<'_, K, V>,
    hasher: &S,
) -> String {
    let mut ctrl = format!("  {label:<9} ctrl");
    let mut keys = format!("  {:<9} key ", "");
    let mut check = format!("  {:<9} h2  ", "");
    for (i, slot) in g.slots().iter().enumerate() {
        let c = ctrl_cell(g.ctrl_byte(i));
        let (k, h) = match slot {
            Some((k, _)) => (k.to_string(), format!("{:02x}", h2(hasher.hash_one(k)))),
            None => (String::from("."), String::new()),
        };
        let _ = write!(ctrl, " {c:>6}");
        let _ = write!(keys, " {k:>6}");
        let _ = write!(check, " {h:>6}");
    }
    format!("{}\n{}\n{}\n", ctrl.trim_end(), keys.trim_end(), check.trim_end())
}

/// The whole map: header, directory, tables and (with `groups`) every group.
pub fn render<K: Display + Hash + Eq, V, S: BuildHasher>(
    m: &SwissMap<K, V, S>,
    groups: bool,
) -> String {
    let view = m.raw();
    let mut out = format!("{}\n", header_line(&view));
    if let Some(g) = view.small_group() {
        out.push_str(&group_block("group", &g, m.hasher()));
        return out;
    }
    out.push_str(&directory_lines(&view));
    for t in view.tables() {
        let _ = writeln!(out, "{}", table_line(&t));
        if groups {
            for (i, g) in t.groups().enumerate() {
                out.push_str(&group_block(&format!("group {i}"), &g, m.hasher()));
            }
        }
    }
    out
}

/// Where a key's probing starts and what it looks for, as the map's own lookup reports it: the
/// hash, h1, h2 and the directory entry (for a map that has a directory).
pub fn key_line<K: Display + Hash + Eq, V, S: BuildHasher>(m: &SwissMap<K, V, S>, k: &K) -> String {
    let t = m.trace_lookup(k);
    let dir = match t.directory_index {
        None => String::from("small map: no directory"),
        Some(i) => format!("directory index {i}"),
    };
    format!("key {k}: hash {:#018x}  h1 {:#x}  h2 {:02x}  {dir}", t.hash, t.h1, t.h2)
}

/// A traced lookup ([`SwissMap::trace_lookup`]): the hash split, the directory entry, and each
/// group the map's own search read, with its control bytes, h2 matches and key compares.
pub fn lookup_lines(key: &str, t: &Lookup) -> String {
    let mut out = format!("lookup {key}: hash {:#018x}  h1 {:#x}  h2 {:02x}\n", t.hash, t.h1, t.h2);
    if let (Some(i), Some(tab)) = (t.directory_index, t.table) {
        let _ = writeln!(out, "  directory[{i}] -> table {tab}");
    }
    for (n, p) in t.probes.iter().enumerate() {
        let bytes: Vec<String> = p.ctrl.to_le_bytes().iter().map(|&b| ctrl_cell(b)).collect();
        let _ = writeln!(out, "  probe {n}: group {}  ctrl {}", p.group, bytes.join(" "));
        if p.matches.is_empty() {
            let _ = writeln!(out, "           no byte matches h2 {:02x}", t.h2);
        }
        for (slot, equal) in &p.compares {
            let verdict = if *equal { "equal: found" } else { "differs" };
            let _ = writeln!(out, "           slot {slot} matches h2: key {verdict}");
        }
    }
    match t.found {
        Some((g, i)) => {
            let _ = writeln!(out, "  found in group {g}, slot {i}");
        }
        None => {
            let _ = writeln!(out, "  not found: the last group read has an empty slot, so the key was never inserted further on");
        }
    }
    out
}
