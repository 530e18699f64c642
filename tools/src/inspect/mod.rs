//! Pictures of a live [`GoMap`], and the tooling around them: layout snapshots (every bucket,
//! its tophash bytes, keys, values and overflow chain, the hmap fields and the figures a learner asks for), text/SVG/JSON/HTML renderers,
//! deterministic teaching hashers, the narrated [`tour`], the [`docs`] figures, the Go [`twin`]
//! (classic map) and [`twin_swiss`] (Swiss map, over [`twin_swiss_wire`]), the Go tool both
//! build ([`gotool`]), and the [`trace`] script.
//!
//! Everything here reads the map through its raw view, [`GoMap::raw`]
//! ([`gomap::map::raw`]): a snapshot copies what the view shows, and a lookup or iteration
//! drawn here is the map's own, traced. No rule of the map is worked out again here, so a
//! picture cannot disagree with the map.
//!
//! ```
//! use gomap::GoMap;
//! use gomap_tools::inspect::{self, ModuloState, SlotState};
//!
//! let mut m = GoMap::with_hasher(ModuloState);
//! for k in 0..3u64 {
//!     m.insert(k, k * 10);
//! }
//! let layout = inspect::snapshot(&m);
//! assert_eq!(layout.header.b, 0);
//! let bucket = &layout.buckets[0].bmaps[0];
//! assert_eq!(bucket.slots[1].key.as_deref(), Some("1"));
//! assert_eq!(bucket.slots[3].state, SlotState::EmptyRest);
//! print!("{}", inspect::render_text(&layout, &inspect::TextOptions::default()));
//! ```

mod html;
mod json;
mod svg;
mod text;

pub mod docs;
pub mod gotool;
pub mod swiss_text;
pub mod swiss_tour;
pub mod tour;
pub mod trace;
pub mod twin;
pub mod twin_swiss;
pub mod twin_swiss_wire;

pub use gomap::hash::teach::{FixedHasher, FixedState, ModuloHasher, ModuloState};
pub use html::{render_html, HtmlFrame};
pub use json::render_json;
pub use svg::{render_svg, SvgOptions};
pub(crate) use text::{figures_line as text_figures_line, header_line as text_header_line};
pub use text::{render_text, TextOptions};

pub use gomap::map::raw::{Generation, SlotState};
pub use gomap::map::traced::{Evacuation, Move, OpTrace};

use gomap::map::raw::{BucketShape, ChainView, Header, LookupTrace};
use gomap::GoMap;
use serde::Serialize;
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};

/// One of the 8 slots of a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// The raw tophash byte.
    pub tophash: u8,
    /// What the tophash byte means.
    pub state: SlotState,
    /// The key's `Debug` text, when the slot is filled.
    pub key: Option<String>,
    /// The value's `Debug` text, when the slot is filled.
    pub value: Option<String>,
}

/// One bmap: 8 slots. Buckets past the first of a chain are overflow buckets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bmap {
    /// An overflow bucket taken from the array's preallocated tail (only when B >= 4).
    pub preallocated: bool,
    /// The slots, in slot order.
    pub slots: Vec<Slot>,
}

impl Bmap {
    /// Filled slots in this bmap.
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.state == SlotState::Filled).count()
    }
}

/// A bucket of an array and its overflow chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// The bucket's index in its array.
    pub index: usize,
    /// Whether the bucket was evacuated (old array only; Go's `evacuated(b)`).
    pub evacuated: bool,
    /// The array's own bucket first, then its overflow buckets in link order.
    #[serde(rename = "chain")]
    pub bmaps: Vec<Bmap>,
}

impl Chain {
    /// Filled slots along the chain.
    pub fn live(&self) -> usize {
        self.bmaps.iter().map(Bmap::live).sum()
    }
}

/// The key and value types and what they take in a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Types {
    /// The key's type as code names it ([`short_type_name`]).
    pub key: String,
    /// The value's type as code names it.
    pub value: String,
    /// `size_of` the key.
    pub key_size: usize,
    /// `size_of` the value.
    pub value_size: usize,
    /// Size of one bmap for these types.
    pub bucket_bytes: usize,
}

/// A snapshot of a whole map, taken from its raw view ([`GoMap::raw`]): header, both arrays,
/// sizes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// The hmap fields.
    #[serde(rename = "hmap")]
    pub header: Header,
    /// The key and value types.
    pub types: Types,
    /// Bytes the map holds: bucket arrays, overflow buckets, indirect boxes.
    pub allocated_bytes: usize,
    /// The current array, one chain per bucket; empty before the first insert of a B = 0 map.
    pub buckets: Vec<Chain>,
    /// The old array while growing, else empty.
    #[serde(rename = "oldbuckets")]
    pub old_buckets: Vec<Chain>,
    /// For each current bucket, the chain a lookup landing on it reads (Go's mapaccess): an
    /// unevacuated old bucket, else the bucket itself.
    pub reads: Vec<(Generation, usize)>,
}

