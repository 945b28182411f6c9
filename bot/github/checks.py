"""The checks of a pull request: the gate on its changed files, its tests (never for forks), security scans.

Everything that did not run says so ("not run: fork pull request"), never "clean".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.report.markdown import code_span, fence, plain
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.config import Config
    from bot.gate.result import CheckResult
    from bot.scan.results import ScanResult
    from bot.scan.tests import TestRun

MAX_ROWS = 30


@dataclass(frozen=True)
class PullChecks:
    gate: CheckResult
    tests: TestRun | None
    tests_note: str  # why tests did not run, when they did not
    security: tuple[ScanResult, ...] = field(default=())
    # settings that decide the gate's scope which the pull request changes (`bot.gate.settings`): judged with
    # the base's, they take effect once merged
    settings_changed: tuple[str, ...] = ()

    @property
    def high_findings(self) -> int:
        return sum(1 for s in self.security for f in s.findings if f.severity == "high")

    @property
    def passed(self) -> bool:
        tests_ok = self.tests is None or self.tests.status in ("passed", "not-run")
        return not self.gate.errors and tests_ok and self.high_findings == 0

    @property
    def verdict(self) -> Verdict:
        return Verdict.PASS if self.passed else Verdict.FAIL


def run_pull_checks(root: Path, config: Config, changed: Sequence[str], diff: str, *,
                    run_tests: bool, tests_note: str = "", base: str | None = None) -> PullChecks:
    """The gate (with `base`, the commit the pull request starts from: its change since then, and the files that
    depend on what it removed or re-signed — `yantra check --base`), the tests and the security scans."""
    from bot.gate import run_check
    from bot.git_worktree import credentials_dropped
    from bot.scan.sandbox import detect
    from bot.scan.security import run_security
    from bot.scan.tests import run_tests as run_test_suite

    py_changed = [p for p in changed if p.endswith((".py", ".pyi")) and (root / p).is_file()]
    gate = run_check(root, py_changed, config=config, base=base)
    tests = None
    if run_tests:
        # The pull request's tests are code we did not write: run them where they cannot read the job's token
        # (`/proc/<yantra>/environ`, `.git/config`) or reach the network; say so when no sandbox works here.
        sandbox = detect()
        # ... nor the credential actions/checkout persisted (read-only is still readable)
        with credentials_dropped(root):
            tests = run_test_suite(root, command=config.fix.test_command, timeout=config.fix.test_timeout,
                                   sandbox=sandbox)
        if not sandbox.available:
            tests_note = " ".join(filter(None, [tests_note, f"Tests ran without a sandbox ({sandbox.reason})."]))
    existing = [p for p in changed if (root / p).is_file()]
    security = tuple(run_security(root, existing, diff))
    return PullChecks(gate=gate, tests=tests, tests_note=tests_note, security=security,
                      settings_changed=_settings_changed(root, config))


def _settings_changed(root: Path, config: Config) -> tuple[str, ...]:
    """What the checked-out pull request changes of the scope-deciding settings of `config`'s trusted commit."""
    if config.settings_commit is None:
        return ()
    from bot.gate.settings import settings_changed
    from bot.git import Git
    from bot.repo_files import RepoFiles

    trusted = RepoFiles(root, Git(root), config.settings_commit)
    try:
        return settings_changed(trusted, RepoFiles(root))
    finally:
        trusted.close()


def checks_markdown(checks: PullChecks) -> str:
    gate = checks.gate
    lines = ["| check | result |", "| --- | --- |",
             f"| gate | {len(gate.errors)} error(s), {len(gate.warnings)} warning(s) in "
             f"{int(gate.stats.get('files_checked', 0))} file(s) |",
             f"| tests | {_tests_cell(checks)} |"]
    if checks.settings_changed:
        lines = ["> This pull request changes configuration that Yantra reads ("
                 + ", ".join(code_span(s) for s in checks.settings_changed) + "). It was judged with the base "
                 "branch's configuration; the change takes effect once merged.", "", *lines]
    lines += [f"| {s.scanner} | {_scan_cell(s)} |" for s in checks.security]
    if gate.findings:
        lines += ["", "**Gate findings**", ""]
        lines += [f"- {code_span(f'{f.path}:{f.line}')} {f.severity} `{f.rule}`: {plain(f.message)}"
                  + (f" — {plain(f.suggestion)}" if f.suggestion else "") for f in gate.findings[:MAX_ROWS]]
    if checks.tests is not None and checks.tests.failures:
        lines += ["", "**Failing tests**", ""]
        for failure in checks.tests.failures[:MAX_ROWS]:
            lines += [f"<details><summary><code>{_html(failure.nodeid)}</code>: {_html(failure.message)}"
                      "</summary>", "", fence(failure.excerpt.strip()), "</details>"]
    findings = [f for s in checks.security for f in s.findings]
    if findings:
        lines += ["", "**Security findings**", ""]
        lines += [f"- {f.severity} `{f.scanner}:{f.rule}` {code_span(f'{f.path}:{f.line}')}: {plain(f.message)}"
                  for f in findings[:MAX_ROWS]]
    return "\n".join(lines)


def _tests_cell(checks: PullChecks) -> str:
    t = checks.tests
    if t is None:
        return f"not run: {checks.tests_note or 'not requested'}"
    counts = ", ".join(f"{n} {k}" for k, n in sorted(t.counts.items())) or t.status
    return f"{t.status} ({counts})" + (f": {plain(t.reason)}" if t.reason else "")


def _scan_cell(s: ScanResult) -> str:
    if s.status != "ok":
        return f"{s.status}: {plain(s.reason)}"
    return f"ok, {len(s.findings)} finding(s)" + (f" ({plain(s.reason)})" if s.reason else "")


def _html(text: str) -> str:
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
