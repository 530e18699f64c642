//! The fuzz harness: operation enums that `arbitrary` builds from the fuzzer's bytes, and the
//! loops that run them on gomap and on a reference, comparing every answer.
//!
//! - [`map`]: `GoMap` against std's `HashMap`, with a seeded Go hash and with a poor hasher
//!   that builds long chains and same-size grows; keys and values that own heap memory or are
//!   stored boxed, so that AddressSanitizer sees every slot's memory;
//! - [`concurrent`]: `ConcurrentMap` against a `Mutex<HashMap>`, one thread, through
//!   promotions and expunges;
//! - [`hash`]: both hash backends against plain scalar copies of Go's functions
//!   ([`reference`]), the VAES path against the AES-NI one.
//!
//! Each `run` panics on the first difference. The fuzz targets (`fuzz_targets/`) call them with
//! libFuzzer's input; `tests/fuzz_regressions.rs` includes this file by path and replays the
//! inputs kept in `fuzz/regressions/`, so they run in plain `cargo test` on stable.

pub mod concurrent;
pub mod hash;
pub mod map;
pub mod reference;

use arbitrary::{Arbitrary, Unstructured};

/// Builds a `T` from all of `data`; `None` when the bytes do not make one (the input is then
/// of no interest, as libFuzzer's own rejected inputs are).
pub fn parse<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}
