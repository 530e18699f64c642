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
//! - [`SwissMap`] ([`swiss`]) is Go 1.24's map, the Swiss table (`internal/runtime/maps`):
//!   8-slot groups behind a control word, tables of up to 1024 slots, a directory of tables
//!   by the hash's top bits; the same API as [`GoMap`], plus [`SwissMap::stats`] for Go's
//!   header fields and [`SwissMap::raw`], a read-only view of every table, group and slot
//!   ([`swiss::raw`]). Its module docs walk through the design.
//! - [`api`] is the one API layer both maps share: [`api::Map`] over a table engine.
//! - [`RandomState`] ([`hash`]) is Go's hash: aeshash on CPUs with AES-NI, memhash elsewhere.
//! - [`ConcurrentMap`] (Go's classic `sync.Map`), [`concurrent::HashTrieMap`] (Go 1.24's
//!   `sync.Map`, a concurrent hash trie) and [`concurrent::RwLockMap`] (a map behind a
//!   readers-writer lock) share a map between threads the ways Go does ([`concurrent`]).
//!
//! # Features
//!
//! A dependency on gomap compiles the map, the set, the hash and the concurrent maps, with
//! their few small dependencies (bumpalo, cpufeatures, rand, crossbeam-epoch, and libc on
//! Linux). Two features join them to the ecosystem a `HashMap` user leans on; both are off by
//! default:
//!
//! - `serde`: `Serialize` and `Deserialize` for [`GoMap`] and [`SwissMap`] (as a map) and
//!   [`GoSet`] (as a sequence), and for [`ConcurrentMap`], [`concurrent::HashTrieMap`] and
//!   [`concurrent::RwLockMap`] as a snapshot of their entries (adds serde);
//! - `rayon`: `par_iter`, `par_iter_mut` and `into_par_iter` on [`GoMap`], [`SwissMap`] and
//!   [`GoSet`] (plus `par_keys`, `par_values`, `par_values_mut`), `ParallelExtend` and
//!   `FromParallelIterator`; a parallel iteration splits GoMap's bucket array, a grow in
//!   progress included, and SwissMap's tables ([`rayon`](mod@crate::rayon), adds rayon).
//!
//! One more feature is for teaching tools:
//!
//! - `teach`: the map's own writes and lookups reporting every step ([`map::traced`]; SwissMap's
//!   traced lookup, [`swiss::traced`], needs no feature), evacuation held back by hand, and deterministic
//!   teaching hashers ([`hash::teach`]); adds serde with its derive.
//!
//! The tools themselves (the `gomap` program: the tour, the explorer, the pictures, the Go twin)
//! are a crate of their own, `gomap-tools` in `tools/`, built on `teach`: a dependency on this
//! crate compiles none of them.
//!
//! # Unsafe code
//!
//! This crate denies `unsafe_code`; the modules that need it allow it where lib.rs and
//! `map/mod.rs` declare them, so the list of files holding unsafe code is the compiler's, not a
//! comment's. Each unsafe block says why it is sound (`clippy::undocumented_unsafe_blocks`).
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
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The feature list above links to `rayon`, `map::traced` and `hash::teach`, which exist only
// with their features; docs.rs and CI document with every feature, where the lint stays on.
#![cfg_attr(not(all(feature = "rayon", feature = "teach")), allow(rustdoc::broken_intra_doc_links))]

#[allow(unsafe_code)]
pub mod api;
pub mod concurrent;
pub mod hash;
#[allow(unsafe_code)]
pub mod map;
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
#[allow(unsafe_code)]
pub mod rayon;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod set;
#[allow(unsafe_code)]
pub mod swiss;

pub use concurrent::{ConcurrentMap, HashTrieMap};
pub use hash::RandomState;
pub use map::{GoMap, Stats, TryReserveError};
pub use set::GoSet;
pub use swiss::SwissMap;

/// The README's Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// So does docs/queue-index.md's example.
#[cfg(doctest)]
#[doc = include_str!("../docs/queue-index.md")]
struct QueueIndexDoctests;
