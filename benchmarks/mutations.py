"""Breaking changes of a real Python project, each with the ground truth a correct gate must report.

Adapted from the yardstick `../shared/bench/mutate.py` (same kinds, same selection and the same random
sequence, so a seed gives the same mutations there and here); typed and split into small functions.

Kinds:
  remove_def      delete a top-level def/class that another module imports by name
  rename_def      rename such a def (importers keep the old name)
  remove_attr     delete a top-level def that another module uses as `module.name`
                  (for these three, every use of either form is an expected place: both break)
  remove_module   delete a module file that other modules import (staged, never passed as a path)
  arity           add a required parameter to a function that another module calls
  syntax          break the syntax of one file (in-file baseline)
  undefined       rename one in-function reference to a module-level def (in-file baseline; never one in a
                  local variable's annotation, which Python does not evaluate)

A tool detects a mutation when it reports an error finding on one of `expect` (the path, and a line within
line..end_line). `staged` lists what a pre-commit run passes: the staged files that still exist.
Only the standard library is used (plus `benchmarks/uses.py`, the project model), so this can be tested
without the project installed.
"""

from __future__ import annotations

import ast
import importlib
import os
import random
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.uses import Module, Site, Uses, collect_uses, find_modules

CROSS_FILE_KINDS = ("remove_def", "rename_def", "remove_attr", "remove_module", "arity")
BASELINE_KINDS = ("syntax", "undefined")
KINDS = CROSS_FILE_KINDS + BASELINE_KINDS

@dataclass(frozen=True)
class Edit:
    path: str
    action: str  # "write" | "delete"
    content: str = ""


@dataclass(frozen=True)
class Expect:
    path: str
    line: int
    end_line: int

    def matches(self, path: str, line: int) -> bool:
        return path == self.path and self.line <= line <= self.end_line


@dataclass(frozen=True)
class Mutation:
    id: str
    project: str
    kind: str
    edits: tuple[Edit, ...]
    staged: tuple[str, ...]
    expect: tuple[Expect, ...]
    note: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def apply(root: Path, mutation: Mutation) -> None:
    """Write the mutation into the work tree (staging is the caller's business)."""
    for edit in mutation.edits:
        target = root / edit.path
        if edit.action == "delete":
            target.unlink()
        else:
            target.write_text(edit.content, encoding="utf-8")


