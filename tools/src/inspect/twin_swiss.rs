//! The Swiss twin: one script of map operations run on gomap's Swiss table and on a real Go
//! 1.24 Swiss map (Go's default map, through `tools/gotwin` built without
//! `GOEXPERIMENT=noswissmap`), compared field by field and slot by slot after every operation.
//!
//! Go prints its process's hash keys and the map's 64-bit seed; the Rust map is seeded with
//! [`RandomState::from_go_seed`] on those (and follows Go's seed redraws: a delete that
//! empties the map, a clear of a non-empty map), so both give every key the same hash and the
//! comparison can demand the same h2 control byte in the same slot of the same group of the
//! same table. The wire format is tools/gotwin/PROTOCOL-SWISS.md, read by
//! [`twin_swiss_wire`](super::twin_swiss_wire); what is compared and what cannot be identical
//! is in docs/twin.md. Scripts, the Go build and the error type are the classic twin's
//! ([`super::twin`]).
//!
//! ```no_run
//! use gomap_tools::inspect::twin::{Backend, GoMapKind, GoTool, Size};
//! use gomap_tools::inspect::twin_swiss;
//!
//! let tool = GoTool::build_default_kind(false, GoMapKind::Swiss).expect("a Go toolchain");
//! for script in twin_swiss::suite(Size::Small) {
//!     let report = twin_swiss::run(&script, &tool, Backend::Mem).expect("identical");
//!     println!("{report}");
//! }
//! ```

use super::twin::FollowState;
use super::twin::{
    fifo_churn, mixed, msg_id, op_text, random_str, tool, AnyScript, Error, GoTool, Id16, Op, Rng,
    Script, Size, TwinKey,
};
use super::twin_swiss_wire::{self as wire, Block, Group, KeyKind, Mode, Model, TableRef, WireKey};
use gomap::hash::{Backend, GoKeys, RandomState};
use gomap::swiss::raw::{GroupView, SwissView, TableView};
use gomap::swiss::{CTRL_DELETED, CTRL_EMPTY, GROUP_SLOTS};
use gomap::SwissMap;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::rc::Rc;

/// A twin key as the Swiss wire format spells it.
pub trait SwissKey: TwinKey {
    /// The wire's key type.
    const KIND: KeyKind;
    /// Whether `w` is this key (no allocation).
    fn is_wire(&self, w: &WireKey) -> bool;
}

impl SwissKey for u64 {
    const KIND: KeyKind = KeyKind::U64;
    fn is_wire(&self, w: &WireKey) -> bool {
        *w == WireKey::U64(*self)
    }
}

impl SwissKey for String {
    const KIND: KeyKind = KeyKind::Str;
    fn is_wire(&self, w: &WireKey) -> bool {
        matches!(w, WireKey::Str(b) if b == self.as_bytes())
    }
}

impl SwissKey for Id16 {
    const KIND: KeyKind = KeyKind::Id16;
    fn is_wire(&self, w: &WireKey) -> bool {
        matches!(w, WireKey::Id16(b) if *b == self.0)
    }
}

/// The Rust side of the twin: the one place that names gomap's Swiss map type and drives it
/// (today the engine, [`SwissTable`], with the hashing done here; a switch to the public map
/// changes this struct alone, as long as it hands out the same [`SwissView`]).
struct RustSwiss<K: SwissKey> {
    map: SwissMap<K, u64, FollowState>,
    /// The map's hasher, shared so that Go's seed redraws can reach it (`FollowState`).
    state: Rc<RefCell<RandomState>>,
}

impl<K: SwissKey> RustSwiss<K> {
    /// Go's `make(map[K]uint64)` (None) or `make(map[K]uint64, hint)`. An absurd hint gives Go
    /// an empty map (makemap: `hint = 0` when the allocation would overflow), so it does here.
    fn new(hint: Option<usize>, state: RandomState) -> Self {
        let state = Rc::new(RefCell::new(state));
        let follow = || FollowState(Rc::clone(&state));
        let map = match hint {
            Some(h) => SwissMap::try_with_capacity_and_hasher(h, follow())
                .unwrap_or_else(|_| SwissMap::with_hasher(follow())),
            None => SwissMap::with_hasher(follow()),
        };
        RustSwiss { map, state }
    }

