//! The Go twin: one script of map operations run on a GoMap and on a real Go map (Go's own
//! runtime, through `tools/gotwin`), compared field by field and byte by byte after every
//! operation.
//!
//! The Go side prints its process's hash keys and the map's `hash0`; the GoMap is built with
//! [`RandomState::from_go`] on those, so both hash every key to the same 64 bits and the
//! comparison can demand the same tophash byte in the same slot of the same bucket. What is
//! compared, and the one thing that cannot be (noverflow from B = 16), is in docs/twin.md; the
//! wire format between the two sides is tools/gotwin/PROTOCOL.md.
//!
//! ```no_run
//! use gomap_tools::inspect::twin::{self, Backend, GoTool};
//!
//! let tool = GoTool::build_default(false).expect("a Go toolchain");
//! for script in twin::suite(twin::Size::Small) {
//!     let report = twin::run(&script, &tool, Backend::Mem).expect("identical");
//!     println!("{report}");
//! }
//! ```

use gomap::hash::{GoKeys, RandomState};
use gomap::map::raw::{BmapView, BucketShape, ChainView, Generation, Header};
use gomap::map::BUCKET_CNT;
use gomap::GoMap;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, Write as _};
use std::process::Stdio;
use std::rc::Rc;

pub use super::gotool::{go_toolchain, target_dir, GoMapKind, GoTool, GO_BIN};
pub use gomap::hash::Backend;

/// A 16-byte key hashed as Go hashes a `[16]byte` (memhash over the 16 bytes). A plain
/// `[u8; 16]` would not do: Rust's `Hash` for arrays writes the length first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Id16(pub [u8; 16]);

impl Hash for Id16 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(&self.0);
    }
}

/// The key types the twin runs: Go's `uint64`, `string` and `[16]byte`.
pub trait TwinKey: Hash + Eq + Clone + fmt::Debug {
    /// The script's name for the type (`keys u64|str|id16`).
    const NAME: &'static str;
    /// Parses a key token of the wire format.
    fn parse(tok: &str) -> Result<Self, String>;
    /// Appends the key's token.
    fn token(&self, out: &mut String);
    /// The key's bytes as the digest takes them.
    fn digest(&self, d: &mut Fnv);
    /// How many bytes of Go's key slot this key stands for (for the bytes-compared count).
    fn slot_bytes(&self) -> usize;
}