def def_span(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> tuple[int, int]:
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return start, node.end_lineno or node.lineno


def delete_lines(src: str, start: int, end: int) -> str:
    lines = src.splitlines(keepends=True)
    del lines[start - 1 : end]
    return "".join(lines)


def offset_of(src: str, lineno: int, col: int) -> int:
    lines = src.splitlines(keepends=True)
    prefix = "".join(lines[: lineno - 1])
    return len(prefix) + len(lines[lineno - 1].encode()[:col].decode())


def _expect(sites: list[Site], target_path: str) -> list[Expect]:
    return [Expect(p, ln, end) for p, ln, end in sites if p != target_path]


def _merge(first: list[Expect], more: list[Expect]) -> list[Expect]:
    return first + [e for e in more if e not in first]


class _Collector:
    def __init__(self, project: str) -> None:
        self.project = project
        self.out: list[Mutation] = []

    def add(self, kind: str, edits: list[Edit], staged: list[str], expect: list[Expect], note: str) -> None:
        n = sum(1 for o in self.out if o.kind == kind)
        self.out.append(Mutation(f"{self.project}:{kind}:{n}", self.project, kind, tuple(edits), tuple(staged),
                                 tuple(expect), note))


def collect(root: Path, project: str, per_kind: int, seed: int) -> list[Mutation]:
    """Up to `per_kind` mutations of each kind, chosen by `seed` (the yardstick's order of random draws)."""
    rnd = random.Random(seed)
    mods = find_modules(root)
    uses = collect_uses(mods)
    col = _Collector(project)
    _defs(col, rnd, mods, uses, per_kind)
    _attrs(col, rnd, mods, uses, per_kind)
    _modules(col, rnd, root, mods, uses, per_kind)
    _arity(col, rnd, mods, uses, per_kind)
    _syntax(col, rnd, mods, per_kind)
    _undefined(col, rnd, mods, per_kind)
    return _judged_only(root, col.out)


def _judged_only(root: Path, mutations: list[Mutation]) -> list[Mutation]:
    """The mutations with their expected places in files the repository has its pre-commit run check: a
    top-level `exclude`/`files` of `.pre-commit-config.yaml` (black: `exclude: ^(profiling/|tests/data/)`,
    formatter inputs) or `[tool.yantra] exclude` keeps pre-commit from ever judging them, and the gate honours
    it (DESIGN: the repository's own exclusions). Filtered after the draws, so ids and choices are unchanged;
    a mutation with no judged place left is dropped."""
    from bot.config import load_config
    from bot.errors import YantraError
    from bot.gate.scope import load_scope

    try:
        checks = load_scope(root, load_config(root).gate).checks
    except YantraError:
        return mutations
    out = []
    for m in mutations:
        kept = tuple(e for e in m.expect if checks(e.path))
        if kept:
            out.append(m if kept == m.expect else Mutation(m.id, m.project, m.kind, m.edits, m.staged, kept, m.note))
    return out


def _defs(col: _Collector, rnd: random.Random, mods: dict[str, Module], uses: Uses, per_kind: int) -> None:
    cands = []
    for (target, name), sites in sorted(uses.from_imports.items()):
        tm = mods[target]
        if tm.dynamic or name not in tm.top_defs:
            continue
        exp = _expect(sites, tm.path)
        if exp:
            cands.append((tm, name, exp))
    for kind in ("remove_def", "rename_def"):
        for tm, name, exp in rnd.sample(cands, min(per_kind, len(cands))):
            # `module.name` reads break too (added after the draw, so a seed picks what it always picked)
            exp = _merge(exp, _expect(uses.attr_uses.get((tm.name, name), []), tm.path))
            node = tm.top_defs[name]
            if kind == "remove_def":
                new = delete_lines(tm.source, *def_span(node))
            else:
                lines = tm.source.splitlines(keepends=True)
                kw = "class " if isinstance(node, ast.ClassDef) else "def "
                if f"{kw}{name}" not in lines[node.lineno - 1]:
                    continue
                lines[node.lineno - 1] = lines[node.lineno - 1].replace(f"{kw}{name}", f"{kw}{name}_renamed", 1)
                new = "".join(lines)
            col.add(kind, [Edit(tm.path, "write", new)], [tm.path], exp, f"{kind} {tm.name}.{name}")


def _attrs(col: _Collector, rnd: random.Random, mods: dict[str, Module], uses: Uses, per_kind: int) -> None:
    cands = []
    for (target, name), sites in sorted(uses.attr_uses.items()):
        tm = mods.get(target)
        if not tm or tm.dynamic or name not in tm.top_defs:
            continue
        exp = _expect(sites, tm.path)
        if exp:
            cands.append((tm, name, exp))
    for tm, name, exp in rnd.sample(cands, min(per_kind, len(cands))):
        # `from module import name` breaks too (added after the draw: the seed's choice is unchanged)
        exp = _merge(exp, _expect(uses.from_imports.get((tm.name, name), []), tm.path))
        new = delete_lines(tm.source, *def_span(tm.top_defs[name]))
        col.add("remove_attr", [Edit(tm.path, "write", new)], [tm.path], exp,
                f"remove {tm.name}.{name} used as attribute")


def _modules(col: _Collector, rnd: random.Random, root: Path, mods: dict[str, Module], uses: Uses,
             per_kind: int) -> None:
    cands = []
    for target, sites in sorted(uses.module_imports.items()):
        tm = mods[target]
        if tm.is_pkg or os.path.basename(tm.path) in ("conftest.py", "setup.py"):
            continue
        if (root / tm.path).with_suffix("").is_dir():  # a package of the same name would take over
            continue
        exp = _expect(sites, tm.path)
        if exp:
            cands.append((tm, exp))
    for tm, exp in rnd.sample(cands, min(per_kind, len(cands))):
        exp = _broken_without(mods, tm, exp)  # (after the draw: the seed's choice is unchanged)
        if exp and not _written_by_build(root, tm.path):
            col.add("remove_module", [Edit(tm.path, "delete")], [], exp, f"delete module {tm.name}")


# `write_to = "src/_pytest/_version.py"` (setuptools_scm), `version-file = "src/_black_version.py"` (hatch-vcs),
# `versionfile_source = pkg/_version.py` (versioneer)
_BUILD_WRITES = re.compile(r"""(?:write_to|version[_-]file|versionfile_(?:source|build))["']?\s*[:=]\s*["']?([\w./-]+\.py)""")


def _written_by_build(root: Path, path: str) -> bool:
    """The build configuration writes the module at build time (upstream's git never has it, the sdist does):
    deleting it breaks nothing once the project is installed."""
    for name in ("pyproject.toml", "setup.py", "setup.cfg", "hatch.toml"):
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if any(m.group(1).lstrip("./") == path for m in _BUILD_WRITES.finditer(text)):
            return True
    return False


_NEVER_IMPORT = frozenset({"antigravity", "this", "idlelib", "turtle", "turtledemo", "tkinter", "__main__"})


def _broken_without(mods: dict[str, Module], tm: Module, exp: list[Expect]) -> list[Expect]:
    """The expected sites that really break once `tm` is deleted. A top-level module named like a
    standard-library one (`tests/data/cases/collections.py`) leaves `import collections` importing the
    standard library's: only `from X import name` of a name that module lacks breaks."""
    top = tm.name.split(".")[0]
    if "." in tm.name or top not in getattr(sys, "stdlib_module_names", ()):
        return exp
    if top in _NEVER_IMPORT:
        return []
    try:
        std = importlib.import_module(top)
    except Exception:  # not importable here: whether the sites break is unknown
        return []
    by_path = {m.path: m for m in mods.values()}
    out = []
    for e in exp:
        m = by_path.get(e.path)
        nodes = [n for n in ast.walk(m.tree) if isinstance(n, ast.ImportFrom) and n.lineno == e.line
                 and n.level == 0 and n.module == top] if m is not None else []
        if any(not hasattr(std, a.name) for n in nodes for a in n.names if a.name != "*"):
            out.append(e)
    return out


def _arity(col: _Collector, rnd: random.Random, mods: dict[str, Module], uses: Uses, per_kind: int) -> None:
    cands = []
    for (target, name), sites in sorted(uses.calls.items()):
        tm = mods[target]
        node = tm.top_defs.get(name) if not tm.dynamic else None
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.decorator_list:
            continue
        a = node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
            continue
        n_required = len(a.args) - len(a.defaults)
        exp = [Expect(p, ln, call.end_lineno or ln) for p, ln, call in sites
               if p != tm.path and not any(isinstance(x, ast.Starred) for x in call.args)
               and not any(k.arg is None for k in call.keywords) and len(call.args) <= n_required]
        if exp:
            cands.append((tm, node, n_required, exp))
    for tm, node, k, exp in rnd.sample(cands, min(per_kind, len(cands))):
        new = _add_required_param(tm.source, node, k)
        try:
            ast.parse(new)
        except SyntaxError:
            continue
        col.add("arity", [Edit(tm.path, "write", new)], [tm.path], exp,
                f"add required param to {tm.name}.{node.name}")


def _add_required_param(src: str, node: ast.FunctionDef | ast.AsyncFunctionDef, k: int) -> str:
    """Insert `yantra_extra` right after the k-th required parameter (or right after '(' when k == 0)."""
    if k > 0:
        arg = node.args.args[k - 1]
        off = offset_of(src, arg.end_lineno or arg.lineno, arg.end_col_offset or 0)
        return src[:off] + ", yantra_extra" + src[off:]
    paren = src.index("(", offset_of(src, node.lineno, node.col_offset))
    rest = src[paren + 1 : paren + 2]
    return src[: paren + 1] + ("yantra_extra" if rest == ")" else "yantra_extra, ") + src[paren + 1 :]


def _syntax(col: _Collector, rnd: random.Random, mods: dict[str, Module], per_kind: int) -> None:
    by_path = {m.path: m for m in mods.values()}
    files = sorted(by_path)
    for p in rnd.sample(files, min(per_kind, len(files))):
        lines = by_path[p].source.splitlines(keepends=True)
        ln = rnd.randrange(len(lines) + 1)
        lines.insert(ln, "def yantra_broken(:\n")
        new_src = "".join(lines)
        try:
            compile(new_src, p, "exec")
            continue  # landed inside a string: not a syntax error
        except SyntaxError as exc:
            bad = exc.lineno or ln + 1
        col.add("syntax", [Edit(p, "write", new_src)], [p],
                [Expect(p, min(bad, ln + 1), max(bad, ln + 1))], "syntax error")


def _undefined(col: _Collector, rnd: random.Random, mods: dict[str, Module], per_kind: int) -> None:
    cands = []
    never_run: set[int] = set()
    for m in mods.values():
        if m.dynamic:
            continue
        for fn in m.tree.body:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            never_run |= _local_annotation_names(fn)
            for n in ast.walk(fn):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in m.top_defs and n.id != fn.name:
                    cands.append((m, n))
    for m, n in rnd.sample(cands, min(per_kind, len(cands))):
        if id(n) in never_run:
            continue  # (after the draw: the seed's other choices are unchanged) nothing evaluates it: no break
        lines = m.source.splitlines(keepends=True)
        b = lines[n.lineno - 1].encode()
        end = n.end_col_offset or 0
        if b[n.col_offset : end].decode() != n.id:
            continue
        lines[n.lineno - 1] = (b[:end] + b"_typo" + b[end:]).decode()
        col.add("undefined", [Edit(m.path, "write", "".join(lines))], [m.path],
                [Expect(m.path, n.lineno, n.lineno)], f"undefined {n.id}_typo")


def _local_annotation_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """ids of the names in annotations of a function's local variables (`x: Name = ...` in its body, or a
    nested function's): Python never evaluates them (PEP 526), so renaming one breaks nothing that runs."""
    out: set[int] = set()
    stack: list[tuple[ast.AST, bool]] = [(fn, True)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.AnnAssign) and in_function:
            out.update(id(n) for n in ast.walk(node.annotation))
        for child in ast.iter_child_nodes(node):
            inside = True if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) else \
                False if isinstance(child, ast.ClassDef) else in_function
            stack.append((child, inside))
    return out


def print_mutations(collector: Callable[[Path, str, int, int], Iterable[Mutation]], argv: list[str] | None,
                    description: str) -> int:
    """The command line shared by the mutators: ROOT --project NAME [--per-kind N] [--seed N], JSON lines out."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("root", type=Path)
    parser.add_argument("--project", required=True)
    parser.add_argument("--per-kind", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for mutation in collector(args.root, args.project, args.per_kind, args.seed):
        print(json.dumps(mutation.to_json()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.mutations ROOT --project NAME`: print the mutations as JSON lines."""
    return print_mutations(collect, argv, main.__doc__ or "")


if __name__ == "__main__":
    raise SystemExit(main())
