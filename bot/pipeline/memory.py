"""Learning phase: every failure and what came of it goes to the `LearningStore`; the history factor comes back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.pipeline.report import attempt_problem
from bot.pipeline.results import Attempt
from bot.verdict import Verdict


class Memory:
    """The learning store of one repository, with the embedding model loaded at most once per run."""

    def __init__(self, db_path: Path, *, embeddings: bool) -> None:
        self.db_path = db_path
        self.embeddings = embeddings
        self._embedder: Any = None
        self._loaded = False

    def history(self, failure: str) -> tuple[float, str]:
        """(history factor, a note saying where it came from)."""
        store = self._open()
        try:
            factor = store.history_factor(failure)
        finally:
            store.close()
        if factor.n_similar == 0:
            return factor.value, f"history: no similar past failure (0.5; matched by {factor.method})"
        return factor.value, f"history: {factor.n_similar} similar past failure(s) by {factor.method}"

    def record(self, failure: str, attempts: Sequence[Attempt], verdict: Verdict, session_id: str) -> None:
        """Each rejected attempt as "rejected", the last one with the session's verdict ("open" for a
        suggestion, whose tests never ran)."""
        store = self._open()
        try:
            for attempt in attempts[:-1]:
                store.record(failure, "rejected", fix_summary=attempt_problem(attempt), session_id=session_id)
            last = attempts[-1]
            summary = last.generation.explanation if last.generation is not None else ""
            # A suggestion's tests never ran: whether it works is not known, so it counts neither way.
            # A fix handed to the caller to land passed every check, tests included: a success.
            outcome = "open" if verdict is Verdict.SUGGESTED else "fixed" if verdict is Verdict.READY else verdict.value
            store.record(failure, outcome, fix_summary=summary or attempt_problem(last), session_id=session_id)
        finally:
            store.close()

    def _open(self) -> Any:
        from bot.pipeline.learning import LearningStore

        if self.embeddings and not self._loaded:  # loading the model takes seconds: once a run
            from bot.pipeline.embeddings import load_embedder

            self._embedder, self._loaded = load_embedder(), True
        return LearningStore(self.db_path, embedder=self._embedder)
