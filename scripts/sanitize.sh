#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer on nightly. On Linux, ASAN runs LeakSanitizer at
# each test binary's exit, so an out-of-bounds access, a use after free, a double free or a
# leak fails the run.
#
#   scripts/sanitize.sh                # every test binary
#   scripts/sanitize.sh --test drops   # arguments go to cargo test
#   GOMAP_ASAN_EXCLUDE="twin_go" scripts/sanitize.sh   # all but these integration tests
#
# With nightly's rust-src component, std is rebuilt instrumented (-Zbuild-std); without it
# (rustup cannot always fetch it) std stays uninstrumented, and what is checked is gomap and
# its dependencies, which is where the map's unsafe code lives. Built in target/asan, so the
# normal build is left alone. Proptest cases are cut (PROPTEST_CASES, default 64): the
# instrumented debug build runs the tests several times slower.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "sanitize.sh: no nightly toolchain (rustup toolchain install nightly)" >&2
  exit 2
fi
build_std=()
if rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
  build_std=(-Zbuild-std)
  echo "sanitize.sh: std rebuilt with ASAN (-Zbuild-std)"
else
  echo "sanitize.sh: nightly has no rust-src, so std is not instrumented; gomap and its dependencies are"
fi
# gomap_sanitize: bucket arrays come from the allocator, where ASAN and LSAN can see them
# (src/map/memory.rs, MAP_LARGE).
flags="-Zsanitizer=address -Cdebug-assertions --cfg gomap_sanitize"
export RUSTFLAGS="$flags" RUSTDOCFLAGS="$flags"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
# No backtraces: symbolising one under ASAN takes seconds, and a test that panics on purpose
# while pinned to the epoch would hold back reclamation that other tests wait for (3 s).
export RUST_BACKTRACE=0
# By default the unit tests, the program and every integration test, with every feature on (so
# the serde and rayon tests, which require theirs, build too); doctests are left out
# (rustdoc does not take --target's sanitizer runtime here), and so are the loom models (they
# need --cfg loom; tests/loom_concurrent.rs builds empty without it).
# GOMAP_ASAN_EXCLUDE names integration tests to leave out (CI leaves out twin_go: see .ci/run).
if [ $# -eq 0 ]; then
  set -- --all-features --lib --bins
  for f in tests/*.rs; do
    name=$(basename "$f" .rs)
    if [[ " ${GOMAP_ASAN_EXCLUDE:-} " == *" $name "* ]]; then
      echo "sanitize.sh: tests/$name.rs left out (GOMAP_ASAN_EXCLUDE)"
    else
      set -- "$@" --test "$name"
    fi
  done
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo +nightly test "${build_std[@]}" --target "$target" --target-dir target/asan --no-fail-fast \
  "$@" 2>&1 |
  tee "$log" | grep -E '^(test result|error|     Running)|ERROR: (Address|Leak)Sanitizer|SUMMARY'
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')
if [ "$status" -ne 0 ] || grep -Eq 'ERROR: (Address|Leak)Sanitizer' "$log"; then
  grep -E -A 30 'ERROR: (Address|Leak)Sanitizer' "$log" | head -80 >&2 || true
  echo "sanitize: ASAN+LSAN: FAILED ($passed passed, $failed failed)" >&2
  exit 1
fi
echo "sanitize: ASAN+LSAN: clean, $passed passed, $failed failed"
