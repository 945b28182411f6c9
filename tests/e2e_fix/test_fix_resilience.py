"""Malformed answers, overloaded models, a killed run and an exhausted budget: handled, never crashes."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from e2e_fix.fixrepo import BREAKS_MUL, GOOD_FIX, Project, run_fix, yantra_argv, yantra_env
from support.anthropic_server import AnthropicServer, Reply

WAIT_LIMIT = 300.0  # seconds; a safety net for a hung run, not a timing assertion


def test_malformed_answers_are_retried_then_escalated(project: Project, server: AnthropicServer) -> None:
    server.script("I think the bug is in add.", "Change a - b to a + b. CONFIDENCE: 0.9",
                  "calc/ops.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n")

    run = run_fix(project, server, "--commit")

    assert run.code == 1, run.stdout + run.stderr
    assert "escalated" in run.stdout
    assert "malformed" in run.stdout
    assert len(server.message_requests) == 3
    assert "could not be used" in server.message_requests[1].text  # the parser's reason is fed back
    assert project.status() == ""


def test_overloaded_and_rate_limited_model_fails_over(project: Project, server: AnthropicServer) -> None:
    server.script(Reply.overloaded(), Reply.rate_limited(retry_after=0.01), Reply.overloaded(), GOOD_FIX)

    run = run_fix(project, server, "--log-format", "json")

    assert run.code == 0, run.stdout + run.stderr
    models = [r.model for r in server.message_requests]
    assert models == ["claude-sonnet-4-6"] * 3 + ["claude-haiku-4-5"]
    llm = [e for e in run.events() if e["event"] == "llm"]
    assert [e["status"] for e in llm] == [529, 429, 529, 200]
    assert all(e.get("retry_in") is not None for e in llm[:2])  # backed off before retrying
    assert "return a + b" in (project.root / "calc/ops.py").read_text()


def test_killed_run_resumes_without_repeating_a_model_call(project: Project, server: AnthropicServer,
                                                           tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    project.write("tests/test_wait.py", f'''\
import pathlib
import time

from calc.ops import add


def test_waits_once_fixed():
    if add(2, 3) == 5:  # only in the fixed worktree
        pathlib.Path({str(started)!r}).write_text("x")
        deadline = time.time() + 300
        while not pathlib.Path({str(release)!r}).exists() and time.time() < deadline:
            time.sleep(0.05)
''')
    project.commit_all("a test the e2e test controls")
    server.script(GOOD_FIX)
    before = project.head()

    # The test talks to its test process through files outside the worktree: no sandbox here (the sandbox has
    # its own tests), which takes the explicit opt-in.
    proc = subprocess.Popen(yantra_argv(["--commit", "--sandbox", "none", "--allow-unsandboxed"]),
                            cwd=project.root, env=yantra_env(server),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + WAIT_LIMIT
        while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the fixed code never reached the test phase"
        assert len(server.message_requests) == 1
        proc.send_signal(signal.SIGKILL)  # killed in the test phase, after the paid call
        proc.wait(timeout=60)
    finally:
        release.write_text("go")  # let the orphaned pytest of the killed run finish
        if proc.poll() is None:
            proc.kill()

    caches = list((project.root / ".git" / "yantra").glob("llm-cache.sqlite*"))
    assert caches
    for cache in caches:
        cache.unlink()  # resuming must not depend on the response cache: the session stored the answer

    run = run_fix(project, server, "--resume", "--sandbox", "none", "--allow-unsandboxed")

    assert run.code == 0, run.stdout + run.stderr
    assert len(server.message_requests) == 1  # the stored answer was re-used
    assert "resumed" in run.stderr
    assert project.head() != before
    assert "Yantra-Session: " in project.log_message()  # --commit was remembered by the session
    assert "yantra-wt" not in "".join(project.worktrees())  # the killed run's worktree is gone


def test_exhausted_budget_stops_with_a_clear_message_and_can_resume(project: Project, server: AnthropicServer) -> None:
    server.script(BREAKS_MUL, GOOD_FIX)

    run = run_fix(project, server, "--budget-calls", "1")

    assert run.code == 1, run.stdout + run.stderr
    assert "budget exhausted" in run.stdout
    assert "max-calls" in run.stdout  # says what to change
    assert len(server.message_requests) == 1
    assert "return a * b" in (project.root / "calc/ops.py").read_text()  # nothing applied

    resumed = run_fix(project, server, "--resume", "--budget-calls", "3")  # a bigger budget: carry on

    assert resumed.code == 0, resumed.stdout + resumed.stderr
    assert len(server.message_requests) == 2  # attempt 1 was not asked again
    assert "tests/test_ops.py::test_mul" in server.message_requests[1].text


def test_resume_without_a_session_is_a_usage_problem(project: Project) -> None:
    run = run_fix(project, None, "--resume")
    assert run.code == 2
    assert "no unfinished fix session" in run.stderr


def test_model_unreachable_is_resumable_then_resumed(project: Project, server: AnthropicServer) -> None:
    server.script(*[Reply.overloaded() for _ in range(6)])  # 3 per model open both circuit breakers

    first = run_fix(project, server)

    assert first.code == 1, first.stdout + first.stderr
    assert "fix --resume" in first.stdout
    assert len(server.message_requests) == 6
    server.script(GOOD_FIX)

    second = run_fix(project, server, "--resume")

    assert second.code == 0, second.stdout + second.stderr
    assert len(server.message_requests) == 7
    assert "return a + b" in (project.root / "calc/ops.py").read_text()
