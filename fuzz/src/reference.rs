//! Go's map hash functions written out as plainly as Go's source has them, with nothing
//! optimised: memhash from `runtime/hash64.go`, aeshash from `runtime/asm_amd64.s` and (in
//! [`arm64`]) from `runtime/asm_arm64.s`, with their AES rounds done in software.
//! `tests/hash_vectors.rs` checks them against the vectors Go's runtime printed on each
//! architecture; the hash fuzz target then checks `src/hash/` against them on any input.
//!
//! Every function takes Go's seed (the running hash, not memhash's pre-xored state) and
//! returns what Go's runtime returns.

/// Go's `m5`.
const M5: u64 = 0x1d8e_4e27_c47d_124f;

fn mix(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

fn r8(p: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(p[i..i + 8].try_into().unwrap())
}

fn r4(p: &[u8], i: usize) -> u64 {
    u64::from(u32::from_le_bytes(p[i..i + 4].try_into().unwrap()))
}

/// Go's `memhashFallback`.
pub fn memhash(key: [u64; 4], seed: u64, p: &[u8]) -> u64 {
    let s = p.len();
    let mut seed = seed ^ key[0];
    let (a, b) = match s {
        0 => return seed,
        1..=3 => (u64::from(p[0]) | u64::from(p[s >> 1]) << 8 | u64::from(p[s - 1]) << 16, 0),
        4 => (r4(p, 0), r4(p, 0)),
        5..=7 => (r4(p, 0), r4(p, s - 4)),
        8 => (r8(p, 0), r8(p, 0)),
        9..=16 => (r8(p, 0), r8(p, s - 8)),
        _ => {
            let (mut q, mut l) = (0, s);
            if l > 48 {
                let (mut seed1, mut seed2) = (seed, seed);
                while l > 48 {
                    seed = mix(r8(p, q) ^ key[1], r8(p, q + 8) ^ seed);
                    seed1 = mix(r8(p, q + 16) ^ key[2], r8(p, q + 24) ^ seed1);
                    seed2 = mix(r8(p, q + 32) ^ key[3], r8(p, q + 40) ^ seed2);
                    q += 48;
                    l -= 48;
                }
                seed ^= seed1 ^ seed2;
            }
            while l > 16 {
                seed = mix(r8(p, q) ^ key[1], r8(p, q + 8) ^ seed);
                q += 16;
                l -= 16;
            }
            (r8(p, q + l - 16), r8(p, q + l - 8))
        }
    };
    mix(M5 ^ s as u64, mix(a ^ key[1], b ^ seed))
}

/// Go's `memhash32Fallback`.
pub fn memhash32(key: [u64; 4], seed: u64, x: u32) -> u64 {
    let a = u64::from(x);
    mix(M5 ^ 4, mix(a ^ key[1], a ^ seed ^ key[0]))
}

/// Go's `memhash64Fallback`.
pub fn memhash64(key: [u64; 4], seed: u64, x: u64) -> u64 {
    mix(M5 ^ 8, mix(x ^ key[1], x ^ seed ^ key[0]))
}

type Block = [u8; 16];

/// AES's S-box, built from its definition (the multiplicative inverse in GF(2^8), then the
/// affine map) by walking the field's generator 3.
const SBOX: [u8; 256] = {
    let mut sbox = [0u8; 256];
    let (mut p, mut q) = (1u8, 1u8);
    loop {
        // p *= 3, q /= 3: q stays p's inverse.
        p ^= (p << 1) ^ if p & 0x80 != 0 { 0x1b } else { 0 };
        q ^= q << 1;
        q ^= q << 2;
        q ^= q << 4;
        if q & 0x80 != 0 {
            q ^= 0x09;
        }
        let x = q ^ q.rotate_left(1) ^ q.rotate_left(2) ^ q.rotate_left(3) ^ q.rotate_left(4);
        sbox[p as usize] = x ^ 0x63;
        if p == 1 {
            break;
        }
    }
    sbox[0] = 0x63;
    sbox
};

/// Multiplication by 2 in AES's field.
fn xtime(a: u8) -> u8 {
    (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 }
}

/// AES's SubBytes and ShiftRows. Byte `r + 4c` of a block is row r, column c of AES's state.
fn sub_shift(state: Block) -> Block {
    let mut s = [0u8; 16];
    for c in 0..4 {
        for r in 0..4 {
            s[r + 4 * c] = SBOX[usize::from(state[r + 4 * ((c + r) % 4)])];
        }
    }
    s
}

/// AES's MixColumns.
fn mix_columns(s: Block) -> Block {
    let mut out = [0u8; 16];
    for c in 0..4 {
        let a = [s[4 * c], s[4 * c + 1], s[4 * c + 2], s[4 * c + 3]];
        for r in 0..4 {
            // 2·a[r] ^ 3·a[r+1] ^ a[r+2] ^ a[r+3]
            let (a0, a1) = (a[r], a[(r + 1) % 4]);
            out[r + 4 * c] = xtime(a0) ^ xtime(a1) ^ a1 ^ a[(r + 2) % 4] ^ a[(r + 3) % 4];
        }
    }
    out
}

/// The `AESENC` instruction (x86): one AES encryption round (SubBytes, ShiftRows, MixColumns,
/// then the round key xored in).
pub fn aesenc(state: Block, round_key: Block) -> Block {
    xor(mix_columns(sub_shift(state)), round_key)
}

fn xor(a: Block, b: Block) -> Block {
    core::array::from_fn(|i| a[i] ^ b[i])
}

/// `AESENC X, X`, Go's "scramble".
fn scramble(x: Block) -> Block {
    aesenc(x, x)
}

fn scramble3(x: Block) -> Block {
    scramble(scramble(scramble(x)))
}

fn block(p: &[u8], at: usize) -> Block {
    p[at..at + 16].try_into().unwrap()
}

fn low64(x: Block) -> u64 {
    u64::from_le_bytes(x[..8].try_into().unwrap())
}

/// Go's `aeshashbody` (the AES `memhash` and `strhash`) on a key schedule `aeskeysched`.
pub fn aeshash(sched: &[u8; 128], seed: u64, p: &[u8]) -> u64 {
    let n = p.len();
    let ks = |i: usize| block(sched, 16 * i);
    // The seed in the low half, the length's low 16 bits four times in the high half.
    let mut plain = [0u8; 16];
    plain[..8].copy_from_slice(&seed.to_le_bytes());
    for i in 0..4 {
        plain[8 + 2 * i..10 + 2 * i].copy_from_slice(&(n as u16).to_le_bytes());
    }
    // Lane i's seed: scramble(plain ^ aeskeysched[16i..]).
    let seeds: [Block; 8] = core::array::from_fn(|i| scramble(xor(plain, ks(i))));
    // Lanes loaded from `at`, xored with their seeds, scrambled three times, folded by xor.
    let lanes = |at: &[usize]| {
        let mut acc = [0u8; 16];
        for (i, &a) in at.iter().enumerate() {
            acc = xor(acc, scramble3(xor(block(p, a), seeds[i])));
        }
        low64(acc)
    };
    match n {
        0 => low64(scramble(seeds[0])),
        1..=15 => {
            // Go's masked load: the bytes, zero above.
            let mut d = [0u8; 16];
            d[..n].copy_from_slice(p);
            low64(scramble3(xor(d, seeds[0])))
        }
        16 => lanes(&[0]),
        17..=32 => lanes(&[0, n - 16]),
        33..=64 => lanes(&[0, 16, n - 32, n - 16]),
        65..=128 => lanes(&[0, 16, 32, 48, n - 64, n - 48, n - 32, n - 16]),
        _ => {
            // The last 128 bytes seed the lanes; then each 128-byte block from the start
            // (as many as (n - 1) / 128) is a round key after a scramble.
            let mut v: [Block; 8] =
                core::array::from_fn(|i| xor(block(p, n - 128 + 16 * i), seeds[i]));
            for b in 0..(n - 1) / 128 {
                for (i, x) in v.iter_mut().enumerate() {
                    *x = aesenc(scramble(*x), block(p, 128 * b + 16 * i));
                }
            }
            low64(v.into_iter().map(scramble3).fold([0; 16], xor))
        }
    }
}

/// Go's AES `memhash32` and `memhash64`: the seed in the low half, the value above it, then
/// three rounds keyed by the schedule's first three round keys.
fn aes_int(sched: &[u8; 128], seed: u64, x: u64) -> u64 {
    let mut s = [0u8; 16];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..].copy_from_slice(&x.to_le_bytes());
    for i in 0..3 {
        s = aesenc(s, block(sched, 16 * i));
    }
    low64(s)
}

