"""Validate, test and security phases: the proposed edits checked inside a scratch worktree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.errors import YantraError
from bot.pipeline import gitops
from bot.pipeline.baseline import gate_errors
from bot.pipeline.events import Step, Stopwatch
from bot.pipeline.protected import Protection
from bot.pipeline.results import Baseline, GateIssue, SecurityOutcome, TestOutcome, Validation
from bot.pipeline.weakening import dynamic_findings
from bot.scan.results import ScanResult
from bot.scan.sandbox import Sandbox

if TYPE_CHECKING:
    from bot.graph import Graph


def apply_in_worktree(tree: Path, edits: Sequence[Any]) -> tuple[tuple[str, ...], str]:
    """Apply the edits in the worktree: (changed paths, the patch). Raises EditError when they do not apply."""
    from bot.llm.apply import apply_edits

    changed = tuple(sorted(set(apply_edits(tree, edits))))
    return changed, gitops.diff(tree, changed)


def validate(tree: Path, edits: Sequence[Any], baseline: Baseline,
             dependents_of: Callable[[Sequence[str]], list[str]], *, config: Config, protection: Protection,
             root: Path, watch: Stopwatch | None = None) -> Validation:
    """Apply the edits; re-run the gate on the changed files and their dependents with `config` — the trusted
    configuration, never the patched tree's — and refuse edits to protected paths (`root`: the tree before)."""
    watch = watch or Stopwatch()
    try:
        with watch.measure(Step.APPLY):
            changed, patch = apply_in_worktree(tree, edits)
    except YantraError as exc:
        return Validation(ok=False, changed=(), patch="", reason=f"the edits do not apply: {exc}")
    if not patch.strip():
        return Validation(ok=False, changed=changed, patch="", reason="the edits change nothing")
    new: tuple[GateIssue, ...] = ()
    status, reason = "ok", ""
    with watch.measure(Step.GATE):
        python = {p for p in (*changed, *dependents_of(changed)) if p.endswith(".py") and (tree / p).is_file()}
        if python:
            errors, status, reason = gate_errors(tree, config, python)
            known = {issue.key for issue in baseline.gate_errors}
            new = tuple(issue for issue in errors if issue.key not in known)
    with watch.measure(Step.PROTECTED):
        protected = tuple(protection.violations(root, tree, changed))
    problems = [f"{len(new)} new gate error(s)"] if new else []
    problems += ["edit to a protected path: " + ", ".join(protected)] if protected else []
    if problems:
        return Validation(ok=False, changed=changed, patch=patch, new_gate_errors=new, reason="; ".join(problems),
                          protected=protected)
    return Validation(ok=True, changed=changed, patch=patch, reason=reason if status != "ok" else "")


# A suite whose baseline run took less than this runs at once: running the related tests first would only add
# one more start-up of the test runner before the same verdict.
RELATED_FIRST_SECONDS = 10.0


def run_checks_tests(tree: Path, graph: Graph | None, changed: Sequence[str], baseline: Baseline,
                     config: Config, sandbox: Sandbox) -> TestOutcome:
    """Related tests first (via the graph) when the suite is slow enough for that to pay, then the configured
    suite, in `sandbox`; regressions against the baseline, and tests the baseline had that the runs no longer
    collect, or skip or xfail."""
    from bot.pipeline.weakening import test_paths
    from bot.scan.tests import regressions, related_tests, run_related_then_suite

    quick = baseline.tests.duration < RELATED_FIRST_SECONDS and baseline.tests.status in ("passed", "failed")
    related = tuple(related_tests(graph, changed)) if graph is not None and not quick else ()
    related = tuple(p for p in related if (tree / p).exists())
    staged = run_related_then_suite(tree, related, command=config.fix.test_command,
                                    timeout=config.fix.test_timeout, sandbox=sandbox)
    found: set[str] = set()
    weakened: list[str] = []
    for run, scope in ((staged.related, related), (staged.suite, None)):
        if run is not None:
            found.update(regressions(baseline.tests, run))
            weakened += [w for w in dynamic_findings(baseline.tests, run, scope) if w not in weakened]
    return TestOutcome(related, staged.related, staged.suite, tuple(sorted(found)), tuple(weakened),
                       test_paths(changed), sandbox.describe())


