#!/usr/bin/env bash
# Instruction profile of one benchmark, e.g.:
#   scripts/bench-callgrind.sh 'get_hit-u64/gomap/100k'
# Criterion's --profile-time runs the routine without analysis; callgrind counts instructions,
# which do not depend on the noisy machine. Output: target/gomap-bench/callgrind.<name>.{out,txt}
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:?usage: scripts/bench-callgrind.sh GROUP/MAP/SIZE [seconds]}
secs=${2:-2}
cargo bench --bench map --no-run
bin=$(ls -t target/release/deps/map-* | grep -v '\.d$' | head -1)
name=$(echo "$filter" | tr '/' '_')
mkdir -p target/gomap-bench
GOMAP_BENCH_NO_MEMORY=1 GOMAP_BENCH_SIZES=${GOMAP_BENCH_SIZES:-1k,100k} \
    valgrind --tool=callgrind --callgrind-out-file="target/gomap-bench/callgrind.$name.out" \
    "$bin" --bench --profile-time "$secs" "^$filter\$"
callgrind_annotate --inclusive=yes "target/gomap-bench/callgrind.$name.out" \
    >"target/gomap-bench/callgrind.$name.txt"
head -40 "target/gomap-bench/callgrind.$name.txt"
