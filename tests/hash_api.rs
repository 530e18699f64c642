//! The public surface of `gomap::hash`: backend choice, constructors, errors, Hasher forms.

use std::hash::{BuildHasher, Hasher};

use gomap::hash::{backend, Backend, BackendUnavailable, GoHasher, RandomState};

#[test]
fn backend_follows_gos_rule() {
    #[cfg(target_arch = "x86_64")]
    let has_aes = std::arch::is_x86_feature_detected!("aes")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1");
    #[cfg(target_arch = "aarch64")]
    let has_aes = std::arch::is_aarch64_feature_detected!("aes");
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let has_aes = false;
    let want = if has_aes { Backend::Aes } else { Backend::Mem };
    assert_eq!(backend(), want);
    assert_eq!(backend(), backend(), "detected once, stable");
    assert_eq!(RandomState::new().backend(), want);
    assert_eq!(RandomState::default().backend(), want);
    assert_eq!(gomap::RandomState::new().backend(), want, "crate-root re-export");
}

#[test]
fn aes_request_is_ok_or_a_clear_error() {
    match RandomState::with_backend(Backend::Aes) {
        Ok(s) => {
            assert_eq!(backend(), Backend::Aes);
            assert_eq!(s.backend(), Backend::Aes);
        }
        Err(e) => {
            assert_eq!(backend(), Backend::Mem);
            assert_eq!(e.requested(), Backend::Aes);
            let msg = e.to_string();
            assert!(msg.contains("Aes") && msg.contains("Backend::Mem"), "{msg}");
            let _: &dyn std::error::Error = &e;
        }
    }
    // Same rule for the seeded constructor.
    assert_eq!(RandomState::with_seed(1, Backend::Aes).is_ok(), backend() == Backend::Aes);
}

#[test]
fn mem_backend_is_always_available() {
    let s = RandomState::with_backend(Backend::Mem).unwrap();
    assert_eq!(s.backend(), Backend::Mem);
    let s = RandomState::with_seed(99, Backend::Mem).unwrap();
    assert_eq!((s.seed(), s.backend()), (99, Backend::Mem));
}

#[test]
fn fixed_seed_is_deterministic_and_seed_matters() {
    for b in [Backend::Mem, backend()] {
        let s1 = RandomState::with_seed(5, b).unwrap();
        let s2 = RandomState::with_seed(5, b).unwrap();
        let s3 = RandomState::with_seed(6, b).unwrap();
        for k in ["", "key", "a rather longer key that takes the long path of both functions"] {
            assert_eq!(s1.hash_one(k), s2.hash_one(k));
            assert_ne!(s1.hash_one(k), s3.hash_one(k));
        }
        assert_eq!(s1.clone().hash_one(7u64), s1.hash_one(7u64));
    }
}

#[test]
fn backends_differ() {
    if backend() == Backend::Aes {
        let a = RandomState::with_seed(5, Backend::Aes).unwrap();
        let m = RandomState::with_seed(5, Backend::Mem).unwrap();
        assert_ne!(a.hash_one(1u64), m.hash_one(1u64));
        assert_ne!(a.hash_one("x"), m.hash_one("x"));
    }
}

#[test]
fn hasher_chains_writes_and_starts_at_the_seed() {
    for b in [Backend::Mem, backend()] {
        let s = RandomState::with_seed(0xabc, b).unwrap();
        // No writes: the seed itself, as Go hashes a zero-size key.
        assert_eq!(s.build_hasher().finish(), 0xabc);
        // Two writes = the second hashed with the first's result as its seed.
        let mut h = s.build_hasher();
        h.write_u64(1);
        let first = h.finish();
        h.write_u32(2);
        let chained = RandomState::with_seed(first, b).unwrap();
        assert_eq!(h.finish(), chained.hash_one(2u32));
        // The hasher clones mid-stream.
        let mut g: GoHasher = h.clone();
        g.write_u8(3);
        h.write_u8(3);
        assert_eq!(g.finish(), h.finish());
    }
}

#[test]
fn debug_output_hides_the_seed() {
    let s = RandomState::with_seed(0x5eed_5eed, Backend::Mem).unwrap();
    let d = format!("{s:?} {:?}", s.build_hasher());
    assert!(d.contains("Mem"), "{d}");
    assert!(!d.contains("5eed") && !d.contains(&0x5eed_5eed_u64.to_string()), "{d}");
}

#[test]
fn error_type_is_cloneable_and_comparable() {
    fn assert_traits<T: Clone + PartialEq + std::fmt::Debug + std::error::Error>() {}
    assert_traits::<BackendUnavailable>();
}

#[test]
fn small_and_wide_integers_hash_as_their_bytes() {
    // Go hashes 1-, 2- and 16-byte keys with memhash of that size; the vectors check `write`.
    for b in [Backend::Mem, backend()] {
        let s = RandomState::with_seed(0x77, b).unwrap();
        let bytes = |p: &[u8]| {
            let mut h = s.build_hasher();
            h.write(p);
            h.finish()
        };
        for x in [0u8, 1, 0x80, 0xff] {
            assert_eq!(s.hash_one(x), bytes(&[x]));
        }
        for x in [0u16, 0x1234, u16::MAX] {
            assert_eq!(s.hash_one(x), bytes(&x.to_le_bytes()));
        }
        for x in [0u128, 1 << 100, u128::MAX] {
            assert_eq!(s.hash_one(x), bytes(&x.to_le_bytes()));
        }
    }
}
