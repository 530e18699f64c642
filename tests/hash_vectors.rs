//! Known answers: both backends against vectors printed by the Go runtime itself
//! (`tools/gohash`; see its header for how to regenerate `tests/data/hash/*.txt`).

mod common;

use std::hash::{BuildHasher, Hasher};

use gomap::hash::{backend, testing, Backend, RandomState};

/// Go's functions written out plainly (shared with the hash fuzz target).
#[path = "../fuzz/src/reference.rs"]
mod reference;

struct Vectors {
    backend: Backend,
    aeskeysched: [u8; 128],
    hashkey: [u64; 4],
    bytes: Vec<u8>,
    text: String,
    /// (kind, seed, len or value, expected hash)
    cases: Vec<(String, u64, u64, u64)>,
}

fn hex_bytes(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex byte"))
        .collect()
}

fn hex_u64(s: &str) -> u64 {
    u64::from_str_radix(s, 16).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

fn parse(file: &str) -> Vectors {
    let mut v = Vectors {
        backend: Backend::Mem,
        aeskeysched: [0; 128],
        hashkey: [0; 4],
        bytes: Vec::new(),
        text: String::new(),
        cases: Vec::new(),
    };
    for line in file.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f[0] {
            "backend" => {
                v.backend = match f[1] {
                    "aes" => Backend::Aes,
                    "mem" => Backend::Mem,
                    other => panic!("unknown backend {other}"),
                }
            }
            "aeskeysched" => v.aeskeysched = hex_bytes(f[1]).try_into().expect("128 bytes"),
            "hashkey" => {
                for (k, s) in v.hashkey.iter_mut().zip(&f[1..]) {
                    *k = hex_u64(s);
                }
            }
            "bytes" => v.bytes = hex_bytes(f[1]),
            "text" => v.text = String::from_utf8(hex_bytes(f[1])).expect("ascii text"),
            "mem" | "str" => {
                let len = f[2].parse().expect("decimal length");
                v.cases.push((f[0].into(), hex_u64(f[1]), len, hex_u64(f[3])));
            }
            "u32" | "u64" => {
                v.cases.push((f[0].into(), hex_u64(f[1]), hex_u64(f[2]), hex_u64(f[3])));
            }
            other => panic!("unknown record {other}"),
        }
    }
    v
}

/// Every vector through the public path: `RandomState` -> `GoHasher` -> `finish`, with the VAES
/// path of aeshash left as detected (`vaes`) or forced off.
fn check_all(file: &str, expect_backend: Backend, vaes: bool) -> usize {
    let v = parse(file);
    assert_eq!(v.backend, expect_backend, "vector file for the wrong backend");
    assert_eq!(v.bytes.len(), 300);
    assert_eq!(v.text.len(), 300);
    let mut counts = [0usize; 4];
    let mut lengths = std::collections::BTreeSet::new();
    for (kind, seed, arg, want) in &v.cases {
        let mut rs = testing::random_state(v.aeskeysched, v.hashkey, *seed, v.backend)
            .expect("backend available (checked by the caller)");
        if !vaes {
            rs = testing::without_vaes(rs);
        }
        let got = match kind.as_str() {
            "mem" => {
                let mut h = rs.build_hasher();
                h.write(&v.bytes[..*arg as usize]);
                counts[0] += 1;
                lengths.insert(*arg);
                h.finish()
            }
            // `str::hash` writes the bytes and a 0xff terminator; the result must be strhash.
            "str" => {
                counts[1] += 1;
                rs.hash_one(&v.text[..*arg as usize])
            }
            "u32" => {
                counts[2] += 1;
                rs.hash_one(*arg as u32)
            }
            "u64" => {
                counts[3] += 1;
                rs.hash_one(*arg)
            }
            _ => unreachable!(),
        };
        assert_eq!(
            got,
            *want,
            "{:?} (VAES {}) {kind} seed {seed:#x} arg {arg}: got {got:#x}, Go says {want:#x}",
            v.backend,
            testing::uses_vaes(&rs)
        );
    }
    // Guard against a truncated or regenerated-but-empty file passing vacuously.
    assert_eq!(counts, [903, 903, 81, 81], "vector counts");
    assert_eq!(lengths.len(), 301, "lengths 0..=300");
    counts.iter().sum()
}

/// The plain references the fuzz target trusts, against the same vectors: the software AES
/// rounds of `reference::aeshash` need no AES-NI, so this runs on every CPU.
fn check_reference(file: &str, expect_backend: Backend) -> usize {
    let v = parse(file);
    assert_eq!(v.backend, expect_backend, "vector file for the wrong backend");
    for (kind, seed, arg, want) in &v.cases {
        let (aes, key, seed, n) = (&v.aeskeysched, v.hashkey, *seed, *arg as usize);
        let got = match (v.backend, kind.as_str()) {
            (Backend::Mem, "mem") => reference::memhash(key, seed, &v.bytes[..n]),
            (Backend::Mem, "str") => reference::memhash(key, seed, &v.text.as_bytes()[..n]),
            (Backend::Mem, "u32") => reference::memhash32(key, seed, *arg as u32),
            (Backend::Mem, _) => reference::memhash64(key, seed, *arg),
            (Backend::Aes, "mem") => reference::aeshash(aes, seed, &v.bytes[..n]),
            (Backend::Aes, "str") => reference::aeshash(aes, seed, &v.text.as_bytes()[..n]),
            (Backend::Aes, "u32") => reference::aeshash32(aes, seed, *arg as u32),
            (Backend::Aes, _) => reference::aeshash64(aes, seed, *arg),
        };
        assert_eq!(got, *want, "reference {kind} seed {seed:#x} arg {arg}: got {got:#x}");
    }
    v.cases.len()
}

