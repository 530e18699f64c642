//! Sentences and picture marks from what the map reported: a traced op's steps
//! ([`OpTrace`]), an iteration's walk ([`WalkStep`]). Everything said here is read off those
//! reports; nothing is worked out again.

use super::op::Op;
use super::report::{Mark, Report};
use gomap::map::raw::{Generation, Header, LookupTrace, WalkStep};
use gomap::map::traced::{Location, OpTrace, Outcome, Step};
use gomap::map::{BUCKET_CNT, EMPTY_REST};
use std::fmt::Debug;

fn chain_mark(array: Generation, bucket: usize, kind: &'static str, label: String) -> Mark {
    Mark { array, bucket, depth: None, slot: None, kind, label }
}

fn slot_mark(at: Location, kind: &'static str, label: &str) -> Mark {
    Mark {
        array: at.array,
        bucket: at.bucket,
        depth: Some(at.depth),
        slot: Some(at.slot),
        kind,
        label: label.into(),
    }
}

fn array_name(g: Generation) -> &'static str {
    match g {
        Generation::Current => "buckets",
        Generation::Old => "oldbuckets",
    }
}

fn place(at: Location) -> String {
    let bmap = match at.depth {
        0 => String::new(),
        d => format!(", overflow bmap {d}"),
    };
    format!("{}[{}]{bmap}, slot {}", array_name(at.array), at.bucket, at.slot)
}

/// What the map's own search did in one bmap, read off its trace: the steps after a
/// [`Step::Bmap`] are the keys it compared (slots whose tophash matched, in slot order), and
/// the step after those says whether it went on to the next bmap of the chain.
struct BmapSearch {
    /// The slot whose key was equal: the search returned there.
    hit: Option<usize>,
    /// Whether the search went on to the chain's next bmap.
    went_on: bool,
}

fn bmap_search(rest: &[Step]) -> BmapSearch {
    let mut hit = None;
    let mut i = 0;
    while let Some(Step::Compare { slot, equal }) = rest.get(i) {
        if *equal {
            hit = Some(*slot);
        }
        i += 1;
    }
    BmapSearch { hit, went_on: matches!(rest.get(i), Some(Step::Bmap { .. })) }
}

/// The slots of a bmap that Go's loop reads, in its order, for what the map's search did
/// there: through the equal key where it returned; through the first emptyRest where the
/// search ended in this bmap without a hit (gomap's word test saw that byte; Go's byte loop
/// breaks on it); all 8 where it went on. Returns (slots read, whether the last is emptyRest).
fn slots_read(tophash: &[u8; 8], search: &BmapSearch) -> (usize, bool) {
    if let Some(slot) = search.hit {
        return (slot + 1, false);
    }
    if search.went_on {
        return (BUCKET_CNT, false);
    }
    match tophash.iter().position(|&t| t == EMPTY_REST) {
        Some(i) => (i + 1, true),
        None => (BUCKET_CNT, false),
    }
}

/// How Go's own lookups differ from the map's search, said under every lookup.
pub(crate) const GO_LOOKUP_NOTE: &str = "gomap tests a bmap's 8 tophash bytes in one step and \
    compares keys only where they match: the same slots, in the same order, as Go's generic \
    mapaccess1 byte loop, narrated above. Go compiles a lookup of a u64 key to \
    mapaccess1_fast64 instead, which compares the keys slot by slot, reads a slot's tophash only \
    to check that it is not empty, and never stops at emptyRest (string keys: \
    mapaccess1_faststr compares lengths and tophash, and stops at emptyRest only in a one-bucket \
    map); all of them find the same slot.";

