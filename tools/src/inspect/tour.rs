//! The narrated tour: one live map, from empty through growth, evacuation, deletes and a
//! same-size grow, captured as frames.
//!
//! Keys are `u64` hashed with [`ModuloState`], so key `k` lands in bucket `k mod 2^B`: the tour
//! can pick keys that fill one bucket, overflow it, or touch a chosen old bucket mid-grow.

use super::twin;
use super::{
    lookup_path, render_html, render_svg, render_text, snapshot, Generation, HtmlFrame, Layout,
    LookupPath, ModuloState, SlotState, SvgOptions, TextOptions,
};
use gomap::map::traced::{Evacuation, OpTrace};
use gomap::GoMap;

/// One step of the tour.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Short heading.
    pub title: String,
    /// What happened and why (one paragraph per line).
    pub narration: String,
    /// The map right after the step.
    pub layout: Layout,
    /// The chains the step's writes changed, as the map reported them
    /// ([`OpTrace::touched`]).
    pub highlight: Vec<(Generation, usize)>,
    /// The old buckets the step's writes evacuated, and where each entry went.
    pub evacuations: Vec<Evacuation>,
    /// The lookup the step made, if any.
    pub lookup: Option<LookupPath>,
    /// The same map as Go's runtime holds it, as text (the last frame: see [`twin_frame`]).
    pub go_text: Option<String>,
}

impl Frame {
    /// The frame as a text picture (and, where the frame has one, Go's runtime's view below it).
    pub fn text(&self, color: bool) -> String {
        let mut t = render_text(
            &self.layout,
            &TextOptions {
                color,
                highlight: self.highlight.clone(),
                evacuations: self.evacuations.clone(),
                lookup: self.lookup.clone(),
                max_buckets: 0,
            },
        );
        if let Some(go) = &self.go_text {
            t.push_str("\nThe same map in Go's runtime, read from its memory by tools/gotwin:\n");
            t.push_str(go);
        }
        t
    }

    /// The frame as an SVG picture, titled `number. title` unless `number` is `None` (a page
    /// that titles it already).
    pub fn svg(&self, number: Option<usize>) -> String {
        render_svg(
            &self.layout,
            &SvgOptions {
                title: number.map(|n| format!("{n}. {}", self.title)),
                highlight: self.highlight.clone(),
                evacuations: self.evacuations.clone(),
                lookup: self.lookup.clone(),
                max_buckets: 0,
            },
        )
    }
}

/// The tour's map type.
pub type TourMap = GoMap<u64, u64, ModuloState>;

struct Recorder {
    map: TourMap,
    frames: Vec<Frame>,
    /// What each write since the last frame did, as the map reported it.
    writes: Vec<OpTrace>,
}

impl Recorder {
    /// Inserts `k` (value `10k`) and returns the current bucket it went to.
    fn insert(&mut self, k: u64) -> usize {
        let (_, trace) = self.map.traced().insert(k, k * 10);
        let bucket = trace.location().expect("an insert writes a slot").bucket;
        self.writes.push(trace);
        bucket
    }

    fn remove(&mut self, k: u64) {
        let (_, trace) = self.map.traced().remove(&k);
        self.writes.push(trace);
    }

    /// A frame of the map as it is now, outlining what the writes since the last frame changed.
    fn frame(&mut self, title: &str, narration: String) {
        let mut highlight = Vec::new();
        for c in self.writes.iter().flat_map(OpTrace::touched) {
            if !highlight.contains(&c) {
                highlight.push(c);
            }
        }
        let evacuations = self.writes.drain(..).flat_map(|w| w.evacuations()).collect();
        self.frames.push(Frame {
            title: title.into(),
            narration,
            layout: snapshot(&self.map),
            highlight,
            evacuations,
            lookup: None,
            go_text: None,
        });
    }
}

/// Filled keys of current bucket `index`, in chain order, parsed back from the snapshot.
fn keys_in(layout: &Layout, index: usize) -> Vec<u64> {
    layout.buckets[index]
        .bmaps
        .iter()
        .flat_map(|b| b.slots.iter())
        .filter_map(|s| s.key.as_deref().and_then(|k| k.parse().ok()))
        .collect()
}