/// Go's AES `memhash32` (`PINSRD $2`: the value in bits 64-95, zero above).
pub fn aeshash32(sched: &[u8; 128], seed: u64, x: u32) -> u64 {
    aes_int(sched, seed, u64::from(x))
}

/// Go's AES `memhash64` (`PINSRQ $1`: the value in the high half).
pub fn aeshash64(sched: &[u8; 128], seed: u64, x: u64) -> u64 {
    aes_int(sched, seed, x)
}

/// Go's arm64 aeshash (`runtime/asm_arm64.s`), a different function from amd64's: rounds are
/// `AESE` (round key xored in first, then SubBytes and ShiftRows) and `AESMC` (MixColumns).
pub mod arm64 {
    use super::{block, low64, mix_columns, sub_shift, xor, Block};

    /// The `AESE` instruction.
    pub fn aese(state: Block, round_key: Block) -> Block {
        sub_shift(xor(state, round_key))
    }

    /// `AESE` then `AESMC`.
    fn round(x: Block, k: Block) -> Block {
        mix_columns(aese(x, k))
    }

    /// Go's closing three rounds over 16 bytes and for integers, the last without `AESMC`.
    fn rounds3(x: Block, k: Block) -> Block {
        aese(round(round(x, k), k), k)
    }

    /// Go's three rounds for 1 to 16 bytes, each with `AESMC`.
    fn mixed3(x: Block, k: Block) -> Block {
        round(round(round(x, k), k), k)
    }

