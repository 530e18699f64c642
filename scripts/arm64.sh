#!/usr/bin/env bash
# Runs cargo for Linux arm64 (aarch64-unknown-linux-gnu) on an x86-64 Linux machine: Debian's
# cross gcc links, Debian's qemu-user runs the binaries (it emulates the AES instructions, so
# gomap takes arm64's aeshash as on an arm64 CPU with AES), and the Go twin's Go side is built
# for arm64 (tools/src/inspect/gotool.rs) and run under qemu too.
#
#   scripts/arm64.sh test -p gomap --tests        # the library's unit and integration tests
#   scripts/arm64.sh run --release -- twin --size small   # the twin, both hash paths
#
# The first argument is cargo's subcommand, the rest go after `--target`. Needs
#   apt-get install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
#   rustup target add aarch64-unknown-linux-gnu
# (.ci/run installs them). The runner and linker are set here rather than in .cargo/config.toml,
# where they would also apply to a native build on an arm64 Linux machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: scripts/arm64.sh <cargo subcommand> [cargo arguments]" >&2
  exit 2
fi
for tool in qemu-aarch64 aarch64-linux-gnu-gcc; do
  if ! command -v "$tool" >/dev/null; then
    echo "arm64.sh: no $tool (apt-get install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)" >&2
    exit 2
  fi
done
sysroot=/usr/aarch64-linux-gnu
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
# The twin's Go tool is a static arm64 binary: qemu runs it directly.
export GOMAP_GO_RUNNER=qemu-aarch64
sub=$1
shift
exec cargo "$sub" --target aarch64-unknown-linux-gnu "$@"
