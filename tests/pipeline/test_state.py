"""The session store: sessions and phase records survive a reopen (that is what --resume reads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import PipelineError
from bot.pipeline.state import PhaseRecord, SessionStore


def test_session_and_phases_survive_reopening(tmp_path: Path) -> None:
    store = SessionStore.for_git_dir(tmp_path)
    session = store.create(tmp_path, "abc123", {"instructions": "fix it", "commit": True})
    store.save_phase(PhaseRecord(session.id, 1, "generate", "ok", 10.0, 1.5, {"text": "answer"}, 120, 0.01))
    store.update(session.id, phase="validate", attempt=1)
    store.close()

    again = SessionStore(tmp_path / "yantra" / "sessions.sqlite")
    loaded = again.get(session.id)
    assert (loaded.phase, loaded.attempt, loaded.status) == ("validate", 1, "running")
    assert loaded.request == {"instructions": "fix it", "commit": True}
    record = again.phase(session.id, 1, "generate")
    assert record is not None and record.result == {"text": "answer"} and record.tokens == 120
    assert again.phase(session.id, 2, "generate") is None
    assert again.latest() == loaded


def test_finished_sessions_are_not_resumed(tmp_path: Path) -> None:
    store = SessionStore.for_git_dir(tmp_path)
    first = store.create(tmp_path, "a", {})
    store.update(first.id, status="committed")
    assert store.latest() is None
    assert store.latest(unfinished=False) == store.get(first.id)


def test_unknown_session_says_what_to_do(tmp_path: Path) -> None:
    store = SessionStore.for_git_dir(tmp_path)
    with pytest.raises(PipelineError, match="--resume"):
        store.get("nope")


def test_worktrees_are_remembered_until_dropped(tmp_path: Path) -> None:
    store = SessionStore.for_git_dir(tmp_path)
    session = store.create(tmp_path, "a", {})
    store.add_worktree(session.id, tmp_path / "wt")
    assert store.worktrees(session.id) == [tmp_path / "wt"]
    store.drop_worktree(session.id, tmp_path / "wt")
    assert store.worktrees(session.id) == []


def test_tool_steps_survive_reopening_and_a_new_step_drops_the_later_ones(tmp_path: Path) -> None:
    store = SessionStore.for_git_dir(tmp_path)
    sid = store.create(tmp_path, "a", {}).id
    for seq, kind in enumerate(["model", "tool", "tool", "model"]):
        store.save_tool_step(sid, 1, seq, {"kind": kind, "seq": seq})
    store.save_tool_step(sid, 2, 0, {"kind": "model", "seq": 0})
    store.close()

    again = SessionStore(tmp_path / "yantra" / "sessions.sqlite")
    assert [s["kind"] for s in again.tool_steps(sid, 1)] == ["model", "tool", "tool", "model"]
    again.save_tool_step(sid, 1, 2, {"kind": "tool", "seq": 2, "new": True})  # the conversation went another way
    assert again.tool_steps(sid, 1) == [{"kind": "model", "seq": 0}, {"kind": "tool", "seq": 1},
                                        {"kind": "tool", "seq": 2, "new": True}]
    again.truncate_tool_steps(sid, 1, 0)
    assert again.tool_steps(sid, 1) == [] and len(again.tool_steps(sid, 2)) == 1