    fn hash(&self, k: &K) -> u64 {
        self.state.borrow().hash_one(k)
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn contains(&self, k: &K) -> bool {
        self.map.contains_key(k)
    }

    /// Takes Go's new seed; only while empty, when no key's hash is kept anywhere.
    fn reseed(&mut self, state: RandomState) {
        assert!(self.map.is_empty(), "reseeding a map that holds entries");
        *self.state.borrow_mut() = state;
    }

    /// `m[k] = v`.
    fn insert(&mut self, k: K, v: u64) {
        self.map.insert(k, v);
    }

    /// `delete(m, k)`.
    fn remove(&mut self, k: &K) {
        self.map.remove(k);
    }

    /// `clear(m)`.
    fn clear(&mut self) {
        self.map.clear();
    }

    /// The keys of a range started at Go's two draws (`Iter.Init`'s dirOffset, entryOffset).
    fn range_at(&self, dir_offset: u64, entry_offset: u64) -> Vec<K> {
        self.map.iter_at(dir_offset, entry_offset).map(|(k, _)| k.clone()).collect()
    }

    fn view(&self) -> SwissView<'_, K, u64> {
        self.map.raw()
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
    /// Map headers compared (one per operation, plus the one after make).
    pub headers: usize,
    /// Table field sets compared (every live table after every operation).
    pub tables: usize,
    /// Groups compared (control word and full slots).
    pub groups: usize,
    /// Whole-map comparisons: every group of every table.
    pub checkpoints: usize,
    /// Ranges compared.
    pub ranges: usize,
    /// Keys those ranges produced.
    pub range_keys: usize,
    /// Ranges over a partly split directory (tables of different localDepth).
    pub ranges_mid_split: usize,
    /// The most tables the map had at once.
    pub max_tables: usize,
    /// Tables split in two.
    pub splits: usize,
    /// Tables grown to twice the capacity.
    pub grows: usize,
    /// Directory doublings.
    pub doublings: usize,
    /// The most tombstones the map held at once.
    pub max_tombstones: usize,
    /// Times Go drew a new seed (delete to empty, clear of a non-empty map).
    pub reseeds: usize,
}

impl Report {
    /// Adds `r`'s counts to this one (maxima stay maxima).
    pub fn add(&mut self, r: &Report) {
        self.ops += r.ops;
        self.headers += r.headers;
        self.tables += r.tables;
        self.groups += r.groups;
        self.checkpoints += r.checkpoints;
        self.ranges += r.ranges;
        self.range_keys += r.range_keys;
        self.ranges_mid_split += r.ranges_mid_split;
        self.max_tables = self.max_tables.max(r.max_tables);
        self.splits += r.splits;
        self.grows += r.grows;
        self.doublings += r.doublings;
        self.max_tombstones = self.max_tombstones.max(r.max_tombstones);
        self.reseeds += r.reseeds;
    }

    /// The one-line summary of a whole run (`reports` summed with [`add`](Self::add)).
    pub fn summary(&self, scripts: usize, paths: usize) -> String {
        format!(
            "twin swiss: {scripts} scripts x {paths} hash paths, {} operations, {} headers, {} \
             table lines and {} groups compared ({} whole-map checkpoints), {} ranges ({} over a \
             partly split directory), up to {} tables, {} splits, {} grows, {} directory \
             doublings, {} reseeds: 0 differences",
            self.ops,
            self.headers,
            self.tables,
            self.groups,
            self.checkpoints,
            self.ranges,
            self.ranges_mid_split,
            self.max_tables,
            self.splits,
            self.grows,
            self.doublings,
            self.reseeds
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<46} {:>3}  ops {:>6}  tables {:>4} (max)  groups {:>8}  checkpoints {:>5}  ranges {:>3} ({} mid-split, {} keys)  splits {}  grows {}  doublings {}  tombstones {} (max)  reseeds {}  differences 0",
            self.script,
            match self.backend {
                Some(Backend::Aes) => "aes",
                Some(Backend::Mem) => "mem",
                None => "?",
            },
            self.ops,
            self.max_tables,
            self.groups,
            self.checkpoints,
            self.ranges,
            self.ranges_mid_split,
            self.range_keys,
            self.splits,
            self.grows,
            self.doublings,
            self.max_tombstones,
            self.reseeds
        )
    }
}

