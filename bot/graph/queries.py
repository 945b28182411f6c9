"""Questions asked of an open graph: symbols by name, file dependencies, dependents, callers, callees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.graph.resolution import SymbolRef, Target

if TYPE_CHECKING:
    from bot.graph.graph import Graph


@dataclass(frozen=True)
class Use:
    """One place that depends on a symbol or module: `kind` is import/from/star/attr/call."""

    path: str
    line: int
    kind: str
    dotted: str


def find_symbol(graph: Graph, name: str) -> list[SymbolRef]:
    """"name", "Cls.meth", "pkg.mod.name", "path.py:name" -> matching definitions (best first)."""
    name = name.strip()
    if ":" in name:
        path, _, qual = name.rpartition(":")
        facts = graph.facts(path)
        if facts is None:
            return []
        module = (graph.modules_of(path) or [""])[0]
        return [SymbolRef(path, module, d.qualname, d) for d in facts.definitions if d.qualname == qual]
    out: list[SymbolRef] = []
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module, qual = ".".join(parts[:i]), ".".join(parts[i:])
        for path in graph.paths_of(module):
            facts = graph.facts(path)
            if facts is not None:
                out.extend(SymbolRef(path, module, d.qualname, d) for d in facts.definitions if d.qualname == qual)
        if out:
            return _dedupe(out)
    for module, path in graph.store.definers(name):
        facts = graph.facts(path)
        if facts is not None and path in graph._shas:
            out.extend(SymbolRef(path, module, d.qualname, d) for d in facts.definitions if d.qualname == name)
    if not out and "." not in name:
        rows = graph.store.conn.execute("SELECT module, path, name FROM defs WHERE name LIKE ? ORDER BY path",
                                        ("%." + name,)).fetchall()
        for module, path, qual in rows:
            facts = graph.facts(path)
            if facts is not None and path in graph._shas:
                out.extend(SymbolRef(path, module, d.qualname, d) for d in facts.definitions if d.qualname == qual)
    return _dedupe(out)


def _dedupe(refs: list[SymbolRef]) -> list[SymbolRef]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for r in refs:
        key = (r.path, r.qualname, r.definition.line)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def suggest_symbols(graph: Graph, name: str) -> list[str]:
    last = name.rsplit(".", 1)[-1].rpartition(":")[2]
    names = [r[0] for r in graph.store.conn.execute("SELECT DISTINCT name FROM defs")]
    short = {n.rsplit(".", 1)[-1]: n for n in names}
    import difflib  # suggestions only: not imported by the gate's clean path

    close = difflib.get_close_matches(last, list(short), n=5, cutoff=0.7)
    return [short[c] for c in close]


def _module_of_dotted(graph: Graph, dotted: str) -> str | None:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        cand = ".".join(parts[:i])
        if cand in graph.layout.modules:
            return cand
    return None


def dependencies_of_path(graph: Graph, path: str) -> list[str]:
    out: set[str] = set()
    for dotted, _kind, _line in graph.store.refs_from(path):
        module = _module_of_dotted(graph, dotted.removesuffix(".*"))
        if module is not None:
            out.update(graph.paths_of(module))
    out.discard(path)
    return sorted(out)


def uses_of_module(graph: Graph, module: str) -> list[Use]:
    return [Use(p, line, kind, dotted) for p, dotted, kind, line in graph.references(module)]


def dependents_of_path(graph: Graph, path: str) -> list[str]:
    out: set[str] = set()
    for module in graph.modules_of(path):
        out.update(u.path for u in uses_of_module(graph, module))
    out.discard(path)
    return sorted(out)


def uses_of_symbol(graph: Graph, module: str, qualname: str, _seen: frozenset[str] = frozenset()) -> list[Use]:
    """Every import/attribute/call of `module.qualname`, following re-exports (`from .m import x` in a
    package `__init__`, star imports) transitively."""
    dotted = f"{module}.{qualname}"
    if dotted in _seen or len(_seen) > 30:
        return []
    seen = _seen | {dotted}
    uses = [Use(p, line, kind, d) for name in _aliases(graph, module)
            for p, d, kind, line in graph.references(f"{name}.{qualname}")]
    head = qualname.split(".")[0]
    out = list(uses)
    # re-exports: a module that imports the name at module level exposes it as its own attribute
    for u in uses:
        if u.kind == "from" and u.dotted == f"{module}.{head}":
            facts = graph.facts(u.path)
            if facts is None:
                continue
            for imp in facts.imports:
                if imp.line == u.line and imp.name == head and imp.scope == "module":
                    for other in graph.modules_of(u.path):
                        rest = qualname[len(head):]
                        out.extend(uses_of_symbol(graph, other, (imp.alias or head) + rest, seen))
    for p, _d, kind, _line in [r for name in _aliases(graph, module) for r in graph.references(f"{name}.*")]:
        if kind == "star":
            for other in graph.modules_of(p):
                out.extend(uses_of_symbol(graph, other, qualname, seen))
    return sorted(set(out), key=lambda u: (u.path, u.line, u.kind))


def _aliases(graph: Graph, module: str) -> list[str]:
    """Every name the files of `module` are importable as (`pkg.mod`, `src.pkg.mod`, ...)."""
    names = [module]
    for path in graph.paths_of(module):
        names.extend(n for n in graph.modules_of(path) if n not in names)
    return names


def callers(graph: Graph, ref: SymbolRef, limit: int | None = None,
            files: int | None = None) -> list[SymbolRef]:
    """The definitions whose calls resolve to `ref`, in (path, line) order. `limit`: only the first so many
    (the files after the one that completes them are not read); `files`: look in the first so many files that
    use `ref` only (Django's `Model` is used in 350 files, mostly as a base class: each costs a read)."""
    out: dict[tuple[str, str], SymbolRef] = {}
    for module in (graph.modules_of(ref.path) or [ref.module])[:1]:
        seen: set[str] = set()
        for use in uses_of_symbol(graph, module, ref.qualname):  # in path order
            if use.path not in seen:
                if (limit is not None and len(out) >= limit) or (files is not None and len(seen) >= files):
                    break  # every caller still to come sorts after the ones found
                seen.add(use.path)
            if use.kind not in ("call", "attr"):
                continue
            facts = graph.facts(use.path)
            if facts is None:
                continue
            for call in facts.calls:
                if call.line != use.line or not call.caller:
                    continue
                target = graph.resolver.resolve_call(use.path, call)
                if target is None or (target.path, target.definition.qualname) != (ref.path, ref.qualname):
                    continue
                caller = [d for d in facts.definitions if d.qualname == call.caller]
                if caller:
                    mod = (graph.modules_of(use.path) or [""])[0]
                    out[(use.path, call.caller)] = SymbolRef(use.path, mod, call.caller, caller[0])
    return sorted(out.values(), key=lambda r: (r.path, r.definition.line))[:limit]


def callees(graph: Graph, ref: SymbolRef) -> list[SymbolRef]:
    facts = graph.facts(ref.path)
    if facts is None:
        return []
    out: dict[tuple[str, str], SymbolRef] = {}
    prefix = ref.qualname + "."
    for call in facts.calls:
        if call.caller != ref.qualname and not call.caller.startswith(prefix):
            continue
        target = graph.resolver.resolve_call(ref.path, call)
        if isinstance(target, Target):
            out[(target.path, target.definition.qualname)] = graph.ref_of(target)
    return sorted(out.values(), key=lambda r: (r.path, r.definition.line))


def reexports(graph: Graph, names: Iterable[tuple[str, str]], depth: int = 5) -> set[tuple[str, str]]:
    """The (module, name) pairs that re-export any of `names` ((module, name) pairs), transitively: a
    package `__init__` (or a module listing the name in `__all__`) doing `from .mod import name`. A call or
    attribute that reaches `mod.name` through `pkg.name` depends on `pkg` as much as on `mod`. A member
    `Cls.x` is re-exported wherever its class is (`pkg.Cls.x`)."""
    out: set[tuple[str, str]] = set()
    frontier = list(names)
    for _ in range(depth):
        found: list[tuple[str, str]] = []
        for module, name in frontier:
            head, dot, member = name.partition(".")  # a member `Cls.x` travels with its class `Cls`
            for path, dotted, kind, _line in graph.references(f"{module}.{head}"):
                if kind == "from" and dotted == f"{module}.{head}":
                    found.extend((m, bound + dot + member) for m, bound in _reexports_in(graph, path, module, head)
                                 if (m, bound + dot + member) not in out)
        out.update(found)
        frontier = found
        if not frontier:
            break
    return out


def _reexports_in(graph: Graph, path: str, module: str, name: str) -> list[tuple[str, str]]:
    facts = graph.facts(path)
    if facts is None:
        return []
    is_init = graph.layout.is_package_file(path)
    out: list[tuple[str, str]] = []
    for imp in facts.imports:
        if imp.scope != "module" or imp.name != name or module not in graph.resolver.absolute_module(path, imp):
            continue
        bound = imp.alias or name
        if is_init or (facts.all_names is not None and bound in facts.all_names):
            out.extend((m, bound) for m in graph.modules_of(path))
    return out
