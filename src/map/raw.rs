//! A read-only view of a live map's insides, as Go's runtime holds them: the hmap header, the
//! current and old bucket arrays, every chain and bmap, each slot's tophash byte, key and value.
//!
//! This is the teaching and inspection API. [`GoMap::raw`] borrows the map, so nothing can change
//! while a view exists, and everything is safe to call. The pictures of `gomap_tools::inspect` (the
//! tools crate in tools/), the Go twin's byte-for-byte comparison and the white-box tests all read
//! the map through it; no rule of the map (tophash, bucket choice, which chain a read serves,
//! bucket shape) is worked out anywhere else.
//!
//! [`RawView::trace_lookup`] and [`RawView::walk`] do not replay a lookup or an iteration: they
//! run the map's own `mapaccess` and `mapiternext`, which report each step to an observer. So do
//! the traced writes of `gomap::map::traced` (feature `teach`): the map's own `mapassign`
//! and `mapdelete`, saying which old buckets they evacuated and where each entry went. The map's
//! own calls pass `()`, whose hooks are empty and compile away.
//!
//! ```
//! use gomap::map::raw::{Generation, SlotState};
//! use gomap::GoMap;
//!
//! let mut m = GoMap::new();
//! for k in 0..9u64 {
//!     m.insert(k, k * 10);
//! }
//! let raw = m.raw();
//! let h = raw.header();
//! assert_eq!((h.count, h.b), (9, 1)); // the 9th entry doubled the array
//! let buckets = raw.buckets().expect("allocated");
//! let filled: usize = buckets
//!     .chains()
//!     .flat_map(|c| c.bmaps())
//!     .flat_map(|b| b.slots())
//!     .filter(|s| s.state() == SlotState::Filled)
//!     .count();
//! assert_eq!(filled, 9);
//! let t = raw.trace_lookup(&3);
//! assert!(t.found.is_some());
//! assert_eq!(t.read.map(|(g, _)| g), Some(Generation::Current));
//! ```

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};

use super::bucket::{BucketArray, BucketRef, Shape};
use super::group::match_full;
use super::hiter::Hiter;
pub use super::hooks::Generation;
use super::hooks::Observer;
use super::msize::preallocated_overflow;
use super::table::{too_many_overflow_buckets, tophash, Hmap};
use super::Iter;
use super::{GoMap, BUCKET_CNT, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y};

/// What a tophash byte says about its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "teach", derive(serde::Serialize), serde(rename_all = "camelCase"))]
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

    /// Whether this is one of the markers evacuation leaves in an old bucket.
    pub fn is_evacuated(self) -> bool {
        matches!(self, SlotState::EvacuatedX | SlotState::EvacuatedY | SlotState::EvacuatedEmpty)
    }
}

/// The hmap fields as Go's runtime holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "teach", derive(serde::Serialize))]
pub struct Header {
    /// Live entries (Go's `count`).
    pub count: usize,
    /// log2 of the number of buckets (Go's `B`).
    #[cfg_attr(feature = "teach", serde(rename = "B"))]
    pub b: u8,
    /// Go's approximate overflow bucket count (exact while B < 16).
    pub noverflow: u16,
    /// Go's `nevacuate`: while growing, old buckets below it are evacuated. Like Go's, it keeps
    /// its last value after a grow ends.
    pub nevacuate: usize,
    /// Go's `sameSizeGrow` flag: the grow in progress keeps the size (too many overflow buckets).
    pub same_size_grow: bool,
    /// Go's `iterator` flag: an iterator may be walking the current array.
    pub iterator: bool,
    /// Go's `oldIterator` flag: an iterator may be walking the old array.
    pub old_iterator: bool,
    /// Whether the current array is allocated (Go's `buckets != nil`).
    pub has_buckets: bool,
    /// log2 of the old array's size while growing (Go's `oldbuckets != nil`), else `None`.
    pub old_b: Option<u8>,
    /// Preallocated overflow buckets of the current array not handed out yet: Go's
    /// `h.extra.nextOverflow` and the ones after it (0 when it is nil).
    pub spare_overflow: usize,
}

impl Header {
    /// Whether a grow is in progress (the old array is still present).
    pub fn growing(&self) -> bool {
        self.old_b.is_some()
    }

