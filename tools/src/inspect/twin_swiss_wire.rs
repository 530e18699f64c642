//! The wire format of the Swiss-map Go twin (tools/gotwin/PROTOCOL-SWISS.md, version 1): plain
//! data types for what `tools/gotwin` prints when built with Go's default (Swiss-table) map, a
//! [`parse`] of its whole output, and a [`Model`] that applies the blocks in order and computes
//! the protocol's digests, so that a reader can check every `check` line.
//!
//! Nothing here runs Go or touches a GoMap; the comparison with gomap's own Swiss map is for
//! whoever replays the script.
//!
//! ```
//! use gomap_tools::inspect::twin_swiss_wire::{parse, Model, Mode};
//!
//! let out = "twin-swiss 1\nbackend mem\naeskeysched ".to_string() + &"00".repeat(128)
//!     + "\nhashkey 0000000000000001 0000000000000002 0000000000000003 0000000000000004\n\
//!        keys u64\nlayout 136 16 8\n\
//!        map 0 00000000000000aa 0 0 0 0 0 nil\ncheck -1 cbf29ce484222325\n\
//!        op 0 insert 7 70\nmap 1 00000000000000aa 0 0 0 0 0 small\n\
//!        group s 0 8080808080808011 7=70 . . . . . . .\n";
//! let wire = parse(&out).unwrap();
//! assert_eq!(wire.blocks[0].map.mode, Mode::Nil); // the header: right after make
//! assert_eq!(wire.blocks[1].map.mode, Mode::Small);
//! let mut model = Model::default();
//! for b in &wire.blocks {
//!     model.apply(b).unwrap();
//! }
//! assert_eq!(model.small.as_ref().unwrap().ctrl, 0x8080808080808011);
//! ```

use gomap::hash::Backend;
use std::collections::BTreeMap;
use std::fmt;

/// The protocol version this parser reads (`twin-swiss 1`).
pub const VERSION: u32 = 1;

/// The map's key type (`keys u64|str|id16`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Go `uint64`.
    U64,
    /// Go `string`.
    Str,
    /// Go `[16]byte`.
    Id16,
}

/// A key as the wire spells it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WireKey {
    /// A `uint64` key.
    U64(u64),
    /// A `string` key's bytes (any bytes, not necessarily UTF-8).
    Str(Vec<u8>),
    /// A `[16]byte` key.
    Id16([u8; 16]),
}

impl WireKey {
    /// Feeds the key's bytes to a digest as the protocol does: u64 as 8 bytes little-endian,
    /// str as its length (8 bytes little-endian) then its bytes, id16 as its 16 bytes.
    pub fn digest(&self, d: &mut Fnv) {
        match self {
            WireKey::U64(u) => d.u64(*u),
            WireKey::Str(s) => {
                d.u64(s.len() as u64);
                d.bytes(s);
            }
            WireKey::Id16(b) => d.bytes(b),
        }
    }
}

/// FNV-1a 64, the protocol's digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        for &c in b {
            self.0 = (self.0 ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// Feeds a u64 as 8 bytes little-endian.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
}

/// The layout of the map type's group (`layout` line): abi.SwissMapType's GroupSize, SlotSize
/// and ElemOff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Bytes per group: the 8-byte control word and 8 slots.
    pub group_size: u64,
    /// Bytes per slot: key, then value.
    pub slot_size: u64,
    /// Offset of the value in a slot.
    pub elem_off: u64,
}

/// What Map.dirPtr holds (the `map` line's last token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No storage yet (`nil`).
    Nil,
    /// One group, no directory (`small`).
    Small,
    /// A directory of tables (`dir`).
    Dir,
}

/// The `map` line: maps.Map's fields after an op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapLine {
    /// Map.used, the number of entries.
    pub used: u64,
    /// Map.seed, the full 64-bit hash seed.
    pub seed: u64,
    /// Map.dirLen (0 unless in dir mode).
    pub dir_len: usize,
    /// Map.globalDepth.
    pub global_depth: u8,
    /// Map.globalShift.
    pub global_shift: u8,
    /// Map.writing (0 between operations).
    pub writing: u8,
    /// Map.clearSeq.
    pub clear_seq: u64,
    /// nil, small or dir.
    pub mode: Mode,
}