/// The Swiss scripts: u64, str and id16 keys; random inserts to 16 tables and more (splits and
/// directory doublings) with ranges along the way; deletes leaving tombstones and inserts
/// reusing them; delete to empty and clear (empty and not); small and large hints, one of
/// which builds a directory of 2048 tables up front.
pub fn suite(size: Size) -> Vec<AnyScript> {
    let full = size == Size::Full;
    let scale = |small: usize, big: usize| if full { big } else { small };
    let mut v = Vec::new();

    // Random u64 keys: small map, a table, grows to 1024 slots, then splits and doublings.
    let mut r = Rng(11);
    let n = scale(6_000, 36_000);
    let mut ops = Vec::new();
    for i in 0..n {
        ops.push(Op::Insert(r.next(), i as u64));
        // Four tables split at about 896 keys each, so near 3,584 keys the directory holds
        // tables of two depths; whichever hash seed Go draws, ranges every 25 inserts there
        // see it (the 2-to-4 split window can be narrower than the spacing elsewhere).
        let mid_split = (3_300..4_300).contains(&i) && i % 25 == 0;
        if i % 997 == 996 || i == 8 || i == 900 || mid_split {
            ops.push(Op::Range);
        }
    }
    v.push(AnyScript::U64(Script {
        name: format!("u64: {n} random inserts (splits), ranges"),
        hint: None,
        ops,
    }));

    // Tombstones: fill, delete most keys at random (full groups leave tombstones), reinsert
    // (reusing them), then delete everything (Go redraws the seed), refill and clear twice.
    let mut r = Rng(12);
    let keys: Vec<u64> = (0..scale(1_500, 8_000) as u64).map(|k| k * 0x9e37_79b9 + 1).collect();
    let mut ops: Vec<Op<u64>> = keys.iter().map(|&k| Op::Insert(k, k)).collect();
    let mut live: Vec<u64> = keys.clone();
    for _ in 0..keys.len() * 3 / 4 {
        let k = live.swap_remove(r.below(live.len() as u64) as usize);
        ops.push(Op::Delete(k));
    }
    ops.push(Op::Range);
    for (i, k) in keys.iter().enumerate().step_by(2) {
        ops.push(Op::Insert(*k, i as u64 + 1));
    }
    ops.push(Op::Range);
    for k in &keys {
        ops.push(Op::Delete(*k));
    }
    ops.push(Op::Range);
    for k in 0..40 {
        ops.push(Op::Insert(k, k));
    }
    ops.extend([Op::Clear, Op::Clear, Op::Range, Op::Insert(5, 5), Op::Delete(5), Op::Clear]);
    v.push(AnyScript::U64(Script {
        name: "u64: tombstones, reuse, delete to empty, clear".into(),
        hint: None,
        ops,
    }));

    // Random inserts and deletes over a pool, on maps made with hints: nil (5), one table (20),
    // four tables (3000), and a directory of 2048 tables made up front (1,048,576, the
    // largest hint tools/gotwin takes).
    for (seed, hint, pool, n) in [
        (13, 5, scale(300, 600), scale(1_500, 4_000)),
        (14, 20, scale(1_000, 5_000), scale(1_500, 10_000)),
        (15, 3_000, scale(4_000, 20_000), scale(2_000, 16_000)),
        (16, 1_048_576, 5_000, scale(200, 3_000)),
    ] {
        let mut r = Rng(seed);
        let pool: Vec<u64> = (0..pool).map(|_| r.next()).collect();
        let mut ops = Vec::new();
        mixed(&mut r, n, &pool, 70, 211, &mut ops);
        ops.extend([Op::Clear, Op::Range, Op::Insert(1, 1), Op::Range]);
        v.push(AnyScript::U64(Script {
            name: format!("u64: hint {hint}, inserts and deletes, clear"),
            hint: Some(hint),
            ops,
        }));
    }

    // String keys: FIFO churn of topic names past a few splits, then random 0-40 byte keys.
    let mut r = Rng(17);
    let keys: Vec<String> = (0..scale(2_000, 12_000)).map(|i| format!("topic/{i:06}")).collect();
    let mut ops = Vec::new();
    fifo_churn(&keys, |_| scale(1_200, 6_000), 499, &mut ops);
    let pool: Vec<String> = (0..scale(2_000, 8_000)).map(|_| random_str(&mut r)).collect();
    mixed(&mut r, scale(1_500, 12_000), &pool, 60, 401, &mut ops);
    ops.push(Op::Clear);
    v.push(AnyScript::Str(Script {
        name: "str: churn, random inserts and deletes, clear".into(),
        hint: None,
        ops,
    }));

    // Message IDs, as an in-flight index sees them, to 16 tables and more, then drained.
    let mut r = Rng(18);
    let mut ops = Vec::new();
    let mut live: Vec<Id16> = Vec::new();
    let mut guid = 0x0600_0000_0000_0000u64;
    for i in 0..scale(6_000, 36_000) {
        if live.len() < scale(3_000, 16_000) || r.below(3) == 0 {
            guid += 1 + r.below(4);
            live.push(msg_id(guid));
            ops.push(Op::Insert(msg_id(guid), i as u64));
        } else {
            let j = r.below(live.len() as u64) as usize;
            ops.push(Op::Delete(live.swap_remove(j)));
        }
        if i % 1_009 == 1_008 {
            ops.push(Op::Range);
        }
    }
    for id in live.drain(..) {
        ops.push(Op::Delete(id));
    }
    ops.push(Op::Range);
    v.push(AnyScript::Id16(Script {
        name: "id16: message IDs (splits), drained".into(),
        hint: None,
        ops,
    }));
    v
}