impl TwinKey for u64 {
    const NAME: &'static str = "u64";
    fn parse(tok: &str) -> Result<Self, String> {
        tok.parse().map_err(|_| format!("bad u64 key {tok:?}"))
    }
    fn token(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
    fn digest(&self, d: &mut Fnv) {
        d.bytes(&self.to_le_bytes());
    }
    fn slot_bytes(&self) -> usize {
        8
    }
}

impl TwinKey for String {
    const NAME: &'static str = "str";
    fn parse(tok: &str) -> Result<Self, String> {
        if tok == "." {
            return Ok(String::new());
        }
        String::from_utf8(hex_bytes(tok)?).map_err(|_| format!("str key {tok:?} is not UTF-8"))
    }
    fn token(&self, out: &mut String) {
        if self.is_empty() {
            out.push('.');
        }
        for b in self.bytes() {
            let _ = write!(out, "{b:02x}");
        }
    }
    fn digest(&self, d: &mut Fnv) {
        d.bytes(&(self.len() as u64).to_le_bytes());
        d.bytes(self.as_bytes());
    }
    fn slot_bytes(&self) -> usize {
        self.len()
    }
}

impl TwinKey for Id16 {
    const NAME: &'static str = "id16";
    fn parse(tok: &str) -> Result<Self, String> {
        let b = hex_bytes(tok)?;
        Ok(Id16(b.try_into().map_err(|_| format!("id16 key {tok:?} is not 16 bytes"))?))
    }
    fn token(&self, out: &mut String) {
        for b in self.0 {
            let _ = write!(out, "{b:02x}");
        }
    }
    fn digest(&self, d: &mut Fnv) {
        d.bytes(&self.0);
    }
    fn slot_bytes(&self) -> usize {
        16
    }
}

fn hex_bytes(tok: &str) -> Result<Vec<u8>, String> {
    if !tok.len().is_multiple_of(2) || !tok.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("bad hex {tok:?}"));
    }
    (0..tok.len() / 2)
        .map(|i| u8::from_str_radix(&tok[2 * i..2 * i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// FNV-1a, 64 bits: the digest both sides compute over a chain and over the whole map.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Takes in `bytes`.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    /// The digest so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// One map operation of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op<K> {
    /// `m[key] = value`.
    Insert(K, u64),
    /// `delete(m, key)`.
    Delete(K),
    /// A whole `range` over the map (its start and order are compared).
    Range,
    /// `clear(m)`.
    Clear,
}

/// A named sequence of operations on one map.
#[derive(Clone, Debug)]
pub struct Script<K> {
    /// What the script exercises.
    pub name: String,
    /// `make(map[K]uint64, hint)`; `None` for `make(map[K]uint64)`.
    pub hint: Option<usize>,
    /// The operations, numbered from 0.
    pub ops: Vec<Op<K>>,
}

impl<K: TwinKey> Script<K> {
    /// The script in the wire format tools/gotwin reads.
    pub fn to_text(&self) -> String {
        let mut s = format!("# {}\nkeys {}\n", self.name, K::NAME);
        if let Some(h) = self.hint {
            let _ = writeln!(s, "hint {h}");
        }
        for op in &self.ops {
            op_text(op, &mut s);
            s.push('\n');
        }
        s
    }
}

pub(crate) fn op_text<K: TwinKey>(op: &Op<K>, s: &mut String) {
    match op {
        Op::Insert(k, v) => {
            s.push_str("insert ");
            k.token(s);
            let _ = write!(s, " {v}");
        }
        Op::Delete(k) => {
            s.push_str("delete ");
            k.token(s);
        }
        Op::Range => s.push_str("range"),
        Op::Clear => s.push_str("clear"),
    }
}

/// A script of any of the three key types.
#[derive(Clone, Debug)]
pub enum AnyScript {
    /// `map[uint64]uint64`.
    U64(Script<u64>),
    /// `map[string]uint64`.
    Str(Script<String>),
    /// `map[[16]byte]uint64`.
    Id16(Script<Id16>),
}

impl AnyScript {
    /// The script's name.
    pub fn name(&self) -> &str {
        match self {
            AnyScript::U64(s) => &s.name,
            AnyScript::Str(s) => &s.name,
            AnyScript::Id16(s) => &s.name,
        }
    }

    /// How many operations it has.
    pub fn len(&self) -> usize {
        match self {
            AnyScript::U64(s) => s.ops.len(),
            AnyScript::Str(s) => s.ops.len(),
            AnyScript::Id16(s) => s.ops.len(),
        }
    }

    /// Whether it has no operations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How big the suite's scripts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// About 25,000 operations per hash path: for `cargo test` in a debug build.
    Small,
    /// About 180,000 operations per hash path, up to B = 15: what CI runs.
    Full,
}

/// splitmix64, for reproducible scripts.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// nsqd-style message ID: 16 ASCII hex digits of a time-ordered counter.
pub(crate) fn msg_id(guid: u64) -> Id16 {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = HEX[((guid >> (60 - 4 * i)) & 0xf) as usize];
    }
    Id16(id)
}

pub(crate) fn random_str(r: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789/-_.";
    let len = r.below(41) as usize;
    (0..len).map(|_| ALPHABET[r.below(ALPHABET.len() as u64) as usize] as char).collect()
}

/// Random inserts and deletes over a key pool of `pool` keys, a range every `range_every` ops.
pub(crate) fn mixed<K: Clone>(
    r: &mut Rng,
    ops: usize,
    pool: &[K],
    insert_pct: u64,
    range_every: usize,
    out: &mut Vec<Op<K>>,
) {
    for i in 0..ops {
        let k = pool[r.below(pool.len() as u64) as usize].clone();
        if range_every > 0 && i % range_every == range_every - 1 {
            out.push(Op::Range);
        } else if r.below(100) < insert_pct {
            out.push(Op::Insert(k, i as u64));
        } else {
            out.push(Op::Delete(k));
        }
    }
}

/// Churn that keeps about `live(i)` keys after the i-th insert: insert a new key, delete the
/// oldest until no more than that are left. With the count near the load factor's limit the
/// chains fill and empty unevenly, overflow buckets pile up, and Go's
/// too-many-overflow-buckets rule starts same-size grows.
pub(crate) fn fifo_churn<K: Clone>(
    keys: &[K],
    live: impl Fn(usize) -> usize,
    range_every: usize,
    out: &mut Vec<Op<K>>,
) {
    let mut oldest = 0;
    for (i, k) in keys.iter().enumerate() {
        out.push(Op::Insert(k.clone(), i as u64));
        while i + 1 - oldest > live(i) {
            out.push(Op::Delete(keys[oldest].clone()));
            oldest += 1;
        }
        if range_every > 0 && i % range_every == range_every - 1 {
            out.push(Op::Range);
        }
    }
}

/// The scripts the twin runs: u64, string and `[16]byte` keys; sequential inserts through
/// several grows (to B = 15 in the full suite); random inserts and deletes; delete-heavy churn
/// that forces same-size grows; deletes and inserts during a grow; ranges before, during and
/// after grows; clear and make hints.
pub fn suite(size: Size) -> Vec<AnyScript> {
    let full = size == Size::Full;
    let scale = |small: usize, big: usize| if full { big } else { small };
    let mut v = Vec::new();

    // Sequential keys through every grow up to B = 15 (full: 2^14 * 6.5 = 106,496 entries is
    // the last trigger, and the inserts after it finish that grow).
    let n = scale(14_000, 124_000);
    let ops = (0..n as u64).map(|k| Op::Insert(k, k)).collect();
    v.push(AnyScript::U64(Script {
        name: format!("u64: {n} sequential inserts"),
        hint: None,
        ops,
    }));

    // Random inserts and deletes, with ranges, over a pool that makes the map grow and shrink.
    let mut r = Rng(1);
    let pool: Vec<u64> = (0..scale(3_000, 12_000)).map(|_| r.next()).collect();
    let mut ops = Vec::new();
    mixed(&mut r, scale(6_000, 25_000), &pool, 65, 257, &mut ops);
    v.push(AnyScript::U64(Script {
        name: "u64: random inserts and deletes, ranges".into(),
        hint: None,
        ops,
    }));

    // Delete-heavy FIFO churn near the load factor: same-size grows.
    let keys: Vec<u64> = (0..scale(4_000, 22_000) as u64).map(|k| k * 7919).collect();
    let mut ops = Vec::new();
    fifo_churn(&keys, |_| scale(200, 1_650), scale(97, 1_499), &mut ops);
    v.push(AnyScript::U64(Script {
        name: "u64: FIFO churn (same-size grows)".into(),
        hint: None,
        ops,
    }));

    // Many same-size grows: churn at about 6.3 entries per bucket at B = 4, then 5, then 6
    // (a doubling grow between phases), with ranges often enough to run during them.
    let keys: Vec<u64> = (0..scale(6_000, 30_000) as u64).map(|k| k * 104_729 + 3).collect();
    let third = keys.len() / 3;
    let mut ops = Vec::new();
    fifo_churn(&keys, |i| [100, 200, 410][(i / third).min(2)], 13, &mut ops);
    v.push(AnyScript::U64(Script {
        name: "u64: FIFO churn at B = 4-6 (many same-size grows)".into(),
        hint: None,
        ops,
    }));

    // Deletes, inserts and ranges in the middle of grows: fill to each doubling's trigger, then
    // mix while old buckets are still being evacuated. A GoMap fed the same operations finds
    // the trigger (the insert at which B goes up: it depends on the count alone), so the
    // script needs no load-factor rule of its own.
    let mut ops = Vec::new();
    let mut r = Rng(2);
    let mut shadow: GoMap<u64, ()> = GoMap::new();
    let mut next = 0u64;
    for _ in 0..scale(11, 13) {
        let b = shadow.stats().b;
        while shadow.stats().b == b {
            shadow.insert(next, ());
            ops.push(Op::Insert(next, next));
            next += 1;
        }
        ops.push(Op::Range);
        for i in 0..(1u64 << b).min(600) {
            let k = r.below(next + 8);
            if i % 3 == 0 {
                shadow.remove(&k);
                ops.push(Op::Delete(k));
            } else {
                shadow.insert(k, ());
                ops.push(Op::Insert(k, i));
            }
            if i % 7 == 3 {
                ops.push(Op::Range);
            }
        }
    }
    v.push(AnyScript::U64(Script {
        name: "u64: deletes, inserts, ranges mid-grow".into(),
        hint: None,
        ops,
    }));

    // Hints, clear, and emptying the map by deletes (Go draws a new hash0 each time).
    let mut ops = Vec::new();
    for round in 0..scale(3, 8) as u64 {
        for k in 0..300 {
            ops.push(Op::Insert(k * 31 + round, k));
        }
        ops.push(Op::Range);
        if round % 2 == 0 {
            ops.push(Op::Clear);
        } else {
            for k in 0..300 {
                ops.push(Op::Delete(k * 31 + round));
            }
        }
        ops.push(Op::Range);
    }
    ops.push(Op::Clear);
    v.push(AnyScript::U64(Script {
        name: "u64: hint 5, clear, delete to empty".into(),
        hint: Some(5),
        ops: ops.clone(),
    }));
    v.push(AnyScript::U64(Script {
        name: "u64: hint 1000, clear, delete to empty".into(),
        hint: Some(1000),
        ops,
    }));

    // String keys: churn at B = 4-5 first (same-size grows of a bucket that holds pointers,
    // whose evacuated keys Go clears), then random inserts and deletes of 0-40 byte keys.
    let mut r = Rng(3);
    let mut ops = Vec::new();
    let keys: Vec<String> = (0..scale(1_500, 12_000)).map(|i| format!("topic/{i:06}")).collect();
    fifo_churn(&keys, |_| scale(100, 200), scale(0, 199), &mut ops);
    let pool: Vec<String> = (0..scale(2_000, 8_000)).map(|_| random_str(&mut r)).collect();
    mixed(&mut r, scale(5_000, 20_000), &pool, 70, 499, &mut ops);
    v.push(AnyScript::Str(Script {
        name: "str: churn, random inserts and deletes, ranges".into(),
        hint: None,
        ops,
    }));

    // Message IDs as nsqd's in-flight index sees them: deliver, FIN or requeue.
    let mut r = Rng(4);
    let mut ops = Vec::new();
    let mut live: Vec<Id16> = Vec::new();
    let mut guid = 0x0600_0000_0000_0000u64;
    for i in 0..scale(6_000, 24_000) {
        if live.len() < scale(900, 3_000) || r.below(2) == 0 {
            guid += 1 + r.below(4);
            let id = msg_id(guid);
            live.push(id);
            ops.push(Op::Insert(id, i as u64));
        } else {
            let j = r.below(live.len() as u64) as usize;
            let id = live.swap_remove(j);
            ops.push(Op::Delete(id));
        }
        if i % 1_009 == 1_008 {
            ops.push(Op::Range);
        }
    }
    v.push(AnyScript::Id16(Script { name: "id16: in-flight message IDs".into(), hint: None, ops }));
    v
}

/// A hasher that can take on a new Go seed: Go draws a fresh `hash0` when a delete empties a
/// map and on `clear` (map_noswiss.go:850, :1095), while a GoMap's hasher is fixed for the map's
/// life. The twin's map shares this cell with the driver, which moves it to Go's new seed at
/// those points, when the map is empty and no key's hash is kept anywhere.
#[derive(Clone)]
pub(crate) struct FollowState(pub(crate) Rc<RefCell<RandomState>>);

impl BuildHasher for FollowState {
    type Hasher = <RandomState as BuildHasher>::Hasher;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.borrow().build_hasher()
    }
}

