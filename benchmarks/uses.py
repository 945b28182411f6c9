"""Where the modules of a project use each other: imports by name, module imports, `module.attr` uses, calls.

The project model behind `benchmarks/mutations.py`, adapted from the yardstick `../shared/bench/mutate.py`:
modules found by walking the tree (packages by `__init__.py`), top-level defs that are bound exactly once,
and use sites outside any `try` and `if TYPE_CHECKING` (where breakage is not certain). Standard library only.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {".git", ".tox", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", ".eggs"}

Site = tuple[str, int, int]  # (importer path, line, end line)


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

