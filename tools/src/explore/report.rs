//! What one operation did, as the page shows it: sentences, and marks to draw on the buckets.

use gomap::map::raw::{Generation, Header};
use gomap::map::traced::OpTrace;
use serde::Serialize;

/// Something to draw on the buckets: a whole chain (no depth or slot) or one slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mark {
    /// Which array.
    pub array: Generation,
    /// The bucket.
    pub bucket: usize,
    /// The bmap along the chain, for a slot mark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// The slot, for a slot mark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<usize>,
    /// What happened there (the page's CSS class).
    pub kind: &'static str,
    /// A short label.
    pub label: String,
}

/// What one op did, as the page shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// The op's text.
    pub op: String,
    /// What happened, one sentence a line.
    pub lines: Vec<String>,
    /// What to draw on the buckets.
    pub marks: Vec<Mark>,
    /// The map's own trace, for single-key ops and evacuate next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<OpTrace>,
    /// An iteration's keys in the order Go's mapiternext gave them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<String>>,
    /// The hmap header before the op.
    pub before: Option<Header>,
}
