"""What a rejected attempt tells the next one, and the one-line status of each phase for the event log."""

from __future__ import annotations

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

MAX_FAILURES = 5
MAX_EXCERPT_LINES = 30
MAX_PATCH_CHARS = 6000
# Notes of the confidence phase that are evidence about the code (not about the score).
EVIDENCE_NOTES = ("still failing after the fix", "tests not run", "complexity of")


def feedback_for(attempt: Attempt) -> str:
    """The errors of `attempt`, written for the model's next try."""
    gen, val, tests = attempt.generation, attempt.validation, attempt.tests
    parts: list[str] = []
    if gen is not None and gen.malformed:
        parts.append(f"Your answer could not be used: {gen.malformed}. Answer strictly in the edit format "
                     "described in the instructions.")
        return "\n\n".join(parts)
    if val is not None and val.patch:
        patch = val.patch if len(val.patch) <= MAX_PATCH_CHARS else val.patch[:MAX_PATCH_CHARS] + "\n[...]"
        parts.append(f"Your previous patch (it was NOT applied):\n```diff\n{patch.rstrip()}\n```")
    if val is not None and not val.ok:
        parts.append(f"It failed validation: {val.reason}")
        parts += [f"- new gate error: {g}" for g in val.new_gate_errors]
    if tests is not None:
        parts += _test_feedback(tests)
    if attempt.security is not None:
        findings = [f for r in attempt.security.results for f in r.findings]
        parts += [f"- security finding ({f.scanner} {f.rule}, {f.severity}) at {f.path}:{f.line}: {f.message}"
                  for f in findings]
    if attempt.judgement is not None:
        parts += [f"- rejected: {b}" for b in attempt.judgement.blockers]
        if not attempt.judgement.blockers:  # the evidence, never the score (the model cannot argue a number up)
            parts += [f"- {n}" for n in attempt.judgement.notes if n.startswith(EVIDENCE_NOTES)]
            parts.append("- the checks did not show that the failure is fixed; make the failing tests above pass "
                         "without changing the tests")
    return "\n".join(parts)


def _test_feedback(tests: TestOutcome) -> list[str]:
    parts: list[str] = []
    if tests.regressions:
        parts.append("These tests passed before your patch and FAIL with it: " + ", ".join(tests.regressions))
    if tests.weakened:
        parts.append("Your patch weakens the tests that judge it (refused; fix the code, not the tests):\n"
                     + "\n".join(f"- {w}" for w in tests.weakened))
    final = tests.final
    if final.status == "error" and final.reason:
        parts.append(f"The test run did not complete: {final.reason}")
    for f in final.failures[:MAX_FAILURES]:
        excerpt = "\n".join(f.excerpt.splitlines()[-MAX_EXCERPT_LINES:])
        parts.append(f"FAILED {f.nodeid}: {f.message}\n{excerpt}".rstrip())
    return parts


def phase_detail(phase: str, result: object) -> tuple[str, str]:
    """(status, detail) of a phase result for the store and the event log."""
    if isinstance(result, Baseline):
        t = result.tests
        counts = ", ".join(f"{n} {k}" for k, n in sorted(t.counts.items())) or t.status
        if t.status == "not-run" and t.reason:
            counts = f"not run ({t.reason})"
        return "ok", f"tests {counts}; {len(result.gate_errors)} gate error(s)"
    if isinstance(result, ContextResult):
        return "ok", f"{result.tokens} tokens around {result.target or '(nothing)'}{'; ' + result.note if result.note else ''}"
    if isinstance(result, Generation):
        if result.malformed:
            return "failed", f"malformed answer: {result.malformed}"
        return "ok", f"{result.edit_count} edit(s), model confidence {result.confidence:.2f} ({result.model})"
    if isinstance(result, Validation):
        return ("ok" if result.ok else "failed"), result.reason or f"changed {', '.join(result.changed)}"
    if isinstance(result, TestOutcome):
        if result.final.status == "not-run" and not result.final.outcomes:
            return "not-run", f"not run: {result.final.reason or 'no tests'}"
        counts = ", ".join(f"{n} {k}" for k, n in sorted(result.final.counts.items())) or result.final.status
        extra = f"; regressions: {', '.join(result.regressions)}" if result.regressions else ""
        return ("ok" if result.ok else "failed"), counts + extra
    if isinstance(result, SecurityOutcome):
        findings = sum(len(r.findings) for r in result.results)
        unchecked = [r.scanner for r in result.results if r.status != "ok"]
        note = f"; not checked: {', '.join(unchecked)}" if unchecked else ""
        return ("ok" if not findings else "failed"), f"{findings} new finding(s){note}"
    if isinstance(result, Judgement):
        return "ok", f"score {result.score:.2f} -> {result.decision}" + (
            f"; {'; '.join(result.blockers)}" if result.blockers else "")
    verdict = getattr(result, "verdict", None)
    if verdict is not None:
        return "ok", f"{verdict} {getattr(result, 'commit_sha', '') or ''}".strip()
    return "ok", ""
