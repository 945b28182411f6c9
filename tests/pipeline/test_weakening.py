"""Test weakening: what the diff of test files shows, and what the run after the fix shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.pipeline.weakening import dynamic_findings, is_test_path, static_findings
from bot.scan.tests import TestRun

TEST = """\
import unittest

from calc import add


def test_add():
    assert add(2, 3) == 5
    assert add(0, 0) == 0


class TestMore(unittest.TestCase):
    def test_neg(self):
        self.assertEqual(add(-1, -1), -2)
"""


def _static(tmp_path: Path, before: str | None, after: str | None, path: str = "tests/test_calc.py",
            patch: str = "") -> list[str]:
    for name, text in (("before", before), ("after", after)):
        if text is not None:
            (tmp_path / name / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name / path).write_text(text)
    return static_findings(tmp_path / "before", tmp_path / "after", [path], patch)


@pytest.mark.parametrize(("after", "expected"), [
    (TEST.replace("def test_add", "@pytest.mark.skip\ndef test_add"), "`skip` added"),
    (TEST.replace("def test_add", "@pytest.mark.xfail(strict=False)\ndef test_add"), "`xfail` added"),
    (TEST.replace("def test_add", "@pytest.mark.skipif(True, reason='x')\ndef test_add"), "`skipif` added"),
    (TEST.replace("    assert add(2, 3) == 5\n", "    pytest.skip('later')\n"), "`skip` added"),
    (TEST.replace("    def test_neg(self):\n", "    def test_neg(self):\n        self.skipTest('x')\n"),
     "`skipTest` added"),
    (TEST + "\npytestmark = pytest.mark.skip\n", "`pytestmark` added"),
    (TEST.replace("assert add(2, 3) == 5", "assert True"), "always true"),
    (TEST.replace("    assert add(0, 0) == 0\n", ""), "assertions removed (2 → 1)"),
    (TEST.replace("assert add(2, 3) == 5", "assert add(2, 3) == -1"), "expected value changed"),
    (TEST.replace("self.assertEqual(add(-1, -1), -2)", "self.assertEqual(add(-1, -1), 0)"),
     "expected value changed"),
    (TEST.replace("    def test_neg(self):\n        self.assertEqual(add(-1, -1), -2)\n", "    pass\n"),
     "TestMore::test_neg: test deleted"),
])
def test_static_weakenings(after: str, expected: str, tmp_path: Path) -> None:
    found = _static(tmp_path, TEST, after)
    assert any(expected in f for f in found), found


def test_adding_a_test_or_a_stronger_assertion_is_not_weakening(tmp_path: Path) -> None:
    stronger = TEST.replace("    assert add(0, 0) == 0\n", "    assert add(0, 0) == 0\n    assert add(1, 1) == 2\n")
    assert _static(tmp_path, TEST, stronger + "\n\ndef test_more():\n    assert add(1, 2) == 3\n") == []


def test_a_deleted_test_file(tmp_path: Path) -> None:
    assert _static(tmp_path, TEST, None) == ["tests/test_calc.py: test file deleted"]


def test_conftest_collection_changes(tmp_path: Path) -> None:
    found = _static(tmp_path, "", 'collect_ignore = ["test_calc.py"]\n', path="tests/conftest.py")
    assert found == ["tests/conftest.py: `collect_ignore` added"]
    hook = "def pytest_collection_modifyitems(items):\n    items.clear()\n"
    assert _static(tmp_path / "h", "", hook, path="conftest.py") == [
        "conftest.py: `pytest_collection_modifyitems` added"]


@pytest.mark.parametrize("name", ["pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml"])
@pytest.mark.parametrize("line", ['addopts = "--deselect tests/test_calc.py::test_add"', "addopts = -k 'not add'",
                                  'addopts = "--ignore=tests/test_calc.py"', "    --ignore-glob=tests/*"])
def test_pytest_config_selection_changes(line: str, name: str, tmp_path: Path) -> None:
    patch = f"--- a/{name}\n+++ b/{name}\n@@ -1 +1,2 @@\n [pytest]\n+{line}\n"
    found = static_findings(tmp_path, tmp_path, [name], patch)
    assert len(found) == 1 and "test selection changed" in found[0]


@pytest.mark.parametrize("line", ["import atexit", "_os._exit(0)", "from _pytest.runner import runtestprotocol",
                                  "def pytest_runtest_makereport(item, call):", "config.pluginmanager.register(x)",
                                  'if a.startswith("--json-report-file="):'])
def test_code_under_test_that_reaches_into_the_runner(line: str, tmp_path: Path) -> None:
    patch = f"--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1,2 @@\n x = 1\n+{line}\n"
    found = static_findings(tmp_path, tmp_path, ["src/app.py"], patch)
    assert len(found) == 1 and "reaches into the test runner" in found[0]


@pytest.mark.parametrize("line", ["import os", "os.exit_code = 1", "report = json_report(data)",
                                  "def pytest_available():", "return sys.exit(main())"])
def test_ordinary_code_does_not_reach_into_the_runner(line: str, tmp_path: Path) -> None:
    patch = f"--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1,2 @@\n x = 1\n+{line}\n"
    assert static_findings(tmp_path, tmp_path, ["src/app.py"], patch) == []


def test_test_paths() -> None:
    assert is_test_path("tests/test_a.py") and is_test_path("pkg/a_test.py") and is_test_path("conftest.py")
    assert is_test_path("tests/helpers/factory.py")
    assert not is_test_path("src/app.py") and not is_test_path("tests/data.json")


BEFORE = TestRun("failed", outcomes={"t.py::a": "passed", "t.py::b": "failed", "t.py::c": "skipped",
                                     "u.py::d": "passed"})


@pytest.mark.parametrize(("after", "expected"), [
    ({"t.py::a": "passed", "t.py::b": "passed", "t.py::c": "skipped", "u.py::d": "passed"}, []),
    ({"t.py::a": "passed", "t.py::c": "skipped", "u.py::d": "passed"}, ["t.py::b is no longer collected (was failed)"]),
    ({"t.py::a": "passed", "t.py::b": "skipped", "t.py::c": "skipped", "u.py::d": "passed"},
     ["t.py::b is now skipped (was failed)"]),
    ({"t.py::a": "xfailed", "t.py::b": "passed", "t.py::c": "passed", "u.py::d": "passed"},
     ["t.py::a is now xfailed (was passed)"]),
])
def test_dynamic_weakenings(after: dict[str, str], expected: list[str]) -> None:
    assert dynamic_findings(BEFORE, TestRun("passed", outcomes=after)) == expected


def test_a_partial_run_is_compared_in_its_scope_and_an_incomplete_one_not_at_all() -> None:
    related = TestRun("passed", outcomes={"t.py::a": "passed", "t.py::b": "passed", "t.py::c": "skipped"})
    assert dynamic_findings(BEFORE, related, scope=["t.py"]) == []
    assert dynamic_findings(BEFORE, TestRun("error", reason="collection error")) == []
    nothing = TestRun("not-run", reason="pytest collected no tests")
    assert len(dynamic_findings(BEFORE, nothing)) == 4
