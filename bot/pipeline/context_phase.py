"""Context phase: the code the model sees, assembled from the graph around the failure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.errors import YantraError
from bot.pipeline.results import ContextResult

if TYPE_CHECKING:
    from bot.graph import Graph
    from bot.scan.trace import Trace


def candidate_targets(target: str) -> list[str]:
    """The target, then coarser forms of it: `tests/t.py::C::test_x` -> `tests/t.py::C` -> `tests/t.py`."""
    out = [target]
    while "::" in target:
        target = target.rsplit("::", 1)[0]
        out.append(target)
    if "[" in out[0]:
        out.insert(1, out[0].split("[", 1)[0])
    return list(dict.fromkeys(t for t in out if t))


_MENTION = re.compile(r"[\w./-]+\.py(?:::[\w\[\]-]+)*|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_]\w*(?=\()")
MAX_MENTIONS = 6


def mentioned_targets(instructions: str) -> list[str]:
    """Paths, dotted names and called names in free-text instructions, in order of appearance."""
    found = [m.group(0).rstrip(".") for m in _MENTION.finditer(instructions)]
    return list(dict.fromkeys(found))[:MAX_MENTIONS]


def build_context(graph: Graph | None, targets: Sequence[str], budget: int, failure: str,
                  trace: Trace | None = None, trace_note: str = "") -> ContextResult:
    """The context for the first target (or finer form of it) the graph knows; empty with the reason otherwise.

    `targets`: in order of preference, e.g. the instructions (names in them are tried), then the failure's.
    `trace`: what the failing tests ran, if it was recorded (`trace_note`: why not, when it was not).
    """
    wanted = [t.strip() for t in targets if t.strip()]
    if graph is None:
        return ContextResult(target=", ".join(wanted), text="", tokens=0,
                             note="the dependency graph could not be built")
    if not wanted:
        return ContextResult(target="", text="", tokens=0, note="no failing test, gate error or instructions "
                                                              "to build a context around")
    from bot.context import assemble_context
    from bot.context.assemble import TRACE_UNUSED

    problems: list[str] = []
    for candidate in dict.fromkeys(c for t in wanted for c in _forms(t)):
        try:
            ctx = assemble_context(graph, candidate, budget, failure=failure or None, trace=trace)
        except YantraError as exc:
            problems.append(f"{candidate}: {exc}")
            continue
        files = tuple(dict.fromkeys(section.path for section in ctx.sections if section.path))
        notes = [n for n in (trace_note, *(n for n in ctx.notes if n == TRACE_UNUSED)) if n]
        return ContextResult(target=candidate, text=ctx.text, tokens=ctx.tokens, files=files, note="; ".join(notes))
    return ContextResult(target=wanted[0], text="", tokens=0, note="no context: " + "; ".join(problems))


def _forms(target: str) -> list[str]:
    if _looks_like_target(target):
        return candidate_targets(target)
    return mentioned_targets(target)


def _looks_like_target(target: str) -> bool:
    return " " not in target.strip()
