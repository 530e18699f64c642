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

/// In docs/swiss.md's group pictures every full slot's control byte is the h2 that the map's
/// hasher gives its key (the row under it), every empty or deleted slot holds no key, and the
/// tombstone figure shows a `del`: the view and the hash agree, as a learner reads them.
#[test]
fn swiss_group_pictures_show_each_key_s_h2_in_its_control_byte() {
    let figs = docs::figures();
    let mut groups = 0;
    let mut tombstones = 0;
    for name in ["swiss-small", "swiss-first-table", "swiss-tombstone"] {
        let Body::Text(t) = &figs.iter().find(|f| f.name == name).expect(name).body else {
            panic!("{name} is text")
        };
        let lines: Vec<&str> = t.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let Some((_, ctrl)) = l.split_once(" ctrl ") else { continue };
            let cells = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            let ctrl = cells(ctrl);
            let key = cells(lines[i + 1].trim_start().strip_prefix("key").expect("key row"));
            let h2 = lines[i + 2].trim_start().strip_prefix("h2").expect("h2 row");
            assert_eq!((ctrl.len(), key.len()), (8, 8), "{name}: {l}");
            let mut h2s = cells(h2).into_iter();
            for (c, k) in ctrl.iter().zip(&key) {
                match c.as_str() {
                    "empty" | "del" => assert_eq!(k, ".", "{name}: a {c} slot shows key {k}"),
                    byte => {
                        assert_ne!(k, ".", "{name}: full slot {byte} shows no key");
                        assert_eq!(Some(byte.to_string()), h2s.next(), "{name}: key {k}");
                        let b = u8::from_str_radix(byte, 16).expect("hex byte");
                        assert!(b < 0x80, "{name}: a full byte has its high bit clear");
                    }
                }
                tombstones += usize::from(c == "del");
            }
            groups += 1;
        }
    }
    assert!(groups >= 7, "{groups} groups drawn");
    assert_eq!(tombstones, 1, "the tombstone figure shows exactly one tombstone");
}
