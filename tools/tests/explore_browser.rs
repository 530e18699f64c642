//! The `gomap explore` page in a real headless Chromium, driven through chromedriver's W3C
//! WebDriver API: type keys, press buttons, and check that the page's DOM and SVG show what the
//! live map (the server's API) says.
//!
//! Needs Debian's `chromium` and `chromium-driver`, which a fresh machine may lack, so the tests
//! are `#[ignore]`d with that reason and `cargo test` reports them as ignored. Run them with
//! `cargo test -p gomap-tools --test explore_browser -- --include-ignored` (`.ci/run` installs
//! both and runs every ignored test); asked to run without Chromium, they fail and say so.
//! `CHROMIUM` and `CHROMEDRIVER` name other binaries. With `GOMAP_EXPLORE_SHOTS=DIR` they save
//! a screenshot of each checked state into DIR.

mod explore_common;

use explore_common::{agent, answer, Explorer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `name` from the environment variable `var`, else the first of `names` on PATH.
fn find(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver, and one browser session in it; both end on drop.
struct Browser {
    driver: Child,
    base: String,
    profile: PathBuf,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    fn start() -> Browser {
        let how = "install Debian's chromium and chromium-driver (apt-get install -y chromium \
                   chromium-driver), or set CHROMIUM and CHROMEDRIVER";
        let chromium = find("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"])
            .unwrap_or_else(|| panic!("the browser test needs Chromium: {how}"));
        let driver_bin = find("CHROMEDRIVER", &["chromedriver"])
            .unwrap_or_else(|| panic!("the browser test needs chromedriver: {how}"));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", driver_bin.display()));
        let base = format!("http://127.0.0.1:{port}");
        let profile =
            // One profile per browser: tests run side by side, and Chromium locks its profile.
            std::env::temp_dir().join(format!("gomap-explore-browser-{}-{port}", std::process::id()));
        let mut b = Browser { driver, base, profile };
        let t = Instant::now();
        while answer_ok(agent().get(format!("{}/status", b.base)).call()).is_none() {
            assert!(t.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    "--window-size=1400,1100", format!("--user-data-dir={}", b.profile.display())],
            },
        }}});
        let session = b.call("POST", "/session", Some(caps));
        let id = session["sessionId"].as_str().expect("a session id").to_string();
        b.base = format!("{}/session/{id}", b.base);
        b
    }

    /// One WebDriver command: its `value`, or a panic with the driver's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let r = match body {
            Some(b) => {
                agent().post(url).header("Content-Type", "application/json").send(b.to_string())
            }
            None if method == "DELETE" => agent().delete(url).call(),
            None => agent().get(url).call(),
        };
        let (status, text) = answer(r);
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(status, 200, "WebDriver {method} {path}: {text}");
        v["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap().to_string()
    }

    fn find(&self, css: &str) -> String {
        let v = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.call("POST", &format!("/element/{e}/value"), Some(json!({ "text": text })));
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/text"), None).as_str().unwrap().to_string()
    }

    fn js(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// Waits until the page has shown step `step` and is not waiting on the server.
    fn wait_step(&self, step: u64) {
        let t = Instant::now();
        loop {
            let v = self.js("return [document.body.dataset.step, document.body.dataset.busy]");
            if v == json!([step.to_string(), ""]) {
                return;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "the page never showed step {step}: {v}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the SVG draws: per chain, its array, bucket, whether greyed as evacuated, and its
    /// slots' states and keys.
    fn drawn(&self) -> Value {
        self.js("return Array.from(document.querySelectorAll('#picture g.chain')).map(g => ({
               array: g.dataset.array, bucket: +g.dataset.bucket,
               evacuated: g.dataset.evacuated === '1',
               slots: Array.from(g.querySelectorAll('g.slot'))
                 .map(s => [s.dataset.state, s.dataset.key === undefined ? null : s.dataset.key])
             }))")
    }

    /// The marks the SVG draws for the last op: [array, bucket, slot or null, kind].
    fn marks(&self) -> Value {
        self.js("return Array.from(document.querySelectorAll('#picture rect.mark')).map(r => [
               r.closest('g.chain').dataset.array, +r.closest('g.chain').dataset.bucket,
               r.dataset.slot === undefined ? null : +r.dataset.slot,
               r.getAttribute('class').replace('mark ', '')])")
    }

    fn shot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("GOMAP_EXPLORE_SHOTS") {
            let png = self.call("GET", "/screenshot", None);
            let bytes = base64(png.as_str().unwrap());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(Path::new(&dir).join(format!("explore-{name}.png")), bytes).unwrap();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if self.base.contains("/session/") {
            let _ = agent().delete(self.base.clone()).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn answer_ok(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Option<()> {
    r.ok().filter(|r| r.status() == 200).map(|_| ())
}

/// Standard base64, for the driver's screenshots.
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().enumerate().fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
            let bytes = n.to_be_bytes();
            bytes[1..c.len()].to_vec()
        })
        .collect()
}

/// The chains of the server's state in the shape `Browser::drawn` reads from the page.
fn expected(state: &Value) -> Value {
    let lay = &state["layout"];
    let mut out = Vec::new();
    for (name, key) in [("oldbuckets", "oldbuckets"), ("buckets", "buckets")] {
        for c in lay[key].as_array().unwrap() {
            let slots: Vec<Value> = c["chain"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|b| b["slots"].as_array().unwrap().clone())
                .map(|s| json!([s["state"], s["key"]]))
                .collect();
            let evacuated = name == "oldbuckets" && c["evacuated"].as_bool().unwrap();
            out.push(json!({"array": name, "bucket": c["index"], "evacuated": evacuated, "slots": slots}));
        }
    }
    Value::Array(out)
}

#[test]
#[ignore = "needs chromium and chromedriver: apt-get install chromium chromium-driver, then \
            cargo test -- --include-ignored"]
fn the_page_drives_a_live_map_and_draws_what_it_says() {
    let server = Explorer::start(&[]);
    let b = Browser::start();
    // A fresh map with the teaching hasher, named by the address.
    b.goto(&format!("{}?key=u64&hasher=modulo&seed=0", server.url));
    b.wait_step(0);
    assert_eq!(b.text("#stepinfo"), "step 0 of 0");

    // 1. Nine keys typed and inserted one by one: two buckets, evens and odds in slot order.
    for k in 0..9u64 {
        b.type_into("#key", &k.to_string());
        b.click("#insert");
        b.wait_step(k + 1);
    }
    let live = server.state();
    assert_eq!(live["layout"]["hmap"]["B"], 1);
    assert_eq!((b.text("#h-count"), b.text("#h-B")), ("9".into(), "1".into()));
    let drawn = b.drawn();
    assert_eq!(drawn, expected(&live), "the SVG against the live map");
    let keys = |bucket: usize| -> Vec<Value> {
        drawn[bucket]["slots"].as_array().unwrap().iter().map(|s| s[1].clone()).collect()
    };
    assert_eq!(drawn.as_array().unwrap().len(), 2);
    let n = Value::Null;
    assert_eq!(
        keys(0),
        [
            json!("0"),
            json!("2"),
            json!("4"),
            json!("6"),
            json!("8"),
            n.clone(),
            n.clone(),
            n.clone()
        ]
    );
    assert_eq!(
        keys(1),
        [
            json!("1"),
            json!("3"),
            json!("5"),
            json!("7"),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone()
        ]
    );
    let marks = b.marks();
    assert!(marks.as_array().unwrap().contains(&json!(["buckets", 0, 4, "taken"])), "{marks}");
    assert!(b.text("#report-lines").contains("hashGrow: one more entry would pass 6.5 per bucket"));
    b.shot("nine-inserts");

    // 2. A key of the wrong type: the server's one line on the page, and nothing changes.
    b.type_into("#key", "abc");
    b.click("#insert");
    let t = Instant::now();
    while b.js("return document.getElementById('error').hidden") != json!(false) {
        assert!(t.elapsed() < Duration::from_secs(10), "no error shown");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(b.text("#error").contains("key 'abc' is not a u64"), "{}", b.text("#error"));
    b.wait_step(9);
    assert_eq!(server.state()["steps"], 9);

    // 3. Hold back evacuation, fill to 26 keys, and the 27th starts a grow that waits.
    b.type_into("#range-from", "9");
    b.type_into("#range-to", "26");
    b.click("#range");
    b.wait_step(10);
    b.click("#hold");
    b.wait_step(11);
    b.type_into("#key", "26");
    b.click("#insert");
    b.wait_step(12);
    assert_eq!((b.text("#h-B"), b.text("#h-nevacuate")), ("3".into(), "0".into()));
    assert_eq!(b.text("#h-old"), "4 buckets");
    assert_eq!(b.drawn(), expected(&server.state()));
    assert!(b.marks().as_array().unwrap().contains(&json!(["oldbuckets", 0, null, "held"])));
    b.shot("held-grow");

    // 4. Evacuate next: nevacuate moves by one; old bucket 0 splits into X = 0 and Y = 4.
    b.click("#evacuate");
    b.wait_step(13);
    assert_eq!(b.text("#h-nevacuate"), "1");
    let live = server.state();
    assert_eq!(live["layout"]["hmap"]["nevacuate"], 1);
    let drawn = b.drawn();
    assert_eq!(drawn, expected(&live));
    assert_eq!(drawn[0]["evacuated"], true, "old bucket 0 greyed: {}", drawn[0]);
    let marks = b.marks();
    for m in [
        json!(["oldbuckets", 0, null, "evac-from"]),
        json!(["buckets", 0, null, "evac-x"]),
        json!(["buckets", 4, null, "evac-y"]),
    ] {
        assert!(marks.as_array().unwrap().contains(&m), "{m} in {marks}");
    }
    b.shot("evacuate-next");

    // 5. Back one step, then reload the page's own address: the same state, from the op list.
    b.click("#back");
    b.wait_step(12);
    assert_eq!(b.text("#h-nevacuate"), "0");
    let addr = b.url();
    assert!(
        addr.contains("ops=i:0,i:1,") && addr.contains("hold:on") && addr.ends_with("&step=12"),
        "{addr}"
    );
    let before = b.drawn();
    b.goto(&addr);
    b.wait_step(12);
    assert_eq!(b.text("#stepinfo"), "step 12 of 13");
    assert_eq!(b.drawn(), before);

    // 6. Iterate: the order the map gave, numbered on the slots, from the random start.
    b.click("#forward");
    b.wait_step(13);
    b.click("#iterate");
    b.wait_step(14);
    let order = b.text("#order");
    let live = server.state();
    let want: Vec<&str> =
        live["report"]["order"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(order, format!("order: {}", want.join(" ")));
    assert_eq!(want.len(), 27);
    let numbered = b.js("return document.querySelectorAll('#picture rect.mark.iter').length");
    assert_eq!(numbered, 27);
    b.shot("iterate");
}

#[test]
#[ignore = "needs chromium and chromedriver: apt-get install chromium chromium-driver, then \
            cargo test -- --include-ignored"]
fn a_refused_load_leaves_the_page_showing_the_map_the_server_holds() {
    let server = Explorer::start(&["--hasher", "modulo"]);
    server.op("r:0..12");
    server.op("l:3");
    let b = Browser::start();
    // A link whose first op is refused: the server keeps its map, and so must the page.
    b.goto(&format!("{}?hasher=modulo&seed=0&ops=i:abc,i:1", server.url));
    b.wait_step(2);
    assert!(b.text("#error").contains("op 1: key 'abc' is not a u64"), "{}", b.text("#error"));
    assert_eq!(b.js("return document.getElementById('error').hidden"), json!(false));
    assert_eq!(b.text("#stepinfo"), "step 2 of 2");
    assert_eq!(b.text("#h-count"), "12");
    let live = server.state();
    assert_eq!(b.drawn(), expected(&live), "the SVG against the server's map");
    assert_eq!(b.js("return document.getElementById('forward').disabled"), json!(true));
    // The next click acts on the map shown.
    b.type_into("#key", "40");
    b.click("#insert");
    b.wait_step(3);
    assert_eq!(server.state()["layout"]["hmap"]["count"], 13);
    assert_eq!(b.text("#h-count"), "13");
    assert_eq!(b.drawn(), expected(&server.state()));
}
