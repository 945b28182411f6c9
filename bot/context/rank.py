"""Which code goes into a context, in what order: graph distance from the seeds, then relevance to the failure.

Distance 0 is the target itself. Distance 1 is what it calls (for a test: the code under test), the
pytest fixtures it takes, the repository frames of the failure's traceback, its base classes, and its
callers. Distance 2 is the same relation one step further. Callers are the costly query: they are looked
up for symbol targets and the definitions the failure names, and for the two nearest distance-1 functions. Within a distance, the failure decides first
(traceback frames, innermost first; then symbols whose name or file the failure text mentions), then
callees before callers, then discovery order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.context.links import as_ref, bases, file_refs, fixtures, imported_calls
from bot.context.targets import Seed, definition_at, failure_frames, failure_words

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.model import Definition

MAX_NEIGHBOURS = 25  # callers / callees taken per symbol (a popular function has hundreds of callers)
MAX_EXPANDED = 30  # distance-1 items whose callees are followed
MAX_CALLER_QUERIES = (5, 2)  # functions whose callers are looked up, at distance 1 and 2 (the costly query)
CALLEE, CALLER = 0, 1


@dataclass(frozen=True)
class Item:
    path: str
    qualname: str  # "" for a whole file
    definition: Definition | None
    distance: int
    relevance: int
    kind: int  # CALLEE (also target, fixture, traceback frame, base class) or CALLER
    order: int
    reason: str

    def key(self) -> tuple[int, int, int, int]:
        return (self.distance, -self.relevance, self.kind, self.order)


@dataclass
class Ranking:
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rank(graph: Graph, seeds: list[Seed], failure: str | None) -> Ranking:
    c = _Collector(graph, failure)
    roots: list[SymbolRef] = []
    for seed in seeds:
        c.add(seed.path, seed.ref.definition if seed.ref else None, 0, CALLEE, "target")
        roots += [seed.ref] if seed.ref is not None else file_refs(graph, seed.path)
    for depth, frame in enumerate(failure_frames(graph, failure) if failure else [], start=1):
        definition = definition_at(graph, frame.path, frame.line)
        if definition is not None:  # the innermost frame ranks first
            c.add(frame.path, definition, 1, CALLEE, f"in the failure traceback ({frame.path}:{frame.line})", depth)
    for ref in (s.ref for s in seeds if s.ref is not None):
        for fixture in fixtures(graph, ref):
            c.add_ref(fixture, 1, CALLEE, f"fixture used by {ref.qualname}")
    roots.sort(key=lambda r: -c.relevance(r.path, r.qualname))
    # callers of a symbol target; of a file target's definitions only those the failure names
    callers_of = [r for r in roots if any(s.ref is r for s in seeds) or c.relevance(r.path, r.qualname) > 0]
    c.neighbours(roots, 1, callers_of[:MAX_CALLER_QUERIES[0]])
    for ref in (s.ref for s in seeds if s.ref is not None):
        for found, chain in imported_calls(graph, ref):
            c.add_ref(found, 1, CALLEE, f"called by {ref.qualname} as {chain}()")
    nearest = [as_ref(graph, i.path, i.definition) for i in c.ranked() if i.distance == 1 and i.definition]
    c.neighbours(nearest[:MAX_EXPANDED], 2, nearest[:MAX_CALLER_QUERIES[1]])
    return Ranking(c.ranked(), c.notes)


class _Collector:
    def __init__(self, graph: Graph, failure: str | None) -> None:
        self.graph = graph
        self.failure = failure or ""
        self.words = failure_words(failure)
        self.seen: dict[tuple[str, str], Item] = {}
        self.notes: list[str] = []

    def add(self, path: str, definition: Definition | None, distance: int, kind: int, reason: str,
            bonus: int = 0) -> bool:
        qualname = definition.qualname if definition is not None else ""
        if (path, qualname) in self.seen or self._covered(path, qualname):
            return False
        self.seen[(path, qualname)] = Item(path, qualname, definition, distance,
                                           bonus + self.relevance(path, qualname), kind, len(self.seen), reason)
        return True

    def add_ref(self, ref: SymbolRef, distance: int, kind: int, reason: str) -> bool:
        return self.add(ref.path, ref.definition, distance, kind, reason)

    def ranked(self) -> list[Item]:
        return sorted(self.seen.values(), key=Item.key)

    def relevance(self, path: str, qualname: str) -> int:
        """2 when the failure names the symbol, +1 when it names the file."""
        score = 2 if qualname and qualname.rsplit(".", 1)[-1] in self.words else 0
        return score + (1 if self.failure and path in self.failure else 0)

    def neighbours(self, roots: Sequence[SymbolRef], distance: int, callers_of: Sequence[SymbolRef]) -> None:
        """Callees and base classes of every root; callers of the functions in `callers_of` (a class's
        callers are its instantiation sites: often hundreds, costly to find, rarely worth the budget)."""
        asked = {(r.path, r.qualname) for r in callers_of if r.definition.kind == "function"}
        for root in roots:
            self._related(root, self.graph.callees(root), distance, CALLEE, "called by")
            for base in bases(self.graph, root):
                self.add_ref(base, distance, CALLEE, f"base class of {root.qualname}")
            if (root.path, root.qualname) in asked:
                self._related(root, self.graph.callers(root), distance, CALLER, "calls")

    def _related(self, root: SymbolRef, found: list[SymbolRef], distance: int, kind: int, verb: str) -> None:
        if len(found) > MAX_NEIGHBOURS:
            self.notes.append(f"{root.qualname}: {len(found)} {'callees' if kind == CALLEE else 'callers'}, "
                              f"first {MAX_NEIGHBOURS} considered")
        for ref in found[:MAX_NEIGHBOURS]:
            self.add_ref(ref, distance, kind, f"{verb} {root.qualname}")

    def _covered(self, path: str, qualname: str) -> bool:
        """Whether an item already chosen contains this one (its whole file, or an enclosing class)."""
        parts = qualname.split(".") if qualname else []
        return (path, "") in self.seen or any((path, ".".join(parts[:i])) in self.seen for i in range(1, len(parts)))