/// An insert, remove or lookup.
pub(crate) fn keyed(r: &mut Report, op: &Op, key: &str, before: &Header, t: &OpTrace) {
    let verb = match op {
        Op::Insert(_) => "insert",
        Op::Remove(_) => "remove",
        _ => "lookup",
    };
    let top = (t.hash >> 56) as u8;
    let lifted = if top == t.tophash {
        String::new()
    } else {
        format!(", lifted from {top:#04x} past the marker values 0-4")
    };
    r.lines.push(format!(
        "{verb} {key}: hash {:#018x}; its top byte gives tophash {:02x}{lifted}",
        t.hash, t.tophash
    ));
    if matches!(op, Op::Remove(_)) && before.count == 0 {
        r.lines.push("the map is empty: Go's mapdelete returns at once".into());
        return;
    }
    let mut chain: Option<(Generation, usize)> = None;
    let mut depth = 0;
    let mut searches = 0;
    let mut last_stop = false;
    for (idx, s) in t.steps.iter().enumerate() {
        match *s {
            Step::Chain { array, bucket, b } => {
                chain = Some((array, bucket));
                searches += 1;
                let mask = (1u64 << b) - 1;
                let lead = if searches > 1 { "search again: " } else { "" };
                let why = match (verb, array) {
                    ("lookup", Generation::Old) => format!(
                        " (its new bucket {} is not filled yet: old bucket {bucket} is not \
                         evacuated, so the lookup reads it)",
                        t.hash & ((1u64 << before.b) - 1)
                    ),
                    (_, Generation::Old) => {
                        " (named as after this op: the grow it starts below makes this array old)"
                            .into()
                    }
                    _ => String::new(),
                };
                // Mid-grow the old array has its own B, one less than the header's (or the
                // same, for a same-size grow).
                let of = match array {
                    Generation::Old => "the old array's ",
                    Generation::Current => "",
                };
                let bits = match b {
                    0 => format!("{of}B = 0: one bucket"),
                    _ => format!(
                        "{of}B = {b}: the low {b} bits of the hash are {:0width$b} = {bucket}",
                        t.hash & mask,
                        width = b as usize
                    ),
                };
                r.lines.push(format!("{lead}{bits}: search {}[{bucket}]{why}", array_name(array)));
                r.marks.push(chain_mark(array, bucket, "searched", format!("search {searches}")));
            }
            Step::Bmap { depth: d, tophash } => {
                depth = d;
                let Some((array, bucket)) = chain else { continue };
                let search = bmap_search(&t.steps[idx + 1..]);
                let (n, stop) = slots_read(&tophash, &search);
                last_stop = stop;
                let matching: Vec<String> =
                    (0..n).filter(|&i| tophash[i] == t.tophash).map(|i| i.to_string()).collect();
                for (i, &th) in tophash.iter().enumerate().take(n) {
                    let at = Location { array, bucket, depth: d, slot: i };
                    let kind = match () {
                        _ if th == t.tophash => "th-match",
                        _ if stop && i == n - 1 => "th-stop",
                        _ => "th-compared",
                    };
                    r.marks.push(slot_mark(at, kind, ""));
                }
                let bmap = if d == 0 { "its bucket".into() } else { format!("overflow bmap {d}") };
                let end = match search.hit {
                    Some(slot) => format!(
                        "; slot {slot}'s key is equal, so the search returns there (in one step \
                         gomap tested all 8 bytes; Go's loop reads none past slot {slot})"
                    ),
                    None if stop => {
                        format!("; slot {} is emptyRest, so nothing later in the chain", n - 1)
                    }
                    None => String::new(),
                };
                let hits = if matching.is_empty() {
                    format!("none is {:02x}", t.tophash)
                } else {
                    format!("{:02x} in slot {}", t.tophash, matching.join(", "))
                };
                let read = match n {
                    1 => "the tophash byte of slot 0".to_string(),
                    n => format!("tophash bytes of slots 0-{}", n - 1),
                };
                r.lines.push(format!("{bmap}: {read} compared, {hits}{end}"));
            }
            Step::Compare { slot, equal } => {
                let Some((array, bucket)) = chain else { continue };
                let at = Location { array, bucket, depth, slot };
                let (kind, what) = if equal {
                    ("key-eq", "equal")
                } else {
                    ("key-ne", "a different key with the same tophash")
                };
                r.marks.push(slot_mark(at, kind, if equal { "=" } else { "≠" }));
                r.lines.push(format!("slot {slot}'s tophash matches: key compared, {what}"));
            }
            Step::Grow { same_size, b } => {
                r.lines.push(if same_size {
                    format!(
                        "hashGrow: too many overflow buckets (noverflow {} for {} buckets), so a \
                         same-size grow: a fresh array of {} buckets that evacuation packs tight",
                        before.noverflow,
                        1usize << before.b,
                        1usize << b
                    )
                } else {
                    format!(
                        "hashGrow: one more entry would pass 6.5 per bucket, so the array doubles \
                         to B = {b} ({} buckets); the old one stays as oldbuckets",
                        1usize << b
                    )
                });
            }
            Step::GrowWork { oldbucket } => r.lines.push(format!(
                "the map is growing, so growWork runs first: this key's old bucket is {oldbucket}"
            )),
            Step::Evacuated { .. } | Step::Held { .. } | Step::GrowDone => evacuation(r, s),
            Step::Overflow => r.lines.push(
                "every slot of the chain is taken: newoverflow links an overflow bucket".into(),
            ),
        }
    }
    match t.outcome {
        Outcome::Inserted(at) => {
            r.marks.push(slot_mark(at, "taken", "new"));
            r.lines.push(format!("took {}: the first free slot of the chain", place(at)));
        }
        Outcome::Replaced(at) => {
            r.marks.push(slot_mark(at, "replaced", "set"));
            r.lines.push(format!("the key is there, in {}: its value is replaced", place(at)));
        }
        Outcome::Removed(at) => {
            r.marks.push(slot_mark(at, "freed", "freed"));
            r.lines.push(format!(
                "freed {}: emptyOne, or emptyRest (with the emptyOne slots before it) when no \
                 filled slot follows in the chain",
                place(at)
            ));
        }
        Outcome::Found(at) => {
            r.marks.push(slot_mark(at, "found", "found"));
            r.lines.push(format!("found in {}", place(at)));
            r.lines.push(GO_LOOKUP_NOTE.into());
        }
        Outcome::Absent if chain.is_none() => {
            r.lines.push("not found: the map has no bucket array yet".into());
        }
        Outcome::Absent => {
            r.lines.push(if last_stop {
                "not found: the search stopped at emptyRest".into()
            } else {
                "not found: the search reached the end of the chain".into()
            });
            if verb == "lookup" {
                r.lines.push(GO_LOOKUP_NOTE.into());
            }
        }
        Outcome::Done => {}
    }
}

