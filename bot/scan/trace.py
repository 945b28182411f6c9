"""What each test ran: the trace `bot.scan.pytest_trace` writes from inside the project's test run, read back
as data (`Trace`), and the run that makes one (`trace_tests`).

The trace is written by code we did not write (the project's tests, perhaps a fork's), so `read_trace` checks
its size, shape and types and rejects anything else as `TraceError`.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from bot.errors import YantraError
from bot.repo_files import FileSkipped, read_bytes
from bot.scan.sandbox import Sandbox, run_untrusted
from bot.scan.tests import NO_SANDBOX, is_pytest_command

PLUGIN = Path(__file__).with_name("pytest_trace.py")
PLUGIN_MODULE = "yantra_trace"  # the name the plugin is copied under, outside Yantra's package
MAX_TRACE_BYTES = 64 * 1024 * 1024
MAX_TESTS = 5000
MAX_PER_TEST = 5000
VERSION = 1


class TraceError(YantraError):
    """A trace file that cannot be read or is not what the trace plugin writes."""


@dataclass(frozen=True)
class TestTrace:
    nodeid: str
    failed: bool
    executed: tuple[tuple[str, int, str], ...]  # (path, first line, qualified name), first call first


@dataclass(frozen=True)
class Trace:
    tests: tuple[TestTrace, ...]

    @property
    def failing(self) -> tuple[TestTrace, ...]:
        return tuple(t for t in self.tests if t.failed)

    @classmethod
    def from_json(cls, data: object) -> Trace:
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("tests"), list):
            raise TraceError(f"not a trace of version {VERSION} (an object with a 'tests' list)")
        rows = data["tests"]
        if len(rows) > MAX_TESTS:
            raise TraceError(f"{len(rows)} tests: more than {MAX_TESTS}")
        return cls(tuple(_test(row, n) for n, row in enumerate(rows)))


def _test(row: object, n: int) -> TestTrace:
    if not isinstance(row, dict):
        raise TraceError(f"test {n}: not an object")
    nodeid, outcome, executed = row.get("nodeid"), row.get("outcome"), row.get("executed")
    if not isinstance(nodeid, str) or not isinstance(outcome, str) or not isinstance(executed, list):
        raise TraceError(f"test {n}: needs 'nodeid' and 'outcome' strings and an 'executed' list")
    if len(executed) > MAX_PER_TEST:
        raise TraceError(f"test {nodeid!r}: {len(executed)} executed functions, more than {MAX_PER_TEST}")
    out: list[tuple[str, int, str]] = []
    for entry in executed:
        if (not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[0], str)
                or type(entry[1]) is not int or not isinstance(entry[2], str)):
            raise TraceError(f"test {nodeid!r}: an executed entry is not [path, line, name]")
        out.append((entry[0], entry[1], entry[2]))
    return TestTrace(nodeid, outcome == "failed", tuple(out))


def read_trace(path: Path, *, max_bytes: int = MAX_TRACE_BYTES) -> Trace:
    """The trace in the file at `path` (written by `pytest --yantra-trace=FILE`). Read as a file the tests could
    have replaced (`bot.repo_files.read_bytes`): a FIFO is never waited on, a link out of its directory not followed."""
    try:
        raw = read_bytes(path.parent, path.name, max_bytes=max_bytes)
    except FileSkipped as exc:
        raise TraceError(f"{path}: {exc}") from exc
    if raw is None:
        raise TraceError(f"{path}: no such file")
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise TraceError(f"{path}: not JSON ({exc})") from exc
    return Trace.from_json(data)




def traceable_files(root: Path, select: Sequence[str]) -> list[str]:
    """The test files `select` names (node ids from a test run, which the tests themselves wrote) that are
    repository-relative `.py` files inside `root`, each once: never an option (`--basetemp=x.py`), an absolute
    path or one that climbs out."""
    inside = root.resolve()
    out: list[str] = []
    for item in select:
        path = item.split("::", 1)[0]
        parts = PurePosixPath(path).parts
        if (not path.endswith(".py") or path.startswith("-") or PurePosixPath(path).is_absolute() or ".." in parts
                or "\\" in path or path in out):
            continue
        file = root / path
        if file.is_file() and file.resolve().is_relative_to(inside):
            out.append(path)
    return out


def trace_tests(root: Path, select: Sequence[str], *, command: Sequence[str] = (), timeout: float = 300.0,
                sandbox: Sandbox = NO_SANDBOX) -> Trace:
    """Run the tests `select` names (files or node ids) once with the trace plugin, in `sandbox`; what each
    ran. TraceError when the command is not pytest or the run wrote no readable trace."""
    if command and not is_pytest_command(command):
        raise TraceError("the test command is not pytest: nothing can record what the tests ran")
    select = traceable_files(root, select)
    if not select:
        raise TraceError("no test file of the repository to trace")
    with tempfile.TemporaryDirectory(prefix="yantra-trace-") as tmp:
        plugins, written = Path(tmp) / "plugins", Path(tmp) / "trace.json"
        plugins.mkdir()
        shutil.copyfile(PLUGIN, plugins / f"{PLUGIN_MODULE}.py")
        runner = list(command) or [sys.executable, "-m", "pytest"]
        argv = [*runner, "-p", PLUGIN_MODULE, f"--yantra-trace={written}", "-p", "no:cacheprovider", "-q",
                *select]
        try:
            result = run_untrusted(argv, cwd=root, sandbox=sandbox, timeout=timeout, writable=(Path(tmp),),
                                   extra_env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(plugins)})
        except OSError as exc:
            raise TraceError(f"could not start {argv[0]!r}: {exc}") from exc
        if result.timed_out:
            raise TraceError(f"the traced test run timed out after {timeout:g} s")
        if not written.exists() and not written.is_symlink():
            raise TraceError(f"the traced test run wrote no trace (exit {result.returncode})")
        return read_trace(written)
