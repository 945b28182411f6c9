"""Choosing what the context is built around: the failing test, a traceback's frame, or the instructions."""

from __future__ import annotations

from pathlib import Path

from e2e_fix.fixrepo import make_project

from bot.config import load_config
from bot.graph import open_graph
from bot.pipeline.baseline import choose_target
from bot.pipeline.context_phase import build_context, mentioned_targets
from bot.pipeline.results import Baseline
from bot.scan.tests import TestFailure, TestRun


def _baseline(*failures: TestFailure) -> Baseline:
    return Baseline((), "ok", "", TestRun(status="failed", failures=failures))


def test_the_failing_test_is_the_target() -> None:
    run = _baseline(TestFailure("tests/test_ops.py::test_add", "assert -1 == 5", ""))
    assert choose_target(run, "") == "tests/test_ops.py::test_add"


def test_without_node_ids_the_deepest_code_frame_of_a_traceback_is_the_target(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    excerpt = (f'  File "{project.root}/tests/test_ops.py", line 5, in test_add\n'
               f'  File "{project.root}/calc/ops.py", line 3, in add\n'
               f'  File "/usr/lib/python3/unittest/case.py", line 1, in fail\n')
    run = _baseline(TestFailure("python -m unittest", "exited with 1", excerpt))
    assert choose_target(run, "", project.root) == "calc/ops.py"


def test_names_in_instructions_are_tried_before_the_failure(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    assert mentioned_targets("Make mul() in calc/ops.py faster") == ["mul", "calc/ops.py"]
    graph = open_graph(project.root, load_config(project.root))
    try:
        ctx = build_context(graph, ["Make calc/ops.py handle floats", "tests/test_ops.py::test_add"], 2000, "")
        assert ctx.target == "calc/ops.py" and "def add" in ctx.text and ctx.tokens > 0
        fallback = build_context(graph, ["Make it nicer", "tests/test_ops.py::test_add"], 2000, "")
        assert fallback.target == "tests/test_ops.py::test_add"
        nothing = build_context(graph, ["", ""], 2000, "")
        assert nothing.text == "" and nothing.note
    finally:
        graph.close()
