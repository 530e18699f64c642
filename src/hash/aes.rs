//! aeshash: the AES-NI backend, a port of the `aeshashbody`, `memhash32` and `memhash64`
//! routines in Go's `runtime/asm_amd64.s`.
//!
//! Callers must know the CPU has AES-NI, SSSE3 and SSE4.1 (the `Backend::Aes` invariant), and
//! for `wide` also VAES and AVX2. The key schedule is passed in, so tests can use the one a Go
//! process printed.
//!
//! Inputs over 16 bytes run Go's 2, 4 or 8 independent 16-byte lanes. AES rounds act on each
//! 16-byte lane on its own, so with VAES one 256-bit `vaesenc` runs two of Go's lanes at once:
//! the same output in half the instructions (used from 33 bytes, 4 lanes up).
//!
//! The integer forms and the 0-32 byte path use inline asm for their AES rounds: a
//! `#[target_feature]` function cannot be inlined into code built without that feature (a
//! default build), and a map's hash of a short key is only a dozen instructions, so the call
//! would cost a large share of it.

use core::arch::asm;
use core::arch::x86_64::{
    __m128i, __m256i, _mm256_aesenc_epi128, _mm256_broadcastsi128_si256, _mm256_castsi256_si128,
    _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_xor_si256, _mm256_zeroupper,
    _mm_aesenc_si128, _mm_cvtsi128_si64, _mm_cvtsi32_si128, _mm_cvtsi64_si128, _mm_loadu_si128,
    _mm_set_epi64x, _mm_shufflelo_epi16, _mm_unpacklo_epi64, _mm_xor_si128,
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

/// `scramble` as inline asm, for the 0-32 byte path: unlike the intrinsic it needs no
/// `#[target_feature]`, so that path inlines into a map built for baseline x86-64.
///
/// # Safety
///
/// The CPU must have AES-NI.
#[inline(always)]
unsafe fn scramble_asm(mut x: __m128i) -> __m128i {
    // The VEX form where the compiler emits VEX code, so no SSE/AVX transition stalls.
    #[cfg(target_feature = "avx")]
    // SAFETY: the caller guarantees AES-NI; the asm touches nothing but `x`'s register.
    unsafe {
        asm!("vaesenc {x}, {x}, {x}", x = inout(xmm_reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    #[cfg(not(target_feature = "avx"))]
    // SAFETY: the caller guarantees AES-NI; the asm touches nothing but `x`'s register.
    unsafe {
        asm!("aesenc {x}, {x}", x = inout(xmm_reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

#[target_feature(enable = "sse2")]
#[inline]
fn low64(x: __m128i) -> u64 {
    _mm_cvtsi128_si64(x) as u64
}

/// 0-15 bytes zero-extended to 16, as Go's masked load produces, but without reading past the
/// slice: Go may read outside the input (never across a page); Rust must not.
#[inline(always)]
fn load_short(p: &[u8]) -> (u64, u64) {
    let n = p.len();
    // First and last words: two reads that overlap for odd sizes.
    if let (Some(a), Some(b)) = (p.first_chunk::<8>(), p.last_chunk::<8>()) {
        let b = u64::from_le_bytes(*b);
        // Bytes 8.. of the input: `b` less the bytes `a` holds (all of them when n = 8).
        let hi = if n > 8 { b >> (8 * (16 - n)) } else { 0 };
        return (u64::from_le_bytes(*a), hi);
    }
    if let (Some(a), Some(b)) = (p.first_chunk::<4>(), p.last_chunk::<4>()) {
        // The shared bytes agree, so OR joins the two reads.
        let (a, b) = (u64::from(u32::from_le_bytes(*a)), u64::from(u32::from_le_bytes(*b)));
        return (a | b << (8 * (n - 4)), 0);
    }
    let mut lo = 0;
    for (i, &b) in p.iter().enumerate() {
        lo |= u64::from(b) << (8 * i);
    }
    (lo, 0)
}

/// The unscrambled seed block: the seed in the low half, the low 16 bits of the length four
/// times in the high half.
#[target_feature(enable = "sse2")]
#[inline]
fn plain_seed(seed: u64, n: usize) -> __m128i {
    // Spread by a shuffle, not a multiply: fewer instructions on the way to the vector unit.
    let len4 = _mm_shufflelo_epi16::<0>(_mm_cvtsi32_si128(n as i32));
    _mm_unpacklo_epi64(_mm_cvtsi64_si128(seed as i64), len4)
}

/// Go's `aeshashbody`: hashes `p` (any length) with the per-map `seed`; `wide` takes the VAES
/// path for inputs over 32 bytes.
///
/// Only SSE2, which every x86-64 CPU has, is enabled here, so this function and its 0-32 byte
/// path inline into any caller; longer inputs call `#[target_feature]` functions.
///
/// # Safety
///
/// The CPU must have AES-NI, SSSE3 and SSE4.1, and VAES and AVX2 if `wide` is true.
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) unsafe fn hash(ks: &AesKeys, seed: u64, p: &[u8], wide: bool) -> u64 {
    let n = p.len();
    if n <= 16 {
        // SAFETY: the caller guarantees AES-NI.
        let seed0 = unsafe { scramble_asm(_mm_xor_si128(plain_seed(seed, n), key(ks, 0))) };
        let mut x = if let Some(b) = p.first_chunk::<16>() {
            // SAFETY: `b` is 16 readable bytes and `loadu` accepts any alignment.
            _mm_xor_si128(unsafe { _mm_loadu_si128(b.as_ptr().cast()) }, seed0)
        } else if n == 0 {
            // SAFETY: the caller guarantees AES-NI.
            return low64(unsafe { scramble_asm(seed0) });
        } else {
            let (lo, hi) = load_short(p);
            _mm_xor_si128(_mm_set_epi64x(hi as i64, lo as i64), seed0)
        };
        // One lane: data xor seed, three rounds.
        for _ in 0..3 {
            // SAFETY: the caller guarantees AES-NI.
            x = unsafe { scramble_asm(x) };
        }
        return low64(x);
    }
    if n <= 32 {
        // First and last 16 bytes, two lanes, three rounds each, lane seeds as in
        // `lane_seeds`. (Not VAES: moving two lanes in and out of one register costs what the
        // second `aesenc` per round saves.)
        let plain = plain_seed(seed, n);
        // SAFETY: the caller guarantees AES-NI.
        let (seed0, seed1) = unsafe {
            (
                scramble_asm(_mm_xor_si128(plain, key(ks, 0))),
                scramble_asm(_mm_xor_si128(plain, key(ks, 1))),
            )
        };
        let mut a = _mm_xor_si128(load(p, 0), seed0);
        let mut b = _mm_xor_si128(load(p, n - 16), seed1);
        for _ in 0..3 {
            // SAFETY: the caller guarantees AES-NI.
            (a, b) = unsafe { (scramble_asm(a), scramble_asm(b)) };
        }
        return low64(_mm_xor_si128(a, b));
    }
    // SAFETY: the caller guarantees AES-NI, SSSE3 and SSE4.1, and VAES and AVX2 if `wide`.
    unsafe {
        if wide {
            hash_long_wide(ks, seed, p)
        } else {
            hash_long(ks, seed, p)
        }
    }
}

/// Lane `i`'s starting seed: lane 0 uses the scrambled seed, the others mix the unscrambled
/// seed with their own 16 bytes of the key schedule (`scramble(plain ^ key[i])` for every lane).
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline]
fn lane_seeds<const N: usize>(ks: &AesKeys, plain: __m128i) -> [__m128i; N] {
    core::array::from_fn(|i| scramble(_mm_xor_si128(plain, key(ks, i))))
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

/// Over 32 bytes, 16-byte lanes: 33-64 bytes, first and last 32 in 4 lanes; 65-128, first and
/// last 64 in 8. Beyond 128: the last 128 bytes seed the eight lanes, then (n - 1) / 128 blocks
/// from the start are folded in as round keys.
// Out of line: a call is cheap next to 16+ rounds, and short keys stay small.
#[target_feature(enable = "aes,ssse3,sse4.1")]
#[inline(never)]
fn hash_long(ks: &AesKeys, seed: u64, p: &[u8]) -> u64 {
    let n = p.len();
    let plain = plain_seed(seed, n);
    debug_assert!(n > 32);
    if n <= 64 {
        let s: [__m128i; 4] = lane_seeds(ks, plain);
        return finish_lanes([
            _mm_xor_si128(load(p, 0), s[0]),
            _mm_xor_si128(load(p, 16), s[1]),
            _mm_xor_si128(load(p, n - 32), s[2]),
            _mm_xor_si128(load(p, n - 16), s[3]),
        ]);
    }
    let mut v: [__m128i; 8] = lane_seeds(ks, plain);
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

/// 32 bytes of `p` from `i`: lanes `2k` (low half) and `2k + 1` (high half).
#[inline(always)]
fn load2(p: &[u8], i: usize) -> __m256i {
    let b: &[u8; 32] = p[i..i + 32].try_into().unwrap();
    // SAFETY: `b` is a reference to 32 readable bytes and `loadu` accepts any alignment; AVX,
    // which `loadu` needs, is enabled in every caller (all VAES paths).
    unsafe { _mm256_loadu_si256(b.as_ptr().cast()) }
}

/// `scramble` on two lanes.
#[target_feature(enable = "aes,ssse3,sse4.1,avx2,vaes")]
#[inline]
fn scramble2(x: __m256i) -> __m256i {
    _mm256_aesenc_epi128(x, x)
}

/// Seeds of lanes 2i and 2i + 1 (see `lane_seeds`).
#[target_feature(enable = "aes,ssse3,sse4.1,avx2,vaes")]
#[inline]
fn lane_seeds2(ks: &AesKeys, plain: __m256i, i: usize) -> __m256i {
    scramble2(_mm256_xor_si256(plain, load2(&ks.0, 32 * i)))
}

/// `hash_long` for 33+ bytes with two lanes per 256-bit register, lane for lane the same rounds.
/// 33-64 bytes inline (where VAES is on at compile time), the rest out of line.
#[target_feature(enable = "aes,ssse3,sse4.1,avx2,vaes")]
#[inline]
fn hash_long_wide(ks: &AesKeys, seed: u64, p: &[u8]) -> u64 {
    let n = p.len();
    if n > 64 {
        return hash65plus_wide(ks, seed, p);
    }
    debug_assert!(n > 32);
    let plain = _mm256_broadcastsi128_si256(plain_seed(seed, n));
    finish_wide([
        _mm256_xor_si256(load2(p, 0), lane_seeds2(ks, plain, 0)),
        _mm256_xor_si256(load2(p, n - 32), lane_seeds2(ks, plain, 1)),
    ])
}

/// 65+ bytes: `hash_long`'s eight lanes in four registers. Out of line: a call is cheap next
/// to 16+ rounds.
#[target_feature(enable = "aes,ssse3,sse4.1,avx2,vaes")]
#[inline(never)]
fn hash65plus_wide(ks: &AesKeys, seed: u64, p: &[u8]) -> u64 {
    let n = p.len();
    let plain = _mm256_broadcastsi128_si256(plain_seed(seed, n));
    let seeds = |i: usize| lane_seeds2(ks, plain, i);
    if n <= 128 {
        return finish_wide([
            _mm256_xor_si256(load2(p, 0), seeds(0)),
            _mm256_xor_si256(load2(p, 32), seeds(1)),
            _mm256_xor_si256(load2(p, n - 64), seeds(2)),
            _mm256_xor_si256(load2(p, n - 32), seeds(3)),
        ]);
    }
    let mut v: [__m256i; 4] =
        core::array::from_fn(|i| _mm256_xor_si256(load2(p, n - 128 + 32 * i), seeds(i)));
    for block in p.chunks_exact(128).take((n - 1) / 128) {
        for (i, x) in v.iter_mut().enumerate() {
            *x = _mm256_aesenc_epi128(scramble2(*x), load2(block, 32 * i));
        }
    }
    finish_wide(v)
}

/// `finish_lanes` on pairs of lanes.
#[target_feature(enable = "aes,ssse3,sse4.1,avx2,vaes")]
#[inline]
fn finish_wide<const N: usize>(mut v: [__m256i; N]) -> u64 {
    for _ in 0..3 {
        for x in v.iter_mut() {
            *x = scramble2(*x);
        }
    }
    let mut acc = v[0];
    for x in &v[1..] {
        acc = _mm256_xor_si256(acc, *x);
    }
    let h = low64(_mm_xor_si128(_mm256_castsi256_si128(acc), _mm256_extracti128_si256::<1>(acc)));
    // Leave the upper halves clean here, or the compiler clears them at an exit this path
    // shares with the 128-bit paths, which would then pay for it too.
    _mm256_zeroupper();
    h
}

/// Go's AES `memhash32`: the seed in the low half, the value in the next 32 bits, three rounds
/// keyed by the first three round keys.
///
/// # Safety
///
/// The CPU must have AES-NI.
#[inline(always)]
pub(crate) unsafe fn hash32(ks: &AesKeys, seed: u64, x: u32) -> u64 {
    // SAFETY: passed on from the caller.
    unsafe { rounds3(ks, seed, u64::from(x)) }
}

/// Go's AES `memhash64`: the seed in the low half, the value in the high half.
///
/// # Safety
///
/// The CPU must have AES-NI.
#[inline(always)]
pub(crate) unsafe fn hash64(ks: &AesKeys, seed: u64, x: u64) -> u64 {
    // SAFETY: passed on from the caller.
    unsafe { rounds3(ks, seed, x) }
}

/// Three rounds of `seed || x` keyed by round keys 0-2, as inline assembly rather than a
/// `#[target_feature]` function: an integer hash is a handful of instructions, and asm inlines
/// into code built without AES enabled, where a `#[target_feature]` function costs a call.
///
/// # Safety
///
/// The CPU must have AES-NI.
#[inline(always)]
unsafe fn rounds3(ks: &AesKeys, seed: u64, x: u64) -> u64 {
    // SAFETY: SSE2 is part of x86-64's baseline.
    let mut s = unsafe { _mm_set_epi64x(x as i64, seed as i64) };
    let k = ks.0.as_ptr();
    // The VEX form where the compiler emits VEX code, so no SSE/AVX transition stalls.
    #[cfg(target_feature = "avx")]
    // SAFETY: the caller guarantees AES-NI (AVX is on at compile time); the asm reads 48 bytes
    // of the 128-byte schedule `k` points to and touches nothing else.
    unsafe {
        asm!(
            "vaesenc {s}, {s}, xmmword ptr [{k}]",
            "vaesenc {s}, {s}, xmmword ptr [{k} + 16]",
            "vaesenc {s}, {s}, xmmword ptr [{k} + 32]",
            s = inout(xmm_reg) s,
            k = in(reg) k,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    #[cfg(not(target_feature = "avx"))]
    // SAFETY: the caller guarantees AES-NI; the asm reads 48 bytes of the 128-byte schedule `k`
    // points to (16-byte aligned, as legacy SSE memory operands need) and touches nothing else.
    unsafe {
        asm!(
            "aesenc {s}, xmmword ptr [{k}]",
            "aesenc {s}, xmmword ptr [{k} + 16]",
            "aesenc {s}, xmmword ptr [{k} + 32]",
            s = inout(xmm_reg) s,
            k = in(reg) k,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    // SAFETY: SSE2 is part of x86-64's baseline.
    unsafe { _mm_cvtsi128_si64(s) as u64 }
}
