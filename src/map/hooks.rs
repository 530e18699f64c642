//! What the engine reports as it works, and the one teaching control it takes.
//!
//! The map's own lookups, writes, grow work and iteration call an [`Observer`] at each step;
//! the map passes `()`, whose hooks are empty and compile away, while the read-only view
//! (raw.rs) and the traced operations (traced.rs) pass recorders. Observers only watch. Holding
//! back evacuation, which does change what a write does, is a separate argument, [`GrowPace`],
//! that only the traced writes set.

/// Which bucket array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "teach", derive(serde::Serialize), serde(rename_all = "lowercase"))]
pub enum Generation {
    /// The current array (Go's `buckets`).
    Current,
    /// The array being evacuated while the map grows (Go's `oldbuckets`).
    Old,
}

/// How much of Go's growWork a write does while the map grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GrowPace {
    /// As Go: the write's own old bucket, then old bucket `nevacuate`.
    Go,
    /// Teaching only (traced.rs): the write's own old bucket, which must move before Go's
    /// mapassign and mapdelete touch the new array; `nevacuate` waits for `evacuate_next`.
    #[cfg_attr(not(feature = "teach"), allow(dead_code))]
    HoldSecond,
}

/// Hooks the map's own code calls as it runs: lookups, writes, grow work, iteration. Passive:
/// a hook reports and cannot change what the map does. `()` is the map's own
/// observer: `ENABLED` is false and every hook is empty, so its calls compile to nothing.
pub(crate) trait Observer {
    /// Whether hooks that need extra work to call are called at all.
    const ENABLED: bool = true;
    /// mapaccess chose the chain to search (`None`: the map has no bucket array).
    fn chain(&mut self, _read: Option<(Generation, usize)>) {}
    /// A bucket of the chain was searched; `word` is its tophash bytes.
    fn bmap(&mut self, _word: u64) {}
    /// The key in `slot` of that bucket was compared.
    fn compare(&mut self, _slot: usize, _equal: bool) {}
    /// mapiternext moved to current bucket `bucket` and reads chain `read` for it.
    fn iter_bucket(&mut self, _bucket: usize, _read: (Generation, usize)) {}
    /// mapiternext passed over an old bucket's entry of new bucket `home` (`None`: not hashed).
    fn skip(&mut self, _home: Option<usize>) {}
    /// hashGrow started a grow to 2^`b` buckets: doubling, or the same size (too many
    /// overflow buckets).
    fn grow(&mut self, _same_size: bool, _b: u8) {}
    /// growWork began for a write whose key's old bucket is `oldbucket`.
    fn grow_work(&mut self, _oldbucket: usize) {}
    /// evacuate began moving old bucket `oldbucket`, which was not evacuated yet, to X (the
    /// same index) and, for a doubling, Y (`y`).
    fn evacuate(&mut self, _oldbucket: usize, _y: Option<usize>) {}
    /// evacuate moved the entry in (bmap along the old chain, slot) to (new bucket, bmap along
    /// its chain, slot).
    fn moved(&mut self, _from: (usize, usize), _to: (usize, usize, usize)) {}
    /// advanceEvacuationMark reached the end: the old array is gone.
    fn grow_done(&mut self) {}
    /// newoverflow linked an overflow bucket.
    fn overflow(&mut self) {}
    /// growWork left out evacuating old bucket `nevacuate`, as its `GrowPace` asked.
    fn held(&mut self, _nevacuate: usize) {}
}

impl Observer for () {
    const ENABLED: bool = false;
}