    /// Go's arm64 `aeshashbody` (the AES `memhash` and `strhash`) on a key schedule.
    pub fn aeshash(sched: &[u8; 128], seed: u64, p: &[u8]) -> u64 {
        let n = p.len();
        // The seed in the low half, the whole length in the high half.
        let mut plain = [0u8; 16];
        plain[..8].copy_from_slice(&seed.to_le_bytes());
        plain[8..].copy_from_slice(&(n as u64).to_le_bytes());
        // Lane i's seed: a round of aeskeysched[16i..] keyed by `plain`.
        let seeds: [Block; 8] = core::array::from_fn(|i| round(block(sched, 16 * i), plain));
        // Lanes loaded from `at`, three rounds each keyed by their seed, folded by xor.
        let lanes = |at: &[usize]| {
            let mut acc = [0u8; 16];
            for (i, &a) in at.iter().enumerate() {
                acc = xor(acc, rounds3(block(p, a), seeds[i]));
            }
            low64(acc)
        };
        match n {
            0 => low64(seeds[0]),
            1..=15 => {
                // Go's loads by the bits of the length: 8 bytes to offset 0, 4 to 8, 2 to 12,
                // 1 to 14, each from where the last one stopped.
                let (mut d, mut from) = ([0u8; 16], 0);
                for (size, to) in [(8, 0), (4, 8), (2, 12), (1, 14)] {
                    if n & size != 0 {
                        d[to..to + size].copy_from_slice(&p[from..from + size]);
                        from += size;
                    }
                }
                low64(mixed3(d, seeds[0]))
            }
            16 => low64(mixed3(block(p, 0), seeds[0])),
            17..=32 => lanes(&[0, n - 16]),
            33..=64 => lanes(&[0, 16, n - 32, n - 16]),
            65..=128 => lanes(&[0, 16, 32, 48, n - 64, n - 48, n - 32, n - 16]),
            _ => {
                // The lanes start from their seeds; the data are round keys. Each pass: a
                // round keyed by the block held (at first the last 128 bytes), then one keyed
                // by the next 128-byte block from the start, which is then held.
                let mut v = seeds;
                let mut held: [Block; 8] = core::array::from_fn(|i| block(p, n - 128 + 16 * i));
                for b in 0..(n - 1) / 128 {
                    for (i, (x, h)) in v.iter_mut().zip(&mut held).enumerate() {
                        *x = round(*x, *h);
                        *h = block(p, 128 * b + 16 * i);
                        *x = round(*x, *h);
                    }
                }
                low64(v.into_iter().zip(held).map(|(x, h)| rounds3(x, h)).fold([0; 16], xor))
            }
        }
    }