/// The `table` line: a maps.table's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableLine {
    /// The table's id (first appearance in directory order, never reused).
    pub id: u32,
    /// table.used.
    pub used: u16,
    /// table.capacity, in slots.
    pub capacity: u16,
    /// table.growthLeft.
    pub growth_left: u16,
    /// table.localDepth.
    pub local_depth: u8,
    /// table.index, its first directory entry.
    pub index: i64,
    /// Number of groups (capacity / 8).
    pub groups: u32,
}

/// Which group storage a `group` line is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableRef {
    /// The small map's one group (`s`).
    Small,
    /// A table by id.
    Table(u32),
}

/// A `group` line: one group's control word and the key and value of each full slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupLine {
    /// The table (or the small group).
    pub table: TableRef,
    /// The group's number in its table.
    pub group: u32,
    /// The group's content.
    pub content: Group,
}

/// A group's content as the protocol models it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The control word as a little-endian u64: slot i's control byte is bits 8i..8i+7.
    pub ctrl: u64,
    /// Per slot: the key and value when the slot's control byte is full, else None.
    pub slots: [Option<(WireKey, u64)>; 8],
}

impl Group {
    /// An empty group: every control byte 0x80, no full slot.
    pub fn empty() -> Group {
        Group { ctrl: 0x8080_8080_8080_8080, slots: Default::default() }
    }

    /// The control byte of slot i.
    pub fn ctrl_byte(&self, i: usize) -> u8 {
        (self.ctrl >> (8 * i)) as u8
    }

    /// The protocol's group digest.
    pub fn digest(&self) -> u64 {
        let mut d = Fnv::default();
        d.u64(self.ctrl);
        for (k, v) in self.slots.iter().flatten() {
            k.digest(&mut d);
            d.u64(*v);
        }
        d.0
    }
}

/// A `range` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeLine {
    /// Iter.entryOffset as Init drew it (0 when the map was empty).
    pub entry_offset: u64,
    /// Iter.dirOffset as Init drew it, before Next adjusted it (0 when the map was empty).
    pub dir_offset: u64,
    /// The keys in the order Go's iterator produced them.
    pub keys: Vec<WireKey>,
}

/// A `check` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    /// The op index (-1 for the header).
    pub op: i64,
    /// The state digest.
    pub digest: u64,
}

/// One block: the header's state right after make (op None), or one operation's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The op's index and its text (tokens as given), None for the header's block.
    pub op: Option<(usize, String)>,
    /// Line number (1-based) of the block's first line.
    pub line: usize,
    /// The map header after the op.
    pub map: MapLine,
    /// The directory, one table id per entry, when it changed.
    pub dir: Option<Vec<u32>>,
    /// Table lines, in output order.
    pub tables: Vec<TableLine>,
    /// Group lines, in output order.
    pub groups: Vec<GroupLine>,
    /// The range line of a range op.
    pub range: Option<RangeLine>,
    /// The check line at a checkpoint.
    pub check: Option<Check>,
}

/// The whole output of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    /// Hash path: runtime.useAeshash.
    pub backend: Backend,
    /// runtime.aeskeysched, in memory order.
    pub aeskeysched: [u8; 128],
    /// runtime.hashkey.
    pub hashkey: [u64; 4],
    /// The key type.
    pub keys: KeyKind,
    /// The group layout.
    pub layout: Layout,
    /// The header's block (op None) and then one block per operation.
    pub blocks: Vec<Block>,
}

/// A parse or model error, naming the (1-based) output line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The line number, 1-based (0: the end of the output).
    pub line: usize,
    /// What was wrong.
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "twin-swiss output, at the end: {}", self.msg)
        } else {
            write!(f, "twin-swiss output line {}: {}", self.line, self.msg)
        }
    }
}

impl std::error::Error for ParseError {}

fn err<T>(line: usize, msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line, msg: msg.into() })
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn hex_bytes(tok: &str) -> Option<Vec<u8>> {
    let b = tok.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2).map(|p| Some(hex_digit(p[0])? << 4 | hex_digit(p[1])?)).collect()
}

