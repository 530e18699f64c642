//! Every public method of the shared map API (GoMap and SwissMap), GoSet, the entry types,
//! RandomState, ConcurrentMap, HashTrieMap and RwLockMap carries a runnable example in its docs,
//! as std's do (`cargo test --doc` runs them). This reads the sources and names each `pub fn`
//! whose doc comment has no code block.

use std::path::Path;

/// The files whose every `pub fn` needs an example, and the ones in files shared with other
/// types (`GoMap::raw` lives beside the raw view's own accessors).
const WHOLE_FILES: &[&str] = &[
    "src/api/mod.rs",
    "src/api/entry.rs",
    "src/map/mod.rs",
    "src/swiss/mod.rs",
    "src/set.rs",
    "src/rayon/map.rs",
    "src/hash/mod.rs",
    "src/concurrent/sync_map.rs",
    "src/concurrent/rwlock_map.rs",
    "src/concurrent/hashtriemap.rs",
];
const SINGLE_FNS: &[(&str, &str)] = &[("src/map/raw.rs", "raw")];

/// The `pub fn`s of `src` whose doc comment (the `///` lines above it, attributes skipped)
/// has no code block.
fn missing_examples(src: &str) -> Vec<String> {
    // A `#[doc(hidden)]` module (test hooks) ends the public part of a file.
    let src = src.split("#[doc(hidden)]\npub mod").next().unwrap_or(src);
    let lines: Vec<&str> = src.lines().collect();
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let rest =
            ["pub fn ", "pub const fn ", "pub unsafe fn "].iter().find_map(|p| t.strip_prefix(p));
        let Some(rest) = rest else { continue };
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let mut has_example = false;
        for above in lines[..i].iter().rev() {
            let a = above.trim_start();
            if a.starts_with("///") {
                has_example |= a.contains("```");
            } else if !a.starts_with("#[") {
                break;
            }
        }
        if !has_example {
            missing.push(format!("{name} (line {})", i + 1));
        }
    }
    missing
}

#[test]
fn every_public_method_has_an_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for file in WHOLE_FILES {
        let src = std::fs::read_to_string(root.join(file)).expect(file);
        missing.extend(missing_examples(&src).into_iter().map(|m| format!("{file}: {m}")));
    }
    for (file, name) in SINGLE_FNS {
        let src = std::fs::read_to_string(root.join(file)).expect(file);
        let found = missing_examples(&src);
        missing.extend(
            found
                .iter()
                .filter(|m| m.starts_with(&format!("{name} ")))
                .map(|m| format!("{file}: {m}")),
        );
        assert!(src.contains(&format!("pub fn {name}(")), "{file} has no `pub fn {name}`");
    }
    assert!(missing.is_empty(), "public methods without a doc example:\n{}", missing.join("\n"));
}

#[test]
fn the_check_sees_a_missing_example() {
    let src = "/// Docs.\n///\n/// ```\n/// f();\n/// ```\n#[inline]\npub fn f() {}\n\n/// None.\npub fn g() {}\n";
    assert_eq!(missing_examples(src), ["g (line 10)"]);
}
