"""Fixtures: a small real git repository (a package, its tests, a conftest fixture) and its graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.graph_repo import written_repo

FILES = {
    "calc/__init__.py": "",
    "calc/core.py": '''
        """Arithmetic core."""
        from calc.util import clamp, normalize


        def add(a, b):
            """Add two numbers, clamped."""
            # the sum is clamped to the configured range
            total = a + b

            return clamp(total)


        def mean(values):
            """The mean of values."""
            return add(sum(values), 0) / len(values)


        class Ledger:
            """Keeps entries."""

            def entries(self):
                return []


        class Account(Ledger):
            """A bank account."""

            def __init__(self, owner: str, balance: int = 0) -> None:
                self.owner = normalize(owner)
                self.balance = balance

            def deposit(self, amount):
                self.balance = add(self.balance, amount)
                return self.balance
        ''',
    "calc/util.py": '''
        """Helpers."""
        from calc.limits import LIMIT, check


        def clamp(x: int, *, limit: int = LIMIT) -> int:
            """Clamp x to the limit."""
            check(x)
            return min(x, limit)


        def normalize(name: str) -> str:
            """Normalize a name: "#" and quotes are kept."""
            return name.strip().lower() + "#"
        ''',
    "calc/fmt.py": '''
        def render(
            value,
            *,
            width: int = 10,  # columns
            fill: str = " ",
        ) -> str:
            """Render value."""
            return str(value).rjust(width, fill)
        ''',
    "calc/limits.py": '''
        LIMIT = 100


        def check(x):
            """Raise on negative values."""
            if x < 0:
                raise ValueError(x)


        def unused_helper(y):
            return y
        ''',
    "tests/__init__.py": "",
    "tests/conftest.py": '''
        import pytest


        @pytest.fixture
        def values():
            return [1, 2, 3]
        ''',
    "tests/test_core.py": '''
        from calc.core import Account, add, mean


        def test_add():
            assert add(2, 2) == 5


        def test_mean(values):
            assert mean(values) == 2


        class TestAccount:
            def test_deposit(self):
                assert Account("x").deposit(3) == 3
        ''',
    "tests/test_util.py": '''
        import calc.limits
        from calc import util


        def test_clamp_and_check():
            assert util.clamp(5) == 5
            calc.limits.check(1)
        ''',
}

FAILURE = '''
________________________________ test_add ________________________________

    def test_add():
>       assert add(2, 2) == 5
E       assert 4 == 5
E        +  where 4 = add(2, 2)

tests/test_core.py:5: AssertionError
'''


def make_repo(root: Path) -> Path:
    return written_repo(root, FILES)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only for the tests: shared by the tests of a module."""
    return make_repo(tmp_path_factory.mktemp("context") / "repo")


@pytest.fixture(scope="module")
def graph(repo: Path):
    from bot.graph import open_graph

    g = open_graph(repo)
    yield g
    g.close()


@pytest.fixture
def failure() -> str:
    return FAILURE