fn hex16(line: usize, what: &str, tok: &str) -> Result<u64, ParseError> {
    if tok.len() != 16 || !tok.bytes().all(|c| hex_digit(c).is_some()) {
        return err(line, format!("{what}: expected 16 lowercase hex digits, got {tok:?}"));
    }
    Ok(u64::from_str_radix(tok, 16).expect("checked hex"))
}

fn num<T: std::str::FromStr>(line: usize, what: &str, tok: &str) -> Result<T, ParseError> {
    // FromStr for integers accepts a leading '+'; the protocol never prints one.
    if tok.starts_with('+') {
        return err(line, format!("{what}: bad number {tok:?}"));
    }
    tok.parse().or_else(|_| err(line, format!("{what}: bad number {tok:?}")))
}

fn parse_key(line: usize, kind: KeyKind, tok: &str) -> Result<WireKey, ParseError> {
    match kind {
        KeyKind::U64 => Ok(WireKey::U64(num(line, "u64 key", tok)?)),
        KeyKind::Str if tok == "." => Ok(WireKey::Str(Vec::new())),
        KeyKind::Str => match hex_bytes(tok) {
            Some(b) if !b.is_empty() => Ok(WireKey::Str(b)),
            _ => err(line, format!("bad str key {tok:?} (lowercase hex, or . for empty)")),
        },
        KeyKind::Id16 => match hex_bytes(tok).map(<[u8; 16]>::try_from) {
            Some(Ok(b)) => Ok(WireKey::Id16(b)),
            _ => err(line, format!("bad id16 key {tok:?} (32 lowercase hex digits)")),
        },
    }
}

/// Lines with their 1-based numbers; a line is split on single spaces.
struct Lines<'a> {
    it: std::iter::Peekable<std::iter::Enumerate<std::str::Lines<'a>>>,
}

impl<'a> Lines<'a> {
    fn peek_word(&mut self) -> Option<&'a str> {
        self.it.peek().map(|(_, l)| l.split(' ').next().unwrap_or(""))
    }
    fn next(&mut self) -> Option<(usize, Vec<&'a str>)> {
        self.it.next().map(|(i, l)| (i + 1, l.split(' ').collect()))
    }
    /// The next line, which must start with `word` and have `n` tokens (None: any number).
    fn expect(
        &mut self,
        word: &str,
        n: Option<usize>,
    ) -> Result<(usize, Vec<&'a str>), ParseError> {
        let Some((ln, t)) = self.next() else {
            return err(0, format!("output ends where a `{word}` line should be"));
        };
        if t[0] != word {
            return err(ln, format!("expected a `{word}` line, got {:?}", t[0]));
        }
        if let Some(n) = n {
            if t.len() != n {
                return err(ln, format!("`{word}` line has {} tokens, expected {n}", t.len()));
            }
        }
        Ok((ln, t))
    }
}

/// Parses the whole stdout of `tools/gotwin` (Swiss build).
///
/// # Errors
/// The first malformed or misplaced line, by number.
pub fn parse(text: &str) -> Result<Wire, ParseError> {
    let mut lines = Lines { it: text.lines().enumerate().peekable() };
    let (ln, t) = lines.expect("twin-swiss", Some(2))?;
    if t[1] != VERSION.to_string() {
        return err(ln, format!("protocol version {:?}, this parser reads {VERSION}", t[1]));
    }
    let (ln, t) = lines.expect("backend", Some(2))?;
    let backend = match t[1] {
        "aes" => Backend::Aes,
        "mem" => Backend::Mem,
        b => return err(ln, format!("unknown backend {b:?}")),
    };
    let (ln, t) = lines.expect("aeskeysched", Some(2))?;
    let aeskeysched: [u8; 128] = match hex_bytes(t[1]).map(<[u8; 128]>::try_from) {
        Some(Ok(b)) => b,
        _ => return err(ln, "aeskeysched: expected 256 lowercase hex digits"),
    };
    let (ln, t) = lines.expect("hashkey", Some(5))?;
    let mut hashkey = [0u64; 4];
    for (i, w) in hashkey.iter_mut().enumerate() {
        *w = hex16(ln, "hashkey", t[i + 1])?;
    }
    let (ln, t) = lines.expect("keys", Some(2))?;
    let keys = match t[1] {
        "u64" => KeyKind::U64,
        "str" => KeyKind::Str,
        "id16" => KeyKind::Id16,
        k => return err(ln, format!("unknown key type {k:?}")),
    };
    let (ln, t) = lines.expect("layout", Some(4))?;
    let layout = Layout {
        group_size: num(ln, "group size", t[1])?,
        slot_size: num(ln, "slot size", t[2])?,
        elem_off: num(ln, "elem offset", t[3])?,
    };
    if layout.group_size != 8 + 8 * layout.slot_size || layout.elem_off >= layout.slot_size {
        return err(ln, format!("inconsistent layout {layout:?}"));
    }
    let mut blocks = Vec::new();
    let mut want_op = 0usize;
    let mut first = true;
    while lines.it.peek().is_some() {
        blocks.push(parse_block(&mut lines, keys, first, &mut want_op)?);
        first = false;
    }
    if blocks.is_empty() {
        return err(0, "no `map` line after the header");
    }
    Ok(Wire { backend, aeskeysched, hashkey, keys, layout, blocks })
}

