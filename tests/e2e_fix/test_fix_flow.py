"""`yantra fix` end to end: a real repository, a real pytest run, a local Messages API server."""

from __future__ import annotations

import json

from e2e_fix.fixrepo import BREAKS_MUL, GOOD_FIX, Project, run_fix
from support.anthropic_server import AnthropicServer
from support.gitrepo import git


def test_correct_fix_is_committed_with_trailer(project: Project, server: AnthropicServer) -> None:
    server.script(GOOD_FIX)
    before = project.head()

    run = run_fix(project, server, "--commit", process=True)  # the command as users run it

    assert run.code == 0, run.stdout + run.stderr
    assert "committed" in run.stdout
    assert len(server.message_requests) == 1
    assert project.head() != before
    message = project.log_message()
    assert message.startswith("fix: ")
    assert "Yantra-Session: " in message
    assert "return a + b" in (project.root / "calc/ops.py").read_text()
    assert project.status() == ""
    assert project.worktrees() == [f"worktree {project.root}"]
    prompt = server.message_requests[0].text
    assert "tests/test_ops.py::test_add" in prompt
    assert "SEARCH" in prompt  # the edit format instructions are in the system prompt


def test_without_commit_the_fix_is_left_applied(project: Project, server: AnthropicServer) -> None:
    server.script(GOOD_FIX)
    before = project.head()

    run = run_fix(project, server)

    assert run.code == 0, run.stdout + run.stderr
    assert "applied" in run.stdout
    assert project.head() == before
    assert "return a + b" in (project.root / "calc/ops.py").read_text()
    assert project.status().strip() == "M calc/ops.py"


def test_fix_that_breaks_another_test_is_retried_with_that_failure(project: Project,
                                                                    server: AnthropicServer) -> None:
    server.script(BREAKS_MUL, GOOD_FIX)

    run = run_fix(project, server, "--commit")

    assert run.code == 0, run.stdout + run.stderr
    assert len(server.message_requests) == 2
    first, second = (r.text for r in server.message_requests)
    assert "previous attempt was rejected" not in first
    assert "previous attempt was rejected" in second
    assert "tests/test_ops.py::test_mul" in second  # the regression is fed back
    assert "return a + b" in second  # with the rejected patch
    ops = (project.root / "calc/ops.py").read_text()
    assert "return a + b" in ops and "return a * b" in ops


def test_nothing_failing_is_clean_without_a_model_call(project: Project, server: AnthropicServer) -> None:
    project.write("calc/ops.py", (project.root / "calc/ops.py").read_text().replace("a - b", "a + b"))
    project.commit_all("fixed by hand")

    run = run_fix(project, server)

    assert run.code == 0, run.stdout + run.stderr
    assert "clean" in run.stdout
    assert server.requests == []


def test_without_api_key_runs_the_checks_only(project: Project, server: AnthropicServer) -> None:
    run = run_fix(project, server, api_key=None)

    assert run.code == 1
    assert "ANTHROPIC_API_KEY is not set: ran the checks only" in run.stdout
    assert "tests/test_ops.py::test_add" in run.stdout  # the failing test is still reported
    assert "Security checks" in run.stdout
    assert server.requests == []


def test_json_log_has_one_event_per_line(project: Project, server: AnthropicServer) -> None:
    server.script(GOOD_FIX)

    run = run_fix(project, server, "--log-format", "json", process=True)  # every line of a real stderr

    assert run.code == 0, run.stdout + run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    events = [json.loads(ln) for ln in lines]
    assert all(e["session"] for e in events)
    phases = [(e["phase"], e["attempt"], e["status"]) for e in events if e["event"] == "phase"]
    names = [p[0] for p in phases]  # security and test run side by side when the tests are sandboxed
    assert names[:4] == ["baseline", "context", "generate", "validate"]
    assert sorted(names[4:6]) == ["security", "test"] and names[6:] == ["confidence", "commit"]
    timings = {e["attempt"]: e for e in events if e["event"] == "timings"}
    assert set(timings) == {0, 1}
    assert {"model", "apply", "gate", "secrets", "semgrep", "tests"} <= set(timings[1]["seconds"])
    assert timings[0]["seconds"]["trace"] > 0.1, timings[0]  # the failing test's file ran again, recording what it ran
    context = next(e for e in events if e["event"] == "phase" and e["phase"] == "context")
    assert context["status"] == "ok" and "not known" not in context.get("detail", "")
    generate = next(e for e in events if e["event"] == "phase" and e["phase"] == "generate")
    assert generate["tokens"] > 0 and generate["cost"] > 0
    assert any(e["event"] == "llm" and e["outcome"] == "ok" for e in events)
    outcome = events[-1]
    assert outcome["event"] == "outcome" and outcome["verdict"] == "applied"


