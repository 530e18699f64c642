//! The tools around [`gomap`]'s maps: what draws, narrates, compares with Go and serves the
//! explorer, and the `gomap` program that runs them (`src/main.rs`).
//!
//! # Why a crate of its own
//!
//! A program that depends on `gomap` wants a map, not a command line, a web server and a Go
//! toolchain driver. So the library crate holds the maps, the hash and the concurrent maps, and
//! exposes what teaching needs behind its `teach` feature (the traced operations, the teaching
//! hashers, evacuation held back by hand); this crate takes that feature and builds everything
//! else on it. It reads the maps only through their public views (`GoMap::raw`) and their own
//! traced operations, so no rule of the map is worked out here again.
//!
//! - [`inspect`]: layout snapshots, text/SVG/JSON/HTML renderers, the tour, the docs figures,
//!   the Go twin and the trace script;
//! - [`explore`]: the `gomap explore` server and its page.

#![warn(missing_docs)]

pub mod explore;
pub mod inspect;