fn parse_block(
    lines: &mut Lines<'_>,
    keys: KeyKind,
    header: bool,
    want_op: &mut usize,
) -> Result<Block, ParseError> {
    let start = lines.it.peek().map_or(0, |(i, _)| i + 1);
    let op = if header {
        None
    } else {
        let (ln, t) = lines.expect("op", None)?;
        if t.len() < 3 {
            return err(ln, "`op` line without an op");
        }
        let i: usize = num(ln, "op index", t[1])?;
        if i != *want_op {
            return err(ln, format!("op {i} where op {want_op} was due"));
        }
        *want_op += 1;
        Some((i, t[2..].join(" ")))
    };
    let (ln, t) = lines.expect("map", Some(9))?;
    let map = MapLine {
        used: num(ln, "used", t[1])?,
        seed: hex16(ln, "seed", t[2])?,
        dir_len: num(ln, "dirLen", t[3])?,
        global_depth: num(ln, "globalDepth", t[4])?,
        global_shift: num(ln, "globalShift", t[5])?,
        writing: num(ln, "writing", t[6])?,
        clear_seq: num(ln, "clearSeq", t[7])?,
        mode: match t[8] {
            "nil" => Mode::Nil,
            "small" => Mode::Small,
            "dir" => Mode::Dir,
            m => return err(ln, format!("unknown mode {m:?}")),
        },
    };
    if (map.mode == Mode::Dir) != (map.dir_len > 0) {
        return err(ln, format!("mode {:?} with dirLen {}", map.mode, map.dir_len));
    }
    let mut block = Block {
        op,
        line: start,
        map,
        dir: None,
        tables: Vec::new(),
        groups: Vec::new(),
        range: None,
        check: None,
    };
    if lines.peek_word() == Some("dir") {
        let (ln, t) = lines.next().expect("peeked");
        if map.mode != Mode::Dir || t.len() - 1 != map.dir_len {
            return err(
                ln,
                format!(
                    "`dir` line of {} entries, the map line says dirLen {}",
                    t.len() - 1,
                    map.dir_len
                ),
            );
        }
        let ids = t[1..].iter().map(|s| num(ln, "table id", s)).collect::<Result<Vec<u32>, _>>()?;
        block.dir = Some(ids);
    }
    loop {
        match lines.peek_word() {
            Some("table") => {
                let (ln, t) = lines.expect("table", Some(8))?;
                let tl = TableLine {
                    id: num(ln, "table id", t[1])?,
                    used: num(ln, "used", t[2])?,
                    capacity: num(ln, "capacity", t[3])?,
                    growth_left: num(ln, "growthLeft", t[4])?,
                    local_depth: num(ln, "localDepth", t[5])?,
                    index: num(ln, "index", t[6])?,
                    groups: num(ln, "groups", t[7])?,
                };
                if map.mode != Mode::Dir {
                    return err(ln, "`table` line while the map has no directory");
                }
                if !tl.capacity.is_power_of_two() || u32::from(tl.capacity) != 8 * tl.groups {
                    return err(ln, format!("capacity {} with {} groups", tl.capacity, tl.groups));
                }
                block.tables.push(tl);
            }
            Some("group") => {
                let (ln, t) = lines.expect("group", Some(12))?;
                let table = if t[1] == "s" {
                    TableRef::Small
                } else {
                    TableRef::Table(num(ln, "table id", t[1])?)
                };
                if (table == TableRef::Small) != (map.mode == Mode::Small) {
                    return err(ln, format!("group of {:?} in mode {:?}", table, map.mode));
                }
                let group: u32 = num(ln, "group", t[2])?;
                let ctrl = hex16(ln, "control word", t[3])?;
                let mut slots: [Option<(WireKey, u64)>; 8] = Default::default();
                for (i, slot) in slots.iter_mut().enumerate() {
                    let tok = t[4 + i];
                    let full = (ctrl >> (8 * i)) & 0x80 == 0;
                    if !full {
                        if tok != "." {
                            return err(ln, format!("slot {i}: control byte {:#04x} is not full, but the slot holds {tok:?}", (ctrl >> (8 * i)) as u8));
                        }
                        continue;
                    }
                    let Some((k, v)) = tok.rsplit_once('=') else {
                        return err(ln, format!("slot {i}: full, but {tok:?} is not key=value"));
                    };
                    *slot = Some((parse_key(ln, keys, k)?, num(ln, "value", v)?));
                }
                block.groups.push(GroupLine { table, group, content: Group { ctrl, slots } });
            }
            _ => break,
        }
    }
    if lines.peek_word() == Some("range") {
        let (ln, t) = lines.next().expect("peeked");
        if t.len() < 4 {
            return err(ln, "`range` line needs entryOffset, dirOffset and n");
        }
        let n: usize = num(ln, "n", t[3])?;
        if t.len() != 4 + n {
            return err(ln, format!("`range` says {n} keys but has {}", t.len() - 4));
        }
        let keys = t[4..].iter().map(|k| parse_key(ln, keys, k)).collect::<Result<Vec<_>, _>>()?;
        block.range = Some(RangeLine {
            entry_offset: hex16(ln, "entryOffset", t[1])?,
            dir_offset: hex16(ln, "dirOffset", t[2])?,
            keys,
        });
    }
    if lines.peek_word() == Some("check") {
        let (ln, t) = lines.expect("check", Some(3))?;
        let op: i64 = num(ln, "check index", t[1])?;
        let want = block.op.as_ref().map_or(-1, |(i, _)| *i as i64);
        if op != want {
            return err(ln, format!("check {op} in the block of op {want}"));
        }
        block.check = Some(Check { op, digest: hex16(ln, "digest", t[2])? });
    }
    match lines.peek_word() {
        None | Some("op") => Ok(block),
        Some(w) => {
            let ln = lines.it.peek().map_or(0, |(i, _)| i + 1);
            err(ln, format!("unexpected `{w}` line here (block order: op, map, dir, table/group, range, check)"))
        }
    }
}

