//! gomap: Go's classic runtime map (hmap/bmap) reimplemented in Rust.
//!
//! Go's map before 1.24 (and 1.24 with `GOEXPERIMENT=noswissmap`) is a hash table of 2^B
//! *buckets*. A bucket holds 8 entries: 8 *tophash* bytes (the top byte of each key's hash, or a
//! marker for an empty or evacuated slot), then the 8 keys, then the 8 values, then a pointer to
//! an *overflow* bucket for when the 8 slots are not enough. The low B bits of the hash choose
//! the bucket; the tophash lets a lookup skip most key comparisons.
//!
//! When the average reaches 6.5 entries per bucket the map doubles, and when churn has left too
//! many overflow buckets it rebuilds at the same size. Either way it does not move everything at
//! once: each insert and remove *evacuates* one or two old buckets into the new array, and
//! lookups read the old array until their bucket has moved. Iteration starts at a random bucket
//! and slot so that nobody relies on an order.
//!
//! - [`GoMap`] ([`map`]) is that map, with the API of `std::collections::HashMap`, plus
//!   [`GoMap::stats`] for Go's header fields and [`GoMap::raw`], a read-only view of every
//!   bucket and slot ([`map::raw`]). The [`map`] module docs walk through the design and list
//!   where each of Go's runtime functions lives.
//! - [`GoSet`] ([`set`]) is std's `HashSet` API on that map, as Go's `map[T]struct{}`.
//! - [`swiss`] is the engine of Go 1.24's map, the Swiss table (`internal/runtime/maps`):
//!   8-slot groups behind a control word, tables of up to 1024 slots, a directory of tables
//!   by the hash's top bits. A raw API (hashes from the caller, slots as handles) and a
//!   read-only view of every table, group and slot; its module docs walk through the design.
//! - [`RandomState`] ([`hash`]) is Go's hash: aeshash on CPUs with AES-NI, memhash elsewhere.
//! - [`ConcurrentMap`] (Go's classic `sync.Map`) and [`concurrent::RwLockMap`] (a map behind a
//!   readers-writer lock) share a map between threads the two ways Go does ([`concurrent`]).
//! - `inspect` (feature `inspect`) draws the live buckets as text, SVG or JSON, and holds the
//!   tour, the docs figures and the Go twin; the `gomap` program (feature `cli`) runs them.
//!
//! # Features: the map alone, or with its tooling
//!
//! A library that depends on gomap for the map writes
//! `gomap = { version = "0.1", default-features = false }` and compiles the map, the set, the
//! hash and the concurrent maps, with their few small dependencies (bumpalo, cpufeatures,
//! rand, crossbeam-epoch, and libc on Linux). Two library features join them to the ecosystem
//! a `HashMap` user leans on; both are off by default:
//!
//! - `serde`: `Serialize` and `Deserialize` for [`GoMap`] (as a map) and [`GoSet`] (as a
//!   sequence), and for [`ConcurrentMap`] and [`concurrent::RwLockMap`] as a snapshot of their
//!   entries (adds serde);
//! - `rayon`: `par_iter`, `par_iter_mut` and `into_par_iter` on [`GoMap`] and [`GoSet`] (plus
//!   `par_keys`, `par_values`, `par_values_mut`), `ParallelExtend` and
//!   `FromParallelIterator`; a parallel iteration splits the bucket array, a grow in
//!   progress included ([`rayon`](mod@crate::rayon), adds rayon).
//!
//! The tooling is behind two more:
//!
//! - `inspect`: snapshots, renderers, teaching hashers, the tour, docs regeneration, the Go twin
//!   and the trace script (adds serde, serde_json and anstyle);
//! - `cli` (implies `inspect`): the `gomap` program (adds clap, anstream and indicatif).
//!
//! `cli` is on by default, so that in a checkout `cargo run --release` runs the tour and
//! `cargo test` runs every test. Features rather than a workspace of crates: the tooling is
//! small beside the map, reads it only through [`GoMap::raw`], and is versioned, tested and
//! documented with it, so one crate keeps `src/inspect` and `src/bin` where a reader of the
//! map finds them, and a feature is all it takes to leave them out.
//!
//! ```
//! use gomap::GoMap;
//!
//! let mut m: GoMap<u64, &str> = GoMap::new();
//! for k in 0..9 {
//!     m.insert(k, "x");
//! }
//! // 9 entries overload a single bucket (at most 8 fit when B = 0), so the map doubled.
//! assert_eq!(m.stats().b, 1);
//! assert_eq!(m.capacity(), 13);
//! ```
//!
//! The minimum supported Rust version is 1.89 (`rust-version` in Cargo.toml).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod concurrent;
#[cfg(feature = "explore")]
pub mod explore;
pub mod hash;
#[cfg(feature = "inspect")]
#[cfg_attr(docsrs, doc(cfg(feature = "inspect")))]
pub mod inspect;
pub mod map;
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub mod rayon;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod set;
pub mod swiss;

pub use concurrent::ConcurrentMap;
pub use hash::RandomState;
pub use map::{GoMap, Stats, TryReserveError};
pub use set::GoSet;

/// The README's Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// So does docs/queue-index.md's example.
#[cfg(doctest)]
#[doc = include_str!("../docs/queue-index.md")]
struct QueueIndexDoctests;
