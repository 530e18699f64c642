//! Layout snapshots of a live [`GoMap`]: every bucket, its tophash bytes, keys, values and
//! overflow chain, plus the hmap fields and the figures a learner asks for.
//!
//! ```
//! use gomap::GoMap;
//! use gomap::inspect::{self, ModuloState, SlotState};
//!
//! let mut m = GoMap::with_hasher(ModuloState);
//! for k in 0..3u64 {
//!     m.insert(k, k * 10);
//! }
//! let layout = inspect::snapshot(&m);
//! assert_eq!(layout.header.b, 0);
//! let bucket = &layout.buckets[0].bmaps[0];
//! assert_eq!(bucket.slots[1].key.as_deref(), Some("1"));
//! assert_eq!(bucket.slots[3].state(), SlotState::EmptyRest);
//! print!("{}", inspect::render_text(&layout, &inspect::TextOptions::default()));
//! ```

mod hashers;
mod html;
mod json;
mod svg;
mod text;

pub mod docs;
pub mod tour;
pub mod trace;
pub mod twin;

pub use hashers::{FixedHasher, FixedState, ModuloHasher, ModuloState};
pub use html::{render_html, HtmlFrame};
pub use json::render_json;
pub use svg::{render_svg, SvgOptions};
pub use text::{render_text, TextOptions};

use crate::map::{
    Generation, BUCKET_CNT, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y,
    MIN_TOP_HASH,
};
use crate::{GoMap, Stats};
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};

/// Go stores a key or value bigger than this many bytes behind a pointer ("indirect").
pub const MAX_INLINE_SIZE: usize = 128;

/// What a tophash byte says about its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotState {
    /// `emptyRest` (0): empty, and so is every later slot of this chain.
    EmptyRest,
    /// `emptyOne` (1): empty; later slots may be filled.
    EmptyOne,
    /// `evacuatedX` (2): the entry moved to the same index of the new array.
    EvacuatedX,
    /// `evacuatedY` (3): the entry moved to index + old size.
    EvacuatedY,
    /// `evacuatedEmpty` (4): the slot was empty when its bucket was evacuated.
    EvacuatedEmpty,
    /// A tophash `>= MIN_TOP_HASH`: the slot holds an entry.
    Filled,
}

impl SlotState {
    /// Classifies a tophash byte the way the runtime does.
    pub fn of(tophash: u8) -> SlotState {
        match tophash {
            EMPTY_REST => SlotState::EmptyRest,
            EMPTY_ONE => SlotState::EmptyOne,
            EVACUATED_X => SlotState::EvacuatedX,
            EVACUATED_Y => SlotState::EvacuatedY,
            EVACUATED_EMPTY => SlotState::EvacuatedEmpty,
            _ => SlotState::Filled,
        }
    }

    /// Go's name for the state (`"filled"` for a live entry).
    pub fn name(self) -> &'static str {
        match self {
            SlotState::EmptyRest => "emptyRest",
            SlotState::EmptyOne => "emptyOne",
            SlotState::EvacuatedX => "evacuatedX",
            SlotState::EvacuatedY => "evacuatedY",
            SlotState::EvacuatedEmpty => "evacuatedEmpty",
            SlotState::Filled => "filled",
        }
    }

    /// Whether the bucket holding this slot (as its first slot) has been evacuated.
    pub fn is_evacuated(self) -> bool {
        matches!(self, SlotState::EvacuatedX | SlotState::EvacuatedY | SlotState::EvacuatedEmpty)
    }
}

/// One of the 8 slots of a bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The raw tophash byte.
    pub tophash: u8,
    /// The key's `Debug` text, when the slot is filled.
    pub key: Option<String>,
    /// The value's `Debug` text, when the slot is filled.
    pub value: Option<String>,
}

impl Slot {
    /// What the tophash byte means.
    pub fn state(&self) -> SlotState {
        SlotState::of(self.tophash)
    }
}

/// One bmap: 8 slots. Buckets past the first of a chain are overflow buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bmap {
    /// The slots, in slot order.
    pub slots: Vec<Slot>,
    /// An overflow bucket taken from the array's preallocated tail (only when B >= 4).
    pub preallocated: bool,
}

impl Bmap {
    /// Filled slots in this bmap.
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.state() == SlotState::Filled).count()
    }
}

