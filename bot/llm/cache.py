"""Response cache: SQLite under the session's state directory, keyed by prompt hash + model + config hash.

A hit costs nothing; a resumed session asks the same questions and gets the stored answers back, so a
killed run never pays twice for the same call. Text that SQLite cannot store (a lone surrogate) is not cached:
the answer is still used, it just is not replayed.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

from bot.errors import LLMError
from bot.llm.provider import LLMRequest, LLMResponse

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    stop_reason TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def prompt_hash(request: LLMRequest) -> str:
    data = "\0".join((request.system, request.prompt, str(request.max_tokens)))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def cache_key(request: LLMRequest, model: str, config_hash: str) -> str:
    return hashlib.sha256(f"{prompt_hash(request)}\0{model}\0{config_hash}".encode()).hexdigest()


class ResponseCache:
    """Answers stored by key. `get` returns them with `cached=True` and zero cost."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30.0)
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise LLMError(f"cannot open the LLM response cache {path}: {exc}; check the state directory "
                           f"is writable or remove the file", transient=False) from exc

    def get(self, key: str) -> LLMResponse | None:
        try:
            row = self._db.execute(
                "SELECT model, text, input_tokens, output_tokens, stop_reason FROM responses WHERE key = ?",
                (key,)).fetchone()
        except sqlite3.Error as exc:
            raise LLMError(f"cannot read the LLM response cache {self.path}: {exc}", transient=False) from exc
        if row is None:
            return None
        return LLMResponse(text=row[1], model=row[0], input_tokens=row[2], output_tokens=row[3], cost_usd=0.0,
                           cached=True, stop_reason=row[4])

    def put(self, key: str, response: LLMResponse) -> bool:
        """Store `response`; False when it cannot be stored as text (then it is simply not cached)."""
        try:
            response.text.encode("utf-8")
            response.model.encode("utf-8")
        except UnicodeEncodeError:
            return False
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, response.model, response.text, response.input_tokens, response.output_tokens,
                 response.cost_usd, response.stop_reason, time.time()))
            self._db.commit()
        except sqlite3.Error as exc:
            raise LLMError(f"cannot write the LLM response cache {self.path}: {exc}", transient=False) from exc
        return True

    def close(self) -> None:
        self._db.close()