    /// Go's tooManyOverflowBuckets: as many overflow buckets as buckets, so that the next
    /// insert of a new key starts a same-size grow (unless the load factor starts a doubling).
    pub fn too_many_overflow_buckets(&self) -> bool {
        too_many_overflow_buckets(self.noverflow, self.b)
    }
}

/// The layout of one bucket for a key and value type: Go's `maptype` sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketShape {
    /// Bytes in one bucket (Go's `t.BucketSize`).
    pub size: usize,
    /// The bucket's alignment.
    pub align: usize,
    /// Bytes a key slot takes: the key's size, or a pointer's when it is stored boxed.
    pub key_slot: usize,
    /// Alignment of a key slot.
    pub key_align: usize,
    /// Bytes a value slot takes: the value's size, or a pointer's when it is stored boxed.
    pub elem_slot: usize,
    /// Alignment of a value slot.
    pub elem_align: usize,
    /// Keys over [`MAX_KEY_SIZE`](super::MAX_KEY_SIZE) bytes are stored boxed (Go's indirect key).
    pub indirect_key: bool,
    /// Values over [`MAX_ELEM_SIZE`](super::MAX_ELEM_SIZE) bytes are stored boxed.
    pub indirect_elem: bool,
    /// Whether the bucket holds pointers in Go's sense (`t.Bucket.Pointers()`): here, a key or
    /// value that needs dropping or is stored boxed. It decides whether evacuation clears an
    /// old bucket, and how Go's allocator rounds the array up.
    pub holds_pointers: bool,
}

impl BucketShape {
    /// The shape of a `GoMap<K, V, _>`'s buckets.
    pub const fn of<K, V>() -> BucketShape {
        BucketShape {
            size: Shape::<K, V>::SIZE,
            align: Shape::<K, V>::ALIGN,
            key_slot: Shape::<K, V>::KEY_SIZE,
            key_align: Shape::<K, V>::KEY_ALIGN,
            elem_slot: Shape::<K, V>::ELEM_SIZE,
            elem_align: Shape::<K, V>::ELEM_ALIGN,
            indirect_key: Shape::<K, V>::INDIRECT_KEY,
            indirect_elem: Shape::<K, V>::INDIRECT_ELEM,
            holds_pointers: Shape::<K, V>::HOLDS_POINTERS,
        }
    }

    /// The overflow buckets Go's makeBucketArray preallocates at the tail of an array of 2^b
    /// buckets of this shape: none below B = 4, then 2^(B-4) plus every whole bucket that fits
    /// in the room Go's allocator rounds the array up to (its size class, or whole 8 KiB pages).
    pub fn preallocated_overflow(&self, b: u8) -> usize {
        preallocated_overflow(b, self.size, self.holds_pointers)
    }
}

/// A read-only view of a map's insides, from [`GoMap::raw`]; see the [module docs](self).
pub struct RawView<'a, K, V, S> {
    map: &'a GoMap<K, V, S>,
}

impl<K, V, S> Clone for RawView<'_, K, V, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V, S> Copy for RawView<'_, K, V, S> {}

impl<K, V, S> fmt::Debug for RawView<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawView").field("header", &self.header()).finish_non_exhaustive()
    }
}

impl<K, V, S> GoMap<K, V, S> {
    /// A read-only view of the buckets, tophash bytes and header fields, for teaching and
    /// inspection ([`map::raw`](crate::map::raw)).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let m: GoMap<u64, u64> = (0..20).map(|i| (i, i)).collect();
    /// let raw = m.raw();
    /// assert_eq!(raw.header().count, 20);
    /// assert_eq!(raw.buckets().unwrap().nbuckets(), 1 << raw.header().b);
    /// ```
    pub fn raw(&self) -> RawView<'_, K, V, S> {
        RawView { map: self }
    }
}

