//! gomap: Go's classic runtime map (hmap/bmap) reimplemented in Rust.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod concurrent;
pub use concurrent::ConcurrentMap;
