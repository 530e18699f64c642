//! Known answers: both backends against vectors printed by the Go runtime itself
//! (`tools/gohash`; see its header for how to regenerate `tests/data/hash/*.txt`): `aes.txt` and
//! `mem.txt` from Go on amd64, `arm64-aes.txt` and `arm64-mem.txt` from Go on arm64. memhash is
//! one function everywhere, so both memhash files run on every target; each aeshash file runs
//! on its own architecture, and through the software references everywhere.

mod common;

use std::hash::{BuildHasher, Hasher};

use gomap::hash::{backend, testing, Backend, RandomState};

/// Go's functions written out plainly (shared with the hash fuzz target).
#[path = "../fuzz/src/reference.rs"]
mod reference;

/// Go's vector files: (file name, text, which Go architecture printed it).
const FILES: [(&str, &str, Arch); 4] = [
    ("mem.txt", include_str!("data/hash/mem.txt"), Arch::Amd64),
    ("aes.txt", include_str!("data/hash/aes.txt"), Arch::Amd64),
    ("arm64-mem.txt", include_str!("data/hash/arm64-mem.txt"), Arch::Arm64),
    ("arm64-aes.txt", include_str!("data/hash/arm64-aes.txt"), Arch::Arm64),
];

/// The Go architecture whose aeshash a vector file holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Arch {
    Amd64,
    Arm64,
}

/// The architecture whose aeshash gomap's `Backend::Aes` runs on this target, if any.
const NATIVE: Option<Arch> = if cfg!(target_arch = "x86_64") {
    Some(Arch::Amd64)
} else if cfg!(target_arch = "aarch64") {
    Some(Arch::Arm64)
} else {
    None
};

/// The aeshash vectors printed by Go on this target's architecture.
fn native_aes_file() -> &'static str {
    let arch = NATIVE.expect("a target with aeshash");
    FILES
        .iter()
        .find(|(name, _, a)| *a == arch && name.ends_with("aes.txt"))
        .map(|(_, text, _)| *text)
        .expect("an aeshash file for every architecture")
}

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
/// rounds of `reference::aeshash` (amd64's) and `reference::arm64::aeshash` need no AES
/// instructions, so this runs on every CPU.
fn check_reference(file: &str, arch: Arch) -> usize {
    let v = parse(file);
    for (kind, seed, arg, want) in &v.cases {
        let (aes, key, seed, n) = (&v.aeskeysched, v.hashkey, *seed, *arg as usize);
        let got = match (v.backend, arch, kind.as_str()) {
            (Backend::Mem, _, "mem") => reference::memhash(key, seed, &v.bytes[..n]),
            (Backend::Mem, _, "str") => reference::memhash(key, seed, &v.text.as_bytes()[..n]),
            (Backend::Mem, _, "u32") => reference::memhash32(key, seed, *arg as u32),
            (Backend::Mem, _, _) => reference::memhash64(key, seed, *arg),
            (Backend::Aes, Arch::Amd64, "mem") => reference::aeshash(aes, seed, &v.bytes[..n]),
            (Backend::Aes, Arch::Amd64, "str") => {
                reference::aeshash(aes, seed, &v.text.as_bytes()[..n])
            }
            (Backend::Aes, Arch::Amd64, "u32") => reference::aeshash32(aes, seed, *arg as u32),
            (Backend::Aes, Arch::Amd64, _) => reference::aeshash64(aes, seed, *arg),
            (Backend::Aes, Arch::Arm64, "mem") => {
                reference::arm64::aeshash(aes, seed, &v.bytes[..n])
            }
            (Backend::Aes, Arch::Arm64, "str") => {
                reference::arm64::aeshash(aes, seed, &v.text.as_bytes()[..n])
            }
            (Backend::Aes, Arch::Arm64, "u32") => {
                reference::arm64::aeshash32(aes, seed, *arg as u32)
            }
            (Backend::Aes, Arch::Arm64, _) => reference::arm64::aeshash64(aes, seed, *arg),
        };
        assert_eq!(got, *want, "{arch:?} reference {kind} seed {seed:#x} arg {arg}: got {got:#x}");
    }
    v.cases.len()
}

#[test]
fn references_match_go_runtime() {
    for (name, text, arch) in FILES {
        let want = if name.ends_with("aes.txt") { Backend::Aes } else { Backend::Mem };
        assert_eq!(parse(text).backend, want, "{name} holds another backend's vectors");
        assert_eq!(check_reference(text, arch), 1968, "{name}");
    }
}

/// memhash is the same function on every target: both architectures' files, everywhere.
#[test]
fn memhash_matches_go_runtime() {
    for (name, text, _) in FILES.into_iter().filter(|(n, ..)| n.ends_with("mem.txt")) {
        assert_eq!(check_all(text, Backend::Mem, true), 1968, "{name}");
    }
}

