"""Validate, test and security phases: the proposed edits checked inside a scratch worktree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Config, load_config
from bot.errors import YantraError
from bot.pipeline import gitops
from bot.pipeline.baseline import gate_errors
from bot.pipeline.results import Baseline, SecurityOutcome, TestOutcome, Validation

if TYPE_CHECKING:
    from bot.graph import Graph


def apply_in_worktree(tree: Path, edits: Sequence[Any]) -> tuple[tuple[str, ...], str]:
    """Apply the edits in the worktree: (changed paths, the patch). Raises EditError when they do not apply."""
    from bot.llm.edits import apply_edits

    changed = tuple(sorted(set(apply_edits(tree, edits))))
    return changed, gitops.diff(tree, changed)


def validate(tree: Path, edits: Sequence[Any], baseline: Baseline,
             dependents_of: Callable[[Sequence[str]], list[str]]) -> Validation:
    """Apply the edits and re-run the gate on the changed files and their dependents; new errors fail it."""
    try:
        changed, patch = apply_in_worktree(tree, edits)
    except YantraError as exc:
        return Validation(ok=False, changed=(), patch="", reason=f"the edits do not apply: {exc}")
    if not patch.strip():
        return Validation(ok=False, changed=changed, patch="", reason="the edits change nothing")
    python = {p for p in (*changed, *dependents_of(changed)) if p.endswith(".py") and (tree / p).is_file()}
    if not python:
        return Validation(ok=True, changed=changed, patch=patch)
    errors, status, reason = gate_errors(tree, load_config(tree), python)
    known = {issue.key for issue in baseline.gate_errors}
    new = tuple(issue for issue in errors if issue.key not in known)
    if new:
        return Validation(ok=False, changed=changed, patch=patch, new_gate_errors=new,
                          reason=f"{len(new)} new gate error(s)")
    return Validation(ok=True, changed=changed, patch=patch, reason=reason if status != "ok" else "")


def run_checks_tests(tree: Path, graph: Graph | None, changed: Sequence[str], baseline: Baseline,
                     config: Config) -> TestOutcome:
    """Related tests first (via the graph), then the configured suite; regressions against the baseline."""
    from bot.scan.tests import regressions, related_tests, run_related_then_suite

    related = tuple(related_tests(graph, changed)) if graph is not None else ()
    related = tuple(p for p in related if (tree / p).exists())
    staged = run_related_then_suite(tree, related, command=config.fix.test_command,
                                    timeout=config.fix.test_timeout)
    found: set[str] = set()
    for run in (staged.related, staged.suite):
        if run is not None:
            found.update(regressions(baseline.tests, run))
    return TestOutcome(related, staged.related, staged.suite, tuple(sorted(found)))


def run_security_checks(tree: Path, changed: Sequence[str], patch: str, root: Path | None) -> SecurityOutcome:
    """The scanners on the change; with `root` (the tree before it) only the findings the change adds."""
    from bot.scan.security import run_security

    return SecurityOutcome(tuple(run_security(tree, list(changed), patch, baseline_root=root)))


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
