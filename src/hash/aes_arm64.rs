//! aeshash on arm64: a port of the `aeshashbody`, `memhash32` and `memhash64` routines in Go's
//! `runtime/asm_arm64.s`, built on the ARMv8 Cryptography Extension (`AESE`, `AESMC`).
//!
//! Go's arm64 routine is its own function, not amd64's with other instructions, so the two give
//! different hashes for the same key schedule:
//!
//! - arm64's round is `AESE` (xor with the round key, then SubBytes and ShiftRows) followed by
//!   `AESMC` (MixColumns); the last of the three final rounds leaves out `AESMC`. amd64's
//!   `AESENC` mixes before it xors the key in.
//! - The seed block holds the whole 64-bit length in its high half (amd64: the low 16 bits four
//!   times), and each lane's seed is one round of its schedule block keyed by it.
//! - Lanes are scrambled with their seed as the round key (amd64 xors data and seed, then
//!   scrambles each lane with itself). Of the three closing rounds, the last one mixes
//!   (`AESMC`) for inputs of 1 to 16 bytes and does not for longer ones or the integer forms.
//! - An input of 1 to 15 bytes is packed by the bits of its length: 8 bytes at offset 0, 4 at
//!   8, 2 at 12, 1 at 14, each present only if that bit of the length is set.
//! - Over 128 bytes, the lanes start from their seeds and the input's blocks are the round keys:
//!   the last 128 bytes first, then the blocks from the start.
//! - The integer forms use only the first schedule block as the key of all three rounds, and the
//!   4-byte form keeps only the low 32 bits of the seed.
//!
//! Callers must know the CPU has AES (the `Backend::Aes` invariant). The functions carry
//! `#[target_feature(enable = "aes")]`, so where AES is not in the build's baseline (Linux's
//! generic arm64 target) each hash is a call; where it is (Apple's targets), they inline.

use core::arch::aarch64::{
    uint8x16_t, vaeseq_u8, vaesmcq_u8, vcombine_u64, vcreate_u64, veorq_u8, vgetq_lane_u64,
    vld1q_u8, vreinterpretq_u64_u8, vreinterpretq_u8_u64,
};

use super::AesKeys;

/// 16 bytes of `p` from `i` as a vector.
#[inline(always)]
fn load(p: &[u8], i: usize) -> uint8x16_t {
    let b: &[u8; 16] = p[i..i + 16].try_into().unwrap();
    // SAFETY: `b` is a reference to 16 readable bytes; `vld1q_u8` needs no alignment.
    unsafe { vld1q_u8(b.as_ptr()) }
}

/// Block `i` (0-7) of the key schedule.
#[inline(always)]
fn key(ks: &AesKeys, i: usize) -> uint8x16_t {
    load(&ks.0, 16 * i)
}

/// The vector whose low 8 bytes are `lo` and high 8 bytes `hi`, little-endian.
#[target_feature(enable = "aes")]
#[inline]
fn pair(lo: u64, hi: u64) -> uint8x16_t {
    vreinterpretq_u8_u64(vcombine_u64(vcreate_u64(lo), vcreate_u64(hi)))
}

#[target_feature(enable = "aes")]
#[inline]
fn low64(x: uint8x16_t) -> u64 {
    vgetq_lane_u64::<0>(vreinterpretq_u64_u8(x))
}

/// One full round: `AESE` with round key `k`, then `AESMC`.
#[target_feature(enable = "aes")]
#[inline]
fn round(x: uint8x16_t, k: uint8x16_t) -> uint8x16_t {
    vaesmcq_u8(vaeseq_u8(x, k))
}

/// The closing three rounds of inputs over 16 bytes and of the integer forms, all keyed by `k`;
/// the last without MixColumns.
#[target_feature(enable = "aes")]
#[inline]
fn rounds3(x: uint8x16_t, k: uint8x16_t) -> uint8x16_t {
    vaeseq_u8(round(round(x, k), k), k)
}

/// Packs 1-15 bytes as Go's loads do: by the bits of the length, 8 bytes into bytes 0-7, then 4
/// into 8-11, 2 into 12-13 and 1 into 14, each part taking the input's next bytes. Returns the
/// low and high halves.
#[inline(always)]
fn pack_short(p: &[u8]) -> (u64, u64) {
    debug_assert!(p.len() < 16);
    let (mut lo, mut hi, mut rest) = (0, 0, p);
    // With fewer than 16 bytes, each split succeeds exactly when its bit of the length is set.
    if let Some((a, r)) = rest.split_first_chunk::<8>() {
        (lo, rest) = (u64::from_le_bytes(*a), r);
    }
    if let Some((a, r)) = rest.split_first_chunk::<4>() {
        (hi, rest) = (u64::from(u32::from_le_bytes(*a)), r);
    }
    if let Some((a, r)) = rest.split_first_chunk::<2>() {
        (hi, rest) = (hi | u64::from(u16::from_le_bytes(*a)) << 32, r);
    }
    if let Some(&b) = rest.first() {
        hi |= u64::from(b) << 48;
    }
    (lo, hi)
}

