"""`run_fix`: one fix session — baseline, context, then attempts of generate → validate → test → security →
confidence, ending in commit | escalate. The state is saved after every phase; `resume` continues a killed run
at the phase it was in, re-using stored model answers instead of paying for them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config import Config, FixConfig, load_config
from bot.errors import BudgetExceeded, LLMError, PipelineError, YantraError
from bot.pipeline import gitops
from bot.pipeline.baseline import TESTS_NOT_RUN
from bot.pipeline.events import EventLog
from bot.pipeline.runner import Runner
from bot.pipeline.state import SessionRecord, SessionStore


@dataclass(frozen=True)
class FixRequest:
    """What to fix and how.

    `run_tests=False` never executes the repository's code (for code that must not run next to secrets, such as
    a fork's pull request): the baseline is the gate only, the test phase is recorded as not run with
    `tests_reason`, and a fix can at most be "suggested", never committed or applied.
    """

    root: Path
    instructions: str = ""
    commit: bool = False
    resume: bool = False
    run_tests: bool = True
    tests_reason: str = TESTS_NOT_RUN  # why the tests are not run, when run_tests is False
    api_key: str | None = None
    base_url: str | None = None
    config: FixConfig | None = None
    base_config: Config | None = None  # the whole trusted configuration (the Action: the base branch's)
    session_id: str | None = None
    log: Callable[[dict[str, Any]], None] | None = None
    log_format: str = "text"  # "text" | "json" (events on stderr)
    progress: bool | None = None  # spinner on stderr; None: only when stderr is a terminal


@dataclass(frozen=True)
class FixOutcome:
    """How a session ended.

    verdict:
      - "committed": a fix passed every check (gate, tests, security, confidence) and was committed;
      - "applied": the same, left applied to the working tree (the request did not ask for a commit);
      - "suggested": only with `run_tests=False` — a fix passed every static check (no new gate error, no new
        high-severity security finding, no secret in the diff, no protected path) but its tests were not run;
        the working tree is untouched and `patch` is the suggestion (the tests factor is 0, the score as is);
      - "escalated": no attempt was good enough; `report_markdown` holds the evidence;
      - "clean": nothing to fix (the gate and the tests pass, no instructions);
      - "failed": the run could not finish (no API key, budget, model unreachable, nothing to fix statically...).
    message: the conventional commit message of the fix ("fix: ...", `Yantra-Session:` trailer) when there is
    one (committed, applied, suggested), else "".
    """

    verdict: str  # "committed" | "applied" | "suggested" | "escalated" | "clean" | "failed"
    confidence: float | None
    breakdown: dict[str, float]
    commit_sha: str | None
    patch: str
    report_markdown: str
    session_id: str
    attempts: int
    reason: str
    message: str = ""
    resumable: bool = False  # a transient failure: `yantra fix --resume` may finish it
    notes: tuple[str, ...] = field(default=())  # how factors got their values; where the report was saved

    @property
    def ok(self) -> bool:
        return self.verdict in ("committed", "applied", "suggested", "clean")

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "notes": [str(n) for n in self.notes]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FixOutcome:
        return cls(**{**data, "notes": tuple(data.get("notes", ()))})


def run_fix(request: FixRequest) -> FixOutcome:
    """Run (or resume) a fix session in the repository containing `request.root`."""
    root = gitops.toplevel(request.root)
    store = SessionStore.for_git_dir(gitops.git_dir(root))
    log = EventLog(request.log_format, sink=request.log, progress=request.progress)
    try:
        session = _open_session(store, root, request)
        log.session = session.id
        if session.finished:
            stored = store.phase(session.id, 0, "outcome")
            if stored is not None:
                outcome = FixOutcome.from_json(stored.result)
                log.emit("outcome", verdict=outcome.verdict, reason=f"already finished: {outcome.reason}")
                return outcome
        config = request.base_config or load_config(root)
        fix_config = request.config or config.fix
        config = replace(config, fix=fix_config)
        stored_request = session.request
        # A session started without tests never runs them, whatever a resuming request says (and vice versa).
        run_tests = bool(stored_request.get("run_tests", True)) and request.run_tests
        tests_reason = str(stored_request.get("tests_reason") or request.tests_reason)
        runner = Runner(root=root, config=config, store=store, session=session, log=log,
                        instructions=str(stored_request.get("instructions", "")),
                        commit=bool(stored_request.get("commit", False) or request.commit) and run_tests,
                        api_key=request.api_key, base_url=request.base_url, run_tests=run_tests,
                        tests_reason=tests_reason)
        log.emit("session", status="resumed" if request.resume else "started", root=str(root),
                 head=session.head, attempt=session.attempt, phase=session.phase)
        result = _run_classified(runner)
        outcome = FixOutcome(**result)
        if not outcome.resumable:
            store.update(session.id, status=outcome.verdict, phase="outcome")
        runner.save_outcome(outcome.to_json(), outcome.verdict)
        log.emit("outcome", verdict=outcome.verdict, reason=outcome.reason, confidence=outcome.confidence,
                 commit=outcome.commit_sha, attempts=outcome.attempts)
        return outcome
    finally:
        log.close()
        store.close()


def _open_session(store: SessionStore, root: Path, request: FixRequest) -> SessionRecord:
    if request.resume:
        if request.session_id:
            return store.get(request.session_id)
        latest = store.latest(unfinished=True)
        if latest is None:
            raise PipelineError("there is no unfinished fix session to resume; run `yantra fix` to start one")
        return latest
    head = gitops.head_sha(root)
    return store.create(root, head, {"instructions": request.instructions, "commit": request.commit,
                                     "run_tests": request.run_tests, "tests_reason": request.tests_reason})


def _run_classified(runner: Runner) -> dict[str, Any]:
    """The runner's result; a failure becomes an outcome: transient ones resumable, permanent ones final."""
    try:
        return runner.run()
    except BudgetExceeded as exc:
        return runner.failed(f"budget exhausted: {exc}. The session is saved: raise the budget (e.g. "
                             f"--budget-calls) and run `yantra fix --resume` to continue", resumable=True)
    except LLMError as exc:
        if exc.transient:
            return runner.failed(f"the model could not be reached after retries and failover: {exc}. "
                                 f"The session is saved; run `yantra fix --resume` to continue", resumable=True)
        return runner.failed(f"the model call failed: {exc}", resumable=False)
    except YantraError as exc:
        return runner.failed(f"{type(exc).__name__}: {exc}", resumable=False)
