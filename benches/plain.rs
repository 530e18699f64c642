//! Throughput the way a new user would first measure it: one plain timed loop per row, no
//! warm-up and no repetition inside a process beyond the runs, the map built by `insert` from
//! `new()`. Criterion (benches/map.rs) times many iterations over one warm map; this times one
//! pass over a freshly built one, which is what a program that builds an index once sees.
//!
//!     cargo bench --bench plain                 1M and 100k, 5 runs each, medians and ratios
//!
//! Keys: the splitmix64 stream of benches/common (hits = the first n, misses = the next n in
//! order). Rows: get_hit (hits in shuffled order), get_miss, insert_grow (n inserts from
//! `new()`), insert_hint (n inserts into `with_capacity(n)`), get_hit_sized (get_hit on that
//! map), remove_all (every key of that map, shuffled). Maps are run in turn within each run so that a noisy stretch hurts all of them.
#![deny(unsafe_op_in_unsafe_fn)]

#[allow(dead_code)] // key streams and BenchMap only
mod common;

use common::{BenchMap, SplitMix, SEED_KEYS, SEED_SHUFFLE};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

type Ahash = ahash::RandomState;
const ROWS: [&str; 6] =
    ["get_hit", "get_miss", "insert_grow", "insert_hint", "get_hit_sized", "remove_all"];
const MAPS: [&str; 6] =
    ["gomap", "std", "gomap-ahash", "hashbrown-ahash", "swissmap", "swissmap-ahash"];

/// ns per op of each row, for one map type.
fn run<M: BenchMap<u64, u64>>(keys: &[u64], shuffled: &[u64]) -> [f64; 6] {
    let n = shuffled.len();
    let per = |t: Instant| t.elapsed().as_secs_f64() * 1e9 / n as f64;
    let t = Instant::now();
    let mut m = M::new();
    for (i, &k) in keys[..n].iter().enumerate() {
        m.insert(k, i as u64);
    }
    let grow = per(t);
    let t = Instant::now();
    let mut s = 0u64;
    for k in shuffled {
        s = s.wrapping_add(*m.get(k).expect("hit"));
    }
    let hit = per(t);
    let t = Instant::now();
    for k in &keys[n..2 * n] {
        s += u64::from(m.get(k).is_some());
    }
    let miss = per(t);
    black_box(s);
    drop(m);
    let t = Instant::now();
    let mut m = M::with_capacity(n);
    for (i, &k) in keys[..n].iter().enumerate() {
        m.insert(k, i as u64);
    }
    let hint = per(t);
    let t = Instant::now();
    for k in shuffled {
        s = s.wrapping_add(*m.get(k).expect("hit"));
    }
    let hit_sized = per(t);
    black_box(s);
    let t = Instant::now();
    for k in shuffled {
        black_box(m.remove(k));
    }
    let remove = per(t);
    assert_eq!(m.len(), 0);
    [hit, miss, grow, hint, hit_sized, remove]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs: usize =
        std::env::var("GOMAP_PLAIN_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    println!(
        "| size | row | gomap | std | gomap/std | gomap+ahash | hashbrown+ahash | gm+a/hb+a \
         | swissmap | swissmap+ahash | sw+a/hb+a |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for n in [1_000_000usize, 100_000] {
        let mut rng = SplitMix(SEED_KEYS);
        let keys: Vec<u64> = (0..2 * n).map(|_| rng.next_u64()).collect();
        let mut shuffled = keys[..n].to_vec();
        SplitMix(SEED_SHUFFLE).shuffle(&mut shuffled);
        let mut all: Vec<Vec<[f64; 6]>> = vec![Vec::new(); MAPS.len()];
        for _ in 0..runs {
            all[0].push(run::<gomap::GoMap<u64, u64>>(&keys, &shuffled));
            all[1].push(run::<HashMap<u64, u64>>(&keys, &shuffled));
            all[2].push(run::<gomap::GoMap<u64, u64, Ahash>>(&keys, &shuffled));
            all[3].push(run::<hashbrown::HashMap<u64, u64, Ahash>>(&keys, &shuffled));
            all[4].push(run::<gomap::SwissMap<u64, u64>>(&keys, &shuffled));
            all[5].push(run::<gomap::SwissMap<u64, u64, Ahash>>(&keys, &shuffled));
        }
        for (r, row) in ROWS.iter().enumerate() {
            let m: Vec<f64> =
                all.iter().map(|runs| median(runs.iter().map(|x| x[r]).collect())).collect();
            println!(
                "| {} | {row} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} |",
                if n >= 1_000_000 { "1M" } else { "100K" },
                m[0],
                m[1],
                m[0] / m[1],
                m[2],
                m[3],
                m[2] / m[3],
                m[4],
                m[5],
                m[5] / m[3]
            );
        }
    }
}
