//! The kept fuzz inputs (`fuzz/regressions/<target>/`, one file each) replayed through the fuzz
//! harness, which this file includes by path: the same code the cargo-fuzz targets run, here on
//! stable in `cargo test`. An input that once failed is kept here with the fix that made it pass.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;

/// Every kept input of a fuzz target, by file name; fails if there are none, so that a lost
/// directory cannot pass silently.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.expect("directory entry").path();
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    assert!(v.len() >= 5, "{}: only {} inputs", dir.display(), v.len());
    v
}

#[test]
fn map_inputs_match_std() {
    let mut reached = harness::map::Reached::default();
    for (name, data) in inputs("map") {
        let script = harness::parse::<harness::map::Script>(&data)
            .unwrap_or_else(|| panic!("{name}: not a script"));
        reached.add(harness::map::run_script(script));
    }
    // The kept inputs still reach what the fuzzing is for: grows of both kinds in progress
    // while the ops run, and maps of more than a few buckets.
    assert!(reached.doubling > 0 && reached.same_size > 0 && reached.max_b >= 4, "{reached:?}");
    // The same inputs on SwissMap reach maps of several tables.
    assert!(reached.max_tables >= 2, "{reached:?}");
}

#[test]
fn concurrent_inputs_match_the_model() {
    for (name, data) in inputs("concurrent") {
        let ops = harness::parse::<Vec<harness::concurrent::Op>>(&data)
            .unwrap_or_else(|| panic!("{name}: not a call sequence"));
        harness::concurrent::run_ops::<gomap::ConcurrentMap<u8, harness::concurrent::Val>>(&ops);
        harness::concurrent::run_ops::<gomap::concurrent::RwLockMap<u8, _>>(&ops);
    }
}

#[test]
fn hash_inputs_match_the_reference() {
    for (name, data) in inputs("hash") {
        let input = harness::parse::<harness::hash::Input>(&data)
            .unwrap_or_else(|| panic!("{name}: not a hash input"));
        harness::hash::check(&input);
    }
}
