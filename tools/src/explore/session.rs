//! The explorer's map and its history: a list of operations replayed on a live [`GoMap`],
//! each traced through [`gomap::map::traced`] and reported as the page draws it.
//!
//! Every operation is deterministic given its text (random keys and iteration starts are
//! drawn once and written into the op, as `rand:N:SEED` and `it:R`), and so is the hasher
//! given the seed, so replaying a list of ops rebuilds the same map: that is how the history
//! is stepped through and how a shared URL is reloaded. Nothing here works out where a key
//! goes: the map does, and the report says what its own code did.

use super::narrate;
use super::op::{bad, shown, Op, Refusal, MAX_BULK, MAX_ENTRIES, MAX_KEY_LEN, MAX_STEPS, MAX_WORK};
use super::report::Report;
use crate::inspect::{self, Figures, Layout, ModuloState};
use gomap::hash::{GoKeys, RandomState};
use gomap::GoMap;
use serde::Serialize;
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};

/// The key type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `u64` keys.
    U64,
    /// `String` keys.
    String,
}

/// The hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HasherKind {
    /// Go's aeshash (AES-NI on x86-64, AES on arm64), with hash keys drawn from the seed.
    Aes,
    /// Go's memhash, with hash keys drawn from the seed.
    Mem,
    /// The tour's teaching hasher: key k goes to bucket k mod 2^B ([`ModuloState`]).
    Modulo,
}

/// What map the session holds: key type, hasher and seed (Go's hash0; it also fixes the hash
/// keys, so a seed gives the same hashes on every machine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The key type.
    pub key: KeyKind,
    /// The hash function.
    pub hasher: HasherKind,
    /// The seed.
    #[serde(default)]
    pub seed: u32,
}

impl Default for Config {
    fn default() -> Self {
        let hasher = match gomap::hash::backend() {
            gomap::hash::Backend::Aes => HasherKind::Aes,
            gomap::hash::Backend::Mem => HasherKind::Mem,
        };
        Config { key: KeyKind::U64, hasher, seed: 1 }
    }
}

/// SplitMix64: the explorer's own reproducible stream for random keys and hash keys.
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A key type the explorer can hold.
trait Key: Eq + Hash + Debug + Clone + 'static {
    fn parse(text: &str) -> Result<Self, Refusal>;
    /// The range op's i-th key.
    fn nth(i: u64) -> Self;
    /// A random key from a random word.
    fn random(x: u64) -> Self;
}

impl Key for u64 {
    fn parse(text: &str) -> Result<Self, Refusal> {
        text.trim().parse().or_else(|_| {
            bad(format!("key '{}' is not a u64 (this map's keys are whole numbers)", shown(text)))
        })
    }
    fn nth(i: u64) -> Self {
        i
    }
    fn random(x: u64) -> Self {
        // Short enough to read in a slot.
        x % 1_000_000
    }
}

impl Key for String {
    fn parse(text: &str) -> Result<Self, Refusal> {
        Ok(text.to_string())
    }
    fn nth(i: u64) -> Self {
        format!("key-{i}")
    }
    fn random(mut x: u64) -> Self {
        (0..6).map(|_| (b'a' + (splitmix(&mut x) % 26) as u8) as char).collect()
    }
}

/// The map behind a session, whatever its key type and hasher.
trait Live: Send {
    fn apply(&mut self, op: &Op, value: u64, hold: bool) -> Result<Report, Refusal>;
    fn layout(&self) -> Layout;
    fn len(&self) -> usize;
    /// Whether inserting `key` would add an entry (for the size cap).
    fn is_new(&self, key: &str) -> Result<bool, Refusal>;
}

struct LiveMap<K, S> {
    map: GoMap<K, u64, S>,
}

