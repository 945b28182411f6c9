"""What a security scanner reports: findings, and whether it ran at all.

A scanner that could not run is `not-checked` with a reason — never `ok` with no findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["high", "medium", "low"]
Status = Literal["ok", "not-checked", "error"]

SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
STATUSES: tuple[str, ...] = ("ok", "not-checked", "error")


@dataclass(frozen=True, slots=True)
class SecurityFinding:
    scanner: str  # "semgrep" | "secrets" | "safety"
    rule: str  # rule id, secret type or vulnerability id
    severity: str  # "high" | "medium" | "low"
    path: str  # repository-relative, "/" separators ("" when not tied to a file)
    line: int  # 1-based; 0 when not tied to a line
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        return {"scanner": self.scanner, "rule": self.rule, "severity": self.severity,
                "path": self.path, "line": self.line, "message": self.message}

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.rule)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SecurityFinding:
        return cls(str(data["scanner"]), str(data["rule"]), str(data["severity"]), str(data["path"]),
                   int(data["line"]), str(data["message"]))


@dataclass(frozen=True, slots=True)
class ScanResult:
    scanner: str
    status: str  # "ok" | "not-checked" | "error"
    findings: tuple[SecurityFinding, ...] = ()
    reason: str = ""  # why not-checked / error; caveats (e.g. packages skipped) when ok

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.status != "ok" and not self.reason:
            raise ValueError(f"a {self.status!r} scan result needs a reason")

    @property
    def checked(self) -> bool:
        """True only when the scanner really ran to completion."""
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"scanner": self.scanner, "status": self.status, "reason": self.reason,
                "findings": [f.to_json() for f in self.findings]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScanResult:
        return cls(str(data["scanner"]), str(data["status"]),
                   tuple(SecurityFinding.from_json(f) for f in data.get("findings", [])),
                   str(data.get("reason", "")))


def not_checked(scanner: str, reason: str) -> ScanResult:
    return ScanResult(scanner=scanner, status="not-checked", reason=reason)


def scan_error(scanner: str, reason: str) -> ScanResult:
    return ScanResult(scanner=scanner, status="error", reason=reason)


def all_findings(results: Iterable[ScanResult]) -> list[SecurityFinding]:
    return sorted((f for r in results for f in r.findings), key=SecurityFinding.sort_key)


def high_findings(results: Iterable[ScanResult]) -> list[SecurityFinding]:
    return [f for f in all_findings(results) if f.severity == "high"]


def unchecked(results: Iterable[ScanResult]) -> list[ScanResult]:
    """The results of scanners that did not run to completion (not-checked or error)."""
    return [r for r in results if r.status != "ok"]


def to_json(results: Iterable[ScanResult]) -> list[dict[str, Any]]:
    return [r.to_json() for r in results]
