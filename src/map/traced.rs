//! Teaching only (feature `teach`): writes and lookups that report every step the map's own
//! code takes, and a way to hold back incremental evacuation so a learner can step through a
//! grow. `gomap explore` drives a live map through this.
//!
//! Like [`RawView::trace_lookup`](super::raw::RawView::trace_lookup), nothing here replays an
//! operation: [`Traced::insert`] runs the map's own mapassign, [`Traced::remove`] its
//! mapdelete and [`Traced::lookup`] its mapaccess, each with an observer that records what
//! happens (the grow work, the chain searched, each tophash word and key compared, a grow
//! started, an overflow bucket linked, the slot taken or freed). The map's own calls pass `()`,
//! whose hooks are empty and compile away.
//!
//! # Holding back evacuation
//!
//! Go's growWork, run by every write while the map grows, evacuates two old buckets: the one
//! the write's key hashes to, then old bucket `nevacuate`. With
//! [`hold_evacuation(true)`](Traced::hold_evacuation) a write leaves out the second, and
//! [`Traced::evacuate_next`] runs it on its own, one old bucket a call. The first cannot be
//! held back: Go's mapassign and mapdelete search and write only the new array, so the key's
//! old bucket must have moved before they look.
//!
//! Where entries land is the same as in Go: an old bucket never changes while the map grows
//! (writes go to the new array), and each new bucket takes its old bucket's entries before any
//! write to it, so evacuating later moves the same entries to the same slots. What differs
//! while evacuation is held: the grow lasts longer, so the old buckets go on serving lookups
//! and iterations, and inserts can pass the 6.5 load factor without starting the next grow (Go
//! starts none while one is in progress, and in Go a grow ends within 2^B writes); and which
//! chains get the array's preallocated overflow buckets follows the order buckets were
//! evacuated in.
//!
//! ```
//! use gomap::hash::teach::ModuloState;
//! use gomap::map::traced::{Outcome, Step};
//! use gomap::GoMap;
//!
//! let mut m = GoMap::with_hasher(ModuloState); // key k goes to bucket k mod 2^B
//! for k in 0..26u64 {
//!     m.insert(k, k);
//! }
//! let mut t = m.traced().hold_evacuation(true);
//! let (_, trace) = t.insert(26, 26); // the 27th entry doubles 4 buckets to 8
//! assert!(trace.steps.iter().any(|s| matches!(s, Step::Grow { same_size: false, b: 3 })));
//! assert!(trace.steps.iter().any(|s| matches!(s, Step::Held { nevacuate: 0 })));
//! assert!(matches!(trace.outcome, Outcome::Inserted(l) if l.bucket == 2));
//! let next = t.evacuate_next(); // old bucket 0 splits into new buckets 0 (X) and 4 (Y)
//! assert!(matches!(next.steps[0], Step::Evacuated { oldbucket: 0, x: 0, y: Some(4), .. }));
//! assert_eq!(m.raw().header().nevacuate, 1);
//! ```

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};

use serde::Serialize;

use super::bucket::Bucket;
use super::engine::store;
use super::hooks::{Generation, GrowPace, Observer};
use super::table::{tophash, Hmap};
use super::GoMap;

/// A [`GoMap`] borrowed for traced operations, from [`GoMap::traced`].
pub struct Traced<'a, K, V, S> {
    map: &'a mut GoMap<K, V, S>,
    hold: bool,
}

impl<K, V, S> GoMap<K, V, S> {
    /// Traced operations on this map, for teaching ([`map::traced`](crate::map::traced)).
    pub fn traced(&mut self) -> Traced<'_, K, V, S> {
        Traced { map: self, hold: false }
    }
}