/// One live table of the [`Model`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelTable {
    /// The last `table` line printed for it.
    pub fields: TableLine,
    /// Its groups.
    pub groups: Vec<Group>,
}

/// Go's map as the lines so far describe it (PROTOCOL-SWISS.md's model).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    /// The latest `map` line.
    pub map: Option<MapLine>,
    /// The latest `dir` line: one table id per directory entry.
    pub dir: Vec<u32>,
    /// The live tables by id.
    pub tables: BTreeMap<u32, ModelTable>,
    /// The small map's group, in small mode.
    pub small: Option<Group>,
}

impl Model {
    /// Applies one block.
    ///
    /// # Errors
    /// A line that does not fit the model (a group of an unknown table, a group number past
    /// the table's groups, a live table without a `table` line, a check digest that differs
    /// from the model's), naming the block's first line (its `op` line).
    pub fn apply(&mut self, b: &Block) -> Result<(), ParseError> {
        self.map = Some(b.map);
        match b.map.mode {
            Mode::Nil => {
                self.small = None;
                self.tables.clear();
                self.dir.clear();
            }
            Mode::Small => {
                self.tables.clear();
                self.dir.clear();
                self.small.get_or_insert_with(Group::empty);
            }
            Mode::Dir => self.small = None,
        }
        if let Some(dir) = &b.dir {
            self.dir = dir.clone();
            let live: std::collections::BTreeSet<u32> = dir.iter().copied().collect();
            self.tables.retain(|id, _| live.contains(id));
        }
        for t in &b.tables {
            match self.tables.get_mut(&t.id) {
                Some(mt) => {
                    if mt.fields.groups != t.groups {
                        return err(b.line, format!("table {} changed its number of groups", t.id));
                    }
                    mt.fields = *t;
                }
                None => {
                    if !self.dir.contains(&t.id) {
                        return err(
                            b.line,
                            format!("`table` line for {}, which is not in the directory", t.id),
                        );
                    }
                    self.tables.insert(
                        t.id,
                        ModelTable { fields: *t, groups: vec![Group::empty(); t.groups as usize] },
                    );
                }
            }
        }
        if b.map.mode == Mode::Dir {
            if let Some(id) = self.dir.iter().find(|id| !self.tables.contains_key(id)) {
                return err(
                    b.line,
                    format!("table {id} is in the directory but never had a `table` line"),
                );
            }
        }
        for g in &b.groups {
            let slot = match g.table {
                TableRef::Small => self.small.as_mut().filter(|_| g.group == 0),
                TableRef::Table(id) => {
                    self.tables.get_mut(&id).and_then(|t| t.groups.get_mut(g.group as usize))
                }
            };
            let Some(slot) = slot else {
                return err(
                    b.line,
                    format!("group {} of {:?}, which the model does not have", g.group, g.table),
                );
            };
            *slot = g.content.clone();
        }
        if let Some(c) = b.check {
            let d = self.digest();
            if d != c.digest {
                return err(
                    b.line,
                    format!(
                        "check {}: the model's digest is {d:016x}, Go's {:016x}",
                        c.op, c.digest
                    ),
                );
            }
        }
        Ok(())
    }

