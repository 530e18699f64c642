#!/usr/bin/env bash
# Runs the library's unit tests and every integration test binary under valgrind memcheck and
# fails on any memory error or definite leak. Proptest cases are cut down: valgrind is ~50x slower.
#
#   scripts/valgrind.sh            # all test binaries
#   scripts/valgrind.sh drops api  # only these integration tests
#   VALGRIND_CARGO_ARGS=--all-features scripts/valgrind.sh rayon  # tests that need features
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }

export PROPTEST_CASES="${PROPTEST_CASES:-3}"
# Every test binary, as cargo reports them.
# shellcheck disable=SC2086 # VALGRIND_CARGO_ARGS is a list of cargo arguments.
mapfile -t bins < <(cargo test --no-run ${VALGRIND_CARGO_ARGS:-} --message-format=json 2>/dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["target"]["name"] + " " + m["executable"])
')

status=0
for entry in "${bins[@]}"; do
  name=${entry%% *}
  exe=${entry#* }
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  log=$(mktemp)
  # --test-threads=1: one thread keeps valgrind's run deterministic and its reports readable.
  if valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      --show-leak-kinds=definite "$exe" --test-threads=1 >"$log" 2>&1; then
    echo "valgrind: $name: clean ($(grep -Eo '[0-9]+ passed' "$log" | head -1))"
  else
    echo "valgrind: $name: FAILED" >&2
    tail -n 60 "$log" >&2
    status=1
  fi
  rm -f "$log"
done
exit $status