impl<K: Key, S: BuildHasher + Send + 'static> Live for LiveMap<K, S>
where
    K: Send,
{
    fn apply(&mut self, op: &Op, value: u64, hold: bool) -> Result<Report, Refusal> {
        let before = self.map.raw().header();
        let mut r = Report { op: op.to_string(), before: Some(before), ..Report::default() };
        match op {
            Op::Insert(k) | Op::Remove(k) | Op::Lookup(k) => {
                let key = K::parse(k)?;
                let text = format!("{key:?}");
                let mut t = self.map.traced().hold_evacuation(hold);
                let trace = match op {
                    Op::Insert(_) => t.insert(key, value).1,
                    Op::Remove(_) => t.remove(&key).1,
                    _ => t.lookup(&key),
                };
                narrate::keyed(&mut r, op, &text, &before, &trace);
                r.trace = Some(trace);
            }
            Op::Range(lo, hi) => {
                let keys = (*lo..*hi).map(K::nth);
                self.bulk(&mut r, keys, value, hold, &format!("keys {lo} to {}", hi - 1));
            }
            Op::Random(n, seed) => {
                let mut s = *seed;
                let keys: Vec<K> = (0..*n).map(|_| K::random(splitmix(&mut s))).collect();
                self.bulk(&mut r, keys, value, hold, &format!("{n} random keys"));
            }
            Op::Iterate(word) => {
                let raw = self.map.raw();
                // Go's mapiterinit: the word's low B bits pick the bucket, the next 3 the slot
                // offset; iter_from and walk take the low bits themselves.
                let b = raw.header().b;
                let walk = raw.walk(*word as usize, (*word >> b) as usize);
                let offset = (*word >> b) as usize & (gomap::map::BUCKET_CNT - 1);
                let start = *word as usize & ((1usize << b) - 1);
                let mut order = Vec::new();
                let mut places = Vec::new();
                for step in &walk {
                    for (k, _) in &step.entries {
                        order.push(format!("{k:?}"));
                        places.push(raw.trace_lookup(*k));
                    }
                }
                narrate::iteration(&mut r, start, offset, &walk, &places, raw.header().count);
                r.order = Some(order);
            }
            Op::Clear => {
                self.map.clear();
                r.lines.push(
                    "clear: Go's mapclear empties every bucket and keeps the array at its size \
                     (a grow in progress is dropped)"
                        .into(),
                );
                if before.count == 0 {
                    r.lines[0] = "clear on an empty map does nothing, as in Go".into();
                }
            }
            Op::Shrink => {
                self.map.shrink_to_fit();
                let after = self.map.raw().header();
                r.lines.push(format!(
                    "shrink_to_fit (gomap's, Go has none): rebuilt from B = {} to B = {}",
                    before.b, after.b
                ));
                if after.b == before.b && after.has_buckets == before.has_buckets {
                    r.lines[0] = format!(
                        "shrink_to_fit: B = {} is already the smallest for {} entries; nothing \
                         to do",
                        before.b, before.count
                    );
                }
            }
            Op::EvacuateNext => {
                let trace = self.map.traced().evacuate_next();
                narrate::evacuate_next(&mut r, &before, &trace);
                r.trace = Some(trace);
            }
            Op::Hold(on) => r.lines.push(if *on {
                "hold on: writes now leave out growWork's second evacuation (old bucket \
                 nevacuate); press evacuate next to run it"
                    .into()
            } else {
                "hold off: writes evacuate as Go's growWork does, two old buckets each".into()
            }),
        }
        Ok(r)
    }

    fn layout(&self) -> Layout {
        inspect::snapshot(&self.map)
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn is_new(&self, key: &str) -> Result<bool, Refusal> {
        Ok(!self.map.contains_key(&K::parse(key)?))
    }
}

impl<K: Key, S: BuildHasher> LiveMap<K, S> {
    fn bulk(
        &mut self,
        r: &mut Report,
        keys: impl IntoIterator<Item = K>,
        value: u64,
        hold: bool,
        what: &str,
    ) {
        let mut sum = narrate::Bulk::default();
        for k in keys {
            let (old, trace) = self.map.traced().hold_evacuation(hold).insert(k, value);
            sum.add(old.is_some(), &trace);
        }
        narrate::bulk(r, what, &sum);
    }
}

/// Go-style hash keys drawn from `seed`, so the same seed hashes the same on every machine.
fn hasher(kind: HasherKind, seed: u32) -> Result<RandomState, Refusal> {
    let mut s = u64::from(seed) ^ 0x676f_6d61_7065_7870;
    let keys = match kind {
        HasherKind::Aes => GoKeys::Aes(core::array::from_fn(|_| splitmix(&mut s) as u8)),
        // Go makes these odd (runtime/alg.go).
        _ => GoKeys::Mem(core::array::from_fn(|_| splitmix(&mut s) | 1)),
    };
    RandomState::from_go(&keys, seed)
        .or_else(|_| bad("aeshash needs AES instructions this CPU lacks: pick memhash"))
}

fn new_live(c: Config) -> Result<Box<dyn Live>, Refusal> {
    Ok(match (c.key, c.hasher) {
        (KeyKind::U64, HasherKind::Modulo) => {
            Box::new(LiveMap::<u64, _> { map: GoMap::with_hasher(ModuloState) })
        }
        (KeyKind::String, HasherKind::Modulo) => {
            Box::new(LiveMap::<String, _> { map: GoMap::with_hasher(ModuloState) })
        }
        (KeyKind::U64, h) => {
            Box::new(LiveMap::<u64, _> { map: GoMap::with_hasher(hasher(h, c.seed)?) })
        }
        (KeyKind::String, h) => {
            Box::new(LiveMap::<String, _> { map: GoMap::with_hasher(hasher(h, c.seed)?) })
        }
    })
}

/// A map and its history.
pub struct Session {
    config: Config,
    ops: Vec<Op>,
    reports: Vec<Report>,
    work: usize,
    /// The map after every op.
    live: Box<dyn Live>,
    hold: bool,
}

/// The caps, as the page states them.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Limits {
    /// [`MAX_ENTRIES`]
    pub entries: usize,
    /// [`MAX_STEPS`]
    pub steps: usize,
    /// [`MAX_BULK`]
    pub bulk: usize,
    /// [`MAX_WORK`]
    pub work: usize,
    /// [`MAX_KEY_LEN`]
    pub key_len: usize,
}

