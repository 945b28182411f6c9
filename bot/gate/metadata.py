"""The distributions a project declares: pyproject ([project], optional deps, [dependency-groups], poetry),
requirements*.txt, setup.cfg. None when nothing readable declares them (so the rule stays silent)."""

from __future__ import annotations

import configparser
import os
import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SKIP = frozenset({"node_modules", "__pycache__", "venv", "build", "dist", "site-packages"})


def declared_distributions(root: Path) -> frozenset[str] | None:
    from bot.gate.rules.deps import normalize

    names: set[str] = set()
    readable = False
    pyproject = _toml(root / "pyproject.toml")
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
    for req in requirement_files(root):
        readable = readable or req.parent == root or req.parent == root / "requirements"
        names.update(_requirements(req.read_text(encoding="utf-8", errors="replace").splitlines()))
    names.update(_tox_deps(root / "tox.ini"))
    cfg = _setup_cfg(root / "setup.cfg")
    if cfg is not None:
        readable = True
        names.update(cfg)
    if (root / "setup.py").is_file() and "dependencies" in dynamic:
        return None
    if not readable or ((root / "setup.py").is_file() and not project and cfg is None):
        return None
    return frozenset(normalize(n) for n in names if n and n.lower() != "python")


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _requirements(lines: Any) -> list[str]:
    out = []
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, str) or line.strip().startswith(("#", "-")):
            continue
        m = _NAME.match(line)
        if m:
            out.append(m.group(1))
    return out


def _setup_cfg(path: Path) -> list[str] | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeError):
        return None
    if not parser.has_option("options", "install_requires"):
        return None
    out = _requirements(parser.get("options", "install_requires").splitlines())
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            out.extend(_requirements(value.splitlines()))
    return out


def requirement_files(root: Path) -> list[Path]:
    """`requirements*.txt` and `requirements/*.txt` anywhere in the repository (tests, docs, CI)."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP]
        in_req_dir = os.path.basename(dirpath) == "requirements"
        out.extend(Path(dirpath) / f for f in filenames
                   if f.endswith((".txt", ".in")) and (in_req_dir or f.startswith("requirements")))
    return out


def _tox_deps(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out: list[str] = []
    for block in re.findall(r"(?m)^\s*deps\s*=\s*((?:.*\n?)(?:[ \t]+.*\n?)*)", text):
        out.extend(_requirements([line.strip() for line in block.splitlines()]))
    return out
