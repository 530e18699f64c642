#!/usr/bin/env python3
"""One table from one run: criterion's results for the Rust maps, the Go program's JSON lines
for Go's maps, and target/gomap-bench/memory.csv; ratios against the issue's targets.

Usage: report.py [--criterion DIR] [--memory CSV] [--go FILE ...]   (prints Markdown)
"""
import argparse
import csv
import json
import os
import sys

RUST = ["gomap", "gomap_ahash", "swissmap", "swissmap_ahash", "std", "std_ahash",
        "hashbrown_ahash", "hashbrown_foldhash"]
GO = ["go_classic", "go_swiss"]
WORKLOADS = ["insert_grow", "insert_hint", "get_hit", "get_miss", "remove", "iterate", "churn",
             "inflight"]
SIZES = ["1k", "100k", "1m", "8m"]
KEYS = ["u64", "str", "id16"]


def hb_limit(workload):
    """GoMap (ahash) over hashbrown (ahash): the issue's bound for this workload."""
    if workload in ("get_hit", "get_miss"):
        return 1.15
    if workload == "iterate":
        return 1.5
    return 1.3  # inserts, remove, and the mixes made of them (churn, inflight)


def load_criterion(root):
    """{(workload, key, size, map): ns per op} from */*/*/new/{benchmark,estimates}.json."""
    out = {}
    if not os.path.isdir(root):
        return out
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        group = bench["group_id"]
        if "-" not in group:
            continue
        workload, key = group.rsplit("-", 1)
        elems = (bench.get("throughput") or {}).get("Elements")
        if not elems:
            continue
        ns = est["median"]["point_estimate"] / elems
        out[(workload, key, bench["value_str"], bench["function_id"])] = ns
    return out


def load_go(paths):
    times, mem = {}, {}
    for p in paths:
        if not os.path.exists(p):
            print(f"note: {p} missing, its column stays empty", file=sys.stderr)
            continue
        with open(p) as f:
            for line in f:
                r = json.loads(line)
                if r["kind"] == "time":
                    times[(r["workload"], r["key"], r["size"], r["impl"])] = r["ns_per_op"]
                else:
                    mem[(r["key"], r["size"], r["impl"])] = r["live_bytes_per_entry"]
    return times, mem


def load_memory(path):
    mem = {}
    if os.path.exists(path):
        with open(path) as f:
            for r in csv.DictReader(f):
                mem[(r["key"], r["size"], r["map"])] = float(r["live_bytes_per_entry"])
    return mem


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(num, den, limit, lower_is_better=True):
    """num/den with a mark: ok when within the limit."""
    if num is None or den is None or den == 0:
        return "-", None
    r = num / den
    ok = r <= limit if lower_is_better else r >= limit
    return f"{r:.2f}{'' if ok else ' ✗'}", ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", default="target/criterion")
    ap.add_argument("--memory", default="target/gomap-bench/memory.csv")
    ap.add_argument("--go", nargs="*", default=["target/gomap-bench/go_classic.json",
                                                "target/gomap-bench/go_swiss.json"])
    a = ap.parse_args()

    times = load_criterion(a.criterion)
    go_times, go_mem = load_go(a.go)
    times.update(go_times)
    mem = load_memory(a.memory)
    mem.update(go_mem)
    cols = RUST + GO

    print("### Time per operation (ns, criterion median / Go median of samples)\n")
    print("Ratios: `gm+a/hb+a` = GoMap(ahash) / hashbrown(ahash), target <= 1.15 (get), 1.3 "
          "(insert, remove, churn, inflight), 1.5 (iterate); `gm/std` = GoMap / std (SipHash), "
          "target < 1 except iterate; `goC/gm` = Go classic / GoMap, target >= 1.5; "
          "`goS/gm` = Go Swiss / GoMap, target > 1; `goS/sw` = Go Swiss / SwissMap, target > 1; "
          "`sw+a/hb+a` = SwissMap(ahash) / hashbrown(ahash), target <= 1.25 on lookups (get_hit, "
          "get_miss), shown on every row. ✗ marks a missed target.\n")
    head = ["key", "workload", "size"] + cols + ["gm+a/hb+a", "gm/std", "goC/gm", "goS/gm",
                                                 "goS/sw", "sw+a/hb+a"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    tally = {}
    for key in KEYS:
        for w in WORKLOADS:
            for s in SIZES:
                row = {c: times.get((w, key, s, c)) for c in cols}
                if all(v is None for v in row.values()):
                    continue
                marks = [
                    ("gomap within bound of hashbrown",
                     ratio(row["gomap_ahash"], row["hashbrown_ahash"], hb_limit(w))),
                    ("gomap faster than std",
                     ratio(row["gomap"], row["std"], 1.0 if w != "iterate" else float("inf"))),
                    ("gomap 1.5x faster than Go classic",
                     ratio(row["go_classic"], row["gomap"], 1.5, lower_is_better=False)),
                    ("gomap faster than Go Swiss",
                     ratio(row["go_swiss"], row["gomap"], 1.0, lower_is_better=False)),
                    ("swissmap faster than Go Swiss",
                     ratio(row["go_swiss"], row["swissmap"], 1.0, lower_is_better=False)),
                    ("swissmap lookups within 1.25x of hashbrown" if w.startswith("get_")
                     else "swissmap(ahash) / hashbrown(ahash), no target",
                     ratio(row["swissmap_ahash"], row["hashbrown_ahash"],
                           1.25 if w.startswith("get_") else float("inf"))),
                ]
                for name, (_, ok) in marks:
                    if ok is not None and "no target" not in name:
                        met, total = tally.get(name, (0, 0))
                        tally[name] = (met + ok, total + 1)
                cells = [key, w, s] + [fmt(row[c]) for c in cols] + [m[1][0] for m in marks]
                print("| " + " | ".join(cells) + " |")

    print("\n### Heap bytes per entry after insert_grow (live)\n")
    print("Rust: counting global allocator, requested sizes. Go: HeapAlloc delta after a GC "
          "(includes size-class rounding). String keys' own bytes are not counted on either "
          "side.\n")
    head = ["key", "size"] + cols
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for key in KEYS:
        for s in SIZES:
            row = [mem.get((key, s, c)) for c in cols]
            if all(v is None for v in row):
                continue
            print("| " + " | ".join([key, s] + [fmt(v, 1) for v in row]) + " |")

    print("\n### Targets met\n")
    for name, (met, total) in tally.items():
        print(f"- {name}: {met}/{total} rows")
    missing = [c for c in cols if not any(k[3] == c for k in times)]
    if missing:
        print(f"\nNo results for: {', '.join(missing)}")


if __name__ == "__main__":
    main()
