//! A bucket's 8 tophash bytes tested at once, as one 64-bit word.
//!
//! Go's loops read the tophash array a byte at a time. Here every test works on the whole word
//! and finds the same slots, in the same order:
//! - `match_full` returns a byte mask (the high bit of byte i for slot i); growth and removal
//!   use it.
//! - `full_bits` packs a bucket's filled slots into 8 bits, for an iteration that gathers
//!   several buckets into one mask (SSE2's `pcmpeqb` + `pmovmskb` on x86-64, `slot_bits` of
//!   `match_full` elsewhere).
//! - [`Needle`] is the lookup's test: the slots whose tophash equals the key's, the empty slots,
//!   and whether the bucket holds an emptyRest.
//!
//! SSE2 would take fewer instructions for the lookup's test too, but spreading the tophash over
//! a vector register lengthens the path from hash to branch, which bounds a lookup, so it ran
//! no faster (docs/performance.md, "Measurements behind code choices").

use super::{EMPTY_REST, MIN_TOP_HASH};

pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// Bytes that are filled slots (tophash >= MIN_TOP_HASH), exactly. Setting each byte's high bit
/// first means subtracting 5 never borrows across bytes.
#[inline(always)]
pub(crate) fn match_full(word: u64) -> u64 {
    let t = (word | HI).wrapping_sub(LO * MIN_TOP_HASH as u64);
    (t | word) & HI
}

/// The slot of the lowest byte set in a byte mask.
#[inline(always)]
pub(crate) fn lowest(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The filled slots of a tophash word as 8 bits (bit i for slot i), for gathering several
/// buckets' slots into one mask. With SSE2 (x86-64's baseline) a byte compare and a movemask
/// do it without the 64-bit constants of the word arithmetic, which a loop keeps in registers.
#[inline(always)]
pub(crate) fn full_bits(word: u64) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: the intrinsics need SSE2, which this cfg requires.
    unsafe {
        use core::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_cvtsi64_si128, _mm_movemask_epi8, _mm_set1_epi8, _mm_setzero_si128,
            _mm_subs_epu8,
        };
        // A byte saturates to 0 when it is below MIN_TOP_HASH: an empty or evacuated slot.
        let below =
            _mm_subs_epu8(_mm_cvtsi64_si128(word as i64), _mm_set1_epi8(MIN_TOP_HASH as i8 - 1));
        let empty = _mm_movemask_epi8(_mm_cmpeq_epi8(below, _mm_setzero_si128()));
        u64::from(!empty as u8)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    slot_bits(match_full(word))
}

/// A byte mask packed to one bit per slot (bit i for slot i), as SSE2's movemask would.
#[inline(always)]
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
pub(crate) fn slot_bits(mask: u64) -> u64 {
    // Each byte's bit (at 8i after the shift) lands on bit 56 + i of the product, and no two
    // partial products meet there; the top byte is the packed mask.
    ((mask >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// A lookup's tophash, copied into every byte to compare a whole tophash word at once.
#[derive(Clone, Copy)]
pub(crate) struct Needle(u64);

impl Needle {
    #[inline(always)]
    pub(crate) fn new(top: u8) -> Self {
        Needle(LO * u64::from(top))
    }

    /// The slots whose tophash is this needle's, as a byte mask. A false pick may follow a true
    /// one (see `zero_bytes`): callers compare keys anyway. (Callers loop over the mask by hand:
    /// an `Iterator` here made a lookup longer.)
    #[inline(always)]
    pub(crate) fn matches(self, word: u64) -> u64 {
        zero_bytes(word ^ self.0)
    }

    /// The empty slots (emptyRest or emptyOne) as a byte mask; the lowest one is exact.
    #[inline(always)]
    pub(crate) fn empties(word: u64) -> u64 {
        // emptyRest (0) and emptyOne (1) both become 0.
        zero_bytes(word & !LO)
    }

    /// Whether the bucket holds an emptyRest, after which its chain has nothing.
    #[inline(always)]
    pub(crate) fn ends_chain(word: u64) -> bool {
        zero_bytes(word ^ (LO * u64::from(EMPTY_REST))) != 0
    }
}

/// The zero bytes of `x`, as a byte mask. A byte may be reported falsely only above a true zero
/// (the borrow of the subtraction runs upward), so the lowest reported byte is exact, and for a
/// tophash match a false report costs just one key comparison.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::EMPTY_ONE;

    /// Words with every byte value in every position, plus pseudo-random ones over the tophash
    /// states that matter (0..=5 and a few real tophash values).
    fn words() -> Vec<u64> {
        let mut out = Vec::new();
        for pos in 0..8 {
            for v in 0..=255u64 {
                out.push(v << (8 * pos) | 0x0706_0504_0302_0100 & !(0xff << (8 * pos)));
            }
        }
        let mut next = crate::map::tests::xorshift(1);
        for _ in 0..20_000 {
            let x = next();
            let bytes: [u8; 8] = core::array::from_fn(|i| {
                [0, 1, 2, 3, 4, 5, 6, 0x80, 0xff][((x >> (7 * i)) % 9) as usize]
            });
            out.push(u64::from_le_bytes(bytes));
        }
        out
    }

    /// The slots of a byte mask, lowest first.
    fn slots(mut m: u64) -> Vec<usize> {
        let mut out = Vec::new();
        while m != 0 {
            out.push(lowest(m));
            m &= m - 1;
        }
        out
    }

    fn picked(word: u64, f: impl Fn(u8) -> bool) -> Vec<usize> {
        (0..8).filter(|&i| f(word.to_le_bytes()[i])).collect()
    }

    #[test]
    fn full_bits_are_the_filled_slots() {
        for w in words() {
            let want = picked(w, |t| t >= MIN_TOP_HASH).iter().fold(0u64, |m, &i| m | 1 << i);
            assert_eq!(full_bits(w), want, "{w:#018x}");
            // The word-arithmetic form (used where SSE2 is missing) agrees.
            assert_eq!(slot_bits(match_full(w)), want, "{w:#018x}");
        }
    }

    #[test]
    fn needle_finds_the_lowest_match_and_every_match() {
        for w in words() {
            for top in [MIN_TOP_HASH, 6, 0x80, 0xff] {
                let want = picked(w, |t| t == top);
                let got = slots(Needle::new(top).matches(w));
                // Exact lowest; later picks are a superset (a false one costs a key compare).
                assert_eq!(got.first(), want.first(), "{w:#018x} {top}");
                assert!(want.iter().all(|i| got.contains(i)), "{w:#018x} {top}");
            }
            let empty = picked(w, |t| t == EMPTY_REST || t == EMPTY_ONE);
            assert_eq!(slots(Needle::empties(w)).first(), empty.first(), "{w:#018x}");
            assert_eq!(Needle::ends_chain(w), !picked(w, |t| t == EMPTY_REST).is_empty());
        }
    }
}
