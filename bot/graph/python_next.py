"""Syntax newer than both this interpreter and tree-sitter's grammar: Python 3.15's.

Python 3.15 (October 2026) added two forms neither an older CPython nor tree-sitter-python 0.25 reads:
lazy imports (PEP 810: `lazy import json`, `lazy from os import path`, a soft keyword before an import statement)
and unpacking in comprehensions (PEP 798: `[*it for it in its]`, `{**d for d in dicts}`, `(*it for it in its)`).
A project that targets 3.15, or a linter-excluded file of test data written for it (pylint's functional tests),
is not broken by them. `python_local` asks `desugared(data)` only of a file this interpreter's `compile`
rejects: the same file with those forms written the way an older Python reads them — `lazy` dropped before the
import, the unpacking star blanked — when that is all that stood in the way, else None. Lines and the columns of
everything after the rewritten words are kept, so CPython's later messages and the names it binds and uses are
the original file's. Tree-sitter's facts of such a file are partial (its grammar stopped at the new forms), which
`python_parser` records.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from bot.lazy_re import lazy

NEXT = (3, 15)  # the version these forms arrived in

# `lazy` starting a statement before `import` / `from` (PEP 810: a soft keyword; `lazy = 1` is a name)
_LAZY = lazy(rb"(?m)^([ \t]*)lazy([ \t]+)(import|from)(?=[ \t\\(])")
# CPython's messages for PEP 798's forms before 3.15, at the star
_UNPACKING = ("iterable unpacking cannot be used in comprehension",
              "dict unpacking cannot be used in dict comprehension")
# Each rewrite compiles the whole file again: a file whose unpackings would cost more than this many bytes
# compiled (a hostile one holds thousands) is judged as written
_MAX_COMPILED = 4_000_000


def desugared(data: bytes) -> bytes | None:
    """`data` with Python 3.15's lazy imports and comprehension unpacking written for an older Python, when
    this interpreter then compiles it; None when the file uses neither or is broken in another way too."""
    source, error = rewritten(data)
    return source if error is None and source != data else None


@lru_cache(maxsize=8)  # (asked of one file by its syntax check, its names and its facts in turn)
def rewritten(data: bytes) -> tuple[bytes, SyntaxError | None]:
    """`data` with as much of Python 3.15's syntax written for an older Python as stood in the way, and the
    error this interpreter still finds in it (None: it compiles). When 3.15's forms were rewritten, that error is
    the file's real one: a file that also has `def broken(:` is broken there, not at its `lazy import`. Nothing
    rewritten (the source returned is `data`): judge the file as written."""
    source = _LAZY.sub(_drop_lazy, data) if b"lazy" in data else data
    for _ in range(max(1, _MAX_COMPILED // max(len(data), 1))):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(source, "<file>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            blanked = _blank_unpacking(source, exc)
            if blanked is None:
                return source, exc
            source = blanked
        except (ValueError, RecursionError, MemoryError):
            break
        else:
            return source, None
    return data, SyntaxError("not judged")  # (too many rewrites, or beyond the compiler: judged as written)


def first_form(data: bytes, plain: bytes) -> tuple[int, int, str]:
    """Where `rewritten` first changed `data` into `plain` (1-based line, 0-based byte column) and what stood
    there, in words for a finding: the syntax a target older than 3.15 lacks."""
    for number, (old, new) in enumerate(zip(data.splitlines(), plain.splitlines(), strict=False), start=1):
        if old != new:
            col = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
            if old[col:].startswith(b"lazy") or old.lstrip().startswith(b"lazy"):
                return number, len(old) - len(old.lstrip()), "a lazy import (PEP 810) needs Python 3.15"
            return number, col, "unpacking in a comprehension (PEP 798) needs Python 3.15"
    return 1, 0, "Python 3.15's syntax"


def _drop_lazy(m: re.Match[bytes]) -> bytes:
    """`lazy import x` -> `import     x`: the keyword moves left over `lazy`, later columns stay."""
    indent, gap, keyword = m.group(1), m.group(2), m.group(3)
    return indent + keyword + b" " * (len(b"lazy") + len(gap))


def _blank_unpacking(source: bytes, exc: SyntaxError) -> bytes | None:
    """`source` with the star(s) `exc` reports as comprehension unpacking replaced by spaces, or None when `exc`
    is another error (or does not point at a star)."""
    if exc.msg not in _UNPACKING or not exc.lineno or not exc.offset:
        return None
    lines = source.splitlines(keepends=True)
    if exc.lineno > len(lines):
        return None
    line = lines[exc.lineno - 1]
    try:
        start = len(line.decode("utf-8")[:exc.offset - 1].encode("utf-8"))  # CPython's offset counts characters
    except UnicodeDecodeError:
        return None
    stars = 2 if line[start:start + 2] == b"**" else 1
    if line[start:start + 1] != b"*":
        return None
    lines[exc.lineno - 1] = line[:start] + b" " * stars + line[start + stars:]
    return b"".join(lines)


__all__ = ["NEXT", "desugared", "first_form", "rewritten"]
