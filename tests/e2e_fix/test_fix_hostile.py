"""Hostile answers through `yantra fix` (a subprocess, the real SDK, the local Messages API server): the run ends
with exit 1 and verdict `failed` naming the reason, never exit 2 or a traceback; a fresh run after an escalation
asks the model again instead of replaying the rejected answers; `--no-cache` is documented."""

from __future__ import annotations

import pytest
from e2e_fix.fixrepo import GOOD_FIX, Project, run_fix
from support.anthropic_server import AnthropicServer, Reply


@pytest.mark.parametrize("body", ["html", "truncated_json", "invalid_utf8", "lone_surrogate"])
def test_hostile_bodies_fail_the_run_with_the_reason(project: Project, server: AnthropicServer, body: str) -> None:
    server.default = getattr(Reply, body)()
    run = run_fix(project, server)
    assert run.code == 1, run.stdout + run.stderr
    assert "yantra fix: failed" in run.stdout and "not a Messages API response" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert project.status() == ""


def test_a_fresh_run_after_an_escalation_asks_again(project: Project, server: AnthropicServer) -> None:
    server.default = "I think the bug is in add."  # malformed every time: escalated
    first = run_fix(project, server)
    assert first.code == 1 and "escalated" in first.stdout, first.stdout + first.stderr
    asked = len(server.message_requests)
    server.default = GOOD_FIX
    second = run_fix(project, server, "--log-format", "json")
    llm = [e for e in second.events() if e["event"] == "llm"]
    assert llm and all(e["outcome"] != "cache-hit" for e in llm), second.stderr
    assert len(server.message_requests) == asked + len(llm)
    # the same question as the first run's first one: only the session in the cache key kept it from a replay
    assert server.message_requests[asked].text == server.message_requests[0].text


def test_no_cache_is_documented_and_pays_for_every_call(project: Project, server: AnthropicServer) -> None:
    help_run = run_fix(project, None, "--help")
    assert "--no-cache" in help_run.stdout
    server.default = GOOD_FIX
    run = run_fix(project, server, "--no-cache")
    assert run.code == 0, run.stdout + run.stderr
    assert not (project.root / ".git" / "yantra" / "llm-cache.sqlite").exists()
