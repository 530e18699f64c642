#!/usr/bin/env bash
# Regenerates every figure in docs/ from live maps (the marked blocks in docs/*.md, docs/figures/,
# docs/tour.html). tools/tests/docs_figures.rs fails until this has been run after a change that moves
# a figure. With --check, only lists what is out of date (exit 2 if anything is).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--check" ]; then
  exec cargo run --release --quiet -- docs --out docs --check
fi
exec cargo run --release --quiet -- docs --out docs
