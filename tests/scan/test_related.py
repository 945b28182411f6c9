from __future__ import annotations

import subprocess

import pytest

from bot.graph import open_graph
from bot.scan.tests import is_test_file, related_tests

FILES = {
    "pkg/__init__.py": "",
    "pkg/core.py": "def add(a, b):\n    return a + b\n",
    "pkg/api.py": "from pkg.core import add\n\n\ndef total(xs):\n    return sum(add(x, 0) for x in xs)\n",
    "pkg/other.py": "X = 1\n",
    "tests/test_core.py": "from pkg.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "tests/test_api.py": "from pkg import api\n\n\ndef test_total():\n    assert api.total([1]) == 1\n",
    "tests/test_other.py": "def test_nothing():\n    pass\n",
    "scripts/tool.py": "print('hi')\n",
    "tests/test_unrelated.py": "import pkg.other\n\n\ndef test_x():\n    assert pkg.other.X == 1\n",
}


@pytest.fixture
def graph(project, tmp_path):
    root = project(FILES)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    g = open_graph(root, db_path=tmp_path / "graph.db")
    yield g
    g.close()


def test_importers_then_name_then_one_hop(graph):
    assert related_tests(graph, ["pkg/core.py"]) == ["tests/test_core.py", "tests/test_api.py"]


def test_naming_convention_without_imports(graph):
    # tests/test_other.py does not import pkg.other, but is named for it
    assert related_tests(graph, ["pkg/other.py"]) == ["tests/test_unrelated.py", "tests/test_other.py"]


def test_changed_test_file_comes_first_and_duplicates_go(graph):
    assert related_tests(graph, ["tests/test_api.py", "pkg/api.py", "pkg/core.py"]) == [
        "tests/test_api.py", "tests/test_core.py"]


def test_package_init_relates_every_importer_of_the_package(graph):
    assert set(related_tests(graph, ["pkg/__init__.py"])) == {
        "tests/test_core.py", "tests/test_api.py", "tests/test_unrelated.py"}


def test_nothing_related(graph):
    assert related_tests(graph, ["scripts/tool.py", "docs/gone.py"]) == []


def test_is_test_file():
    assert is_test_file("tests/test_a.py")
    assert is_test_file("a_test.py")
    assert not is_test_file("tests/conftest.py")
    assert not is_test_file("pkg/testing.py")
