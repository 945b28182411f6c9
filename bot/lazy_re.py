"""Regular expressions compiled on first use.

A module-level `re.compile` runs in every process that imports the module, used or not, and Python's `re`
compiles in Python (0.1-5 ms a pattern): the pre-commit hook imports the parser's and the rules' modules, whose
dozens of patterns mostly wait behind a cheap substring test or serve files the hook does not read. `lazy(p, f)`
stands for `re.compile(p, f)`, compiled when first used; from then on its methods are the compiled pattern's own
bound methods (no indirection on later calls).
"""

from __future__ import annotations

import re
from typing import AnyStr, Generic, cast

# what callers may use of a lazy pattern: methods and attributes of `re.Pattern`
_DELEGATED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner", "pattern",
              "flags", "groups", "groupindex")


class _Lazy(Generic[AnyStr]):
    def __init__(self, pattern: AnyStr, flags: int) -> None:
        self._args: tuple[AnyStr, int] = (pattern, flags)

    def __getattr__(self, name: str) -> object:  # (only while nothing is compiled: then the instance has them)
        compiled = re.compile(*self._args)
        for attr in _DELEGATED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)


def lazy(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, compiled when first used (see the module docstring)."""
    return cast("re.Pattern[AnyStr]", _Lazy(pattern, flags))
