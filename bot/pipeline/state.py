"""Fix sessions persisted in SQLite (`<git-dir>/yantra/sessions.sqlite`), saved after every phase.

A phase record holds the phase's typed result as JSON, so a killed run resumes at the phase it was in
and never repeats a paid LLM call: the answer of each attempt is stored with its generate phase, and while the
model uses tools each of its turns and each tool result is stored as a step (`tool_steps`), so a run killed in
the middle of a tool conversation replays it instead of asking or running again.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import PipelineError
from bot.pipeline.outcome import SESSION_VERDICTS

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created REAL NOT NULL, root TEXT NOT NULL, head TEXT NOT NULL,
    request TEXT NOT NULL, status TEXT NOT NULL, phase TEXT NOT NULL, attempt INTEGER NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS phases (
    session TEXT NOT NULL REFERENCES sessions(id), attempt INTEGER NOT NULL, phase TEXT NOT NULL,
    status TEXT NOT NULL, started REAL NOT NULL, duration REAL NOT NULL, result TEXT NOT NULL,
    tokens INTEGER NOT NULL, cost REAL NOT NULL,
    PRIMARY KEY (session, attempt, phase)
);
CREATE TABLE IF NOT EXISTS worktrees (session TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (session, path));
CREATE TABLE IF NOT EXISTS tool_steps (
    session TEXT NOT NULL, attempt INTEGER NOT NULL, seq INTEGER NOT NULL, step TEXT NOT NULL,
    PRIMARY KEY (session, attempt, seq)
);
"""

FINISHED = frozenset(v.value for v in SESSION_VERDICTS)


@dataclass(frozen=True)
class SessionRecord:
    id: str
    created: float
    root: str
    head: str
    request: dict[str, Any]
    status: str  # "running" or one of FINISHED
    phase: str
    attempt: int

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class PhaseRecord:
    session: str
    attempt: int
    phase: str
    status: str  # "ok" | "failed" | "skipped" | "not-run"
    started: float
    duration: float
    result: dict[str, Any]
    tokens: int = 0
    cost: float = 0.0


class SessionStore:
    """One SQLite file per git working tree; every write is committed at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise PipelineError(f"cannot open the session store {path}: {exc}; delete it to start afresh") from exc

    @classmethod
    def for_git_dir(cls, git_dir: Path) -> SessionStore:
        return cls(git_dir / "yantra" / "sessions.sqlite")

    def close(self) -> None:
        self._db.close()

    def create(self, root: Path, head: str, request: dict[str, Any]) -> SessionRecord:
        now = time.time()
        sid = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + "-" + uuid.uuid4().hex[:6]
        self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, 'running', 'baseline', 0, ?)",
                         (sid, now, str(root), head, json.dumps(request), now))
        return self.get(sid)

    def get(self, session_id: str) -> SessionRecord:
        row = self._db.execute("SELECT id, created, root, head, request, status, phase, attempt FROM sessions "
                               "WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise PipelineError(f"no fix session {session_id!r} in {self.path}; "
                                f"run `yantra fix --resume` without an id to resume the latest one")
        return SessionRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7])

    def latest(self, *, unfinished: bool = True) -> SessionRecord | None:
        where = "WHERE status = 'running'" if unfinished else ""
        row = self._db.execute(f"SELECT id FROM sessions {where} ORDER BY created DESC, rowid DESC LIMIT 1"
                               ).fetchone()
        return self.get(row[0]) if row else None

    def update(self, session_id: str, *, status: str | None = None, phase: str | None = None,
               attempt: int | None = None) -> None:
        self._db.execute("UPDATE sessions SET status = coalesce(?, status), phase = coalesce(?, phase), "
                         "attempt = coalesce(?, attempt), updated = ? WHERE id = ?",
                         (status, phase, attempt, time.time(), session_id))

    def save_phase(self, record: PhaseRecord) -> None:
        self._db.execute("INSERT OR REPLACE INTO phases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (record.session, record.attempt, record.phase, record.status, record.started,
                          record.duration, json.dumps(record.result), record.tokens, record.cost))

    def phase(self, session_id: str, attempt: int, phase: str) -> PhaseRecord | None:
        row = self._db.execute("SELECT * FROM phases WHERE session = ? AND attempt = ? AND phase = ?",
                               (session_id, attempt, phase)).fetchone()
        return _phase_record(row) if row else None

    def phases(self, session_id: str) -> list[PhaseRecord]:
        rows = self._db.execute("SELECT * FROM phases WHERE session = ? ORDER BY started, rowid",
                                (session_id,)).fetchall()
        return [_phase_record(r) for r in rows]

    def tool_steps(self, session_id: str, attempt: int) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT step FROM tool_steps WHERE session = ? AND attempt = ? ORDER BY seq",
                                (session_id, attempt)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def save_tool_step(self, session_id: str, attempt: int, seq: int, step: dict[str, Any]) -> None:
        """Record step `seq` of an attempt's tool conversation (any later steps are dropped: they followed
        a different turn)."""
        self.truncate_tool_steps(session_id, attempt, seq)
        self._db.execute("INSERT INTO tool_steps VALUES (?, ?, ?, ?)",
                         (session_id, attempt, seq, json.dumps(step)))

    def truncate_tool_steps(self, session_id: str, attempt: int, seq: int) -> None:
        self._db.execute("DELETE FROM tool_steps WHERE session = ? AND attempt = ? AND seq >= ?",
                         (session_id, attempt, seq))

    def add_worktree(self, session_id: str, path: Path) -> None:
        """Remember a scratch worktree so a resumed run can remove it if this one is killed."""
        self._db.execute("INSERT OR IGNORE INTO worktrees VALUES (?, ?)", (session_id, str(path)))

    def drop_worktree(self, session_id: str, path: Path) -> None:
        self._db.execute("DELETE FROM worktrees WHERE session = ? AND path = ?", (session_id, str(path)))

    def worktrees(self, session_id: str) -> list[Path]:
        rows = self._db.execute("SELECT path FROM worktrees WHERE session = ?", (session_id,)).fetchall()
        return [Path(r[0]) for r in rows]


def _phase_record(row: tuple[Any, ...]) -> PhaseRecord:
    return PhaseRecord(session=row[0], attempt=row[1], phase=row[2], status=row[3], started=row[4],
                       duration=row[5], result=json.loads(row[6]), tokens=row[7], cost=row[8])
