"""The security phase: semgrep on every changed file, secrets in the diff, safety on dependencies.

Each scanner runs on its own: one that cannot run or crashes becomes a `not-checked` / `error` result and
the others still run. With `baseline_root` (the tree before the change), semgrep and safety report only
findings the baseline does not have; the secrets scan looks only at added lines anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bot.scan.deps import run_safety
from bot.scan.results import ScanResult, not_checked, scan_error
from bot.scan.semgrep import new_findings, run_semgrep


def run_security(root: Path, changed: Sequence[str], diff: str, *, baseline_root: Path | None = None,
                 safety_db: Path | None = None, semgrep_executable: str | None = None) -> list[ScanResult]:
    """[semgrep, secrets, safety] results for a change of `changed` files (relative to `root`)."""
    return [semgrep_scan(root, changed, baseline_root=baseline_root, executable=semgrep_executable),
            secrets_scan(diff), safety_scan(root, baseline_root=baseline_root, db=safety_db)]


def semgrep_scan(root: Path, changed: Sequence[str], *, baseline_root: Path | None = None,
                 executable: str | None = None) -> ScanResult:
    """semgrep on the `changed` files only (it says which of them its rules cannot analyse)."""
    files = sorted(set(changed))
    return _guarded("semgrep", lambda: _semgrep(root, files, baseline_root, executable))


def secrets_scan(diff: str) -> ScanResult:
    """detect-secrets on the added lines of `diff` (in-process, no repository code runs)."""
    return _guarded("secrets", lambda: _secrets(diff))


def safety_scan(root: Path, *, baseline_root: Path | None = None, db: Path | None = None) -> ScanResult:
    """safety on the declared dependencies of `root`."""
    return _guarded("safety", lambda: _safety(root, baseline_root, db))


def _guarded(scanner: str, scan: Callable[[], ScanResult]) -> ScanResult:
    try:
        return scan()
    except Exception as exc:  # one broken scanner must not stop the others; it is reported, not hidden
        return scan_error(scanner, f"{scanner} failed: {type(exc).__name__}: {exc}")


def _semgrep(root: Path, paths: list[str], baseline_root: Path | None, executable: str | None) -> ScanResult:
    current = run_semgrep(root, paths, executable=executable)
    if baseline_root is None or current.status != "ok" or not current.findings:
        return current
    before = [p for p in paths if (baseline_root / p).is_file()]
    baseline = run_semgrep(baseline_root, before, executable=executable)
    return _only_new(root, current, baseline_root, baseline)


def _safety(root: Path, baseline_root: Path | None, db: Path | None) -> ScanResult:
    current = run_safety(root, db=db)
    if baseline_root is None or current.status != "ok" or not current.findings:
        return current
    return _only_new(root, current, baseline_root, run_safety(baseline_root, db=db))


def _only_new(root: Path, current: ScanResult, baseline_root: Path, baseline: ScanResult) -> ScanResult:
    if baseline.status != "ok":
        note = f"baseline scan {baseline.status} ({baseline.reason}): every current finding is reported"
        return ScanResult(current.scanner, current.status, current.findings, _join(current.reason, note))
    fresh = new_findings(root, current.findings, baseline_root, baseline.findings)
    old = len(current.findings) - len(fresh)
    note = f"{old} finding(s) already present before the change not reported" if old else ""
    return ScanResult(current.scanner, "ok", fresh, _join(current.reason, note))


def _secrets(diff: str) -> ScanResult:
    try:
        from bot.scan.secrets import scan_diff
    except ImportError as exc:
        return not_checked("secrets", f"the secrets scanner is unavailable ({exc}); "
                                      "install yantra-bot[bot] for detect-secrets")
    return scan_diff(diff)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
