//! Every figure committed under docs/ must be what the current code generates.

use gomap::inspect::docs::{self, Body, Figure};
use std::path::Path;

#[test]
fn committed_figures_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let stale = docs::check(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stale.is_empty(),
        "out of date: {:?}; run `{}` (or scripts/gen-docs.sh) and commit the result",
        stale,
        docs::REGENERATE
    );
}

#[test]
fn every_figure_is_used_and_every_marker_is_known() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut text = String::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            text.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    for f in docs::figures() {
        assert!(
            text.contains(&format!("<!-- gomap:figure {} -->", f.name)),
            "figure {} is generated but no docs page shows it",
            f.name
        );
    }
    for (rel, _) in docs::files() {
        if rel.starts_with("figures/") {
            assert!(text.contains(rel), "{rel} is generated but no docs page links it");
        }
    }
}

#[test]
fn figures_are_deterministic() {
    assert_eq!(docs::figures(), docs::figures());
    assert_eq!(docs::files(), docs::files());
}

#[test]
fn splice_replaces_marked_blocks_and_rejects_bad_ones() {
    let figs = vec![
        Figure { name: "a", body: Body::Text("x\n".into()) },
        Figure { name: "b", body: Body::Markdown("| t |\n".into()) },
    ];
    let md = "intro\n<!-- gomap:figure a -->\nold\n<!-- gomap:end -->\nmid\n<!-- gomap:figure b -->\n<!-- gomap:end -->\nend\n";
    let out = docs::splice(md, &figs).unwrap();
    assert_eq!(
        out,
        "intro\n<!-- gomap:figure a -->\n```text\nx\n```\n<!-- gomap:end -->\nmid\n<!-- gomap:figure b -->\n| t |\n<!-- gomap:end -->\nend\n"
    );
    assert_eq!(docs::splice(&out, &figs).unwrap(), out, "splicing twice changes nothing");
    let err = docs::splice("<!-- gomap:figure zzz -->\n<!-- gomap:end -->\n", &figs).unwrap_err();
    assert!(err.contains("zzz"), "{err}");
    let err = docs::splice("<!-- gomap:figure a -->\nno end\n", &figs).unwrap_err();
    assert!(err.contains("gomap:end"), "{err}");
}
