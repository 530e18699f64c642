#!/bin/sh
# Builds tools/gotwin with Go's default (Swiss-table) map and runs its built-in self-check
# (gotwin -selftest: growth to 64 tables through splits and directory doublings, deletes and
# tombstones, reinserts, clears, hints, small maps; u64, str and id16 keys) on both of the
# runtime's hash paths: AES where the CPU has it, then memhash (GODEBUG=cpu.aes=off).
# Prints one summary line per hash path; exits non-zero when a build or a check fails.
#
# Usage: tools/gotwin/swiss-selftest.sh [go binary]   (default: $GO, else `go` on PATH)
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
go=${1:-${GO:-go}}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$dir"
# The Swiss map is the default: build without GOEXPERIMENT=noswissmap.
env -u GOEXPERIMENT GOTOOLCHAIN=local "$go" build -ldflags=-checklinkname=0 -o "$out/gotwin-swiss" .
for aes in on off; do
	if [ "$aes" = on ]; then
		"$out/gotwin-swiss" -selftest 2>"$out/detail"
	else
		GODEBUG=cpu.aes=off "$out/gotwin-swiss" -selftest 2>"$out/detail"
	fi || { cat "$out/detail" >&2; exit 1; }
done
