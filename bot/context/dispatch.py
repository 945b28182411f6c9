"""Methods reached by name-pattern dispatch: `getattr(self, f"visit_{type(node).__name__}")`.

A class that looks its own methods up by a prefix and a computed suffix (`getattr(self, f"parse_{tok}")`,
`getattr(self, "do_" + cmd)`, `getattr(self, "handle_%s" % kind)`) calls a family of methods that no call
site names: the members named `prefix + suffix` of that class and of the classes derived from it (a
visitor's base dispatches, its subclasses hold the `visit_*` methods). The suffix is a class name when the
lookup uses `__name__` (a visitor: `visit_Assign` handles the `Assign` nodes), else a word (a command or a
tag: the template `{% set %}` reaches `parse_set`). Pure facts over the graph: which suffixes are
evidence is the ranking's decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.context.lookup import Lookup
    from bot.graph import SymbolRef

_QUOTE = r"""(?:[rR]?[fF][rR]?|[rR]?)(?P<q>["'])"""
_LOOKUP = re.compile(
    r"getattr\(\s*self\s*,\s*" + _QUOTE + r"(?P<prefix>[A-Za-z_]\w*?_)"
    r"(?:\{(?P<field>[^}\"']*)\}(?P=q)|(?P=q)\s*\+\s*(?P<plus>[^,)]*)|%s(?P=q)\s*%\s*(?P<pct>[^,)]*))")
MAX_FAMILY = 400  # members per family kept (a visitor of every node type has ~100)


@dataclass(frozen=True)
class Family:
    """The methods one dispatching lookup can reach: `prefix` + a suffix, on `owner` and its subclasses."""

    path: str
    owner: str  # qualname of the class whose method holds the getattr
    prefix: str
    by_type: bool  # the suffix is a class name (`type(x).__name__`), else a word
    members: dict[str, list[SymbolRef]] = field(default_factory=dict)  # suffix -> methods


def lookups(source: str) -> list[tuple[int, str, bool]]:
    """(line, prefix, by type name) of each `getattr(self, <prefix> + <expression>)` in the source."""
    if "getattr(self" not in source:
        return []
    out: list[tuple[int, str, bool]] = []
    for m in _LOOKUP.finditer(source):
        expression = m["field"] or m["plus"] or m["pct"] or ""
        out.append((source.count("\n", 0, m.start()) + 1, m["prefix"], "__name__" in expression))
    return out


def families(lookup: Lookup, paths: Iterable[str]) -> list[Family]:
    """The dispatch families whose owner and members live in `paths`."""
    from bot.context.targets import definition_at

    graph = lookup.graph
    pool = list(dict.fromkeys(paths))
    found: list[Family] = []
    for path in pool:
        for line, prefix, by_type in lookups(lookup.source(path)):
            method = definition_at(graph, path, line)
            if method is None or "." not in method.qualname:
                continue
            owner = method.qualname.rsplit(".", 1)[0]
            if owner in lookup.defs(path) and all((f.path, f.owner, f.prefix) != (path, owner, prefix) for f in found):
                found.append(Family(path, owner, prefix, by_type))
    for family in found:
        _collect(lookup, family, pool)
    return [f for f in found if f.members]


def _collect(lookup: Lookup, family: Family, pool: list[str]) -> None:
    from bot.context.links import as_ref

    taken = 0
    for path in pool:
        classes = [d for ds in lookup.defs(path).values() for d in ds if d.kind == "class"]
        for cls in classes:
            ref = as_ref(lookup.graph, path, cls)
            if not _derives(lookup, ref, (family.path, family.owner)):
                continue
            start = f"{cls.qualname}.{family.prefix}"
            for qualname, defs in lookup.defs(path).items():
                if qualname.startswith(start) and "." not in qualname[len(start):] and taken < MAX_FAMILY:
                    suffix = qualname[len(start):]
                    family.members.setdefault(suffix, []).append(as_ref(lookup.graph, path, defs[-1]))
                    taken += 1


def _derives(lookup: Lookup, cls: SymbolRef, owner: tuple[str, str], depth: int = 0) -> bool:
    if (cls.path, cls.qualname) == owner:
        return True
    if depth > 8:
        return False
    return any(_derives(lookup, base, owner, depth + 1) for base in lookup.bases(cls))
