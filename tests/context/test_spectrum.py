"""What the failing tests ran, as evidence for the context: the trace plugin inside a real pytest run, the
trace read back (hostile ones refused), and the ranking that uses it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from support.graph_repo import opened_graph, written_repo

from bot.context import assemble_context
from bot.context.rank import rank
from bot.context.spectrum import suspicions
from bot.context.targets import resolve_target
from bot.scan.trace import Trace, TraceError, read_trace, trace_tests, traceable_files

# `op_sub` is reached only through a registry filled by a decorator at import: nothing in the test's or
# the runner's code names it, so only the run shows that the failing test went through it.
FILES = {
    "conftest.py": "",
    "app/__init__.py": "",
    "app/plugins.py": '''
        import threading

        REGISTRY = {}


        def register(fn):
            REGISTRY[fn.__name__.split("_", 1)[1]] = fn
            return fn


        @register
        def op_add(a, b):
            return a + b


        @register
        def op_sub(a, b):
            return a + b


        @register
        def op_mul(a, b):
            return a * b


        def in_thread(fn, *args):
            out = []
            worker = threading.Thread(target=lambda: out.append(fn(*args)))
            worker.start()
            worker.join()
            return out[0]
        ''',
    "app/core.py": '''
        from app.plugins import REGISTRY, in_thread


        def run(op, a, b):
            return in_thread(REGISTRY[op], a, b)
        ''',
    "tests/test_ops.py": '''
        from app.core import run


        def test_add():
            assert run("add", 2, 1) == 3


        def test_sub():
            assert run("sub", 2, 1) == 1
        ''',
}
FAILURE = """\
    def test_sub():
