"""The least a cold build costs before any of Yantra's own code runs, next to pyrefly's whole check (issue 10).

A cold build has to parse every file with tree-sitter and build CPython's symbol table of it (`symtable`: the
scopes the undefined-name rule judges). This measures those two native calls alone over every `.py` file of a
release, in this process, plus one Python walk over each tree's nodes (the least a pass over the tree costs),
and runs pyrefly's whole-project check as a subprocess for comparison. CPU seconds (user + system).

    python -m benchmarks.parse_floor [--projects django==5.0.6]
"""

from __future__ import annotations

import argparse
import os
import symtable
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/parse_floor.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.process import run_measured
from benchmarks.projects import SPEED_PROJECT, git, prepare
from benchmarks.report import table


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _walk(tree: object) -> int:
    cursor = tree.walk()  # type: ignore[attr-defined]
    nodes = 0
    while True:
        nodes += 1
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return nodes


def measure(spec: str) -> list[tuple[str, float]]:
    import tree_sitter

    from bot.graph.python_grammar import python_language

    root = prepare(spec)
    files = [f for f in git(root, "ls-files", "*.py").split() if (root / f).is_file()]
    sources = [(root / f).read_bytes() for f in files]
    parser = tree_sitter.Parser(python_language())
    t0 = _cpu()
    trees = [parser.parse(s) for s in sources]
    t1 = _cpu()
    for data, name in zip(sources, files, strict=True):
        try:
            symtable.symtable(data.decode("utf-8", "replace"), name, "exec")
        except SyntaxError:
            pass
    t2 = _cpu()
    for tree in trees:
        _walk(tree)
    t3 = _cpu()
    pyrefly = run_measured([str(Path(sys.executable).with_name("pyrefly")), "check", "--summary", "--output-format", "omit-errors"], cwd=root)
    return [(f"tree-sitter parse ({len(files)} files)", t1 - t0), ("symtable", t2 - t1), ("node walk", t3 - t2),
            ("parse + symtable + walk", t3 - t0), ("pyrefly whole check (subprocess)", pyrefly.cpu_seconds)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", nargs="+", default=[SPEED_PROJECT])
    args = ap.parse_args(argv)
    for spec in args.projects:
        print(f"\n{spec}: CPU seconds, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        print(table(["part", "CPU s"], measure(spec)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