/// Everything the page shows for one step of the history.
#[derive(Serialize)]
pub struct State<'a> {
    /// The map's kind.
    pub config: Config,
    /// The step shown: 0 is the empty map, n the state after op n.
    pub step: usize,
    /// Ops in the history.
    pub steps: usize,
    /// The whole history, as op texts (also what the URL holds).
    pub ops: Vec<String>,
    /// Whether writes hold back evacuation at this step.
    pub hold: bool,
    /// Go's hmap.flags byte at this step, and what its bits say.
    pub flags: u8,
    /// Names of the set flags.
    pub flag_names: Vec<&'static str>,
    /// The map at this step.
    pub layout: Layout,
    /// Its figures.
    pub figures: Figures,
    /// The header and figures as the text pictures print them.
    pub header_line: String,
    /// The figures as one line.
    pub figures_line: String,
    /// What the op that led here did (none for step 0).
    pub report: Option<&'a Report>,
    /// The caps.
    pub limits: Limits,
    /// Keys written over the history, against [`MAX_WORK`].
    pub work: usize,
}

impl Session {
    /// An empty map of kind `config`.
    pub fn new(config: Config) -> Result<Session, Refusal> {
        Ok(Session {
            config,
            ops: Vec::new(),
            reports: Vec::new(),
            work: 0,
            live: new_live(config)?,
            hold: false,
        })
    }

    /// A map of kind `config` with `ops` applied in order; the first bad op refuses the lot.
    pub fn load(config: Config, ops: &[String]) -> Result<Session, Refusal> {
        if ops.len() > MAX_STEPS {
            return Err(Refusal::Cap(format!(
                "the history holds at most {MAX_STEPS} ops, not {}",
                ops.len()
            )));
        }
        let mut s = Session::new(config)?;
        for (i, text) in ops.iter().enumerate() {
            let op = Op::parse(text).map_err(|e| at_op(i, e))?;
            s.push(op).map_err(|e| at_op(i, e))?;
        }
        Ok(s)
    }

    /// The map's kind.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Ops in the history.
    pub fn steps(&self) -> usize {
        self.ops.len()
    }

    /// Applies `op` after step `at` (the head by default); a step before the head drops the
    /// history after it first, as an editor's undo does.
    pub fn apply(&mut self, op: Op, at: Option<usize>) -> Result<(), Refusal> {
        match at {
            Some(at) if at > self.ops.len() => {
                bad(format!("step {at} is past the history's {} ops", self.ops.len()))
            }
            Some(at) if at < self.ops.len() => {
                let mut s = self.replay(at)?;
                s.push(op)?;
                *self = s;
                Ok(())
            }
            _ => self.push(op),
        }
    }

    /// The session as it was after `step` ops.
    fn replay(&self, step: usize) -> Result<Session, Refusal> {
        let mut s = Session::new(self.config)?;
        for op in &self.ops[..step] {
            s.push(op.clone())?;
        }
        Ok(s)
    }

    fn push(&mut self, op: Op) -> Result<(), Refusal> {
        if self.ops.len() >= MAX_STEPS {
            return Err(Refusal::Cap(format!(
                "the history is full ({MAX_STEPS} ops): step back and go on from there, or \
                 start a new map"
            )));
        }
        if self.work + op.work() > MAX_WORK {
            return Err(Refusal::Cap(format!(
                "the history may write at most {MAX_WORK} keys in all ({} so far): start a new map",
                self.work
            )));
        }
        let adds = match &op {
            Op::Insert(k) => usize::from(self.live.is_new(k)?),
            Op::Range(..) | Op::Random(..) => op.work(),
            _ => 0,
        };
        if self.live.len() + adds > MAX_ENTRIES {
            return Err(Refusal::Cap(format!(
                "the explorer's map holds at most {MAX_ENTRIES} entries ({} now)",
                self.live.len()
            )));
        }
        let value = self.ops.len() as u64 + 1;
        let report = self.live.apply(&op, value, self.hold)?;
        if let Op::Hold(on) = op {
            self.hold = on;
        }
        self.work += op.work();
        self.ops.push(op);
        self.reports.push(report);
        Ok(())
    }