    /// The live tables in directory order.
    pub fn tables_in_dir_order(&self) -> Vec<&ModelTable> {
        let mut out: Vec<&ModelTable> = Vec::new();
        for id in &self.dir {
            if out.last().map(|t| t.fields.id) != Some(*id) {
                out.extend(self.tables.get(id));
            }
        }
        out
    }

    /// The protocol's state digest of the model.
    pub fn digest(&self) -> u64 {
        let mut d = Fnv::default();
        if let Some(g) = &self.small {
            d.u64(g.digest());
            return d.0;
        }
        for t in self.tables_in_dir_order() {
            let f = &t.fields;
            for v in [
                u64::from(f.used),
                u64::from(f.capacity),
                u64::from(f.growth_left),
                u64::from(f.local_depth),
                f.index as u64,
            ] {
                d.u64(v);
            }
            for g in &t.groups {
                d.u64(g.digest());
            }
        }
        d.0
    }

    /// The number of full slots over every group, which must equal the map's used.
    pub fn full_slots(&self) -> u64 {
        let count = |g: &Group| g.slots.iter().flatten().count() as u64;
        self.small.iter().map(count).sum::<u64>()
            + self.tables.values().flat_map(|t| t.groups.iter()).map(count).sum::<u64>()
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

    /// Parses a captured output, applies every block and checks every digest, and returns
    /// the model at the end with the parsed output.
    fn replay(name: &str) -> (Wire, Model, usize) {
        let wire = parse(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut m = Model::default();
        let mut checks = 0;
        for b in &wire.blocks {
            m.apply(b).unwrap_or_else(|e| panic!("{name}: {e}"));
            checks += usize::from(b.check.is_some());
            assert_eq!(m.full_slots(), b.map.used, "{name}: block at line {}", b.line);
            if b.map.mode == Mode::Dir {
                let sum: u64 = m.tables.values().map(|t| u64::from(t.fields.used)).sum();
                assert_eq!(sum, b.map.used, "{name}: block at line {}", b.line);
            }
        }
        (wire, m, checks)
    }

    #[test]
    fn small_map_outputs_replay_on_both_hash_paths() {
        for name in ["small.aes.out", "small.mem.out"] {
            let (wire, m, checks) = replay(name);
            assert_eq!(wire.keys, KeyKind::U64);
            assert_eq!(wire.layout, Layout { group_size: 136, slot_size: 16, elem_off: 8 });
            assert_eq!(
                checks,
                wire.blocks.len(),
                "{name}: every op of a small map is a checkpoint"
            );
            // The script: range, delete on a nil map; 8 inserts fill the small group.
            assert_eq!(wire.blocks[0].map.mode, Mode::Nil);
            assert_eq!(wire.blocks[1].op.as_ref().unwrap().1, "range");
            assert_eq!(
                wire.blocks[1].range.as_ref().unwrap(),
                &RangeLine { entry_offset: 0, dir_offset: 0, keys: vec![] }
            );
            assert_eq!(wire.blocks[3].map.mode, Mode::Small);
            let full = &wire.blocks[10];
            assert_eq!(full.op.as_ref().unwrap().1, "insert 8 80");
            assert_eq!(full.groups[0].content.slots.iter().flatten().count(), 8);
            // A full group's control bytes are h2 values.
            assert_eq!(full.groups[0].content.ctrl & 0x8080_8080_8080_8080, 0);
            // The ninth distinct key moves the map to a directory of one table of 16 slots.
            let grown = wire.blocks.iter().find(|b| b.map.mode == Mode::Dir).unwrap();
            assert_eq!(grown.dir.as_deref(), Some(&[0u32][..]));
            assert_eq!((grown.tables[0].capacity, grown.tables[0].groups), (16, 2));
            // clear of a non-empty map bumps clearSeq and redraws the seed; of an empty one, not.
            let clears: Vec<&Block> = wire
                .blocks
                .iter()
                .filter(|b| b.op.as_ref().is_some_and(|o| o.1 == "clear"))
                .collect();
            assert_eq!(clears.len(), 2);
            assert_eq!(clears[0].map.clear_seq, 1);
            assert_eq!(clears[1].map, clears[0].map);
            assert_eq!(m.map.unwrap().used, 1);
        }
    }

    #[test]
    fn a_split_with_a_directory_doubling_replays() {
        let (wire, m, checks) = replay("split.aes.out");
        assert_eq!(wire.backend, Backend::Aes);
        // hint 896 makes one table of 1024 slots; the 897th key splits it.
        assert_eq!(wire.blocks[0].dir.as_deref(), Some(&[0u32][..]));
        assert_eq!(wire.blocks[0].tables[0].capacity, 1024);
        let split = wire.blocks.iter().find(|b| b.dir.as_deref() == Some(&[1, 2][..])).unwrap();
        assert_eq!(split.map.global_depth, 1);
        assert_eq!(split.map.global_shift, 63);
        assert_eq!(
            split.tables.iter().map(|t| (t.id, t.local_depth, t.index)).collect::<Vec<_>>(),
            vec![(1, 1, 0), (2, 1, 1)]
        );
        assert!(split.check.is_some(), "a new table forces a checkpoint");
        // Ranges: as many keys as the map holds, each once.
        for b in &wire.blocks {
            if let Some(r) = &b.range {
                assert_eq!(r.keys.len() as u64, b.map.used);
                let mut k = r.keys.clone();
                k.sort();
                k.dedup();
                assert_eq!(k.len(), r.keys.len());
            }
        }
        assert!(checks > 100);
        assert_eq!(m.tables.len(), 2);
        assert_eq!(m.map.unwrap().used, 1);
    }

    #[test]
    fn string_keys_parse_as_bytes_and_dot_is_the_empty_string() {
        for name in ["str.aes.out", "str.mem.out"] {
            let (wire, m, _) = replay(name);
            assert_eq!(wire.keys, KeyKind::Str);
            assert_eq!(wire.layout, Layout { group_size: 200, slot_size: 24, elem_off: 16 });
            let keys: Vec<&WireKey> = m
                .tables
                .values()
                .flat_map(|t| t.groups.iter())
                .flat_map(|g| g.slots.iter().flatten())
                .map(|(k, _)| k)
                .collect();
            assert!(keys.contains(&&WireKey::Str(b"hello".to_vec())));
            assert!(
                !keys.contains(&&WireKey::Str(Vec::new())),
                "{name}: `delete .` removed the empty string"
            );
            let r = wire.blocks.iter().find_map(|b| b.range.as_ref()).unwrap();
            assert!(r.keys.contains(&WireKey::Str(Vec::new())));
        }
    }

    /// Replays any outputs named in GOMAP_TWIN_SWISS_OUT (paths separated by `:`), for big
    /// runs too large to commit: `tools/gotwin` (Swiss build) < script > out.
    #[test]
    fn outputs_named_in_the_environment_replay() {
        let Some(paths) = std::env::var_os("GOMAP_TWIN_SWISS_OUT") else { return };
        for p in std::env::split_paths(&paths) {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let wire = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let mut m = Model::default();
            let (mut checks, mut ranges) = (0, 0);
            for b in &wire.blocks {
                m.apply(b).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                checks += usize::from(b.check.is_some());
                if let Some(r) = &b.range {
                    assert_eq!(r.keys.len() as u64, b.map.used);
                    ranges += 1;
                }
                if b.check.is_none() {
                    continue;
                }
                assert_eq!(m.full_slots(), b.map.used, "{}: block at line {}", p.display(), b.line);
                for t in m.tables.values() {
                    let full: usize =
                        t.groups.iter().map(|g| g.slots.iter().flatten().count()).sum();
                    assert_eq!(
                        full,
                        usize::from(t.fields.used),
                        "{}: line {}",
                        p.display(),
                        b.line
                    );
                }
            }
            println!(
                "{}: {} blocks, {} checks, {} ranges, {} tables at the end",
                p.display(),
                wire.blocks.len(),
                checks,
                ranges,
                m.tables.len()
            );
        }
    }

    fn header() -> String {
        format!(
            "twin-swiss 1\nbackend mem\naeskeysched {}\nhashkey {z} {z} {z} {z}\nkeys u64\nlayout 136 16 8\n",
            "00".repeat(128),
            z = "0000000000000000"
        )
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("map 0 00000000000000aa 0 0 0 0 0 nil\nop 0 insert 1 1\nmap 1 00000000000000aa 0 0 0 0 0 small\ngroup s 0 8080808080808011 . . . . . . . .\n", 10, "not key=value"),
            ("map 0 00000000000000aa 0 0 0 0 0 nil\nop 1 range\n", 8, "op 1 where op 0"),
            ("map 0 0aa 0 0 0 0 0 nil\n", 7, "seed"),
            ("map 0 00000000000000aa 0 0 0 0 0 nil\ncheck -1 cbf29ce484222325\nrange 0 0 0\n", 9, "unexpected `range`"),
            ("map 0 00000000000000aa 1 0 64 0 0 dir\ndir 0 0\n", 8, "dirLen 1"),
            ("map 0 00000000000000aa 0 0 0 0 0 small\ngroup s 0 8080808080808011 x=1 . . . . . . .\n", 8, "u64 key"),
        ];
        for (tail, line, what) in cases {
            let e = parse(&(header() + tail)).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.msg.contains(what), "{e}");
            assert!(e.to_string().starts_with(&format!("twin-swiss output line {line}:")));
        }
        let e = parse("twin-swiss 2\n").unwrap_err();
        assert_eq!((e.line, e.msg.contains("version")), (1, true));
        assert_eq!(parse(&header()).unwrap_err().line, 0);
    }

    #[test]
    fn the_model_rejects_a_wrong_digest_and_unknown_groups() {
        let w = parse(
            &(header() + "map 0 00000000000000aa 0 0 0 0 0 nil\ncheck -1 0000000000000001\n"),
        )
        .unwrap();
        assert!(Model::default().apply(&w.blocks[0]).unwrap_err().msg.contains("digest"));
        let w = parse(&(header() + "map 0 00000000000000aa 1 0 64 0 0 dir\ndir 0\ntable 0 0 16 14 0 0 2\ngroup 0 2 8080808080808080 . . . . . . . .\n")).unwrap();
        assert!(Model::default().apply(&w.blocks[0]).unwrap_err().msg.contains("does not have"));
        assert_eq!(Group::empty().digest(), {
            let mut d = Fnv::default();
            d.bytes(&[0x80; 8]);
            d.0
        });
    }
}
