//! The explorer's operations as written in the history and the URL, and the caps on them.

use std::fmt;

/// The most entries the map may hold.
pub const MAX_ENTRIES: usize = 4096;
/// The most operations the history keeps.
pub const MAX_STEPS: usize = 1000;
/// The most keys one bulk insert writes.
pub const MAX_BULK: usize = 4096;
/// The most keys written over the whole history (bulk inserts count each key): bounds what
/// replaying the history to show a step costs.
pub const MAX_WORK: usize = 100_000;
/// The longest string key, in bytes.
pub const MAX_KEY_LEN: usize = 64;

/// Why a request was refused: bad input (400) or a stated cap (422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed or meaningless input.
    Bad(String),
    /// Understood, but over one of the caps above.
    Cap(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Bad(m) | Refusal::Cap(m) => f.write_str(m),
        }
    }
}

/// The most characters of a request's text that a refusal echoes.
pub const MAX_ECHO: usize = 24;

/// `text` as a refusal echoes it: its first [`MAX_ECHO`] characters, and "…" when there were
/// more, so that no answer grows with its request.
pub fn shown(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX_ECHO).collect();
    if chars.next().is_some() {
        head + "…"
    } else {
        head
    }
}

pub(super) fn bad<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::Bad(msg.into()))
}

/// One operation, as written in the history and the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `i:KEY`
    Insert(String),
    /// `d:KEY`
    Remove(String),
    /// `l:KEY`
    Lookup(String),
    /// `r:A..B`: keys A to B-1 (u64), or "key-A" to "key-{B-1}".
    Range(u64, u64),
    /// `rand:N:SEED`: N random keys (`rand:N` draws the seed).
    Random(usize, u64),
    /// `it:R`: an iteration from Go's random word R (`it` draws it).
    Iterate(u64),
    /// `clear`
    Clear,
    /// `shrink`: shrink_to_fit (gomap's, not Go's).
    Shrink,
    /// `evac`: growWork's nevacuate step on its own.
    EvacuateNext,
    /// `hold:on` / `hold:off`: whether writes hold back that step.
    Hold(bool),
}

impl Op {
    /// Parses an op; `rand:N` and `it` get their random numbers drawn here.
    pub fn parse(text: &str) -> Result<Op, Refusal> {
        let (name, arg) = match text.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (text, None),
        };
        let num = |what: &str, s: &str| {
            s.trim()
                .parse::<u64>()
                .or_else(|_| bad(format!("{what} '{}' is not a number", shown(s))))
        };
        let key = |a: Option<&str>| match a {
            Some(k) if k.len() <= MAX_KEY_LEN => Ok(k.to_string()),
            Some(_) => Err(Refusal::Cap(format!("a key is at most {MAX_KEY_LEN} bytes"))),
            None => bad(format!("'{name}' needs a key: {name}:KEY")),
        };
        Ok(match (name, arg) {
            ("i", a) => Op::Insert(key(a)?),
            ("d", a) => Op::Remove(key(a)?),
            ("l", a) => Op::Lookup(key(a)?),
            ("r", Some(a)) => {
                let Some((lo, hi)) = a.split_once("..") else {
                    return bad(format!("range '{}' is not A..B", shown(a)));
                };
                let (lo, hi) = (num("range start", lo)?, num("range end", hi)?);
                if lo >= hi {
                    return bad(format!("range {lo}..{hi} is empty"));
                }
                if hi - lo > MAX_BULK as u64 {
                    return Err(Refusal::Cap(format!(
                        "a range inserts at most {MAX_BULK} keys, not {}",
                        hi - lo
                    )));
                }
                Op::Range(lo, hi)
            }
            ("rand", Some(a)) => {
                let (n, seed) = match a.split_once(':') {
                    Some((n, s)) => (num("count", n)?, num("seed", s)?),
                    None => (num("count", a)?, rand::random()),
                };
                if n == 0 || n > MAX_BULK as u64 {
                    return Err(Refusal::Cap(format!(
                        "a random insert writes 1 to {MAX_BULK} keys, not {n}"
                    )));
                }
                Op::Random(n as usize, seed)
            }
            ("it", None) => Op::Iterate(rand::random()),
            ("it", Some(r)) => Op::Iterate(num("iteration start", r)?),
            ("clear", None) => Op::Clear,
            ("shrink", None) => Op::Shrink,
            ("evac", None) => Op::EvacuateNext,
            ("hold", Some("on")) => Op::Hold(true),
            ("hold", Some("off")) => Op::Hold(false),
            _ => {
                return bad(format!(
                    "unknown op '{}' (ops: i:KEY d:KEY l:KEY r:A..B rand:N it clear \
                     shrink evac hold:on hold:off)",
                    shown(text)
                ));
            }
        })
    }

    /// Keys the op writes, for the [`MAX_WORK`] cap.
    pub(super) fn work(&self) -> usize {
        match self {
            Op::Range(lo, hi) => (hi - lo) as usize,
            Op::Random(n, _) => *n,
            _ => 1,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Insert(k) => write!(f, "i:{k}"),
            Op::Remove(k) => write!(f, "d:{k}"),
            Op::Lookup(k) => write!(f, "l:{k}"),
            Op::Range(lo, hi) => write!(f, "r:{lo}..{hi}"),
            Op::Random(n, seed) => write!(f, "rand:{n}:{seed}"),
            Op::Iterate(r) => write!(f, "it:{r}"),
            Op::Clear => f.write_str("clear"),
            Op::Shrink => f.write_str("shrink"),
            Op::EvacuateNext => f.write_str("evac"),
            Op::Hold(on) => write!(f, "hold:{}", if *on { "on" } else { "off" }),
        }
    }
}
