//! The trace script shared with `tools/gotrace` (which runs it on Go's runtime): insert `n`
//! sequential keys, delete every other one, insert `n` new ones; one TSV row per operation.

use super::FixedState;
use gomap::GoMap;
use std::fmt::Write;

/// The TSV header line (without newline).
pub const HEADER: &str = "step\top\tcount\tB\tnoverflow\tgrowing\tnevacuate\tsame_size_grow";

/// Rows between two calls of a `run_with` progress callback.
pub const PROGRESS_EVERY: u64 = 1 << 12;

/// Runs the script on a fresh map hashed with `hasher` and returns the TSV, header included.
/// `nevacuate` is printed as 0 when the map is not growing, as `tools/gotrace` does.
/// `progress` is called with the number of rows written, every [`PROGRESS_EVERY`] rows (of
/// `rows(n)` in all).
pub fn run_with<S: std::hash::BuildHasher>(
    n: u64,
    hasher: S,
    mut progress: impl FnMut(u64),
) -> String {
    let mut m: GoMap<u64, u64, S> = GoMap::with_hasher(hasher);
    let mut out = String::with_capacity(64 * (2 * n as usize + n as usize / 2 + 2));
    out.push_str(HEADER);
    out.push('\n');
    let mut step = 0usize;
    let mut row = |m: &GoMap<u64, u64, S>, op: &str| {
        let st = m.stats();
        let nevacuate = if st.growing { st.nevacuate } else { 0 };
        let _ = writeln!(
            out,
            "{step}\t{op}\t{}\t{}\t{}\t{}\t{nevacuate}\t{}",
            st.len, st.b, st.noverflow, st.growing, st.same_size_grow
        );
        step += 1;
        if (step as u64).is_multiple_of(PROGRESS_EVERY) {
            progress(step as u64);
        }
    };
    row(&m, "new");
    for k in 0..n {
        m.insert(k, k);
        row(&m, &format!("insert {k}"));
    }
    for k in (0..n).step_by(2) {
        m.remove(&k);
        row(&m, &format!("delete {k}"));
    }
    for k in n..2 * n {
        m.insert(k, k);
        row(&m, &format!("insert {k}"));
    }
    out
}

/// How many rows (operations, and the new map) the script has for `n`.
pub fn rows(n: u64) -> u64 {
    1 + n + n.div_ceil(2) + n
}

/// [`run_with`] using `FixedState::with_seed(0)`, so the output is the same on every run.
pub fn run(n: u64) -> String {
    run_with(n, FixedState::with_seed(0), |_| {})
}