/// One step an operation took, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Step {
    /// The chain searched: an array's bucket and its overflow buckets. A write searches the
    /// current array; a lookup the old bucket while that is not evacuated.
    Chain {
        /// Which array (as it is called after the operation: a grow started later turns the
        /// current array into the old one).
        array: Generation,
        /// The bucket's index: the hash's low `b` bits.
        bucket: usize,
        /// log2 of that array's size.
        b: u8,
    },
    /// One bmap of that chain, and its tophash bytes as the search read them.
    Bmap {
        /// 0 for the array's own bucket, then 1, 2, ... along the overflow chain.
        depth: usize,
        /// The 8 tophash bytes.
        tophash: [u8; 8],
    },
    /// The key in `slot` of the last bmap was compared: its tophash matched.
    Compare {
        /// The slot.
        slot: usize,
        /// Whether the keys were equal.
        equal: bool,
    },
    /// growWork began for a write whose key's old bucket is `oldbucket`.
    GrowWork {
        /// The old bucket the write needs evacuated.
        oldbucket: usize,
    },
    /// evacuate moved an old bucket's chain into the new array.
    Evacuated {
        /// The old bucket.
        oldbucket: usize,
        /// Whether this was growWork's second evacuation (old bucket `nevacuate`), not the
        /// write's own bucket.
        nevacuate_step: bool,
        /// Entries moved to X, new bucket `x` (the same index).
        to_x: usize,
        /// Entries moved to Y, new bucket `y`.
        to_y: usize,
        /// X's index.
        x: usize,
        /// Y's index; `None` for a same-size grow, which has no Y.
        y: Option<usize>,
        /// Overflow buckets the moves linked in the new array.
        overflow: usize,
        /// Where each entry went, in the order they moved.
        moves: Vec<Move>,
    },
    /// growWork's second evacuation was held back ([`Traced::hold_evacuation`]).
    Held {
        /// The old bucket it would have evacuated.
        nevacuate: usize,
    },
    /// hashGrow started a grow; the search starts over in the new array.
    Grow {
        /// Too many overflow buckets: the new array has the same size.
        same_size: bool,
        /// log2 of the new array's size.
        b: u8,
    },
    /// The last old bucket was evacuated: the grow is over and the old array gone.
    GrowDone,
    /// The chain was full: newoverflow linked an overflow bucket for the new entry.
    Overflow,
}

/// One entry evacuate moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    /// Where it was: (bmap along the old chain, slot).
    pub from: (usize, usize),
    /// Whether it went to Y (index + old size) rather than X (the same index).
    pub y: bool,
    /// Where it went: (current bucket, bmap along its chain, slot).
    pub to: (usize, usize, usize),
}

/// One old bucket an operation evacuated, and where its entries went
/// ([`OpTrace::evacuations`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evacuation {
    /// Its index in the old array.
    pub oldbucket: usize,
    /// Where each of its entries went, in the order they moved.
    pub moves: Vec<Move>,
}

/// Where an entry is: the array, the bucket, the bmap along its chain and the slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Which array.
    pub array: Generation,
    /// The bucket's index in it.
    pub bucket: usize,
    /// 0 for the array's own bucket, then 1, 2, ... along the overflow chain.
    pub depth: usize,
    /// The slot.
    pub slot: usize,
}

/// What an operation came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "t", content = "at", rename_all = "snake_case")]
pub enum Outcome {
    /// A new entry took this slot.
    Inserted(Location),
    /// The key was there: its value was replaced in place.
    Replaced(Location),
    /// The entry was removed: this slot is now emptyOne or emptyRest.
    Removed(Location),
    /// A lookup found the key here.
    Found(Location),
    /// The key is not in the map.
    Absent,
    /// Not a keyed operation (evacuate next).
    Done,
}

/// What one traced operation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpTrace {
    /// The key's full hash (0 for evacuate next).
    pub hash: u64,
    /// Its tophash byte.
    pub tophash: u8,
    /// The steps, in the order the map took them.
    pub steps: Vec<Step>,
    /// What it came to.
    pub outcome: Outcome,
}