/// The lines and marks of an evacuation step.
fn evacuation(r: &mut Report, s: &Step) {
    match *s {
        Step::Evacuated { oldbucket, nevacuate_step, to_x, to_y, x, y, overflow, .. } => {
            let which = if nevacuate_step { " (nevacuate's)" } else { "" };
            r.marks.push(chain_mark(Generation::Old, oldbucket, "evac-from", "evacuated".into()));
            r.marks.push(chain_mark(Generation::Current, x, "evac-x", format!("X of {oldbucket}")));
            let dest = match y {
                Some(y) => {
                    r.marks.push(chain_mark(
                        Generation::Current,
                        y,
                        "evac-y",
                        format!("Y of {oldbucket}"),
                    ));
                    format!(
                        "{to_x} to X = buckets[{x}] and {to_y} to Y = buckets[{y}], by the hash bit \
                         the doubled mask adds"
                    )
                }
                None => format!("{to_x} to buckets[{x}] (a same-size grow has no Y)"),
            };
            let ovf = match overflow {
                0 => String::new(),
                n => format!("; {n} overflow bucket(s) linked"),
            };
            r.lines.push(format!("evacuate old bucket {oldbucket}{which}: {dest}{ovf}"));
        }
        Step::Held { nevacuate } => {
            r.marks.push(chain_mark(Generation::Old, nevacuate, "held", "next".into()));
            r.lines.push(format!(
                "held back: Go's growWork would now also evacuate old bucket {nevacuate} \
                 (nevacuate); press evacuate next to run it"
            ));
        }
        Step::GrowDone => r.lines.push(
            "nevacuate reached the old array's size: the grow is over and oldbuckets is freed"
                .into(),
        ),
        _ => {}
    }
}

