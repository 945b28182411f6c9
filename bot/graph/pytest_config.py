"""Which files pytest imports by their names: the project's `python_files` (default `test_*.py`, `*_test.py`),
`conftest.py`, and every module when `addopts` asks for `--doctest-modules`.

Read as pytest finds its configuration in the repository's root (the first of `pytest.toml`, `.pytest.toml`, `pytest.ini`, `.pytest.ini`,
`pyproject.toml` with `[tool.pytest.ini_options]` or pytest 9's `[tool.pytest]`, `tox.ini` with `[pytest]`,
`setup.cfg` with `[tool:pytest]`), from the judged picture (`bot.repo_files.RepoFiles`). What cannot be read
declares nothing: pytest's defaults apply.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any

from bot.repo_files import FileSkipped, RepoFiles, parse_toml

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")


@dataclass(frozen=True)
class Collection:
    """The file names pytest collects as test modules, as the project configures them."""

    python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
    every_module: bool = False  # `--doctest-modules` in `addopts`: pytest imports every module it walks

    def collects(self, path: str) -> bool:
        """Whether pytest imports the file at `path` (relative, "/"-separated) when it walks its directory:
        `python_files` patterns without "/" match the file's name, others its path (pytest's `fnmatch_ex`)."""
        name = path.rpartition("/")[2]
        if not name.endswith(".py"):
            return False
        if name == "conftest.py" or self.every_module:
            return True
        return any(fnmatch(name, p) if "/" not in p else fnmatch("/" + path, "*/" + p.lstrip("/"))
                   for p in self.python_files)


_MEMO: weakref.WeakKeyDictionary[RepoFiles, Collection] = weakref.WeakKeyDictionary()


def pytest_collection(files: RepoFiles) -> Collection:
    """The collection the repository whose files are `files` configures (read once per picture)."""
    got = _MEMO.get(files)
    if got is None:
        got = _MEMO[files] = _collection(_ini(files))
    return got


def _collection(ini: dict[str, Any] | None) -> Collection:
    if ini is None:
        return Collection()
    patterns = _args(ini.get("python_files"))
    return Collection(tuple(patterns) if patterns else DEFAULT_PYTHON_FILES,
                      "--doctest-modules" in _args(ini.get("addopts")))


def _args(value: object) -> list[str]:
    """An ini value of pytest's `args` type: a list as written in TOML, else a shell-like string."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, str):
        import shlex  # (only when a configuration is read)

        try:
            return shlex.split(value)
        except ValueError:
            return value.split()
    return []


def _ini(files: RepoFiles) -> dict[str, Any] | None:
    """The options of the first configuration file pytest would pick; None: none (or none readable)."""
    for name in ("pytest.toml", ".pytest.toml"):  # pytest 9's own files come first: a `[pytest]` table
        text = _read(files, name)
        if text is not None:
            table = (parse_toml(text) or {}).get("pytest")
            return table if isinstance(table, dict) else {}
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest")):
        text = _read(files, name)
        if text is not None:
            return _section(text, section) or {}  # (pytest picks pytest.ini even without a [pytest] section)
    pyproject = parse_toml(_read(files, "pyproject.toml"))
    tool = pyproject.get("tool") if isinstance(pyproject, dict) else None
    pytest = tool.get("pytest") if isinstance(tool, dict) else None
    if isinstance(pytest, dict):
        options = pytest.get("ini_options")
        return options if isinstance(options, dict) else pytest
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        text = _read(files, name)
        found = _section(text, section) if text is not None else None
        if found is not None:
            return found
    return None


def _read(files: RepoFiles, name: str) -> str | None:
    try:
        return files.read_text(name)
    except FileSkipped:
        return None


def _section(text: str, section: str) -> dict[str, Any] | None:
    import configparser  # (only when a data file is judged: off the hook's clean path)

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return dict(parser.items(section)) if parser.has_section(section) else None
