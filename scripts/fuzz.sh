#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/fuzz_targets) for a bounded time on nightly, with debug
# assertions and AddressSanitizer (cargo-fuzz's default), starting from the kept inputs in
# fuzz/regressions/<target> plus whatever fuzz/corpus/<target> holds from earlier runs.
# Prints the executions per target; fails on the first failing input, naming its file.
#
#   scripts/fuzz.sh              # every target, 90 s each
#   scripts/fuzz.sh 600 map      # map only, 10 minutes
#
# A failing input is saved under fuzz/artifacts/<target>/. Keep it as a regression test: fix
# the bug, copy the file into fuzz/regressions/<target>/ (tests/fuzz_regressions.rs replays it
# in `cargo test`), and reproduce with `cargo +nightly fuzz run -a <target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-90}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(map concurrent hash)
cargo +nightly fuzz build -a
status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log=$(mktemp)
  # -len_control=0: the inputs are operation scripts, which only get interesting when long,
  # so mutations may use the whole -max_len from the start.
  if cargo +nightly fuzz run -a "$t" "fuzz/corpus/$t" "fuzz/regressions/$t" -- \
      -max_total_time="$seconds" -len_control=0 -max_len=4096 -timeout=30 \
      -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log")
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
    echo "fuzz: $t: ${runs:-?} ($cov), no failure"
  else
    echo "fuzz: $t: FAILED" >&2
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|assertion' "$log" | head -20 >&2
    tail -n 40 "$log" >&2
    status=1
  fi
  rm -f "$log"
done
exit $status
