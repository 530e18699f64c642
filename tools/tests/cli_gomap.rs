//! The `gomap` program: each command's output, and one clear line with exit 2 on bad input.

use std::process::{Command, Output};

fn gomap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gomap"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the gomap binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["frobnicate"],
        &["layout"],
        &["layout", "--n"],
        &["layout", "--n", "abc"],
        &["layout", "--n", "-3"],
        &["layout", "--n", "10", "--format", "pdf"],
        &["layout", "--n", "10", "--key-type", "f64"],
        &["layout", "--n=99999999999"],
        &["trace"],
        &["trace", "--n", "5", "extra"],
        &["tour", "--bogus"],
        &["tour", "--color", "sometimes"],
        &["bench", "--rounds", "x"],
        &["docs", "--out", "/definitely/not/here"],
        // Contradictory and repeated flags are refused, not settled silently.
        &["tour", "--no-html", "--html", "x.html"],
        &["--html", "x.html", "--no-html"],
        &["layout", "--n", "3", "--n", "4"],
        &["tour", "--color", "never", "--color", "always"],
        &["tour", "--map", "hashbrown"],
        // The Swiss tour has no page yet: asking for one is refused, not ignored.
        &["tour", "--map", "swiss", "--html", "x.html"],
    ];
    for args in cases {
        let o = gomap(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("gomap: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

/// Every count out of range gets the same message, whatever its size: 20 digits too.
#[test]
fn counts_out_of_range_say_the_limit() {
    let cases: &[(&[&str], &str)] = &[
        (&["layout", "--n", "99999999999999999999"], "at most 4194304"),
        (&["layout", "--n=4194305"], "at most 4194304"),
        (&["trace", "--n", "99999999999999999999"], "at most 16777216"),
        (&["bench", "--n", "0"], "at least 1"),
        (&["bench", "--rounds", "0"], "at least 1"),
        (&["bench", "--rounds", "1001"], "at most 1000"),
        (&["layout", "--n", "5", "--max-buckets", "99999999999999999999"], "at most 1073741824"),
        (&["layout", "--n", "+5"], "not a whole number"),
    ];
    for (args, want) in cases {
        let o = gomap(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want) && err.lines().count() == 1, "{args:?}: {err}");
    }
}

#[test]
fn a_page_that_cannot_be_written_fails_before_the_tour_prints() {
    let o = gomap(&["tour", "--html", "/definitely/not/here/tour.html"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("gomap: cannot write /definitely/not/here/tour.html"), "{err}");
    assert!(o.stdout.is_empty(), "printed {} bytes first", o.stdout.len());
}

/// A big map is drawn only when asked: past 1024 buckets, --max-buckets says how many.
#[test]
fn a_huge_picture_needs_max_buckets() {
    // 13000 keys: B = 11, 2048 buckets, the grow to them finished.
    for format in ["text", "svg", "json", "html"] {
        let o = gomap(&["layout", "--n", "13000", "--format", format]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{format}: {err}");
        assert!(err.contains("2048 buckets") && err.contains("--max-buckets 0"), "{err}");
        assert!(o.stdout.is_empty());
    }
    let all = stdout(&gomap(&["layout", "--n", "13000", "--max-buckets", "0"]));
    assert_eq!(all.matches("bucket ").count(), 2048);
    let json = gomap(&["layout", "--n", "13000", "--format", "json", "--max-buckets=0"]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(j["buckets"].as_array().map(Vec::len), Some(2048));
    let some = gomap(&["layout", "--n", "13000", "--format", "json", "--max-buckets=5"]);
    assert_eq!(some.status.code(), Some(2), "json cannot summarise");
}

#[test]
fn layout_draws_an_html_page() {
    let o = gomap(&["layout", "--n", "20", "--key-type", "string", "--format", "html"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let h = stdout(&o);
    assert!(h.starts_with("<!DOCTYPE html>"), "{h}");
    assert_eq!(h.matches("<section class=\"frame\"").count(), 1);
    assert_eq!(h.matches("class=\"chain\"").count(), 4);
    assert!(h.contains("gomap layout: 20 String keys"));
    assert!(h.contains("<summary>as text</summary><pre>hmap: count 20"));
}

#[test]
fn help_lists_every_command_and_each_has_its_own() {
    let o = gomap(&["help"]);
    assert!(o.status.success());
    let s = stdout(&o);
    let commands = s.split("Commands:").nth(1).expect("a command list");
    for c in ["tour", "layout", "trace", "twin", "bench", "docs"] {
        assert!(commands.lines().any(|l| l.trim_start().starts_with(c)), "{c}: {s}");
        for args in [vec!["help", c], vec![c, "--help"]] {
            let o = gomap(&args);
            assert!(o.status.success(), "{args:?}");
            let s = stdout(&o);
            assert!(s.contains(&format!("Usage: gomap {c}")), "{args:?}: {s}");
            assert!(s.contains("--help"), "{args:?}: {s}");
        }
    }
    let v = gomap(&["--version"]);
    assert!(v.status.success());
    assert_eq!(stdout(&v).trim(), format!("gomap {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn layout_prints_text_svg_and_json() {
    let t = gomap(&["layout", "--n", "20", "--key-type", "u64", "--format", "text"]);
    assert!(t.status.success());
    let s = stdout(&t);
    assert!(s.starts_with("hmap: count 20, B 2"), "{s}");
    assert!(!s.contains('\x1b'), "no colour when stdout is not a terminal");
    let svg = stdout(&gomap(&["layout", "--n", "20", "--format", "svg"]));
    assert!(svg.starts_with("<svg") && svg.matches("class=\"chain\"").count() == 4);
    let json = stdout(&gomap(&["layout", "--n=30", "--key-type=string", "--format=json"]));
    let j: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(j["hmap"]["count"].as_u64(), Some(30));
    assert_eq!(j["types"]["key"], "String");
    assert!(stdout(&gomap(&["layout", "--n", "2", "--key-type", "string"])).contains("key String"));
    let keys: Vec<&str> = j["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["chain"].as_array().unwrap())
        .flat_map(|b| b["slots"].as_array().unwrap())
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert_eq!(keys.len(), 30);
    assert!(keys.contains(&"\"key-0\""), "{keys:?}");
}

#[test]
fn trace_rows_follow_the_script() {
    let n = 60u64;
    let o = gomap(&["trace", "--n", &n.to_string()]);
    assert!(o.status.success());
    assert!(o.stderr.is_empty(), "no progress bar into a pipe");
    let s = stdout(&o);
    let mut lines = s.lines();
    assert_eq!(
        lines.next(),
        Some("step\top\tcount\tB\tnoverflow\tgrowing\tnevacuate\tsame_size_grow")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len() as u64, 1 + n + n / 2 + n);
    let mut count = 0u64;
    let mut last_b = 0u32;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), 8, "{r:?}");
        assert_eq!(r[0], i.to_string());
        let op = r[1];
        if op.starts_with("insert") {
            count += 1;
        } else if op.starts_with("delete") {
            count -= 1;
        }
        assert_eq!(r[2], count.to_string(), "row {i}");
        let b: u32 = r[3].parse().unwrap();
        assert!(b >= last_b, "B never shrinks");
        last_b = b;
        // Go's load factor: never more than 6.5 entries per bucket (B = 0 holds 8).
        assert!(count <= 8 || count * 2 <= 13 << b, "row {i}: {count} entries at B {b}");
        let growing = r[5] == "true";
        let nevacuate: usize = r[6].parse().unwrap();
        if growing {
            assert!(nevacuate < 1 << b, "row {i}");
        } else if b == 0 {
            assert_eq!(nevacuate, 0, "row {i}: never grown");
        } else {
            // Go's hmap.nevacuate keeps its last value: the last old array's size (half the
            // buckets after a doubling, all of them after a same-size grow).
            assert!(nevacuate == 1 << (b - 1) || nevacuate == 1 << b, "row {i}: {nevacuate}");
        }
    }
    assert_eq!(rows[0][1], "new");
    assert_eq!(rows.last().unwrap()[1], format!("insert {}", 2 * n - 1));
}

#[test]
fn tour_narrates_and_writes_its_page() {
    let dir = std::env::temp_dir().join(format!("gomap-cli-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("tour.html");
    let o = gomap(&["tour", "--html", page.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = stdout(&o);
    for title in [
        "The first bucket",
        "The first overflow bucket",
        "The 6.5 trigger",
        "A grow half done",
        "A lookup that reads an old bucket",
        "Evacuation finishing",
        "emptyOne",
        "emptyRest",
        "A same-size grow",
    ] {
        assert!(s.contains(title), "missing {title:?}");
    }
    let html = std::fs::read_to_string(&page).unwrap();
    let frames = html.matches("<section class=\"frame\"").count();
    assert!(frames >= 12, "{frames} frames");
    assert!(s.contains(&format!("{frames} frames")) && s.contains("tour.html"));
    std::fs::remove_dir_all(&dir).ok();
    let quiet = gomap(&["--no-html", "--color", "never"]);
    assert!(quiet.status.success());
    assert!(!stdout(&quiet).contains(".html"));
}

#[test]
fn bench_compares_with_std() {
    let o = gomap(&["bench", "--n", "2000", "--rounds", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = stdout(&o);
    for op in ["insert", "get (hit)", "get (miss)", "remove", "gomap/std"] {
        assert!(s.contains(op), "{op}: {s}");
    }
    // The progress bar is drawn on a terminal only, never into a pipe.
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn color_always_paints_and_never_does_not() {
    let on = stdout(&gomap(&["layout", "--n", "9", "--color", "always"]));
    assert!(on.contains("\x1b[32m"), "filled slots are green");
    let off = stdout(&gomap(&["layout", "--n", "9", "--color=never"]));
    assert!(!off.contains('\x1b'));
}

#[test]
fn docs_check_names_stale_files_and_regenerating_fixes_them() {
    let dir = std::env::temp_dir().join(format!("gomap-cli-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("page.md"),
        "# t\n<!-- gomap:figure growth-trace -->\nold\n<!-- gomap:end -->\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let o = gomap(&["docs", "--out", d, "--check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("page.md") && err.contains("cargo run --release -- docs"), "{err}");
    assert!(gomap(&["docs", "--out", d]).status.success());
    assert!(gomap(&["docs", "--out", d, "--check"]).status.success());
    let page = std::fs::read_to_string(dir.join("page.md")).unwrap();
    assert!(page.contains("step\top\tcount") && !page.contains("old"));
    assert!(dir.join("tour.html").exists() && dir.join("figures/half-grown.svg").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn max_buckets_summarises_the_rest() {
    let t = stdout(&gomap(&["layout", "--n", "1000", "--max-buckets", "3"]));
    assert_eq!(t.matches("bucket ").count(), 3, "{t}");
    assert!(t.contains("... 253 more buckets holding"), "{t}");
    let svg = stdout(&gomap(&["layout", "--n", "1000", "--format", "svg", "--max-buckets=2"]));
    assert_eq!(svg.matches("class=\"chain\"").count(), 2);
    assert!(svg.contains("254 more buckets"));
}

/// `gomap ARGS > /dev/full`.
fn to_dev_full(args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    Command::new(env!("CARGO_BIN_EXE_gomap"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(full)
        .output()
        .expect("the gomap binary runs")
}

#[test]
fn a_failed_write_is_one_line_and_a_non_zero_exit() {
    for args in [&["layout", "--n", "10"][..], &["tour", "--no-html"], &["trace", "--n", "50"]] {
        let o = to_dev_full(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} exited 0 having written nothing");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("cannot write to stdout") && err.contains("No space left"), "{err}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly_as_unix_tools_do() {
    use std::io::Read;
    for args in [&["trace", "--n", "200000"][..], &["layout", "--n", "3000", "--max-buckets", "0"]]
    {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gomap"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
        drop(child.stdout.take()); // as `| head -c 64` does
        let o = child.wait_with_output().unwrap();
        // The status a shell shows for a tool SIGPIPE stopped (128 + 13), and not a word.
        assert_eq!(o.status.code(), Some(141), "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn docs_refuses_a_docs_directory_that_is_not_gomap_s() {
    let dir = std::env::temp_dir().join(format!("gomap-cli-not-ours-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("README.md"), "# another project\n").unwrap();
    std::fs::write(dir.join("docs/notes.md"), "notes\n").unwrap();
    let listing = || {
        let mut v: Vec<_> =
            std::fs::read_dir(dir.join("docs")).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    let before = listing();
    for check in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gomap"));
        cmd.arg("docs").current_dir(&dir);
        if check {
            cmd.arg("--check");
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "check {check}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("is not gomap's docs directory"), "{err}");
    }
    assert_eq!(listing(), before, "files written into another project's docs/");
    assert_eq!(std::fs::read_to_string(dir.join("README.md")).unwrap(), "# another project\n");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn trace_streams_its_rows_instead_of_holding_them() {
    // 1,000,000 keys per phase print 127 MB. With its address space capped at 160 MB the
    // program can hold the map (about 60 MB at its largest) but not the whole output.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 163840 && exec {} trace --n 1000000 | tail -n 1",
            env!("CARGO_BIN_EXE_gomap")
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.is_empty(), "{err}");
    // The last row: step 2,500,000, the last insert, 1.5M keys.
    let last = String::from_utf8(o.stdout).unwrap();
    assert!(last.starts_with("2500000\tinsert 1999999\t1500000\t"), "{last}");
}

#[test]
fn bench_says_when_n_is_too_small_to_mean_anything() {
    let o = gomap(&["bench", "--n", "1", "--rounds", "1"]);
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("n = 1 is too small to mean anything"), "{s}");
    assert!(!stdout(&gomap(&["bench", "--n", "20000", "--rounds", "1"])).contains("too small"));
}

#[test]
fn trace_and_layout_show_the_same_nevacuate() {
    // After its grows end, a map keeps Go's hmap.nevacuate (the last old array's size): the
    // trace row of the 100th insert and the layout of the same 100 keys say the same.
    let tsv = stdout(&gomap(&["trace", "--n", "100"]));
    let row: Vec<&str> = tsv
        .lines()
        .find(|l| l.split('\t').nth(1) == Some("insert 99"))
        .unwrap()
        .split('\t')
        .collect();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&gomap(&["layout", "--n", "100", "--format", "json"])))
            .unwrap();
    let hmap = &json["hmap"];
    assert_eq!(row[5], "false", "not growing: {row:?}");
    assert_eq!(row[6], hmap["nevacuate"].to_string(), "{row:?} vs {hmap}");
    assert_ne!(row[6], "0");
}

/// `gomap tour --map swiss` prints the Swiss frames, each picture exactly as docs/swiss.md
/// shows it (the docs check keeps those current), and writes no page.
#[test]
fn the_swiss_tour_prints_the_frames_of_docs_swiss_md() {
    let o = gomap(&["tour", "--map", "swiss"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/swiss.md"))
        .expect("docs/swiss.md");
    let frames = gomap_tools::inspect::swiss_tour::frames();
    assert!(frames.len() >= 6);
    for (i, f) in frames.iter().enumerate() {
        assert!(out.contains(&format!("{}. Swiss map: {}", i + 1, f.title)), "frame {}", f.title);
        assert!(out.contains(f.body.trim_end()), "the tour shows {}'s picture", f.figure);
        assert!(docs.contains(f.body.trim_end()), "docs/swiss.md shows {}'s picture", f.figure);
    }
    for picture in ["growToTable", "del", "split, and the directory doubles", "directory[1]"] {
        assert!(out.contains(picture), "the tour shows {picture}");
    }
    assert!(!out.contains("hmap:"), "no classic frame in the Swiss tour");
    assert!(out.contains("text only"), "it says it wrote no page");
    let both = stdout(&gomap(&["tour", "--map", "both", "--no-html"]));
    assert!(both.contains("hmap:") && both.contains("Swiss map: The small map"));
}