impl<'a, K, V, S> RawView<'a, K, V, S> {
    fn table(&self) -> &'a Hmap<K, V> {
        &self.map.table
    }

    /// The hmap fields.
    pub fn header(&self) -> Header {
        let t = self.table();
        let (iterator, old_iterator) = t.iter_flags();
        Header {
            count: t.count,
            b: t.b,
            noverflow: t.noverflow,
            nevacuate: t.nevacuate,
            same_size_grow: t.same_size_grow,
            iterator,
            old_iterator,
            has_buckets: t.buckets.is_some(),
            old_b: t.oldbuckets.as_ref().map(BucketArray::b),
            spare_overflow: t.buckets.as_ref().map_or(0, BucketArray::spare_overflow),
        }
    }

    /// The current array (Go's `buckets`): `None` before a B = 0 map's first insert.
    pub fn buckets(&self) -> Option<ArrayView<'a, K, V>> {
        self.array(Generation::Current)
    }

    /// The array being evacuated (Go's `oldbuckets`): `None` unless growing.
    pub fn oldbuckets(&self) -> Option<ArrayView<'a, K, V>> {
        self.array(Generation::Old)
    }

    /// One of the two arrays.
    pub fn array(&self, generation: Generation) -> Option<ArrayView<'a, K, V>> {
        let t = self.table();
        let arr = match generation {
            Generation::Current => t.buckets.as_ref(),
            Generation::Old => t.oldbuckets.as_ref(),
        };
        arr.map(|arr| ArrayView { arr, generation })
    }

    /// The shape of this map's buckets.
    pub fn bucket_shape(&self) -> BucketShape {
        BucketShape::of::<K, V>()
    }

    /// Bytes held by both bucket arrays, their overflow buckets and the boxes of indirect keys
    /// and values.
    pub fn allocated_bytes(&self) -> usize {
        self.table().allocated_bytes()
    }

    /// The chain a lookup whose hash lands on current bucket `bucket` searches (Go's
    /// mapaccess): the old bucket it came from while that is not evacuated, else `bucket`
    /// itself. `None` when there is no current array or no such bucket.
    pub fn read_chain(&self, bucket: usize) -> Option<(Generation, usize)> {
        let cur = self.buckets()?;
        (bucket < cur.nbuckets()).then(|| self.table().read_chain(bucket))
    }

    /// An iterator from current bucket `start_bucket` (its low B bits) and slot offset `offset`
    /// (its low 3 bits), as if mapiterinit had drawn them: Go's order for that start. Like any
    /// iteration it sets Go's `iterator` flags, which later evacuations read.
    pub fn iter_from(&self, start_bucket: usize, offset: usize) -> Iter<'a, K, V, S> {
        let raw = super::hiter::Hiter::mapiterinit_at(self.table(), start_bucket, offset);
        crate::api::Iter::from_cursor(self.table(), raw, self.map.erased_hasher())
    }

    /// What Go's mapiternext does from `start_bucket` and `offset` (as [`iter_from`]), step by
    /// step: the map's own iteration, reporting each bucket it moves to, the chain it reads
    /// there, what it yields and what it passes over for the other half of a doubling grow.
    /// It ends where the iteration does, at its last entry, and sets the flags [`iter_from`]
    /// does.
    ///
    /// [`iter_from`]: RawView::iter_from
    pub fn walk(&self, start_bucket: usize, offset: usize) -> Vec<WalkStep<'a, K, V>> {
        let table = self.table();
        let hasher = self.map.erased_hasher();
        let mut it = Hiter::mapiterinit_at(table, start_bucket, offset);
        let mut rec = WalkRecorder { steps: Vec::new() };
        // SAFETY: the table is borrowed shared for 'a, so it is unchanged since mapiterinit.
        while let Some((b, i)) = unsafe { it.mapiternext_observed(table, hasher, &mut rec) } {
            // SAFETY: mapiternext returns filled slots; the references borrow the map for 'a.
            let entry = unsafe { (&*b.key(i), &*b.elem(i)) };
            rec.steps.last_mut().expect("a bucket before its entries").entries.push(entry);
        }
        rec.steps
    }
}

impl<K, V, S> RawView<'_, K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Looks `key` up with the map's own mapaccess and reports what it did: the hash, the
    /// bucket it picked, the chain it read and the slots it checked.
    pub fn trace_lookup<Q>(&self, key: &Q) -> LookupTrace
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let t = self.table();
        let hash = self.map.hasher().hash_one(key);
        let mut rec = LookupRecorder::default();
        let found = t.mapaccess_observed(hash, |q| q.borrow() == key, &mut rec);
        LookupTrace {
            hash,
            tophash: tophash(hash),
            bucket: hash as usize & t.bucket_mask(),
            read: rec.read,
            probes: rec.probes + rec.word.map_or(0, |w| filled_through(w, found.map(|f| f.1))),
            key_compares: rec.compares,
            found: found.map(|(_, slot)| (rec.depth - 1, slot)),
        }
    }
}

