"""The gate's rules. Each is a function from the graph (through a `RuleContext`) and one file to hits.

A hit is a finding plus its *subject* (the module, and name in it, the finding is about), so that in a
file that merely depends on a change only findings about what the change removed or re-signed are kept.
Rules never print and never decide severity (`bot.gate.policy` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.gate.findings import RULES, Finding
from bot.gate.resolve import Resolver
from bot.graph.model import FileFacts


@dataclass(frozen=True)
class Hit:
    finding: Finding
    module: str = ""  # subject module ("" for file-local findings)
    name: str | None = None  # subject name in `module`


@dataclass
class RuleContext:
    graph: Any
    resolver: Resolver
    extra: dict[str, Any] = field(default_factory=dict)

    def module_of(self, path: str) -> str:
        mods = self.graph.modules_of(path)
        return str(mods[0]) if mods else ""


Rule = Callable[[RuleContext, str, FileFacts], Iterator[Hit]]


def make(rule: str, path: str, line: int, col: int, end_line: int, message: str, suggestion: str = "") -> Finding:
    return Finding(rule, RULES[rule], path, line, col, max(end_line, line), message, suggestion)
