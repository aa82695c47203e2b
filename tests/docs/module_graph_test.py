#!/usr/bin/env python3
"""Checks that the Rust crates' modules import each other without circles.

A module here is a top-level module of a crate (`config`, `tools`, `oauth`, …:
a file or directory directly under `src/`). Module A depends on B when any
file of A names `crate::B` (in a `use` or a path), tests excluded. A circle
(A → … → A) fails, naming its modules and the edges inside it; so does a
`pub use crate::…` re-export, since a chain of re-exports hides where a name
lives.

The fake Google has one known circle among its data and seed modules (the
seeded files of Drive, Docs and Sheets refer to each other); it may shrink
but not grow, and no other may appear.

Usage: python3 tests/docs/module_graph_test.py [REPO_ROOT]
Run by scripts/test.sh (part "docs"). Exit status 1 on any circle.
"""

from __future__ import annotations

import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))

CRATES = {
    "crates/gateway/src": frozenset(),
    "crates/fake-google/src": frozenset({"data", "docs", "drive", "seed", "sheets"}),
    "crates/bench/src": frozenset(),
}

TEST_MODULE = re.compile(r"^#\[cfg\(test\)\]\s*\n\s*mod \w+\s*(\{|;)", re.M)
PATH = re.compile(r"\bcrate::(\w+)")
GROUP = re.compile(r"\buse crate::\{(.*?)\};", re.S)
REEXPORT = re.compile(r"^\s*pub(\([^)]*\))? use crate::.*$", re.M)


def top_module(src: str, path: str) -> str | None:
    parts = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts[0] if parts else None


def without_tests(text: str) -> str:
    found = TEST_MODULE.search(text)
    return text[: found.start()] if found else text


def group_heads(body: str) -> set[str]:
    """The first names of a `use crate::{a, b::{c, d}, e}` group."""
    heads, depth, token = set(), 0, ""
    for ch in body + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if depth == 0 and ch == ",":
            name = re.match(r"\s*(\w+)", token)
            if name:
                heads.add(name.group(1))
            token = ""
        else:
            token += ch
    return heads


def graph(src: str) -> tuple[dict[str, set[str]], list[str]]:
    edges: dict[str, set[str]] = {}
    reexports = []
    for directory, _, files in os.walk(src):
        if os.sep + "tests" in directory[len(src) :]:
            continue
        for name in files:
            if not name.endswith(".rs") or name == "tests.rs":
                continue
            path = os.path.join(directory, name)
            module = top_module(src, path)
            if module is None or module == "tests":
                continue
            text = without_tests(open(path, encoding="utf-8").read())
            names = set(PATH.findall(text))
            for body in GROUP.findall(text):
                names |= group_heads(body)
            edges.setdefault(module, set()).update(n for n in names if n not in (module, "self"))
            reexports += [f"{os.path.relpath(path, ROOT)}: {m.group(0).strip()}" for m in REEXPORT.finditer(text)]
    return edges, reexports


def circles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(group)

    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    problems = []
    for crate, known in CRATES.items():
        edges, reexports = graph(os.path.join(ROOT, crate))
        for group in circles(edges):
            if group <= known:
                continue
            inside = "; ".join(f"{a} → {', '.join(sorted(edges[a] & group))}" for a in sorted(group))
            problems.append(f"{crate}: import circle among {sorted(group)} ({inside})")
        problems += [f"re-export (import the name where it is defined): {r}" for r in reexports]
        print(f"module-graph: {crate}: {len(edges)} modules, {sum(len(v) for v in edges.values())} edges")
    for problem in problems:
        print(f"FAIL - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
