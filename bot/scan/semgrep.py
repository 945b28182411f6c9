"""Run semgrep with the rules shipped in this package, offline, and read its findings.

Never the registry (`--config auto`, `p/...`): only `rules/python-security.yml`. Metrics and version
checks are off, HOME points at a scratch directory, and `# nosemgrep` comments are ignored (a patch must
not be able to silence the scan that judges it).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.scan.environment import scrubbed_env
from bot.scan.process import ProcessResult, run_process, tail
from bot.scan.results import ScanResult, SecurityFinding, not_checked, scan_error

RULES_FILE = Path(__file__).parent / "rules" / "python-security.yml"
SEVERITY = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
SCANNER = "semgrep"


def find_semgrep() -> str | None:
    """The semgrep next to our interpreter (an un-activated venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "semgrep"
    if beside.is_file():
        return str(beside)
    return shutil.which("semgrep")


PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")


def run_semgrep(root: Path, paths: Sequence[str], *, executable: str | None = None,
                rules: Path = RULES_FILE, timeout: float = 300.0) -> ScanResult:
    """Scan `paths` (relative to `root`) with the shipped rules. Missing files are skipped.

    semgrep picks a file's language by its suffix, so a Python script without one (`bin/deploy` with a python
    shebang) is scanned through a `.py` copy and reported under its own path; files of other types are named
    in the reason as not analysed (the shipped rules are Python rules), never passed silently.
    """
    targets = sorted({p for p in paths if (root / p).is_file()})
    python = [p for p in targets if p.endswith(PYTHON_SUFFIXES)]
    scripts = [p for p in targets if not p.endswith(PYTHON_SUFFIXES) and is_python_script(root / p)]
    others = [p for p in targets if p not in python and p not in scripts]
    note = f"not analysed (no semgrep rules for their type): {', '.join(others)}" if others else ""
    if not python and not scripts:
        return ScanResult(SCANNER, "ok", (), note or "no files to scan")
    exe = executable or find_semgrep()
    if exe is None:
        return not_checked(SCANNER, "semgrep is not installed (pip install 'yantra-bot[bot]')")
    result = _scan(exe, root, python, rules, timeout) if python else ScanResult(SCANNER, "ok", ())
    if scripts and result.status == "ok":
        result = _merge(result, _scan_scripts(exe, root, scripts, rules, timeout))
    return ScanResult(result.scanner, result.status, result.findings, "; ".join(r for r in (result.reason, note) if r))


def is_python_script(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _scan(exe: str, root: Path, targets: Sequence[str], rules: Path, timeout: float) -> ScanResult:
    with tempfile.TemporaryDirectory(prefix="yantra-semgrep-") as home:
        # --experimental: semgrep's native CLI (osemgrep) instead of the Python one it otherwise re-executes,
        # the same engine and JSON report for a tenth of the start-up time (~0.15 s instead of ~2 s of CPU).
        argv = [exe, "scan", "--experimental", "--config", str(rules), "--json", "--quiet", "--metrics=off",
                "--disable-version-check", "--no-git-ignore", "--disable-nosem", "--timeout", "30",
                "--", *targets]
        env = scrubbed_env(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home,
                           SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
        try:
            result = run_process(argv, cwd=root, env=env, timeout=timeout)
        except OSError as exc:
            return not_checked(SCANNER, f"semgrep could not start ({exe}): {exc}")
    return _read_output(result, timeout)


def _scan_scripts(exe: str, root: Path, scripts: Sequence[str], rules: Path, timeout: float) -> ScanResult:
    """Scan extension-less Python scripts as `<path>.py` copies; findings keep the script's own path."""
    with tempfile.TemporaryDirectory(prefix="yantra-scripts-") as tmp:
        for path in scripts:
            copy = Path(tmp) / f"{path}.py"
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / path, copy)
        result = _scan(exe, Path(tmp), [f"{p}.py" for p in scripts], rules, timeout)
    findings = tuple(replace(f, path=f.path.removesuffix(".py")) for f in result.findings)
    return ScanResult(result.scanner, result.status, findings, result.reason)


def _merge(first: ScanResult, second: ScanResult) -> ScanResult:
    if second.status != "ok":
        return second
    findings = tuple(sorted(dict.fromkeys((*first.findings, *second.findings)), key=SecurityFinding.sort_key))
    return ScanResult(SCANNER, "ok", findings, "; ".join(r for r in (first.reason, second.reason) if r))


def _read_output(result: ProcessResult, timeout: float) -> ScanResult:
    if result.timed_out:
        return scan_error(SCANNER, f"semgrep timed out after {timeout:g} s")
    try:
        data: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        return scan_error(SCANNER, f"semgrep exited with {result.returncode} without a JSON report:\n"
                                   f"{tail(result.stderr or result.stdout, 20)}")
    errors = data.get("errors", [])
    fatal = [e for e in errors if e.get("level") == "error"]
    if result.returncode not in (0, 1) or fatal:
        detail = "; ".join(_error_text(e) for e in fatal) or tail(result.stderr, 20)
        return scan_error(SCANNER, f"semgrep exited with {result.returncode}: {detail}")
    unique = dict.fromkeys(_finding(r) for r in data.get("results", []))  # overlapping matches, one report
    findings = tuple(sorted(unique, key=SecurityFinding.sort_key))
    skipped = sorted({str(e.get("path")) for e in errors if e.get("path")})
    reason = f"could not analyse: {', '.join(skipped)}" if skipped else ""
    return ScanResult(SCANNER, "ok", findings, reason)


def _error_text(error: dict[str, Any]) -> str:
    return str(error.get("message") or error.get("type") or error).strip().splitlines()[0]


def _finding(raw: dict[str, Any]) -> SecurityFinding:
    extra = raw.get("extra", {})
    return SecurityFinding(
        scanner=SCANNER,
        rule=str(raw["check_id"]).rsplit(".", 1)[-1],  # a rules file outside cwd prefixes its dotted path
        severity=SEVERITY.get(str(extra.get("severity", "")).upper(), "medium"),
        path=str(raw["path"]),
        line=int(raw["start"]["line"]),
        message=" ".join(str(extra.get("message", "")).split()),
    )


def line_text(root: Path, path: str, line: int) -> str:
    """The finding's source line with whitespace normalised ("" if unreadable)."""
    try:
        lines = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return " ".join(lines[line - 1].split()) if 0 < line <= len(lines) else ""


def new_findings(root: Path, current: Iterable[SecurityFinding], baseline_root: Path,
                 baseline: Iterable[SecurityFinding]) -> tuple[SecurityFinding, ...]:
    """The findings of `current` that the baseline does not have.

    Matched by rule, file and normalised line text — not line number, so code moving does not make old
    findings new. Counted: a second copy of an old problem is new.
    """
    old = Counter((f.rule, f.path, line_text(baseline_root, f.path, f.line)) for f in baseline)
    fresh: list[SecurityFinding] = []
    for finding in current:
        key = (finding.rule, finding.path, line_text(root, finding.path, finding.line))
        if old[key] > 0:
            old[key] -= 1
        else:
            fresh.append(finding)
    return tuple(fresh)