def _uncommitted_work_in_the_buggy_file(project: Project) -> str:
    ops = (project.root / "calc/ops.py").read_text()
    project.write("calc/ops.py", ops.replace("a - b", "a + b"))
    project.commit_all("correct at HEAD")
    project.write("calc/ops.py", ops + "\n\ndef neg(a):\n    return -a\n")  # local: the bug plus new work
    project.write("tests/test_neg.py", "from calc.ops import neg\n\n\ndef test_neg():\n    assert neg(2) == -2\n")
    return project.head()


def test_fix_is_computed_against_uncommitted_changes(project: Project, server: AnthropicServer) -> None:
    _uncommitted_work_in_the_buggy_file(project)
    server.script(GOOD_FIX)

    run = run_fix(project, server)

    assert run.code == 0, run.stdout + run.stderr
    text = (project.root / "calc/ops.py").read_text()
    assert "return a + b" in text and "def neg(a):" in text  # the fix and the user's work, both kept
    assert (project.root / "tests/test_neg.py").exists()


def test_commit_stops_before_any_paid_call_when_uncommitted_work_touches_the_code(
        project: Project, server: AnthropicServer) -> None:
    head = _uncommitted_work_in_the_buggy_file(project)
    server.script(GOOD_FIX)

    run = run_fix(project, server, "--commit")

    assert run.code == 1, run.stdout + run.stderr
    assert "your uncommitted changes touch the code to fix (calc/ops.py)" in run.stdout
    assert server.message_requests == []  # said before any paid call
    assert project.head() == head
    assert "def neg(a):" in (project.root / "calc/ops.py").read_text()  # the user's work is untouched


def test_commit_holds_only_its_own_hunks(project: Project, server: AnthropicServer) -> None:
    """The user's unrelated uncommitted and staged work stays out of the fix commit."""
    project.write("calc/notes.py", "NOTE = 'wip'\n")
    project.write("README.md", "draft\n")
    project.commit_all("more files")
    project.write("calc/notes.py", "NOTE = 'still wip'\n")
    project.write("README.md", "staged draft\n")
    git(project.root, "add", "README.md")
    server.script(GOOD_FIX)

    run = run_fix(project, server, "--commit")

    assert run.code == 0, run.stdout + run.stderr
    assert git(project.root, "show", "--name-only", "--format=", "HEAD").split() == ["calc/ops.py"]
    assert "M  README.md" in project.status() and " M calc/notes.py" in project.status()


ADD_NEG = """Add neg.

calc/ops.py
<<<<<<< SEARCH
def mul(a, b):
=======
def neg(a):
    return -a


def mul(a, b):
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""


def test_instructions_on_a_green_repository(project: Project, server: AnthropicServer) -> None:
    project.write("calc/ops.py", (project.root / "calc/ops.py").read_text().replace("a - b", "a + b"))
    project.commit_all("green")
    server.script(ADD_NEG)

    run = run_fix(project, server, "Add", "a", "neg()", "function", "to", "calc/ops.py", "--commit")

    assert run.code == 0, run.stdout + run.stderr
    prompt = server.message_requests[0].text
    assert "Add a neg() function to calc/ops.py" in prompt
    assert "def mul(a, b):" in prompt  # the context was built from the file the instructions name
    assert "def neg(a):" in (project.root / "calc/ops.py").read_text()
    assert project.log_message().startswith("fix: add neg")
