#!/usr/bin/env bash
# Rust side of the map benches (benches/map.rs) with the short settings this project uses.
# Extra arguments go to criterion, e.g. a filter: scripts/bench-rust.sh 'get_hit-u64'
# GOMAP_BENCH_SIZES=1k,100k,1m,8m adds the slow sizes (default 1k,100k).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOMAP_BENCH_SIZES=${GOMAP_BENCH_SIZES:-1k,100k}
cargo bench --bench map -- --warm-up-time 1 --measurement-time 2 "$@"
