"""A function's own imports bind before the module's names: the public wrapper that imports its
implementation under the same name (`from ._impl import get_pager`) leads to the implementation."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph, ranked_items

FILES = {
    "pkg/__init__.py": "",
    "pkg/api.py": '''
        def get_pager(color=None):
            """The pager, from the implementation module."""
            from pkg._impl import get_pager

            return get_pager(color)
        ''',
    "pkg/_impl.py": '''
        def get_pager(color=None):
            return _nullpager(color)


        def _nullpager(color):
            return color
        ''',
    "tests/__init__.py": "",
    "tests/test_api.py": '''
        from pkg.api import get_pager


        def test_pager():
            assert get_pager() is None
        ''',
}


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("local") / "repo", FILES) as graph:
        yield graph


def test_an_import_inside_the_function_shadows_the_function_itself(pkg):
    items = ranked_items(pkg, "tests/test_api.py::test_pager")
    assert items[("pkg/api.py", "get_pager")].distance == 1
    assert items[("pkg/_impl.py", "get_pager")].distance == 2
    assert items[("pkg/_impl.py", "_nullpager")].distance == 3
