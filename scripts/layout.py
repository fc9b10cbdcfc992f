#!/usr/bin/env python3
"""layout.py - the shape of the code, measured: include and call circles
between files, the folder layering of src/lib/README.md, the longest
functions and the longest command files.

A file's module is its path without the extension (x.c and x.h are one
module). An include edge goes from a module to the module of a project
header it includes; a call edge from a module whose object file uses a
symbol (nm: U) to the module whose object file defines it (T, D, B, R).
A circle is a strongly connected set of two or more modules.

usage: layout.py SOURCE_DIR [BUILD_DIR] [--check]
  prints the report; with --check exits 1 when a rule is broken:
  a circle, an include against the layering, a function over 100 lines,
  a command file (src/cli/cmd_*.c) over 300 lines. Without BUILD_DIR
  (the objects) the call graph is not measured.
"""
import os
import re
import subprocess
import sys

LAYERS = ["base", "files", "kernels", "data", "net", "report"]  # src/lib/README.md
MAX_FUNCTION = 100
MAX_COMMAND_FILE = 300


def sources(root):
    out = []
    for top in ("src/lib", "src/cli"):
        for d, _, files in os.walk(os.path.join(root, top)):
            out += [os.path.join(d, f) for f in files if f.endswith((".c", ".h"))]
    return sorted(out)


def module(root, path):
    return os.path.splitext(os.path.relpath(path, root))[0]


def include_graph(root, files):
    by_name = {os.path.basename(f): module(root, f) for f in files if f.endswith(".h")}
    edges = {}
    for f in files:
        m = module(root, f)
        edges.setdefault(m, set())
        for line in open(f, encoding="utf-8", errors="replace"):
            g = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if g and os.path.basename(g.group(1)) in by_name:
                t = by_name[os.path.basename(g.group(1))]
                if t != m:
                    edges[m].add(t)
    return edges


def call_graph(root, build):
    defined, used, found = {}, {}, set()
    for d, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            p = os.path.join(d, f)
            rel = p.split("/src/", 1)
            if len(rel) != 2 or "/tests/" in p:
                continue
            m = "src/" + rel[1][: -len(".c.o")]
            if not os.path.exists(os.path.join(root, m + ".c")):
                continue
            found.add(m)
            out = subprocess.run(["nm", p], capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == "U":
                    used.setdefault(m, set()).add(parts[1])
                elif len(parts) == 3 and parts[1] in "TDBR":
                    defined[parts[2]] = m
    edges = {m: set() for m in found}
    for m, syms in used.items():
        for s in syms:
            t = defined.get(s)
            if t and t != m:
                edges[m].add(t)
    return edges


def circles(edges):
    """Strongly connected components of two or more nodes (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layer_of(m):
    parts = m.split("/")
    if parts[:2] == ["src", "lib"] and len(parts) > 3 and parts[2] in LAYERS:
        return LAYERS.index(parts[2])
    if parts[:2] == ["src", "cli"]:
        return len(LAYERS)
    return None


def layering(edges):
    bad = []
    for m, ts in sorted(edges.items()):
        a = layer_of(m)
        for t in sorted(ts):
            b = layer_of(t)
            if a is not None and b is not None and b > a:
                bad.append(f"{m} includes {t}")
    return bad


def functions(files):
    """(lines, file, name) of every function definition: a line at column
    0 that ends a signature, a '{' at column 0, up to the '}' at column 0."""
    out = []
    for f in files:
        if not f.endswith(".c"):
            continue
        lines = open(f, encoding="utf-8", errors="replace").read().split("\n")
        i = 0
        while i < len(lines):
            if lines[i] == "{" and i > 0:
                j = i - 1
                while j > 0 and not re.match(r"[A-Za-z_].*\(", lines[j]):
                    j -= 1
                g = re.search(r"([A-Za-z_][A-Za-z_0-9]*)\s*\(", lines[j])
                k = i + 1
                while k < len(lines) and lines[k] != "}":
                    k += 1
                out.append((k - j + 1, f, g.group(1) if g else "?"))
                i = k
            i += 1
    return sorted(out, reverse=True)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv
    root = os.path.abspath(args[0])
    build = args[1] if len(args) > 1 else None
    files = sources(root)
    broken = []

    inc = include_graph(root, files)
    c_inc = circles(inc)
    print(f"include circles: {len(c_inc)}")
    for c in c_inc:
        print("  " + " <-> ".join(c))
    broken += [f"include circle {' <-> '.join(c)}" for c in c_inc]
    lay = layering(inc)
    print(f"includes against the layering ({' < '.join(LAYERS)} < cli): {len(lay)}")
    for b in lay:
        print("  " + b)
    broken += lay

    if build:
        calls = call_graph(root, build)
        n_c = sum(1 for f in files if f.endswith(".c"))
        if len(calls) < n_c:
            broken.append(f"only {len(calls)} of {n_c} object files found under {build}")
        c_call = circles(calls)
        print(f"call circles ({len(calls)} object files): {len(c_call)}")
        for c in c_call:
            print("  " + " <-> ".join(c))
        broken += [f"call circle {' <-> '.join(c)}" for c in c_call]

    fns = functions(files)
    print("15 longest functions:")
    for n, f, name in fns[:15]:
        print(f"  {n:4d}  {name} ({os.path.relpath(f, root)})")
    broken += [f"{name} ({os.path.relpath(f, root)}) has {n} lines, over {MAX_FUNCTION}"
               for n, f, name in fns if n > MAX_FUNCTION]

    cmds = []
    for f in files:
        b = os.path.basename(f)
        if "/src/cli/" in f and b.startswith("cmd_") and b.endswith(".c"):
            cmds.append((sum(1 for _ in open(f, encoding="utf-8", errors="replace")), f))
    cmds.sort(reverse=True)
    print("command files:")
    for n, f in cmds:
        print(f"  {n:4d}  {os.path.relpath(f, root)}")
    broken += [f"{os.path.relpath(f, root)} has {n} lines, over {MAX_COMMAND_FILE}"
               for n, f in cmds if n > MAX_COMMAND_FILE]

    if check and broken:
        print(f"FAIL: {len(broken)} rule(s) broken:")
        for b in broken:
            print("  " + b)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `layout.py | head`
        sys.exit(0)