#[test]
fn references_match_go_runtime() {
    assert_eq!(check_reference(include_str!("data/hash/mem.txt"), Backend::Mem), 1968);
    assert_eq!(check_reference(include_str!("data/hash/aes.txt"), Backend::Aes), 1968);
}

#[test]
fn memhash_matches_go_runtime() {
    let n = check_all(include_str!("data/hash/mem.txt"), Backend::Mem, true);
    assert_eq!(n, 1968);
}

#[test]
fn aeshash_matches_go_runtime() {
    if backend() != Backend::Aes {
        // The vectors need AES-NI to run; say so rather than pass silently unnoticed.
        common::not_run("aeshash vectors: this CPU has no AES-NI/SSSE3/SSE4.1");
        assert!(RandomState::with_backend(Backend::Aes).is_err());
        return;
    }
    let n = check_all(include_str!("data/hash/aes.txt"), Backend::Aes, true);
    assert_eq!(n, 1968);
}

/// aeshash on AES-NI alone (the path of CPUs without VAES) must give the same answers.
#[test]
fn aeshash_without_vaes_matches_go_runtime() {
    if backend() != Backend::Aes {
        common::not_run("aeshash vectors: this CPU has no AES-NI/SSSE3/SSE4.1");
        return;
    }
    let n = check_all(include_str!("data/hash/aes.txt"), Backend::Aes, false);
    assert_eq!(n, 1968);
}

/// The VAES path is taken exactly where the CPU has it, so the test above and
/// `aeshash_matches_go_runtime` cover both paths on a VAES machine.
#[test]
fn vaes_path_follows_cpu() {
    let aes = RandomState::with_backend(Backend::Aes);
    #[cfg(target_arch = "x86_64")]
    let has = std::arch::is_x86_feature_detected!("vaes")
        && std::arch::is_x86_feature_detected!("avx2")
        && aes.is_ok();
    #[cfg(not(target_arch = "x86_64"))]
    let has = false;
    if let Ok(s) = &aes {
        assert_eq!(testing::uses_vaes(s), has);
        assert!(!testing::uses_vaes(&testing::without_vaes(s.clone())));
    }
    if !has {
        common::note("no VAES on this CPU: only the AES-NI path of aeshash was checked");
    }
    let mem = RandomState::with_backend(Backend::Mem).unwrap();
    assert!(!testing::uses_vaes(&mem));
}

/// Signed and pointer-sized integers take the same forms as their unsigned twins.
#[test]
fn integer_widths_share_go_forms() {
    let v = parse(include_str!("data/hash/mem.txt"));
    let rs = testing::random_state(v.aeskeysched, v.hashkey, 7, Backend::Mem).unwrap();
    for x in [0u64, 1, 0xdead_beef, u64::MAX] {
        assert_eq!(rs.hash_one(x as i64), rs.hash_one(x));
        assert_eq!(rs.hash_one(x as usize), rs.hash_one(x));
        assert_eq!(rs.hash_one(x as i32), rs.hash_one(x as u32));
    }
}

/// Deterministic pseudo-random bytes (xorshift), so the long-input tests need no data file.
fn bytes(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn memhash_long_inputs_match_reference() {
    let v = parse(include_str!("data/hash/mem.txt"));
    let data = bytes(5000, 0x9e37_79b9_7f4a_7c15);
    for (i, n) in (0..=1100).chain([2047, 2048, 2049, 4095, 4096, 4097, 5000]).enumerate() {
        let seed = 0x1234_5678_9abc_def0_u64.wrapping_mul(i as u64 + 1);
        let rs = testing::random_state(v.aeskeysched, v.hashkey, seed, Backend::Mem).unwrap();
        let mut h = rs.build_hasher();
        h.write(&data[..n]);
        assert_eq!(h.finish(), reference::memhash(v.hashkey, seed, &data[..n]), "length {n}");
    }
}

/// Past the 300 bytes the Go vectors cover, the VAES and AES-NI paths must still agree.
#[test]
fn vaes_and_aes_ni_agree_on_long_inputs() {
    let Ok(rs) = RandomState::with_seed(42, Backend::Aes) else {
        common::not_run("aeshash vectors: this CPU has no AES-NI/SSSE3/SSE4.1");
        return;
    };
    if !testing::uses_vaes(&rs) {
        common::note("no VAES on this CPU: both states ran the AES-NI path");
    }
    let narrow = testing::without_vaes(rs.clone());
    let data = bytes(5000, 0x2545_f491_4f6c_dd1d);
    for n in (0..=1100).chain([2047, 2048, 2049, 4095, 4096, 4097, 5000]) {
        let (mut a, mut b) = (rs.build_hasher(), narrow.build_hasher());
        a.write(&data[..n]);
        b.write(&data[..n]);
        assert_eq!(a.finish(), b.finish(), "length {n}");
    }
}