/// A bucket of an array and its overflow chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The bucket's index in its array.
    pub index: usize,
    /// The array's own bucket first, then its overflow buckets in link order.
    pub bmaps: Vec<Bmap>,
}

impl Chain {
    /// Whether the bucket was evacuated (old array only): the runtime looks at `tophash[0]`.
    pub fn evacuated(&self) -> bool {
        self.bmaps.first().is_some_and(|b| b.slots[0].state().is_evacuated())
    }

    /// Filled slots along the chain.
    pub fn live(&self) -> usize {
        self.bmaps.iter().map(Bmap::live).sum()
    }
}

/// Which bucket array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Array {
    /// `buckets`, the current array.
    Current,
    /// `oldbuckets`, the array being evacuated.
    Old,
}

/// A snapshot of a whole map: header, both arrays, sizes.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// The hmap fields.
    pub header: Stats,
    /// The current array, one chain per bucket; empty before the first insert of a B = 0 map.
    pub buckets: Vec<Chain>,
    /// The old array while growing, else empty.
    pub old_buckets: Vec<Chain>,
    /// `std::any::type_name` of the key.
    pub key_type: String,
    /// `std::any::type_name` of the value.
    pub value_type: String,
    /// `size_of` the key.
    pub key_size: usize,
    /// `size_of` the value.
    pub value_size: usize,
    /// Size of one bmap for these types.
    pub bucket_bytes: usize,
    /// Bytes the map holds: bucket arrays, overflow buckets, indirect boxes.
    pub allocated_bytes: usize,
}

/// Per-map figures derived from a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    /// Entries per bucket of the current array (`count / 2^B`); Go grows past 6.5.
    pub load_factor: f64,
    /// Allocated bytes per entry (`None` for an empty map).
    pub bytes_per_entry: Option<f64>,
    /// Bytes per entry beyond the key and value themselves (Go's table's "bytes/entry").
    pub overhead_per_entry: Option<f64>,
    /// Overflow buckets linked into the current array's chains.
    pub overflow_buckets: usize,
    /// Share of current buckets that have at least one overflow bucket.
    pub overflow_share: f64,
    /// Average bmaps per chain over the current array.
    pub avg_chain: f64,
    /// Longest chain of the current array, in bmaps.
    pub longest_chain: usize,
    /// Average live entries checked to find a present key (its position in its chain).
    pub probes_per_hit: f64,
    /// Average live entries checked to miss (every entry of the chain a hash lands on).
    pub probes_per_miss: f64,
}

impl Layout {
    /// The chain a lookup of a hash landing on current bucket `index` reads: the old bucket
    /// while it is not yet evacuated, else the current one.
    pub fn chain_read(&self, index: usize) -> Option<(Array, &Chain)> {
        if self.header.growing && !self.old_buckets.is_empty() {
            let old = &self.old_buckets[index & (self.old_buckets.len() - 1)];
            if !old.evacuated() {
                return Some((Array::Old, old));
            }
        }
        self.buckets.get(index).map(|c| (Array::Current, c))
    }

    /// Whether `key` (its `Debug` text) is in any bucket of `array`; `None` if absent.
    pub fn find(&self, array: Array, key: &str) -> Option<(usize, usize, usize)> {
        let chains = match array {
            Array::Current => &self.buckets,
            Array::Old => &self.old_buckets,
        };
        for c in chains {
            for (depth, b) in c.bmaps.iter().enumerate() {
                for (i, s) in b.slots.iter().enumerate() {
                    if s.key.as_deref() == Some(key) {
                        return Some((c.index, depth, i));
                    }
                }
            }
        }
        None
    }

