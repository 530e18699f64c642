//! aeshash: the AES-NI backend, a port of the `aeshashbody`, `memhash32` and `memhash64`
//! routines in Go's `runtime/asm_amd64.s`.
//!
//! Every function here is a `#[target_feature]` function: callers must know the CPU has AES-NI,
//! SSSE3 and SSE4.1 (the `Backend::Aes` invariant). The key schedule is passed in, so tests can
//! use the one a Go process printed.

use core::arch::x86_64::{
    __m128i, _mm_aesenc_si128, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_set_epi64x, _mm_xor_si128,
};

use super::AesKeys;

/// 16 bytes of `p` from `i` as a vector (any alignment).
#[inline(always)]
fn load(p: &[u8], i: usize) -> __m128i {
    let b: &[u8; 16] = p[i..i + 16].try_into().unwrap();
    // SAFETY: `b` is a reference to 16 readable bytes and `loadu` accepts any alignment.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

/// Round key `i` (0-7) of the process key schedule.
#[inline(always)]
fn key(ks: &AesKeys, i: usize) -> __m128i {
    load(&ks.0, 16 * i)
}

#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn scramble(x: __m128i) -> __m128i {
    _mm_aesenc_si128(x, x)
}

#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn low64(x: __m128i) -> u64 {
    _mm_cvtsi128_si64(x) as u64
}

/// 0-15 bytes zero-extended to 16, as Go's masked load produces, but without reading past the
/// slice: Go may read outside the input (never across a page); Rust must not.
#[inline(always)]
fn load_short(p: &[u8]) -> (u64, u64) {
    let n = p.len();
    let r4 = |i: usize| u64::from(u32::from_le_bytes(p[i..i + 4].try_into().unwrap()));
    let r8 = |i: usize| u64::from_le_bytes(p[i..i + 8].try_into().unwrap());
    match n {
        0 => (0, 0),
        1..=3 => {
            let mut lo = 0;
            for (i, &b) in p.iter().enumerate() {
                lo |= u64::from(b) << (8 * i);
            }
            (lo, 0)
        }
        // Two overlapping reads; the shared bytes agree, so OR joins them.
        4..=7 => (r4(0) | r4(n - 4) << (8 * (n - 4)), 0),
        8 => (r8(0), 0),
        _ => (r8(0), r8(n - 8) >> (8 * (16 - n))),
    }
}

/// Go's `aeshashbody`: hashes `p` (any length) with the per-map `seed`.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
pub(crate) fn hash(ks: &AesKeys, seed: u64, p: &[u8]) -> u64 {
    let n = p.len();
    // Seed in the low half, the low 16 bits of the length four times in the high half.
    let len4 = (n as u64 & 0xffff).wrapping_mul(0x0001_0001_0001_0001);
    let plain = _mm_set_epi64x(len4 as i64, seed as i64);
    let seed0 = scramble(_mm_xor_si128(plain, key(ks, 0)));
    match n {
        0 => low64(scramble(seed0)),
        1..=15 => {
            let (lo, hi) = load_short(p);
            finish1(seed0, _mm_set_epi64x(hi as i64, lo as i64))
        }
        16 => finish1(seed0, load(p, 0)),
        17..=32 => hash17to32(ks, plain, seed0, p),
        33..=64 => hash33to64(ks, plain, seed0, p),
        _ => hash65plus(ks, plain, seed0, p),
    }
}

/// One 16-byte lane: data xor seed, three rounds.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn finish1(seed0: __m128i, data: __m128i) -> u64 {
    low64(scramble(scramble(scramble(_mm_xor_si128(data, seed0)))))
}

/// Lane `i`'s starting seed: lane 0 uses the scrambled seed, the others mix the unscrambled
/// seed with their own 16 bytes of the key schedule.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn lane_seeds<const N: usize>(ks: &AesKeys, plain: __m128i, seed0: __m128i) -> [__m128i; N] {
    let mut s = [seed0; N];
    for (i, lane) in s.iter_mut().enumerate().skip(1) {
        *lane = scramble(_mm_xor_si128(plain, key(ks, i)));
    }
    s
}

