//! Go's map hash functions, as the default hasher of [`GoMap`](crate::GoMap).
//!
//! Go's runtime hashes map keys with one of two functions, picked once at start-up (`alginit`
//! in `runtime/alg.go`):
//!
//! - **aeshash** ([`Backend::Aes`]): on x86-64 the AES-NI routines of `runtime/asm_amd64.s`,
//!   on arm64 the AES (Cryptography Extension) routines of `runtime/asm_arm64.s`. The per-map
//!   seed and the input length are mixed with a 128-byte random key schedule (`aeskeysched`),
//!   then the input goes through AES rounds in 1, 2, 4 or 8 lanes of 16 bytes depending on its
//!   length (0-15, 16, 17-32, 33-64, 65-128, 129+ bytes). Integer keys use a 4- or 8-byte form:
//!   seed and value in one register, three rounds keyed by the schedule. Where an x86-64 CPU
//!   also has VAES and AVX2, inputs over 32 bytes run two of those lanes per instruction: the
//!   same rounds, so the same output, in half the instructions. The two architectures' routines
//!   are different functions (other rounds, other packing), so an arm64 Go process and an
//!   amd64 one hash the same key differently with the same schedule; gomap hashes as the Go
//!   runtime of its own target does.
//! - **memhash** ([`Backend::Mem`]): the portable fallback of `runtime/hash64.go`, built on
//!   wyhash's folded 64x64 -> 128 bit multiply and four random key words (`hashkey`).
//!
//! The rule, like Go's: on x86-64, aeshash when the CPU has AES-NI, SSSE3 and SSE4.1 (detected
//! once per process with `cpufeatures`); on arm64 (aarch64), aeshash when the CPU has AES
//! (std's run-time detection); memhash otherwise and on every other target. Both functions
//! give bit-for-bit the outputs of Go 1.24's runtime on the same architecture for the same key
//! schedule, seed and input (`tests/hash_vectors.rs` checks vectors printed by `tools/gohash`,
//! run on amd64 and on arm64).
//!
//! The key schedule is drawn once per process; every [`RandomState`] draws its own seed, as Go
//! gives every map its own `hash0`. [`RandomState::with_backend`] forces a backend.
//!
//! # How [`GoHasher`] maps `Hasher` writes to Go's functions
//!
//! Each write hashes its value with the running hash as the seed, as Go hashes a composite key
//! field by field; [`finish`](core::hash::Hasher::finish) returns the running hash. So one
//! `write_u64` gives Go's 8-byte form (`u64`, `i64`, `usize` keys), one `write_u32` the 4-byte
//! form, and `write` the general function. A `str` key writes its bytes and then a `0xff`
//! terminator; the terminator is skipped when it directly follows a byte write, so a string
//! hashes exactly as Go's `strhash`. Skipping it loses nothing: a byte write mixes in its
//! length, so write boundaries already separate the fields of a key. `u8`, `u16` and `u128`
//! take the general function on 1, 2 and 16 bytes, as Go hashes those sizes. Inputs are read
//! little-endian and outputs are 64-bit on every target (Go on amd64 and arm64).
//!
//! # Example
//!
//! ```
//! use std::hash::BuildHasher;
//! use gomap::hash::{backend, Backend, RandomState};
//!
//! let s = RandomState::new(); // fresh seed, process backend
//! assert_eq!(s.backend(), backend());
//! // How the map uses a hash, with B = 5 (32 buckets):
//! let h = s.hash_one("gopher");
//! let bucket = h & ((1 << 5) - 1);
//! let tophash = (h >> 56) as u8;
//! assert!(bucket < 32);
//! # let _ = tophash;
//! // memhash can be forced anywhere; aeshash only where the CPU has it.
//! let m = RandomState::with_seed(42, Backend::Mem).unwrap();
//! assert_eq!(m.hash_one(7u64), RandomState::with_seed(42, Backend::Mem).unwrap().hash_one(7u64));
//! ```

use core::fmt;
use core::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

