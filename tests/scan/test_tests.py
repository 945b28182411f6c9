from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from bot.scan.tests import TestRun, is_pytest_command, regressions, run_related_then_suite, run_tests

MIXED = {
    "test_mixed.py": """
        import pytest

        def test_ok():
            assert True

        def test_fail():
            assert 1 + 1 == 3, "arithmetic is broken"

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        def test_error(broken):
            pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass
    """,
}


def test_passing_project(project):
    root = project({"test_a.py": "def test_one():\n    assert True\n\ndef test_two():\n    pass\n"})
    run = run_tests(root)
    assert run.status == "passed"
    assert run.outcomes == {"test_a.py::test_one": "passed", "test_a.py::test_two": "passed"}
    assert run.failures == ()
    assert run.pass_rate == 1.0


def test_failures_and_errors_by_nodeid(project):
    run = run_tests(project(MIXED))
    assert run.status == "failed"
    assert run.outcomes == {
        "test_mixed.py::test_ok": "passed",
        "test_mixed.py::test_fail": "failed",
        "test_mixed.py::test_error": "error",
        "test_mixed.py::test_skipped": "skipped",
    }
    by_id = {f.nodeid: f for f in run.failures}
    assert set(by_id) == {"test_mixed.py::test_fail", "test_mixed.py::test_error"}
    assert "arithmetic is broken" in by_id["test_mixed.py::test_fail"].message
    assert "assert 1 + 1 == 3" in by_id["test_mixed.py::test_fail"].excerpt
    assert "RuntimeError: fixture broke" in by_id["test_mixed.py::test_error"].message
    assert run.pass_rate == pytest.approx(1 / 3)
    assert run.counts == {"passed": 1, "failed": 1, "error": 1, "skipped": 1}


def test_excerpt_is_the_tail_of_a_long_report(project):
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    root = project({"test_long.py": f"def test_long():\n{body}\n    assert x79 == 0\n"})
    (failure,) = run_tests(root).failures
    assert len(failure.excerpt.splitlines()) <= 30
    assert "assert x79 == 0" in failure.excerpt


def test_select_runs_only_the_selection(project):
    root = project(MIXED)
    run = run_tests(root, select=["test_mixed.py::test_ok"])
    assert run.status == "passed"
    assert run.outcomes == {"test_mixed.py::test_ok": "passed"}


def test_no_tests_is_not_run(project):
    root = project({"mod.py": "X = 1\n"})
    run = run_tests(root)
    assert run.status == "not-run"
    assert "no tests" in run.reason
    assert run.pass_rate == 0.0


def test_empty_selection_is_not_run(project):
    run = run_tests(project(MIXED), select=[])
    assert run.status == "not-run"


def test_collection_error_is_error_with_excerpt(project):
    root = project({"test_ok.py": "def test_ok():\n    pass\n", "test_broken.py": "import no_such_module_xyz\n"})
    run = run_tests(root)
    assert run.status == "error"
    assert "test_broken.py" in run.reason
    assert "No module named 'no_such_module_xyz'" in run.reason
    assert run.failures[0].nodeid == "test_broken.py"
    assert run.pass_rate == 0.0


def test_timeout_kills_the_whole_process_group(project, tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    root = project({"test_slow.py": f"""
        import pathlib, subprocess, sys, time

        def test_sleeps():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
            pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))
            time.sleep(300)
    """})
    timeout = 3
    run = run_tests(root, timeout=timeout)
    if not pid_file.exists():  # a loaded machine: pytest had not reached the test within 3 s; give it time
        timeout = 20
        run = run_tests(root, timeout=timeout)
    assert run.status == "error"
    assert run.reason == f"timed out after {timeout} s"
    assert not _alive(int(pid_file.read_text()))


def _alive(pid: int) -> bool:
    """True while `pid` runs; a zombie waiting to be reaped counts as dead."""
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.1)  # SIGKILL delivery is asynchronous
    return True