/// Three rounds on every lane, then all lanes folded by xor (Go's fold order does not matter
/// for xor).
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn finish_lanes<const N: usize>(mut v: [__m128i; N]) -> u64 {
    for _ in 0..3 {
        for x in v.iter_mut() {
            *x = scramble(*x);
        }
    }
    let mut acc = v[0];
    for x in &v[1..] {
        acc = _mm_xor_si128(acc, *x);
    }
    low64(acc)
}

/// First and last 16 bytes, two lanes.
#[target_feature(enable = "aes,ssse3,sse4.1")]
fn hash17to32(ks: &AesKeys, plain: __m128i, seed0: __m128i, p: &[u8]) -> u64 {
    let n = p.len();
    let s: [__m128i; 2] = lane_seeds(ks, plain, seed0);
    finish_lanes([_mm_xor_si128(load(p, 0), s[0]), _mm_xor_si128(load(p, n - 16), s[1])])
}

/// First and last 32 bytes, four lanes.
// Out of line: a call is cheap next to 16+ rounds, and callers stay small.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline(never)]
fn hash33to64(ks: &AesKeys, plain: __m128i, seed0: __m128i, p: &[u8]) -> u64 {
    let n = p.len();
    let s: [__m128i; 4] = lane_seeds(ks, plain, seed0);
    finish_lanes([
        _mm_xor_si128(load(p, 0), s[0]),
        _mm_xor_si128(load(p, 16), s[1]),
        _mm_xor_si128(load(p, n - 32), s[2]),
        _mm_xor_si128(load(p, n - 16), s[3]),
    ])
}

/// 65-128 bytes: first and last 64 bytes in eight lanes. Beyond 128: the last 128 bytes seed the
/// eight lanes, then (n - 1) / 128 blocks from the start are folded in as round keys.
// Out of line: a call is cheap next to 16+ rounds, and callers stay small.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline(never)]
fn hash65plus(ks: &AesKeys, plain: __m128i, seed0: __m128i, p: &[u8]) -> u64 {
    let n = p.len();
    let mut v: [__m128i; 8] = lane_seeds(ks, plain, seed0);
    if n <= 128 {
        for (i, x) in v.iter_mut().enumerate() {
            let at = if i < 4 { 16 * i } else { n + 16 * i - 128 };
            *x = _mm_xor_si128(load(p, at), *x);
        }
        return finish_lanes(v);
    }
    for (i, x) in v.iter_mut().enumerate() {
        *x = _mm_xor_si128(load(p, n - 128 + 16 * i), *x);
    }
    // The tail is already in; the blocks before it may overlap it.
    for block in p.chunks_exact(128).take((n - 1) / 128) {
        for (i, x) in v.iter_mut().enumerate() {
            *x = _mm_aesenc_si128(scramble(*x), load(block, 16 * i));
        }
    }
    finish_lanes(v)
}

/// Go's AES `memhash32`: the seed in the low half, the value in the next 32 bits, three rounds
/// keyed by the first three round keys.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
pub(crate) fn hash32(ks: &AesKeys, seed: u64, x: u32) -> u64 {
    rounds3(ks, _mm_set_epi64x(i64::from(x), seed as i64))
}

/// Go's AES `memhash64`: the seed in the low half, the value in the high half.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
pub(crate) fn hash64(ks: &AesKeys, seed: u64, x: u64) -> u64 {
    rounds3(ks, _mm_set_epi64x(x as i64, seed as i64))
}

#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn rounds3(ks: &AesKeys, x: __m128i) -> u64 {
    let x = _mm_aesenc_si128(x, key(ks, 0));
    let x = _mm_aesenc_si128(x, key(ks, 1));
    low64(_mm_aesenc_si128(x, key(ks, 2)))
}
