//! The trace script shared with `tools/gotrace` (which runs it on Go's runtime): insert `n`
//! sequential keys, delete every other one, insert `n` new ones; one TSV row per operation.

use super::FixedState;
use gomap::GoMap;
use std::io::{self, Write};

/// The TSV header line (without newline).
pub const HEADER: &str = "step\top\tcount\tB\tnoverflow\tgrowing\tnevacuate\tsame_size_grow";

/// Rows between two calls of a `write_with` progress callback.
pub const PROGRESS_EVERY: u64 = 1 << 12;

/// Runs the script on a fresh map hashed with `hasher` and writes the TSV, header included,
/// to `out` row by row (nothing is held back: `gomap trace --n 16777216` streams its 3 GB).
/// `nevacuate` is Go's hmap field as it is, as `tools/gotrace`, `gomap layout --format json`
/// and the explorer show it: it keeps its last value after a grow ends (the old array's size),
/// so a map that grew once and is not growing shows 1 or more, not 0.
/// `progress` is called with the number of rows written, every [`PROGRESS_EVERY`] rows (of
/// `rows(n)` in all).
///
/// # Errors
/// The first write error of `out`.
pub fn write_with<S: std::hash::BuildHasher>(
    n: u64,
    hasher: S,
    out: &mut impl Write,
    mut progress: impl FnMut(u64),
) -> io::Result<()> {
    let mut m: GoMap<u64, u64, S> = GoMap::with_hasher(hasher);
    writeln!(out, "{HEADER}")?;
    let mut step = 0u64;
    let mut row = |m: &GoMap<u64, u64, S>, op: std::fmt::Arguments<'_>| -> io::Result<()> {
        let h = m.raw().header();
        writeln!(
            out,
            "{step}\t{op}\t{}\t{}\t{}\t{}\t{}\t{}",
            h.count,
            h.b,
            h.noverflow,
            h.old_b.is_some(),
            h.nevacuate,
            h.same_size_grow
        )?;
        step += 1;
        if step.is_multiple_of(PROGRESS_EVERY) {
            progress(step);
        }
        Ok(())
    };
    row(&m, format_args!("new"))?;
    for k in 0..n {
        m.insert(k, k);
        row(&m, format_args!("insert {k}"))?;
    }
    for k in (0..n).step_by(2) {
        m.remove(&k);
        row(&m, format_args!("delete {k}"))?;
    }
    for k in n..2 * n {
        m.insert(k, k);
        row(&m, format_args!("insert {k}"))?;
    }
    Ok(())
}

/// [`write_with`] into a string.
pub fn run_with<S: std::hash::BuildHasher>(n: u64, hasher: S, progress: impl FnMut(u64)) -> String {
    let mut out = Vec::new();
    write_with(n, hasher, &mut out, progress).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the rows are ASCII")
}

/// How many rows (operations, and the new map) the script has for `n`.
pub fn rows(n: u64) -> u64 {
    1 + n + n.div_ceil(2) + n
}

/// [`run_with`] using `FixedState::with_seed(0)`, so the output is the same on every run.
pub fn run(n: u64) -> String {
    run_with(n, FixedState::with_seed(0), |_| {})
}