/// What one script's run compared.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The script's name.
    pub script: String,
    /// The hash path Go took.
    pub backend: Option<Backend>,
    /// Operations compared.
    pub ops: usize,
    /// hmap headers compared (one per operation, plus the one after make).
    pub headers: usize,
    /// Chains compared on their own (those Go printed after an operation).
    pub chains: usize,
    /// Checkpoints: the whole map compared, every chain of both arrays.
    pub checkpoints: usize,
    /// Bytes compared: tophash bytes, and the key and value bytes of filled slots.
    pub bytes: u64,
    /// Ranges compared, and the keys they produced.
    pub ranges: usize,
    /// Keys produced by those ranges.
    pub range_keys: usize,
    /// Ranges that ran while the map was growing.
    pub ranges_mid_grow: usize,
    /// The largest B the map reached.
    pub max_b: u8,
    /// Same-size grows started.
    pub same_size_grows: usize,
    /// Times Go drew a new hash0 (delete to empty, clear).
    pub reseeds: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<44} {:>4}  ops {:>7}  chains {:>8}  checkpoints {:>6}  bytes {:>11}  ranges {:>3} ({} mid-grow, {} keys)  max B {:>2}  same-size grows {}  reseeds {}  differences 0",
            self.script,
            match self.backend {
                Some(Backend::Aes) => "aes",
                Some(Backend::Mem) => "mem",
                None => "?",
            },
            self.ops,
            self.chains,
            self.checkpoints,
            self.bytes,
            self.ranges,
            self.ranges_mid_grow,
            self.range_keys,
            self.max_b,
            self.same_size_grows,
            self.reseeds
        )
    }
}

