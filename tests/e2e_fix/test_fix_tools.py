"""`yantra fix` with tools: the model reads the repository through the graph's tools and runs tests in the
sandbox before it answers; its answer is validated and committed like any other; the tool calls are in the JSON
log, the review and the session state, and a resumed run replays them instead of repeating them."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_fix.fixrepo import GOOD_FIX, Project, run_fix
from support.anthropic_server import AnthropicServer, Reply


def tool_events(run) -> list[dict[str, object]]:
    return [e for e in run.events() if e["event"] == "tool"]


def test_model_reads_a_symbol_then_its_patch_is_committed(project: Project, server: AnthropicServer) -> None:
    server.script(Reply.tool_use(("show_symbol", {"name": "calc.ops.add"})), GOOD_FIX)
    before = project.head()

    run = run_fix(project, server, "--commit", "--log-format", "json")

    assert run.code == 0, run.stdout + run.stderr
    assert "committed" in run.stdout and project.head() != before
    assert "return a + b" in (project.root / "calc/ops.py").read_text()
    first, second = server.message_requests
    assert "run_tests" in [t["name"] for t in first.tools] and "tool_use" not in first.text
    (result,) = second.tool_results
    assert not result["is_error"] and result["content"].startswith("# ---- calc/ops.py:1-3 add\n")
    (event,) = tool_events(run)
    assert event == {**event, "attempt": 1, "name": "show_symbol", "arguments": {"name": "calc.ops.add"},
                     "error": False, "seen": ["calc/ops.py:add"], "replayed": False}
    assert event["tokens"] > 0


def test_run_tests_runs_in_the_sandbox_and_hostile_node_ids_do_not(project: Project, server: AnthropicServer,
                                                                   tmp_path: Path) -> None:
    from bot.scan.sandbox import SandboxKind, detect

    sandbox = detect("bubblewrap")
    if sandbox.kind is not SandboxKind.BUBBLEWRAP:
        pytest.skip(f"bubblewrap does not work here: {sandbox.reason}")
    canary = Path("/tmp") / f"yantra-tools-canary-{tmp_path.name}"
    canary.unlink(missing_ok=True)  # the name repeats across runs: only this run's write may count
    project.write("tests/test_canary.py", "import pathlib\n\n\n"
                  "def test_writes_to_tmp():  # bubblewrap gives the run a private /tmp: the host never sees it\n"
                  f"    pathlib.Path({str(canary)!r}).write_text('x')\n")
    project.commit_all("a test that writes to /tmp")
    server.script(Reply.tool_use(("run_tests", {"node_ids": ["tests/test_ops.py::test_add",
                                                             "tests/test_canary.py"]}),
                                 ("run_tests", {"node_ids": ["--co"]}),
                                 ("run_tests", {"node_ids": ["-p", "calc.ops"]}),
                                 ("run_tests", {"node_ids": ["../../etc/passwd"]}),
                                 ("read_lines", {"path": "/etc/passwd", "start": 1, "end": 5})),
                  GOOD_FIX)

    run = run_fix(project, server, "--log-format", "json", "--sandbox", "bubblewrap")

    assert run.code == 0, run.stdout + run.stderr
    ran, *hostile = server.message_requests[1].tool_results
    assert not ran["is_error"], ran["content"]
    assert ran["content"].startswith("status: failed\npassed   tests/test_canary.py::test_writes_to_tmp\n"
                                     "failed   tests/test_ops.py::test_add\n")
    assert not canary.exists()  # the test ran inside the sandbox
    assert "FAILED tests/test_ops.py::test_add: assert -1 == 5" in ran["content"]
    assert [r["is_error"] for r in hostile] == [True] * 4
    assert "root:" not in server.message_requests[1].text  # nothing of /etc/passwd
    assert [e["error"] for e in tool_events(run)] == [False, True, True, True, True]
    assert any(e["event"] == "session" and e["sandbox"] == "bubblewrap" for e in run.events())


def test_the_cap_ends_tool_use_and_the_review_lists_the_calls(project: Project, server: AnthropicServer) -> None:
    project.write("pyproject.toml", (project.root / "pyproject.toml").read_text() + "max-tool-calls = 2\n")
    project.commit_all("cap the tool calls")
    server.script(Reply.tool_use(*[("search", {"query": "add numbers"})] * 5),
                  "not in the edit format at all")
    server.default = "still not in the edit format"

    run = run_fix(project, server, "--log-format", "json")

    assert run.code == 1, run.stdout + run.stderr
    final = server.message_requests[1]
    assert final.body["tool_choice"] == {"type": "none"}
    assert [r["is_error"] for r in final.tool_results] == [False, False, True, True, True]
    assert len(tool_events(run)) == 2
    report = (project.root / ".git" / "yantra" / "reports").glob("*.md")
    text = next(report).read_text()
    assert "- attempt 1: malformed answer" in text
    assert "  - tools: 2 call(s) (`search` x2)" in text  # model-chosen names shown as code


def test_a_killed_tool_conversation_resumes_without_repeating_calls(project: Project,
                                                                   server: AnthropicServer) -> None:
    server.script(Reply.tool_use(("show_symbol", {"name": "add"}),
                                 ("run_tests", {"node_ids": ["tests/test_ops.py::test_add"]})))
    server.default = Reply.overloaded()  # the model goes away after its tool calls: the run stops, resumable

    first = run_fix(project, server, "--log-format", "json")

    assert first.code == 1 and "fix --resume" in first.stdout, first.stdout + first.stderr
    assert [e["replayed"] for e in tool_events(first)] == [False, False]
    asked = len(server.message_requests)
    server.default = None
    server.script(GOOD_FIX)

    second = run_fix(project, server, "--resume", "--log-format", "json")

    assert second.code == 0, second.stdout + second.stderr
    assert len(server.message_requests) == asked + 1  # the tool turn was not asked for again
    assert [(e["name"], e["replayed"]) for e in tool_events(second)] == [("show_symbol", True),
                                                                          ("run_tests", True)]
    last = server.message_requests[-1]
    assert [r["is_error"] for r in last.tool_results] == [False, False]
    assert last.tool_results == server.message_requests[1].tool_results
    assert "return a + b" in (project.root / "calc/ops.py").read_text()
