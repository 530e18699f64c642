#!/usr/bin/env bash
# Instructions per operation (callgrind, deterministic) for every workload of benches/map.rs,
# for a few maps; a noise-free complement to the criterion timings on a shared machine.
#   scripts/bench-instructions.sh [KEY] [SIZE] [REPS] [MAP...]
#   defaults: u64 100k 3 gomap std gomap_ahash hashbrown_ahash; BENCH_BIN=path for another build
# Per op = (instructions with REPS runs - the same without the timed routine) / (REPS * ops):
# iter workloads subtract a REPS=0 run, batched ones (insert_*, remove) a setup-only run.
# inflight's per-step figure also holds the trace generation, the same for every map.
set -euo pipefail
cd "$(dirname "$0")/.."
key=${1:-u64}
size=${2:-100k}
reps=${3:-3}
shift $(($# < 3 ? $# : 3))
maps=("$@")
[[ ${#maps[@]} -gt 0 ]] || maps=(gomap std gomap_ahash hashbrown_ahash)
case $size in 1k) n=1000 ;; 100k) n=100000 ;; 1m) n=1000000 ;; 8m) n=8000000 ;; *) exit 2 ;; esac
# BENCH_BIN: a benches/map.rs binary built elsewhere (an A/B against another commit).
if [[ -z ${BENCH_BIN:-} ]]; then
    cargo bench --bench map --no-run 2>/dev/null
fi
bin=${BENCH_BIN:-$(ls -t target/release/deps/map-* | grep -v '\.d$' | head -1)}

ir() { # id reps [setup-only]
    local setup=()
    [[ -n ${3:-} ]] && setup=(GOMAP_BENCH_SETUP_ONLY=1)
    env "${setup[@]}" GOMAP_BENCH_PROFILE="$1" GOMAP_BENCH_REPS="$2" \
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-12s' "Ir/op"
printf ' %18s' "${maps[@]}"
printf '\n'
for w in insert_grow insert_hint get_hit get_miss remove iterate churn inflight; do
    printf '%-12s' "$w"
    for m in "${maps[@]}"; do
        if [[ $w == inflight ]]; then
            id="inflight-id16/$m/100k" ops=10000
        else
            id="$w-$key/$m/$size" ops=$n
        fi
        full=$(ir "$id" "$reps")
        case $w in
            insert_grow | insert_hint | remove) base=$(ir "$id" "$reps" setup) ;;
            *) base=$(ir "$id" 0) ;;
        esac
        printf ' %18.1f' "$(echo "($full - $base) / ($reps * $ops)" | bc -l)"
    done
    printf '\n'
done