/// Why a twin run did not come out identical.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The two maps differ: the first difference found.
    Differ {
        /// The operation after which they differ (-1: right after make).
        op: i64,
        /// The operation's text.
        op_text: String,
        /// Where and how, with both values.
        what: String,
    },
    /// The Go side failed or printed something unexpected.
    Tool(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Differ { op, op_text, what } => write!(f, "after op {op} ({op_text}): {what}"),
            Error::Tool(e) => write!(f, "gotwin: {e}"),
        }
    }
}

impl std::error::Error for Error {}

pub(crate) fn tool<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::Tool(msg.into()))
}

/// One bucket's contents as both sides print them: tophash bytes and filled slots.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BucketContent<K> {
    tophash: [u8; BUCKET_CNT],
    slots: [Option<(K, u64)>; BUCKET_CNT],
}

impl<K: TwinKey> BucketContent<K> {
    fn empty() -> Self {
        BucketContent { tophash: [0; BUCKET_CNT], slots: Default::default() }
    }

    fn of(b: &BmapView<'_, K, u64>) -> Self {
        let slots = b.slots().map(|s| s.key.map(|k| (k.clone(), *s.value.expect("filled"))));
        BucketContent { tophash: b.tophash(), slots }
    }

    fn digest(&self, d: &mut Fnv) {
        d.bytes(&self.tophash);
        for (k, v) in self.slots.iter().flatten() {
            k.digest(d);
            d.bytes(&v.to_le_bytes());
        }
        d.bytes(&[0xff]);
    }

    fn bytes(&self) -> u64 {
        let slots: usize = self.slots.iter().flatten().map(|(k, _)| k.slot_bytes() + 8).sum();
        (BUCKET_CNT + slots) as u64
    }
}

type Chain<K> = Vec<BucketContent<K>>;

fn chain_digest<K: TwinKey>(c: &[BucketContent<K>]) -> u64 {
    let mut d = Fnv::default();
    for b in c {
        b.digest(&mut d);
    }
    d.finish()
}

fn gen_name(g: Generation) -> &'static str {
    match g {
        Generation::Current => "new",
        Generation::Old => "old",
    }
}

/// Go's state as the tool has described it so far: the chain contents of both arrays, with
/// each chain's digest kept beside it.
struct Model<K> {
    arrays: [Vec<(Chain<K>, u64)>; 2],
}

impl<K: TwinKey> Model<K> {
    fn reset(&mut self, b: Option<u8>, old_b: Option<u8>) {
        let empty = vec![BucketContent::<K>::empty()];
        let d = chain_digest(&empty);
        for (arr, bits) in self.arrays.iter_mut().zip([b, old_b]) {
            *arr = match bits {
                Some(bits) => vec![(empty.clone(), d); 1 << bits],
                None => Vec::new(),
            };
        }
    }

    /// The arrays as text, a chain a line: tophash bytes in hex (`..` for emptyRest), then the
    /// keys of the filled slots.
    fn text(&self) -> String {
        let mut s = String::new();
        for (name, arr) in ["buckets", "oldbuckets"].iter().zip(&self.arrays) {
            if arr.is_empty() {
                continue;
            }
            let _ = writeln!(s, "{name} ({}):", arr.len());
            for (i, (chain, _)) in arr.iter().enumerate() {
                for (j, b) in chain.iter().enumerate() {
                    let label = if j == 0 { format!("  {i:>3}") } else { "   ->".into() };
                    let top: Vec<String> = b
                        .tophash
                        .iter()
                        .map(|&t| if t == 0 { "..".into() } else { format!("{t:02x}") })
                        .collect();
                    let mut keys = String::new();
                    for (k, _) in b.slots.iter().flatten() {
                        keys.push(' ');
                        k.token(&mut keys);
                    }
                    let _ = writeln!(s, "{label}  tophash {}  keys{keys}", top.join(" "));
                }
            }
        }
        s
    }

    fn digest(&self) -> u64 {
        let mut d = Fnv::default();
        for (g, arr) in self.arrays.iter().enumerate() {
            for (i, (_, cd)) in arr.iter().enumerate() {
                d.bytes(&[g as u8]);
                d.bytes(&(i as u64).to_le_bytes());
                d.bytes(&cd.to_le_bytes());
            }
        }
        d.finish()
    }
}

fn gen_index(g: Generation) -> usize {
    match g {
        Generation::Current => 0,
        Generation::Old => 1,
    }
}

/// The GoMap's chain `index` of array `g`, as contents.
fn our_chain<K: TwinKey>(m: &GoMap<K, u64, FollowState>, g: Generation, index: usize) -> Chain<K> {
    m.raw().array(g).and_then(|a| a.chain(index)).map_or_else(Vec::new, |c| chain_content(&c))
}

fn chain_content<K: TwinKey>(c: &ChainView<'_, K, u64>) -> Chain<K> {
    c.bmaps().map(|b| BucketContent::of(&b)).collect()
}

/// The whole GoMap's state digest, as tools/gotwin computes Go's, and the bytes it covered.
fn our_digest<K: TwinKey>(m: &GoMap<K, u64, FollowState>) -> (u64, u64) {
    let mut bytes = 0;
    let mut state = Fnv::default();
    let raw = m.raw();
    for g in [Generation::Current, Generation::Old] {
        for c in raw.array(g).iter().flat_map(|a| a.chains()) {
            let content = chain_content(&c);
            bytes += content.iter().map(BucketContent::bytes).sum::<u64>();
            state.bytes(&[gen_index(g) as u8]);
            state.bytes(&(c.index() as u64).to_le_bytes());
            state.bytes(&chain_digest(&content).to_le_bytes());
        }
    }
    (state.finish(), bytes)
}

