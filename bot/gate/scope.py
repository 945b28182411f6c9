"""Which files a run checks: the repository's own exclusions, applied as pre-commit would.

Exclusions decide which files are *checked*; excluded files still count when resolving imports.
`[tool.yantra] exclude` globs have gitignore semantics (`bot.paths`); `.pre-commit-config.yaml`'s top-level
`files`/`exclude` are regular expressions searched in the path, as pre-commit does, at a bounded cost
(`bot.repo_regex`: a pattern that backtracks catastrophically stops the run with a message, exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import GateConfig
from bot.errors import ConfigError
from bot.paths import PathMatcher
from bot.repo_files import RepoFiles
from bot.repo_regex import RepoRegex, compile_repo_regex

PRECOMMIT_CONFIG = ".pre-commit-config.yaml"


@dataclass(frozen=True)
class Scope:
    """Which files a check judges (pre-commit's `files`/`exclude`, `[tool.yantra] exclude`)."""

    files: RepoRegex | None = None  # `.pre-commit-config.yaml` top-level `files` (re.search)
    exclude: RepoRegex | None = None  # `.pre-commit-config.yaml` top-level `exclude` (re.search)
    globs: PathMatcher = field(default_factory=PathMatcher)  # `[tool.yantra] exclude`

    def checks(self, path: str) -> bool:
        if self.files is not None and not self.files.search(path):
            return False
        if self.exclude is not None and self.exclude.search(path):
            return False
        return not self.globs.matches(path)


def load_scope(root: Path, gate: GateConfig, files: RepoFiles | None = None) -> Scope:
    """The scope `gate` and `.pre-commit-config.yaml` (as `files` has it; default: the working tree) give."""
    only, exclude = _precommit_filters(files or RepoFiles(root))
    return Scope(files=only, exclude=exclude, globs=PathMatcher(tuple(gate.exclude)))


def _precommit_filters(files: RepoFiles) -> tuple[RepoRegex | None, RepoRegex | None]:
    given = precommit_filters(files)
    return _regex(given.get("files"), "files"), _regex(given.get("exclude"), "exclude")


def precommit_filters(files: RepoFiles) -> dict[str, str]:
    """The top-level `files` and `exclude` of `.pre-commit-config.yaml` as written (those given as strings: what
    pre-commit reads; nothing for a file pre-commit itself would refuse)."""
    text = files.read_text_or_note(PRECOMMIT_CONFIG)
    if text is None:
        return {}
    import yaml

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return {}  # pre-commit itself refuses such a file (or cannot read it): it cannot be what runs us
    if not isinstance(data, dict):
        return {}
    return {key: value for key in ("files", "exclude") if isinstance(value := data.get(key), str)}


def _regex(value: str | None, key: str) -> RepoRegex | None:
    if value is None or value in ("", "^$"):
        return None
    try:
        return compile_repo_regex(value, f"{PRECOMMIT_CONFIG}: top-level `{key}`")
    except re.error as exc:
        raise ConfigError(f"{PRECOMMIT_CONFIG}: top-level `{key}` is not a valid regular expression ({exc})") \
            from exc


def glob_matches(pattern: str, path: str) -> bool:
    """Whether the `[tool.yantra] exclude` glob `pattern` matches `path` (gitignore semantics)."""
    return PathMatcher((pattern,)).matches(path)