/// The filled slots of a tophash word up to and including `last` (all of them for `None`).
fn filled_through(word: u64, last: Option<usize>) -> usize {
    let below = match last {
        Some(i) if i + 1 < BUCKET_CNT => (1u64 << (8 * (i + 1))) - 1,
        _ => u64::MAX,
    };
    (match_full(word) & below).count_ones() as usize
}

/// What one lookup did, from [`RawView::trace_lookup`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupTrace {
    /// The key's full hash.
    pub hash: u64,
    /// The tophash the lookup compares against.
    pub tophash: u8,
    /// `hash & (2^B - 1)`: the current bucket the hash lands on.
    pub bucket: usize,
    /// The chain read: the old bucket while it is not evacuated, else the current one; `None`
    /// when the map has no bucket array.
    pub read: Option<(Generation, usize)>,
    /// Filled slots the lookup passed over or stopped at, in Go's slot order: what Go's byte
    /// loop compares tophash bytes for (gomap tests a bucket's 8 bytes at once).
    pub probes: usize,
    /// Keys compared: those whose tophash matched.
    pub key_compares: usize,
    /// Where the key was found: (bmap along the chain, 0 for the array's own; slot).
    pub found: Option<(usize, usize)>,
}

/// One bucket of an iteration, from [`RawView::walk`].
#[derive(Debug)]
pub struct WalkStep<'a, K, V> {
    /// The current-array bucket the iterator is at.
    pub bucket: usize,
    /// The chain it reads for it: an unevacuated old bucket, else this bucket.
    pub read: (Generation, usize),
    /// What it yields there, in order.
    pub entries: Vec<(&'a K, &'a V)>,
    /// Entries of the chain it passes over: they belong to `skipped_to`, the other new bucket
    /// that a doubling grow splits the old bucket into (Go's `checkBucket`).
    pub skipped: usize,
    /// The bucket the skipped entries belong to, when they were hashed to find out.
    pub skipped_to: Option<usize>,
}

#[derive(Default)]
struct LookupRecorder {
    read: Option<(Generation, usize)>,
    /// Bmaps searched so far, and the last one's tophash word.
    depth: usize,
    word: Option<u64>,
    /// Filled slots of the bmaps before the last.
    probes: usize,
    compares: usize,
}

impl Observer for LookupRecorder {
    fn chain(&mut self, read: Option<(Generation, usize)>) {
        self.read = read;
    }

    fn bmap(&mut self, word: u64) {
        // The search went past the previous bmap, so it passed all of its filled slots.
        self.probes += self.word.map_or(0, |w| filled_through(w, None));
        self.word = Some(word);
        self.depth += 1;
    }

    fn compare(&mut self, _slot: usize, _equal: bool) {
        self.compares += 1;
    }
}

struct WalkRecorder<'a, K, V> {
    steps: Vec<WalkStep<'a, K, V>>,
}

impl<K, V> Observer for WalkRecorder<'_, K, V> {
    fn iter_bucket(&mut self, bucket: usize, read: (Generation, usize)) {
        self.steps.push(WalkStep {
            bucket,
            read,
            entries: Vec::new(),
            skipped: 0,
            skipped_to: None,
        });
    }

    fn skip(&mut self, home: Option<usize>) {
        let step = self.steps.last_mut().expect("a bucket before its entries");
        step.skipped += 1;
        step.skipped_to = home;
    }
}

/// The views hold references only, so they are `Copy` whatever `K` and `V` are (a derive would
/// ask `K: Copy`).
macro_rules! copy_view {
    ($($view:ident),*) => {$(
        impl<K, V> Clone for $view<'_, K, V> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<K, V> Copy for $view<'_, K, V> {}
    )*};
}

copy_view!(ArrayView, ChainView);