use rand::RngCore;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod aes;
#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
#[path = "aes_arm64.rs"]
mod aes;
#[allow(unsafe_code)]
mod mem;
#[cfg(feature = "teach")]
#[cfg_attr(docsrs, doc(cfg(feature = "teach")))]
pub mod teach;

/// Which hash function a [`RandomState`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// aeshash: Go's AES hash (x86-64 with AES-NI, SSSE3 and SSE4.1; arm64 with AES).
    Aes,
    /// memhash: Go's portable hash (`runtime/hash64.go`), available everywhere.
    Mem,
}

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(aes_cpuid, "aes", "ssse3", "sse4.1");

/// Whether this CPU can run aeshash (Go's rule: AES-NI, SSSE3 and SSE4.1 on x86-64, AES on
/// arm64).
fn aes_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        aes_cpuid::get()
    }
    #[cfg(target_arch = "aarch64")]
    {
        // std caches the answer after the first query: one load and test per call.
        std::arch::is_aarch64_feature_detected!("aes")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// Whether this CPU can run aeshash's two-lanes-per-register path: VAES on 256-bit registers.
fn wide_available() -> bool {
    // std's detection rather than cpufeatures 0.2, which also demands the AVX-512 register
    // state for VAES and so would refuse AVX2-only VAES CPUs (Zen 3). Checked once per state.
    #[cfg(target_arch = "x86_64")]
    {
        aes_available()
            && std::arch::is_x86_feature_detected!("vaes")
            && std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The backend this process uses by default: [`Backend::Aes`] where the CPU supports it,
/// [`Backend::Mem`] otherwise. Detected once; later calls are a cached load.
///
/// # Examples
///
/// ```
/// use gomap::hash::{backend, Backend, RandomState};
/// let b = backend();
/// assert!(b == Backend::Aes || b == Backend::Mem);
/// assert_eq!(RandomState::new().backend(), b);
/// ```
pub fn backend() -> Backend {
    if aes_available() {
        Backend::Aes
    } else {
        Backend::Mem
    }
}

/// Error from [`RandomState::with_backend`] / [`RandomState::with_seed`]: the requested backend
/// cannot run on this CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendUnavailable {
    requested: Backend,
}

impl BackendUnavailable {
    /// The backend that was asked for.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::hash::{Backend, RandomState};
    /// if let Err(e) = RandomState::with_backend(Backend::Aes) {
    ///     assert_eq!(e.requested(), Backend::Aes); // this CPU cannot run aeshash
    /// }
    /// ```
    pub fn requested(&self) -> Backend {
        self.requested
    }
}

impl fmt::Display for BackendUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if cfg!(target_arch = "x86_64") {
            write!(
                f,
                "hash backend {:?} unavailable: aeshash needs AES-NI, SSSE3 and SSE4.1, \
                 which this CPU lacks (use Backend::Mem)",
                self.requested
            )
        } else if cfg!(target_arch = "aarch64") {
            write!(
                f,
                "hash backend {:?} unavailable: aeshash needs the AES instructions, which this \
                 CPU lacks (use Backend::Mem)",
                self.requested
            )
        } else {
            write!(
                f,
                "hash backend {:?} unavailable: aeshash is implemented for x86-64 and arm64 \
                 only (use Backend::Mem)",
                self.requested
            )
        }
    }
}

impl std::error::Error for BackendUnavailable {}

/// aeshash's key schedule, 16-byte aligned so each round key is one aligned load.
#[repr(C, align(16))]
pub(crate) struct AesKeys(pub(crate) [u8; 128]);

/// The process-wide random keys of both backends (Go fills only the one it uses; a process
/// here may use both).
pub(crate) struct Keys {
    /// Go's `aeskeysched` (kept on targets without aeshash too, so the test hook has one
    /// signature).
    #[cfg_attr(not(any(target_arch = "x86_64", target_arch = "aarch64")), allow(dead_code))]
    aes: AesKeys,
    /// Go's `hashkey`.
    mem: [u64; 4],
}

