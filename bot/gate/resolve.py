"""Tri-state answers to "does this exist?" for the rules: found, missing (with suggestions), unknown.

Built on the graph's basic queries (`paths_of`, `facts`, `modules_of`, `source`). "missing" is said only
when every way the name could exist at run time has been ruled out; anything else is "unknown".
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from bot.graph.model import Definition, FileFacts

Status = Literal["found", "missing", "unknown"]
_MAX_CHASE = 6


@dataclass(frozen=True)
class Answer:
    status: Status
    suggestion: str = ""
    module: str = ""  # for a name that is a module, or the module a definition lives in
    definition: Definition | None = None
    path: str = ""  # file of `module`


FOUND, UNKNOWN = Answer("found"), Answer("unknown")


class Resolver:
    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self._stores: set[str] | None = None

    # ---- modules -------------------------------------------------------------------------------
    def module(self, name: str) -> Answer:
        paths = self.graph.paths_of(name)
        if len(paths) == 1:
            return Answer("found", module=name, path=paths[0])
        if paths:
            return Answer("unknown", module=name)
        if "." not in name:
            return UNKNOWN  # a top-level name the repository does not provide: third party or stdlib
        parent, _, leaf = name.rpartition(".")
        top = name.split(".")[0]
        if top in _stdlib() or not self._regular_package(parent):
            return UNKNOWN
        pkg_dir = (self.graph.root / self.graph.paths_of(parent)[0]).parent
        if _anything_named(pkg_dir, leaf) or self._ignored(pkg_dir / leaf):
            return UNKNOWN  # a C extension, generated file, data directory ...
        return Answer("missing", suggestion=self._module_suggestion(parent, leaf))

    def _regular_package(self, module: str) -> bool:
        paths = self.graph.paths_of(module)
        if len(paths) != 1 or not paths[0].endswith("__init__.py"):
            return False
        facts = self.graph.facts(paths[0])
        src = self.graph.source(paths[0])
        return facts is not None and facts.parse_ok and "__path__" not in src and "pkgutil" not in src

    def _module_suggestion(self, parent: str, leaf: str) -> str:
        pkg_dir = self.graph.paths_of(parent)[0].rsplit("/", 1)[0]
        siblings = {p[len(pkg_dir) + 1:].split("/")[0].removesuffix(".py") for p in self.graph.files()
                    if p.startswith(pkg_dir + "/")}
        close = difflib.get_close_matches(leaf, sorted(siblings - {"__init__"}), n=1)
        return f"did you mean `{parent}.{close[0]}`?" if close else ""

    def _ignored(self, path: Path) -> bool:
        try:
            rel = path.relative_to(self.graph.root).as_posix()
        except ValueError:
            return True
        return _check_ignore_matched(self.graph.root, rel)

    # ---- names in modules ----------------------------------------------------------------------
    def name(self, module: str, name: str, depth: int = 0) -> Answer:
        """Whether `module` (a repository module) has attribute `name` when imported."""
        mod = self.module(module)
        if mod.status != "found" or depth > _MAX_CHASE:
            return UNKNOWN
        facts = self.graph.facts(mod.path)
        if facts is None or not facts.parse_ok or facts.dynamic:
            return UNKNOWN
        sub = self.module(f"{module}.{name}")
        if sub.status == "found":
            return sub
        if name in facts.module_names:
            return self._binding(module, mod.path, facts, name, depth)
        if sub.status == "unknown" and mod.path.endswith("__init__.py"):
            return UNKNOWN
        if any(i.name == "*" for i in facts.imports) or self.set_from_outside(name):
            return UNKNOWN
        if re.search(rf"\b(global|nonlocal)\b[^\n]*\b{re.escape(name)}\b", self.graph.source(mod.path)):
            return UNKNOWN
        return Answer("missing", suggestion=self._name_suggestion(module, facts, name), module=module,
                      path=mod.path)

    def _binding(self, module: str, path: str, facts: FileFacts, name: str, depth: int) -> Answer:
        """A name bound in `module`: its definition when it is a unique, unconditional def or class."""
        defs = [d for d in facts.definitions if d.name == name and d.qualname == name]
        imports = [i for i in facts.imports if (i.alias or i.name or "").split(".")[0] == name
                   and i.scope == "module"]
        if len(defs) == 1 and not imports:
            return Answer("found", module=module, definition=defs[0], path=path)
        if len(imports) == 1 and not defs and imports[0].name not in (None, "*") and not imports[0].guarded:
            imp = imports[0]
            from bot.gate.change import absolute

            target = absolute(imp.module, imp.level, module, path.endswith("__init__.py"))
            if target and imp.name:
                chased = self.name(target, imp.name, depth + 1)
                if chased.status == "found":
                    return chased
        return Answer("found", module=module, path=path)

    def set_from_outside(self, name: str) -> bool:
        """Some file assigns `x.name = ...` (monkey-patching a module attribute in)."""
        if self._stores is None:
            stores: set[str] = set()
            for p in self.graph.files():
                f = self.graph.facts(p)
                if f is not None:
                    stores.update(u.attrs[-1] for u in f.attr_uses if u.store)
            self._stores = stores
        return name in self._stores

    def _name_suggestion(self, module: str, facts: FileFacts, name: str) -> str:
        close = difflib.get_close_matches(name, sorted(n for n in facts.module_names if not n.startswith("__")),
                                          n=1, cutoff=0.75)
        if close:
            return f"did you mean `{close[0]}`?"
        moved = self._defined_in(name, exclude=module)
        if moved:
            return f"`{name}` now lives in `{moved}`"
        return ""

    def _defined_in(self, name: str, exclude: str) -> str:
        find = getattr(self.graph, "find_symbol", None)
        if find is not None:
            try:
                refs = [r for r in find(name) if getattr(r, "module", "") != exclude
                        and getattr(r, "qualname", "") == name]
            except Exception:  # a lookup helper failing must not fail the check
                refs = []
            if len(refs) == 1:
                return str(refs[0].path)
            return ""
        hits = []
        for p in self.graph.files():
            f = self.graph.facts(p)
            if (f is not None and any(d.name == name and d.qualname == name for d in f.definitions)
                    and exclude not in self.graph.modules_of(p)):
                hits.append(p)
                if len(hits) > 1:
                    return ""
        return hits[0] if hits else ""


def _check_ignore_matched(root: Path, rel: str) -> bool:
    from bot import git

    for candidate in (rel + ".py", rel):
        try:
            git.run(["check-ignore", "-q", "--", candidate], root)
            return True
        except Exception:  # not ignored (exit 1) or not a repository
            continue
    return False


def _anything_named(directory: Path, stem: str) -> bool:
    try:
        return any(p.name == stem or p.name.split(".")[0] == stem for p in directory.iterdir())
    except OSError:
        return True


@lru_cache(maxsize=1)
def _stdlib() -> frozenset[str]:
    return frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