impl OpTrace {
    /// The old buckets the operation evacuated (growWork: the one its key needs, then the one
    /// at nevacuate), in order, with where each entry went.
    pub fn evacuations(&self) -> Vec<Evacuation> {
        let evacuation = |s: &Step| match s {
            Step::Evacuated { oldbucket, moves, .. } => {
                Some(Evacuation { oldbucket: *oldbucket, moves: moves.clone() })
            }
            _ => None,
        };
        self.steps.iter().filter_map(evacuation).collect()
    }

    /// Whether the operation started a grow: `Some(true)` for a same-size grow.
    pub fn grow_started(&self) -> Option<bool> {
        self.steps.iter().find_map(|s| match *s {
            Step::Grow { same_size, .. } => Some(same_size),
            _ => None,
        })
    }

    /// The slot the operation wrote, replaced, emptied or found, if any.
    pub fn location(&self) -> Option<Location> {
        match self.outcome {
            Outcome::Inserted(l)
            | Outcome::Replaced(l)
            | Outcome::Removed(l)
            | Outcome::Found(l) => Some(l),
            Outcome::Absent | Outcome::Done => None,
        }
    }

    /// The chains a write changed: every old bucket it evacuated, every current bucket an
    /// entry moved to, and the bucket of the slot it wrote or emptied; each once, in that order.
    pub fn touched(&self) -> Vec<(Generation, usize)> {
        let mut t = Vec::new();
        let mut add = |c| {
            if !t.contains(&c) {
                t.push(c);
            }
        };
        for e in self.evacuations() {
            add((Generation::Old, e.oldbucket));
            for m in &e.moves {
                add((Generation::Current, m.to.0));
            }
        }
        if let Some(l) = self.location() {
            add((l.array, l.bucket));
        }
        t
    }
}

impl<K, V, S> Traced<'_, K, V, S> {
    /// Whether writes hold back growWork's second evacuation (see the
    /// [module docs](self)); [`evacuate_next`](Traced::evacuate_next) then runs it.
    pub fn hold_evacuation(mut self, hold: bool) -> Self {
        self.hold = hold;
        self
    }

    fn pace(&self) -> GrowPace {
        if self.hold {
            GrowPace::HoldSecond
        } else {
            GrowPace::Go
        }
    }

    fn recorder(&self, hash: u64) -> Recorder {
        let t = &self.map.table;
        Recorder {
            b: t.b,
            old_b: t.oldbuckets.as_ref().map(|o| o.b()),
            trace: OpTrace {
                hash,
                tophash: tophash(hash),
                steps: Vec::new(),
                outcome: Outcome::Done,
            },
            write_old: None,
            depth: 0,
        }
    }
}

