"""What a context is built around: a target string resolved on the graph, and the failure text's clues.

A target is a repository path (`src/pkg/mod.py`), a symbol (`name`, `Cls.meth`, `pkg.mod.name`,
`path.py:name`) or a pytest node id (`tests/test_x.py::TestC::test_y[param]`, whose test function is the
seed). Unknown targets raise ContextError with the closest names ("did you mean").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ContextError

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.model import Definition

MAX_SEEDS = 5
_PY_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<name>[\w<>.]+))?')
_PYTEST_FRAME = re.compile(r"^(?:E\s+)?(?P<path>[\w./\\~:-]*\w\.py):(?P<line>\d+):(?: in (?P<name>[\w<>.]+))?",
                           re.MULTILINE)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Seed:
    """A target of the context: one symbol, or a whole file (`ref` None)."""

    path: str
    ref: SymbolRef | None


@dataclass(frozen=True)
class Frame:
    """A traceback frame of the failure that lies in the repository."""

    path: str
    line: int
    name: str


def resolve_target(graph: Graph, target: str) -> list[Seed]:
    target = target.strip()
    if not target:
        raise ContextError("no target given: pass a path, a symbol or a pytest node id")
    if len(split_node_id(target)) > 1:
        return [_node_id(graph, target)]
    path = repo_path(graph, target)
    if path is not None:
        return [Seed(path, None)]
    refs = graph.find_symbol(target)
    if not refs:
        raise ContextError(f"unknown target {target!r}: not a repository file, symbol or test node id"
                           + _did_you_mean(graph, target))
    if len(refs) > MAX_SEEDS:
        shown = ", ".join(f"{r.path}:{r.qualname}" for r in refs[:8])
        raise ContextError(f"target {target!r} is ambiguous ({len(refs)} definitions: {shown}, …); "
                           "qualify it as Cls.meth, pkg.mod.name or path.py:name")
    return [Seed(r.path, r) for r in refs]


def repo_path(graph: Graph, text: str) -> str | None:
    """`text` as a repository-relative path of a file in the graph, or None."""
    candidate = text.replace("\\", "/")
    as_path = Path(candidate)
    if as_path.is_absolute():
        try:
            candidate = as_path.resolve().relative_to(Path(graph.root).resolve()).as_posix()
        except ValueError:
            return None
    candidate = candidate.removeprefix("./")
    return candidate if candidate in _file_set(graph) else None


def _file_set(graph: Graph) -> set[str]:
    return set(graph.files())


def _node_id(graph: Graph, target: str) -> Seed:
    file_part, *names = split_node_id(target)
    path = repo_path(graph, file_part)
    if path is None:
        raise ContextError(f"unknown test file {file_part!r} in node id {target!r}" + _did_you_mean(graph, file_part))
    qualname = ".".join(n.split("[", 1)[0] for n in names if n)
    facts = graph.facts(path)
    defs = {d.qualname: d for d in facts.definitions} if facts is not None else {}
    if qualname not in defs:
        import difflib  # (only for an unknown target's message)

        close = difflib.get_close_matches(qualname, list(defs), n=5, cutoff=0.5)
        hint = f"; did you mean: {', '.join(f'{path}::' + c.replace('.', '::') for c in close)}" if close else ""
        raise ContextError(f"no test {qualname!r} in {path}{hint}")
    return Seed(path, _ref(graph, path, defs[qualname]))


def split_node_id(node: str) -> list[str]:
    """A pytest node id's parts, split on `::` outside a `[...]` parameter id (`t.py::test_u[[::1]]`)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(node):
        if node[i] == "[":
            depth += 1
        elif node[i] == "]" and depth:
            depth -= 1
        elif depth == 0 and node.startswith("::", i):
            parts.append(node[start:i])
            start = i = i + 2
            continue
        i += 1
    return [*parts, node[start:]]


def _ref(graph: Graph, path: str, definition: Definition) -> SymbolRef:
    from bot.graph import SymbolRef

    modules = graph.modules_of(path)
    return SymbolRef(path=path, module=modules[0] if modules else "", qualname=definition.qualname,
                     definition=definition)


def _did_you_mean(graph: Graph, target: str) -> str:
    import difflib  # (only for an unknown target's message: not on every context's import path)

    files = graph.files()
    if target.endswith(".py") or "/" in target:
        close = difflib.get_close_matches(target, files, n=5, cutoff=0.5)
    else:
        names: set[str] = set()
        for path in files:
            facts = graph.facts(path)
            if facts is not None:
                names.update(d.qualname for d in facts.definitions if d.kind != "variable")
        last = target.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(target, sorted(names), n=5, cutoff=0.6)
        close += [n for n in difflib.get_close_matches(last, sorted(names), n=5, cutoff=0.6) if n not in close]
    return f"; did you mean: {', '.join(close[:5])}?" if close else ""


def failure_frames(graph: Graph, failure: str) -> list[Frame]:
    """The failure's traceback frames that point into repository files, in text order (innermost last)."""
    found: list[Frame] = []
    matches = sorted([*_PY_FRAME.finditer(failure), *_PYTEST_FRAME.finditer(failure)], key=lambda m: m.start())
    for match in matches:
        path = frame_path(graph, match["path"])
        if path is not None:
            frame = Frame(path, int(match["line"]), match["name"] or "")
            if frame not in found:
                found.append(frame)
    return found


def frame_path(graph: Graph, text: str) -> str | None:
    """A traceback's path (relative, absolute, or under another checkout's root) as a repository path."""
    direct = repo_path(graph, text)
    if direct is not None:
        return direct
    norm = text.replace("\\", "/")
    matches = [f for f in graph.files() if norm.endswith("/" + f)]
    return max(matches, key=len) if matches else None


def failure_words(failure: str | None) -> frozenset[str]:
    return frozenset(_IDENT.findall(failure or ""))


def definition_at(graph: Graph, path: str, line: int) -> Definition | None:
    """The innermost function or class of `path` whose span contains `line`."""
    facts = graph.facts(path)
    if facts is None:
        return None
    spans = [d for d in facts.definitions if d.kind != "variable" and d.line <= line <= d.end_line]
    return min(spans, key=lambda d: d.end_line - d.line) if spans else None
