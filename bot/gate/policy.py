"""Configured severities and `# yantra: ignore[...]` comments, applied to what the rules found."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.config import GateConfig
from bot.gate.findings import RULES, Finding, Severity
from bot.gate.guards import foreign_suppressions, quiet_lines
from bot.graph.model import FileFacts

Suppressions = tuple[tuple[int, tuple[str, ...]], ...]


def severity_of(rule: str, gate: GateConfig) -> Severity | None:
    """The severity a rule's findings get, or None when the rule is turned off."""
    level = gate.severity.get(rule, RULES.get(rule, "error"))
    if level == "off":
        return None
    return "warning" if level == "warning" else "error"


def suppressed(finding: Finding, suppressions: Suppressions) -> bool:
    """`# yantra: ignore` (all rules) or `# yantra: ignore[rule, ...]` on a line of the finding."""
    for line, rules in suppressions:
        if finding.line <= line <= max(finding.end_line, finding.line) and (not rules or finding.rule in rules):
            return True
    return False


def apply_policy(findings: Iterable[Finding], gate: GateConfig, facts_of: dict[str, FileFacts | None],
                 source_of: Callable[[str], str]) -> list[Finding]:
    """Drop suppressed, disabled and expected-to-fail findings, set configured severities, sort, dedupe."""
    out: dict[tuple[str, int, int, str, str], Finding] = {}
    quiet = _Quiet(source_of)
    for f in findings:
        level = severity_of(f.rule, gate)
        facts = facts_of.get(f.path)
        if level is None or (facts is not None and suppressed(f, facts.suppressions)) or quiet(f):
            continue
        if level != f.severity:
            f = Finding(f.rule, level, f.path, f.line, f.col, f.end_line, f.message, f.suggestion)
        out.setdefault((f.path, f.line, f.col, f.rule, f.message), f)
    return sorted(out.values(), key=Finding.sort_key)


class _Quiet:
    """Findings in expected-failure or unreachable code, or under the project's own `# noqa`-style comments."""

    def __init__(self, source_of: Callable[[str], str]) -> None:
        self.source_of = source_of
        self._lines: dict[str, list[str]] = {}
        self._quiet: dict[str, dict[int, set[str]]] = {}

    def __call__(self, f: Finding) -> bool:
        if f.rule == "syntax-error":
            return False
        if f.path not in self._lines:
            source = self.source_of(f.path)
            self._lines[f.path] = source.splitlines()
            self._quiet[f.path] = quiet_lines(source)
        lines = self._lines[f.path]
        span = range(f.line, max(f.end_line, f.line) + 1)
        if any(f.rule in self._quiet[f.path].get(n, ()) for n in span):
            return True
        return any(f.rule in foreign_suppressions(lines[n - 1]) for n in span if 0 < n <= len(lines))
