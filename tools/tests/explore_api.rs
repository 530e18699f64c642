//! `gomap explore`'s HTTP API, driven directly: what the live map says after each op, the
//! history and its replay, holding back evacuation, and bad input and caps (a 4xx with one line,
//! and the server keeps serving the same map).

mod explore_common;

use explore_common::{agent, answer, keys, Explorer};
use serde_json::{json, Value};

fn modulo() -> Explorer {
    Explorer::start(&["--hasher", "modulo"])
}

fn k(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn prints_a_loopback_url_and_serves_the_page_itself() {
    let e = Explorer::start(&[]);
    assert!(e.url.starts_with("http://127.0.0.1:"), "{}", e.url);
    let (status, page) = e.get("");
    assert_eq!(status, 200);
    assert!(page.contains(r#"<script src="/explore.js">"#), "{page}");
    for asset in ["explore.js", "explore.css"] {
        let (status, text) = e.get(asset);
        assert_eq!(status, 200, "{asset}");
        assert!(text.len() > 1000, "{asset}: {text}");
        // Nothing loaded from elsewhere: the page works offline.
        for far in ["src=\"http", "href=\"http", "url(http", "fetch('http", "import "] {
            assert!(!text.contains(far) && !page.contains(far), "{asset} loads {far}");
        }
    }
}

#[test]
fn a_given_port_is_used_and_a_taken_one_is_one_line_and_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gomap"))
        .args(["explore", "--port", &port.to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{err}");
    drop(taken);
    let e = Explorer::start(&["--port", &port.to_string()]);
    assert_eq!(e.url, format!("http://127.0.0.1:{port}/"));
}

#[test]
fn nine_inserts_with_the_teaching_hasher_make_two_buckets() {
    let e = modulo();
    let mut s = Value::Null;
    for key in 0..9 {
        s = e.op(&format!("i:{key}"));
    }
    let h = &s["layout"]["hmap"];
    assert_eq!((h["count"].as_u64(), h["B"].as_u64()), (Some(9), Some(1)), "{h}");
    let none = None;
    assert_eq!(
        keys(&s, "buckets"),
        [
            vec![k("0"), k("2"), k("4"), k("6"), k("8"), none.clone(), none.clone(), none.clone()],
            vec![k("1"), k("3"), k("5"), k("7"), none.clone(), none.clone(), none.clone(), none],
        ]
    );
    // The 9th insert's report: the grow, the split into X and Y, and the slot it took.
    let r = &s["report"];
    let lines: Vec<&str> =
        r["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(lines.iter().any(|l| l.starts_with("hashGrow:")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("4 to X = buckets[0] and 4 to Y = buckets[1]")),
        "{lines:?}"
    );
    assert_eq!(*lines.last().unwrap(), "took buckets[0], slot 4: the first free slot of the chain");
    let taken: Vec<&Value> =
        r["marks"].as_array().unwrap().iter().filter(|m| m["kind"] == "taken").collect();
    assert_eq!(
        taken,
        [
            &json!({"array": "current", "bucket": 0, "depth": 0, "slot": 4, "kind": "taken", "label": "new"})
        ]
    );
    assert_eq!(
        r["trace"]["outcome"],
        json!({"t": "inserted", "at": {"array": "current", "bucket": 0, "depth": 0, "slot": 4}})
    );
    // A lookup reports every tophash and key compare; a remove the freed slot.
    let s = e.op("l:6");
    assert_eq!(s["report"]["trace"]["outcome"]["at"]["slot"], 3);
    assert!(s["report"]["trace"]["steps"]
        .as_array()
        .unwrap()
        .contains(&json!({"t": "compare", "slot": 3, "equal": true})));
    let s = e.op("d:8");
    assert_eq!(s["report"]["trace"]["outcome"]["t"], "removed");
    let slot = &s["layout"]["buckets"][0]["chain"][0]["slots"][4];
    assert_eq!(slot["state"], "emptyRest", "nothing follows 8: emptyRest, not emptyOne");
    let s = e.op("d:2");
    assert_eq!(s["layout"]["buckets"][0]["chain"][0]["slots"][1]["state"], "emptyOne");
}

#[test]
fn holding_back_evacuation_waits_for_evacuate_next() {
    let e = modulo();
    e.op("r:0..26");
    let s = e.op("hold:on");
    assert_eq!(s["hold"], true);
    // The 27th entry doubles 4 buckets to 8; only its own old bucket (2) moves.
    let s = e.op("i:26");
    let h = &s["layout"]["hmap"];
    assert_eq!((h["old_b"].as_u64(), h["nevacuate"].as_u64()), (Some(2), Some(0)), "{h}");
    let evacuated: Vec<bool> = s["layout"]["oldbuckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["evacuated"].as_bool().unwrap())
        .collect();
    assert_eq!(evacuated, [false, false, true, false]);
    // A lookup of 4 still reads old bucket 0.
    let s = e.op("l:4");
    let steps = s["report"]["trace"]["steps"].as_array().unwrap().clone();
    assert_eq!(steps[0], json!({"t": "chain", "array": "old", "bucket": 0, "b": 2}));
    // Evacuate next: old bucket 0 splits into new 0 (X) and 4 (Y); nevacuate moves by one.
    let s = e.op("evac");
    assert_eq!(s["layout"]["hmap"]["nevacuate"], 1);
    assert_eq!(keys(&s, "buckets")[0][..4], [k("0"), k("8"), k("16"), k("24")]);
    assert_eq!(keys(&s, "buckets")[4][..3], [k("4"), k("12"), k("20")]);
    let kinds: Vec<&str> = s["report"]["marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["evac-from", "evac-x", "evac-y"]);
    // Off again: writes go on with nevacuate's buckets (1, then 3) as Go's growWork does.
    e.op("hold:off");
    let s = e.op("i:100");
    assert_eq!(s["layout"]["hmap"]["nevacuate"], 3);
    let s = e.op("i:101");
    assert!(s["layout"]["hmap"]["old_b"].is_null(), "{}", s["layout"]["hmap"]);
}

#[test]
fn history_steps_replay_and_a_loaded_op_list_rebuilds_the_same_maps() {
    let e = Explorer::start(&["--hasher", "mem", "--key-type", "string"]);
    e.post_ok("api/new", json!({"key": "string", "hasher": "mem", "seed": 99}));
    for op in
        ["r:0..30", "rand:12", "d:key-4", "hold:on", "r:30..60", "it", "evac", "l:key-7", "shrink"]
    {
        e.op(op);
    }
    let head = e.state();
    let ops = head["ops"].clone();
    assert_eq!(ops.as_array().unwrap().len(), 9);
    assert!(ops[1].as_str().unwrap().starts_with("rand:12:"), "the seed is drawn once: {ops}");
    assert!(ops[5].as_str().unwrap().starts_with("it:"), "{ops}");
    let steps: Vec<Value> = (0..=9)
        .map(|i| serde_json::from_str(&e.get(&format!("api/state?step={i}")).1).unwrap())
        .collect();
    assert_eq!(steps[9]["layout"], head["layout"]);
    assert_eq!(steps[3]["layout"]["hmap"]["count"], 41);
    assert_eq!(steps[3]["report"]["op"], "d:key-4");
    // Another server, the same op list: the same map at every step.
    let other = Explorer::start(&[]);
    other.post_ok("api/load", json!({"key": "string", "hasher": "mem", "seed": 99, "ops": ops}));
    for (i, s) in steps.iter().enumerate() {
        let (_, t) = other.get(&format!("api/state?step={i}"));
        let t: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(t["layout"], s["layout"], "step {i}");
        assert_eq!(t["report"], s["report"], "step {i}");
    }
    // An op at an earlier step drops the steps after it.
    let s = e.post_ok("api/op", json!({"op": "i:zz", "at": 2}));
    assert_eq!((s["step"].as_u64(), s["steps"].as_u64()), (Some(3), Some(3)));
}

#[test]
fn bad_input_gets_a_4xx_with_one_line_and_the_server_keeps_its_map() {
    let e = modulo();
    e.op("r:0..10");
    let before = e.state()["layout"].clone();
    let huge = format!("{{\"op\": \"i:{}\"}}", "9".repeat(300_000));
    let long_key = format!("{{\"op\": \"i:{}\"}}", "x".repeat(65));
    let cases: Vec<(&str, &str, &str, u16, &str)> = vec![
        ("POST", "api/op", "not json", 400, "bad JSON body"),
        ("POST", "api/op", r#"{"op": "i:1", "extra": 2}"#, 400, "unknown field"),
        ("POST", "api/op", r#"{"op": "frobnicate"}"#, 400, "unknown op 'frobnicate'"),
        ("POST", "api/op", r#"{"op": "i:abc"}"#, 400, "not a u64"),
        ("POST", "api/op", r#"{"op": "i:-1"}"#, 400, "not a u64"),
        ("POST", "api/op", r#"{"op": "r:9..3"}"#, 400, "is empty"),
        ("POST", "api/op", r#"{"op": "i:1", "at": 7}"#, 400, "past the history"),
        ("POST", "api/op", r#"{"op": "rand:1000000"}"#, 422, "1 to 4096 keys"),
        ("POST", "api/op", r#"{"op": "r:0..99999"}"#, 422, "at most 4096 keys"),
        ("POST", "api/op", &long_key, 422, "at most 64 bytes"),
        ("POST", "api/op", &huge, 413, "at most 262144 bytes"),
        ("POST", "api/new", r#"{"key": "f64", "hasher": "mem"}"#, 400, "unknown variant"),
        ("POST", "api/new", r#"{"key": "u64", "hasher": "mem", "ops": ["i:1"]}"#, 400, "no ops"),
        (
            "POST",
            "api/load",
            r#"{"key": "u64", "hasher": "mem", "ops": ["i:1", "x"]}"#,
            400,
            "op 2: unknown op",
        ),
        ("GET", "api/state?step=x", "", 400, "not a number"),
        ("GET", "api/state?step=99", "", 400, "past the history"),
        ("GET", "api/state?bogus=1", "", 400, "unknown query parameter"),
        ("GET", "api/nothing", "", 404, "no such page"),
        ("GET", "api/op", "", 405, "use POST"),
        ("POST", "explore.js", "", 405, "use GET"),
    ];
    for (method, path, body, want, says) in cases {
        let (status, text) = match method {
            "GET" => e.get(path),
            _ => e.post(path, body),
        };
        let shown = &body[..body.len().min(60)];
        assert_eq!(status, want, "{method} {path} {shown}: {text}");
        assert_eq!(text.lines().count(), 1, "{path} {shown}: {text}");
        assert!(text.contains(says), "{path} {shown}: {text}");
        assert_eq!(e.state()["layout"], before, "{path} {shown} changed the map");
    }
    // String keys: any text up to 64 bytes.
    e.post_ok("api/new", json!({"key": "string", "hasher": "modulo"}));
    assert_eq!(e.post("api/op", &long_key).0, 422);
    assert_eq!(e.op("i:abc")["layout"]["hmap"]["count"], 1);
    // Only requests addressed to a loopback name are answered.
    let req = agent().get(format!("{}api/state", e.url)).header("Host", "example.com");
    let (status, text) = answer(req.call());
    assert_eq!(
        (status, text.trim()),
        (403, "the explorer answers requests to 127.0.0.1 or localhost only")
    );
}

#[test]
fn caps_on_map_size_and_history_length_are_422_and_stated() {
    let e = modulo();
    let s = e.op("r:0..4096");
    assert_eq!(
        s["limits"],
        json!({"entries": 4096, "steps": 1000, "bulk": 4096, "work": 100000, "key_len": 64})
    );
    let (status, text) = e.post("api/op", r#"{"op": "i:5000"}"#);
    assert_eq!(
        (status, text.trim()),
        (422, "the explorer's map holds at most 4096 entries (4096 now)")
    );
    e.op("i:5"); // already there: no new entry, so allowed
    let (status, text) = e.post("api/op", r#"{"op": "r:4000..4100"}"#);
    assert_eq!(status, 422, "{text}");
    // The history: at most 1000 ops, and 100,000 keys written over it.
    let ops: Vec<String> = (0..1000).map(|i| format!("l:{i}")).collect();
    e.post_ok("api/load", json!({"key": "u64", "hasher": "modulo", "ops": ops}));
    let (status, text) = e.post("api/op", r#"{"op": "l:1"}"#);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("history is full (1000 ops)"), "{text}");
    let over: Vec<&str> = (0..1001).map(|_| "clear").collect();
    let (status, text) =
        e.post("api/load", &json!({"key": "u64", "hasher": "modulo", "ops": over}).to_string());
    assert_eq!(status, 422, "{text}");
    let churn: Vec<&str> = ["r:0..4096", "clear"].iter().cycle().take(50).copied().collect();
    let (status, text) =
        e.post("api/load", &json!({"key": "u64", "hasher": "modulo", "ops": churn}).to_string());
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("op 49: the history may write at most 100000 keys"), "{text}");
    // Still serving the last good map.
    assert_eq!(e.state()["steps"], 1000);
}

/// The report's marks as (slot, kind) for the slot marks of buckets[`bucket`] at depth 0.
fn slot_marks(s: &Value, bucket: u64) -> Vec<(u64, String)> {
    s["report"]["marks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["bucket"] == bucket && m["depth"] == 0 && m["array"] == "current")
        .map(|m| (m["slot"].as_u64().unwrap(), m["kind"].as_str().unwrap().to_string()))
        .collect()
}

fn lines(s: &Value) -> String {
    let l: Vec<&str> =
        s["report"]["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    l.join("\n")
}

#[test]
fn a_lookup_hit_is_narrated_through_the_equal_key_and_no_further() {
    let e = modulo();
    // B = 0: keys 0-5 in bucket 0's slots 0-5; slot 6 is emptyRest.
    e.op("r:0..6");
    let s = e.op("l:1");
    let said = lines(&s);
    // The map's search returned at slot 1: Go's loop reads slots 0 and 1, not 2-6.
    assert!(said.contains("tophash bytes of slots 0-1 compared"), "{said}");
    assert!(said.contains("slot 1's key is equal, so the search returns there"), "{said}");
    assert!(!said.contains("emptyRest, so nothing later"), "{said}");
    let marks = slot_marks(&s, 0);
    assert!(marks.iter().all(|(slot, _)| *slot <= 1), "marks past the equal key: {marks:?}");
    assert!(marks.contains(&(0, "th-compared".into())), "{marks:?}");
    assert!(marks.contains(&(1, "key-eq".into())), "{marks:?}");
    // How Go's own lookups differ is said on the page.
    assert!(said.contains("mapaccess1_fast64") && said.contains("never stops at emptyRest"));
    // A miss still reads through the emptyRest that ended the search.
    let s = e.op("l:9");
    let said = lines(&s);
    assert!(said.contains("slots 0-6 compared"), "{said}");
    assert!(said.contains("slot 6 is emptyRest"), "{said}");
    assert!(slot_marks(&s, 0).contains(&(6, "th-stop".into())));
}

#[test]
fn a_lookup_mid_grow_names_the_old_array_s_b() {
    let e = modulo();
    e.op("hold:on");
    e.op("r:0..27"); // the 27th key doubles 4 buckets to 8; evacuation waits
    let s = e.op("l:1");
    assert_eq!(s["layout"]["hmap"]["B"], 3);
    let said = lines(&s);
    assert!(
        said.contains("the old array's B = 2: the low 2 bits of the hash are 01 = 1"),
        "{said}"
    );
    assert!(!said.contains("the low B = 2"), "{said}");
    // Key 1 is old bucket 1's first entry: one tophash byte read, and the search returns.
    assert!(
        said.contains("its bucket: the tophash byte of slot 0 compared, b4 in slot 0"),
        "{said}"
    );
}

#[test]
fn refusals_echo_at_most_a_few_characters_of_the_request() {
    let e = modulo();
    let nines = "9".repeat(200_000);
    let digits = "7".repeat(5000);
    let bodies = [
        json!({"op": format!("r:{nines}..5")}).to_string(),
        json!({"op": format!("r:5..{nines}")}).to_string(),
        json!({"op": format!("r:{nines}")}).to_string(),
        json!({"op": format!("it:{nines}")}).to_string(),
        json!({"op": format!("rand:{nines}")}).to_string(),
        json!({"op": format!("frob:{nines}")}).to_string(),
        json!({"key": "u64", "hasher": nines, "seed": 0}).to_string(),
    ];
    for body in &bodies {
        let (status, text) = e.post("api/op", body);
        let (status, text) =
            if body.contains("hasher") { e.post("api/new", body) } else { (status, text) };
        assert!((400..500).contains(&status), "{status}");
        assert!(text.len() < 250, "{} bytes: {}", text.len(), &text[..300]);
        assert_eq!(text.lines().count(), 1);
    }
    for path in [
        format!("api/state?step={digits}"),
        format!("api/state?{digits}=1"),
        format!("api/{digits}"),
    ] {
        let (status, text) = e.get(&path);
        assert!((400..500).contains(&status), "{status}");
        assert!(text.len() < 200, "{} bytes: {}", text.len(), &text[..200]);
    }
    let (_, text) = e.get(&format!("api/state?step={digits}"));
    assert!(text.contains("step '7777777777") && text.contains("…' is not a number"), "{text}");
}

#[test]
fn iteration_has_its_own_colour_and_legend_entry() {
    let e = Explorer::start(&[]);
    let (_, css) = e.get("explore.css");
    let (_, page) = e.get("");
    let stroke = |rule: &str| -> String {
        let at = css.find(&format!("{rule} {{")).unwrap_or_else(|| panic!("{rule} in the CSS"));
        let body = &css[at..at + css[at..].find('}').unwrap()];
        let s = body.find("stroke: ").expect("a stroke") + 8;
        body[s..s + 7].to_string()
    };
    let iter = stroke(".mark.iter");
    assert_ne!(iter, stroke(".mark.freed"), "iteration drawn in the slot-freed colour");
    assert_eq!(iter, stroke(".mark.iter-start"));
    for other in [".mark.taken, .mark.replaced", ".mark.key-eq, .mark.found", ".mark.key-ne"] {
        assert_ne!(iter, stroke(other), "{other}");
    }
    assert!(page.contains(r#"<i class="ol iter"></i>iteration"#), "no legend entry");
    assert!(css.contains(&format!("#legend i.iter {{ border-color: {iter}; }}")), "{css}");
}