/// Describes the first difference between two chains.
fn chain_diff<K: TwinKey>(ours: &[BucketContent<K>], go: &[BucketContent<K>]) -> Option<String> {
    for (j, (o, g)) in ours.iter().zip(go).enumerate() {
        for i in 0..BUCKET_CNT {
            if o.tophash[i] != g.tophash[i] {
                return Some(format!(
                    "chain bucket {j}, slot {i}: tophash gomap {:#04x}, go {:#04x}",
                    o.tophash[i], g.tophash[i]
                ));
            }
            if o.slots[i] != g.slots[i] {
                return Some(format!(
                    "chain bucket {j}, slot {i}: entry gomap {}, go {}",
                    entry_text(&o.slots[i]),
                    entry_text(&g.slots[i])
                ));
            }
        }
    }
    (ours.len() != go.len())
        .then(|| format!("chain length: gomap {} buckets, go {}", ours.len(), go.len()))
}

fn entry_text<K: TwinKey>(e: &Option<(K, u64)>) -> String {
    match e {
        None => "-".into(),
        Some((k, v)) => format!("{k:?}={v}"),
    }
}

/// Go's `hmap` line: count, sameSizeGrow, B, noverflow, nevacuate, buckets, oldbuckets, hash0,
/// and the spare preallocated overflow buckets (from `h.extra.nextOverflow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GoHeader {
    count: usize,
    same_size_grow: bool,
    b: u8,
    noverflow: u16,
    nevacuate: usize,
    buckets: bool,
    oldbuckets: bool,
    hash0: u32,
    spare_overflow: usize,
}

fn parse_header(t: &[&str]) -> Result<GoHeader, Error> {
    if t.len() != 10 || t[0] != "hmap" {
        return tool(format!("expected an hmap line, got {:?}", t.join(" ")));
    }
    let n = |i: usize| {
        t[i].parse::<u64>().map_err(|_| Error::Tool(format!("bad hmap field {:?}", t[i])))
    };
    Ok(GoHeader {
        count: n(1)? as usize,
        same_size_grow: n(2)? == 1,
        b: n(3)? as u8,
        noverflow: n(4)? as u16,
        nevacuate: n(5)? as usize,
        buckets: n(6)? == 1,
        oldbuckets: n(7)? == 1,
        hash0: u32::from_str_radix(t[8], 16)
            .map_err(|_| Error::Tool(format!("bad hash0 {:?}", t[8])))?,
        spare_overflow: n(9)? as usize,
    })
}

/// The first hmap field that differs. The spare overflow buckets are compared only where the
/// two buckets have the same size (`same_bucket`): Go's count follows the bucket's size.
fn header_diff(ours: &Header, go: &GoHeader, same_bucket: bool) -> Option<String> {
    let fields: [(&str, u64, u64); 8] = [
        ("count", ours.count as u64, go.count as u64),
        ("sameSizeGrow", u64::from(ours.same_size_grow), u64::from(go.same_size_grow)),
        ("B", u64::from(ours.b), u64::from(go.b)),
        ("noverflow", u64::from(ours.noverflow), u64::from(go.noverflow)),
        ("nevacuate", ours.nevacuate as u64, go.nevacuate as u64),
        ("buckets present", u64::from(ours.has_buckets), u64::from(go.buckets)),
        ("oldbuckets present", u64::from(ours.old_b.is_some()), u64::from(go.oldbuckets)),
        (
            "spare preallocated overflow buckets (nextOverflow)",
            ours.spare_overflow as u64,
            if same_bucket { go.spare_overflow } else { ours.spare_overflow } as u64,
        ),
    ];
    fields
        .iter()
        .find(|(_, o, g)| o != g)
        .map(|(name, o, g)| format!("hmap {name}: gomap {o}, go {g}"))
}

fn parse_chain<K: TwinKey>(t: &[&str]) -> Result<(Generation, usize, Chain<K>), Error> {
    if t.len() < 12 || !(t.len() - 3).is_multiple_of(9) {
        return tool(format!("chain line with {} tokens", t.len()));
    }
    let g = match t[1] {
        "new" => Generation::Current,
        "old" => Generation::Old,
        x => return tool(format!("chain of array {x:?}")),
    };
    let index = t[2].parse().map_err(|_| Error::Tool(format!("bad chain index {:?}", t[2])))?;
    let mut chain = Vec::new();
    for b in t[3..].chunks(9) {
        let th = hex_bytes(b[0]).map_err(Error::Tool)?;
        let tophash: [u8; BUCKET_CNT] =
            th.try_into().map_err(|_| Error::Tool("tophash is not 8 bytes".into()))?;
        let mut slots: [Option<(K, u64)>; BUCKET_CNT] = Default::default();
        for (i, s) in b[1..].iter().enumerate() {
            if *s == "-" {
                continue;
            }
            let (k, v) =
                s.rsplit_once('=').ok_or_else(|| Error::Tool(format!("bad slot {s:?}")))?;
            let v = v.parse().map_err(|_| Error::Tool(format!("bad value in {s:?}")))?;
            slots[i] = Some((K::parse(k).map_err(Error::Tool)?, v));
        }
        chain.push(BucketContent { tophash, slots });
    }
    Ok((g, index, chain))
}

/// Reads tools/gotwin's output a line at a time, with one line of lookahead.
struct Lines<R> {
    r: R,
    buf: String,
    peeked: bool,
    eof: bool,
}

impl<R: BufRead> Lines<R> {
    fn peek(&mut self) -> Result<Option<&str>, Error> {
        if !self.peeked && !self.eof {
            self.buf.clear();
            match self.r.read_line(&mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(_) => self.peeked = true,
                Err(e) => return tool(format!("reading its output: {e}")),
            }
        }
        Ok(if self.peeked { Some(self.buf.trim_end()) } else { None })
    }

    fn take(&mut self) -> Result<Option<String>, Error> {
        let line = self.peek()?.map(str::to_string);
        self.peeked = false;
        Ok(line)
    }

    fn expect(&mut self, what: &str) -> Result<String, Error> {
        match self.take()? {
            Some(l) if l.split(' ').next() == Some(what) => Ok(l),
            Some(l) => tool(format!("expected a {what} line, got {l:?}")),
            None => tool(format!("output ends where a {what} line should be")),
        }
    }
}

