//! Hash speed: gomap's two backends against ahash, foldhash and std's SipHash, on u64 keys and
//! on strings of 4 to 4096 bytes, through `BuildHasher::hash_one` as a map calls it. On a CPU
//! with VAES, `gomap-aes-novaes` is aeshash on AES-NI alone, the path of CPUs without it.
//!
//! Each measurement hashes a batch of distinct keys (1024 u64s or 64 strings); criterion's
//! "elem/s" is hashes per second, and time / batch size is the time per hash.
//! Run: `cargo bench --bench hash -- --warm-up-time 1 --measurement-time 3`

use std::hash::{BuildHasher, Hash};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gomap::hash::{testing, Backend, RandomState};
use rand::{Rng, SeedableRng};

const U64_BATCH: usize = 1024;
const STR_BATCH: usize = 64;
const STR_LENS: [usize; 7] = [4, 8, 16, 32, 64, 256, 4096];

/// A named hasher that benches itself on the keys a `Runner` holds.
type Contender = (&'static str, Box<dyn Fn(&mut Runner)>);

/// The hashers under test.
fn contenders() -> Vec<Contender> {
    let mut v: Vec<Contender> = Vec::new();
    if let Ok(s) = RandomState::with_backend(Backend::Aes) {
        if testing::uses_vaes(&s) {
            // The same function on AES-NI alone, as CPUs without VAES run it.
            let narrow = testing::without_vaes(s.clone());
            v.push(("gomap-aes-novaes", Box::new(move |r| r.run(&narrow))));
        }
        v.push(("gomap-aes", Box::new(move |r| r.run(&s))));
    }
    let mem = RandomState::with_backend(Backend::Mem).expect("memhash runs everywhere");
    v.push(("gomap-mem", Box::new(move |r| r.run(&mem))));
    let a = ahash::RandomState::new();
    v.push(("ahash", Box::new(move |r| r.run(&a))));
    let f = foldhash::fast::RandomState::default();
    v.push(("foldhash", Box::new(move |r| r.run(&f))));
    let sip = std::collections::hash_map::RandomState::new();
    v.push(("siphash", Box::new(move |r| r.run(&sip))));
    v
}

/// Runs one contender over one key set (object-safe wrapper around the generic loop).
struct Runner<'a, 'c> {
    c: &'a mut criterion::BenchmarkGroup<'c, criterion::measurement::WallTime>,
    name: &'static str,
    param: String,
    keys: &'a Keys,
}

enum Keys {
    U64(Vec<u64>),
    Str(Vec<String>),
}

impl Runner<'_, '_> {
    fn run<S: BuildHasher>(&mut self, s: &S) {
        let id = BenchmarkId::new(self.name, &self.param);
        match self.keys {
            Keys::U64(keys) => {
                self.c.bench_function(id, |b| b.iter(|| hash_all(s, black_box(keys.as_slice()))))
            }
            Keys::Str(keys) => {
                self.c.bench_function(id, |b| b.iter(|| hash_all(s, black_box(keys.as_slice()))))
            }
        };
    }
}

/// Hashes every key; `black_box` on each result keeps the compiler from vectorizing the batch
/// across keys, which a map (one key at a time) never gets either.
fn hash_all<S: BuildHasher, K: Hash>(s: &S, keys: &[K]) {
    for k in keys {
        black_box(s.hash_one(k));
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut sets =
        vec![("u64".to_string(), Keys::U64((0..U64_BATCH).map(|_| rng.gen()).collect()))];
    for len in STR_LENS {
        let keys = (0..STR_BATCH)
            .map(|_| (0..len).map(|_| rng.gen_range(b'a'..=b'z') as char).collect())
            .collect();
        sets.push((format!("str{len}"), Keys::Str(keys)));
    }
    for (param, keys) in &sets {
        let mut g = c.benchmark_group(format!("hash/{param}"));
        let n = match keys {
            Keys::U64(k) => k.len(),
            Keys::Str(k) => k.len(),
        };
        g.throughput(Throughput::Elements(n as u64));
        for (name, f) in contenders() {
            f(&mut Runner { c: &mut g, name, param: param.clone(), keys });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
