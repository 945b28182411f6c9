"""Baseline phase: what fails before any fix — gate errors over the repository and the test suite."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from bot.config import Config
from bot.errors import YantraError
from bot.pipeline.results import Baseline, GateIssue
from bot.scan.sandbox import Sandbox
from bot.scan.tests import NO_SANDBOX, TestRun, is_test_file
from bot.scan.tests import run_tests as run_test_suite

TESTS_NOT_RUN = "tests are not run on fork code (secrets are in reach)"
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


def run_baseline(root: Path, config: Config, *, run_tests: bool = True, tests_reason: str = TESTS_NOT_RUN,
                 sandbox: Sandbox = NO_SANDBOX) -> Baseline:
    """The gate over the repository and (unless `run_tests` is False: no repository code runs) the test suite,
    in `sandbox` like every run of code we did not write."""
    errors, status, reason = gate_errors(root, config)
    if not run_tests:
        return Baseline(errors, status, reason, tests_not_run(tests_reason))
    tests = run_test_suite(root, command=config.fix.test_command, timeout=config.fix.test_timeout,
                           sandbox=sandbox)
    return Baseline(errors, status, reason, tests)


def tests_not_run(reason: str) -> TestRun:
    return TestRun(status="not-run", reason=reason)


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


def choose_target(baseline: Baseline, instructions: str, root: Path | None = None) -> str:
    """What the context is built around: the first failing test, else the first gate error's file, else the
    deepest project frame of a traceback in the failure output, else the instructions."""
    for failure in baseline.tests.failures:
        if failure.nodeid and "::" in failure.nodeid:
            return failure.nodeid
    for failure in baseline.tests.failures:
        if failure.nodeid.endswith(".py"):
            return failure.nodeid
    if baseline.gate_errors:
        return baseline.gate_errors[0].path
    frames = traceback_files(baseline, root) if root is not None else []
    code = [f for f in frames if not is_test_file(f)]
    if code or frames:
        return (code or frames)[-1]
    return instructions.strip()


_FRAME = re.compile(r'File "([^"]+\.py)", line \d+|^([\w./-]+\.py):\d+:', re.MULTILINE)


def traceback_files(baseline: Baseline, root: Path) -> list[str]:
    """Repository files named in the failures' tracebacks, in order of appearance (deepest last)."""
    found: list[str] = []
    resolved = root.resolve()
    for failure in baseline.tests.failures:
        for match in _FRAME.finditer(failure.excerpt):
            raw = Path(match.group(1) or match.group(2))
            path = raw if raw.is_absolute() else resolved / raw
            try:
                rel = path.resolve().relative_to(resolved).as_posix()
            except ValueError:
                continue
            if (resolved / rel).is_file():
                found.append(rel)
    return found
