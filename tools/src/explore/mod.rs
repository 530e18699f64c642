//! `gomap explore`: a page in the browser that drives a live [`GoMap`]
//! held by a local server, and draws what each operation did on the map's buckets.
//!
//! The server listens on loopback only and serves the page, its script and its style itself
//! (no network needed). The map is real: every operation runs the map's own code through
//! [`gomap::map::traced`], every picture is a snapshot through [`GoMap::raw`], and the page only
//! draws what the server sends. The history is the list of operations (capped, see
//! [`LIMITS`]); a step of it is shown by replaying the list, which the hasher's fixed seed makes
//! exact, and the same list in the page's URL rebuilds the same map after a reload.
//!
//! The API, all answers JSON (the state the page draws) or one line of text with a 4xx:
//!
//! | request | body | does |
//! |---|---|---|
//! | `GET /api/state[?step=N]` | | the map at step N of the history (default: the last) |
//! | `POST /api/op` | `{"op": "i:5", "at": N}` | applies one op after step N (default: the last; an earlier step drops the steps after it) |
//! | `POST /api/new` | `{"key": "u64", "hasher": "modulo", "seed": 1}` | a new empty map |
//! | `POST /api/load` | the same, and `"ops": ["i:5", ...]` | a new map with the ops applied |
//!
//! Ops: `i:KEY` insert, `d:KEY` remove, `l:KEY` lookup, `r:A..B` insert keys A to B-1,
//! `rand:N` insert N random keys, `it` iterate, `clear`, `shrink` (shrink_to_fit), `evac`
//! (evacuate next), `hold:on`/`hold:off` (hold back evacuation).
//!
//! [`GoMap`]: gomap::GoMap
//! [`GoMap::raw`]: gomap::GoMap::raw

mod narrate;
mod op;
mod report;
mod session;

pub use op::{
    shown, Op, Refusal, MAX_BULK, MAX_ECHO, MAX_ENTRIES, MAX_KEY_LEN, MAX_STEPS, MAX_WORK,
};
pub use report::{Mark, Report};
pub use session::{Config, HasherKind, KeyKind, Limits, Session, LIMITS};

use serde::Deserialize;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};

/// The largest request body read, in bytes.
pub const MAX_BODY: usize = 256 * 1024;

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("explore.js");
const STYLE: &str = include_str!("explore.css");

/// An answer: status, content type, body.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

fn ok(content_type: &'static str, body: impl Into<String>) -> Answer {
    Answer { status: 200, content_type, body: body.into() }
}

/// The longest refusal line, in characters: each echoed value is cut to [`op::MAX_ECHO`]
/// already; this bounds what a library's message (serde's) might quote.
const MAX_LINE: usize = 400;

/// A refusal as one line of text, at most [`MAX_LINE`] characters.
fn fail(status: u16, msg: impl Into<String>) -> Answer {
    let line: String = msg.into().lines().collect::<Vec<_>>().join(" ");
    let line = match line.char_indices().nth(MAX_LINE) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    };
    Answer { status, content_type: TEXT, body: line + "\n" }
}

