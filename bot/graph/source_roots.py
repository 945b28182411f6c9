"""Import roots the build configuration declares: where the distributed packages live (`package_dir = =lib`).

A package directory the build installs from is what `import pkg` finds once the project is installed, exactly
like `src/`: so a name missing from it is trusted like one missing from a package at the repository root.
Read (as the judged picture has them: `bot.repo_files.RepoFiles`) from setuptools' `setup.cfg` (`[options] package_dir`, `[options.packages.find] where`), `setup.py`
(`package_dir={"": "lib"}`), and `pyproject.toml` (`[tool.setuptools] package-dir`, `[tool.setuptools.packages.find]
where`, Poetry's `packages = [{include, from}]`, Hatch's wheel `packages`/`sources`). Only plain relative
directories that exist count; anything unreadable declares nothing (the roots only add trust, never remove it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.lazy_re import lazy
from bot.repo_files import FileSkipped, RepoFiles

_SETUP_PY = lazy(r"""package_dir\s*=\s*\{\s*(?:['"]{2}|str\(\)\s*)\s*:\s*['"]([^'"\n]+)['"]""")
_SAFE = lazy(r"[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*")


def declared_roots(files: RepoFiles | Path, pyproject: dict[str, Any]) -> tuple[str, ...]:
    """The declared package directories of the repository whose files are `files` (a Path: that working tree;
    `pyproject`: its parsed pyproject.toml)."""
    files = _files(files)
    found: list[str] = []
    found += _setup_cfg(_read(files, "setup.cfg"))
    found += _setup_py(_read(files, "setup.py"))
    found += _pyproject(pyproject)
    out = []
    for rel in found:
        rel = rel.strip().strip("/").removeprefix("./")
        if rel in ("", ".") or not _SAFE.fullmatch(rel) or ".." in rel.split("/"):
            continue
        if rel not in out and files.is_dir(rel):
            out.append(rel)
    return tuple(out)


_SETUP_NAME = lazy(r"""(?<![\w.])name\s*=\s*['"]([A-Za-z0-9][A-Za-z0-9_.\-]*)['"]""")
_PKG_INFO_NAME = lazy(r"(?m)^Name:\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*$")


def own_names(files: RepoFiles | Path, pyproject: dict[str, Any]) -> frozenset[str]:
    """The distribution names the repository itself builds (`[project] name`, Poetry's name, `setup.cfg`
    `[metadata] name`, a literal `name=` in `setup.py`, an sdist's `PKG-INFO`), as written."""
    files = _files(files)
    out: set[str] = set()
    tool = _table(pyproject.get("tool"))
    for table in (_table(pyproject.get("project")), _table(tool.get("poetry"))):
        if isinstance(table.get("name"), str):
            out.add(table["name"])
    cfg = _read(files, "setup.cfg")
    if "[metadata]" in cfg:
        import configparser  # only for a setup.cfg that names the distribution: off the hook's usual path

        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(cfg)
            name = parser.get("metadata", "name", fallback="").strip()
            if name:
                out.add(name)
        except (configparser.Error, ValueError):
            pass
    setup = _read(files, "setup.py")
    if "setup(" in setup:
        out.update(_SETUP_NAME.findall(setup)[:1])
    out.update(_PKG_INFO_NAME.findall(_read(files, "PKG-INFO"))[:1])
    return frozenset(out)


def _files(files: RepoFiles | Path) -> RepoFiles:
    return files if isinstance(files, RepoFiles) else RepoFiles(files)


def _read(files: RepoFiles, name: str) -> str:
    try:
        return files.read_text(name) or ""
    except FileSkipped:
        return ""


def _setup_cfg(text: str) -> list[str]:
    if "package_dir" not in text and "where" not in text:
        return []
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError):
        return []
    out: list[str] = []
    raw = parser.get("options", "package_dir", fallback="")
    for line in raw.replace(";", "\n").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip():
            out.append(value)
    out += parser.get("options.packages.find", "where", fallback="").split()
    return out


def _setup_py(text: str) -> list[str]:
    return _SETUP_PY.findall(text) if "package_dir" in text else []


def _pyproject(data: dict[str, Any]) -> list[str]:
    tool = _table(data.get("tool"))
    setuptools = _table(tool.get("setuptools"))
    out: list[str] = []
    package_dir = _table(setuptools.get("package-dir"))
    if isinstance(package_dir.get(""), str):
        out.append(package_dir[""])
    find = _table(_table(setuptools.get("packages")).get("find"))
    out += [w for w in _list(find.get("where")) if isinstance(w, str)]
    for entry in _list(_table(tool.get("poetry")).get("packages")):
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            out.append(entry["from"])
    wheel = _table(_table(_table(_table(tool.get("hatch")).get("build")).get("targets")).get("wheel"))
    for package in _list(wheel.get("packages")):
        if isinstance(package, str) and "/" in package.strip("/"):
            out.append(package.strip("/").rpartition("/")[0])
    sources = wheel.get("sources")
    if isinstance(sources, list):
        out += [s for s in sources if isinstance(s, str)]
    elif isinstance(sources, dict):
        out += [k for k, v in sources.items() if isinstance(k, str) and v == ""]
    return out


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