impl<K, V, S> Traced<'_, K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// `insert`, traced: the map's own mapassign (its slow path, which does everything the
    /// fast one does), then the store. Returns the old value, as `insert` does.
    pub fn insert(&mut self, k: K, v: V) -> (Option<V>, OpTrace) {
        let hash = self.map.hash(&k);
        let mut rec = self.recorder(hash);
        let pace = self.pace();
        let (table, hasher) = self.map.parts();
        let slot = table.mapassign_observed(hash, |q| *q == k, &hasher, &mut rec, pace);
        rec.trace.outcome = match &slot {
            Ok(f) => Outcome::Replaced(locate(table, hash, f.head, f.bucket, f.slot)),
            Err(v) => Outcome::Inserted(locate(table, hash, v.head, v.bucket, v.slot)),
        };
        (store(table, slot, k, v), rec.trace)
    }

    /// `remove`, traced: the map's own mapdelete. Returns the value, as `remove` does.
    pub fn remove<Q>(&mut self, k: &Q) -> (Option<V>, OpTrace)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.map.hash(k);
        let mut rec = self.recorder(hash);
        rec.trace.outcome = Outcome::Absent;
        // As `remove_entry` (and Go's mapdelete): an empty map does no grow work.
        if self.map.is_empty() {
            return (None, rec.trace);
        }
        let pace = self.pace();
        let (table, hasher) = self.map.parts();
        let Some((b, i)) =
            table.mapdelete_observed(hash, |q| q.borrow() == k, &hasher, &mut rec, pace)
        else {
            return (None, rec.trace);
        };
        // mapdelete searched the chain of the key's bucket in the current array.
        let bucket = hash as usize & table.bucket_mask();
        let head = table.buckets.as_ref().expect("a key was found").bucket(bucket);
        rec.trace.outcome = Outcome::Removed(locate(table, hash, head, b, i));
        // SAFETY: mapdelete just emptied this slot, which still holds the entry; this is the
        // one place that moves it out, at once, as `Hmap::mapdelete` does.
        let (_, v) = unsafe { b.read_out(i) };
        (Some(v), rec.trace)
    }

    /// A lookup, traced: the map's own mapaccess.
    pub fn lookup<Q>(&self, k: &Q) -> OpTrace
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.map.hash(k);
        let mut rec = self.recorder(hash);
        let found = self.map.table.mapaccess_observed(hash, |q| q.borrow() == k, &mut rec);
        rec.trace.outcome = match (found, rec.chain()) {
            (Some((_, slot)), Some((array, bucket))) => {
                Outcome::Found(Location { array, bucket, depth: rec.depth - 1, slot })
            }
            _ => Outcome::Absent,
        };
        rec.trace
    }

    /// The second half of Go's growWork on its own: evacuate old bucket `nevacuate` (nothing
    /// when the map is not growing). With evacuation held back, this is how a grow advances.
    pub fn evacuate_next(&mut self) -> OpTrace {
        let mut rec = self.recorder(0);
        let (table, hasher) = self.map.parts();
        table.evacuate_next(&hasher, &mut rec);
        rec.trace
    }
}

/// Where slot `slot` of bmap `b`, in the chain from `head` of the current array, is.
fn locate<K, V>(
    table: &Hmap<K, V>,
    hash: u64,
    head: Bucket<K, V>,
    b: Bucket<K, V>,
    slot: usize,
) -> Location {
    let mut depth = 0;
    let mut at = head;
    while at != b {
        // SAFETY: `at` is in the chain from `head` of the table borrowed here: live, readable.
        at = unsafe { at.overflow() }.expect("the bmap is in the chain");
        depth += 1;
    }
    Location {
        array: Generation::Current,
        bucket: hash as usize & table.bucket_mask(),
        depth,
        slot,
    }
}

struct Recorder {
    /// log2 of the current and old arrays' sizes, as the operation goes.
    b: u8,
    old_b: Option<u8>,
    trace: OpTrace,
    /// The old bucket of the write's key, while growWork runs.
    write_old: Option<usize>,
    /// Bmaps of the last chain searched so far.
    depth: usize,
}

impl Recorder {
    /// The last chain searched.
    fn chain(&self) -> Option<(Generation, usize)> {
        self.trace.steps.iter().rev().find_map(|s| match *s {
            Step::Chain { array, bucket, .. } => Some((array, bucket)),
            _ => None,
        })
    }

    /// The evacuation being recorded.
    fn evacuating(&mut self) -> Option<&mut Step> {
        self.trace.steps.last_mut().filter(|s| matches!(s, Step::Evacuated { .. }))
    }
}

impl Observer for Recorder {
    fn chain(&mut self, read: Option<(Generation, usize)>) {
        if let Some((array, bucket)) = read {
            let b = match array {
                Generation::Current => self.b,
                Generation::Old => self.old_b.expect("an old array to read"),
            };
            self.trace.steps.push(Step::Chain { array, bucket, b });
        }
        self.depth = 0;
    }

    fn bmap(&mut self, word: u64) {
        self.trace.steps.push(Step::Bmap { depth: self.depth, tophash: word.to_le_bytes() });
        self.depth += 1;
    }

    fn compare(&mut self, slot: usize, equal: bool) {
        self.trace.steps.push(Step::Compare { slot, equal });
    }