/// Runs `script` on Go's Swiss map (`tool` must be the Swiss build) on hash path `backend`
/// and on gomap's Swiss table seeded with Go's keys and seed, and compares them after every
/// operation.
///
/// # Errors
/// [`Error::Differ`] with the first difference; [`Error::Tool`] when the Go side fails, or
/// cannot run `backend` here.
pub fn run(script: &AnyScript, go: &GoTool, backend: Backend) -> Result<Report, Error> {
    run_any(script, go, backend, 0, &mut || {})
}

/// [`run`], calling `progress` after each operation compared.
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

/// [`run`] with the Rust map's seed xored with `offset` (every seed Go draws): for tests that
/// show a map seeded one bit off is caught.
#[doc(hidden)]
pub fn run_with_seed_offset(
    script: &AnyScript,
    go: &GoTool,
    backend: Backend,
    offset: u64,
) -> Result<Report, Error> {
    run_any(script, go, backend, offset, &mut || {})
}

fn run_any(
    script: &AnyScript,
    go: &GoTool,
    backend: Backend,
    offset: u64,
    progress: &mut dyn FnMut(),
) -> Result<Report, Error> {
    match script {
        AnyScript::U64(s) => run_typed(s, go, backend, offset, progress),
        AnyScript::Str(s) => run_typed(s, go, backend, offset, progress),
        AnyScript::Id16(s) => run_typed(s, go, backend, offset, progress),
    }
}