/// aeshash against the vectors of Go on this target's architecture.
#[test]
fn aeshash_matches_go_runtime() {
    if backend() != Backend::Aes {
        // The vectors need the CPU's AES instructions; say so rather than pass unnoticed.
        common::not_run("aeshash vectors: this CPU has no AES instructions gomap can use");
        assert!(RandomState::with_backend(Backend::Aes).is_err());
        return;
    }
    assert!(NATIVE.is_some(), "Backend::Aes on a target without aeshash");
    let n = check_all(native_aes_file(), Backend::Aes, true);
    assert_eq!(n, 1968);
}

/// aeshash on AES-NI alone (the path of x86-64 CPUs without VAES) must give the same answers.
/// (On arm64, which has no VAES path, this repeats the test above.)
#[test]
fn aeshash_without_vaes_matches_go_runtime() {
    if backend() != Backend::Aes {
        common::not_run("aeshash vectors: this CPU has no AES instructions gomap can use");
        return;
    }
    let n = check_all(native_aes_file(), Backend::Aes, false);
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
    if !has && cfg!(target_arch = "x86_64") {
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

/// The lengths of the long-input tests: every one up to 1100 bytes, then around 2 and 4 KiB.
fn long_lengths() -> impl Iterator<Item = usize> {
    (0..=1100).chain([2047, 2048, 2049, 4095, 4096, 4097, 5000])
}

/// `backend`, on the keys of vector file `file`, against `want` (a reference) for every long
/// length, each with its own seed.
fn check_long_inputs(file: &str, backend: Backend, want: impl Fn(&Vectors, u64, &[u8]) -> u64) {
    let v = parse(file);
    let data = bytes(5000, 0x9e37_79b9_7f4a_7c15);
    for (i, n) in long_lengths().enumerate() {
        let seed = 0x1234_5678_9abc_def0_u64.wrapping_mul(i as u64 + 1);
        let rs = testing::random_state(v.aeskeysched, v.hashkey, seed, backend).unwrap();
        let mut h = rs.build_hasher();
        h.write(&data[..n]);
        assert_eq!(h.finish(), want(&v, seed, &data[..n]), "{backend:?} length {n}");
    }
}

#[test]
fn memhash_long_inputs_match_reference() {
    check_long_inputs(include_str!("data/hash/mem.txt"), Backend::Mem, |v, seed, p| {
        reference::memhash(v.hashkey, seed, p)
    });
}

/// Past the 300 bytes the Go vectors cover (up to two of aeshash's 128-byte blocks), aeshash
/// against the software reference of this target's architecture, to 39 blocks.
#[test]
fn aeshash_long_inputs_match_reference() {
    if backend() != Backend::Aes {
        common::not_run("aeshash long inputs: this CPU has no AES instructions gomap can use");
        return;
    }
    check_long_inputs(native_aes_file(), Backend::Aes, |v, seed, p| {
        reference::native::aeshash(&v.aeskeysched, seed, p)
    });
}

/// aeshash's 4- and 8-byte forms against the reference of this target's architecture, on more
/// seeds and values than the vectors hold (full 64-bit seeds, whose high half arm64's 4-byte
/// form drops).
#[test]
fn aeshash_integer_forms_match_reference() {
    if backend() != Backend::Aes {
        common::not_run("aeshash integer forms: this CPU has no AES instructions gomap can use");
        return;
    }
    let v = parse(native_aes_file());
    let words = bytes(16 * 2000, 0x5851_f42d_4c95_7f2d);
    for w in words.chunks_exact(16) {
        let seed = u64::from_le_bytes(w[..8].try_into().unwrap());
        let x = u64::from_le_bytes(w[8..].try_into().unwrap());
        let rs = testing::random_state(v.aeskeysched, v.hashkey, seed, Backend::Aes).unwrap();
        let want = reference::native::aeshash32(&v.aeskeysched, seed, x as u32);
        assert_eq!(rs.hash_one(x as u32), want, "u32 seed {seed:#x} value {x:#x}");
        let want = reference::native::aeshash64(&v.aeskeysched, seed, x);
        assert_eq!(rs.hash_one(x), want, "u64 seed {seed:#x} value {x:#x}");
    }
}

/// Past the 300 bytes the Go vectors cover, the VAES and AES-NI paths must still agree.
#[test]
fn vaes_and_aes_ni_agree_on_long_inputs() {
    let Ok(rs) = RandomState::with_seed(42, Backend::Aes) else {
        common::not_run("aeshash long inputs: this CPU has no AES instructions gomap can use");
        return;
    };
    if !testing::uses_vaes(&rs) && cfg!(target_arch = "x86_64") {
        common::note("no VAES on this CPU: both states ran the AES-NI path");
    }
    let narrow = testing::without_vaes(rs.clone());
    let data = bytes(5000, 0x2545_f491_4f6c_dd1d);
    for n in long_lengths() {
        let (mut a, mut b) = (rs.build_hasher(), narrow.build_hasher());
        a.write(&data[..n]);
        b.write(&data[..n]);
        assert_eq!(a.finish(), b.finish(), "length {n}");
    }
}
