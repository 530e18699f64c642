//! Shared by tests/explore_*.rs: a `gomap explore` server in a child process, and an HTTP
//! client for it.

#![allow(dead_code)] // each test file uses its own part

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `gomap explore` process, killed on drop.
pub struct Explorer {
    child: Child,
    /// The URL it printed.
    pub url: String,
}

impl Explorer {
    /// Starts `gomap explore ARGS` and reads the URL from its first line.
    pub fn start(args: &[&str]) -> Explorer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gomap"))
            .arg("explore")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the gomap binary runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in the first line: {line:?}"))
            .to_string();
        Explorer { child, url }
    }

    /// GET `path` (without its leading /): status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        answer(agent().get(format!("{}{path}", self.url)).call())
    }

    /// POST `body` to `path`: status and body.
    pub fn post(&self, path: &str, body: &str) -> (u16, String) {
        let req = agent().post(format!("{}{path}", self.url));
        answer(req.header("Content-Type", "application/json").send(body))
    }

    /// POST a JSON value and expect 200 and a state back.
    pub fn post_ok(&self, path: &str, body: Value) -> Value {
        let (status, text) = self.post(path, &body.to_string());
        assert_eq!(status, 200, "{path} {body}: {text}");
        serde_json::from_str(&text).expect("a JSON state")
    }

    /// One op, expected to succeed: the state after it.
    pub fn op(&self, op: &str) -> Value {
        self.post_ok("api/op", serde_json::json!({ "op": op }))
    }

    /// The state at the head of the history.
    pub fn state(&self) -> Value {
        let (status, text) = self.get("api/state");
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).expect("a JSON state")
    }
}

impl Drop for Explorer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An agent that hands back 4xx and 5xx answers instead of turning them into errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

pub fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    let mut r = r.expect("the server answers");
    let status = r.status().as_u16();
    (status, r.body_mut().read_to_string().expect("a text body"))
}

/// The keys of one array's chains as the state lists them: per bucket, per slot.
pub fn keys(state: &Value, array: &str) -> Vec<Vec<Option<String>>> {
    state["layout"][array]
        .as_array()
        .expect("an array of chains")
        .iter()
        .map(|c| {
            c["chain"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|b| b["slots"].as_array().unwrap())
                .map(|s| s["key"].as_str().map(str::to_string))
                .collect()
        })
        .collect()
}