impl From<Refusal> for Answer {
    fn from(r: Refusal) -> Answer {
        match r {
            Refusal::Bad(m) => fail(400, m),
            Refusal::Cap(m) => fail(422, m),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpRequest {
    op: String,
    #[serde(default)]
    at: Option<usize>,
}

/// `Config`'s fields and the ops (serde's `flatten` cannot deny unknown fields).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadRequest {
    key: KeyKind,
    hasher: HasherKind,
    #[serde(default)]
    seed: u32,
    #[serde(default)]
    ops: Vec<String>,
}

fn json<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, Answer> {
    serde_json::from_str(body).map_err(|e| {
        // serde quotes the offending value between backticks: cut each quote as others are.
        let said: Vec<String> = e
            .to_string()
            .split('`')
            .enumerate()
            .map(|(i, part)| if i % 2 == 1 { shown(part) } else { part.to_string() })
            .collect();
        fail(400, format!("bad JSON body: {}", said.join("`")))
    })
}

/// Answers one request: `path` may carry a query. The session is the server's one map.
pub fn handle(session: &mut Session, method: &str, path: &str, body: &str) -> Answer {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let state = |s: &Session, step| s.state_json(step).map_or_else(Answer::from, |j| ok(JSON, j));
    match (method, path) {
        ("GET", "/") | ("GET", "/index.html") => ok("text/html; charset=utf-8", PAGE),
        ("GET", "/explore.js") => ok("text/javascript; charset=utf-8", SCRIPT),
        ("GET", "/explore.css") => ok("text/css; charset=utf-8", STYLE),
        ("GET", "/api/state") => {
            let mut step = None;
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("step", n)) => match n.parse() {
                        Ok(n) => step = Some(n),
                        Err(_) => return fail(400, format!("step '{}' is not a number", shown(n))),
                    },
                    _ => {
                        let pair = shown(pair);
                        return fail(400, format!("unknown query parameter '{pair}' (step=N)"));
                    }
                }
            }
            state(session, step)
        }
        ("POST", "/api/op") => {
            let req: OpRequest = match json(body) {
                Ok(r) => r,
                Err(a) => return a,
            };
            match Op::parse(&req.op).and_then(|op| session.apply(op, req.at)) {
                Ok(()) => state(session, None),
                Err(e) => e.into(),
            }
        }
        ("POST", "/api/new") | ("POST", "/api/load") => {
            let req: LoadRequest = match json(body) {
                Ok(r) => r,
                Err(a) => return a,
            };
            if path == "/api/new" && !req.ops.is_empty() {
                return fail(400, "/api/new takes no ops (use /api/load)");
            }
            let config = Config { key: req.key, hasher: req.hasher, seed: req.seed };
            match Session::load(config, &req.ops) {
                Ok(s) => {
                    *session = s;
                    state(session, None)
                }
                Err(e) => e.into(),
            }
        }
        (_, "/" | "/index.html" | "/explore.js" | "/explore.css" | "/api/state") => {
            fail(405, format!("{} {path}: use GET", shown(method)))
        }
        (_, "/api/op" | "/api/new" | "/api/load") => {
            fail(405, format!("{} {path}: use POST", shown(method)))
        }
        _ => fail(404, format!("no such page: {}", shown(path))),
    }
}

/// The explorer's HTTP server: one map, on loopback.
pub struct Server {
    http: tiny_http::Server,
    addr: SocketAddr,
    session: Session,
}

impl Server {
    /// Listens on 127.0.0.1:`port` (0: any free port) with an empty map of kind `config`.
    pub fn bind(port: u16, config: Config) -> Result<Server, String> {
        let session = Session::new(config).map_err(|e| e.to_string())?;
        let http = tiny_http::Server::http((Ipv4Addr::LOCALHOST, port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let addr = http.server_addr().to_ip().expect("a TCP listener has an IP address");
        Ok(Server { http, addr, session })
    }

    /// The page's address.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves requests until the process ends. A request that panics gets a 500 and a fresh
    /// map of the same kind; the server keeps running.
    pub fn run(mut self) {
        for mut req in self.http.incoming_requests() {
            let answer = match read(&mut req) {
                Err(a) => a,
                Ok(body) => {
                    let (method, url) = (req.method().as_str().to_string(), req.url().to_string());
                    let session = &mut self.session;
                    let run = || handle(session, &method, &url, &body);
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
                        Ok(a) => a,
                        Err(_) => {
                            let config = self.session.config();
                            self.session = Session::new(config).expect("it was made before");
                            fail(500, "internal error: the map was reset")
                        }
                    }
                }
            };
            let header = |k: &str, v: &str| {
                tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("ASCII header")
            };
            let resp = tiny_http::Response::from_string(answer.body)
                .with_status_code(answer.status)
                .with_header(header("Content-Type", answer.content_type))
                .with_header(header("Cache-Control", "no-store"));
            // A client that went away is not the server's problem.
            let _ = req.respond(resp);
        }
    }
}

/// The body of `req`, after checking that it is addressed to a loopback name (so another
/// site's page, its name pointed at 127.0.0.1, cannot drive the map) and not too large.
fn read(req: &mut tiny_http::Request) -> Result<String, Answer> {
    let host = req.headers().iter().find(|h| h.field.equiv("Host")).map(|h| h.value.as_str());
    let name = host.map(|h| h.rsplit_once(':').map_or(h, |(n, _)| n));
    if !matches!(name, Some("127.0.0.1" | "localhost" | "[::1]")) {
        return Err(fail(403, "the explorer answers requests to 127.0.0.1 or localhost only"));
    }
    let mut body = Vec::new();
    let limit = MAX_BODY as u64 + 1;
    if req.as_reader().take(limit).read_to_end(&mut body).is_err() {
        return Err(fail(400, "could not read the request body"));
    }
    if body.len() > MAX_BODY {
        return Err(fail(413, format!("a request body is at most {MAX_BODY} bytes")));
    }
    String::from_utf8(body).map_err(|_| fail(400, "the request body is not UTF-8"))
}