/// Evacuate next.
pub(crate) fn evacuate_next(r: &mut Report, before: &Header, t: &OpTrace) {
    if t.steps.is_empty() {
        r.lines.push("the map is not growing: there is nothing to evacuate".into());
        return;
    }
    r.lines.push(format!(
        "evacuate next: the second half of Go's growWork, evacuate(nevacuate = {})",
        before.nevacuate
    ));
    for s in &t.steps {
        evacuation(r, s);
    }
}

/// Totals over a bulk insert.
#[derive(Default)]
pub(crate) struct Bulk {
    inserted: usize,
    replaced: usize,
    grows: usize,
    evacuated: usize,
    held: usize,
    overflow: usize,
}

impl Bulk {
    pub(crate) fn add(&mut self, replaced: bool, t: &OpTrace) {
        if replaced {
            self.replaced += 1;
        } else {
            self.inserted += 1;
        }
        for s in &t.steps {
            match s {
                Step::Grow { .. } => self.grows += 1,
                Step::Evacuated { overflow, .. } => {
                    self.evacuated += 1;
                    self.overflow += overflow;
                }
                Step::Held { .. } => self.held += 1,
                Step::Overflow => self.overflow += 1,
                _ => {}
            }
        }
    }
}

/// A bulk insert.
pub(crate) fn bulk(r: &mut Report, what: &str, b: &Bulk) {
    r.lines.push(format!(
        "insert {what}: {} new, {} already there (value replaced)",
        b.inserted, b.replaced
    ));
    r.lines.push(format!(
        "on the way: {} grow(s) started, {} old bucket(s) evacuated, {} overflow bucket(s) linked",
        b.grows, b.evacuated, b.overflow
    ));
    if b.held > 0 {
        r.lines.push(format!("{} nevacuate step(s) held back", b.held));
    }
}

/// An iteration: where it started, each bucket it visited, the order of the keys.
pub(crate) fn iteration<K: Debug, V>(
    r: &mut Report,
    start: usize,
    offset: usize,
    walk: &[WalkStep<'_, K, V>],
    places: &[LookupTrace],
    count: usize,
) {
    r.lines.push(format!(
        "mapiterinit: one random number picks the start bucket {start} (its low B bits) and the \
         slot offset {offset} (the next 3 bits); {count} entries to visit"
    ));
    if count > 0 {
        r.marks.push(chain_mark(Generation::Current, start, "iter-start", "start".into()));
    }
    const SHOWN: usize = 64;
    for step in walk.iter().take(SHOWN) {
        let keys: Vec<String> = step.entries.iter().map(|(k, _)| format!("{k:?}")).collect();
        let read = match step.read {
            (Generation::Old, i) => format!(" reads old bucket {i} (not evacuated)"),
            _ => String::new(),
        };
        let skipped = match (step.skipped, step.skipped_to) {
            (0, _) => String::new(),
            (n, Some(to)) => format!("; passes over {n} that belong to bucket {to}"),
            (n, None) => format!("; passes over {n} of the other half"),
        };
        let yields = if keys.is_empty() { "nothing".into() } else { keys.join(", ") };
        r.lines.push(format!("bucket {}{read}: {yields}{skipped}", step.bucket));
    }
    if walk.len() > SHOWN {
        r.lines.push(format!("... {} more buckets", walk.len() - SHOWN));
    }
    for (n, p) in places.iter().enumerate() {
        if let (Some((array, bucket)), Some((depth, slot))) = (p.read, p.found) {
            let at = Location { array, bucket, depth, slot };
            r.marks.push(slot_mark(at, "iter", &(n + 1).to_string()));
        }
    }
}