/// Runs `script` on Go's runtime (through `tool`, on hash path `backend`) and on a GoMap seeded
/// with Go's keys and hash0, and compares them after every operation.
///
/// # Errors
/// [`Error::Differ`] with the first difference; [`Error::Tool`] when the Go side fails, or
/// cannot run `backend` here (aeshash needs AES on this CPU too).
pub fn run(script: &AnyScript, go: &GoTool, backend: Backend) -> Result<Report, Error> {
    run_any(script, go, backend, 0, &mut || {})
}

/// [`run`], calling `progress` after each operation compared (the script's
/// [`len`](AnyScript::len) times when the maps stay identical).
///
/// # Errors
/// As [`run`].
pub fn run_with_progress(
    script: &AnyScript,
    go: &GoTool,
    backend: Backend,
    progress: &mut dyn FnMut(),
) -> Result<Report, Error> {
    run_any(script, go, backend, 0, progress)
}

/// [`run`] with the GoMap's hash0 xored with `offset`: for tests that show a map seeded off by
/// one bit is caught (with `offset` 0, exactly `run`).
#[doc(hidden)]
pub fn run_with_seed_offset(
    script: &AnyScript,
    go: &GoTool,
    backend: Backend,
    offset: u32,
) -> Result<Report, Error> {
    run_any(script, go, backend, offset, &mut || {})
}

fn run_any(
    script: &AnyScript,
    go: &GoTool,
    backend: Backend,
    offset: u32,
    progress: &mut dyn FnMut(),
) -> Result<Report, Error> {
    match script {
        AnyScript::U64(s) => run_typed(s, go, backend, offset, progress),
        AnyScript::Str(s) => run_typed(s, go, backend, offset, progress),
        AnyScript::Id16(s) => run_typed(s, go, backend, offset, progress),
    }
}

