//! memhash: the portable backend, a port of Go's `runtime/hash64.go` (wyhash-inspired).
//!
//! Every function takes the process key (`hashkey`, four random words) explicitly so tests can
//! run them with the key a Go process printed. Words are read little-endian, as Go reads them on
//! amd64, so the output is the same on every target.

/// Go's `m5`: mixed with the input length in the final step.
const M5: u64 = 0x1d8e_4e27_c47d_124f;

/// The 64x64 -> 128 bit product folded to 64 bits (hi ^ lo).
#[inline(always)]
fn mix(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// `x`, hidden from the optimizer (no instruction is emitted), so it keeps an xor grouping
/// chosen for latency instead of regrouping it. Plain `x` under Miri, which cannot run inline
/// assembly (the grouping only matters to speed).
#[inline(always)]
fn opaque(x: u64) -> u64 {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        let mut x = x;
        // SAFETY: the asm is empty: it reads and writes nothing but claims `x`'s register.
        unsafe {
            core::arch::asm!(
                "/* {0} */",
                inout(reg) x,
                options(pure, nomem, nostack, preserves_flags)
            )
        };
        x
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    x
}

#[inline(always)]
fn r8(p: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(p[i..i + 8].try_into().unwrap())
}

/// Go's `memhashFallback`: hashes `p` (any length). `seed` is the per-map seed already xored
/// with `key[0]` (Go's first step, done once per map by the caller), as in every function here.
#[inline]
pub(crate) fn hash(key: &[u64; 4], seed: u64, p: &[u8]) -> u64 {
    let s = p.len();
    // Go's cases, tested longest first with one bounds test per size class: the first and last
    // word (the same word at s = 4 and s = 8, as Go's `b = a`).
    let (a, b) = if let (Some(a), Some(b)) = (p.first_chunk::<8>(), p.last_chunk::<8>()) {
        if s > 16 {
            return hash_long(key, seed, p);
        }
        (u64::from_le_bytes(*a), u64::from_le_bytes(*b))
    } else if let (Some(a), Some(b)) = (p.first_chunk::<4>(), p.last_chunk::<4>()) {
        (u64::from(u32::from_le_bytes(*a)), u64::from(u32::from_le_bytes(*b)))
    } else if let (Some(&first), Some(&last)) = (p.first(), p.last()) {
        // First, middle and last byte cover every byte of a 1-3 byte input.
        (u64::from(first) | u64::from(p[s >> 1]) << 8 | u64::from(last) << 16, 0)
    } else {
        return seed;
    };
    mix(M5 ^ s as u64, mix(a ^ key[1], b ^ seed))
}

/// The > 16 byte case, kept out of line so short keys stay small.
#[inline(never)]
fn hash_long(key: &[u64; 4], mut seed: u64, p: &[u8]) -> u64 {
    let s = p.len();
    let mut rest = p;
    if rest.len() > 48 {
        // Three independent lanes keep three multipliers busy. Lane j carries its seed already
        // xored with the word Go xors it with next (`r8(p + 16j + 8) ^ seed_j`).
        let mut x: [u64; 3] = core::array::from_fn(|j| r8(rest, 16 * j + 8) ^ seed);
        let seeds = loop {
            let r: [u128; 3] = core::array::from_fn(|j| {
                u128::from(r8(rest, 16 * j) ^ key[1 + j]) * u128::from(x[j])
            });
            rest = &rest[48..];
            if rest.len() <= 48 {
                break r.map(|r| (r as u64) ^ (r >> 64) as u64);
            }
            for (j, x) in x.iter_mut().enumerate() {
                // The next word meets the low half first, so the chain from one multiply to the
                // next waits for the high half through one xor, not two. (`opaque` keeps the
                // compiler from regrouping the xors back.)
                *x = opaque(r[j] as u64 ^ r8(rest, 16 * j + 8)) ^ (r[j] >> 64) as u64;
            }
        };
        seed = seeds[0] ^ seeds[1] ^ seeds[2];
    }
    // Go's 16-byte loop, which runs at most twice: at most 48 bytes are left.
    for _ in 0..2 {
        if rest.len() > 16 {
            seed = mix(r8(rest, 0) ^ key[1], r8(rest, 8) ^ seed);
            rest = &rest[16..];
        }
    }
    // The last 16 bytes of the whole input, overlapping bytes already mixed if need be.
    let (a, b) = (r8(p, s - 16), r8(p, s - 8));
    mix(M5 ^ s as u64, mix(a ^ key[1], b ^ seed))
}

/// Go's `memhash32Fallback`: the 4-byte form.
#[inline(always)]
pub(crate) fn hash32(key: &[u64; 4], seed: u64, x: u32) -> u64 {
    let a = u64::from(x);
    mix(M5 ^ 4, mix(a ^ key[1], a ^ seed))
}

/// Go's `memhash64Fallback`: the 8-byte form.
#[inline(always)]
pub(crate) fn hash64(key: &[u64; 4], seed: u64, x: u64) -> u64 {
    mix(M5 ^ 8, mix(x ^ key[1], x ^ seed))
}