def run_security_checks(tree: Path, changed: Sequence[str], patch: str, root: Path | None,
                        watch: Stopwatch | None = None) -> SecurityOutcome:
    """The scanners on the change, one after the other; with `root` (the tree before it) only the findings the
    change adds."""
    with SecurityScans(tree, changed, root, watch) as scans:
        return scans.outcome(secrets_check(patch, watch))


def secrets_check(patch: str, watch: Stopwatch | None = None) -> ScanResult:
    """detect-secrets on the patch: in-process and quick, so it runs before any of the change's code does."""
    from bot.scan.security import secrets_scan

    with (watch or Stopwatch()).measure(Step.SECRETS):
        return secrets_scan(patch)


class SecurityScans:
    """semgrep (on the changed files only) and safety, started in threads as soon as this is entered, so they
    run while the caller does other work — the change's tests, in a sandbox. `outcome` waits for both."""

    def __init__(self, tree: Path, changed: Sequence[str], root: Path | None, watch: Stopwatch | None) -> None:
        self.tree, self.changed, self.root = tree, tuple(changed), root
        self.watch = watch or Stopwatch()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="yantra-scan")
        self._semgrep: Future[ScanResult] | None = None
        self._safety: Future[ScanResult] | None = None

    def __enter__(self) -> SecurityScans:
        from bot.scan.security import safety_scan, semgrep_scan

        self._semgrep = self._pool.submit(self._timed, Step.SEMGREP,
                                          lambda: semgrep_scan(self.tree, self.changed, baseline_root=self.root))
        self._safety = self._pool.submit(self._timed, Step.SAFETY,
                                         lambda: safety_scan(self.tree, baseline_root=self.root))
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _timed(self, step: Step, scan: Callable[[], ScanResult]) -> ScanResult:
        with self.watch.measure(step):
            return scan()

    def outcome(self, secrets: ScanResult) -> SecurityOutcome:
        assert self._semgrep is not None and self._safety is not None, "use SecurityScans as a context manager"
        return SecurityOutcome((self._semgrep.result(), secrets, self._safety.result()))


def still_failing(baseline: Baseline, tests: TestOutcome) -> tuple[list[str], list[str]]:
    """(fixed, still failing): the tests that failed before the fix and pass / fail after it.

    A test the run did not include (a partial run) is in neither list.
    """
    final = tests.final
    before = sorted({f.nodeid for f in baseline.tests.failures})
    fixed = [n for n in before if final.outcomes.get(n) in ("passed", "xpassed")]
    failing = [n for n in before if final.outcomes.get(n) in ("failed", "error")]
    return fixed, failing


def seed_graph(root: Path, tree: Path, config: Config) -> None:
    """Copy the working tree's graph database to the worktree's, so the gate there refreshes incrementally
    (facts are keyed by file content) instead of parsing the whole repository again."""
    if config.gate.db_path:
        return
    import sqlite3
    from contextlib import closing

    from bot.graph.store import default_db_path

    source, target = default_db_path(root), default_db_path(tree)
    if not source.is_file() or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(str(source))) as src, closing(sqlite3.connect(str(target))) as dst:
            src.backup(dst)
    except sqlite3.Error:
        target.unlink(missing_ok=True)  # only a speed-up: the gate builds its own when this fails


def load_graph(root: Path, config: Config) -> Graph | None:
    """The dependency graph of the working tree, or None when it cannot be built (context is then thinner)."""
    from bot.graph import open_graph

    try:
        return open_graph(root, config)
    except YantraError:
        return None