    fn grow(&mut self, same_size: bool, b: u8) {
        // The array searched so far is the old one from now on.
        for s in &mut self.trace.steps {
            if let Step::Chain { array, .. } = s {
                *array = Generation::Old;
            }
        }
        (self.old_b, self.b) = (Some(self.b), b);
        self.trace.steps.push(Step::Grow { same_size, b });
    }

    fn grow_work(&mut self, oldbucket: usize) {
        self.write_old = Some(oldbucket);
        self.trace.steps.push(Step::GrowWork { oldbucket });
    }

    fn evacuate(&mut self, oldbucket: usize, y: Option<usize>) {
        // The write's own bucket comes first; anything after it is the nevacuate step.
        let nevacuate_step = self.write_old.take() != Some(oldbucket);
        self.trace.steps.push(Step::Evacuated {
            oldbucket,
            nevacuate_step,
            to_x: 0,
            to_y: 0,
            x: oldbucket,
            y,
            overflow: 0,
            moves: Vec::new(),
        });
    }

    fn moved(&mut self, from: (usize, usize), to: (usize, usize, usize)) {
        if let Some(Step::Evacuated { oldbucket, to_x, to_y, moves, .. }) = self.evacuating() {
            let y = to.0 != *oldbucket;
            *if y { to_y } else { to_x } += 1;
            moves.push(Move { from, y, to });
        }
    }

    fn grow_done(&mut self) {
        self.old_b = None;
        self.trace.steps.push(Step::GrowDone);
    }

    fn overflow(&mut self) {
        match self.evacuating() {
            Some(Step::Evacuated { overflow, .. }) => *overflow += 1,
            _ => self.trace.steps.push(Step::Overflow),
        }
    }

