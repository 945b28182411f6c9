"""`import-cycle`: a module-level import cycle that the staged change introduces.

Only module-level, unguarded imports of repository modules count. An edge the change adds closes a new cycle
when its target reaches back to the importer now, and the two were not already in one cycle before.
Edges from a module to its own enclosing packages are left out (the package is already importing).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from bot.gate.change import Change
from bot.gate.findings import Finding
from bot.gate.rules import RuleContext, make
from bot.graph.model import FileFacts, ImportFact

Edges = dict[str, tuple[int, int, int]]  # target path -> (line, col, end_line) of the first import
_MAX_NODES = 20_000


def new_cycles(ctx: RuleContext, change: Change) -> list[Finding]:
    cache: dict[str, Edges] = {}

    def after(path: str) -> Edges:
        if path not in cache:
            cache[path] = edges_of(ctx, path, ctx.graph.facts(path))
        return cache[path]

    def before(path: str) -> Edges:
        if path in change.before:
            return edges_of(ctx, path, change.before[path])
        return {} if path in change.changed else after(path)

    findings: list[Finding] = []
    for path in change.changed:
        old = before(path) if path in change.before else {}
        for target, (line, col, end_line) in after(path).items():
            if target in old or target == path:
                continue
            back = _path(target, path, after)
            if back is None:
                continue
            if path in change.before and _path(path, target, before) and _path(target, path, before):
                continue  # already one cycle before the change
            chain = " -> ".join(_name(ctx, p) for p in [path, *back])
            findings.append(make("import-cycle", path, line, col, end_line,
                                 f"this import creates an import cycle: {chain}"))
    return findings


def edges_of(ctx: RuleContext, path: str, facts: FileFacts | None) -> Edges:
    out: Edges = {}
    if facts is None:
        return out
    for imp in facts.imports:
        if imp.scope != "module" or imp.guarded:
            continue
        for target in _targets(ctx, path, imp):
            if target != path and not _encloses(target, path):
                out.setdefault(target, (imp.line, imp.col, imp.end_line))
    return out


def _targets(ctx: RuleContext, path: str, imp: ImportFact) -> list[str]:
    out = []
    for base in ctx.resolver.absolute_module(path, imp):
        names = [base] if imp.name in (None, "*") else [base, f"{base}.{imp.name}"]
        for name in names:
            paths = ctx.graph.paths_of(name)
            if len(paths) == 1 and paths[0] not in out:
                out.append(paths[0])
    return out


def _encloses(target: str, path: str) -> bool:
    """`target` is the `__init__.py` of a package that contains `path`."""
    return target.endswith("/__init__.py") and path.startswith(target[: -len("__init__.py")])


def _path(start: str, goal: str, edges: Callable[[str], Edges]) -> list[str] | None:
    """Files from `start` to `goal` following edges (breadth first), or None."""
    prev: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue and len(prev) < _MAX_NODES:
        node = queue.popleft()
        if node == goal:
            out = [node]
            while prev[out[-1]] is not None:
                out.append(prev[out[-1]])  # type: ignore[arg-type]
            return out[::-1]
        for nxt in edges(node):
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return None


def _name(ctx: RuleContext, path: str) -> str:
    mods = ctx.graph.modules_of(path)
    return str(mods[0]) if mods else path
