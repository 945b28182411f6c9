"""The fix session's event log: one JSON object per line, or readable text, plus a phase line on a terminal.

Events are dicts with at least `event` and `session`; phase events add phase, attempt, status, duration,
tokens and cost; LLM attempt events come from the client's `on_event` hook; a `timings` event per attempt
(attempt 0: what comes before the first) gives the seconds of each step (`Step`), from a `Stopwatch`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, TextIO

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class EventLog:
    def __init__(self, fmt: str = "text", *, stream: TextIO | None = None,
                 sink: Callable[[dict[str, Any]], None] | None = None, progress: bool | None = None) -> None:
        if fmt not in ("text", "json"):
            raise ValueError(f"log format must be text or json, not {fmt!r}")
        self.fmt = fmt
        self.stream = stream if stream is not None else sys.stderr
        self.sink = sink
        self.session = ""
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._progress = Progress(self.stream) if (progress if progress is not None else is_tty) else None
        self.events: list[dict[str, Any]] = []

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, "session": self.session, "time": round(time.time(), 3), **fields}
        self.events.append(record)
        if self.sink is not None:
            self.sink(record)
        line = json.dumps(record, default=str) if self.fmt == "json" else format_text(record)
        if self._progress is not None:
            self._progress.write(line + "\n")
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def llm_event(self, event: dict[str, Any]) -> None:
        """The LLM client's `on_event` hook (attempts, retries, failover, cache hits)."""
        fields = dict(event)
        name = str(fields.pop("event", fields.pop("type", "llm")))
        self.emit(name if name.startswith("llm") else f"llm.{name}", **fields)

    def phase_started(self, phase: str, attempt: int) -> None:
        if self._progress is not None:
            label = phase if attempt == 0 else f"attempt {attempt}: {phase}"
            self._progress.start(label)

    def phase_finished(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def timings(self, times: StepTimes) -> None:
        self.emit("timings", **times.to_json())

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


class Step(str, Enum):
    """A timed step of a fix run. Steps of one attempt may overlap (semgrep and safety run during the tests)."""

    BASELINE = "baseline"  # the gate over the repository and its test suite, before any fix
    GRAPH = "graph"  # loading the dependency graph (once per run)
    TRACE = "trace"  # the failing tests' files run once more, recording what they ran (for the context)
    CONTEXT = "context"  # assembling the prompt context from the graph
    CLIENT = "client"  # making the model client (the SDK itself is imported on the first request)
    MODEL = "model"  # the model request: SDK import on the first one, network, the model's latency
    PARSE = "parse"  # parsing the answer into edits
    WORKTREE = "worktree"  # the scratch worktree and its seeded graph
    APPLY = "apply"  # applying the edits
    GATE = "gate"  # the gate on the changed files and their dependents
    PROTECTED = "protected"  # protected paths
    SECRETS = "secrets"  # detect-secrets on the diff
    SEMGREP = "semgrep"  # semgrep on the changed files (with the tests when they run in a sandbox)
    SAFETY = "safety"  # safety on the declared dependencies
    WEAKENING = "weakening"  # the static test-weakening check
    TESTS = "tests"  # the related tests, then the suite
    CONFIDENCE = "confidence"  # the judgement
    LAND = "land"  # applying (and committing) the accepted patch


@dataclass(frozen=True)
class StepTimes:
    """Seconds per step of one attempt, and its wall time (less than the sum when steps overlapped)."""

    attempt: int
    seconds: dict[Step, float]
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {"attempt": self.attempt, "seconds": {s.value: round(t, 3) for s, t in self.seconds.items()},
                "wall": round(self.wall, 3)}


class Stopwatch:
    """Collects step times for the attempt in progress; `measure` may be used from several threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._attempt = 0
        self._started = clock()
        self._seconds: dict[Step, float] = {}

    def begin(self, attempt: int) -> None:
        with self._lock:
            self._attempt, self._started, self._seconds = attempt, self._clock(), {}

    def add(self, step: Step, seconds: float) -> None:
        with self._lock:
            self._seconds[step] = self._seconds.get(step, 0.0) + seconds

    @contextmanager
    def measure(self, step: Step) -> Iterator[None]:
        started = self._clock()
        try:
            yield
        finally:
            self.add(step, self._clock() - started)

    def end(self) -> StepTimes:
        """The times of the attempt begun last; the watch then starts over for the same attempt."""
        with self._lock:
            times = StepTimes(self._attempt, dict(self._seconds), self._clock() - self._started)
            self._started, self._seconds = self._clock(), {}
        return times


def format_text(record: dict[str, Any]) -> str:
    event = record.get("event", "")
    if event == "phase":
        where = record["phase"] if not record.get("attempt") else f"attempt {record['attempt']} {record['phase']}"
        parts = [f"{record.get('duration', 0.0):.1f}s"]
        if record.get("tokens"):
            parts.append(f"{record['tokens']} tokens, ${record.get('cost', 0.0):.4f}")
        if record.get("resumed"):
            parts.append("resumed from the saved state")
        detail = f": {record['detail']}" if record.get("detail") else ""
        return f"yantra fix: {where} {record.get('status', '')} ({', '.join(parts)}){detail}"
    if event == "outcome":
        return f"yantra fix: {record.get('verdict')} — {record.get('reason', '')} (session {record['session']})"
    if event == "timings":
        where = f"attempt {record['attempt']}" if record.get("attempt") else "before the first attempt"
        steps = ", ".join(f"{k} {v:.2f}s" for k, v in dict(record.get("seconds", {})).items())
        return f"yantra fix: {where} took {record.get('wall', 0.0):.1f}s ({steps})"
    rest = {k: v for k, v in record.items() if k not in ("event", "session", "time")}
    return f"yantra fix: {event} " + " ".join(f"{k}={v}" for k, v in rest.items())


class Progress:
    """A spinner and the current phase on one terminal line, redrawn by a daemon thread."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._label = ""
        self._started = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, label: str) -> None:
        self.stop()
        self._label, self._started = label, time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        i = 0
        while not self._stop.wait(0.1):
            with self._lock:
                elapsed = time.monotonic() - self._started
                self.stream.write(f"\r\x1b[2K{SPINNER[i % len(SPINNER)]} {self._label} ({elapsed:.0f}s)")
                self.stream.flush()
            i += 1

    def clear(self) -> None:
        with self._lock:
            self.stream.write("\r\x1b[2K")

    def write(self, text: str) -> None:
        """Print `text` above the progress line (which the thread redraws on its next tick)."""
        with self._lock:
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self.clear()