impl Keys {
    fn random() -> Keys {
        let mut rng = rand::thread_rng();
        let mut aes = [0u8; 128];
        rng.fill_bytes(&mut aes);
        let mem = [rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64()];
        Keys { aes: AesKeys(aes), mem }
    }
}

fn process_keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(Keys::random)
}

/// A `'static` copy of `keys`, made once per distinct schedule: hashers hold a plain reference
/// (no reference count to touch per hash), and a process replays the keys of one Go process or
/// a handful, so the few hundred bytes each stay for the process's life.
fn intern(keys: Keys) -> &'static Keys {
    static SEEN: std::sync::Mutex<Vec<&'static Keys>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(k) = seen.iter().find(|k| k.aes.0 == keys.aes.0 && k.mem == keys.mem) {
        return k;
    }
    let k: &'static Keys = Box::leak(Box::new(keys));
    seen.push(k);
    k
}

/// The process-wide hash keys of a Go program, as its runtime drew them at start-up (`alginit`
/// in runtime/alg.go): which of the two it holds says which hash function it uses.
///
/// With [`RandomState::from_go`] these make gomap hash every key exactly as that Go process
/// hashes it for one of its maps, so the two place every key in the same bucket and slot.
/// `tools/gotwin` prints them (`gomap twin` uses it; docs/twin.md).
#[derive(Clone, PartialEq, Eq)]
pub enum GoKeys {
    /// `runtime.aeskeysched`, the 128 bytes in memory order: Go on amd64 with AES-NI, SSSE3
    /// and SSE4.1, or on arm64 with AES (`runtime.useAeshash`), hashing with aeshash. The keys
    /// of an amd64 process hash as that process only on x86-64, an arm64 one's only on arm64.
    Aes([u8; 128]),
    /// `runtime.hashkey`: Go without AES (other targets, or `GODEBUG=cpu.aes=off`), hashing
    /// with memhash, the same function on every target.
    Mem([u64; 4]),
}

impl fmt::Debug for GoKeys {
    // Key material stays out of debug output, as RandomState's seed does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoKeys::Aes(_) => f.write_str("GoKeys::Aes(..)"),
            GoKeys::Mem(_) => f.write_str("GoKeys::Mem(..)"),
        }
    }
}

/// Checks that `b` can run here.
fn check(b: Backend) -> Result<Backend, BackendUnavailable> {
    match b {
        Backend::Aes if !aes_available() => Err(BackendUnavailable { requested: b }),
        _ => Ok(b),
    }
}

/// The default [`BuildHasher`] of [`GoMap`](crate::GoMap): a per-map seed (Go's `hash0`) plus the backend.
///
/// Every [`RandomState::new`] draws a fresh random seed, so two maps order and place the same
/// keys differently. (Go's `hash0` is 32 bits; this seed uses all 64.)
#[derive(Clone)]
pub struct RandomState {
    seed: u64,
    /// A hasher's first state (see `GoHasher::state`), worked out once per map.
    start: u64,
    backend: Backend,
    /// aeshash runs two lanes per VAES instruction (same output); only set where available.
    wide: bool,
    keys: &'static Keys,
}

impl RandomState {
    /// A fresh random seed with the process backend ([`backend()`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use gomap::RandomState;
    /// let (a, b) = (RandomState::new(), RandomState::new());
    /// // Each state draws its own seed (Go's hash0), so the two almost surely differ.
    /// assert_eq!(a.hash_one(1u64), a.hash_one(1u64));
    /// let _ = b.hash_one(1u64);
    /// ```
    pub fn new() -> Self {
        Self::build(rand::random(), backend(), process_keys())
    }

