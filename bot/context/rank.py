"""Which code goes into a context, in what order: graph distance from the seeds, then relevance to the failure.

Distance 0 is the target itself. Distance 1 is what it calls (for a test: the code under test), the
pytest fixtures it takes, the repository frames of the failure's traceback, its base classes, and its
callers. Distance 2 is
the same relation one step further. Within a distance, the failure decides first (traceback frames,
innermost first; then symbols whose name or file the failure text mentions), then callees before callers,
then discovery order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.context.targets import Seed, definition_at, failure_frames, failure_words

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.model import Definition, ImportFact

MAX_NEIGHBOURS = 25  # callers / callees taken per symbol (a popular function has hundreds of callers)
MAX_EXPANDED = 30  # distance-1 items whose callees are followed
MAX_CALLER_QUERIES = (6, 3)  # symbols whose callers are looked up, at distance 1 and 2 (the costly query)


@dataclass(frozen=True)
class Item:
    path: str
    qualname: str  # "" for a whole file
    definition: Definition | None
    distance: int
    relevance: int
    kind: int  # 0 target / callee / fixture / traceback, 1 caller
    order: int
    reason: str

    def key(self) -> tuple[int, int, int, int]:
        return (self.distance, -self.relevance, self.kind, self.order)


@dataclass
class Ranking:
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rank(graph: Graph, seeds: list[Seed], failure: str | None) -> Ranking:
    words = failure_words(failure)
    out = Ranking()
    seen: dict[tuple[str, str], Item] = {}

    def add(path: str, definition: Definition | None, distance: int, kind: int, reason: str, bonus: int = 0) -> bool:
        qualname = definition.qualname if definition is not None else ""
        if (path, qualname) in seen or _covered(seen, path, definition):
            return False
        item = Item(path, qualname, definition, distance, bonus + _relevance(path, qualname, words, failure), kind,
                    len(seen), reason)
        seen[(path, qualname)] = item
        return True

    roots: list[SymbolRef] = []
    for seed in seeds:
        add(seed.path, seed.ref.definition if seed.ref else None, 0, 0, "target")
        roots += [seed.ref] if seed.ref is not None else _file_refs(graph, seed.path)
    if failure:
        for depth, frame in enumerate(failure_frames(graph, failure), start=1):  # innermost frame first
            definition = definition_at(graph, frame.path, frame.line)
            if definition is not None:
                add(frame.path, definition, 1, 0, f"in the failure traceback ({frame.path}:{frame.line})",
                    bonus=depth)
    for seed in seeds:
        if seed.ref is not None:
            for fixture in _fixtures(graph, seed.ref):
                add(fixture.path, fixture.definition, 1, 0, f"fixture used by {seed.ref.qualname}")
    def add_ref(ref: SymbolRef, distance: int, kind: int, why: str) -> bool:
        return add(ref.path, ref.definition, distance, kind, why)

    roots.sort(key=lambda r: -_relevance(r.path, r.qualname, words, failure))
    _neighbours(graph, roots, out.notes, add_ref, 1, MAX_CALLER_QUERIES[0])
    for seed_ref in (s.ref for s in seeds if s.ref is not None):
        for ref, chain in _name_matches(graph, seed_ref):
            add_ref(ref, 1, 0, f"called by {seed_ref.qualname} as {chain}()")
    ordered = sorted((i for i in seen.values() if i.distance == 1), key=Item.key)[:MAX_EXPANDED]
    _neighbours(graph, [_as_ref(graph, i) for i in ordered], out.notes, add_ref, 2, MAX_CALLER_QUERIES[1])
    out.items = sorted(seen.values(), key=Item.key)
    return out


AddFn = Callable[["SymbolRef", int, int, str], bool]


def _neighbours(graph: Graph, roots: Sequence[SymbolRef], notes: list[str], add: AddFn, distance: int,
                max_caller_queries: int) -> None:
    if len(roots) > max_caller_queries:
        notes.append(f"callers looked up for the first {max_caller_queries} of {len(roots)} "
                     f"distance-{distance - 1} symbols")
    for index, root in enumerate(roots):
        relations = ((0, graph.callees, "called by"), (1, graph.callers, "calls"))
        for kind, relation, verb in relations[:1] if index >= max_caller_queries else relations:
            try:
                found = relation(root)
            except (NotImplementedError, AttributeError) as exc:  # pragma: no cover - graph without the query
                notes.append(f"{verb} relation unavailable: {exc}")
                continue
            if len(found) > MAX_NEIGHBOURS:
                notes.append(f"{root.qualname}: {len(found)} {'callees' if kind == 0 else 'callers'}, "
                             f"first {MAX_NEIGHBOURS} considered")
            for ref in found[:MAX_NEIGHBOURS]:
                add(ref, distance, kind, f"{verb} {root.qualname}")
        for ref in _bases(graph, root):
            add(ref, distance, 0, f"base class of {root.qualname}")


def _bases(graph: Graph, ref: SymbolRef) -> list[SymbolRef]:
    """The repository classes a class derives from, resolved like calls of the base expressions."""
    from bot.graph.model import CallSite

    definition = ref.definition
    if definition.kind != "class" or not definition.bases:
        return []
    found: list[SymbolRef] = []
    for base in definition.bases:
        site = CallSite(callee=base, line=definition.line, col=definition.col, end_line=definition.line,
                        n_positional=0, keywords=(), star=False, starstar=False)
        target = graph.resolver.resolve_call(ref.path, site)
        if target is not None:
            found.append(graph.ref_of(target))
    return found


def _name_matches(graph: Graph, ref: SymbolRef) -> list[tuple[SymbolRef, str]]:
    """Repository definitions named by the seed's calls through an imported name (`mod.f()` after
    `from pkg import mod`, `pkg.mod.Cls.meth()` after `import pkg.mod`), followed by the file's imports;
    a fallback for calls the graph leaves unresolved."""
    facts = graph.facts(ref.path)
    if facts is None:
        return []
    chains = dict.fromkeys(c.callee for c in facts.calls
                           if (c.caller == ref.qualname or c.caller.startswith(ref.qualname + "."))
                           and "." in c.callee)
    found: list[tuple[SymbolRef, str]] = []
    for chain in list(chains)[:MAX_NEIGHBOURS]:
        head, *rest = chain.split(".")
        for imp in facts.imports:
            for start, prefix in _bound_to(graph, ref.path, imp, head):
                match = _lookup(graph, start, [*prefix, *rest])
                if match is not None:
                    found.append((match, chain))
    return found


def _bound_to(graph: Graph, path: str, imp: ImportFact, head: str) -> list[tuple[str, list[str]]]:
    """(module, qualname prefix) that `head` names in `path` through the import `imp`, if it binds head."""
    modules = graph.resolver.absolute_module(path, imp)
    if imp.name is None:  # import a.b [as x]
        if imp.alias == head:
            return [(m, []) for m in modules]
        return [(m.split(".")[0], []) for m in modules] if imp.alias is None and imp.module.split(".")[0] == head else []
    if (imp.alias or imp.name) != head:
        return []
    return [(f"{m}.{imp.name}", []) if graph.paths_of(f"{m}.{imp.name}") else (m, [imp.name]) for m in modules]


def _lookup(graph: Graph, module: str, parts: list[str]) -> SymbolRef | None:
    while parts and graph.paths_of(f"{module}.{parts[0]}"):
        module = f"{module}.{parts.pop(0)}"
    qualname = ".".join(parts)
    for path in graph.paths_of(module) if qualname else []:
        facts = graph.facts(path)
        for d in facts.definitions if facts is not None else ():
            if d.qualname == qualname and d.kind != "variable":
                from bot.graph import SymbolRef

                return SymbolRef(path, module, qualname, d)
    return None


def _as_ref(graph: Graph, item: Item) -> SymbolRef:
    from bot.graph import SymbolRef

    assert item.definition is not None
    modules = graph.modules_of(item.path)
    return SymbolRef(item.path, modules[0] if modules else "", item.qualname, item.definition)


def _file_refs(graph: Graph, path: str) -> list[SymbolRef]:
    from bot.graph import SymbolRef

    facts = graph.facts(path)
    if facts is None:
        return []
    module = (graph.modules_of(path) or [""])[0]
    return [SymbolRef(path, module, d.qualname, d) for d in facts.definitions
            if d.kind != "variable" and "." not in d.qualname]


def _fixtures(graph: Graph, test: SymbolRef) -> list[SymbolRef]:
    """pytest fixtures the test takes, defined in its file or a conftest.py of an enclosing folder."""
    sig = test.definition.signature
    if sig is None:
        return []
    wanted = {p.name for p in sig.params} - {"self", "cls"}
    parts = test.path.split("/")[:-1]
    candidates = [test.path] + ["/".join([*parts[:i], "conftest.py"]) for i in range(len(parts), -1, -1)]
    found: list[SymbolRef] = []
    for path in candidates:
        for ref in _file_refs(graph, path) if wanted else []:
            if ref.qualname in wanted and any("fixture" in d for d in ref.definition.decorators):
                found.append(ref)
                wanted.discard(ref.qualname)
    return found


def _covered(seen: dict[tuple[str, str], Item], path: str, definition: Definition | None) -> bool:
    """Whether an item already chosen contains this one (its file, or its enclosing class)."""
    if (path, "") in seen:
        return True
    if definition is None:
        return False
    parts = definition.qualname.split(".")
    return any((path, ".".join(parts[:i])) in seen for i in range(1, len(parts)))


def _relevance(path: str, qualname: str, words: frozenset[str], failure: str | None) -> int:
    if not failure:
        return 0
    score = 0
    if qualname and qualname.rsplit(".", 1)[-1] in words:
        score += 2
    if path in failure:
        score += 1
    return score