    /// Computes the learner's figures from the snapshot.
    pub fn figures(&self) -> Figures {
        let n = self.header.len;
        let nb = self.buckets.len();
        let per_entry = (n > 0).then(|| self.allocated_bytes as f64 / n as f64);
        let overflow_buckets = self.buckets.iter().map(|c| c.bmaps.len() - 1).sum();
        let with_overflow = self.buckets.iter().filter(|c| c.bmaps.len() > 1).count();
        let longest_chain = self.buckets.iter().map(|c| c.bmaps.len()).max().unwrap_or(0);
        // Each live entry is found by the chain that lookups read, exactly once: entries of
        // unevacuated old buckets there, all others in the current array.
        let mut hit_total = 0usize;
        let mut hits = 0usize;
        let serving = self.buckets.iter().chain(self.old_buckets.iter().filter(|c| !c.evacuated()));
        for c in serving {
            let live = c.live();
            hit_total += live * (live + 1) / 2;
            hits += live;
        }
        let miss_total: usize =
            (0..nb).map(|j| self.chain_read(j).map_or(0, |(_, c)| c.live())).sum();
        let div = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
        Figures {
            load_factor: n as f64 / (1usize << self.header.b) as f64,
            bytes_per_entry: per_entry,
            overhead_per_entry: per_entry.map(|p| p - (self.key_size + self.value_size) as f64),
            overflow_buckets,
            overflow_share: div(with_overflow as f64, nb),
            avg_chain: div((nb + overflow_buckets) as f64, nb),
            longest_chain,
            probes_per_hit: div(hit_total as f64, hits),
            probes_per_miss: div(miss_total as f64, nb),
        }
    }
}

/// Takes a snapshot of `map`'s buckets, keys and values (by `Debug`) and header.
pub fn snapshot<K: Debug, V: Debug, S>(map: &GoMap<K, V, S>) -> Layout {
    let mut buckets: Vec<Chain> = Vec::new();
    let mut old_buckets: Vec<Chain> = Vec::new();
    map.for_each_bucket(|view| {
        let slots = (0..BUCKET_CNT)
            .map(|i| Slot {
                tophash: view.tophash[i],
                key: view.keys[i].map(|k| format!("{k:?}")),
                value: view.values[i].map(|v| format!("{v:?}")),
            })
            .collect();
        let bmap = Bmap { slots, preallocated: view.preallocated };
        let array = match view.generation {
            Generation::Current => &mut buckets,
            Generation::Old => &mut old_buckets,
        };
        match array.last_mut() {
            Some(c) if view.chain > 0 => c.bmaps.push(bmap),
            _ => array.push(Chain { index: view.index, bmaps: vec![bmap] }),
        }
    });
    Layout {
        header: map.stats(),
        buckets,
        old_buckets,
        key_type: std::any::type_name::<K>().to_string(),
        value_type: std::any::type_name::<V>().to_string(),
        key_size: std::mem::size_of::<K>(),
        value_size: std::mem::size_of::<V>(),
        bucket_bytes: GoMap::<K, V, S>::bucket_bytes(),
        allocated_bytes: map.allocated_bytes(),
    }
}

/// Where a lookup went: the hash, the bucket it picked, the chain it read and what it checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupPath {
    /// The key's `Debug` text.
    pub key: String,
    /// The full hash.
    pub hash: u64,
    /// The tophash the lookup compares against.
    pub tophash: u8,
    /// `hash & (2^B - 1)`: the current bucket.
    pub bucket: usize,
    /// The array actually read (old while that bucket is not evacuated); `None` with no array.
    pub array: Option<Array>,
    /// The index in that array.
    pub index: usize,
    /// Live entries examined (tophash compared).
    pub probes: usize,
    /// Entries whose tophash matched, so the key itself was compared.
    pub key_compares: usize,
    /// Where the key was found: (bmap along the chain, slot).
    pub found: Option<(usize, usize)>,
}

/// The tophash the runtime stores for `hash`: its top byte, lifted past the reserved values.
pub fn tophash(hash: u64) -> u8 {
    let top = (hash >> 56) as u8;
    if top < MIN_TOP_HASH {
        top + MIN_TOP_HASH
    } else {
        top
    }
}