def test_environment_is_scrubbed(project, monkeypatch):
    planted = {
        "ANTHROPIC_API_KEY": "sk-ant-FAKE",
        "GITHUB_TOKEN": "ghp_FAKE",
        "MY_SERVICE_TOKEN": "FAKE",
        "DB_PASSWORD": "FAKE",
        "AWS_REGION": "eu-west-1",
        "ACTIONS_RUNTIME_URL": "http://x",
        "SOME_SECRET_THING": "FAKE",
        "SESSION_COOKIE": "FAKE",
    }
    for name, value in planted.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("YANTRA_HARMLESS", "kept")
    root = project({"test_env.py": f"""
        import os

        def test_no_secrets():
            leaked = [n for n in {sorted(planted)!r} if n in os.environ]
            assert leaked == []

        def test_ordinary_variables_kept():
            assert os.environ["YANTRA_HARMLESS"] == "kept"
            assert os.environ["PATH"]
            assert "HOME" in os.environ
    """})
    run = run_tests(root)
    assert run.status == "passed", run.failures


def test_custom_non_pytest_command(project):
    root = project({"check.py": "import sys\nsys.exit(int(sys.argv[1]))\n"})
    ok = run_tests(root, command=[sys.executable, "check.py", "0"])
    assert ok.status == "passed"
    assert ok.outcomes == {}
    assert "not pytest" in ok.reason
    assert ok.pass_rate == 1.0
    bad = run_tests(root, command=[sys.executable, "check.py", "3"])
    assert bad.status == "failed"
    assert "exited with 3" in bad.reason
    assert bad.pass_rate == 0.0


def test_custom_pytest_command_gets_outcomes(project):
    root = project(MIXED)
    run = run_tests(root, command=[sys.executable, "-m", "pytest", "-k", "test_ok"])
    assert run.status == "passed"
    assert run.outcomes == {"test_mixed.py::test_ok": "passed"}


def test_missing_command_is_error(project):
    run = run_tests(project(MIXED), command=["/nonexistent/runner-xyz"])
    assert run.status == "error"
    assert "could not start" in run.reason


def test_is_pytest_command():
    assert is_pytest_command(["pytest", "-x"])
    assert is_pytest_command(["/venv/bin/pytest"])
    assert is_pytest_command(["python", "-m", "pytest"])
    assert not is_pytest_command(["tox", "-e", "py"])
    assert not is_pytest_command(["make", "test"])


def test_regressions():
    before = TestRun("failed", outcomes={"a": "passed", "b": "failed", "c": "passed", "d": "passed"})
    after = TestRun("failed", outcomes={"a": "failed", "b": "failed", "c": "passed", "d": "error", "e": "failed"})
    assert regressions(before, after) == ["a", "d"]


def test_related_then_suite_stops_when_related_fail(project):
    root = project({
        "test_a.py": "def test_a():\n    assert False\n",
        "test_b.py": "def test_b():\n    pass\n",
    })
    staged = run_related_then_suite(root, ["test_a.py"])
    assert staged.related is not None and staged.related.status == "failed"
    assert staged.suite is None
    assert staged.final is staged.related


def test_related_then_suite_runs_suite_after_related_pass(project):
    root = project({
        "test_a.py": "def test_a():\n    pass\n",
        "test_b.py": "def test_b():\n    assert False\n",
    })
    staged = run_related_then_suite(root, ["test_a.py"])
    assert staged.related is not None and staged.related.outcomes == {"test_a.py::test_a": "passed"}
    assert staged.suite is not None and staged.suite.status == "failed"
    assert staged.final is staged.suite
    assert set(staged.final.outcomes) == {"test_a.py::test_a", "test_b.py::test_b"}


def test_test_run_json_round_trip(project):
    run = run_tests(project(MIXED))
    again = TestRun.from_json(json.loads(json.dumps(run.to_json())))
    assert again.outcomes == run.outcomes
    assert again.failures == run.failures
    assert (again.status, again.reason, again.pass_rate) == (run.status, run.reason, run.pass_rate)


@pytest.mark.parametrize("kind", ["bubblewrap", "unshare"])
def test_a_suite_runs_in_each_read_only_sandbox(project, kind):
    """pytest, its plugins, tmp_path and the JSON report all work in a sandbox whose file system is read-only
    outside the work tree and a private temporary directory."""
    from bot.scan.sandbox import SandboxKind, detect

    sandbox = detect(kind)
    if sandbox.kind is not SandboxKind(kind):
        pytest.skip(f"{kind} does not work here: {sandbox.reason}")
    run = run_tests(project({**MIXED, "test_tmp.py": "def test_tmp(tmp_path):\n    (tmp_path / 'f').write_text('x')\n"}),
                    sandbox=sandbox)
    assert run.counts == {"passed": 2, "failed": 1, "error": 1, "skipped": 1}, run.reason