    /// A fresh random seed with backend `b`.
    ///
    /// # Errors
    ///
    /// [`BackendUnavailable`] if `b` is [`Backend::Aes`] and this CPU lacks AES-NI, SSSE3 or
    /// SSE4.1 (x86-64) or AES (arm64), or the target is neither. [`Backend::Mem`] always
    /// succeeds.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{hash::Backend, GoMap, RandomState};
    /// let s = RandomState::with_backend(Backend::Mem).unwrap(); // memhash runs everywhere
    /// let mut m = GoMap::with_hasher(s);
    /// m.insert(1, "one");
    /// assert_eq!(m.hasher().backend(), Backend::Mem);
    /// ```
    pub fn with_backend(b: Backend) -> Result<Self, BackendUnavailable> {
        Self::with_seed(rand::random(), b)
    }

    /// A fixed seed with backend `b`: deterministic within one process (the key schedule is
    /// still random per process), for tests and benches.
    ///
    /// # Errors
    ///
    /// As [`with_backend`](Self::with_backend).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use gomap::{hash::Backend, RandomState};
    /// let a = RandomState::with_seed(42, Backend::Mem).unwrap();
    /// let b = RandomState::with_seed(42, Backend::Mem).unwrap();
    /// assert_eq!(a.hash_one("gopher"), b.hash_one("gopher"));
    /// ```
    pub fn with_seed(seed: u64, b: Backend) -> Result<Self, BackendUnavailable> {
        Ok(Self::build(seed, check(b)?, process_keys()))
    }

    /// The hasher of one map of a Go program: `keys` are the program's hash keys (which one
    /// also picks the function: aeshash or memhash) and `hash0` the map's seed, Go's
    /// `hmap.hash0`. Every key then hashes to exactly the value Go's runtime computes for it in
    /// that map, so a [`GoMap`](crate::GoMap) built with this state and fed the same operations
    /// holds the same bytes in the same buckets as the Go map (docs/twin.md shows it).
    ///
    /// Nothing about the default hasher changes: [`RandomState::new`] still draws its own keys
    /// and seed. Each distinct key schedule passed here is kept for the rest of the process.
    ///
    /// # Errors
    ///
    /// [`BackendUnavailable`] for [`GoKeys::Aes`] where this CPU cannot run aeshash (the Go
    /// program that made those keys ran on one that can). [`GoKeys::Mem`] always succeeds.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use gomap::hash::{Backend, GoKeys, RandomState};
    ///
    /// // Keys as tools/gotwin prints them for a Go process run with GODEBUG=cpu.aes=off.
    /// let keys = GoKeys::Mem([0x5e1f_ab1e, 0x0bad_cafe, 0xfee1_900d, 0x7e57_ab1e]);
    /// let s = RandomState::from_go(&keys, 0x1234_5678).unwrap();
    /// assert_eq!(s.backend(), Backend::Mem);
    /// assert_eq!(s.seed(), 0x1234_5678);
    /// // The same keys and hash0 give the same hashes, in this process or any other.
    /// let t = RandomState::from_go(&keys, 0x1234_5678).unwrap();
    /// assert_eq!(s.hash_one(42u64), t.hash_one(42u64));
    /// ```
    pub fn from_go(keys: &GoKeys, hash0: u32) -> Result<Self, BackendUnavailable> {
        Self::from_go_seed(keys, u64::from(hash0))
    }