>       assert run("sub", 2, 1) == 1
E       assert 3 == 1
tests/test_ops.py:9: AssertionError
FAILED tests/test_ops.py::test_sub - assert 3 == 1
"""


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Trace]:
    root = written_repo(tmp_path_factory.mktemp("spectrum") / "repo", FILES)
    return root, trace_tests(root, ["tests/test_ops.py"], timeout=120)


def _executed(trace: Trace, nodeid: str) -> set[tuple[str, str]]:
    test = next(t for t in trace.tests if t.nodeid == nodeid)
    return {(path, name) for path, _line, name in test.executed}


def test_the_plugin_records_what_each_test_ran_threads_included(ops: tuple[Path, Trace]) -> None:
    _root, trace = ops
    assert [(t.nodeid, t.failed) for t in trace.tests] == [("tests/test_ops.py::test_add", False),
                                                           ("tests/test_ops.py::test_sub", True)]
    sub = _executed(trace, "tests/test_ops.py::test_sub")
    assert {("tests/test_ops.py", "test_sub"), ("app/core.py", "run"), ("app/plugins.py", "in_thread"),
            ("app/plugins.py", "op_sub")} <= sub  # op_sub ran in the worker thread
    assert ("app/plugins.py", "op_add") not in sub
    assert ("app/plugins.py", "op_add") in _executed(trace, "tests/test_ops.py::test_add")
    assert not [p for t in trace.tests for p, _l, _n in t.executed if p.startswith(("/", "..")) or "pytest" in p]


def test_a_definition_only_the_failing_test_ran_is_the_most_suspicious(ops: tuple[Path, Trace],
                                                                        tmp_path: Path) -> None:
    root, trace = ops
    with opened_graph(tmp_path / "g", FILES) as graph:
        found = suspicions(graph, trace)
    assert found[("app/plugins.py", "op_sub")].score == 1.0
    assert found[("app/core.py", "run")].score == round(1 / math.sqrt(2), 4)  # both tests ran it
    assert ("app/plugins.py", "op_add") not in found and ("app/plugins.py", "op_mul") not in found
    assert root.is_dir()


def test_the_ranking_puts_what_the_failing_test_ran_above_its_unrun_siblings(ops: tuple[Path, Trace],
                                                                              tmp_path: Path) -> None:
    _root, trace = ops
    with opened_graph(tmp_path / "g", FILES) as graph:
        seeds = resolve_target(graph, "tests/test_ops.py::test_sub")
        without = {(i.path, i.qualname): i for i in rank(graph, seeds, FAILURE).items}
        order = [(i.path, i.qualname) for i in rank(graph, seeds, FAILURE, (), suspicions(graph, trace)).items]
        ctx = assemble_context(graph, "tests/test_ops.py::test_sub", 2000, failure=FAILURE, trace=trace)
    if ("app/plugins.py", "op_sub") in without:
        assert "executed" not in without[("app/plugins.py", "op_sub")].signals
    place = {key: n for n, key in enumerate(order)}
    assert place[("app/plugins.py", "op_sub")] < min(place.get(("app/plugins.py", n), len(order))
                                                     for n in ("op_add", "op_mul"))
    section = next(s for s in ctx.sections if s.symbol == "op_sub")
    assert section.form == "full" and "executed" in section.signals


def test_a_trace_without_a_failing_test_is_said_unused(ops: tuple[Path, Trace], tmp_path: Path) -> None:
    _root, trace = ops
    passing = Trace(tuple(t for t in trace.tests if not t.failed))
    with opened_graph(tmp_path / "g", FILES) as graph:
        ctx = assemble_context(graph, "tests/test_ops.py::test_sub", 2000, failure=FAILURE, trace=passing)
    assert any("no failing test" in note for note in ctx.notes)


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not JSON"),
    (b"[]", "not a trace"),
    (json.dumps({"version": 2, "tests": []}).encode(), "not a trace"),
    (json.dumps({"version": 1, "tests": [{"nodeid": 1, "outcome": "failed", "executed": []}]}).encode(),
     "needs 'nodeid'"),
    (json.dumps({"version": 1, "tests": [{"nodeid": "t", "outcome": "failed",
                                          "executed": [["a.py", True, "f"]]}]}).encode(), r"not \[path, line, name\]"),
    (json.dumps({"version": 1, "tests": [{"nodeid": "t", "outcome": "failed",
                                          "executed": [["a.py", 1, "f"]] * 5001}]}).encode(), "more than 5000"),
    (b"[" * 100_000, "not JSON"),
])
def test_a_hostile_trace_is_refused_with_a_reason(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "trace.json"
    path.write_bytes(content)
    with pytest.raises(TraceError, match=message):
        read_trace(path)


def test_a_trace_larger_than_the_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_bytes(b" " * 2048)
    with pytest.raises(TraceError, match="larger than"):
        read_trace(path, max_bytes=1024)


def test_paths_and_lines_the_graph_does_not_hold_are_ignored(tmp_path: Path) -> None:
    trace = Trace.from_json({"version": 1, "tests": [{"nodeid": "tests/test_ops.py::test_sub", "outcome": "failed",
                                                      "executed": [["../../etc/passwd", 1, "x"], ["/abs.py", 3, "y"],
                                                                   ["app/core.py", 99999, "z"],
                                                                   ["app/core.py", -5, "z"],
                                                                   ["app/core.py", 4, "run"]]}]})
    with opened_graph(tmp_path / "g", FILES) as graph:
        assert list(suspicions(graph, trace)) == [("app/core.py", "run")]


def test_the_cli_takes_a_trace_the_installed_plugin_wrote(tmp_path: Path) -> None:
    root = written_repo(tmp_path / "repo", FILES)
    trace = tmp_path / "trace.json"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "bot.scan.pytest_trace",
                          f"--yantra-trace={trace}", "-p", "no:cacheprovider", "tests/test_ops.py"],
                         cwd=root, capture_output=True, text=True)
    assert run.returncode == 1, run.stdout  # test_sub fails
    failure = tmp_path / "failure.txt"
    failure.write_text(run.stdout)
    shown = subprocess.run([sys.executable, "-m", "bot", "context", "tests/test_ops.py::test_sub", "--repo",
                            str(root), "--failure-file", str(failure), "--trace-file", str(trace), "--format",
                            "json", "--budget", "2000"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    sections = {s["symbol"]: s for s in json.loads(shown.stdout)["sections"]}
    assert sections["op_sub"]["form"] == "full" and "executed" in sections["op_sub"]["signals"]


def test_the_cli_refuses_a_hostile_trace_file(tmp_path: Path) -> None:
    root = written_repo(tmp_path / "repo", FILES)
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"version": 1, "tests": [{"nodeid": "x", "outcome": "failed", "executed": "rm -rf"}]}))
    shown = subprocess.run([sys.executable, "-m", "bot", "context", "tests/test_ops.py::test_sub", "--repo",
                            str(root), "--trace-file", str(trace)], capture_output=True, text=True)
    assert shown.returncode == 2
    assert "--trace-file" in shown.stderr and "'executed' list" in shown.stderr and "Traceback" not in shown.stderr


def test_a_suite_run_by_xdist_workers_is_traced_whole(tmp_path: Path) -> None:
    """A project whose pytest configuration adds `-n 2`: each worker records its own tests and the controller
    merges them (disabling xdist instead would make `-n` an unknown option and the run a usage error)."""
    root = written_repo(tmp_path / "repo", {**FILES, "pytest.ini": "[pytest]\naddopts = -n 2\n"})
    trace = trace_tests(root, ["tests/test_ops.py"], timeout=120)
    assert sorted((t.nodeid, t.failed) for t in trace.tests) == [("tests/test_ops.py::test_add", False),
                                                                 ("tests/test_ops.py::test_sub", True)]
    assert ("app/plugins.py", "op_sub") in _executed(trace, "tests/test_ops.py::test_sub")


def test_only_the_repositorys_test_files_are_traced(ops: tuple[Path, Trace], tmp_path: Path) -> None:
    """The failing node ids come from the tests' own report: an option, an absolute path or a path out of the
    repository never reaches pytest's command line."""
    root, _trace = ops
    (tmp_path / "outside.py").write_text("def test_x():\n    pass\n")
    hostile = ["--basetemp=/tmp/wiped.py", "-pevil.py", "/etc/passwd.py", "../outside.py", str(tmp_path / "outside.py"),
               "tests/missing.py", "tests\\test_ops.py"]
    assert traceable_files(root, [*hostile, "tests/test_ops.py::test_sub", "tests/test_ops.py"]) == ["tests/test_ops.py"]
    with pytest.raises(TraceError, match="no test file"):
        trace_tests(root, hostile, timeout=60)


