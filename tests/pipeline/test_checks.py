"""The test phase's runs: related tests first only when the suite is slow enough for that to pay."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.config import load_config
from bot.pipeline.checks import RELATED_FIRST_SECONDS, load_graph, run_checks_tests
from bot.pipeline.results import Baseline
from bot.scan.tests import NO_SANDBOX, TestRun

FILES = {
    "pyproject.toml": '[project]\nname = "m"\nversion = "0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
    "m/__init__.py": "",
    "m/ops.py": "def add(a, b):\n    return a + b\n",
    "tests/test_ops.py": "from m.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    "tests/test_other.py": "def test_other():\n    assert True\n",
}


def _repo(root: Path) -> Path:
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


def _baseline(seconds: float) -> Baseline:
    outcomes = {"tests/test_ops.py::test_add": "failed", "tests/test_other.py::test_other": "passed"}
    return Baseline((), "ok", "", TestRun("failed", outcomes=outcomes, duration=seconds))


def test_a_quick_suite_runs_once_and_a_slow_one_runs_the_related_tests_first(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    config = load_config(root)
    graph = load_graph(root, config)
    assert graph is not None

    quick = run_checks_tests(root, graph, ["m/ops.py"], _baseline(1.0), config, NO_SANDBOX)
    assert quick.related == () and quick.related_run is None
    assert quick.suite_run is not None and quick.suite_run.status == "passed"
    assert set(quick.suite_run.outcomes) == {"tests/test_ops.py::test_add", "tests/test_other.py::test_other"}

    slow = run_checks_tests(root, graph, ["m/ops.py"], _baseline(RELATED_FIRST_SECONDS), config, NO_SANDBOX)
    assert slow.related == ("tests/test_ops.py",)
    assert slow.related_run is not None and set(slow.related_run.outcomes) == {"tests/test_ops.py::test_add"}
    assert slow.suite_run is not None and slow.suite_run.status == "passed"
