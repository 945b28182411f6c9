"""Regular expressions a checked repository supplies, searched at a bounded cost.

`.pre-commit-config.yaml`'s top-level `files`/`exclude` and black's `exclude`/`extend-exclude`/`force-exclude`
come from the repository being judged (on GitHub, from the base commit: `Config.settings_commit`; locally,
from a clone that may not be trusted). Python's `re` does not
bound backtracking: `(a|a)+$` searched in a 40-character path would not finish in a lifetime. So a repository's
pattern is validated with `re` (the syntax pre-commit and black accept) and searched with the `regex` package
(VERSION0: `re`'s semantics), whose matcher gives up at a deadline. One budget bounds the time a pattern spends
over a whole run, however many paths it is asked about; when it is spent the run stops with a message naming the
file and the key (`PatternTooCostly`, a configuration error: exit 2). A path is never silently taken as in or
out of scope.

Two things `regex` would do differently are refused up front, with the same message: a `{...}` that `re` reads
as literal text but `regex` as a fuzzy-matching constraint (`x{e<=1}`), and fixed repeat counts whose product is
so large that `regex` would spend seconds unrolling them at compile time (`((a{100}){100}){100}`).

`regex` costs ~15 ms to import (10 % of a pre-commit run), so the usual pattern does without it: one with no
repeat, no back-reference, few ways through its alternations and a short text (`^(docs/|tests/data/)`,
`\\.min\\.js$`) cannot backtrack catastrophically, and `re` searches it directly, its time counted against the same
budget. Any other pattern imports `regex` at its first search, never before.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ConfigError

BUDGET = 2.0  # seconds one pattern may spend matching over a whole run (a real pattern needs milliseconds)
MAX_UNROLLED = 100_000  # the product of a pattern's fixed repeat counts `regex` may unroll when compiling
# `re` alone searches a pattern with no repeat and no back-reference in at most (text length x ways through its
# alternations x pattern length) steps; with these bounds one search is at most ~1.7e7 steps (~0.1 s)
PLAIN_WAYS, PLAIN_SOURCE, PLAIN_TEXT = 16, 256, 4096

# (both linear in the pattern's length: they scan a repository's text too)
_COUNT = re.compile(r"(?<!\\)\{(\d*)(?:,(\d*))?\}")  # a repeat count, `{m}`, `{m,n}`, `{,n}` (over-counts)
_BRACES = re.compile(r"(?<!\\)(?<!\\[NpP])\{[^{}]*\}")  # `regex` reads one with d, e, i or s as `{e<=1}`


class PatternTooCostly(ConfigError):
    """A repository's regular expression cannot be searched at a bounded cost (catastrophic backtracking)."""


@dataclass(eq=False)
class RepoRegex:
    """One repository-supplied pattern (`re.search` semantics); `origin` names its file and key for messages."""

    pattern: re.Pattern[str]  # as `re` compiled it (its validation)
    origin: str  # its file and key, e.g. ".pre-commit-config.yaml: top-level `exclude`"
    budget: float = BUDGET
    plain: bool = False  # `re` alone searches it at a bounded cost (`plain_shape`), texts up to PLAIN_TEXT long
    _bounded: Any = field(default=None, init=False, repr=False)  # the `regex` pattern, compiled at first use
    _spent: float = field(default=0.0, init=False, repr=False)

    def search(self, text: str) -> bool:
        """Whether the pattern is found in `text`; PatternTooCostly once the pattern's budget is spent."""
        return self.find(text) is not None

    def find(self, text: str) -> Any:
        """The match of the pattern in `text` (a `re` or `regex` match: `group`, `groupdict`), or None;
        PatternTooCostly once the pattern's budget is spent."""
        left = self.budget - self._spent
        if left <= 0:
            raise self._too_costly()
        start = time.perf_counter()
        try:
            if self.plain and len(text) <= PLAIN_TEXT:
                return self.pattern.search(text)
            bounded = self._bounded if self._bounded is not None else self._compile()
            return bounded.search(text, timeout=left)
        except TimeoutError:
            raise self._too_costly() from None
        finally:
            self._spent += time.perf_counter() - start

    def _compile(self) -> Any:
        import regex

        try:
            self._bounded = regex.compile(self.pattern.pattern, regex.VERSION0)
        except (regex.error, RecursionError, OverflowError, ValueError) as exc:
            raise ConfigError(f"{self.origin}: the regular expression {self.pattern.pattern!r} cannot be searched "
                              f"at a bounded cost ({exc}): simplify it") from exc
        return self._bounded

    def _too_costly(self) -> PatternTooCostly:
        return PatternTooCostly(
            f"{self.origin}: the regular expression {self.pattern.pattern!r} took more than {self.budget:g} s to "
            "match the repository's paths (catastrophic backtracking): simplify it. No file was taken as in or "
            "out of scope by a guess")