FIFO_CONFTEST = '''
import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):  # after every plugin wrote its file: put a FIFO where each was
    for option in ("yantra_trace", "json_report_file"):
        path = getattr(config.option, option, None)
        if path and os.path.exists(path):
            os.remove(path)
            os.mkfifo(path)
'''


def test_a_fifo_the_tests_put_in_place_of_the_trace_is_refused_not_waited_on(tmp_path: Path) -> None:
    """The test run can write where its trace and its json report go: a FIFO there would block a reader forever."""
    from bot.scan.tests import run_tests

    root = written_repo(tmp_path / "repo", {**FILES, "conftest.py": FIFO_CONFTEST})
    with pytest.raises(TraceError, match="is a FIFO"):
        trace_tests(root, ["tests/test_ops.py"], timeout=60)
    run = run_tests(root, select=["tests/test_ops.py"], timeout=60)
    assert run.status == "error" and "wrote no json report" in run.reason


def test_merging_xdist_parts_reads_and_removes_only_the_workers_files(tmp_path: Path) -> None:
    root = written_repo(tmp_path / "repo", FILES)
    trace = tmp_path / "trace.json"
    keep = {tmp_path / "trace.json.bak": "mine", tmp_path / "trace.json.gwx": "mine too"}
    for path, text in keep.items():
        path.write_text(text)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "bot.scan.pytest_trace",
                          f"--yantra-trace={trace}", "-p", "no:cacheprovider", "tests/test_ops.py"],
                         cwd=root, capture_output=True, text=True)
    assert run.returncode == 1, run.stdout
    assert sorted(t.nodeid for t in read_trace(trace).tests) == ["tests/test_ops.py::test_add",
                                                                 "tests/test_ops.py::test_sub"]
    assert {path: path.read_text() for path in keep} == keep
    assert sorted(p.name for p in tmp_path.glob("trace.json*")) == ["trace.json", "trace.json.bak", "trace.json.gwx"]
