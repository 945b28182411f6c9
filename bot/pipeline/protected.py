"""Paths a fix may never edit: the rules it is judged by, CI, and dependency manifests.

The defaults are built in; repository settings (`[tool.yantra.fix] protected-paths`) only ADD to them, because
the repository is what a pull request controls. Removing a default takes an explicit argument of the pipeline
(`unprotect`, the workflow's input), never a file in the change.

Globs have gitignore semantics (`bot.paths`, the one matcher of excludes and protected paths): `conftest.py`
matches at any depth, `.github/**` everything under `.github`, `./setup.py` only at the root. `pyproject.toml` is judged by table: a fix may edit it, but the protected tables
(`[tool.yantra*]`, `[tool.pytest*]`, `[tool.ruff*]`, `[project.dependencies]`, `[project.optional-dependencies]`,
`[build-system]`) must parse to the same values before and after.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UsageError
from bot.paths import PathMatcher

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_GLOBS: tuple[str, ...] = (
    # every file pytest takes its configuration from (pytest 9 reads `pytest.toml` and `.pytest.toml` before
    # `pytest.ini` and pyproject.toml: a new one replaces the trusted `[tool.pytest.ini_options]` whole)
    ".github/**", "pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg",
    "conftest.py", "requirements*.txt", "*.lock",
    "poetry.lock", "uv.lock", "Pipfile*", "setup.py", "noxfile.py", ".pre-commit-config.yaml",
    # the linters' scope: the gate leaves files they exclude to them (`bot.gate.linters`), so a fix that widens it
    # would switch part of the gate off for itself
    "ruff.toml", ".ruff.toml", ".flake8",
    # the other CI systems' configuration, who must review a change (CODEOWNERS in the root or docs/; the one in
    # .github/ is covered above), and what git does with files (filters, diff and merge drivers, submodules)
    ".gitlab-ci.yml", ".circleci/**", ".travis.yml", "azure-pipelines.yml", "Jenkinsfile",
    "bitbucket-pipelines.yml", ".buildkite/**", "CODEOWNERS", ".gitattributes", ".gitmodules",
)
# pyproject.toml tables, named as `pyproject.toml:<dotted table>`; a trailing `*` matches any key with that prefix.
DEFAULT_TABLES: tuple[str, ...] = (
    "pyproject.toml:tool.yantra*", "pyproject.toml:tool.pytest*", "pyproject.toml:project.dependencies",
    "pyproject.toml:project.optional-dependencies", "pyproject.toml:build-system", "pyproject.toml:tool.ruff*",
)
DEFAULTS: tuple[str, ...] = DEFAULT_GLOBS + DEFAULT_TABLES


@dataclass(frozen=True)
class Protection:
    """What is protected in one run: globs matched against changed paths, and pyproject tables compared."""

    globs: tuple[str, ...]
    tables: tuple[str, ...]

    @classmethod
    def build(cls, extra: Sequence[str] = (), unprotect: Sequence[str] = ()) -> Protection:
        """The defaults minus `unprotect` (each must name a default exactly) plus `extra` (repository settings)."""
        unknown = [u for u in unprotect if u not in DEFAULTS]
        if unknown:
            raise UsageError(f"cannot unprotect {', '.join(unknown)}: not a default protected path; "
                             f"the defaults are {', '.join(DEFAULTS)}")
        keep = [d for d in DEFAULTS if d not in unprotect]
        extra_globs = [p for p in extra if p.strip() and not p.startswith("pyproject.toml:")]
        extra_tables = [p for p in extra if p.startswith("pyproject.toml:")]
        globs = tuple(dict.fromkeys([*(d for d in keep if d in DEFAULT_GLOBS), *extra_globs]))
        tables = tuple(dict.fromkeys([*(d for d in keep if d in DEFAULT_TABLES), *extra_tables]))
        return cls(globs, tables)

    def violations(self, before_root: Path, after_root: Path, changed: Sequence[str]) -> list[str]:
        """One line per protected edit among `changed` (paths relative to both roots)."""
        matcher = PathMatcher(self.globs)
        found = [f"{path} (protected path)" for path in changed if matcher.matches(path)]
        for path in changed:
            if Path(path).name == "pyproject.toml" and self.tables and not matcher.matches(path):
                found += [f"{path} [{t}] (protected table)"
                          for t in changed_tables(before_root / path, after_root / path, self.tables)]
        return found


def changed_tables(before: Path, after: Path, tables: Sequence[str]) -> list[str]:
    """The protected tables whose parsed value differs between the two files (a file that does not parse
    counts every table as changed: what it means cannot be checked)."""
    old, new = _load(before), _load(after)
    if old is None or new is None:
        return [t.split(":", 1)[1] for t in tables]
    return [t.split(":", 1)[1] for t in tables
            if _select(old, t.split(":", 1)[1]) != _select(new, t.split(":", 1)[1])]


def _load(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None


def _select(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    """{key: value} of the keys under `dotted` (`tool.pytest*`: every key of `tool` starting with `pytest`)."""
    *parents, last = dotted.split(".")
    node: Any = data
    for part in parents:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    if not isinstance(node, dict):
        return {}
    if last.endswith("*"):
        return {k: v for k, v in node.items() if k.startswith(last[:-1])}
    return {last: node[last]} if last in node else {}
