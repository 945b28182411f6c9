"""Confidence phase: the five factors of a candidate fix, its hard gates, and commit / retry / escalate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import PipelineError
from bot.pipeline import confidence as conf
from bot.pipeline.checks import still_failing
from bot.pipeline.results import Baseline, Generation, Judgement, SecurityOutcome, TestOutcome, Validation

# A scanner whose silence we cannot accept as "no finding"; safety only reads declared dependencies,
# so its "not checked" is reported but does not block a code fix.
BLOCKING_SCANNERS = ("semgrep", "secrets")


@dataclass(frozen=True)
class Evidence:
    """What the confidence phase weighs, gathered by the session from the earlier phases."""

    attempt: int
    max_attempts: int
    baseline: Baseline
    generation: Generation
    validation: Validation
    tests: TestOutcome
    security: SecurityOutcome
    history: float
    history_note: str
    dependents: int
    sources: dict[str, tuple[str | None, str]]  # changed .py path -> (before, after)
    require_fix: bool = True  # no instructions: the point is to make failing tests pass
    tests_run: bool = True  # False: the repository's code was never run; the fix can at most be suggested


def judge(ev: Evidence) -> Judgement:
    notes: list[str] = [ev.history_note] if ev.history_note else []
    final = ev.tests.final
    ran = final.status in ("passed", "failed")
    tests_value, tests_note = conf.pass_rate_factor(final.pass_rate if ran else None, final.reason or final.status)
    notes += [tests_note] if tests_note else []
    complexity, complexity_note = _complexity(ev.sources)
    notes += [complexity_note] if complexity_note else []
    llm, llm_note = conf.llm_factor(ev.generation.confidence, tests=tests_value if ran else None,
                                    test_files_changed=bool(ev.tests.test_files), weakened=bool(ev.tests.weakened))
    notes += [llm_note] if llm_note else []
    factors = conf.Factors(llm=llm, tests=tests_value, history=ev.history, complexity=complexity,
                           impact=conf.impact_factor(ev.dependents), notes=tuple(notes))
    blockers = list(conf.hard_gates(_gate_inputs(ev)))
    if ev.tests.weakened:
        blockers.append("weakened tests: " + "; ".join(ev.tests.weakened[:5])
                        + (" …" if len(ev.tests.weakened) > 5 else ""))
    fixed, unfixed = still_failing(ev.baseline, ev.tests)
    if unfixed and not fixed and ev.require_fix and ran:
        blockers.append("the fix makes no failing test pass; still failing: " + ", ".join(unfixed[:5]))
    elif unfixed:
        notes.append("still failing after the fix (counted in the tests factor): " + ", ".join(unfixed[:5]))
    if final.status == "error":
        blockers.append(f"the test run did not complete: {final.reason.splitlines()[0] if final.reason else ''}")
    if not ev.tests_run or not ran:
        return _static_judgement(ev, factors, blockers, notes)
    confidence = conf.score(factors, blockers)
    decision = conf.decide(confidence, ev.attempt, ev.max_attempts)
    action: str = decision.action
    reasons = decision.reasons
    if ev.tests.test_files and not blockers and confidence.score >= conf.RETRY_AT:
        # Its score is capped (the model's number counts at most 0.5), so it cannot reach the commit threshold.
        action = "suggest"
        reasons = ("the fix edits test files (" + ", ".join(ev.tests.test_files)
                   + "): never committed automatically, offered as a suggestion with the test change called out",)
    return Judgement(score=confidence.score, breakdown=confidence.breakdown(), decision=action,
                     blockers=tuple(blockers), notes=(*notes, *reasons))


def _static_judgement(ev: Evidence, factors: conf.Factors, blockers: list[str], notes: list[str]) -> Judgement:
    """No test ran: the regressions gate is not checked, so a fix can never be committed. When every static
    hard gate passes it is offered as a suggestion with its score as is (the tests factor is 0); otherwise
    the usual retry / escalate."""
    static = [b for b in blockers if not b.startswith("test regressions")]
    notes = [*notes, "hard gate not checked: test regressions (the tests were not run); never committed"]
    confidence = conf.score(factors, static)
    action: str = "suggest"
    reasons: tuple[str, ...] = ("every static hard gate passed: offered as a suggestion",)
    if static:
        decision = conf.decide(confidence, ev.attempt, ev.max_attempts)
        action, reasons = decision.action, decision.reasons
    return Judgement(score=confidence.score, breakdown=confidence.breakdown(), decision=action,
                     blockers=tuple(static), notes=(*notes, *reasons))


def security_lists(security: SecurityOutcome) -> tuple[list[str] | None, list[str] | None]:
    """(new high-severity findings, secrets in the diff); None where a blocking scanner did not check."""
    high: list[str] | None = []
    secrets: list[str] | None = []
    for result in security.results:
        if result.status != "ok" and result.scanner in BLOCKING_SCANNERS:
            if result.scanner == "secrets":
                secrets = None
            else:
                high = None
            continue
        for f in result.findings:
            where = f"{f.path}:{f.line} {f.rule}"
            if f.scanner == "secrets" and secrets is not None:
                secrets.append(where)
            elif f.severity == "high" and high is not None:
                high.append(f"{f.scanner} {where}")
    return high, secrets


def security_refusal(security: SecurityOutcome) -> list[str]:
    """The security hard gates that fail; a change they refuse is never executed."""
    high, secrets = security_lists(security)
    return [g for g in conf.hard_gates(conf.GateInputs(new_gate_errors=[], regressions=[], new_high_findings=high,
                                                       secrets_in_diff=secrets))]


def _gate_inputs(ev: Evidence) -> conf.GateInputs:
    high, secrets = security_lists(ev.security)
    not_checked = ev.tests.final.status == "error" or not ev.tests.ran
    regressions = None if not_checked else list(ev.tests.regressions)
    return conf.GateInputs(new_gate_errors=[str(g) for g in ev.validation.new_gate_errors],
                           regressions=regressions, new_high_findings=high, secrets_in_diff=secrets,
                           protected=list(ev.validation.protected))


def _complexity(sources: dict[str, tuple[str | None, str]]) -> tuple[float, str]:
    worst = 1
    for path, (before, after) in sources.items():
        try:
            worst = max(worst, conf.max_complexity(conf.changed_functions(before, after)))
        except PipelineError as exc:
            return 1.0, f"complexity of {path} unknown, counted as the worst: {exc}"
    return conf.complexity_factor(worst), ""


def changed_sources(root: Path, tree: Path, changed: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """(before, after) text of each changed Python file: before from the working tree, after from the worktree."""
    out: dict[str, tuple[str | None, str]] = {}
    for path in changed:
        if not path.endswith(".py") or not (tree / path).is_file():
            continue
        before = (root / path).read_text(encoding="utf-8", errors="replace") if (root / path).is_file() else None
        out[path] = (before, (tree / path).read_text(encoding="utf-8", errors="replace"))
    return out