/// Runs the tour on a live map and returns its frames.
pub fn frames() -> Vec<Frame> {
    let mut r =
        Recorder { map: GoMap::with_hasher(ModuloState), frames: Vec::new(), writes: Vec::new() };
    r.frame(
        "An empty map",
        "GoMap::with_hasher(ModuloState): the header (hmap) exists, but with B = 0 the bucket array is not allocated until the first insert, as in Go's makemap_small.\n\
         The tour hashes key k so that its low bits are k itself: key k goes to bucket k mod 2^B. The tophash (the hash's top byte) still varies."
            .into(),
    );

    r.insert(0);
    r.frame(
        "The first bucket",
        "insert(0, 0): the first write allocates one bucket (2^0). A bmap holds 8 tophash bytes, then 8 keys, then 8 values, then an overflow pointer.\n\
         Slot 0 now holds the key; its tophash byte is the hash's top byte. The other slots are emptyRest (0): empty, and nothing after them either, so a lookup can stop there."
            .into(),
    );

    for k in 1..8 {
        r.insert(k);
    }
    r.frame(
        "Filling 8 slots",
        "insert 1..=7: with B = 0 every key lands in bucket 0 and fills the next free slot. A lookup scans the tophash bytes first and compares a key only where the byte matches.\n\
         Load is 8 entries per bucket. Go's rule lets a B = 0 map hold exactly 8 (overLoadFactor needs count > 8)."
            .into(),
    );

    let b = r.insert(8);
    r.frame(
        "The 9th entry doubles the array",
        format!(
            "insert(8): 9 entries would overload one bucket, so hashGrow allocates 2 buckets (B = 1) and keeps the old one as oldbuckets.\n\
             The same insert then evacuates: the old bucket it needs plus the one at nevacuate. With a single old bucket that is all of them, so the grow is over at once and the old array is gone: even keys went to bucket 0 (X), odd keys to bucket 1 (Y, index + old size); each moved slot is marked with its X or Y. Key 8 then went to bucket {b}."
        ),
    );

    for k in [10, 12, 14, 16] {
        r.insert(k);
    }
    let st = r.map.stats();
    r.frame(
        "The first overflow bucket",
        format!(
            "insert 10, 12, 14, 16: all even, all bucket 0. Its 8 slots fill at key 14, so key 16 goes to a new overflow bucket linked from the bmap's overflow pointer; noverflow is now {}.\n\
             Count is {} with 2 buckets: 6.5 entries per bucket, exactly Go's load factor (13/2). One more new key triggers a grow.",
            st.noverflow, st.len
        ),
    );

    let b = r.insert(18);
    r.frame(
        "The 6.5 trigger",
        format!(
            "insert(18): count + 1 = 14 > 6.5 x 2, so hashGrow doubles to B = 2 (4 buckets) and resets noverflow to 0.\n\
             This write evacuated old bucket 0 (the one key 18 hashes to) and then old bucket 1 (at nevacuate), which was all of them: the overflow bucket is gone because bucket 0's keys split between new buckets 0 (X) and 2 (Y) by hash bit 1. Key 18 went to bucket {b}."
        ),
    );

    for k in [9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 24, 25] {
        r.insert(k);
    }
    let st = r.map.stats();
    r.frame(
        "Filled to 6.5 again",
        format!(
            "insert 9, 11, ..., 25: count {} in 4 buckets, 6.5 per bucket again; noverflow = {}.\n\
             The next new key grows the map to 8 buckets. With 4 old buckets, one write cannot move them all: this is where incremental growth shows.",
            st.len, st.noverflow
        ),
    );

    let b = r.insert(28);
    let st = r.map.stats();
    r.frame(
        "A grow half done",
        format!(
            "insert(28): hashGrow makes 8 new buckets (B = 3); the 4 old ones stay as oldbuckets. The write evacuated old bucket 0 (where 28 hashes, 28 & 3 = 0), then old bucket 1 at nevacuate; nevacuate is now {}. The arrows show where each entry went: to the same index (X) or index + 4 (Y), by hash bit 2.\n\
             Old buckets 0 and 1 are greyed: their tophash bytes now say evacuatedX/evacuatedY/evacuatedEmpty. The key and value bytes stay where they were: Go zeroes an evacuated old bucket only when it holds pointers (a string key, say) and no iterator may still read it, and this map[uint64]uint64 holds none. Old buckets 2 and 3 still hold their entries, and new buckets 2, 3, 6 and 7 are still empty. Key 28 went to bucket {b}.",
            st.nevacuate
        ),
    );

    let path = lookup_path(&r.map, &6);
    let found = r.map.get(&6).copied();
    r.frames.push(Frame {
        title: "A lookup that reads an old bucket".into(),
        narration: format!(
            "get(&6) = {found:?}: 6 & 7 = 6 picks new bucket 6, but the map is growing, so the lookup first checks old bucket 6 & 3 = 2. That bucket is not evacuated yet, so the lookup reads it instead of the (empty) new bucket.\n\
             It compared tophash bytes of {} entries and the key itself {} time(s). A read never moves anything: only writes evacuate.",
            path.trace.probes, path.trace.key_compares
        ),
        layout: snapshot(&r.map),
        highlight: Vec::new(),
        evacuations: Vec::new(),
        lookup: Some(path),
        go_text: None,
    });

    let b = r.insert(30);
    let st = r.map.stats();
    r.frame(
        "Evacuation finishing",
        format!(
            "insert(30): the write needs old bucket 30 & 3 = 2, evacuates it, and nevacuate moves past it; then it evacuates old bucket 3 at nevacuate. No old bucket is left, so oldbuckets is dropped: growing = {}, B = {}. The slots the entries moved into are marked with X or Y.\n\
             Key 30 went to bucket {b}. Every entry now lives in the bucket its low 3 hash bits name.",
            st.growing, st.b
        ),
    );

    let layout = snapshot(&r.map);
    let target = (0..layout.buckets.len())
        .max_by_key(|&i| (keys_in(&layout, i).len(), usize::MAX - i))
        .unwrap_or(0);
    let keys = keys_in(&layout, target);
    if keys.len() >= 3 {
        let mid = keys[1];
        r.remove(mid);
        r.frame(
            "A delete leaves emptyOne",
            format!(
                "remove(&{mid}): the entry in bucket {target}, slot 1, is cleared and its tophash becomes emptyOne (1). Later slots are still filled, so it cannot be emptyRest: a lookup must keep scanning past it.\n\
                 The next insert into this bucket reuses the first empty slot it sees."
            ),
        );
        let tail: Vec<u64> = keys[2..].to_vec();
        for &k in tail.iter().rev() {
            r.remove(k);
        }
        let list = tail.iter().rev().map(|k| k.to_string()).collect::<Vec<_>>().join(", ");
        r.frame(
            "Deletes leave emptyRest",
            format!(
                "remove {list}: deleting the last entry of a chain turns its slot into emptyRest and walks backwards, turning emptyOne slots into emptyRest until it meets a filled slot. So slot 1 (emptyOne a moment ago) is emptyRest now too.\n\
                 A lookup in bucket {target} stops at slot 1 instead of scanning all 8 slots."
            ),
        );
    }

    // Churn: fill one bucket past 8 so it gains an overflow bucket, then delete what was added.
    // Deletes never free overflow buckets and never lower noverflow, so the count stays low
    // while noverflow climbs to 2^B.
    let mut next = 1000u64;
    let nb = 1u64 << r.map.stats().b;
    let mut churned = 0;
    'churn: for j in 0..nb {
        let mut added = Vec::new();
        let before = r.map.stats().noverflow;
        while r.map.stats().noverflow == before {
            while next % nb != j || r.map.contains_key(&next) {
                next += 1;
            }
            r.insert(next);
            added.push(next);
            churned += 1;
            if r.map.stats().growing {
                break 'churn;
            }
        }
        for k in added {
            r.remove(k);
        }
        if r.map.raw().header().too_many_overflow_buckets() {
            break;
        }
    }
    let st = r.map.stats();
    r.frame(
        "Churn: overflow buckets pile up",
        format!(
            "{churned} inserts, each bucket in turn filled until it gained an overflow bucket, then those keys deleted again. Count is back to {}, far below 6.5 x {}, but noverflow = {}.\n\
             Deleted slots are reused by later inserts into the same bucket, but the overflow buckets stay linked: lookups walk longer chains of mostly empty slots.",
            st.len,
            1usize << st.b,
            st.noverflow
        ),
    );

    let probe = next + nb;
    let b = r.insert(probe);
    let st = r.map.stats();
    let moved = r.writes.last().map_or(0, |w| w.evacuations().len());
    r.frame(
        "A same-size grow",
        format!(
            "insert({probe}): noverflow >= 2^B (tooManyOverflowBuckets), so hashGrow starts a same-size grow: sameSizeGrow is set and the new array has the same {} buckets.\n\
             Evacuation copies each chain's live entries compactly into a fresh bucket (everything goes to X, the same index). This write moved {moved} old bucket(s): the one key {probe} needs and the one at nevacuate (now {}). Key {probe} went to bucket {b}.",
            1usize << st.b,
            st.nevacuate
        ),
    );

    let mut writes = 0;
    while r.map.stats().growing {
        // Overwriting an existing key is a write too, and every write evacuates.
        r.insert(probe);
        writes += 1;
    }
    let st = r.map.stats();
    r.frame(
        "Same-size grow finished",
        format!(
            "{writes} more write(s) of key {probe} finished the evacuation. B is still {}, count {}, and the chains are short again: noverflow = {}.\n\
             That is the whole life of a Go map: buckets, tophash bytes, overflow chains, doubling at 6.5, incremental evacuation, emptyOne/emptyRest, and same-size grows after churn.",
            st.b, st.len, st.noverflow
        ),
    );
    r.frames.push(twin_frame());
    r.frames
}

