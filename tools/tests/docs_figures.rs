//! Every figure committed under docs/ must be what the current code generates.

use gomap_tools::inspect::docs::{self, Body, Figure};
use std::path::Path;

#[test]
fn committed_figures_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
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

/// The tour's last frame replays Go output recorded in tools/data/twin-tour.txt through the
/// twin's comparison: the recording matches, and one changed tophash byte in it is caught.
#[test]
fn the_go_frame_is_compared_not_just_drawn() {
    let recorded = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/twin-tour.txt"),
    )
    .unwrap();
    let (report, _, go) = gomap_tools::inspect::twin::replay_tour(&recorded).expect("identical");
    assert_eq!(report.ops, 27);
    assert!(report.checkpoints >= 27 && report.bytes > 1000, "{report}");
    assert!(go.contains("oldbuckets (4)"), "{go}");
    // Flip the first filled tophash byte of the last chain line Go printed for the new array.
    let at = recorded.rfind("\nchain new ").expect("a chain line") + 1;
    let line_end = at + recorded[at..].find('\n').unwrap();
    let mut tokens: Vec<String> = recorded[at..line_end].split(' ').map(String::from).collect();
    let top = &mut tokens[3];
    let flipped = if top.starts_with("ff") { "fe" } else { "ff" };
    top.replace_range(0..2, flipped);
    let broken = format!("{}{}{}", &recorded[..at], tokens.join(" "), &recorded[line_end..]);
    let err =
        gomap_tools::inspect::twin::replay_tour(&broken).expect_err("a changed byte is caught");
    assert!(err.to_string().contains("tophash"), "{err}");
}
