"""Run a project's tests in a subprocess and read the outcome of every test.

pytest runs with the pytest-json-report plugin, a scrubbed environment (bot.scan.environment), in the
sandbox the caller chose (bot.scan.sandbox) and with a timeout that kills the whole process group. A configured `test-command` that is not pytest is run as is;
then only its exit code is known.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.graph.doubts import pytest_module
from bot.repo_files import FileSkipped, read_bytes
from bot.scan.process import ProcessResult, tail
from bot.scan.sandbox import Sandbox, SandboxKind, run_untrusted

PASSING = frozenset({"passed", "xpassed"})
FAILING = frozenset({"failed", "error"})
EXCERPT_LINES = 30
MAX_REPORT_BYTES = 256 * 1024 * 1024  # a json report of a large suite with long tracebacks


class Graph(Protocol):
    """The part of `bot.graph.Graph` that test selection needs."""

    def files(self) -> list[str]: ...

    def dependents_of_path(self, path: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class TestFailure:
    __test__ = False  # not a pytest test class

    nodeid: str
    message: str  # the one-line crash message ("AssertionError: boom")
    excerpt: str  # the last ~30 lines of pytest's report for it


@dataclass(frozen=True, slots=True)
class TestRun:
    """`status`: "passed" | "failed" | "error" (could not run or collect, timed out) | "not-run" (no tests)."""

    __test__ = False

    status: str
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed/failed/error/skipped/x*
    failures: tuple[TestFailure, ...] = ()
    duration: float = 0.0
    reason: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    @property
    def pass_rate(self) -> float:
        """passed / (passed + failed + error) over per-test outcomes.

        Without per-test outcomes (a non-pytest command): 1.0 if it passed, else 0.0.
        When nothing ran (not-run, error before any test): 0.0 — no evidence is never a pass.
        """
        passed = sum(1 for o in self.outcomes.values() if o in PASSING)
        ran = passed + sum(1 for o in self.outcomes.values() if o in FAILING)
        if ran:
            return passed / ran
        return 1.0 if self.status == "passed" else 0.0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data; `TestRun.from_json` reads it back (session state, reports)."""
        return {"status": self.status, "reason": self.reason, "duration": round(self.duration, 3),
                "counts": self.counts, "pass_rate": self.pass_rate, "outcomes": dict(self.outcomes),
                "failures": [{"nodeid": f.nodeid, "message": f.message, "excerpt": f.excerpt}
                             for f in self.failures]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestRun:
        return cls(status=str(data["status"]), outcomes=dict(data.get("outcomes", {})),
                   failures=tuple(TestFailure(str(f["nodeid"]), str(f["message"]), str(f["excerpt"]))
                                  for f in data.get("failures", [])),
                   duration=float(data.get("duration", 0.0)), reason=str(data.get("reason", "")))


NO_SANDBOX = Sandbox(SandboxKind.NONE, "not requested")


def run_tests(root: Path, *, select: Sequence[str] | None = None, command: Sequence[str] = (),
              timeout: float = 600.0, sandbox: Sandbox = NO_SANDBOX) -> TestRun:
    """Run the tests of the project at `root`.

    `select`: pytest node ids or paths to run (default: the project's own configuration decides).
    `command`: the configured runner; empty means `python -m pytest`. A pytest command gets the json-report
    options appended; any other command is run as is and only its exit code counts.
    """
    if select is not None and not select:
        return TestRun(status="not-run", reason="no tests selected")
    if command and not is_pytest_command(command):
        return _run_plain(root, command, select, timeout, sandbox)
    with tempfile.TemporaryDirectory(prefix="yantra-tests-") as tmp:
        report_file = Path(tmp) / "report.json"
        runner = list(command) or [sys.executable, "-m", "pytest"]
        argv = [*runner, "-p", "pytest_jsonreport", "--json-report", f"--json-report-file={report_file}",
                "-p", "no:cacheprovider", "-q", *(select or ())]
        result = _start(argv, root, timeout, sandbox, writable=(Path(tmp),))
        if isinstance(result, TestRun):
            return result
        return _from_pytest(result, _load_report(report_file), timeout)


def is_pytest_command(command: Sequence[str]) -> bool:
    names = [Path(part).name for part in command[:3]]
    return bool({"pytest", "py.test"} & set(names)) or ("-m" in command[:3] and "pytest" in command[1:3])


def _start(argv: Sequence[str], root: Path, timeout: float, sandbox: Sandbox,
           writable: Sequence[Path] = ()) -> ProcessResult | TestRun:
    try:  # no bytecode files left in the worktree
        return run_untrusted(argv, cwd=root, sandbox=sandbox, timeout=timeout, writable=writable,
                             extra_env={"PYTHONDONTWRITEBYTECODE": "1"})
    except OSError as exc:
        return TestRun(status="error", reason=f"could not start {argv[0]!r}: {exc}")


def _run_plain(root: Path, command: Sequence[str], select: Sequence[str] | None, timeout: float,
               sandbox: Sandbox) -> TestRun:
    result = _start(command, root, timeout, sandbox)
    if isinstance(result, TestRun):
        return result
    if result.timed_out:
        return _timed_out(result, timeout)
    note = "no per-test outcomes: the test command is not pytest"
    if select:
        note += "; the selection was ignored"
    if result.returncode == 0:
        return TestRun(status="passed", duration=result.duration, reason=note)
    excerpt = tail(result.stdout + "\n" + result.stderr, EXCERPT_LINES)
    failure = TestFailure(nodeid=" ".join(command), message=f"exited with {result.returncode}", excerpt=excerpt)
    return TestRun(status="failed", failures=(failure,), duration=result.duration,
                   reason=f"{' '.join(command)!r} exited with {result.returncode}; {note}")


def _load_report(path: Path) -> dict[str, Any] | None:
    """The json report, read as a file the tests could have replaced (a FIFO is never waited on)."""
    try:
        raw = read_bytes(path.parent, path.name, max_bytes=MAX_REPORT_BYTES)
        data = json.loads(raw) if raw is not None else None
    except (FileSkipped, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _timed_out(result: ProcessResult, timeout: float) -> TestRun:
    return TestRun(status="error", duration=result.duration, reason=f"timed out after {timeout:g} s",
                   failures=(TestFailure("", f"timed out after {timeout:g} s",
                                         tail(result.stdout + "\n" + result.stderr, EXCERPT_LINES)),))


def _from_pytest(result: ProcessResult, report: dict[str, Any] | None, timeout: float) -> TestRun:
    if result.timed_out:
        return _timed_out(result, timeout)
    output = tail(result.stdout + "\n" + result.stderr, EXCERPT_LINES)
    code = result.returncode
    if report is None:
        return TestRun(status="error", duration=result.duration,
                       reason=f"pytest exited with {code} and wrote no json report:\n{output}")
    outcomes = {t["nodeid"]: t["outcome"] for t in report.get("tests", [])}
    failures = tuple(_failure(t) for t in report.get("tests", []) if t["outcome"] in FAILING)
    broken = [c for c in report.get("collectors", []) if c.get("outcome") == "failed"]
    if broken:
        failures = tuple(TestFailure(c["nodeid"], "collection error", _excerpt(c.get("longrepr", "")))
                         for c in broken) + failures
        names = ", ".join(c["nodeid"] or "<root>" for c in broken)
        return TestRun(status="error", outcomes=outcomes, failures=failures, duration=result.duration,
                       reason=f"collection errors in {names}:\n{failures[0].excerpt}")
    if code == 5:
        return TestRun(status="not-run", duration=result.duration, reason="pytest collected no tests")
    if code in (0, 1) and outcomes:
        return TestRun(status="passed" if code == 0 else "failed", outcomes=outcomes, failures=failures,
                       duration=result.duration)
    return TestRun(status="error", outcomes=outcomes, failures=failures, duration=result.duration,
                   reason=f"pytest exited with {code}:\n{output}")


def _failure(test: Mapping[str, Any]) -> TestFailure:
    for stage in ("setup", "call", "teardown"):
        info = test.get(stage) or {}
        if info.get("outcome") in FAILING:
            crash = info.get("crash") or {}
            message = str(crash.get("message", "")).strip() or f"{stage} {info.get('outcome')}"
            return TestFailure(test["nodeid"], message, _excerpt(info.get("longrepr", "")))
    return TestFailure(test["nodeid"], test["outcome"], "")


def _excerpt(longrepr: object) -> str:
    return tail(str(longrepr or ""), EXCERPT_LINES)


def regressions(before: TestRun, after: TestRun) -> list[str]:
    """Node ids that passed in `before` and failed or errored in `after`, sorted.

    A test absent from `after` is not counted (a partial run selects fewer tests); a run that did not
    finish (`after.status == "error"`) must be treated as a failure by the caller on its own.
    """
    return sorted(nodeid for nodeid, outcome in after.outcomes.items()
                  if outcome in FAILING and before.outcomes.get(nodeid) in PASSING)


def is_test_file(path: str) -> bool:
    return pytest_module(path.rsplit("/", 1)[-1])


def related_tests(graph: Graph, changed: Sequence[str]) -> list[str]:
    """Test files related to the changed files, most direct first, without duplicates.

    Order: changed test files; tests importing a changed file; tests named for a changed module
    (`test_<stem>.py`, `<stem>_test.py`); tests importing a file that imports a changed file.
    """
    files = graph.files()
    direct: list[str] = []
    named: list[str] = []
    second: list[str] = []
    for path in changed:
        if is_test_file(path):
            direct.append(path)
            continue
        importers = graph.dependents_of_path(path)
        direct.extend(p for p in importers if is_test_file(p))
        named.extend(_named_tests(path, files))
        for importer in importers:
            if not is_test_file(importer):
                second.extend(p for p in graph.dependents_of_path(importer) if is_test_file(p))
    known = set(files) | set(changed)
    return list(dict.fromkeys(p for p in [*direct, *named, *second] if p in known))


def _named_tests(path: str, files: Sequence[str]) -> list[str]:
    stem = path.rsplit("/", 1)[-1].removesuffix(".py")
    if stem == "__init__":
        parts = path.split("/")
        stem = parts[-2] if len(parts) > 1 else stem
    wanted = {f"test_{stem}.py", f"{stem}_test.py"}
    return sorted(f for f in files if f.rsplit("/", 1)[-1] in wanted)


@dataclass(frozen=True, slots=True)
class StagedRuns:
    """The related tests, then (if they passed or there were none) the configured suite."""

    related: TestRun | None
    suite: TestRun | None

    @property
    def final(self) -> TestRun:
        run = self.suite or self.related
        assert run is not None
        return run


def run_related_then_suite(root: Path, related: Sequence[str], *, command: Sequence[str] = (),
                           suite: Sequence[str] | None = None, timeout: float = 600.0,
                           sandbox: Sandbox = NO_SANDBOX) -> StagedRuns:
    """Run `related` test files first (fast feedback); when they pass, run the suite.

    `suite`: what the configured suite selects (None: the project's default). With a non-pytest `command`
    the related stage is skipped, since it cannot select tests.
    """
    first: TestRun | None = None
    if related and (not command or is_pytest_command(command)):
        first = run_tests(root, select=related, command=command, timeout=timeout, sandbox=sandbox)
        if first.status in ("failed", "error"):
            return StagedRuns(related=first, suite=None)
    return StagedRuns(related=first, suite=run_tests(root, select=suite, command=command, timeout=timeout,
                                                     sandbox=sandbox))
