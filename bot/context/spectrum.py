"""What the failing tests ran, as evidence: the definitions a trace shows executed, scored by how much more
they belong to the failing tests than to the passing ones.

A trace (`bot.scan.pytest_trace` writes it from inside the project's own test run) lists per test its
outcome and the functions of the project its setup and call executed, first call first. A definition every
failing test runs and no passing test runs is the likeliest home of the bug; one that every test runs (a
fixture, a generic helper) says little. The score is the Ochiai coefficient of spectrum-based fault
localization: `failed(d) / sqrt(total_failed * (failed(d) + passed(d)))`, in (0, 1], over the definitions the
failing tests ran.

The trace comes from code we did not write (`bot.scan.trace` checks its size, shape and types); here paths
that are not the graph's files and lines that hold no definition are ignored.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.graph import Graph
    from bot.scan.trace import Trace

MAX_FIRST = 1_000_000  # `Suspicion.first` of a definition the first failing test did not run


@dataclass(frozen=True)
class Suspicion:
    score: float  # Ochiai, in (0, 1]
    failed: int  # failing tests that ran it
    passed: int  # passing tests that ran it
    first: int  # its place in the first failing test's calls (0 first); large when that test did not run it


def suspicions(graph: Graph, trace: Trace) -> dict[tuple[str, str], Suspicion]:
    """(path, qualname) of each graph definition the failing tests ran -> how suspicious it is. Empty when no
    test of the trace failed."""
    failing = trace.failing
    if not failing:
        return {}
    resolve = _Resolver(graph)
    failed: Counter[tuple[str, str]] = Counter()
    passed: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], int] = {}
    for test in trace.tests:
        keys = dict.fromkeys(k for entry in test.executed if (k := resolve(*entry)) is not None)
        (failed if test.failed else passed).update(list(keys))
        if test is failing[0]:
            first = {k: n for n, k in enumerate(keys)}
    total = len(failing)
    return {key: Suspicion(round(n / math.sqrt(total * (n + passed[key])), 4), n, passed[key],
                           first.get(key, MAX_FIRST))
            for key, n in failed.items()}


class _Resolver:
    """(path, first line, qualified name) of a code object -> the graph definition it is: the innermost
    function or class whose span starts at or holds that line (a nested function, a lambda or a
    comprehension counts as the definition around it)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.spans: dict[str, list[tuple[int, int, str]] | None] = {}
        self.memo: dict[tuple[str, int], tuple[str, str] | None] = {}

    def __call__(self, path: str, line: int, name: str) -> tuple[str, str] | None:
        key = (path, line)
        if key not in self.memo:
            self.memo[key] = self._resolve(path, line)
        return self.memo[key]

    def _resolve(self, path: str, line: int) -> tuple[str, str] | None:
        spans = self._spans(path)
        if not spans:
            return None
        holding = [s for s in spans if s[0] <= line <= s[1]]
        return (path, min(holding, key=lambda s: s[1] - s[0])[2]) if holding else None

    def _spans(self, path: str) -> list[tuple[int, int, str]] | None:
        if path not in self.spans:
            facts = self.graph.facts(path) if path.endswith(".py") else None
            self.spans[path] = None if facts is None else [
                (d.line, d.end_line, d.qualname) for d in facts.definitions if d.kind in ("function", "class")]
        return self.spans[path]