    /// The hasher of one Go 1.24 Swiss-table map (Go's default map): as
    /// [`from_go`](Self::from_go), but with the map's full 64-bit seed, `maps.Map.seed` (a
    /// `uintptr`; the classic map's `hash0` is 32 bits). Go's Swiss map hashes a key with
    /// `typ.Hasher(key, m.seed)`, the same aeshash or memhash functions with this seed, so a
    /// state built here gives every key the hash Go's runtime gives it in that map.
    ///
    /// # Errors
    ///
    /// As [`from_go`](Self::from_go): [`BackendUnavailable`] for [`GoKeys::Aes`] where this
    /// CPU cannot run aeshash.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use gomap::hash::{Backend, GoKeys, RandomState};
    ///
    /// // Keys and a seed as tools/gotwin's Swiss build prints them (GODEBUG=cpu.aes=off).
    /// let keys = GoKeys::Mem([0x5e1f_ab1e, 0x0bad_cafe, 0xfee1_900d, 0x7e57_ab1e]);
    /// let s = RandomState::from_go_seed(&keys, 0xf3c3_d2ac_8ac4_d322).unwrap();
    /// assert_eq!(s.backend(), Backend::Mem);
    /// assert_eq!(s.seed(), 0xf3c3_d2ac_8ac4_d322);
    /// // A seed that fits in 32 bits hashes as from_go's hash0 does.
    /// let a = RandomState::from_go_seed(&keys, 0x1234_5678).unwrap();
    /// let b = RandomState::from_go(&keys, 0x1234_5678).unwrap();
    /// assert_eq!(a.hash_one(42u64), b.hash_one(42u64));
    /// // The high half of the seed counts.
    /// assert_ne!(s.hash_one(42u64), RandomState::from_go_seed(&keys, 0xac8a_c4d3_22).unwrap().hash_one(42u64));
    /// ```
    pub fn from_go_seed(keys: &GoKeys, seed: u64) -> Result<Self, BackendUnavailable> {
        let (backend, keys) = match keys {
            GoKeys::Aes(sched) => (Backend::Aes, Keys { aes: AesKeys(*sched), mem: [0; 4] }),
            GoKeys::Mem(words) => (Backend::Mem, Keys { aes: AesKeys([0; 128]), mem: *words }),
        };
        Ok(Self::build(seed, check(backend)?, intern(keys)))
    }

    /// Invariant: `b` passed `check`.
    fn build(seed: u64, b: Backend, keys: &'static Keys) -> Self {
        let start = if b == Backend::Mem { seed ^ keys.mem[0] } else { seed };
        RandomState { seed, start, backend: b, wide: b == Backend::Aes && wide_available(), keys }
    }

    /// The per-map seed (Go's `hash0`).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{hash::Backend, RandomState};
    /// assert_eq!(RandomState::with_seed(7, Backend::Mem).unwrap().seed(), 7);
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The hash function this state's hashers use.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{hash::Backend, RandomState};
    /// assert_eq!(RandomState::with_seed(7, Backend::Mem).unwrap().backend(), Backend::Mem);
    /// ```
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Default for RandomState {
    /// Same as [`RandomState::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RandomState {
    // The seed stays out of debug output, as std's RandomState keeps its keys out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomState").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl BuildHasher for RandomState {
    type Hasher = GoHasher;

    #[inline]
    fn build_hasher(&self) -> GoHasher {
        GoHasher {
            state: self.start,
            keys: self.keys,
            backend: self.backend,
            wide: self.wide,
            after_bytes: false,
        }
    }

    // A hint, so that a `str` key's hash (both backends' short-input paths) inlines rather
    // than staying a call; `inline(always)` made a String map's insert longer
    // (docs/performance.md, "Measurements behind code choices").
    #[inline]
    #[allow(clippy::manual_hash_one)] // this is hash_one: calling it would recurse
    fn hash_one<T: core::hash::Hash>(&self, x: T) -> u64 {
        let mut h = self.build_hasher();
        x.hash(&mut h);
        h.finish()
    }
}

/// The [`Hasher`] built by [`RandomState`]: Go's aeshash or memhash, chained over writes.
///
/// See the [module docs](self) for how writes map to Go's functions.
#[derive(Clone)]
pub struct GoHasher {
    /// The running hash, the seed of the next write; for memhash xored with `hashkey[0]`, the
    /// first step of each memhash function, which a map's one-write keys then skip.
    state: u64,
    keys: &'static Keys,
    /// Invariant: `Aes` only where `aes_available()` (checked by `RandomState`'s constructors).
    backend: Backend,
    /// Invariant: true only where `wide_available()` (never off x86-64).
    #[cfg_attr(not(any(target_arch = "x86_64", target_arch = "aarch64")), allow(dead_code))]
    wide: bool,
    /// The last write was `write(bytes)`: a following `write_u8(0xff)` is `str`'s terminator.
    after_bytes: bool,
}

impl fmt::Debug for GoHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoHasher").field("backend", &self.backend).finish_non_exhaustive()
    }
}

