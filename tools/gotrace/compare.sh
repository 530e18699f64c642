#!/usr/bin/env bash
# Runs the trace script on gomap and on Go's classic map and compares them column by column.
#
#   tools/gotrace/compare.sh [N]           (default N = 1000; GO=/path/to/go to pick a toolchain)
#
# count and B depend only on the script, so they must match on every row (exit 1 otherwise).
# noverflow, nevacuate and grow lengths depend on where keys hash, and Go seeds its hash at random
# per map: for those it prints how often the rows agree.
set -euo pipefail
cd "$(dirname "$0")"
n="${1:-1000}"
go="${GO:-$(command -v go || echo /tmp/go/bin/go)}"
if [ ! -x "$go" ]; then echo "compare: no Go toolchain (set GO=...)" >&2; exit 2; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
GOEXPERIMENT=noswissmap "$go" run . -n "$n" >"$tmp/go.tsv"
(cd ../.. && cargo run --release --quiet -- trace --n "$n") >"$tmp/gomap.tsv"
awk -F'\t' '
  NR == FNR { go[FNR] = $0; next }
  {
    split(go[FNR], g, "\t")
    if (FNR == 1) { next }
    rows++
    if ($2 != g[2]) { printf "row %d: op %s vs %s\n", FNR - 1, $2, g[2]; bad++ }
    if ($3 != g[3] || $4 != g[4]) { printf "row %d (%s): count/B gomap %s/%s, go %s/%s\n", FNR - 1, $2, $3, $4, g[3], g[4]; bad++ }
    for (c = 5; c <= 8; c++) if ($c == g[c]) same[c]++
    if ($6 == "true") gg++; if (g[6] == "true") gog++
  }
  END {
    printf "rows: %d, count and B identical: %s\n", rows, bad ? "NO (" bad " rows differ)" : "yes"
    printf "noverflow same on %d rows, growing on %d, nevacuate on %d, same_size_grow on %d\n", same[5], same[6], same[7], same[8]
    printf "rows spent growing: gomap %d, go %d\n", gg, gog
    exit bad ? 1 : 0
  }' "$tmp/gomap.tsv" "$tmp/go.tsv"
