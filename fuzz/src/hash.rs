//! Both hash backends against [`super::reference`], on any key schedule, seed and sequence of
//! `Hasher` writes; aeshash's VAES path against its AES-NI path.

use std::hash::{BuildHasher, Hash, Hasher};

use arbitrary::Arbitrary;
use gomap::hash::{backend, testing, Backend};

use super::reference;

/// A key schedule, a seed and the writes of one key's `Hash`.
#[derive(Arbitrary, Debug)]
pub struct Input {
    aeskeysched: [u8; 128],
    hashkey: [u64; 4],
    seed: u64,
    writes: Vec<Write>,
}

#[derive(Arbitrary, Debug)]
pub enum Write {
    Bytes(Vec<u8>),
    /// `str::hash`: the bytes, then a 0xff terminator.
    Str(String),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    U128(u128),
    Usize(usize),
    I64(i64),
}

/// What `GoHasher` computes for `writes`, from Go's functions alone (aeshash as the Go runtime
/// of this target has it: amd64's, or arm64's on aarch64): each write hashes its value with the
/// running hash as the seed; a 0xff byte right after a byte write is a string's terminator and
/// is skipped (see `gomap::hash`'s module docs).
pub fn expected(b: Backend, sched: &[u8; 128], key: [u64; 4], seed: u64, writes: &[Write]) -> u64 {
    let bytes = |h, p: &[u8]| match b {
        Backend::Aes => reference::native::aeshash(sched, h, p),
        Backend::Mem => reference::memhash(key, h, p),
    };
    let word = |h, x: u64| match b {
        Backend::Aes => reference::native::aeshash64(sched, h, x),
        Backend::Mem => reference::memhash64(key, h, x),
    };
    let (mut h, mut after_bytes) = (seed, false);
    for w in writes {
        h = match w {
            Write::Bytes(p) => bytes(h, p),
            Write::Str(s) => bytes(h, s.as_bytes()),
            Write::U8(0xff) if after_bytes => h,
            Write::U8(x) => bytes(h, &[*x]),
            Write::U16(x) => bytes(h, &x.to_le_bytes()),
            Write::U32(x) => match b {
                Backend::Aes => reference::native::aeshash32(sched, h, *x),
                Backend::Mem => reference::memhash32(key, h, *x),
            },
            Write::U64(x) => word(h, *x),
            Write::U128(x) => bytes(h, &x.to_le_bytes()),
            Write::Usize(x) => word(h, *x as u64),
            Write::I64(x) => word(h, *x as u64),
        };
        after_bytes = matches!(w, Write::Bytes(_));
    }
    h
}

fn apply(h: &mut impl Hasher, writes: &[Write]) {
    for w in writes {
        match w {
            Write::Bytes(p) => h.write(p),
            Write::Str(s) => s.as_str().hash(h),
            Write::U8(x) => h.write_u8(*x),
            Write::U16(x) => h.write_u16(*x),
            Write::U32(x) => h.write_u32(*x),
            Write::U64(x) => h.write_u64(*x),
            Write::U128(x) => h.write_u128(*x),
            Write::Usize(x) => h.write_usize(*x),
            Write::I64(x) => h.write_i64(*x),
        }
    }
}

/// Checks one input on memhash, and on aeshash (with and without VAES) where the CPU has it.
/// Returns the backends checked.
pub fn check(input: &Input) -> Vec<Backend> {
    let mut backends = vec![Backend::Mem];
    if backend() == Backend::Aes {
        backends.push(Backend::Aes);
    }
    for &b in &backends {
        let rs = testing::random_state(input.aeskeysched, input.hashkey, input.seed, b)
            .expect("available");
        let want = expected(b, &input.aeskeysched, input.hashkey, input.seed, &input.writes);
        let mut states = vec![rs.clone()];
        if testing::uses_vaes(&rs) {
            states.push(testing::without_vaes(rs));
        }
        for s in states {
            let mut h = s.build_hasher();
            apply(&mut h, &input.writes);
            assert_eq!(h.finish(), want, "{b:?} (VAES {}) on {input:?}", testing::uses_vaes(&s));
        }
    }
    backends
}

/// The fuzz target's entry point.
pub fn run(data: &[u8]) {
    if let Some(input) = super::parse::<Input>(data) {
        check(&input);
    }
}
