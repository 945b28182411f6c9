from __future__ import annotations

import json

import pytest

from bot.scan.results import (
    ScanResult,
    SecurityFinding,
    all_findings,
    high_findings,
    not_checked,
    scan_error,
    to_json,
    unchecked,
)


def finding(severity: str, path: str = "a.py", line: int = 1) -> SecurityFinding:
    return SecurityFinding("semgrep", "rule", severity, path, line, "message")


def test_not_checked_and_error_need_a_reason():
    with pytest.raises(ValueError):
        ScanResult("semgrep", "not-checked", ())
    with pytest.raises(ValueError):
        ScanResult("semgrep", "error", ())
    assert not_checked("semgrep", "not installed").checked is False
    assert scan_error("semgrep", "crashed").status == "error"
    assert ScanResult("semgrep", "ok", ()).checked is True


def test_unknown_status_and_severity_are_rejected():
    with pytest.raises(ValueError):
        ScanResult("semgrep", "clean", ())
    with pytest.raises(ValueError):
        finding("critical")


def test_queries_over_results():
    results = [
        ScanResult("semgrep", "ok", (finding("medium", "b.py"), finding("high", "b.py", 3))),
        ScanResult("secrets", "ok", (finding("high", "a.py"),)),
        not_checked("safety", "no database"),
    ]
    assert [(f.path, f.line) for f in high_findings(results)] == [("a.py", 1), ("b.py", 3)]
    assert len(all_findings(results)) == 3
    assert [r.scanner for r in unchecked(results)] == ["safety"]
    data = json.loads(json.dumps(to_json(results)))
    assert data[2] == {"scanner": "safety", "status": "not-checked", "reason": "no database", "findings": []}
    assert data[1]["findings"][0] == {"scanner": "semgrep", "rule": "rule", "severity": "high", "path": "a.py",
                                      "line": 1, "message": "message"}


def test_json_round_trip():
    results = [ScanResult("semgrep", "ok", (finding("high"),), "note"), not_checked("safety", "no database")]
    data = json.loads(json.dumps(to_json(results)))
    assert [ScanResult.from_json(d) for d in data] == results
