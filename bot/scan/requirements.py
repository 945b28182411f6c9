"""The dependencies a project declares: pyproject `[project]` (+ optional) and `requirements*.txt`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bot.repo_files import FileSkipped, read_text

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


@dataclass(frozen=True, slots=True)
class DeclaredRequirement:
    name: str  # canonical (PEP 503)
    specifier: str  # "==2.0.1", ">=1,<2", "" for any version
    path: str  # the file declaring it, relative to the root
    line: int  # 1-based; 0 when unknown

    @property
    def pinned_version(self) -> str | None:
        """The one version an exact `==`/`===` pin allows, else None (ranges and wildcards are not pins)."""
        match = re.fullmatch(r"(===?)\s*([^,*\s]+)", self.specifier)
        return match.group(2) if match else None


def declared_requirements(root: Path) -> tuple[list[DeclaredRequirement], list[str]]:
    """All declared requirements, and the lines that could not be understood ("path:line: text")."""
    found: list[DeclaredRequirement] = []
    problems: list[str] = []
    root = root.resolve()
    _from_pyproject(root, found, problems)
    for path in sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt")):
        _from_requirements_file(root, path, found, problems, seen=set())
    return found, problems


def _from_pyproject(root: Path, found: list[DeclaredRequirement], problems: list[str]) -> None:
    text = _read(root, "pyproject.toml", problems)
    if text is None:
        return
    try:
        project: Any = tomllib.loads(text).get("project", {})
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        problems.append(f"pyproject.toml: not valid TOML ({exc or 'nested too deeply'})")
        return
    if not isinstance(project, dict):
        return
    own = canonicalize_name(str(project.get("name", "")))
    entries = _list(project.get("dependencies"))
    optional = project.get("optional-dependencies")
    for group in optional.values() if isinstance(optional, dict) else ():
        entries.extend(_list(group))
    for entry in entries:
        requirement = _parse(str(entry), "pyproject.toml", _line_of(text, str(entry)), problems)
        if requirement and requirement.name != own:  # "pkg[extra]" self-references
            found.append(requirement)


def _from_requirements_file(root: Path, path: Path, found: list[DeclaredRequirement], problems: list[str],
                            seen: set[Path]) -> None:
    if path in seen or not path.is_relative_to(root):
        return  # an include outside the repository is not read
    seen.add(path)
    rel = path.relative_to(root).as_posix()
    text = _read(root, rel, problems)
    if text is None:
        return
    for number, raw in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        include = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
        if include:
            _from_requirements_file(root, (path.parent / include.group(2)).resolve(), found, problems, seen)
        elif line and not line.startswith("-") and "://" not in line and not line.startswith((".", "/")):
            requirement = _parse(line.split(" --", 1)[0].split(";", 1)[0], rel, number, problems)
            if requirement:
                found.append(requirement)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _read(root: Path, rel: str, problems: list[str]) -> str | None:
    """The text of a declaration file; a FIFO, socket, dangling or outward link is a problem, not a hang."""
    try:
        return read_text(root, rel)
    except FileSkipped as exc:
        problems.append(f"{rel}: not read, it {exc}")
        return None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined."""
    result: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        start = start or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        result.append((start, pending + line))
        pending, start = "", 0
    return result


def _parse(text: str, path: str, line: int, problems: list[str]) -> DeclaredRequirement | None:
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        problems.append(f"{path}:{line}: cannot parse {text.strip()!r}")
        return None
    if requirement.url:
        problems.append(f"{path}:{line}: {requirement.name} comes from a URL, its version is unknown")
        return None
    return DeclaredRequirement(canonicalize_name(requirement.name), str(requirement.specifier), path, line)


def _line_of(text: str, entry: str) -> int:
    for quote in ('"', "'"):
        index = text.find(f"{quote}{entry}{quote}")
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return 0
