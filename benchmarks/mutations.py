"""Breaking changes of a real Python project, each with the ground truth a correct gate must report.

Adapted from the yardstick `../shared/bench/mutate.py` (same kinds, same selection and the same random
sequence, so a seed gives the same mutations there and here); typed and split into small functions.

Kinds:
  remove_def      delete a top-level def/class that another module imports by name
  rename_def      rename such a def (importers keep the old name)
  remove_attr     delete a top-level def that another module uses as `module.name`
  remove_module   delete a module file that other modules import (staged, never passed as a path)
  arity           add a required parameter to a function that another module calls
  syntax          break the syntax of one file (in-file baseline)
  undefined       rename one in-function reference to a module-level def (in-file baseline)

A tool detects a mutation when it reports an error finding on one of `expect` (the path, and a line within
line..end_line). `staged` lists what a pre-commit run passes: the staged files that still exist.
Only the standard library is used, so this module can be tested without the project installed.
"""

from __future__ import annotations

import ast
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CROSS_FILE_KINDS = ("remove_def", "rename_def", "remove_attr", "remove_module", "arity")
BASELINE_KINDS = ("syntax", "undefined")
KINDS = CROSS_FILE_KINDS + BASELINE_KINDS
SKIP_DIRS = {".git", ".tox", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", ".eggs"}

Site = tuple[str, int, int]  # (importer path, line, end line)


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


@dataclass
class Module:
    path: str  # relative to the project root, "/" separators
    name: str  # dotted module name
    is_pkg: bool
    source: str
    tree: ast.Module
    top_defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = field(default_factory=dict)
    dynamic: bool = False  # star import, module __getattr__, or an ambiguous module name


@dataclass
class Uses:
    """Where modules use each other, outside try blocks and `if TYPE_CHECKING`."""

    from_imports: dict[tuple[str, str], list[Site]] = field(default_factory=dict)  # (module, name) -> sites
    module_imports: dict[str, list[Site]] = field(default_factory=dict)  # module -> sites
    attr_uses: dict[tuple[str, str], list[Site]] = field(default_factory=dict)  # (module, attr) -> sites
    calls: dict[tuple[str, str], list[tuple[str, int, ast.Call]]] = field(default_factory=dict)


def apply(root: Path, mutation: Mutation) -> None:
    """Write the mutation into the work tree (staging is the caller's business)."""
    for edit in mutation.edits:
        target = root / edit.path
        if edit.action == "delete":
            target.unlink()
        else:
            target.write_text(edit.content, encoding="utf-8")


def find_modules(root: Path) -> dict[str, Module]:
    mods: dict[str, Module] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                _add_module(mods, root, dirpath, fn)
    return mods


def _add_module(mods: dict[str, Module], root: Path, dirpath: str, fn: str) -> None:
    full = os.path.join(dirpath, fn)
    try:
        with open(full, encoding="utf-8") as fh:
            src = fh.read()
        tree = ast.parse(src)
    except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
        return
    parts = [fn[:-3]]
    d = dirpath
    while os.path.exists(os.path.join(d, "__init__.py")):  # walk up while the parent is a package
        parts.insert(0, os.path.basename(d))
        d = os.path.dirname(d)
    is_pkg = fn == "__init__.py"
    if is_pkg:
        parts = parts[:-1]
    if not parts:
        return
    name = ".".join(parts)
    if name in mods:  # ambiguous module name (two roots)
        mods[name].dynamic = True
        return
    mods[name] = _module(Path(os.path.relpath(full, root)).as_posix(), name, is_pkg, src, tree)


def _module(rel: str, name: str, is_pkg: bool, src: str, tree: ast.Module) -> Module:
    m = Module(rel, name, is_pkg, src, tree)
    counts: dict[str, int] = {}
    for node in tree.body:
        for n in bound_names(node):
            counts[n] = counts.get(n, 0) + 1
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            m.dynamic = True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__getattr__":
            m.dynamic = True
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and counts.get(node.name) == 1 and not node.name.startswith("__"):
            m.top_defs[node.name] = node
    for node in tree.body:  # names also bound in nested module-level statements are ambiguous
        if isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for sub in ast.walk(node):
                for n in bound_names(sub):
                    m.top_defs.pop(n, None)
    return m


def bound_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


def guarded_lines(tree: ast.Module) -> set[int]:
    """Lines inside any try, or inside `if TYPE_CHECKING` (conservative)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) or (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            for sub in ast.walk(node):
                if hasattr(sub, "lineno"):
                    lines.add(sub.lineno)
    return lines


def resolve_from(mod: Module, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    base = mod.name.split(".")
    if not mod.is_pkg:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    if not base:
        return None
    return ".".join(base + ([node.module] if node.module else []))


def collect_uses(mods: dict[str, Module]) -> Uses:
    uses = Uses()
    for m in mods.values():
        guarded = guarded_lines(m.tree)
        aliases: dict[str, tuple[str, str]] = {}  # local name -> (module, imported name)
        module_alias: dict[str, str] = {}  # local name -> module
        for node in ast.walk(m.tree):
            if isinstance(node, ast.ImportFrom) and node.lineno not in guarded:
                _record_from(mods, m, node, uses, aliases, module_alias)
            elif isinstance(node, ast.Import) and node.lineno not in guarded:
                for a in node.names:
                    if a.name in mods and not mods[a.name].is_pkg:
                        uses.module_imports.setdefault(a.name, []).append(_site(m.path, node))
                        if a.asname:
                            module_alias[a.asname] = a.name
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in module_alias and node.lineno not in guarded:
                key = (module_alias[node.value.id], node.attr)
                uses.attr_uses.setdefault(key, []).append(_site(m.path, node))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases \
                    and node.lineno not in guarded:
                uses.calls.setdefault(aliases[node.func.id], []).append((m.path, node.lineno, node))
    return uses


def _record_from(mods: dict[str, Module], m: Module, node: ast.ImportFrom, uses: Uses,
                 aliases: dict[str, tuple[str, str]], module_alias: dict[str, str]) -> None:
    target = resolve_from(m, node)
    if not target:
        return
    for a in node.names:
        if a.name == "*":
            continue
        sub = f"{target}.{a.name}"
        if sub in mods and not mods[sub].is_pkg:
            uses.module_imports.setdefault(sub, []).append(_site(m.path, node))
            module_alias[a.asname or a.name] = sub
        elif target in mods:
            uses.from_imports.setdefault((target, a.name), []).append(_site(m.path, node))
            aliases[a.asname or a.name] = (target, a.name)
    if target in mods and not mods[target].is_pkg:
        uses.module_imports.setdefault(target, []).append(_site(m.path, node))


def _site(path: str, node: ast.expr | ast.stmt) -> Site:
    return (path, node.lineno, node.end_lineno or node.lineno)


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
    return col.out


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
        col.add("remove_module", [Edit(tm.path, "delete")], [], exp, f"delete module {tm.name}")


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
    for m in mods.values():
        if m.dynamic:
            continue
        for fn in m.tree.body:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for n in ast.walk(fn):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in m.top_defs and n.id != fn.name:
                    cands.append((m, n))
    for m, n in rnd.sample(cands, min(per_kind, len(cands))):
        lines = m.source.splitlines(keepends=True)
        b = lines[n.lineno - 1].encode()
        end = n.end_col_offset or 0
        if b[n.col_offset : end].decode() != n.id:
            continue
        lines[n.lineno - 1] = (b[:end] + b"_typo" + b[end:]).decode()
        col.add("undefined", [Edit(m.path, "write", "".join(lines))], [m.path],
                [Expect(m.path, n.lineno, n.lineno)], f"undefined {n.id}_typo")


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.mutations ROOT --project NAME`: print the mutations as JSON lines."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--project", required=True)
    parser.add_argument("--per-kind", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for mutation in collect(args.root, args.project, args.per_kind, args.seed):
        print(json.dumps(mutation.to_json()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
