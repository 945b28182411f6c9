"""Known vulnerabilities in declared dependencies, from a local safety database.

safety 3's CLI contacts its platform on start-up (even `safety check --db DIR --help` does), so it cannot
run offline. We read safety's own database format instead — a directory with `insecure.json`
(package -> vulnerable specifier strings) and optionally `insecure_full.json` (advisories, ids, CVSS), schema
2.0.0 — and match it with `packaging`, as `safety check --db DIR` does.

Only exact pins (`==`) are checked: a range says nothing about the version that will be installed, so
unpinned packages are listed in the result as not checked, never as clean.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bot.scan.requirements import DeclaredRequirement, declared_requirements
from bot.scan.results import ScanResult, SecurityFinding, not_checked, scan_error

SCANNER = "safety"
DB_ENV = "YANTRA_SAFETY_DB"
SCHEMA_VERSION = "2.0.0"
CVSS_SEVERITY = {"CRITICAL": "high", "HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


class DatabaseError(Exception):
    """The local vulnerability database is missing a file or is malformed."""


@dataclass(frozen=True, slots=True)
class Advisory:
    package: str
    specs: tuple[str, ...]
    vuln_id: str  # pyup id, else CVE, else "<package><spec>"
    cve: str
    advisory: str
    severity: str  # high | medium | low

    def affects(self, version: Version) -> bool:
        return any(_contains(spec, version) for spec in self.specs)


def run_safety(root: Path, *, db: Path | None = None) -> ScanResult:
    """Check the exact pins among `root`'s declared dependencies against the local database."""
    location = db or (Path(os.environ[DB_ENV]) if os.environ.get(DB_ENV) else None)
    if location is None:
        return not_checked(SCANNER, f"no local vulnerability database (set {DB_ENV} to a directory with "
                                    "safety's insecure.json / insecure_full.json)")
    try:
        advisories = load_database(location)
    except DatabaseError as exc:
        return scan_error(SCANNER, str(exc))
    requirements, problems = declared_requirements(root)
    if not requirements and not problems:
        return ScanResult(SCANNER, "ok", (), "no declared dependencies")
    findings: list[SecurityFinding] = []
    unpinned: list[str] = []
    checked = 0
    for requirement in requirements:
        version = _pinned(requirement)
        if version is None:
            unpinned.append(f"{requirement.name}{requirement.specifier}")
            continue
        checked += 1
        findings.extend(_finding(requirement, version, a) for a in advisories.get(requirement.name, ())
                        if a.affects(version))
    reason = _reason(unpinned, problems)
    if not checked:
        return not_checked(SCANNER, reason or "no dependency could be checked")
    return ScanResult(SCANNER, "ok", tuple(sorted(set(findings), key=SecurityFinding.sort_key)), reason)


def _pinned(requirement: DeclaredRequirement) -> Version | None:
    pin = requirement.pinned_version
    try:
        return Version(pin) if pin else None
    except InvalidVersion:
        return None


def _reason(unpinned: list[str], problems: list[str]) -> str:
    parts = []
    if unpinned:
        parts.append(f"not checked (not pinned with ==): {', '.join(sorted(set(unpinned)))}")
    if problems:
        parts.append(f"not understood: {'; '.join(problems)}")
    return "; ".join(parts)


def _finding(requirement: DeclaredRequirement, version: Version, advisory: Advisory) -> SecurityFinding:
    cve = f" ({advisory.cve})" if advisory.cve and advisory.cve != advisory.vuln_id else ""
    text = " ".join(advisory.advisory.split())
    if len(text) > 300:
        text = text[:297] + "..."
    message = (f"{requirement.name}=={version} has a known vulnerability {advisory.vuln_id}{cve}, affected "
               f"{', '.join(advisory.specs)}" + (f": {text}" if text else ""))
    return SecurityFinding(SCANNER, advisory.vuln_id, advisory.severity, requirement.path, requirement.line,
                           message)


def load_database(location: Path) -> dict[str, list[Advisory]]:
    """Advisories by canonical package name from a safety database directory (or one of its files)."""
    directory = location.parent if location.is_file() else location
    full = _read(directory / "insecure_full.json")
    short = _read(directory / "insecure.json")
    if full is None and short is None:
        raise DatabaseError(f"{directory} has no insecure.json or insecure_full.json; point {DB_ENV} at a "
                            "safety database directory")
    if full is not None:
        return _from_full(full)
    assert short is not None
    return _from_short(short)


def _read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatabaseError(f"cannot read the vulnerability database {path}: {exc}") from exc
    version = data.get("meta", {}).get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION or not isinstance(data.get("vulnerable_packages"), dict):
        raise DatabaseError(f"{path} is not a safety database with schema {SCHEMA_VERSION} "
                            f"(schema_version: {version!r})")
    return data


def _from_short(data: dict[str, Any]) -> dict[str, list[Advisory]]:
    result: dict[str, list[Advisory]] = {}
    for name, specs in data["vulnerable_packages"].items():
        package = canonicalize_name(name)
        result[package] = [Advisory(package, (str(s),), f"{package}{s}", "", "", "medium") for s in specs]
    return result


def _from_full(data: dict[str, Any]) -> dict[str, list[Advisory]]:
    severities: dict[str, Any] = data.get("meta", {}).get("severities", {}) or {}
    result: dict[str, list[Advisory]] = {}
    for name, entries in data["vulnerable_packages"].items():
        package = canonicalize_name(name)
        result[package] = [_advisory(package, entry, severities) for entry in entries]
    return result


def _advisory(package: str, entry: dict[str, Any], severities: dict[str, Any]) -> Advisory:
    ids = {str(i.get("type")): str(i.get("id")) for i in entry.get("ids", []) if i.get("id")}
    cve = ids.get("cve") or ids.get("pve") or ""
    specs = tuple(str(s) for s in entry.get("specs", []))
    vuln_id = ids.get("pyup") or cve or f"{package}{','.join(specs)}"
    cvss = (severities.get(cve) or {}).get("cvssv3") or {}
    severity = CVSS_SEVERITY.get(str(cvss.get("base_severity", "")).upper(), "medium")
    return Advisory(package, specs, vuln_id, cve, str(entry.get("advisory", "")), severity)


def _contains(spec: str, version: Version) -> bool:
    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False
