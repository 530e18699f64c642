#!/usr/bin/env bash
# Everything for docs/performance.md in one run: the Rust benches, then Go's classic and Swiss
# maps on the same workloads, then one table (also saved as target/gomap-bench/table.md).
# GOMAP_BENCH_SIZES=1k,100k,1m (or ...,8m) adds the slow sizes; GO=/path/to/go reuses a toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/criterion target/gomap-bench # one table from one run
scripts/bench-rust.sh
benches/go/run.sh