def compile_repo_regex(source: str, origin: str) -> RepoRegex:
    """`source` compiled for bounded searches. re.error (with `re`'s message) for what `re` rejects, as pre-commit
    and black would; PatternTooCostly for a pattern `regex` would read differently or could not compile cheaply."""
    try:
        pattern = re.compile(source)
    except (RecursionError, OverflowError) as exc:
        raise re.error(f"{type(exc).__name__}: {exc}") from exc
    if any(set(braces.group()) & set("deis") for braces in _BRACES.finditer(source)):
        raise PatternTooCostly(f"{origin}: the regular expression {source!r} has a `{{...}}` that is literal text "
                               "to Python's `re` but a fuzzy-matching constraint to the bounded matcher Yantra "
                               "uses: escape the braces (`\\{{`)")
    product = 1
    for low, high in _COUNT.findall(source):
        product *= max(int(low[:7] or 0), int(high[:7] or 0), 1)  # (seven digits are past the limit already)
        if product > MAX_UNROLLED:
            raise PatternTooCostly(f"{origin}: the regular expression {source!r} has repeat counts whose product "
                                   f"exceeds {MAX_UNROLLED}: too costly to compile; simplify it")
    return RepoRegex(pattern, origin, plain=plain_shape(source))


def plain_shape(source: str) -> bool:
    """Whether `source` has no repeat (`*`, `+`, `?`, `{m,n}`), no back-reference or conditional, no comment and
    no verbose flag (comments this scan would read as pattern), at most PLAIN_WAYS ways through its alternations
    (the product of each group's alternatives: an over-count) and at most PLAIN_SOURCE characters."""
    if len(source) > PLAIN_SOURCE or re.compile(source).flags & re.VERBOSE:
        return False
    alternatives = [1]  # per open group (the first: the whole pattern), its `|` count + 1
    ways = 1
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            if source[i + 1:i + 2].isdigit():
                return False  # a back-reference (or an octal escape: refused alike)
            i += 2
            continue
        if c == "[":
            i = _class_end(source, i)
            continue
        if c in "*+?{":
            return False
        if c == "(":
            if source.startswith("(?", i):
                flags = re.match(r"[aiLmsux-]*", source[i + 2:])
                if source.startswith(("(?P=", "(?(", "(?#"), i) or (flags is not None and "x" in flags.group()):
                    return False
                i += 1  # the `?` of an extension is no repeat
            alternatives.append(1)
        elif c == ")":
            if len(alternatives) == 1:
                return False
            ways *= alternatives.pop()
        elif c == "|":
            alternatives[-1] += 1
        i += 1
    return len(alternatives) == 1 and ways * alternatives[0] <= PLAIN_WAYS


def _class_end(source: str, start: int) -> int:
    """The index after the character class opened at `start` (as `re` reads it: `]` first is literal, `[`
    inside is literal); len(source) when it never closes (`re` rejected that already)."""
    i = start + 1
    if source.startswith("^", i):
        i += 1
    if source.startswith("]", i):
        i += 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
        elif source[i] == "]":
            return i + 1
        else:
            i += 1
    return len(source)
