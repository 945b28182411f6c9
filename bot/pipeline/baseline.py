"""Baseline phase: what fails before any fix — gate errors over the repository and the test suite."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.config import Config
from bot.errors import YantraError
from bot.pipeline.results import Baseline, GateIssue
from bot.scan.tests import run_tests

MAX_FAILURES_SHOWN = 5
MAX_GATE_ERRORS_SHOWN = 20


def gate_errors(root: Path, config: Config, paths: Iterable[str] | None = None
                ) -> tuple[tuple[GateIssue, ...], str, str]:
    """(errors, status, reason): the gate's errors on `paths` (None: every file); not-checked if it failed."""
    from bot.gate import run_check

    try:
        if paths is None:
            result = run_check(root, all_files=True, config=config)
        else:
            result = run_check(root, sorted(paths), config=config)
    except YantraError as exc:
        return (), "not-checked", f"the gate could not run: {exc}"
    issues = tuple(GateIssue(f.rule, f.path, f.line, f.message) for f in result.errors)
    return issues, "ok", ""


def run_baseline(root: Path, config: Config) -> Baseline:
    errors, status, reason = gate_errors(root, config)
    tests = run_tests(root, command=config.fix.test_command, timeout=config.fix.test_timeout)
    return Baseline(errors, status, reason, tests)


def failure_text(baseline: Baseline, *, max_failures: int = MAX_FAILURES_SHOWN) -> str:
    """The failing tests (message + excerpt) and gate errors, as put in the prompt and the report."""
    parts: list[str] = []
    for failure in baseline.tests.failures[:max_failures]:
        parts.append(f"FAILED {failure.nodeid}: {failure.message}\n{failure.excerpt}".rstrip())
    hidden = len(baseline.tests.failures) - max_failures
    if hidden > 0:
        parts.append(f"... and {hidden} more failing test(s)")
    if baseline.tests.status == "error" and not baseline.tests.failures:
        parts.append(f"The test run did not complete: {baseline.tests.reason}")
    for issue in baseline.gate_errors[:MAX_GATE_ERRORS_SHOWN]:
        parts.append(f"GATE ERROR {issue}")
    return "\n\n".join(parts)


def choose_target(baseline: Baseline, instructions: str) -> str:
    """What the context is built around: the first failing test, else the first gate error's file."""
    for failure in baseline.tests.failures:
        if failure.nodeid and "::" in failure.nodeid:
            return failure.nodeid
    for failure in baseline.tests.failures:
        if failure.nodeid.endswith(".py"):
            return failure.nodeid
    if baseline.gate_errors:
        return baseline.gate_errors[0].path
    return instructions.strip()
