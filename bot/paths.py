"""One matcher for repository path globs: gitignore semantics (`pathspec`), for excludes and protected paths.

`*.yml` matches in every folder, `docs/*.py` only directly under `docs/`, `build` excludes everything below a
directory `build`, `**` crosses folders, `!pattern` re-includes. A leading `./` anchors a pattern at the
repository root (as a leading `/` does in `.gitignore`), so `./.venv/**` matches `.venv/lib/x.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathspec


class PatternError(ValueError):
    """A glob that gitignore syntax rejects; the message names the pattern."""


@dataclass(frozen=True)
class PathMatcher:
    """Matches repository-relative "/" paths against gitignore-style patterns."""

    patterns: tuple[str, ...] = ()
    _spec: pathspec.GitIgnoreSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.patterns:  # no patterns (the usual case on the pre-commit path): pathspec is never imported
            object.__setattr__(self, "_spec", compile_patterns(self.patterns))

    def matches(self, path: str) -> bool:
        if not self.patterns:
            return False
        return bool(self._spec.match_file(_normal_path(path)))

    def __bool__(self) -> bool:
        return bool(self.patterns)


def compile_patterns(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """The compiled spec of `patterns`; PatternError names the first pattern gitignore syntax rejects."""
    import pathspec

    raws = tuple(patterns)
    lines = [_normal_pattern(p) for p in raws]
    for raw, line in zip(raws, lines, strict=True):
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, TypeError) as exc:
            raise PatternError(f"{raw!r} is not a valid glob ({exc})") from exc
    given = [(raw, line) for raw, line in zip(raws, lines, strict=True) if line]
    spec = pathspec.GitIgnoreSpec.from_lines([line for _raw, line in given])
    for (raw, _line), pattern in zip(given, spec.patterns, strict=True):
        regex = getattr(pattern, "regex", None)
        if regex is not None and regex.pattern.count(_STAR) >= BOUNDED_STARS:
            # pathspec's patterns only call `.regex.search(path)` and read the match's groupdict()
            pattern.regex = _Bounded(regex, raw)  # type: ignore[assignment]
    return spec


_STAR = "[^/]*"  # what pathspec makes of a `*` within a path segment
BOUNDED_STARS = 3  # from this many `*`s a glob's regex is searched at a bounded cost (`a*a*a*...b`: n**k ways)


class _Bounded:
    """A glob's regex with many `*`s, searched at a bounded cost (`bot.repo_regex`): `a*a*a*a*a*a*a*a*a*a*b`
    against a 40-character name backtracks for seconds in `re`; past the budget the run stops with a message
    naming the glob (exit 2), never a guess at a path's scope."""

    def __init__(self, regex: re.Pattern[str], glob: str) -> None:
        from bot.repo_regex import RepoRegex

        self.pattern = regex.pattern
        self._bounded = RepoRegex(regex, f"the glob {glob!r}")

    def search(self, text: str) -> Any:
        return self._bounded.find(text)


def matches(pattern: str, path: str) -> bool:
    """Whether one pattern matches one path (for callers that test patterns one by one)."""
    return PathMatcher((pattern,)).matches(path)


def _normal_pattern(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = "/" + pattern[2:].lstrip("/")
    return pattern


def _normal_path(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")
