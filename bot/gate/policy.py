"""Configured severities and `# yantra: ignore[...]` comments, applied to what the rules found."""

from __future__ import annotations

from collections.abc import Iterable

from bot.config import GateConfig
from bot.gate.findings import RULES, Finding, Severity
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


def apply_policy(findings: Iterable[Finding], gate: GateConfig,
                 facts_of: dict[str, FileFacts | None]) -> list[Finding]:
    """Drop suppressed and disabled findings, set configured severities, sort, de-duplicate."""
    out: dict[tuple[str, int, int, str, str], Finding] = {}
    for f in findings:
        level = severity_of(f.rule, gate)
        facts = facts_of.get(f.path)
        if level is None or (facts is not None and suppressed(f, facts.suppressions)):
            continue
        if level != f.severity:
            f = Finding(f.rule, level, f.path, f.line, f.col, f.end_line, f.message, f.suggestion)
        out.setdefault((f.path, f.line, f.col, f.rule, f.message), f)
    return sorted(out.values(), key=Finding.sort_key)