fn run_typed<K: TwinKey>(
    script: &Script<K>,
    go: &GoTool,
    backend: Backend,
    offset: u32,
    progress: &mut dyn FnMut(),
) -> Result<Report, Error> {
    let (mut child, writer) = go.spawn(backend, script.to_text()).map_err(Error::Tool)?;
    let stdout = BufReader::with_capacity(1 << 20, child.stdout.take().expect("piped"));
    let mut lines = Lines { r: stdout, buf: String::new(), peeked: false, eof: false };
    let result = compare(script, &mut lines, backend, offset, progress).map(|(r, _, _)| r);
    // Drain what is left so the tool is not blocked on a full pipe, then collect it.
    if result.is_err() {
        let _ = child.kill();
    }
    while let Ok(Some(_)) = lines.take() {}
    let _ = writer.join();
    let out = child.wait_with_output().map_err(|e| Error::Tool(e.to_string()))?;
    let report = result?;
    if !out.status.success() {
        return tool(format!(
            "exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(report)
}

/// A GoMap as the twin builds it.
type TwinMap<K> = GoMap<K, u64, FollowState>;

/// Whether gomap's bucket for these keys has the size of Go's: a Go string header is 16 bytes
/// and a Rust `String` 24, so only the other key types do.
fn same_bucket<K: TwinKey>() -> bool {
    K::NAME != "str"
}

/// Compares `script` on a GoMap with Go's output in `lines`; returns the report, the GoMap and
/// the model of Go's map, which equal each other at the end.
fn compare<K: TwinKey, R: BufRead>(
    script: &Script<K>,
    lines: &mut Lines<R>,
    backend: Backend,
    offset: u32,
    progress: &mut dyn FnMut(),
) -> Result<(Report, TwinMap<K>, Model<K>), Error> {
    let mut rep =
        Report { script: script.name.clone(), backend: Some(backend), ..Report::default() };
    // The header: the Go process's keys, then the map right after make.
    let magic = lines.expect("twin")?;
    if magic != "twin 2" {
        return tool(format!("speaks {magic:?}, this gomap reads twin 2"));
    }
    let go_backend = lines.expect("backend")?;
    let want = match backend {
        Backend::Aes => "backend aes",
        Backend::Mem => "backend mem",
    };
    if go_backend != want {
        return tool(format!(
            "Go took {go_backend:?} where {want:?} was asked for (GODEBUG=cpu.aes=off, or a CPU without AES)"
        ));
    }
    let sched = lines.expect("aeskeysched")?;
    let sched = hex_bytes(sched.split(' ').nth(1).unwrap_or("")).map_err(Error::Tool)?;
    let hk = lines.expect("hashkey")?;
    let hk: Vec<u64> = hk
        .split(' ')
        .skip(1)
        .map(|w| u64::from_str_radix(w, 16))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Tool(format!("hashkey: {e}")))?;
    let keys = match backend {
        Backend::Aes => GoKeys::Aes(
            sched.try_into().map_err(|_| Error::Tool("aeskeysched is not 128 bytes".into()))?,
        ),
        Backend::Mem => {
            GoKeys::Mem(hk.try_into().map_err(|_| Error::Tool("hashkey is not 4 words".into()))?)
        }
    };
    let keytype = lines.expect("keys")?;
    if keytype != format!("keys {}", K::NAME) {
        return tool(format!("ran {keytype:?} for a {} script", K::NAME));
    }
    let bucketsize = lines.expect("bucketsize")?;
    let gh = parse_header(&lines.expect("hmap")?.split(' ').collect::<Vec<_>>())?;
    let mut hash0 = gh.hash0;
    let seeded = |hash0: u32| {
        RandomState::from_go(&keys, hash0 ^ offset).map_err(|e| Error::Tool(e.to_string()))
    };
    let state = Rc::new(RefCell::new(seeded(hash0)?));
    let mut m: GoMap<K, u64, FollowState> = match script.hint {
        Some(n) => GoMap::with_capacity_and_hasher(n, FollowState(state.clone())),
        None => GoMap::with_hasher(FollowState(state.clone())),
    };
    // The bytes inside the buckets are compared for all three key types.
    let ours = m.raw().bucket_shape().size;
    if same_bucket::<K>() && bucketsize != format!("bucketsize {ours}") {
        let what = format!("{bucketsize}, gomap's bucket is {ours} bytes");
        return Err(Error::Differ { op: -1, op_text: "make".into(), what });
    }
    let mut model = Model { arrays: [Vec::new(), Vec::new()] };
    model.reset(None, None);
    let mut at = At { op: -1, text: "make".into(), range: false };
    block(&m, &gh, lines, &mut model, &mut rep, &at)?;
    for (i, op) in script.ops.iter().enumerate() {
        at.op = i as i64;
        at.text.clear();
        op_text(op, &mut at.text);
        at.range = matches!(op, Op::Range);
        let line = lines.expect("op")?;
        let (n, text) = line["op ".len()..].split_once(' ').unwrap_or((&line[3..], ""));
        if n.parse::<usize>().ok() != Some(i) || text != at.text {
            return tool(format!("printed {line:?} where op {i} ({}) was due", at.text));
        }
        let was_growing = m.raw().header().growing();
        match op {
            Op::Insert(k, v) => drop(m.insert(k.clone(), *v)),
            Op::Delete(k) => drop(m.remove(k)),
            Op::Clear => m.clear(),
            Op::Range => {}
        }
        rep.ops += 1;
        let gh = parse_header(&lines.expect("hmap")?.split(' ').collect::<Vec<_>>())?;
        if gh.hash0 != hash0 {
            if !m.is_empty() {
                let what = format!(
                    "Go drew a new hash0 ({hash0:08x} -> {:08x}) while gomap holds {} entries",
                    gh.hash0,
                    m.len()
                );
                return Err(Error::Differ { op: at.op, op_text: at.text, what });
            }
            // Empty: no key's hash is kept anywhere, so the seed can move with Go's.
            *state.borrow_mut() = seeded(gh.hash0)?;
            hash0 = gh.hash0;
            rep.reseeds += 1;
        }
        let now = m.raw().header();
        rep.same_size_grows += usize::from(now.same_size_grow && now.growing() && !was_growing);
        rep.ranges_mid_grow += usize::from(at.range && now.growing());
        block(&m, &gh, lines, &mut model, &mut rep, &at)?;
        progress();
    }
    if let Some(extra) = lines.take()? {
        return tool(format!("printed {extra:?} after the last op"));
    }
    Ok((rep, m, model))
}

/// The script behind the tour's last frame: keys 0..27 with values 10k, the 27th insert
/// starting the grow from 4 to 8 buckets, so the frame shows a map mid-grow.
pub fn tour_script() -> Script<u64> {
    let ops = (0..27).map(|k| Op::Insert(k, 10 * k)).collect();
    Script { name: "tour: 27 inserts, a grow under way".into(), hint: None, ops }
}

/// Runs [`tour_script`] on Go's runtime (memhash, so that any machine can replay it) and
/// returns what it printed: the text `gomap twin --record-tour` keeps in
/// tools/data/twin-tour.txt.
///
/// # Errors
/// When the tool fails, or its output does not match gomap (it is compared before it is kept).
pub fn record_tour(go: &GoTool) -> Result<String, Error> {
    let mut cmd = go.command();
    cmd.env("GODEBUG", "cpu.aes=off").stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child =
        cmd.spawn().map_err(|e| Error::Tool(format!("cannot start {}: {e}", go.bin.display())))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(tour_script().to_text().as_bytes())
        .map_err(|e| Error::Tool(e.to_string()))?;
    let out = child.wait_with_output().map_err(|e| Error::Tool(e.to_string()))?;
    if !out.status.success() {
        return tool(format!("exited with {}", out.status));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| Error::Tool(e.to_string()))?;
    replay_tour(&text)?;
    Ok(text)
}

/// The tour's last frame, from Go output recorded by [`record_tour`]: the comparison report,
/// the GoMap built with Go's keys and hash0 and fed the same inserts, and Go's own buckets as
/// the tool read them from the runtime's memory, drawn as text.
///
/// # Errors
/// When the recording does not match the GoMap, or is not the tour script's.
pub fn replay_tour(recorded: &str) -> Result<(Report, super::Layout, String), Error> {
    let mut lines = Lines { r: recorded.as_bytes(), buf: String::new(), peeked: false, eof: false };
    let (rep, m, model) = compare(&tour_script(), &mut lines, Backend::Mem, 0, &mut || {})?;
    Ok((rep, super::snapshot(&m), model.text()))
}

/// What [`preallocation`] compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreallocReport {
    /// Bucket arrays compared: one per shape and B.
    pub arrays: usize,
    /// Distinct bucket shapes among them (size, and whether it holds pointers).
    pub shapes: usize,
    /// The largest B.
    pub max_b: u8,
    /// Arrays whose count is not the 2^(B-4) makeBucketArray asks for before rounding.
    pub rounded: usize,
}

impl fmt::Display for PreallocReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "preallocated overflow buckets: {} arrays of {} bucket shapes at B 0-{}, {} of them \
             not 2^(B-4), compared with Go's makeBucketArray: 0 differences",
            self.arrays, self.shapes, self.max_b, self.rounded
        )
    }
}

