"""The state machine of one fix session. Each phase runs once per attempt and its result is stored;
a phase found in the store is loaded instead of run, which is how `--resume` skips finished work.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot import git_worktree as gitops
from bot.config import Config
from bot.errors import LLMError
from bot.pipeline.baseline import choose_target, failure_text, run_baseline, tests_not_run, traceback_files
from bot.pipeline.checks import (
    SecurityScans,
    apply_in_worktree,
    load_graph,
    run_checks_tests,
    run_security_checks,
    secrets_check,
    seed_graph,
    validate,
)
from bot.pipeline.context_phase import build_context
from bot.pipeline.events import EventLog, Step, Stopwatch
from bot.pipeline.feedback import feedback_for, phase_detail
from bot.pipeline.finish import commit_message
from bot.pipeline.generate import build_prompt, edits_of, generate
from bot.pipeline.judge import Evidence, changed_sources, judge, security_refusal
from bot.pipeline.landing import Landed, land_locally
from bot.pipeline.memory import Memory
from bot.pipeline.outcome import FIX_VERDICTS, Fix, FixOutcome
from bot.pipeline.protected import Protection
from bot.pipeline.report import attempt_problem, redacted, render_report
from bot.pipeline.results import (
    Attempt,
    Baseline,
    ContextResult,
    Generation,
    Judgement,
    SecurityOutcome,
    TestOutcome,
    Validation,
)
from bot.pipeline.state import PhaseRecord, SessionRecord, SessionStore
from bot.pipeline.weakening import static_findings, test_paths
from bot.scan.sandbox import Sandbox, detect, reachable_secrets
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.graph import Graph
    from bot.llm.client import LLMClient
    from bot.pipeline.tools import AttemptTools
    from bot.scan.trace import Trace

NO_KEY_REASON = "ANTHROPIC_API_KEY is not set: ran the checks only"
MAX_TRACED_FILES = 3  # the failing tests' files run again with the trace plugin, first failures first


class Stored(Protocol):
    def to_json(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Stored)


class Runner:
    def __init__(self, *, root: Path, config: Config, store: SessionStore, session: SessionRecord,
                 log: EventLog, instructions: str, commit: bool, api_key: str | None,
                 base_url: str | None, run_tests: bool = True, tests_reason: str = "",
                 unprotect: Sequence[str] = (), sandbox: Sandbox | None = None,
                 allow_unsandboxed: bool = False, land: bool = True) -> None:
        # `config` is the trusted configuration: validation and tests never read the patched tree's.
        self.root, self.config, self.fix = root, config, config.fix
        self.store, self.session, self.sid, self.log = store, session, session.id, log
        self.instructions = instructions
        # Without tests no repository code runs, and nothing is ever committed or applied.
        self.run_tests, self.tests_reason = run_tests, tests_reason
        self.commit = commit and run_tests
        # `land=False`: a fix that passed every check goes back to the caller as a `Fix` (verdict READY) and
        # lands nowhere here; the Action pushes it or offers it as review suggestions.
        self.land = land
        self.api_key, self.base_url = api_key, base_url
        self.protection = Protection.build(config.fix.protected_paths, unprotect)
        self.sandbox = sandbox if sandbox is not None else detect()
        self.allow_unsandboxed = allow_unsandboxed
        self.state_dir = gitops.git_dir(root) / "yantra"
        self.attempts: list[Attempt] = []
        self.baseline: Baseline | None = None
        self._client: LLMClient | None = None
        self._graph: Graph | None = None
        self._graph_loaded = False
        self._commit_sha: str | None = None
        self.watch = Stopwatch()  # step times, one `timings` event per attempt
        self.memory = Memory(self.state_dir / "learning.sqlite", embeddings=config.fix.embeddings)

    # -- the session ---------------------------------------------------------------------------------

    def run(self) -> FixOutcome:
        self.watch.begin(0)
        if self.api_key:  # a model will most likely be asked: its SDK loads while the baseline's tests run
            from bot.llm.provider import preload_sdk

            preload_sdk()
        try:
            return self._run()
        finally:
            self._emit_timings()

    def _run(self) -> FixOutcome:
        self._remove_stale_worktrees()
        with self.watch.measure(Step.BASELINE):
            baseline = self.baseline = self._phase("baseline", 0, lambda: run_baseline(
                self.root, self.config, run_tests=self.run_tests, tests_reason=self.tests_reason,
                sandbox=self.sandbox), Baseline.from_json)
        if not baseline.failing and not self.instructions.strip():
            if not self.run_tests:  # never "clean" when the tests were not run
                return self._result(Verdict.FAILED, f"nothing to fix that the static checks can see: the gate "
                                                    f"finds no error and the tests were not run "
                                                    f"({self.tests_reason}); say what to fix in the instructions")
            return self._result(Verdict.CLEAN, "nothing to fix: the gate and the tests pass")
        try:
            with self.watch.measure(Step.CLIENT):
                self._client = self._make_client()
        except LLMError as exc:
            if exc.transient:
                raise
            return self._checks_only()
        failure = failure_text(baseline)
        targets = [self.instructions, choose_target(baseline, "", self.root)]
        context = self._phase("context", 0, lambda: self._context(targets, failure), ContextResult.from_json)
        overlap = self._uncommitted_overlap([*context.files, *(g.path for g in baseline.gate_errors),
                                             *traceback_files(baseline, self.root)])
        if overlap:  # checked before any paid call
            return self._result(Verdict.FAILED, f"your uncommitted changes touch the code to fix "
                                                f"({', '.join(overlap)}): a fix commit must hold only its own "
                                                f"hunks; commit or stash them first, or run without --commit")
        for number in range(1, max(1, self.fix.max_attempts) + 1):
            self._emit_timings()
            self.watch.begin(number)
            attempt = self._attempt(number, context, failure)
            self.attempts.append(attempt)
            judgement = attempt.judgement
            if judgement is not None and judgement.decision == "commit" and self.run_tests:
                return self._land(attempt)
            if judgement is not None and judgement.decision == "suggest":
                return self._suggest(attempt)
            if judgement is not None and judgement.decision == "escalate":
                break
        return self._escalate()

    def failed(self, reason: str, *, resumable: bool) -> FixOutcome:
        return self._result(Verdict.FAILED, reason, resumable=resumable)

    def save_outcome(self, outcome: FixOutcome) -> None:
        self.store.save_phase(PhaseRecord(self.sid, 0, "outcome", outcome.verdict.value, time.time(), 0.0,
                                          outcome.to_json()))

    def _context(self, targets: Sequence[str], failure: str) -> ContextResult:
        with self.watch.measure(Step.GRAPH):
            graph = self.graph()
        with self.watch.measure(Step.TRACE):
            trace, note = self._trace()
        with self.watch.measure(Step.CONTEXT):
            return build_context(graph, targets, self.fix.context_budget, failure, trace, note)

    def _trace(self) -> tuple[Trace | None, str]:
        """What the failing tests ran: their files run once more (in the baseline's sandbox) with the trace
        plugin; (None, why) when that is off, not possible or failed."""
        from bot.scan.trace import TraceError, trace_tests, traceable_files

        if not self.fix.trace or not self.run_tests:
            return None, ""
        failing = [f.nodeid for f in self._baseline().tests.failures]
        files = traceable_files(self.root, failing)[:MAX_TRACED_FILES]  # checked before the cap: ids are the tests'
        if not files:
            return None, ""
        try:
            return trace_tests(self.root, files, command=self.fix.test_command, timeout=self.fix.test_timeout,
                               sandbox=self.sandbox), ""
        except TraceError as exc:
            return None, f"what the failing tests ran is not known: {exc}"

    def _emit_timings(self) -> None:
        times = self.watch.end()
        if times.seconds:
            self.log.timings(times)

    # -- one attempt ---------------------------------------------------------------------------------

    def _attempt(self, n: int, context: ContextResult, failure: str) -> Attempt:
        previous = feedback_for(self.attempts[-1]) if self.attempts else ""
        prompt = build_prompt(instructions=self.instructions, failures=failure, context=context.text,
                              feedback=previous, attempt=n)
        gen = self._phase("generate", n, lambda: generate(self.client(), prompt, self.root, self.watch,
                                                            self._tools(n)),
                          Generation.from_json)
        if gen.malformed:
            return Attempt(n, gen)
        stored = {p: self.store.phase(self.sid, n, p) for p in ("validate", "test", "security", "confidence")}
        if all(stored.values()):
            return self._loaded_attempt(n, gen)
        first = stored["validate"]
        if first is not None and not Validation.from_json(first.result).ok:
            return Attempt(n, gen, Validation.from_json(first.result))
        edits = edits_of(gen)
        making = time.monotonic()
        with gitops.scratch_worktree(self.root) as tree:
            self.store.add_worktree(self.sid, tree)
            seed_graph(self.root, tree, self.config)
            self.watch.add(Step.WORKTREE, time.monotonic() - making)
            try:
                return self._check_in(tree, n, gen, edits, replay=first is not None, failure=failure)
            finally:
                self.store.drop_worktree(self.sid, tree)

    def _check_in(self, tree: Path, n: int, gen: Generation, edits: Sequence[Any], *, replay: bool,
                  failure: str) -> Attempt:
        """Static gates first — gate, protected paths, secrets, test weakening, and semgrep unless the tests run in
        a sandbox (then beside them) — and only then, when none refused the change, its tests run."""
        baseline = self._baseline()
        if replay:  # validated before the run was killed: re-create the same tree, no new work
            apply_in_worktree(tree, edits)
        val = self._phase("validate", n, lambda: validate(tree, edits, baseline, self._dependents,
                                                          config=self.config, protection=self.protection,
                                                          root=self.root, watch=self.watch), Validation.from_json)
        if not val.ok:
            return Attempt(n, gen, val)
        security, tests = self._security_and_tests(tree, n, val, baseline)
        evidence = lambda: self._evidence(n, gen, val, tests, security, changed_sources(  # noqa: E731
            self.root, tree, val.changed), failure)
        with self.watch.measure(Step.CONFIDENCE):
            judgement = self._phase("confidence", n, lambda: judge(evidence()), Judgement.from_json)
        return Attempt(n, gen, val, tests, security, judgement)

    def _security_and_tests(self, tree: Path, n: int, val: Validation,
                            baseline: Baseline) -> tuple[SecurityOutcome, TestOutcome]:
        """The security phase, then the test phase — or, when the tests run in a sandbox, both at once: the
        secrets scan first (in-process, quick: a change it refuses never runs), then semgrep and safety in
        threads while the tests run. Without a sandbox every static check still finishes before any of the
        change's code runs."""
        if not self._overlap_scans() or self.store.phase(self.sid, n, "security") is not None:
            security = self._phase("security", n, lambda: run_security_checks(
                tree, val.changed, val.patch, self.root, self.watch), SecurityOutcome.from_json)
            return security, self._phase("test", n, lambda: self._tests(tree, val, security, baseline),
                                         TestOutcome.from_json)
        since = time.time(), time.monotonic()
        secrets = secrets_check(val.patch, self.watch)
        with SecurityScans(tree, val.changed, self.root, self.watch) as scans:
            tests = self._phase("test", n, lambda: self._tests(tree, val, SecurityOutcome((secrets,)), baseline),
                                TestOutcome.from_json)
            security = self._phase("security", n, lambda: scans.outcome(secrets), SecurityOutcome.from_json,
                                   since=since)
        return security, tests

    def _overlap_scans(self) -> bool:
        """semgrep may run beside the tests only when the tests cannot reach anything outside a sandbox."""
        return self.run_tests and self.sandbox.available

    def _tests(self, tree: Path, val: Validation, security: SecurityOutcome, baseline: Baseline) -> TestOutcome:
        test_files = test_paths(val.changed)

        def not_run(reason: str, weakened: Sequence[str] = ()) -> TestOutcome:
            return TestOutcome((), None, tests_not_run(reason), (), tuple(weakened), test_files, "not run")

        refusal = security_refusal(security)
        if refusal:
            return not_run("refused before running by the static checks: " + "; ".join(refusal))
        with self.watch.measure(Step.WEAKENING):
            weakened = static_findings(self.root, tree, val.changed, val.patch)
        if weakened:
            return not_run("refused before running: the change weakens tests", weakened)
        if not self.run_tests:
            return not_run(self.tests_reason)
        if not self.sandbox.available and not self.allow_unsandboxed:
            secrets = reachable_secrets(tree)
            if secrets:
                return not_run(f"sandbox: unavailable ({self.sandbox.reason}); model-written code is not run "
                               f"while a secret is reachable ({', '.join(secrets[:5])}); opt in with "
                               f"--allow-unsandboxed")
        graph = self.graph()
        with self.watch.measure(Step.TESTS):
            return run_checks_tests(tree, graph, val.changed, baseline, self.config, self.sandbox)

    def _loaded_attempt(self, n: int, gen: Generation) -> Attempt:
        def load(phase: str) -> dict[str, Any]:
            record = self.store.phase(self.sid, n, phase)
            assert record is not None
            self._emit_phase(record, resumed=True)
            return record.result

        return Attempt(n, gen, Validation.from_json(load("validate")), TestOutcome.from_json(load("test")),
                       SecurityOutcome.from_json(load("security")), Judgement.from_json(load("confidence")))

    def _evidence(self, n: int, gen: Generation, val: Validation, tests: TestOutcome,
                  security: SecurityOutcome, sources: dict[str, tuple[str | None, str]], failure: str) -> Evidence:
        history, note = self.memory.history(failure)
        return Evidence(attempt=n, max_attempts=self.fix.max_attempts, baseline=self._baseline(), generation=gen,
                        validation=val, tests=tests, security=security, history=history, history_note=note,
                        dependents=len(self._dependents(val.changed)), sources=sources,
                        require_fix=not self.instructions.strip(), tests_run=self.run_tests)

    # -- endings -------------------------------------------------------------------------------------

    def _fix(self, attempt: Attempt) -> Fix:
        """The attempt that passed, as the typed fix a landing takes."""
        judgement, gen, val, tests = attempt.judgement, attempt.generation, attempt.validation, attempt.tests
        assert judgement is not None and gen is not None and val is not None
        message = commit_message(summary=gen.explanation or self.instructions, explanation=gen.explanation,
                                 score=judgement.score, session_id=self.sid)
        return Fix(patch=val.patch, changed=tuple(val.changed), message=message, score=judgement.score,
                   breakdown=dict(judgement.breakdown), session_id=self.sid,
                   tests_ran=tests is not None and tests.ran, test_files=test_paths(val.changed))

    def _land(self, attempt: Attempt) -> FixOutcome:
        judgement = attempt.judgement
        assert judgement is not None
        fix = self._fix(attempt)
        overlap = self._uncommitted_overlap(fix.changed)
        if overlap:
            return self._suggest(attempt, f"it touches files with your uncommitted changes ({', '.join(overlap)}), "
                                          f"so it was not committed")
        if not self.land:
            return self._result(Verdict.READY, f"a fix passed every check (confidence {judgement.score:.2f}); "
                                               f"handed over to be landed", fix=fix)
        with self.watch.measure(Step.LAND):
            landed = self._phase("commit", attempt.number, lambda: land_locally(
                self.root, fix, commit=self.commit, no_verify=self.fix.commit_no_verify), Landed.from_json)
        self._commit_sha = landed.commit_sha
        if landed.verdict is Verdict.COMMITTED:
            reason = f"a fix passed every check (confidence {judgement.score:.2f}); committed {landed.commit_sha}"
        else:
            reason = (f"a fix passed every check (confidence {judgement.score:.2f}); it is applied to the working "
                      f"tree, not committed")
        return self._result(landed.verdict, reason, fix=fix)

    def _suggest(self, attempt: Attempt, why: str = "") -> FixOutcome:
        """A fix that passed every check that ran but may not land by itself: the patch is returned, the working
        tree is left as it was."""
        judgement, tests = attempt.judgement, attempt.tests
        assert judgement is not None
        if not why and tests is not None and tests.test_files and tests.ran:
            why = (f"it edits test files ({', '.join(tests.test_files)}), which is never committed automatically: "
                   f"review the test change")
        if not why:
            reason = tests.final.reason if tests is not None and tests.final.reason else self.tests_reason
            why = f"its tests were not run ({reason})"
        checks = "every check" if tests is not None and tests.ran else (
            "every static check (gate, protected paths, security scans, secrets, test weakening)")
        reason = f"a fix passed {checks} (confidence {judgement.score:.2f}), but {why}: it is a suggestion, not applied"
        return self._result(Verdict.SUGGESTED, reason, fix=self._fix(attempt))

    def _escalate(self) -> FixOutcome:
        last = self.attempts[-1] if self.attempts else None
        problem = attempt_problem(last) if last is not None else "no attempt was made"
        malformed = sum(1 for a in self.attempts if a.generation is not None and a.generation.malformed)
        extra = f" ({malformed} malformed answer(s))" if malformed else ""
        reason = (f"no fix passed every check in {len(self.attempts)} attempt(s){extra}; "
                  f"last attempt: {problem or 'not good enough'}")
        return self._result(Verdict.ESCALATED, reason)

    def _checks_only(self) -> FixOutcome:
        files = gitops.tracked_python_files(self.root)
        security = self._phase("security", 0, lambda: run_security_checks(self.root, files, "", None),
                               SecurityOutcome.from_json)
        self.attempts.append(Attempt(0, security=security))
        return self._result(Verdict.FAILED, NO_KEY_REASON)

    def _uncommitted_overlap(self, paths: Iterable[str]) -> list[str]:
        """The `paths` holding uncommitted work of the user's (only matters when the fix is to be committed)."""
        if not self.commit:
            return []
        return sorted(gitops.dirty_paths(self.root) & set(paths))

    def _result(self, verdict: Verdict, reason: str, *, resumable: bool = False, fix: Fix | None = None) -> FixOutcome:
        last = self.attempts[-1] if self.attempts else None
        judgement = last.judgement if last is not None else None
        val = last.validation if last is not None else None
        patch = val.patch if val is not None else ""
        assert (fix is not None) == (verdict in FIX_VERDICTS), f"{verdict} with fix={fix is not None}"
        if fix is None:  # a fix passed the secrets gate
            patch = redacted(patch)  # a rejected patch may carry a secret the model wrote
        report = ""
        notes = list(judgement.notes) if judgement is not None else []
        notes.append(f"sandbox: {self.sandbox.describe()}")
        if verdict is not Verdict.CLEAN:
            report = render_report(session_id=self.sid, verdict=verdict, reason=reason,
                                   phases=self.store.phases(self.sid), baseline=self.baseline,
                                   attempts=self.attempts)
            saved = self._save_report(report)
            notes += [f"report saved to {saved}"] if saved else []
        if not resumable:
            self._learn(verdict)
        changed = val.changed if val is not None else ()
        evidence = judgement.blockers if judgement is not None else (
            (val.reason,) if val is not None and not val.ok else ())
        return FixOutcome(verdict=verdict, confidence=judgement.score if judgement else None,
                          breakdown=dict(judgement.breakdown) if judgement else {}, commit_sha=self._commit_sha,
                          patch=patch, report_markdown=report, session_id=self.sid,
                          attempts=len([a for a in self.attempts if a.number > 0]), reason=reason,
                          message=fix.message if fix is not None else "", resumable=resumable, notes=tuple(notes),
                          changed=changed, test_files=test_paths(changed), evidence=tuple(evidence),
                          sandbox=self.sandbox.describe(), fix=fix)

    def _save_report(self, report: str) -> Path | None:
        path = self.state_dir / "reports" / f"{self.sid}.md"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(report, encoding="utf-8")
        except OSError as exc:
            self.log.emit("warning", message=f"could not save the report to {path}: {exc}")
            return None
        return path

    # -- phases and services -------------------------------------------------------------------------

    def _phase(self, name: str, attempt: int, compute: Callable[[], R], load: Callable[[dict[str, Any]], R], *,
               since: tuple[float, float] | None = None) -> R:
        """Run (or load the stored result of) one phase and record it. `since`: (wall, monotonic) time the phase's
        work began when it began before this call (a phase run concurrently with another)."""
        record = self.store.phase(self.sid, attempt, name)
        if record is not None:
            self._emit_phase(record, resumed=True)
            return load(record.result)
        self.store.update(self.sid, phase=name, attempt=attempt)
        self.log.phase_started(name, attempt)
        started, clock = since or (time.time(), time.monotonic())
        before = self._usage()
        try:
            result = compute()
        except Exception as exc:
            self.log.phase_finished()
            self.log.emit("phase", phase=name, attempt=attempt, status="error",
                          duration=round(time.monotonic() - clock, 3), detail=str(exc).splitlines()[0][:300])
            raise
        self.log.phase_finished()
        after = self._usage()
        status, _ = phase_detail(name, result)
        record = PhaseRecord(self.sid, attempt, name, status, started, round(time.monotonic() - clock, 3),
                             result.to_json(), after[0] - before[0], round(after[1] - before[1], 6))
        self.store.save_phase(record)
        self._emit_phase(record, resumed=False, result=result)
        return result

    def _emit_phase(self, record: PhaseRecord, *, resumed: bool, result: object = None) -> None:
        detail = phase_detail(record.phase, result)[1] if result is not None else ""
        self.log.emit("phase", phase=record.phase, attempt=record.attempt, status=record.status,
                      duration=record.duration, tokens=record.tokens, cost=record.cost, resumed=resumed,
                      detail=detail)

    def _usage(self) -> tuple[int, float]:
        if self._client is None:
            return 0, 0.0
        usage = self._client.usage
        return usage.tokens_in + usage.tokens_out, usage.dollars

    def _make_client(self) -> LLMClient:
        from bot.llm.client import make_client

        return make_client(self.fix, api_key=self.api_key, base_url=self.base_url, state_dir=self.state_dir,
                           session=self.sid,
                           on_event=self.log.llm_event)

    def client(self) -> LLMClient:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def _tools(self, n: int) -> AttemptTools | None:
        """The model's tools for attempt `n` (bot.pipeline.tools); their calls go to the event log."""
        from bot.pipeline.tools import attempt_tools, tool_event

        return attempt_tools(graph=self.graph(), root=self.root, config=self.config, store=self.store,
                             session=self.sid, attempt=n, sandbox=self.sandbox, run_tests=self.run_tests,
                             allow_unsandboxed=self.allow_unsandboxed, seconds_left=self.client().seconds_left,
                             on_call=lambda call: self.log.emit("tool", attempt=n, **tool_event(call)))

    def graph(self) -> Graph | None:
        if not self._graph_loaded:
            self._graph, self._graph_loaded = load_graph(self.root, self.config), True
        return self._graph

    def _dependents(self, changed: Sequence[str]) -> list[str]:
        graph = self.graph()
        if graph is None:
            return []
        found: set[str] = set()
        for path in changed:
            if path.endswith(".py"):
                found.update(graph.dependents_of_path(path))
        return sorted(found - set(changed))

    def _baseline(self) -> Baseline:
        assert self.baseline is not None
        return self.baseline

    def _learn(self, verdict: Verdict) -> None:
        if self.baseline is None or not self.attempts or verdict is Verdict.CLEAN or self.attempts[-1].number == 0:
            return
        self.memory.record(failure_text(self.baseline) or self.instructions, self.attempts, verdict, self.sid)

    def _remove_stale_worktrees(self) -> None:
        for tree in self.store.worktrees(self.sid):
            gitops.remove_worktree(self.root, tree)
            if tree.parent.name.startswith(gitops.WORKTREE_PREFIX):
                shutil.rmtree(tree.parent, ignore_errors=True)
            self.store.drop_worktree(self.sid, tree)