    fn held(&mut self, nevacuate: usize) {
        self.trace.steps.push(Step::Held { nevacuate });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::teach::{FixedState, ModuloState};

    fn modulo(n: u64) -> GoMap<u64, u64, ModuloState> {
        let mut m = GoMap::with_hasher(ModuloState);
        for k in 0..n {
            m.insert(k, k);
        }
        m
    }

    /// Per chain of both arrays: old or not, its index, and each slot's tophash and key.
    type Image = Vec<(bool, usize, Vec<(u8, Option<u64>)>)>;

    /// Every bucket's tophash bytes and keys, both arrays: what a picture shows.
    fn image<S>(m: &GoMap<u64, u64, S>) -> Image {
        let raw = m.raw();
        let mut out = Vec::new();
        for (old, arr) in [(true, raw.oldbuckets()), (false, raw.buckets())] {
            for c in arr.iter().flat_map(|a| a.chains()) {
                let slots = c.bmaps().flat_map(|b| b.slots()).map(|s| (s.tophash, s.key.copied()));
                out.push((old, c.index(), slots.collect()));
            }
        }
        out
    }

    #[test]
    fn traced_writes_leave_the_map_as_plain_ones_do() {
        let ops = |i: u64| (i * 7919) % 700;
        let mut plain = GoMap::with_hasher(FixedState::with_seed(3));
        let mut traced = GoMap::with_hasher(FixedState::with_seed(3));
        for i in 0..3000u64 {
            let k = ops(i);
            if i % 3 == 2 {
                let want = plain.remove(&k);
                assert_eq!(traced.traced().remove(&k).0, want, "remove {k}");
            } else {
                let want = plain.insert(k, i);
                assert_eq!(traced.traced().insert(k, i).0, want, "insert {k}");
            }
            assert_eq!(plain.raw().header(), traced.raw().header(), "after op {i}");
        }
        assert_eq!(image(&plain), image(&traced));
    }

    #[test]
    fn nine_inserts_trace_the_grow_and_the_split() {
        let mut m = modulo(8);
        let (_, t) = m.traced().insert(8, 8);
        let steps = &t.steps;
        // The search of the full bucket 0, then the grow, then growWork, then the new search.
        assert!(matches!(steps[0], Step::Chain { array: Generation::Old, bucket: 0, b: 0 }));
        let grow = steps.iter().position(|s| *s == Step::Grow { same_size: false, b: 1 });
        // evacuate moves a bmap's X entries (even keys, slots 0, 2, ...) before its Y ones.
        let moves = (0..8).map(|i| Move { from: (0, i), y: i % 2 == 1, to: (i % 2, 0, i / 2) });
        let mut moves: Vec<Move> = moves.collect();
        moves.sort_by_key(|m| (m.y, m.from));
        let evac = steps.iter().position(|s| {
            *s == Step::Evacuated {
                oldbucket: 0,
                nevacuate_step: false,
                to_x: 4,
                to_y: 4,
                x: 0,
                y: Some(1),
                overflow: 0,
                moves: moves.clone(),
            }
        });
        assert!(grow.unwrap() < evac.unwrap(), "{steps:?}");
        assert!(steps.contains(&Step::GrowDone));
        let loc = Location { array: Generation::Current, bucket: 0, depth: 0, slot: 4 };
        assert_eq!(t.outcome, Outcome::Inserted(loc));
    }

    #[test]
    fn held_evacuation_waits_for_evacuate_next_and_ends_where_go_does() {
        let mut held = modulo(26);
        let mut go = modulo(26);
        // Grow 4 buckets to 8; then writes into buckets whose old bucket is 2 or 3.
        let keys = [26u64, 27, 30, 31, 35];
        for &k in &keys {
            held.traced().hold_evacuation(true).insert(k, k);
            go.insert(k, k);
        }
        let h = held.raw().header();
        // Only the writes' own old buckets (2 and 3) moved; nevacuate waits at 0.
        assert_eq!((h.old_b, h.nevacuate), (Some(2), 0));
        assert!(go.raw().header().old_b.is_none(), "Go's grow ends within these writes");
        // A lookup of a key in unevacuated old bucket 0 reads the old array.
        let t = held.traced().lookup(&4);
        assert!(matches!(t.steps[0], Step::Chain { array: Generation::Old, bucket: 0, b: 2 }));
        assert!(matches!(t.outcome, Outcome::Found(l) if l.array == Generation::Old));
        let t = held.traced().evacuate_next();
        assert!(matches!(
            t.steps[..],
            [Step::Evacuated { oldbucket: 0, nevacuate_step: true, .. }]
        ));
        assert_eq!(held.raw().header().nevacuate, 1);
        let t = held.traced().evacuate_next();
        assert_eq!(t.steps.last(), Some(&Step::GrowDone));
        assert!(held.raw().header().old_b.is_none());
        // Every entry in the same slot as in the map that evacuated by itself.
        assert_eq!(image(&held), image(&go));
        assert_eq!(held.traced().evacuate_next().steps, vec![], "not growing: nothing to do");
    }

    #[test]
    fn a_remove_reports_the_freed_slot_and_an_overflow_insert_the_link() {
        // One full bucket of even keys: the 9th doubles it, all 8 go to X, and 16 overflows.
        let mut m = GoMap::with_hasher(ModuloState);
        for k in (0..16u64).step_by(2) {
            m.insert(k, k);
        }
        let (_, t) = m.traced().insert(16, 16);
        assert!(t.steps.iter().any(|s| matches!(s, Step::Evacuated { to_x: 8, to_y: 0, .. })));
        assert!(t.steps.contains(&Step::Overflow), "{:?}", t.steps);
        let at = Location { array: Generation::Current, bucket: 0, depth: 1, slot: 0 };
        assert_eq!(t.outcome, Outcome::Inserted(at));
        let (v, t) = m.traced().remove(&16);
        assert_eq!(v, Some(16));
        assert_eq!(t.outcome, Outcome::Removed(at));
        // Two bmaps searched; 16's key compared equal in the second.
        assert_eq!(t.steps.iter().filter(|s| matches!(s, Step::Bmap { .. })).count(), 2);
        assert_eq!(t.steps.last(), Some(&Step::Compare { slot: 0, equal: true }));
        assert_eq!(m.traced().remove(&16).1.outcome, Outcome::Absent);
    }
}