/// What Go's runtime printed for [`twin::tour_script`]: recorded once (memhash, so any machine
/// can replay it) by `gomap twin --record-tour`.
const TWIN_TOUR: &str = include_str!("../../data/twin-tour.txt");

/// The last frame: a map built with a real Go process's hash keys and hash0 (`RandomState::from_go`)
/// and fed the same 27 inserts, beside the bytes Go's runtime held after them. The recording is
/// replayed through the twin's comparison here, so the tour cannot be built if they differ.
pub fn twin_frame() -> Frame {
    let (rep, layout, go) = twin::replay_tour(TWIN_TOUR)
        .unwrap_or_else(|e| panic!("tools/data/twin-tour.txt no longer matches gomap: {e} (re-record it with `gomap twin --record-tour`)"));
    Frame {
        title: "Go's runtime holds the same bytes".into(),
        narration: format!(
            "A last map, hashed not by the tour's teaching hasher but exactly as Go hashes: RandomState::from_go on the hash keys and hash0 that a Go 1.24 process printed (tools/gotwin, memhash path). Both maps took the same {} inserts: keys 0 to 26, the last one starting a grow from 4 to 8 buckets.\n\
             After every insert tools/gotwin read Go's buckets straight from the runtime's memory and gomap compared them: {} hmap headers, {} chains and {} whole-map checkpoints, {} bytes of tophash, keys and values, all identical. Below the picture, Go's own buckets: the same tophash byte in the same slot of the same bucket (docs/twin.md).",
            rep.ops, rep.headers, rep.chains, rep.checkpoints, rep.bytes
        ),
        layout,
        highlight: Vec::new(),
        evacuations: Vec::new(),
        lookup: None,
        go_text: Some(go),
    }
}

/// The tour as a self-contained HTML page of SVG frames.
pub fn html(frames: &[Frame]) -> String {
    let html_frames: Vec<HtmlFrame> = frames
        .iter()
        .map(|f| HtmlFrame {
            title: f.title.clone(),
            narration: f.narration.clone(),
            svg: f.svg(None),
            text: f.text(false),
        })
        .collect();
    render_html("gomap tour: Go's classic map, step by step", &html_frames)
}

/// Counts slots by state across both arrays (used by tests and the narration checks).
pub fn count_states(layout: &Layout, state: SlotState) -> usize {
    layout
        .buckets
        .iter()
        .chain(layout.old_buckets.iter())
        .flat_map(|c| c.bmaps.iter())
        .flat_map(|b| b.slots.iter())
        .filter(|s| s.state == state)
        .count()
}