    /// What the page shows at `step` (the head by default).
    pub fn state_json(&self, step: Option<usize>) -> Result<String, Refusal> {
        let step = step.unwrap_or(self.ops.len());
        if step > self.ops.len() {
            return bad(format!("step {step} is past the history's {} ops", self.ops.len()));
        }
        let replayed;
        let (live, hold) = if step == self.ops.len() {
            (&self.live, self.hold)
        } else {
            replayed = self.replay(step)?;
            (&replayed.live, replayed.hold)
        };
        let layout = live.layout();
        let h = layout.header;
        // Go's hmap.flags bits: iterator 1, oldIterator 2, hashWriting 4, sameSizeGrow 8.
        let bits = [
            (h.iterator, 1, "iterator"),
            (h.old_iterator, 2, "oldIterator"),
            (h.same_size_grow, 8, "sameSizeGrow"),
        ];
        let state = State {
            config: self.config,
            step,
            steps: self.ops.len(),
            ops: self.ops.iter().map(Op::to_string).collect(),
            hold,
            flags: bits.iter().filter(|b| b.0).map(|b| b.1).sum(),
            flag_names: bits.iter().filter(|b| b.0).map(|b| b.2).collect(),
            figures: layout.figures(),
            header_line: inspect::text_header_line(&layout),
            figures_line: inspect::text_figures_line(&layout),
            layout,
            report: step.checked_sub(1).map(|i| &self.reports[i]),
            limits: LIMITS,
            work: self.work,
        };
        Ok(serde_json::to_string(&state).expect("the state serialises"))
    }
}

/// The caps.
pub const LIMITS: Limits = Limits {
    entries: MAX_ENTRIES,
    steps: MAX_STEPS,
    bulk: MAX_BULK,
    work: MAX_WORK,
    key_len: MAX_KEY_LEN,
};

fn at_op(i: usize, e: Refusal) -> Refusal {
    match e {
        Refusal::Bad(m) => Refusal::Bad(format!("op {}: {m}", i + 1)),
        Refusal::Cap(m) => Refusal::Cap(format!("op {}: {m}", i + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulo() -> Config {
        Config { key: KeyKind::U64, hasher: HasherKind::Modulo, seed: 0 }
    }

    #[test]
    fn ops_print_as_they_parse() {
        for text in ["i:7", "d:x:y", "l:", "r:0..9", "rand:5:42", "it:99", "clear", "shrink"] {
            assert_eq!(Op::parse(text).unwrap().to_string(), text);
        }
        for text in ["evac", "hold:on", "hold:off"] {
            assert_eq!(Op::parse(text).unwrap().to_string(), text);
        }
        assert!(matches!(Op::parse("rand:3").unwrap(), Op::Random(3, _)));
        for text in ["x:1", "r:5..5", "r:1-2", "rand:0", "it:z", "hold:maybe", "i"] {
            assert!(Op::parse(text).is_err(), "{text}");
        }
        assert!(matches!(Op::parse("rand:5000"), Err(Refusal::Cap(_))));
    }

    #[test]
    fn replaying_the_history_gives_every_step_back() {
        for hasher in [HasherKind::Mem, HasherKind::Modulo] {
            let config = Config { key: KeyKind::String, hasher, seed: 7 };
            let ops: Vec<String> = ["r:0..40", "hold:on", "r:40..60", "d:key-3", "evac", "it"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let s = Session::load(config, &ops).unwrap();
            let texts: Vec<String> = s.ops.iter().map(Op::to_string).collect();
            // The iteration's start was drawn once and is now part of the op.
            assert!(texts[5].starts_with("it:"), "{texts:?}");
            let again = Session::load(config, &texts).unwrap();
            for step in 0..=ops.len() {
                assert_eq!(s.state_json(Some(step)), again.state_json(Some(step)), "{step}");
            }
        }
    }

    #[test]
    fn going_back_and_applying_drops_the_steps_after() {
        let mut s = Session::new(modulo()).unwrap();
        for k in 0..5 {
            s.apply(Op::Insert(k.to_string()), None).unwrap();
        }
        s.apply(Op::Remove("1".into()), Some(2)).unwrap();
        let texts: Vec<String> = s.ops.iter().map(Op::to_string).collect();
        assert_eq!(texts, ["i:0", "i:1", "d:1"]);
        assert_eq!(s.live.len(), 1);
    }

    #[test]
    fn caps_refuse_without_changing_anything() {
        let mut s = Session::new(modulo()).unwrap();
        s.apply(Op::Range(0, 4096), None).unwrap();
        assert!(matches!(s.apply(Op::Insert("5000".into()), None), Err(Refusal::Cap(_))));
        s.apply(Op::Insert("5".into()), None).unwrap(); // already there: no new entry
        assert!(matches!(s.apply(Op::Insert("x".into()), None), Err(Refusal::Bad(_))));
        assert_eq!((s.steps(), s.live.len()), (2, 4096));
    }
}
