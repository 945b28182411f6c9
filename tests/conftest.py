"""Suite-wide settings: the `slow` marker for the inner loop (`python -m pytest -q -m "not slow"`).

Tests that run whole processes end to end — the fix pipeline against the local Anthropic server, the Action
against the local GitHub server, the real pre-commit framework, semgrep — are slow by nature; they are marked
here by where they live, so a new test in those folders is marked without anyone remembering to. A few tests
in otherwise quick files do the same kind of work (a whole fix session, a CLI run over a 10 MB file, loading
torch or the `anthropic` SDK, a repository of generated mutations) and are named one by one. The slow tests
run first, and with `-n` (pytest-xdist's default `--dist load`) an idle worker takes queued tests from a busy
one (`worksteal`), so the two workers finish together.
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
SLOW_PLACES = (
    "e2e_fix", "github", "hook", "benchmarks", "scan/test_semgrep.py", "scan/test_security.py",
    "pipeline/test_session.py",  # whole fix sessions against the local Messages API server
    "gate/test_hostile_checkout.py",  # the CLI against FIFOs, sockets and oversize files
    "gate/test_hostile_patterns.py",  # the CLI until a catastrophic pattern spends its 2 s budget (~4 s a case)
    "gate/test_cli.py::test_hostile_files_never_crash",  # a 10 MB file and 5,000-deep nesting through the CLI
    "graph/test_parser.py::test_hostile_inputs_never_raise",
    "context/test_compress.py::test_real_files_keep_their_syntax_tree",  # every file of this repository
    "context/test_tools.py::test_schemas_drive_a_tool_use_round_with_the_real_sdk",  # imports `anthropic`
    "pipeline/test_learning.py::test_embeddings_paraphrases_are_closer_than_unrelated",  # loads torch
    "pipeline/test_learning.py::test_rows_recorded_without_embeddings_are_embedded_later",  # loads torch
    "graph/test_build_pool.py::test_killing_the_parent_of_a_cold_build_kills_its_workers",
    # 2,000 tool calls answered in one turn: detect-secrets reads every line of them (~28,000) before sending
    "llm/test_tools_loop.py::test_thousands_of_tool_calls_run_at_most_the_cap",
    "context/test_spectrum.py::test_a_suite_run_by_xdist_workers_is_traced_whole",  # pytest and two xdist workers
    "context/test_spectrum.py::test_merging_xdist_parts_reads_and_removes_only_the_workers_files",  # the same
)


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile the `bot` under test once, before any worker starts, when this interpreter was told not to
    write bytecode (PYTHONDONTWRITEBYTECODE): the suite starts a few hundred `python -m bot` processes, which
    inherit that setting and would otherwise each compile every module they import from source again (a third
    of the CPU time of the CLI tests). Only the cache beside the sources is written; the code run is the same."""
    if hasattr(config, "workerinput") or not sys.dont_write_bytecode:
        return
    import bot

    compileall.compile_dir(Path(bot.__file__).parent, quiet=2)


@pytest.hookimpl(hookwrapper=True)
def pytest_collection() -> Any:
    """Let pytest keep the test modules it rewrote (its assertion rewriting, the `__pycache__/*-pytest-*.pyc`
    beside each) when this interpreter was told not to write bytecode: pytest then rewrites every test module
    again in every worker of every run, most of the CPU time of a collection (~6 s a process). pytest reads a
    kept module back only while its source is unchanged (size and mtime), so the code run is the same."""
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        yield
    finally:
        sys.dont_write_bytecode = saved


def _is_slow(rel: str, name: str) -> bool:
    for place in SLOW_PLACES:
        path, _, test = place.partition("::")
        if test:
            if rel == path and name.split("[", 1)[0] == test:
                return True
        elif rel == path or rel.startswith(path.rstrip("/") + "/"):
            return True
    return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tests, and run them first (in their collected order): with `-n auto` the workers then end
    on many short tests, not one waiting on a whole-pipeline test the other started last."""
    slow: list[pytest.Item] = []
    for item in items:
        try:
            rel = item.path.resolve().relative_to(HERE).as_posix()
        except ValueError:
            continue
        if _is_slow(rel, item.name):
            item.add_marker(pytest.mark.slow)
            slow.append(item)
    first = set(map(id, slow))
    items[:] = [*slow, *(item for item in items if id(item) not in first)]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist worksteal` for xdist's default distribution (an explicit `--dist` is kept)."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)