/// Replays the runtime's lookup of `key` over `map`'s buckets and reports its path.
pub fn lookup_path<K, V, S>(map: &GoMap<K, V, S>, key: &K) -> LookupPath
where
    K: Hash + Eq + Debug,
    S: BuildHasher,
{
    let st = map.stats();
    let hash = map.hasher().hash_one(key);
    let top = tophash(hash);
    let bucket = (hash & ((1u64 << st.b) - 1)) as usize;
    let mut path = LookupPath {
        key: format!("{key:?}"),
        hash,
        tophash: top,
        bucket,
        array: None,
        index: bucket,
        probes: 0,
        key_compares: 0,
        found: None,
    };
    let mut old_index = None;
    if st.growing && st.old_buckets > 0 {
        let oi = bucket & (st.old_buckets - 1);
        let mut evacuated = true;
        map.for_each_bucket(|v| {
            if v.generation == Generation::Old && v.index == oi && v.chain == 0 {
                evacuated = SlotState::of(v.tophash[0]).is_evacuated();
            }
        });
        if !evacuated {
            old_index = Some(oi);
        }
    }
    let (gen, index) = match old_index {
        Some(oi) => (Generation::Old, oi),
        None => (Generation::Current, bucket),
    };
    path.index = index;
    let mut done = false;
    map.for_each_bucket(|v| {
        if done || v.generation != gen || v.index != index {
            return;
        }
        path.array = Some(match gen {
            Generation::Current => Array::Current,
            Generation::Old => Array::Old,
        });
        for i in 0..BUCKET_CNT {
            let th = v.tophash[i];
            if th == EMPTY_REST {
                done = true;
                return;
            }
            if th < MIN_TOP_HASH {
                continue;
            }
            path.probes += 1;
            if th == top {
                path.key_compares += 1;
                if v.keys[i] == Some(key) {
                    path.found = Some((v.chain, i));
                    done = true;
                    return;
                }
            }
        }
    });
    path
}

/// One bucket visit of an iteration: which new bucket, which chain was read, what it yielded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IterStep {
    /// The new-array bucket the iterator is at.
    pub bucket: usize,
    /// The array whose chain was walked (old while that bucket is unevacuated).
    pub array: Array,
    /// The index of the walked chain in that array.
    pub index: usize,
    /// Keys produced, in order (`Debug` text).
    pub keys: Vec<String>,
    /// Keys of that chain skipped because they belong to the other half of a doubling grow.
    pub skipped: usize,
}

/// The order Go's `mapiternext` visits `map` from `start_bucket` with slot `offset`: every
/// bucket of the current array from the start, wrapping; an unevacuated old bucket is walked in
/// place of its new bucket, keeping (in a doubling grow) only the keys that hash to that bucket.
///
/// A real iterator draws `start_bucket` and `offset` at random; this fixes them, so the walk can
/// be drawn and compared with the live iterator's order.
///
/// # Panics
/// If `offset >= 8`.
pub fn iteration_walk<K, V, S>(
    map: &GoMap<K, V, S>,
    start_bucket: usize,
    offset: usize,
) -> Vec<IterStep>
where
    K: Hash + Debug,
    S: BuildHasher,
{
    assert!(offset < BUCKET_CNT, "offset must be below {BUCKET_CNT}, got {offset}");
    let st = map.stats();
    // Per array, per chain, per bmap: each slot's tophash and, when filled, (key text, hash).
    type Slots = [(u8, Option<(String, u64)>); BUCKET_CNT];
    let mut cur: Vec<Vec<Slots>> = Vec::new();
    let mut old: Vec<Vec<Slots>> = Vec::new();
    map.for_each_bucket(|v| {
        let arr = match v.generation {
            Generation::Current => &mut cur,
            Generation::Old => &mut old,
        };
        let slots: Slots = std::array::from_fn(|i| {
            let key = v.keys[i].filter(|_| v.tophash[i] >= MIN_TOP_HASH);
            (v.tophash[i], key.map(|k| (format!("{k:?}"), map.hasher().hash_one(k))))
        });
        if v.chain == 0 {
            arr.push(vec![slots]);
        } else if let Some(c) = arr.last_mut() {
            c.push(slots);
        }
    });
    let nb = cur.len();
    let mut steps = Vec::with_capacity(nb);
    for step in 0..nb {
        let j = (start_bucket + step) % nb;
        let mut chain = &cur[j];
        let mut array = Array::Current;
        let mut index = j;
        let mut check = false;
        if !old.is_empty() {
            let oi = j & (old.len() - 1);
            if !SlotState::of(old[oi][0][0].0).is_evacuated() {
                chain = &old[oi];
                array = Array::Old;
                index = oi;
                check = !st.same_size_grow;
            }
        }
        let mut keys = Vec::new();
        let mut skipped = 0;
        for bm in chain {
            for i in 0..BUCKET_CNT {
                let Some((key, hash)) = &bm[(i + offset) & (BUCKET_CNT - 1)].1 else {
                    continue;
                };
                if check && (*hash as usize & (nb - 1)) != j {
                    skipped += 1;
                    continue;
                }
                keys.push(key.clone());
            }
        }
        steps.push(IterStep { bucket: j, array, index, keys, skipped });
    }
    steps
}
