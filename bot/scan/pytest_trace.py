"""A pytest plugin that records, for every test, the functions of the project that its setup and call ran.

It runs inside the project's own test process, so it imports nothing of Yantra: the fix pipeline copies this
file as `yantra_trace.py` into a directory of its own and runs `pytest -p yantra_trace --yantra-trace=FILE`
with that directory on `PYTHONPATH`; where Yantra is installed next to the tests it also loads as
`-p bot.scan.pytest_trace`. Without `--yantra-trace` it does nothing.

Recording is a profile function (`sys.setprofile`, and `threading.setprofile` for threads the test starts)
that keeps each code object the first time it is called, in that order; at the end of the session the file
gets, as JSON:

    {"version": 1, "tests": [{"nodeid": "tests/t.py::test_x", "outcome": "failed",
                              "executed": [["pkg/mod.py", 12, "Cls.meth"], ...]}, ...]}

`executed` lists (path relative to the directory pytest ran in, first line of the code object, its qualified
name) of the code under that directory, first call first, at most MAX_PER_TEST per test; code of virtual
environments kept inside the directory (`site-packages`) is left out. Only the test's setup and call are
recorded: what every test's teardown runs says nothing about one failure. Under pytest-xdist each worker
records its own tests into `FILE.<worker id>` and the controller merges them into FILE.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

VERSION = 1
MAX_PER_TEST = 5000
MAX_TESTS = 5000


class _Recorder:
    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root) + os.sep
        self.codes: dict[Any, None] = {}
        self.places: dict[str, str | None] = {}  # co_filename -> path relative to root, None outside it
        self.tests: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None

    def _profile(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            if code not in self.codes and len(self.codes) < MAX_PER_TEST * 4:
                self.codes[code] = None

    def resume(self) -> None:
        sys.setprofile(self._profile)
        threading.setprofile(self._profile)

    def pause(self) -> None:
        sys.setprofile(None)
        threading.setprofile(None)

    def begin(self, nodeid: str) -> None:
        self.codes = {}
        self.current = {"nodeid": nodeid, "outcome": "passed", "executed": []}

    def report(self, nodeid: str, when: str, outcome: str) -> None:
        current = self.current
        if current is None or current["nodeid"] != nodeid:
            return
        if outcome == "failed" or (outcome == "skipped" and current["outcome"] == "passed"):
            current["outcome"] = outcome
        if when == "teardown":
            current["executed"] = self._executed()
            if len(self.tests) < MAX_TESTS:
                self.tests.append(current)
            self.current = None
            self.codes = {}

    def _executed(self) -> list[list[object]]:
        out: list[list[object]] = []
        for code in self.codes:
            path = self._place(code.co_filename)
            if path is not None:
                out.append([path, code.co_firstlineno, getattr(code, "co_qualname", code.co_name)])
                if len(out) == MAX_PER_TEST:
                    break
        return out

    def _place(self, filename: str) -> str | None:
        if filename not in self.places:
            real = os.path.realpath(filename) if filename and not filename.startswith("<") else ""
            rel = real[len(self.root):] if real.startswith(self.root) and real.endswith(".py") else None
            if rel is not None and "site-packages" in rel.split(os.sep):
                rel = None
            self.places[filename] = rel.replace(os.sep, "/") if rel is not None else None
        return self.places[filename]


_recorders: dict[int, _Recorder] = {}


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--yantra-trace", default=None, metavar="FILE",
                     help="write the project code each test ran to FILE (JSON, by Yantra's trace plugin)")


def _recorder(config: Any) -> _Recorder | None:
    return _recorders.get(id(config))


def pytest_configure(config: Any) -> None:
    if config.getoption("--yantra-trace", default=None):
        _recorders[id(config)] = _Recorder(os.getcwd())


@contextlib.contextmanager
def _recording(item: Any, *, first: bool) -> Iterator[None]:
    """Record while the phase runs (`first`: the test's first recorded phase, its setup)."""
    rec = _recorder(item.config)
    if rec is not None:
        if first:
            rec.begin(item.nodeid)
        rec.resume()
    try:
        yield
    finally:
        if rec is not None:
            rec.pause()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: Any) -> Any:
    with _recording(item, first=True):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any) -> Any:
    with _recording(item, first=False):
        yield


def pytest_runtest_logreport(report: Any) -> None:
    for rec in _recorders.values():
        rec.report(report.nodeid, report.when, report.outcome)


def pytest_unconfigure(config: Any) -> None:
    rec = _recorders.pop(id(config), None)
    if rec is None:
        return
    target = config.getoption("--yantra-trace")
    worker = getattr(config, "workerinput", None)  # a pytest-xdist worker: its own part, merged by the controller
    if worker is not None:
        target = f"{target}.{worker.get('workerid', f'gw{os.getpid()}')}"
    tests = rec.tests
    if worker is None:
        tests = tests + _workers_parts(target)
    with open(target, "w", encoding="utf-8") as out:
        json.dump({"version": VERSION, "tests": tests[:MAX_TESTS]}, out)


def _workers_parts(target: str) -> list[dict[str, Any]]:
    """The tests pytest-xdist's workers recorded (each wrote `<target>.gw<N>`), removed once read; nothing else
    beside the target (a user's `trace.json.bak`) is read or removed."""
    folder, name = os.path.split(os.path.abspath(target))
    part_name = re.compile(re.escape(name) + r"\.gw\d+")
    tests: list[dict[str, Any]] = []
    for entry in sorted(os.listdir(folder)):
        if part_name.fullmatch(entry):
            part = os.path.join(folder, entry)
            try:
                with open(part, encoding="utf-8") as handle:
                    tests += json.load(handle).get("tests", [])
            except (OSError, ValueError, AttributeError):
                pass  # a part that cannot be read adds nothing
            os.remove(part)
    return tests
