"""`run_fix`: one fix session — baseline, context, then attempts of generate → validate → test → security →
confidence, ending in commit | escalate. The state is saved after every phase; `resume` continues a killed run
at the phase it was in, re-using stored model answers instead of paying for them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot import git_worktree as gitops
from bot.config import Config, FixConfig, load_config
from bot.errors import BudgetExceeded, LLMError, PipelineError, YantraError
from bot.pipeline.baseline import TESTS_NOT_RUN
from bot.pipeline.events import EventLog
from bot.pipeline.outcome import FixOutcome
from bot.pipeline.runner import Runner
from bot.pipeline.state import SessionRecord, SessionStore
from bot.scan.sandbox import detect

__all__ = ["FixOutcome", "FixRequest", "run_fix"]


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
    # False: the caller lands the fix (the Action: a push to the pull request, or review suggestions); a fix that
    # passes every check comes back as `outcome.fix` with the verdict READY and the working tree untouched.
    land: bool = True
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
    # Removing a default protected path (bot.pipeline.protected.DEFAULTS) takes this argument — the workflow's
    # input or the command line — never a repository setting.
    unprotect: Sequence[str] = ()
    sandbox: str = "auto"  # "auto" | "bubblewrap" | "unshare" | "none"
    allow_unsandboxed: bool = False  # run model-written code without a sandbox even while a secret is reachable


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
                        tests_reason=tests_reason, unprotect=request.unprotect, sandbox=detect(request.sandbox),
                        allow_unsandboxed=request.allow_unsandboxed,
                        # likewise a session whose caller lands the fix itself (the Action) never lands it here
                        land=bool(stored_request.get("land", True)) and request.land)
        log.emit("session", status="resumed" if request.resume else "started", root=str(root),
                 head=session.head, attempt=session.attempt, phase=session.phase,
                 sandbox=runner.sandbox.describe())
        # The credential actions/checkout persisted is out of .git/config while repository code may run; it is
        # back when the session ends, for the caller to push.
        with gitops.credentials_dropped(root):
            outcome = _run_classified(runner)
        if not outcome.resumable:
            store.update(session.id, status=outcome.verdict.value, phase="outcome")
        runner.save_outcome(outcome)
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
                                     "run_tests": request.run_tests, "tests_reason": request.tests_reason,
                                     "land": request.land})


def _run_classified(runner: Runner) -> FixOutcome:
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