/// One bucket array of a [`RawView`].
pub struct ArrayView<'a, K, V> {
    arr: &'a BucketArray<K, V>,
    generation: Generation,
}

impl<'a, K, V> ArrayView<'a, K, V> {
    /// Which array this is.
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// log2 of its number of buckets.
    pub fn b(&self) -> u8 {
        self.arr.b()
    }

    /// Its number of buckets, 2^B (overflow buckets not counted).
    pub fn nbuckets(&self) -> usize {
        self.arr.len()
    }

    /// The overflow buckets preallocated at its tail, used or not
    /// ([`BucketShape::preallocated_overflow`]).
    pub fn preallocated_overflow(&self) -> usize {
        self.arr.preallocated()
    }

    /// Bucket `index` with its overflow chain; `None` past the end.
    pub fn chain(&self, index: usize) -> Option<ChainView<'a, K, V>> {
        (index < self.arr.len()).then_some(ChainView {
            arr: self.arr,
            generation: self.generation,
            index,
        })
    }

    /// Every bucket's chain, in index order.
    pub fn chains(&self) -> impl Iterator<Item = ChainView<'a, K, V>> + 'a {
        let (arr, generation) = (self.arr, self.generation);
        (0..arr.len()).map(move |index| ChainView { arr, generation, index })
    }
}

/// A bucket of an array and its overflow buckets.
pub struct ChainView<'a, K, V> {
    arr: &'a BucketArray<K, V>,
    generation: Generation,
    index: usize,
}

impl<'a, K, V> ChainView<'a, K, V> {
    /// The bucket's index in its array.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The array it belongs to.
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// Go's `evacuated(b)`: an old bucket whose entries have moved to the new array.
    pub fn evacuated(&self) -> bool {
        self.arr.bucket_ref(self.index).evacuated()
    }

    /// The array's own bucket, then its overflow buckets in link order.
    pub fn bmaps(&self) -> impl Iterator<Item = BmapView<'a, K, V>> + 'a {
        let arr = self.arr;
        let mut next = Some(arr.bucket_ref(self.index));
        let mut depth = 0;
        core::iter::from_fn(move || {
            let bucket = next?;
            next = bucket.overflow();
            let preallocated = depth > 0 && arr.is_preallocated(bucket.raw());
            depth += 1;
            Some(BmapView { bucket, depth: depth - 1, preallocated })
        })
    }
}

/// One bmap: 8 slots and an overflow link.
pub struct BmapView<'a, K, V> {
    bucket: BucketRef<'a, K, V>,
    depth: usize,
    preallocated: bool,
}

impl<'a, K, V> BmapView<'a, K, V> {
    /// 0 for the array's own bucket, then 1, 2, ... along its overflow chain.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// An overflow bucket taken from the array's preallocated tail (only when B >= 4).
    pub fn preallocated(&self) -> bool {
        self.preallocated
    }

    /// The 8 tophash bytes.
    pub fn tophash(&self) -> [u8; BUCKET_CNT] {
        self.bucket.top_word().to_le_bytes()
    }

    /// Slot `i`: its tophash byte, and its key and value when it is filled.
    ///
    /// # Panics
    /// If `i >= 8`.
    pub fn slot(&self, i: usize) -> SlotView<'a, K, V> {
        assert!(i < BUCKET_CNT, "a bucket has {BUCKET_CNT} slots, not {}", i + 1);
        let entry = self.bucket.slot(i);
        SlotView { tophash: self.bucket.top(i), key: entry.map(|e| e.0), value: entry.map(|e| e.1) }
    }

    /// All 8 slots, in slot order.
    pub fn slots(&self) -> [SlotView<'a, K, V>; BUCKET_CNT] {
        core::array::from_fn(|i| self.slot(i))
    }
}

/// One slot of a bmap.
#[derive(Debug)]
pub struct SlotView<'a, K, V> {
    /// The raw tophash byte.
    pub tophash: u8,
    /// The key, when the slot is filled.
    pub key: Option<&'a K>,
    /// The value, when the slot is filled.
    pub value: Option<&'a V>,
}

impl<K, V> SlotView<'_, K, V> {
    /// What the tophash byte means.
    pub fn state(&self) -> SlotState {
        SlotState::of(self.tophash)
    }
}
