#!/usr/bin/env bash
# Deterministic instruction profile of one benchmark of benches/map.rs, e.g.
#   scripts/bench-callgrind.sh get_hit-u64/gomap_ahash/100k [reps]
# The bench binary runs that routine `reps` times (default 10) with no timing
# (GOMAP_BENCH_PROFILE); callgrind counts instructions, which the noisy machine cannot move.
# Compare maps by running the same id with another map: the input setup is identical, so the
# difference in totals divided by reps * n is the difference per operation.
# Output: target/gomap-bench/callgrind.<id>.{out,txt}
set -euo pipefail
cd "$(dirname "$0")/.."
id=${1:?usage: scripts/bench-callgrind.sh WORKLOAD-KEY/MAP/SIZE [reps]}
reps=${2:-10}
cargo bench --bench map --no-run
bin=$(ls -t target/release/deps/map-* | grep -v '\.d$' | head -1)
name=$(echo "$id" | tr '/' '_')
mkdir -p target/gomap-bench
GOMAP_BENCH_PROFILE="$id" GOMAP_BENCH_REPS="$reps" \
    valgrind --tool=callgrind --callgrind-out-file="target/gomap-bench/callgrind.$name.out" "$bin"
callgrind_annotate "target/gomap-bench/callgrind.$name.out" >"target/gomap-bench/callgrind.$name.txt"
head -30 "target/gomap-bench/callgrind.$name.txt"