// The AES calls: a hasher holds `Backend::Aes` only once `check` found the CPU features.
#[allow(unsafe_code)]
impl GoHasher {
    /// Stores memhash's output `h` as the next state.
    #[inline]
    fn set_mem(&mut self, h: u64) {
        self.state = h ^ self.keys.mem[0];
    }

    #[inline]
    fn bytes(&mut self, p: &[u8]) {
        match self.backend {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Backend::Aes => {
                // SAFETY: a hasher only holds `Aes` after `check` found the CPU's AES features
                // (AES-NI, SSSE3 and SSE4.1; AES on arm64), and `wide` only where
                // `wide_available()` found VAES and AVX2.
                self.state = unsafe { aes::hash(&self.keys.aes, self.state, p, self.wide) }
            }
            _ => self.set_mem(mem::hash(&self.keys.mem, self.state, p)),
        }
    }
}

#[allow(unsafe_code)]
impl Hasher for GoHasher {
    #[inline]
    fn finish(&self) -> u64 {
        match self.backend {
            Backend::Aes => self.state,
            Backend::Mem => self.state ^ self.keys.mem[0],
        }
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
        self.after_bytes = true;
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        if !(self.after_bytes && i == 0xff) {
            self.bytes(&[i]);
        }
        self.after_bytes = false;
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.bytes(&i.to_le_bytes());
        self.after_bytes = false;
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        match self.backend {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            // SAFETY: a hasher only holds `Aes` after `check` found the CPU's AES features.
            Backend::Aes => self.state = unsafe { aes::hash32(&self.keys.aes, self.state, i) },
            _ => self.set_mem(mem::hash32(&self.keys.mem, self.state, i)),
        }
        self.after_bytes = false;
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        match self.backend {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            // SAFETY: a hasher only holds `Aes` after `check` found the CPU's AES features.
            Backend::Aes => self.state = unsafe { aes::hash64(&self.keys.aes, self.state, i) },
            _ => self.set_mem(mem::hash64(&self.keys.mem, self.state, i)),
        }
        self.after_bytes = false;
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.bytes(&i.to_le_bytes());
        self.after_bytes = false;
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        // Go's int/uintptr keys on a 64-bit target.
        self.write_u64(i as u64);
    }
}

/// Hooks for the known-answer tests: the hash functions with an explicit key schedule.
#[doc(hidden)]
pub mod testing {
    use super::{check, AesKeys, Backend, BackendUnavailable, Keys, RandomState};

    /// A `RandomState` using the given key schedule (Go's `aeskeysched` and `hashkey`) instead of
    /// the process one, with a full 64-bit seed (Go's hash functions take one; a map's hash0 is
    /// 32 bits, see [`RandomState::from_go`]). Each distinct schedule is kept for the process.
    ///
    /// # Errors
    ///
    /// As [`RandomState::with_backend`].
    pub fn random_state(
        aeskeysched: [u8; 128],
        hashkey: [u64; 4],
        seed: u64,
        backend: Backend,
    ) -> Result<RandomState, BackendUnavailable> {
        let backend = check(backend)?;
        Ok(RandomState::build(
            seed,
            backend,
            super::intern(Keys { aes: AesKeys(aeskeysched), mem: hashkey }),
        ))
    }

    /// Whether `s`'s hashers take aeshash's VAES path (two lanes per instruction) for inputs
    /// over 16 bytes: true for [`Backend::Aes`] where the CPU has VAES and AVX2.
    pub fn uses_vaes(s: &RandomState) -> bool {
        s.wide
    }

    /// `s` with the VAES path off: aeshash on AES-NI alone, as on CPUs without VAES.
    pub fn without_vaes(s: RandomState) -> RandomState {
        RandomState { wide: false, ..s }
    }
}