fn run_typed<K: SwissKey>(
    script: &Script<K>,
    go: &GoTool,
    backend: Backend,
    offset: u64,
    progress: &mut dyn FnMut(),
) -> Result<Report, Error> {
    let (child, writer) = go.spawn(backend, script.to_text()).map_err(Error::Tool)?;
    let out = child.wait_with_output().map_err(|e| Error::Tool(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return tool(format!(
            "exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| Error::Tool(e.to_string()))?;
    if !text.starts_with("twin-swiss ") {
        return tool(format!(
            "speaks {:?}, not twin-swiss (is it the classic build?)",
            text.lines().next().unwrap_or("")
        ));
    }
    let w = wire::parse(&text).map_err(|e| Error::Tool(e.to_string()))?;
    drop(text);
    compare(script, &w, backend, offset, progress)
}

/// Which operation a block describes.
struct At {
    op: i64,
    text: String,
}

impl At {
    fn differ<T>(&self, what: String) -> Result<T, Error> {
        Err(Error::Differ { op: self.op, op_text: self.text.clone(), what })
    }
}

/// The groups the Rust side wrote in one operation, as far as the op tells.
enum Touched {
    /// Nothing (a range, a delete of an absent key).
    Nothing,
    /// The small map's group.
    Small,
    /// Group `g` of the table at directory entry `entry`.
    Group { entry: usize, g: usize },
    /// Every group of the table at directory entry `entry` (the key was not where its probe
    /// sequence leads: compare the whole table to say where things differ).
    Table { entry: usize },
    /// Every group (clear).
    All,
}

/// Where `key` sits in the Rust map, found as Go's probe finds it: the directory entry
/// `hash >> globalShift`, then groups `h1 & mask`, +1, +2, ... until the key or a group with
/// an empty slot.
fn locate<K: SwissKey>(m: &RustSwiss<K>, key: &K) -> Touched {
    let view = m.view();
    let h = view.header();
    if !h.allocated {
        return Touched::Nothing;
    }
    if h.small {
        return Touched::Small;
    }
    let hash = m.hash(key);
    let entry = if h.dir_len == 1 { 0 } else { (hash >> h.global_shift) as usize };
    let tables = view.tables();
    let Some(t) = view.directory().get(entry).map(|&id| &tables[id]) else {
        return Touched::All;
    };
    let mask = t.group_count() - 1;
    let mut g = ((hash >> 7) as usize) & mask;
    for step in 1..=t.group_count() {
        let gv = t.group(g);
        if (0..GROUP_SLOTS).any(|i| gv.slot(i).is_some_and(|(k, _)| k == key)) {
            return Touched::Group { entry, g };
        }
        if gv.ctrl_bytes().contains(&CTRL_EMPTY) {
            break;
        }
        g = (g + step) & mask;
    }
    Touched::Table { entry }
}

/// Numbers the Rust map's tables as the protocol numbers Go's: in directory order, a table
/// not seen before gets the next id. The engine's view has no identity across operations, so
/// it is derived: a table is the one of the last op when it sits at the same directory index
/// (doubled by each directory doubling since) with the same capacity and localDepth. Go never
/// resizes a table in place (a grow makes a new table of twice the capacity, a split two of
/// localDepth + 1), so any other table is new.
#[derive(Default)]
struct Ids {
    next: u32,
    global_depth: u8,
    /// index -> (id, capacity, localDepth) of the last op's tables.
    prev: HashMap<usize, (u32, u16, u8)>,
}

/// The Rust map rendered as the protocol's model numbers it: the directory as table ids, and
/// the live tables in directory order with their ids.
struct Shape<'a, K> {
    dir: Vec<u32>,
    tables: Vec<(u32, TableView<'a, K, u64>)>,
    /// Ids new this op.
    new: BTreeSet<u32>,
}

impl Ids {
    fn shape<'a, K>(&mut self, view: &SwissView<'a, K, u64>) -> Shape<'a, K> {
        let h = view.header();
        if h.small {
            self.prev.clear();
            return Shape { dir: Vec::new(), tables: Vec::new(), new: BTreeSet::new() };
        }
        let shift = h.global_depth.saturating_sub(self.global_depth);
        let mut tables = Vec::new();
        let mut new = BTreeSet::new();
        let mut now = HashMap::new();
        for t in view.tables() {
            let was = self.prev.get(&(t.index() >> shift)).filter(|p| {
                p.1 == t.capacity()
                    && p.2 == t.local_depth()
                    && (t.index() >> shift) << shift == t.index()
            });
            let id = match was {
                Some(p) => p.0,
                None => {
                    self.next += 1;
                    new.insert(self.next - 1);
                    self.next - 1
                }
            };
            now.insert(t.index(), (id, t.capacity(), t.local_depth()));
            tables.push((id, t));
        }
        self.prev = now;
        self.global_depth = h.global_depth;
        let dir = view.directory().into_iter().map(|c| tables[c].0).collect();
        Shape { dir, tables, new }
    }
}

fn ctrl_name(c: u8) -> String {
    match c {
        CTRL_EMPTY => "empty (0x80)".into(),
        CTRL_DELETED => "deleted (0xfe)".into(),
        c => format!("full, h2 {c:#04x}"),
    }
}

fn wire_text(w: &WireKey) -> String {
    match w {
        WireKey::U64(u) => u.to_string(),
        WireKey::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
        WireKey::Id16(b) => format!("{:?}", String::from_utf8_lossy(b)),
    }
}

/// The first slot where a Rust group and Go's differ: the control byte, then the entry.
fn group_diff<K: SwissKey>(ours: &GroupView<'_, K, u64>, go: &Group) -> Option<String> {
    let ctrl = ours.ctrl_bytes();
    for (i, &c) in ctrl.iter().enumerate() {
        if c != go.ctrl_byte(i) {
            return Some(format!(
                "slot {i}: control byte gomap {}, go {} (control word gomap {:016x}, go {:016x})",
                ctrl_name(c),
                ctrl_name(go.ctrl_byte(i)),
                ours.ctrl(),
                go.ctrl
            ));
        }
        match (ours.slot(i), &go.slots[i]) {
            (None, None) => {}
            (Some((k, v)), Some((gk, gv))) if k.is_wire(gk) && v == gv => {}
            (o, g) => {
                let o = o.map_or("-".into(), |(k, v)| format!("{k:?}={v}"));
                let g = g.as_ref().map_or("-".into(), |(k, v)| format!("{}={v}", wire_text(k)));
                return Some(format!("slot {i}: entry gomap {o}, go {g}"));
            }
        }
    }
    None
}

/// Compares one group; counts it.
fn compare_group<K: SwissKey>(
    shape: &Shape<'_, K>,
    pos: &HashMap<u32, usize>,
    view: &SwissView<'_, K, u64>,
    model: &Model,
    at_: (TableRef, usize),
    rep: &mut Report,
    at: &At,
) -> Result<(), Error> {
    let (t, g) = at_;
    let (ours, go) = match t {
        TableRef::Small => (view.small_group(), model.small.as_ref()),
        TableRef::Table(id) => (
            pos.get(&id).map(|&p| shape.tables[p].1.group(g)),
            model.tables.get(&id).and_then(|mt| mt.groups.get(g)),
        ),
    };
    let name = match t {
        TableRef::Small => "small group".to_string(),
        TableRef::Table(id) => format!("table {id} group {g}"),
    };
    let (Some(ours), Some(go)) = (ours, go) else {
        return at.differ(format!("{name}: one side has no such group"));
    };
    if let Some(d) = group_diff(&ours, go) {
        return at.differ(format!("{name}, {d}"));
    }
    rep.groups += 1;
    Ok(())
}

/// Compares `script` on the Rust map with Go's parsed output `w`.
fn compare<K: SwissKey>(
    script: &Script<K>,
    w: &wire::Wire,
    backend: Backend,
    offset: u64,
    progress: &mut dyn FnMut(),
) -> Result<Report, Error> {
    let mut rep =
        Report { script: script.name.clone(), backend: Some(backend), ..Report::default() };
    if w.backend != backend {
        return tool(format!(
            "Go took the {:?} hash path where {backend:?} was asked for (GODEBUG=cpu.aes=off, \
             or a CPU without AES)",
            w.backend
        ));
    }
    if w.keys != K::KIND {
        return tool(format!("ran {:?} keys for a {} script", w.keys, K::NAME));
    }
    let keys = match backend {
        Backend::Aes => GoKeys::Aes(w.aeskeysched),
        Backend::Mem => GoKeys::Mem(w.hashkey),
    };
    let seeded = |seed: u64| {
        RandomState::from_go_seed(&keys, seed ^ offset).map_err(|e| Error::Tool(e.to_string()))
    };
    if w.blocks.len() != script.ops.len() + 1 {
        return tool(format!(
            "printed {} op blocks for a script of {} ops",
            w.blocks.len() - 1,
            script.ops.len()
        ));
    }
    let mut model = Model::default();
    let header = &w.blocks[0];
    model.apply(header).map_err(|e| Error::Tool(e.to_string()))?;
    let mut seed = header.map.seed;
    let mut m = RustSwiss::<K>::new(script.hint, seeded(seed)?);
    let mut ids = Ids::default();
    let mut since_full = 0usize;
    let mut at = At { op: -1, text: "make".into() };
    block(&m, header, &model, &mut ids, Touched::All, &mut rep, &at, &mut since_full, true)?;
    let last = script.ops.len().saturating_sub(1);
    for (i, (op, b)) in script.ops.iter().zip(&w.blocks[1..]).enumerate() {
        at.op = i as i64;
        at.text.clear();
        op_text(op, &mut at.text);
        if b.op.as_ref().is_none_or(|(n, t)| *n != i || *t != at.text) {
            return tool(format!("printed op {:?} where op {i} ({}) was due", b.op, at.text));
        }
        let touched = match op {
            Op::Insert(k, v) => {
                m.insert(k.clone(), *v);
                locate(&m, k)
            }
            Op::Delete(k) => {
                let t = if m.contains(k) { locate(&m, k) } else { Touched::Nothing };
                m.remove(k);
                t
            }
            Op::Clear => {
                m.clear();
                Touched::All
            }
            Op::Range => Touched::Nothing,
        };
        model.apply(b).map_err(|e| Error::Tool(e.to_string()))?;
        if b.map.seed != seed {
            if m.len() != 0 {
                return at.differ(format!(
                    "Go drew a new seed ({seed:016x} -> {:016x}) while gomap holds {} entries",
                    b.map.seed,
                    m.len()
                ));
            }
            m.reseed(seeded(b.map.seed)?);
            seed = b.map.seed;
            rep.reseeds += 1;
        }
        rep.ops += 1;
        block(&m, b, &model, &mut ids, touched, &mut rep, &at, &mut since_full, i == last)?;
        progress();
    }
    Ok(rep)
}

/// Compares the Rust map with Go's model after one block: the header, the directory, every
/// table's fields, the groups either side wrote, the range, and at Go's checkpoints (thinned
/// to about 64 groups per op) every group.
#[allow(clippy::too_many_arguments)]
fn block<K: SwissKey>(
    m: &RustSwiss<K>,
    b: &Block,
    model: &Model,
    ids: &mut Ids,
    touched: Touched,
    rep: &mut Report,
    at: &At,
    since_full: &mut usize,
    last: bool,
) -> Result<(), Error> {
    let view = m.view();
    let h = view.header();
    let mode = match (h.allocated, h.small) {
        (false, _) => Mode::Nil,
        (true, true) => Mode::Small,
        (true, false) => Mode::Dir,
    };
    let go = &b.map;
    let fields: [(&str, u64, u64); 7] = [
        ("used", h.used, go.used),
        ("dirLen", h.dir_len as u64, go.dir_len as u64),
        ("globalDepth", u64::from(h.global_depth), u64::from(go.global_depth)),
        ("globalShift", u64::from(h.global_shift), u64::from(go.global_shift)),
        ("writing", u64::from(h.writing), u64::from(go.writing)),
        ("clearSeq", h.clear_seq, go.clear_seq),
        ("mode (0 nil, 1 small, 2 dir)", mode as u64, go.mode as u64),
    ];
    if let Some((name, o, g)) = fields.iter().find(|(_, o, g)| o != g) {
        return at.differ(format!("map {name}: gomap {o}, go {g}"));
    }
    rep.headers += 1;
    let prev_tables = ids.prev.len();
    let was_depth = ids.global_depth;
    let shape = ids.shape(&view);
    if shape.dir != model.dir {
        let e = (0..shape.dir.len().max(model.dir.len()))
            .find(|&e| shape.dir.get(e) != model.dir.get(e))
            .expect("they differ");
        return at.differ(format!(
            "directory entry {e} of {}: gomap table {:?}, go table {:?}",
            model.dir.len(),
            shape.dir.get(e),
            model.dir.get(e)
        ));
    }
    let mut pos = HashMap::with_capacity(shape.tables.len());
    let mut tombstones = 0;
    for (p, (id, t)) in shape.tables.iter().enumerate() {
        pos.insert(*id, p);
        let Some(g) = model.tables.get(id).map(|mt| &mt.fields) else {
            return at.differ(format!("table {id}: in gomap's directory, not in Go's"));
        };
        let f: [(&str, i64, i64); 6] = [
            ("used", t.used().into(), g.used.into()),
            ("capacity", t.capacity().into(), g.capacity.into()),
            ("growthLeft", t.growth_left().into(), g.growth_left.into()),
            ("localDepth", t.local_depth().into(), g.local_depth.into()),
            ("index", t.index() as i64, g.index),
            ("groups", t.group_count() as i64, g.groups.into()),
        ];
        if let Some((name, o, g)) = f.iter().find(|(_, o, g)| o != g) {
            return at.differ(format!("table {id} {name}: gomap {o}, go {g}"));
        }
        tombstones += usize::from(t.tombstones());
        rep.tables += 1;
    }
    rep.max_tables = rep.max_tables.max(shape.tables.len());
    rep.max_tombstones = rep.max_tombstones.max(tombstones);
    if b.op.is_some() && prev_tables > 0 {
        rep.doublings += usize::from(h.global_depth > was_depth);
        match shape.new.len() {
            2 => rep.splits += 1,
            1 => rep.grows += 1,
            _ => {}
        }
    }
    // The groups to compare: those Go printed, those the Rust op wrote, every group of a new
    // table, and everything at a thinned checkpoint.
    let groups_total: usize =
        if h.small { 1 } else { shape.tables.iter().map(|(_, t)| t.group_count()).sum() };
    *since_full += 1;
    let full = matches!(touched, Touched::All)
        || (b.check.is_some()
            && (!shape.new.is_empty() || last || *since_full * 64 >= groups_total));
    let cmp = |t: TableRef, g: usize, rep: &mut Report| {
        compare_group(&shape, &pos, &view, model, (t, g), rep, at)
    };
    if full {
        *since_full = 0;
        rep.checkpoints += 1;
        if view.small_group().is_some() || model.small.is_some() {
            cmp(TableRef::Small, 0, rep)?;
        }
        for (id, t) in &shape.tables {
            for g in 0..t.group_count() {
                cmp(TableRef::Table(*id), g, rep)?;
            }
        }
    } else {
        for gl in &b.groups {
            cmp(gl.table, gl.group as usize, rep)?;
        }
        for id in &shape.new {
            for g in 0..shape.tables[pos[id]].1.group_count() {
                cmp(TableRef::Table(*id), g, rep)?;
            }
        }
        match touched {
            Touched::Nothing | Touched::All => {}
            Touched::Small => cmp(TableRef::Small, 0, rep)?,
            Touched::Group { entry, g } => cmp(TableRef::Table(shape.dir[entry]), g, rep)?,
            Touched::Table { entry } => {
                let id = shape.dir[entry];
                for g in 0..shape.tables[pos[&id]].1.group_count() {
                    cmp(TableRef::Table(id), g, rep)?;
                }
                return at.differ(format!(
                    "table {id}: the key is not on its probe sequence in gomap's table, yet \
                     every group equals Go's"
                ));
            }
        }
    }
    if let Some(r) = &b.range {
        let ours = m.range_at(r.dir_offset, r.entry_offset);
        if let Some(p) = (0..ours.len().max(r.keys.len()))
            .find(|&p| !matches!((ours.get(p), r.keys.get(p)), (Some(o), Some(g)) if o.is_wire(g)))
        {
            return at.differ(format!(
                "range from dirOffset {:016x} entryOffset {:016x}, key {p} of {}: gomap {:?}, \
                 go {}",
                r.dir_offset,
                r.entry_offset,
                r.keys.len(),
                ours.get(p),
                r.keys.get(p).map_or("-".into(), wire_text)
            ));
        }
        rep.ranges += 1;
        rep.range_keys += ours.len();
        let depths: BTreeSet<u8> = shape.tables.iter().map(|(_, t)| t.local_depth()).collect();
        rep.ranges_mid_split += usize::from(depths.len() > 1);
    }
    Ok(())
}

/// A script as tools/gotwin reads it (for `gomap twin --keep`).
pub fn script_text(s: &AnyScript) -> String {
    match s {
        AnyScript::U64(s) => s.to_text(),
        AnyScript::Str(s) => s.to_text(),
        AnyScript::Id16(s) => s.to_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn data(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/twin-swiss").join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// A script in tools/gotwin's format (`keys` first, then `hint`, then ops).
    fn script<K: SwissKey>(text: &str) -> Script<K> {
        let mut s = Script { name: "captured".into(), hint: None, ops: Vec::new() };
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let t: Vec<&str> = line.split(' ').collect();
            let key = |i: usize| K::parse(t[i]).unwrap();
            match t[0] {
                "keys" => assert_eq!(t[1], K::NAME),
                "hint" => s.hint = Some(t[1].parse().unwrap()),
                "insert" => s.ops.push(Op::Insert(key(1), t[2].parse().unwrap())),
                "delete" => s.ops.push(Op::Delete(key(1))),
                "range" => s.ops.push(Op::Range),
                "clear" => s.ops.push(Op::Clear),
                w => panic!("unknown script line {w:?}"),
            }
        }
        s
    }

    fn replay<K: SwissKey>(script_name: &str, out: &str) -> Result<Report, Error> {
        let w = wire::parse(&data(out)).unwrap();
        // The captures come from Go on amd64: their aeshash is amd64's, which gomap runs on
        // x86-64 only (arm64's is another function).
        if w.backend == Backend::Aes
            && (gomap::hash::backend() != Backend::Aes || !cfg!(target_arch = "x86_64"))
        {
            return Ok(Report::default());
        }
        compare(&script::<K>(&data(script_name)), &w, w.backend, 0, &mut || {})
    }

    /// The captured Go runs in tools/tests/data/twin-swiss replay on the engine with no
    /// difference, without a Go toolchain: the small map to a table, a split with a directory
    /// doubling, string keys; both hash paths.
    #[test]
    fn captured_go_runs_replay_identically() {
        for out in ["small.aes.out", "small.mem.out"] {
            let r = replay::<u64>("small.script", out).unwrap_or_else(|e| panic!("{out}: {e}"));
            assert!(r.ops == 0 || r.reseeds > 0, "{out}: {r}");
        }
        let r = replay::<u64>("split.script", "split.aes.out").unwrap();
        assert!(r.ops == 0 || (r.splits == 1 && r.doublings == 1), "{r}");
        for out in ["str.aes.out", "str.mem.out"] {
            replay::<String>("str.script", out).unwrap_or_else(|e| panic!("{out}: {e}"));
        }
    }

    /// A seed one bit off, or a value Go did not store, is reported with the op and the slot.
    #[test]
    fn a_wrong_seed_and_a_wrong_value_are_named() {
        let w = wire::parse(&data("small.mem.out")).unwrap();
        let s = script::<u64>(&data("small.script"));
        let e = compare(&s, &w, Backend::Mem, 1 << 40, &mut || {}).unwrap_err();
        let Error::Differ { op, what, .. } = e else { panic!("{e}") };
        assert!(op < 8 && what.contains("small group, slot"), "op {op}: {what}");
        // Go's output altered: the first insert's value, its check line dropped (the model
        // would refuse the digest).
        let mut w2 = w.clone();
        let b = w2
            .blocks
            .iter()
            .position(|b| b.op.as_ref().is_some_and(|o| o.1.starts_with("insert")))
            .unwrap();
        w2.blocks[b].check = None;
        let slot = w2.blocks[b].groups[0].content.slots.iter_mut().flatten().next().unwrap();
        slot.1 += 1;
        let e = compare(&s, &w2, Backend::Mem, 0, &mut || {}).unwrap_err();
        let Error::Differ { op, what, .. } = e else { panic!("{e}") };
        assert_eq!(op as usize, b - 1);
        assert!(
            what.contains("small group, slot") && what.contains("entry gomap 1=10, go 1=11"),
            "{what}"
        );
    }
}