/// Asks Go's runtime (`tools/gotwin -prealloc`) how many overflow buckets makeBucketArray
/// preallocates for maps of many key and value shapes at every B up to `max_b`, and compares
/// each count with gomap's rule for a bucket of the same size and pointers
/// ([`BucketShape::preallocated_overflow`]).
///
/// # Errors
/// The first count that differs, or the tool's failure.
pub fn preallocation(go: &GoTool, max_b: u8) -> Result<PreallocReport, Error> {
    let out = go
        .command()
        .arg(format!("-prealloc={max_b}"))
        .output()
        .map_err(|e| Error::Tool(format!("cannot start {}: {e}", go.bin.display())))?;
    if !out.status.success() {
        return tool(format!(
            "-prealloc exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut rep = PreallocReport::default();
    let mut shapes = std::collections::HashSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let t: Vec<&str> = line.split(' ').collect();
        let n = |i: usize| t.get(i).and_then(|v| v.parse::<usize>().ok());
        let (Some("prealloc"), Some(size), Some(ptrs), Some(b), Some(go_n)) =
            (t.first().copied(), n(1), n(2), n(3), n(4))
        else {
            return tool(format!("bad prealloc line {line:?}"));
        };
        let b = b as u8;
        let shape =
            BucketShape { size, holds_pointers: ptrs == 1, ..BucketShape::of::<u64, u64>() };
        let ours = shape.preallocated_overflow(b);
        if ours != go_n {
            let what = format!(
                "a {size}-byte bucket {} pointers at B {b}: gomap preallocates {ours} overflow \
                 buckets, go {go_n}",
                if ptrs == 1 { "with" } else { "without" }
            );
            return Err(Error::Differ { op: -1, op_text: "make".into(), what });
        }
        rep.arrays += 1;
        rep.max_b = rep.max_b.max(b);
        rep.rounded += usize::from(b >= 4 && go_n != 1 << (b - 4));
        shapes.insert((size, ptrs));
    }
    rep.shapes = shapes.len();
    Ok(rep)
}

/// Which operation a block of Go's output describes.
struct At {
    op: i64,
    text: String,
    range: bool,
}

impl At {
    fn differ<T>(&self, what: String) -> Result<T, Error> {
        Err(Error::Differ { op: self.op, op_text: self.text.clone(), what })
    }
}

/// Compares the rest of one operation's block (after its hmap line) with the GoMap.
fn block<K: TwinKey, R: BufRead>(
    m: &GoMap<K, u64, FollowState>,
    gh: &GoHeader,
    lines: &mut Lines<R>,
    model: &mut Model<K>,
    rep: &mut Report,
    at: &At,
) -> Result<(), Error> {
    let ours = m.raw().header();
    if let Some(d) = header_diff(&ours, gh, same_bucket::<K>()) {
        return at.differ(d);
    }
    rep.headers += 1;
    rep.max_b = rep.max_b.max(ours.b);
    loop {
        let Some(line) = lines.peek()? else { return Ok(()) };
        if line.starts_with("op ") {
            return Ok(());
        }
        let line = lines.take()?.expect("peeked");
        let t: Vec<&str> = line.split(' ').collect();
        match t[0] {
            "arrays" => {
                let bits = |s: &str| (s != "-").then(|| s.parse::<u8>()).transpose();
                let (Some(b), Some(ob)) = (t.get(1), t.get(2)) else {
                    return tool(format!("bad arrays line {line:?}"));
                };
                let (b, ob) = (bits(b), bits(ob));
                let (Ok(b), Ok(ob)) = (b, ob) else {
                    return tool(format!("bad arrays line {line:?}"));
                };
                if b.is_some() != gh.buckets
                    || ob.is_some() != gh.oldbuckets
                    || b.is_some_and(|b| b != gh.b)
                {
                    return tool(format!("{line:?} does not match its hmap line"));
                }
                model.reset(b, ob);
            }
            "chain" => {
                let (g, index, go) = parse_chain::<K>(&t)?;
                let ours = our_chain(m, g, index);
                if let Some(d) = chain_diff(&ours, &go) {
                    return at.differ(format!("bucket {} {index}: {d}", gen_name(g)));
                }
                rep.chains += 1;
                rep.bytes += go.iter().map(BucketContent::bytes).sum::<u64>();
                let Some(slot) = model.arrays[gen_index(g)].get_mut(index) else {
                    return tool(format!("chain {} {index} outside the array", gen_name(g)));
                };
                let d = chain_digest(&go);
                *slot = (go, d);
            }
            "range" => {
                if !at.range || t.len() < 4 {
                    return tool(format!("unexpected {line:?}"));
                }
                let num = |s: &str| {
                    s.parse::<usize>().map_err(|_| Error::Tool(format!("bad range line {line:?}")))
                };
                let (start, offset, n) = (num(t[1])?, num(t[2])?, num(t[3])?);
                let go: Vec<K> = t[4..]
                    .iter()
                    .map(|k| K::parse(k))
                    .collect::<Result<_, _>>()
                    .map_err(Error::Tool)?;
                if go.len() != n {
                    return tool(format!("range says {n} keys and lists {}", go.len()));
                }
                let ours: Vec<K> =
                    m.raw().iter_from(start, offset).map(|(k, _)| k.clone()).collect();
                if let Some(p) = (0..ours.len().max(go.len())).find(|&p| ours.get(p) != go.get(p)) {
                    return at.differ(format!(
                        "range from bucket {start} offset {offset}, key {p}: gomap {:?}, go {:?}",
                        ours.get(p),
                        go.get(p)
                    ));
                }
                rep.ranges += 1;
                rep.range_keys += n;
            }
            "check" => {
                let digest = t.get(2).and_then(|d| u64::from_str_radix(d, 16).ok());
                let Some(digest) = digest else { return tool(format!("bad check line {line:?}")) };
                if model.digest() != digest {
                    return tool(format!(
                        "at op {}, the chains it printed do not add up to its map's digest",
                        at.op
                    ));
                }
                let (ours, bytes) = our_digest(m);
                if ours != digest {
                    return at.differ(first_model_diff(m, model));
                }
                rep.checkpoints += 1;
                rep.bytes += bytes;
            }
            _ => return tool(format!("unexpected line {line:?}")),
        }
    }
}

/// The first chain where the GoMap and the model of Go's map differ (the whole-map digests
/// already do).
fn first_model_diff<K: TwinKey>(m: &GoMap<K, u64, FollowState>, model: &Model<K>) -> String {
    for g in [Generation::Current, Generation::Old] {
        for (index, (go, _)) in model.arrays[gen_index(g)].iter().enumerate() {
            if let Some(d) = chain_diff(&our_chain(m, g, index), go) {
                return format!("bucket {} {index}: {d}", gen_name(g));
            }
        }
    }
    "the whole-map digests differ, but no chain does (an array's size?)".into()
}
