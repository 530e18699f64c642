#!/usr/bin/env bash
# A/B of two benches/map.rs builds, interleaved: A, B, A, B, ... ROUNDS times over the rows that
# FILTER selects (a criterion filter; default: gomap's rows), then per row B's median time over
# A's, with each round's ratio. On a shared machine only the ratio means anything.
#   scripts/bench-ab.sh A_BIN B_BIN [ROUNDS] [FILTER]
# Build each side with `cargo bench --bench map --no-run` at its commit; the binary is the
# newest target/release/deps/map-*.
set -euo pipefail
a=$1 b=$2 rounds=${3:-3} filter=${4:-/gomap/}
out=$(mktemp -d)
export GOMAP_BENCH_NO_MEMORY=1
for r in $(seq 1 "$rounds"); do
    for side in a b; do
        bin=$a; [[ $side == b ]] && bin=$b
        "$bin" --bench --warm-up-time 1 --measurement-time 2 --noplot "$filter" 2>/dev/null \
            > "$out/$side.$r"
    done
done
python3 - "$out" "$rounds" <<'PY'
import re, sys, statistics
out, rounds = sys.argv[1], int(sys.argv[2])
unit = {"ps": 1e-3, "ns": 1, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
def read(path):
    rows, name = {}, None
    for line in open(path):
        m = re.match(r"^(\S+/\S+)\s*(time:.*)?$", line.rstrip())
        if m and "/" in m.group(1) and not line.startswith(" "):
            name = m.group(1)
        t = re.search(r"time:\s+\[\S+ \S+ ([\d.]+) (\S+)", line)
        if t and name:
            rows[name] = float(t.group(1)) * unit[t.group(2)]
    return rows
A = [read(f"{out}/a.{r}") for r in range(1, rounds + 1)]
B = [read(f"{out}/b.{r}") for r in range(1, rounds + 1)]
print(f"{'row':40} {'A ns':>10} {'B ns':>10} {'B/A':>7}  each round")
worst = 0
for name in A[0]:
    ra = [x[name] for x in A if name in x]
    rb = [x[name] for x in B if name in x]
    if not rb:
        continue
    ma, mb = statistics.median(ra), statistics.median(rb)
    each = " ".join(f"{y / x:.3f}" for x, y in zip(ra, rb))
    worst = max(worst, abs(mb / ma - 1))
    print(f"{name:40} {ma:10.1f} {mb:10.1f} {mb / ma:7.3f}  {each}")
print(f"largest median change: {worst * 100:.1f}%")
PY