/// Go's arm64 `aeshashbody`: hashes `p` (any length) with the per-map `seed`. `_wide` is the
/// x86-64 backend's VAES switch, never set here (arm64 has no wider AES instruction).
///
/// # Safety
///
/// The CPU must have AES.
#[target_feature(enable = "aes")]
#[inline]
pub(crate) unsafe fn hash(ks: &AesKeys, seed: u64, p: &[u8], _wide: bool) -> u64 {
    let n = p.len();
    // The seed block: the seed, then the length.
    let plain = pair(seed, n as u64);
    let x = match n {
        0 => return low64(round(key(ks, 0), plain)),
        1..=15 => {
            let (lo, hi) = pack_short(p);
            pair(lo, hi)
        }
        16 => load(p, 0),
        _ => return hash_lanes(ks, plain, p),
    };
    // One lane, three rounds keyed by lane 0's seed; here the last one mixes too.
    let seed0 = round(key(ks, 0), plain);
    low64(round(round(round(x, seed0), seed0), seed0))
}

/// Lane `i`'s seed: one round of schedule block `i` keyed by the seed block.
#[target_feature(enable = "aes")]
#[inline]
fn lane_seeds<const N: usize>(ks: &AesKeys, plain: uint8x16_t) -> [uint8x16_t; N] {
    core::array::from_fn(|i| round(key(ks, i), plain))
}

/// 17-128 bytes: lanes loaded from `at` (the first and last 16, 32 or 64 bytes), each closed
/// by three rounds keyed by its seed, then folded by xor.
#[target_feature(enable = "aes")]
#[inline]
fn fold_lanes<const N: usize>(ks: &AesKeys, plain: uint8x16_t, p: &[u8], at: [usize; N]) -> u64 {
    let seeds: [uint8x16_t; N] = lane_seeds(ks, plain);
    let mut acc = pair(0, 0);
    for (&from, s) in at.iter().zip(seeds) {
        acc = veorq_u8(acc, rounds3(load(p, from), s));
    }
    low64(acc)
}

/// Over 16 bytes. Out of line: a call is cheap next to six or more rounds, and short keys stay
/// small.
#[target_feature(enable = "aes")]
#[inline(never)]
fn hash_lanes(ks: &AesKeys, plain: uint8x16_t, p: &[u8]) -> u64 {
    let n = p.len();
    debug_assert!(n > 16);
    if n <= 32 {
        return fold_lanes(ks, plain, p, [0, n - 16]);
    }
    if n <= 64 {
        return fold_lanes(ks, plain, p, [0, 16, n - 32, n - 16]);
    }
    if n <= 128 {
        let at = core::array::from_fn(|i| if i < 4 { 16 * i } else { n + 16 * i - 128 });
        return fold_lanes::<8>(ks, plain, p, at);
    }
    // Eight lanes start from their seeds and take the input's 128-byte blocks as round keys.
    // Each step keys one round with the block read before (at first the last 128 bytes) and one
    // with the next block from the start; (n - 1) / 128 steps, so the last block read may
    // overlap the tail. The closing three rounds are keyed by the block read last.
    let mut v: [uint8x16_t; 8] = lane_seeds(ks, plain);
    let mut d: [uint8x16_t; 8] = core::array::from_fn(|i| load(p, n - 128 + 16 * i));
    for block in p.chunks_exact(128).take((n - 1) / 128) {
        for (i, (x, k)) in v.iter_mut().zip(&mut d).enumerate() {
            *x = round(*x, *k);
            *k = load(block, 16 * i);
            *x = round(*x, *k);
        }
    }
    let mut acc = pair(0, 0);
    for (x, k) in v.into_iter().zip(d) {
        acc = veorq_u8(acc, rounds3(x, k));
    }
    low64(acc)
}

/// Go's arm64 AES `memhash32`: the seed's low 32 bits, then the value, in the low half; three
/// rounds keyed by the schedule's first block.
///
/// # Safety
///
/// The CPU must have AES.
#[target_feature(enable = "aes")]
#[inline]
pub(crate) unsafe fn hash32(ks: &AesKeys, seed: u64, x: u32) -> u64 {
    low64(rounds3(pair(seed & 0xffff_ffff | u64::from(x) << 32, 0), key(ks, 0)))
}

/// Go's arm64 AES `memhash64`: the seed in the low half, the value in the high half; three
/// rounds keyed by the schedule's first block.
///
/// # Safety
///
/// The CPU must have AES.
#[target_feature(enable = "aes")]
#[inline]
pub(crate) unsafe fn hash64(ks: &AesKeys, seed: u64, x: u64) -> u64 {
    low64(rounds3(pair(seed, x), key(ks, 0)))
}
