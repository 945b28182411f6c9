"""Which files a run checks: the repository's own exclusions, applied as pre-commit would.

Exclusions decide which files are *checked*; excluded files still count when resolving imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.config import GateConfig
from bot.errors import ConfigError


@dataclass(frozen=True)
class Scope:
    files: re.Pattern[str] | None = None  # `.pre-commit-config.yaml` top-level `files` (re.search)
    exclude: re.Pattern[str] | None = None  # `.pre-commit-config.yaml` top-level `exclude` (re.search)
    globs: tuple[str, ...] = ()  # `[tool.yantra] exclude`

    def checks(self, path: str) -> bool:
        if self.files is not None and not self.files.search(path):
            return False
        if self.exclude is not None and self.exclude.search(path):
            return False
        return not any(glob_matches(g, path) for g in self.globs)


def load_scope(root: Path, gate: GateConfig) -> Scope:
    files, exclude = _precommit_filters(root / ".pre-commit-config.yaml")
    return Scope(files=files, exclude=exclude, globs=tuple(gate.exclude))


def _precommit_filters(path: Path) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    if not path.is_file():
        return None, None
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError:
        return None, None  # pre-commit itself refuses such a file; it cannot be what runs us
    if not isinstance(data, dict):
        return None, None
    return _regex(data.get("files"), path, "files"), _regex(data.get("exclude"), path, "exclude")


def _regex(value: object, path: Path, key: str) -> re.Pattern[str] | None:
    if not isinstance(value, str) or value in ("", "^$"):
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise ConfigError(f"{path}: top-level `{key}` is not a valid regular expression ({exc})") from exc


def glob_matches(pattern: str, path: str) -> bool:
    """gitignore-ish: `*` within a segment, `**` across segments; a pattern without "/" matches any
    segment; a pattern matching a directory excludes everything below it."""
    regex = _glob_regex(pattern.strip().lstrip("./") if pattern.startswith("./") else pattern.strip())
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    if "/" not in pattern.strip("/"):
        candidates += parts
    return any(regex.fullmatch(c) for c in candidates)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)
