//! Deterministic hashers for pictures, docs and tests.
//!
//! `gomap::RandomState` draws a fresh seed per map (Go's hash0), so two runs place keys
//! differently. Figures that are committed to docs/ must come out byte for byte the same on every
//! machine, so they use these instead. Neither resists hash flooding: never use them for
//! untrusted keys.

use std::hash::{BuildHasher, Hasher};

const LOW_56: u64 = (1 << 56) - 1;

/// Murmur3's 64-bit finaliser: every input bit reaches every output bit.
fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// A `BuildHasher` that puts integer key `k` in bucket `k mod 2^B`.
///
/// The low 56 bits of the hash are the key itself, so the bucket index (`hash & (2^B - 1)`)
/// can be read off the key; the top byte (the tophash) is a mix of the key so the tophash row
/// of a picture is not all the same. This is how the tour builds chains, overflow buckets and
/// a lookup into a chosen old bucket on purpose. Keys that are not integers are hashed with
/// FNV-1a.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuloState;

impl BuildHasher for ModuloState {
    type Hasher = ModuloHasher;
    fn build_hasher(&self) -> ModuloHasher {
        ModuloHasher { hash: 0xcbf2_9ce4_8422_2325 }
    }
}

/// The hasher built by [`ModuloState`].
#[derive(Clone, Debug)]
pub struct ModuloHasher {
    hash: u64,
}

impl Hasher for ModuloHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, k: u64) {
        self.hash = (k & LOW_56) | (fmix64(k) & !LOW_56);
    }
    fn write_u32(&mut self, k: u32) {
        self.write_u64(u64::from(k));
    }
    fn write_u16(&mut self, k: u16) {
        self.write_u64(u64::from(k));
    }
    fn write_u8(&mut self, k: u8) {
        self.write_u64(u64::from(k));
    }
    fn write_usize(&mut self, k: usize) {
        self.write_u64(k as u64);
    }
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A seeded `BuildHasher` whose output depends only on the seed and the key, on every machine.
///
/// Bytes go through FNV-1a and integers are mixed in whole; `finish` applies Murmur3's
/// finaliser, so keys spread over buckets and tophashes much as with a random hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedState {
    seed: u64,
}

impl FixedState {
    /// A hasher family fixed by `seed`.
    pub const fn with_seed(seed: u64) -> Self {
        FixedState { seed }
    }
}

impl BuildHasher for FixedState {
    type Hasher = FixedHasher;
    fn build_hasher(&self) -> FixedHasher {
        FixedHasher { state: self.seed ^ 0xcbf2_9ce4_8422_2325 }
    }
}

/// The hasher built by [`FixedState`].
#[derive(Clone, Debug)]
pub struct FixedHasher {
    state: u64,
}

impl Hasher for FixedHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = (self.state ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, k: u64) {
        self.state = fmix64(self.state ^ k).wrapping_add(k);
    }
    fn write_u32(&mut self, k: u32) {
        self.write_u64(u64::from(k));
    }
    fn write_usize(&mut self, k: usize) {
        self.write_u64(k as u64);
    }
    fn finish(&self) -> u64 {
        fmix64(self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulo_keeps_low_bits_and_varies_the_top_byte() {
        let s = ModuloState;
        let tops: std::collections::HashSet<u64> =
            (0..64u64).map(|k| s.hash_one(k) >> 56).collect();
        for k in 0..1000u64 {
            assert_eq!(s.hash_one(k) & 0xff, k & 0xff);
        }
        assert!(tops.len() > 32, "top bytes barely vary: {}", tops.len());
    }

    #[test]
    fn fixed_depends_on_seed_and_key_only() {
        let a = FixedState::with_seed(1);
        let b = FixedState::with_seed(2);
        assert_eq!(a.hash_one("key"), FixedState::with_seed(1).hash_one("key"));
        assert_ne!(a.hash_one("key"), b.hash_one("key"));
        assert_ne!(a.hash_one(1u64), a.hash_one(2u64));
    }
}
