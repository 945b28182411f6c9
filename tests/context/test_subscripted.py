"""The subscript scan of the ranking's lookups finds exactly what its pattern finds over the whole code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.context.lookup import _SUBSCRIPT, subscripted

CASES = ["a.b.c[", "x [", "x\n  [1]", "1.foo[", "é[", "aé[", "a.é[", "[[[", "a[b[c]]", "f(x)[0]", "self.x.y [",
         "_[", "a..b[", "a. b[", "a .b[", "", "no subscript", "d = {'k': v}[key]", "x\0y[", "  cls.REG [ name ]",
         "s = 'a[' + b[0]  # c[", "u = 'ü' ; ü.x[1]", "x = y[z[w]][v]\n\tq  \n [0]"]


@pytest.mark.parametrize("code", CASES)
def test_same_as_the_pattern(code: str):
    assert subscripted(code) == _SUBSCRIPT.findall(code)


def test_same_as_the_pattern_on_real_code():
    for path in sorted(Path(__file__).resolve().parents[2].joinpath("bot").rglob("*.py")):
        code = path.read_text(encoding="utf-8")
        assert subscripted(code) == _SUBSCRIPT.findall(code), path