    /// Three rounds keyed by the schedule's first block, on `lo || hi`.
    fn aes_int(sched: &[u8; 128], lo: u64, hi: u64) -> u64 {
        let mut s = [0u8; 16];
        s[..8].copy_from_slice(&lo.to_le_bytes());
        s[8..].copy_from_slice(&hi.to_le_bytes());
        low64(rounds3(s, block(sched, 0)))
    }

    /// Go's arm64 AES `memhash32` (`VMOV R1, V0.S[0]`: only the seed's low 32 bits, then the
    /// value in bits 32-63).
    pub fn aeshash32(sched: &[u8; 128], seed: u64, x: u32) -> u64 {
        aes_int(sched, seed & 0xffff_ffff | u64::from(x) << 32, 0)
    }

    /// Go's arm64 AES `memhash64`: the seed in the low half, the value in the high half.
    pub fn aeshash64(sched: &[u8; 128], seed: u64, x: u64) -> u64 {
        aes_int(sched, seed, x)
    }
}

/// The aeshash of Go's runtime on the target this is built for: amd64's where that is x86-64,
/// arm64's on aarch64 (gomap's `Backend::Aes` follows the same rule).
pub mod native {
    #[cfg(not(target_arch = "aarch64"))]
    pub use super::{aeshash, aeshash32, aeshash64};

    #[cfg(target_arch = "aarch64")]
    pub use super::arm64::{aeshash, aeshash32, aeshash64};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbox_is_aes() {
        // FIPS-197's table: a few entries, and a permutation.
        assert_eq!((SBOX[0x00], SBOX[0x01], SBOX[0x53], SBOX[0xff]), (0x63, 0x7c, 0xed, 0x16));
        let mut seen = [false; 256];
        SBOX.iter().for_each(|&s| seen[usize::from(s)] = true);
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn aesenc_and_aese_share_fips_197_round_one() {
        // FIPS-197 appendix B: the first round's input, its state after SubBytes and
        // ShiftRows, and after MixColumns.
        let start: Block = *b"\x19\x3d\xe3\xbe\xa0\xf4\xe2\x2b\x9a\xc6\x8d\x2a\xe9\xf8\x48\x08";
        let shifted: Block = *b"\xd4\xbf\x5d\x30\xe0\xb4\x52\xae\xb8\x41\x11\xf1\x1e\x27\x98\xe5";
        let mixed: Block = *b"\x04\x66\x81\xe5\xe0\xcb\x19\x9a\x48\xf8\xd3\x7a\x28\x06\x26\x4c";
        let zero = [0u8; 16];
        assert_eq!(arm64::aese(start, zero), shifted);
        assert_eq!(arm64::aese(zero, start), shifted, "AESE xors state and key first");
        assert_eq!(aesenc(start, zero), mixed);
    }
}
