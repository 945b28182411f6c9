"""What past fix sessions learned: every failure and its outcome, and the history factor drawn from them.

Similar failures are found by normalized error signature (exact, then token Jaccard) and, when an embedder
is given (the `ml` extra), by cosine similarity of real sentence embeddings. The history factor is the
smoothed success rate of the similar failures' fixes: (successes + 1) / (n + 2), 0.5 with no history.
"""

from __future__ import annotations

import re
import sqlite3
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

from bot.errors import PipelineError
from bot.pipeline.embeddings import Embedder, cosine

SUCCESS = frozenset({"fixed", "committed", "applied"})
FAILURE = frozenset({"failed", "escalated", "rejected", "retried"})
PENDING = frozenset({"open"})
JACCARD_MIN = 0.6
COSINE_MIN = 0.8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    session_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    error_text TEXT NOT NULL,
    outcome TEXT NOT NULL,
    fix_summary TEXT NOT NULL,
    embedding BLOB,
    embedding_model TEXT
);
CREATE INDEX IF NOT EXISTS failures_signature ON failures(signature);
"""


@dataclass(frozen=True)
class PastFailure:
    id: int
    error_text: str
    signature: str
    outcome: str
    fix_summary: str
    session_id: str
    similarity: float  # 1.0 for an identical signature
    method: str  # "signature" | "jaccard" | "embedding"


@dataclass(frozen=True)
class HistoryFactor:
    value: float
    n_similar: int
    method: str  # "signature" or "embedding"


_SUBSTITUTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"0x[0-9a-fA-F]+"), "<addr>"),
    (re.compile(r"File \"[^\"]*\""), "File <path>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:[\w.\-~]*[/\\])+[\w.\-]+"), "<path>"),
    (re.compile(r"\b[\w\-]+\.pyw?\b"), "<path>"),
    (re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'"), "<str>"),
    (re.compile(r"\b[0-9a-f]{8,}\b"), "<hex>"),
    (re.compile(r"(?<![\w<])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?"), "<n>"),
    (re.compile(r"[ \t]+"), " "),
)
_NOISE_LINE = re.compile(r"^[\s=_\-*~^]*$")
_WORD = re.compile(r"<\w+>|[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z0-9_]")


def normalize_signature(error_text: str) -> str:
    """The shape of an error: exception types and words kept; paths, line numbers, addresses, quoted
    values and numbers replaced by placeholders; separator lines, blank lines and repeats dropped."""
    lines: list[str] = []
    for raw in error_text.splitlines():
        line = raw
        for pattern, replacement in _SUBSTITUTIONS:
            line = pattern.sub(replacement, line)
        line = line.strip()
        if not line or _NOISE_LINE.match(line) or (lines and lines[-1] == line):
            continue
        lines.append(line)
    return "\n".join(lines)


def _tokens(signature: str) -> set[str]:
    return set(_WORD.findall(signature))


def jaccard(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 1.0


class LearningStore:
    """An SQLite file of past failures. Pass an `Embedder` (see `load_embedder()`) to match by meaning too."""

    def __init__(self, db_path: Path, *, embedder: Embedder | None = None) -> None:
        self.db_path = Path(db_path)
        self.embedder = embedder
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.db_path))
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise PipelineError(f"cannot open the learning store {self.db_path}: {exc}") from exc

    @property
    def method(self) -> str:
        return "embedding" if self.embedder is not None else "signature"

    def close(self) -> None:
        self._db.close()

    def record(self, error_text: str, outcome: str, *, fix_summary: str = "", session_id: str = "") -> int:
        """Store one failure and what came of it ("fixed"/"committed"/"applied", "failed"/"escalated"/
        "rejected"/"retried", or "open" while undecided). Returns the row id."""
        if outcome not in SUCCESS | FAILURE | PENDING:
            raise PipelineError(f"unknown learning outcome {outcome!r}; use one of "
                                f"{', '.join(sorted(SUCCESS | FAILURE | PENDING))}")
        blob, model = self._embed(error_text)
        with self._db:
            cur = self._db.execute(
                "INSERT INTO failures (created, session_id, signature, error_text, outcome, fix_summary,"
                " embedding, embedding_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), session_id, normalize_signature(error_text), error_text, outcome, fix_summary,
                 blob, model))
        return int(cur.lastrowid or 0)

    def set_outcome(self, row_id: int, outcome: str, *, fix_summary: str = "") -> None:
        if outcome not in SUCCESS | FAILURE | PENDING:
            raise PipelineError(f"unknown learning outcome {outcome!r}")
        with self._db:
            self._db.execute("UPDATE failures SET outcome = ?, fix_summary = ? WHERE id = ?",
                             (outcome, fix_summary, row_id))

    def similar(self, error_text: str, k: int = 5, *, decided_only: bool = False) -> list[PastFailure]:
        """The k most similar past failures, best first (identical signatures, then by similarity)."""
        return self._matches(error_text, decided_only)[:k]

    def history_factor(self, error_text: str) -> HistoryFactor:
        matches = self._matches(error_text, decided_only=True)
        successes = sum(1 for m in matches if m.outcome in SUCCESS)
        n = len(matches)
        return HistoryFactor((successes + 1) / (n + 2), n, self.method)

    def _matches(self, error_text: str, decided_only: bool) -> list[PastFailure]:
        signature = normalize_signature(error_text)
        query_vec = self._vector(error_text)
        self._backfill()
        rows = self._db.execute("SELECT id, error_text, signature, outcome, fix_summary, session_id, embedding,"
                                " embedding_model FROM failures").fetchall()
        found: list[PastFailure] = []
        for row_id, text, sig, outcome, summary, session, blob, model in rows:
            if decided_only and outcome in PENDING:
                continue
            sim, method = self._similarity(signature, sig, query_vec, text, blob, model)
            if sim is not None:
                found.append(PastFailure(row_id, text, sig, outcome, summary, session, sim, method))
        found.sort(key=lambda m: (-m.similarity, -m.id))
        return found

    def _similarity(self, signature: str, other: str, query_vec: list[float] | None, other_text: str,
                    blob: bytes | None, model: str | None) -> tuple[float | None, str]:
        if signature == other:
            return 1.0, "signature"
        best: tuple[float | None, str] = (None, "")
        j = jaccard(signature, other)
        if j >= JACCARD_MIN:
            best = (j, "jaccard")
        if query_vec is not None and self.embedder is not None:
            vec = _unpack(blob) if blob is not None and model == self.embedder.name else None
            if vec is None:
                vec = self.embedder.embed([_embedding_text(other_text)])[0]
            c = cosine(query_vec, vec)
            if c >= COSINE_MIN and (best[0] is None or c > best[0]):
                best = (c, "embedding")
        return best

    def _backfill(self) -> None:
        """Embed the rows recorded without this embedder (e.g. before the `ml` extra was installed)."""
        if self.embedder is None:
            return
        rows = self._db.execute("SELECT id, error_text FROM failures WHERE embedding IS NULL OR embedding_model"
                                " IS NOT ?", (self.embedder.name,)).fetchall()
        if not rows:
            return
        vectors = self.embedder.embed([_embedding_text(text) for _, text in rows])
        with self._db:
            self._db.executemany("UPDATE failures SET embedding = ?, embedding_model = ? WHERE id = ?",
                                 [(array("f", v).tobytes(), self.embedder.name, row_id)
                                  for (row_id, _), v in zip(rows, vectors, strict=True)])

    def _vector(self, error_text: str) -> list[float] | None:
        if self.embedder is None:
            return None
        return self.embedder.embed([_embedding_text(error_text)])[0]

    def _embed(self, error_text: str) -> tuple[bytes | None, str | None]:
        vec = self._vector(error_text)
        if vec is None or self.embedder is None:
            return None, None
        return array("f", vec).tobytes(), self.embedder.name


def _embedding_text(error_text: str) -> str:
    """What is embedded: the normalized signature's last lines (where the exception and message are)."""
    return "\n".join(normalize_signature(error_text).splitlines()[-12:])


def _unpack(blob: bytes) -> list[float]:
    vec = array("f")
    vec.frombytes(blob)
    return list(vec)
