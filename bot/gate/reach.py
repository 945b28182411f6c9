"""Which places of a dependent file can lead to what a change re-signed or removed, from the graph's stored edges.

In a file that merely depends on a change, only findings about the change's subjects are kept
(`Subjects.covers`). A use of a name the file binds by import to something unrelated to them (`models.Model`
beside a re-signed `regex_helper._lazy_re_compile`) can only give findings that are dropped, yet judging it
reads the facts of every module its resolution passes through. `Reach` holds the dotted names through which a
subject can be reached: the subjects themselves; every name a module binds to one of them, transitively
(`from M import f as g` in X makes `X.g` one; `from M import *` in X makes `X.f` one); and a subject seen
through a module that binds its module or a package of it (`from pkg import mod` in Y: `Y.mod.f`; for the
subjects themselves, not for the names that re-bind them: `from X import g` reaches `X.g` directly). A binding is
related when it is such a name, lies under one or is above one. `narrowed` drops a file's imports, attribute
uses and calls of names bound only by unrelated imports; its other facts (definitions, doubts) stay whole, and
the resolver reads the file's own bindings from the graph, not from the narrowed copy, so a kept place is
judged exactly as before. A resolution that ends on a subject passes through one of these names, so no
kept finding is lost; not followed: a module bound under an alias (`import pkg.mod as m`) in a third module
and imported from there.

Used only when no module is gone and every subject is a module-level name (members take the member rule,
which this does not narrow); a file with a star import is never narrowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from bot.graph.build import bindings
from bot.graph.graph import Graph
from bot.graph.model import FileFacts

_DEPTH = 5  # re-binding chains followed (as `bot.graph.queries.reexports` does)


@dataclass(frozen=True)
class Reach:
    """The dotted names through which a change's subjects can be reached (see the module docstring)."""

    targets: frozenset[str]  # dotted names a use may not reach without being judged ("M.f", "X.g", "Y.mod.f")
    prefixes: frozenset[str]  # every dotted name above a target ("M", packages of M, "X", ...)

    def related(self, dotted: str) -> bool:
        """Whether a binding to `dotted` may lead to a target: it is one, lies under one, or is above one."""
        if dotted in self.targets or dotted in self.prefixes:
            return True
        head, dot, _ = dotted.rpartition(".")
        while dot:
            if head in self.targets:
                return True
            head, dot, _ = head.rpartition(".")
        return False


def reach_of(graph: Graph, names: Iterable[tuple[str, str]]) -> Reach:
    """The reach of the (module, top-level name) subjects `names` in `graph`: its stored reverse edges, and
    the facts of the few files that import a subject's name (to read under which name they bind it)."""
    pairs: set[tuple[str, str]] = set(names)
    targets = {t for module, name in pairs for t in _through_modules(graph, module, name)}
    frontier = list(pairs)
    for _ in range(_DEPTH):
        found: list[tuple[str, str]] = []
        for module, name in frontier:
            target = f"{module}.{name}"
            rebinders = {p for p, _d, kind, _l in graph.references(target) if kind == "from"}
            for path in sorted(rebinders):
                facts = graph.facts(path)
                if facts is None:
                    continue
                for bound, bound_to in bindings(path, facts, graph.layout).items():
                    if any(d == target or d.startswith(target + ".") for d in bound_to):
                        found.extend((m, bound) for m in graph.modules_of(path))
            for path, star, kind, _l in graph.references(f"{module}.*"):
                if kind == "star" and star == f"{module}.*":
                    found.extend((m, name) for m in graph.modules_of(path))
        frontier = [p for p in dict.fromkeys(found) if p not in pairs]
        pairs.update(frontier)
        if not frontier:
            break
    targets.update(f"{m}.{n}" for m, n in pairs)
    prefixes = {".".join(parts[:i]) for parts in (t.split(".") for t in targets) for i in range(1, len(parts))}
    return Reach(frozenset(targets), frozenset(prefixes))


def _through_modules(graph: Graph, module: str, name: str) -> set[str]:
    """`name` of `module` as reached through another module that binds `module` or one of its packages
    (`from pkg import mod` in X: "X.mod.name"; `import pkg.mod` in X: "X.pkg.mod.name"), from the stored
    edges alone (a module bound under an alias there is not followed)."""
    out: set[str] = set()
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        dotted, rest = ".".join(parts[:i]), ".".join([*parts[i:], name])
        for path, _d, kind, _l in graph.store.refs_at(dotted, ("from", "import")):
            bound = parts[i - 1] if kind == "from" else f"{parts[0]}.{'.'.join(parts[1:i])}".rstrip(".")
            out.update(f"{m}.{bound}.{rest}" for m in graph.modules_of(path))
    return out


def narrowed(graph: Graph, path: str, facts: FileFacts, reach: Reach) -> FileFacts:
    """`facts` less the imports, attribute uses and calls of names `path` binds only by imports unrelated
    to `reach` (the same facts when the file has a star import: any name may come through it)."""
    if any(imp.name == "*" for imp in facts.imports):
        return facts
    bound = bindings(path, facts, graph.layout)
    local = {d.name for d in facts.definitions if d.qualname == d.name}
    unrelated = {name for name, dotted in bound.items()
                 if name not in local and not any(reach.related(d) for d in dotted)}
    if not unrelated:
        return facts
    return dataclasses.replace(
        facts,
        imports=tuple(i for i in facts.imports if _bound_name(i.module, i.name, i.alias) not in unrelated),
        attr_uses=tuple(u for u in facts.attr_uses if u.base not in unrelated),
        calls=tuple(c for c in facts.calls if c.callee.partition(".")[0] not in unrelated),
    )


def _bound_name(module: str, name: str | None, alias: str | None) -> str:
    if name is None:
        return alias or module.split(".")[0]
    return alias or name