/// Per-map figures derived from a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
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
    /// The chains of one array.
    pub fn array(&self, generation: Generation) -> &[Chain] {
        match generation {
            Generation::Current => &self.buckets,
            Generation::Old => &self.old_buckets,
        }
    }

    /// The chain a lookup of a hash landing on current bucket `index` reads.
    pub fn chain_read(&self, index: usize) -> Option<(Generation, &Chain)> {
        let &(g, i) = self.reads.get(index)?;
        Some((g, &self.array(g)[i]))
    }

    /// Computes the learner's figures from the snapshot.
    pub fn figures(&self) -> Figures {
        let n = self.header.count;
        let nb = self.buckets.len();
        let per_entry = (n > 0).then(|| self.allocated_bytes as f64 / n as f64);
        let overflow_buckets = self.buckets.iter().map(|c| c.bmaps.len() - 1).sum();
        let with_overflow = self.buckets.iter().filter(|c| c.bmaps.len() > 1).count();
        let longest_chain = self.buckets.iter().map(|c| c.bmaps.len()).max().unwrap_or(0);
        // Each live entry is found by the chain that lookups read, exactly once: entries of
        // unevacuated old buckets there, all others in the current array.
        let mut hit_total = 0usize;
        let mut hits = 0usize;
        let serving = self.buckets.iter().chain(self.old_buckets.iter().filter(|c| !c.evacuated));
        for c in serving {
            let live = c.live();
            hit_total += live * (live + 1) / 2;
            hits += live;
        }
        let miss_total: usize =
            (0..nb).map(|j| self.chain_read(j).map_or(0, |(_, c)| c.live())).sum();
        let div = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
        let entry_bytes = self.types.key_size + self.types.value_size;
        Figures {
            load_factor: n as f64 / (1usize << self.header.b) as f64,
            bytes_per_entry: per_entry,
            overhead_per_entry: per_entry.map(|p| p - entry_bytes as f64),
            overflow_buckets,
            overflow_share: div(with_overflow as f64, nb),
            avg_chain: div((nb + overflow_buckets) as f64, nb),
            longest_chain,
            probes_per_hit: div(hit_total as f64, hits),
            probes_per_miss: div(miss_total as f64, nb),
        }
    }
}

/// Takes a snapshot of `map` through its raw view: every bucket, keys and values by `Debug`,
/// the header.
pub fn snapshot<K: Debug, V: Debug, S>(map: &GoMap<K, V, S>) -> Layout {
    let raw = map.raw();
    let chains = |g| raw.array(g).map_or_else(Vec::new, |a| a.chains().map(chain).collect());
    let buckets: Vec<Chain> = chains(Generation::Current);
    Layout {
        header: raw.header(),
        types: Types {
            key: short_type_name::<K>(),
            value: short_type_name::<V>(),
            key_size: std::mem::size_of::<K>(),
            value_size: std::mem::size_of::<V>(),
            bucket_bytes: BucketShape::of::<K, V>().size,
        },
        allocated_bytes: raw.allocated_bytes(),
        reads: (0..buckets.len()).filter_map(|j| raw.read_chain(j)).collect(),
        buckets,
        old_buckets: chains(Generation::Old),
    }
}

/// `std::any::type_name` without module paths, as the type is written in code:
/// `alloc::string::String` is `String`, `alloc::vec::Vec<u8>` is `Vec<u8>`.
pub fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut path = String::new();
    for c in full.chars().chain(std::iter::once('\0')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            path.push(c);
            continue;
        }
        out.push_str(path.rsplit("::").next().unwrap_or_default());
        path.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn chain<K: Debug, V: Debug>(c: ChainView<'_, K, V>) -> Chain {
    let bmaps = c
        .bmaps()
        .map(|b| Bmap {
            preallocated: b.preallocated(),
            slots: b
                .slots()
                .iter()
                .map(|s| Slot {
                    tophash: s.tophash,
                    state: s.state(),
                    key: s.key.map(|k| format!("{k:?}")),
                    value: s.value.map(|v| format!("{v:?}")),
                })
                .collect(),
        })
        .collect();
    Chain { index: c.index(), evacuated: c.evacuated(), bmaps }
}

/// A lookup as the map's own mapaccess reported it ([`RawView::trace_lookup`]), with the key's
/// text for the pictures.
///
/// [`RawView::trace_lookup`]: gomap::map::raw::RawView::trace_lookup
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupPath {
    /// The key's `Debug` text.
    pub key: String,
    /// What the lookup did.
    pub trace: LookupTrace,
}

/// Looks `key` up in `map` (the map's own lookup, traced) and reports its path.
pub fn lookup_path<K, V, S>(map: &GoMap<K, V, S>, key: &K) -> LookupPath
where
    K: Hash + Eq + Debug,
    S: BuildHasher,
{
    LookupPath { key: format!("{key:?}"), trace: map.raw().trace_lookup(key) }
}
