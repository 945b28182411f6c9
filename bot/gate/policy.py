"""Configured severities and `# yantra: ignore[...]` comments, applied to what the rules found."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

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


def apply_policy(findings: Iterable[Finding], gate: GateConfig, facts_of: dict[str, FileFacts | None],
                 source_of: Callable[[str], str], untouched: frozenset[str] = frozenset(),
                 target: tuple[int, int] | None = None,
                 kept_lines: frozenset[tuple[str, int]] = frozenset(),
                 package_of: Callable[[str], str] | None = None) -> list[Finding]:
    """Drop suppressed, disabled and expected-to-fail findings, set configured severities, sort, dedupe.
    `untouched`: files the checked change does not touch (their findings are about what it removed);
    `target`: the lowest Python the files are judged for (`bot.gate.guards.quiet_lines`);
    `kept_lines`: (path, line) of findings about what it removed on lines of touched files it left as they were;
    `package_of`: a file's own regular package ("" for none)."""
    out: dict[tuple[str, int, int, str, str], Finding] = {}
    quiet = _Quiet(source_of, untouched, target, kept_lines, package_of)
    for f in findings:
        level = severity_of(f.rule, gate)
        facts = facts_of.get(f.path)
        if level is None or (facts is not None and suppressed(f, facts.suppressions)) or quiet(f):
            continue
        if level != f.severity:
            f = Finding(f.rule, level, f.path, f.line, f.col, f.end_line, f.message, f.suggestion)
        out.setdefault((f.path, f.line, f.col, f.rule, f.message), f)
    return sorted((quiet.in_characters(f) for f in out.values()), key=Finding.sort_key)


class _Quiet:
    """Findings in expected-failure or unreachable code, or under the project's own `# noqa`-style comments."""

    def __init__(self, source_of: Callable[[str], str], untouched: frozenset[str] = frozenset(),
                 target: tuple[int, int] | None = None,
                 kept_lines: frozenset[tuple[str, int]] = frozenset(),
                 package_of: Callable[[str], str] | None = None) -> None:
        self.source_of = source_of
        self.package_of = package_of
        self.untouched = untouched
        self.target = target
        self.kept_lines = kept_lines
        self._lines: dict[str, list[str]] = {}
        self._quiet: dict[str, dict[int, set[str]]] = {}

    def _load(self, path: str) -> list[str]:
        if path not in self._lines:
            source = self.source_of(path)
            self._lines[path] = source.splitlines()
            from bot.gate.guards import quiet_lines  # read only for files with findings: not on a clean check

            self._quiet[path] = quiet_lines(source, self.target, self.package_of(path) if self.package_of else "")
        return self._lines[path]

    def in_characters(self, f: Finding) -> Finding:
        """`f` with its column in characters and in UTF-16 code units. The rules count UTF-8 bytes (tree-sitter's
        unit); CPython's syntax errors already count characters."""
        lines = self._load(f.path)
        if not 0 < f.line <= len(lines):
            return f
        text = lines[f.line - 1]
        col = f.col
        if f.rule != "syntax-error":
            col = len(text.encode("utf-8", "surrogatepass")[:f.col].decode("utf-8", "replace"))
        utf16 = len(text[:col].encode("utf-16-le", "surrogatepass")) // 2
        return replace(f, col=col, col_utf16=utf16)

    def __call__(self, f: Finding) -> bool:
        if f.rule == "syntax-error":
            return False
        lines = self._load(f.path)
        span = range(f.line, max(f.end_line, f.line) + 1)
        if any(f.rule in self._quiet[f.path].get(n, ()) for n in span):
            return True
        predates = f.path in self.untouched or (f.path, f.line) in self.kept_lines
        from bot.gate.guards import foreign_suppressions

        return any(f.rule in foreign_suppressions(lines[n - 1], predates_change=predates)
                   for n in span if 0 < n <= len(lines))
