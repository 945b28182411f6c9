"""The distributions a project declares: pyproject ([project], optional deps, [dependency-groups], poetry),
requirements*.txt, tox.ini, setup.cfg. None when nothing readable declares them, or when a file that may
declare some could not be read (a FIFO, a dangling link...): then the rule stays silent.

Requirement lines are parsed with `packaging` (PEP 508); a line it rejects still counts by its leading name,
so an odd line can only make the declared set larger (fewer claims), never smaller. The files are read as the
judged picture has them (`bot.repo_files.RepoFiles`: the index in pre-commit mode).

`packaging` and `configparser` are imported when a declaration is first read, not with the module: the findings
cache imports this module for `requirement_files` on every `check --all` / `--base`, and `packaging` (with the
`platform`, `logging` and `sysconfig` its markers and tags import) is most of that import's cost."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from bot.repo_files import FileSkipped, RepoFiles, note_skipped

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SKIP = frozenset({"node_modules", "__pycache__", "venv", "build", "dist", "site-packages"})


class _Unreadable(Exception):
    """A file that may declare dependencies exists but could not be read."""


def declared_distributions(files: RepoFiles | Path) -> frozenset[str] | None:
    """The distributions `files` (a Path: that working tree) declare."""
    try:
        return _declared(files if isinstance(files, RepoFiles) else RepoFiles(files))
    except _Unreadable:
        return None


def _declared(files: RepoFiles) -> frozenset[str] | None:
    from packaging.utils import canonicalize_name

    names: set[str] = set()
    readable = False
    pyproject = _toml(files)
    project = pyproject.get("project", {}) if isinstance(pyproject.get("project"), dict) else {}
    dynamic = project.get("dynamic", []) or []
    if "dependencies" in project or (project and "dependencies" not in dynamic):
        readable = True
    names.update(_requirements(project.get("dependencies", [])))
    for extra in (project.get("optional-dependencies") or {}).values():
        names.update(_requirements(extra))
    for group in (pyproject.get("dependency-groups") or {}).values():
        names.update(_requirements(group))
    poetry = pyproject.get("tool", {}).get("poetry", {}) if isinstance(pyproject.get("tool"), dict) else {}
    if isinstance(poetry, dict) and poetry.get("dependencies"):
        readable = True
        names.update(poetry.get("dependencies", {}))
        names.update(poetry.get("dev-dependencies", {}) or {})
        for group in (poetry.get("group") or {}).values():
            names.update((group or {}).get("dependencies", {}) or {})
    for req in requirement_files(files):
        readable = readable or "/" not in req or (req.count("/") == 1 and req.startswith("requirements/"))
        names.update(_requirements((_read(files, req) or "").splitlines()))
    names.update(_tox_deps(_read(files, "tox.ini")))
    cfg = _setup_cfg(_read(files, "setup.cfg"))
    if cfg is not None:
        readable = True
        names.update(cfg)
    setup_py = files.is_file("setup.py")
    if setup_py and "dependencies" in dynamic:
        return None
    if not readable or (setup_py and not project and cfg is None):
        return None
    return frozenset(canonicalize_name(n) for n in names if isinstance(n, str) and n and n.lower() != "python")


def _read(files: RepoFiles, rel: str) -> str | None:
    try:
        return files.read_text(rel)
    except FileSkipped as exc:
        note_skipped(rel, f"{exc}; undeclared-dependency is not checked")
        raise _Unreadable(rel) from exc


def _toml(files: RepoFiles) -> dict[str, Any]:
    text = _read(files, "pyproject.toml")
    try:
        return tomllib.loads(text) if text is not None else {}
    except (tomllib.TOMLDecodeError, RecursionError):  # (nested too deeply to read)
        return {}


def requirement_name(line: str) -> str | None:
    """The distribution a requirement line names (PEP 508 via `packaging`), None for options and comments."""
    text = re.sub(r"(^|\s)#.*$", "", line).strip()
    if not text or text.startswith("-"):
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text.split(" --", 1)[0].strip()).name
    except InvalidRequirement:
        m = _NAME.match(text)
        return m.group(1) if m else None


def _requirements(lines: Any) -> list[str]:
    out = []
    for line in lines if isinstance(lines, list) else []:
        name = requirement_name(line) if isinstance(line, str) else None
        if name:
            out.append(name)
    return out


def _setup_cfg(text: str | None) -> list[str] | None:
    if text is None:
        return None
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_option("options", "install_requires"):
        return None
    out = _requirements(parser.get("options", "install_requires").splitlines())
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            out.extend(_requirements(value.splitlines()))
    return out


def requirement_files(files: RepoFiles) -> list[str]:
    """`requirements*.txt` and `requirements/*.txt` anywhere in the repository (tests, docs, CI): relative paths."""
    listed = files.paths_matching("*requirements*")
    if listed is not None:
        return sorted(p for p in listed if _requirement_file(p) and not any(
            d.startswith(".") or d in _SKIP for d in p.split("/")[:-1]))
    root = files.root
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP]
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        out.extend(f if rel == "." else f"{rel}/{f}" for f in filenames if _requirement_file(f"{rel}/{f}"))
    return out


def _requirement_file(path: str) -> bool:
    folder, _, name = path.rpartition("/")
    return name.endswith((".txt", ".in")) and (folder.rpartition("/")[2] == "requirements"
                                               or name.startswith("requirements"))


def _tox_deps(text: str | None) -> list[str]:
    if text is None:
        return []
    out: list[str] = []
    for block in re.findall(r"(?m)^\s*deps\s*=\s*((?:.*\n?)(?:[ \t]+.*\n?)*)", text):
        out.extend(_requirements([line.strip() for line in block.splitlines()]))
    return out
