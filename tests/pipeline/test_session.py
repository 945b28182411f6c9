"""`run_fix` called in-process, as the GitHub Action does: typed request in, typed outcome out, events to a sink."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from e2e_fix.fixrepo import GOOD_FIX, make_project
from support.anthropic_server import AnthropicServer

from bot.config import load_config
from bot.pipeline.session import FixRequest, run_fix
from bot.verdict import Verdict


def test_run_fix_returns_a_typed_outcome_and_reports_events(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    events: list[dict[str, Any]] = []
    with AnthropicServer() as server:
        server.script(GOOD_FIX)
        request = FixRequest(root=project.root / "calc", api_key="test-key", base_url=server.base_url,
                             config=load_config(project.root).fix, log=events.append, progress=False)
        outcome = run_fix(request)

        assert outcome.verdict is Verdict.APPLIED
        assert outcome.changed == ("calc/ops.py",) and outcome.test_files == ()
        assert outcome.ok and outcome.commit_sha is None and outcome.attempts == 1
        assert outcome.confidence is not None and outcome.confidence >= 0.8
        assert set(outcome.breakdown) >= {"llm", "tests", "history", "complexity", "impact"}
        assert "+    return a + b" in outcome.patch
        assert outcome.report_markdown  # the evidence is there even when the fix landed
        phases = [e["phase"] for e in events if e["event"] == "phase"]
        # the static gates of validate (gate, protected paths) before any model-written code runs; the security
        # scans finish before the tests start, or — tests in a sandbox — run beside them
        assert phases[:4] == ["baseline", "context", "generate", "validate"]
        assert sorted(phases[4:6]) == ["security", "test"] and phases[6:] == ["confidence", "commit"]
        timings = [e for e in events if e["event"] == "timings"]
        assert [t["attempt"] for t in timings] == [0, 1]
        assert {"baseline", "graph", "context"} <= set(timings[0]["seconds"])
        steps = timings[1]["seconds"]
        assert {"model", "apply", "gate", "secrets", "semgrep", "safety", "tests", "confidence", "land"} <= set(steps)
        assert all(isinstance(v, float) and v >= 0 for v in steps.values())
        assert 0 < timings[1]["wall"] <= sum(steps.values()) + 1.0
        assert events[-1]["event"] == "outcome" and events[-1]["session"] == outcome.session_id

        again = run_fix(FixRequest(root=project.root, resume=True, session_id=outcome.session_id,
                                   api_key="test-key", base_url=server.base_url, progress=False))
        assert again.verdict is Verdict.APPLIED and again.session_id == outcome.session_id
        assert len(server.message_requests) == 1


def test_without_a_key_the_outcome_says_so(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    project.write("calc/db.py", "def find(cursor, name):\n"
                  "    cursor.execute(f\"SELECT id FROM users WHERE name = '{name}'\")\n")
    project.commit_all("a query")
    outcome = run_fix(FixRequest(root=project.root, api_key=None, progress=False, log=lambda e: None))
    assert outcome.verdict is Verdict.FAILED
    assert outcome.reason == "ANTHROPIC_API_KEY is not set: ran the checks only"
    assert "tests/test_ops.py::test_add" in outcome.report_markdown
    assert "### Security checks" in outcome.report_markdown
    assert "`calc/db.py:2` semgrep/sql-injection" in outcome.report_markdown  # existing findings, all shown
    assert outcome.attempts == 0 and outcome.patch == ""


def test_a_second_similar_failure_gets_history_from_the_first(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    with AnthropicServer() as server:
        server.script(GOOD_FIX, GOOD_FIX)
        request = FixRequest(root=project.root, api_key="test-key", base_url=server.base_url, progress=False,
                             log=lambda e: None)
        first = run_fix(request)
        assert first.verdict is Verdict.APPLIED and first.breakdown["history"] == 0.5
        subprocess.run(["git", "-C", str(project.root), "checkout", "--", "calc/ops.py"], check=True)

        second = run_fix(request)

    assert second.verdict is Verdict.APPLIED
    assert second.session_id != first.session_id
    assert second.breakdown["history"] > 0.5  # one similar past failure, fixed: (1 + 1) / (1 + 2)
    assert any("1 similar past failure" in n for n in second.notes)


def test_the_outcome_carries_the_commit_message(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    with AnthropicServer() as server:
        server.script(GOOD_FIX)
        outcome = run_fix(FixRequest(root=project.root, api_key="test-key", base_url=server.base_url,
                                     progress=False, log=lambda e: None))
    assert outcome.verdict is Verdict.APPLIED
    assert outcome.message.startswith("fix: the add function subtracted instead of adding\n")
    assert outcome.message.rstrip().endswith(f"Yantra-Session: {outcome.session_id}")
    assert "--commit" not in outcome.reason  # the CLI's hint lives in the CLI


def test_without_tests_no_repository_code_runs_and_the_fix_is_only_suggested(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    marker = tmp_path / "repository-code-ran"
    project.write("conftest.py", f"from pathlib import Path\n\nPath({str(marker)!r}).write_text('ran')\n")
    project.commit_all("conftest")
    head = project.head()
    events: list[dict[str, Any]] = []
    with AnthropicServer() as server:
        server.script(GOOD_FIX)
        request = FixRequest(root=project.root, instructions="add() must add", commit=True, run_tests=False,
                             api_key="test-key", base_url=server.base_url, progress=False, log=events.append)
        outcome = run_fix(request)
        again = run_fix(FixRequest(root=project.root, resume=True, session_id=outcome.session_id,
                                   api_key="test-key", base_url=server.base_url, progress=False))

    assert outcome.verdict is Verdict.SUGGESTED and outcome.ok
    assert outcome.commit_sha is None and project.head() == head and project.status() == ""
    assert "+    return a + b" in outcome.patch
    assert outcome.message.startswith("fix: ") and f"Yantra-Session: {outcome.session_id}" in outcome.message
    assert outcome.breakdown["tests"] == 0.0
    assert outcome.confidence is not None and outcome.confidence < 0.8  # reported as is, never committed
    assert "tests are not run on fork code (secrets are in reach)" in outcome.reason
    tests = [e for e in events if e["event"] == "phase" and e["phase"] in ("baseline", "test")]
    assert [(e["phase"], e["status"]) for e in tests] == [("baseline", "ok"), ("test", "not-run")]
    assert "not run: tests are not run on fork code (secrets are in reach)" in tests[1]["detail"]
    assert "commit" not in [e["phase"] for e in events if e["event"] == "phase"]
    assert not marker.exists()
    assert again.verdict is Verdict.SUGGESTED and again.session_id == outcome.session_id


def test_a_session_its_caller_lands_is_never_landed_by_a_resume(tmp_path: Path) -> None:
    """The Action asks for no landing (it pushes or suggests itself); a `--resume` of that session from the
    command line, which would land by default, gets the fix back and leaves the tree alone."""
    from support.anthropic_server import Reply

    project = make_project(tmp_path / "repo")
    head = project.head()
    with AnthropicServer() as server:
        server.script(*[Reply.overloaded() for _ in range(6)])  # the model is unreachable: a resumable stop
        first = run_fix(FixRequest(root=project.root, land=False, api_key="test-key", base_url=server.base_url,
                                   progress=False))
        assert first.resumable, first.reason
        server.script(GOOD_FIX)
        again = run_fix(FixRequest(root=project.root, resume=True, api_key="test-key", base_url=server.base_url,
                                   progress=False))
    assert again.verdict is Verdict.READY and again.fix is not None, again.reason
    assert project.head() == head and project.status() == ""  # nothing applied to the work tree
