#!/usr/bin/env python3
"""Import circles between a crate's source files, and its longest files.

An edge a -> b: file a names an item of sibling file b (`super::b::`, `use super::{b, ..}`,
`crate::x::b::`). A child naming its parent's items (mod.rs) is not an edge: the parent
declares the child, so every such pair would count. Usage: scripts/modgraph.py src tools/src
"""
import os, re, sys


def modules(root):
    mods = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".rs"):
                p = os.path.join(d, f)
                rel = os.path.relpath(p, root)[:-3].split(os.sep)
                if rel[-1] in ("mod", "lib", "main"):
                    rel = rel[:-1]
                mods[tuple(rel)] = p
    return mods


def edges(mods):
    out = {m: set() for m in mods}
    for m, p in mods.items():
        text = re.sub(r"//[^\n]*", "", open(p).read())
        text = text.split("#[cfg(test)]\nmod tests")[0]
        parent = m[:-1] if not p.endswith("mod.rs") else m[:-1]
        own = m if p.endswith("mod.rs") else m[:-1]  # the module `super` names from here
        for path in re.findall(r"\b((?:crate|super)(?:::\w+)+)", text):
            parts = path.split("::")
            base = list(own[:-1]) if p.endswith("mod.rs") else list(own)
            if parts[0] == "crate":
                base = []
                parts = parts[1:]
            else:
                parts = parts[1:]
            while parts and parts[0] == "super":
                base = base[:-1]
                parts = parts[1:]
            tgt = tuple(base)
            for part in parts:
                if tgt + (part,) in mods:
                    tgt = tgt + (part,)
                else:
                    break
            if tgt != m and tgt in mods and tgt[:-1] == m[:-1] and len(tgt) == len(m):
                out[m].add(tgt)
        for grp in re.findall(r"use super::\{([^}]*)\}", text):
            for name in re.findall(r"\b(\w+)\b", grp):
                tgt = (m[:-1] if not p.endswith("mod.rs") else m[:-2]) + (name,)
                if tgt in mods and tgt != m and len(tgt) == len(m):
                    out[m].add(tgt)
    return out


def cycles(out):
    seen, found = set(), []
    for start in out:
        stack = [(start, [start])]
        while stack:
            n, path = stack.pop()
            for nxt in out[n]:
                if nxt == start:
                    c = path
                    key = frozenset(c)
                    if key not in seen:
                        seen.add(key)
                        found.append(c)
                elif nxt not in path and len(path) < 8:
                    stack.append((nxt, path + [nxt]))
    return found


total = 0
for root in sys.argv[1:] or ["src"]:
    mods = modules(root)
    cs = cycles(edges(mods))
    total += len(cs)
    for c in cs:
        print(f"{root}: circle " + " -> ".join("/".join(x) or "lib" for x in c + [c[0]]))
    longest = sorted(((sum(1 for _ in open(p)), p) for p in mods.values()), reverse=True)[:3]
    print(f"{root}: {len(mods)} files, {len(cs)} import circles, longest: "
          + ", ".join(f"{p} {n}" for n, p in longest))
sys.exit(1 if total else 0)
