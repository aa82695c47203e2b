#!/usr/bin/env python3
"""Checks the README's "Repository layout" table against the tree.

Every top-level directory tracked by git must appear in the table's path
column (itself, or a path under it), every directory directly under tests/
and crates/ must appear there by name, and every path in the table must
exist. Without git (an exported tree) the directories on disk count, less
the ones the root .gitignore names.

Usage: python3 tests/docs/readme_layout_test.py [REPO_ROOT [README]]
Run by scripts/test.sh (part "docs"). Exit status 1 on any mismatch.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
README = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "README.md")
HEADING = "## Repository layout"
LISTED_BY_NAME = ("tests", "crates")


def table_paths(readme: str) -> list[str]:
    """The paths (backquoted) in the first column of the table under HEADING."""
    lines = open(readme, encoding="utf-8").read().splitlines()
    try:
        start = lines.index(HEADING)
    except ValueError:
        sys.exit(f"FAIL - {readme} has no '{HEADING}' section")
    paths, in_table = [], False
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            in_table = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if re.fullmatch(r"-+", cells[0]) or cells[0] == "path":
                continue
            found = re.findall(r"`([^`]+)`", cells[0])
            if not found:
                sys.exit(f"FAIL - a layout row names no path: {line}")
            paths += [p.rstrip("/") for p in found]
        elif in_table or line.startswith("## "):
            break
    if not paths:
        sys.exit(f"FAIL - no table under '{HEADING}' in {readme}")
    return paths


def tracked_dirs() -> set[str]:
    """Directories of the tree, as paths relative to ROOT: the top level, and
    one level below each of LISTED_BY_NAME."""
    try:
        files = subprocess.run(
            ["git", "-C", ROOT, "ls-files", "-z"], check=True, capture_output=True, text=True
        ).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        files = None
    dirs = set()
    if files is not None and any(files):
        for f in files:
            parts = f.split("/")
            if len(parts) > 1:
                dirs.add(parts[0])
            if len(parts) > 2 and parts[0] in LISTED_BY_NAME:
                dirs.add(parts[0] + "/" + parts[1])
        return dirs
    ignored = {".git"}
    gitignore = os.path.join(ROOT, ".gitignore")
    if os.path.exists(gitignore):
        for line in open(gitignore, encoding="utf-8"):
            name = line.strip().strip("/")
            if name and not line.startswith("#") and not re.search(r"[*?\[/]", name):
                ignored.add(name)

    def subdirs(path: str) -> list[str]:
        full = os.path.join(ROOT, path)
        return [d for d in sorted(os.listdir(full)) if d not in ignored and os.path.isdir(os.path.join(full, d))]

    for top in subdirs(""):
        dirs.add(top)
        if top in LISTED_BY_NAME:
            dirs.update(top + "/" + d for d in subdirs(top))
    return dirs


def main() -> int:
    paths = table_paths(README)
    dirs = tracked_dirs()
    problems = []
    for path in paths:
        if not os.path.exists(os.path.join(ROOT, path)):
            problems.append(f"the layout table lists `{path}`, which does not exist")
    for d in sorted(dirs):
        if "/" in d:
            covered = d in paths
        else:
            covered = any(p == d or p.startswith(d + "/") for p in paths)
        if not covered:
            problems.append(f"`{d}/` is in the tree but not in the README's layout table")
    for problem in problems:
        print(f"FAIL - {problem}")
    print(f"readme-layout: {len(paths)} paths in the table, {len(dirs)} directories in the tree, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
