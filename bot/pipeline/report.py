"""The markdown report of a session: phase table, confidence breakdown, failing tests, findings, last patch.

It is what an escalation posts as a review, and what the terminal shows when no fix was committed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.pipeline.results import Attempt, Baseline, SecurityOutcome
from bot.pipeline.state import PhaseRecord
from bot.report.markdown import code_span, fence, plain

MAX_EXCERPT_LINES = 25
MAX_ITEMS = 10


def render_report(*, session_id: str, verdict: str, reason: str, phases: Sequence[PhaseRecord],
                  baseline: Baseline | None, attempts: Sequence[Attempt]) -> str:
    lines = [f"## Yantra fix: {verdict}", "", plain(reason), "", f"Session `{session_id}`", ""]
    lines += _phase_table(phases)
    last = attempts[-1] if attempts else None
    if last is not None and last.judgement is not None:
        lines += _confidence(last)
    lines += _attempt_summaries(attempts)
    lines += _failing_tests(baseline, last)
    lines += _findings(baseline, last)
    if last is not None and last.validation is not None and last.validation.patch:
        lines += ["<details><summary>Last attempted patch (attempt "
                  f"{last.number})</summary>", "", fence(last.validation.patch, "diff"), "",
                  "</details>", ""]
    return redacted("\n".join(lines).rstrip() + "\n")


def _phase_table(phases: Sequence[PhaseRecord]) -> list[str]:
    if not phases:
        return []
    rows = ["### Phases", "", "| attempt | phase | status | duration | tokens | cost |",
            "|---:|---|---|---:|---:|---:|"]
    for p in phases:
        if p.phase == "outcome":
            continue
        rows.append(f"| {p.attempt or '-'} | {p.phase} | {p.status} | {p.duration:.1f} s | {p.tokens} | "
                    f"${p.cost:.4f} |")
    return [*rows, ""]


def _confidence(attempt: Attempt) -> list[str]:
    judgement = attempt.judgement
    assert judgement is not None
    rows = ["### Confidence", "", f"Score **{judgement.score:.2f}** → decision `{judgement.decision}` "
            f"(attempt {attempt.number})", "", "| factor | value |", "|---|---:|"]
    rows += [f"| {name} | {value:.2f} |" for name, value in judgement.breakdown.items() if name != "score"]
    rows.append("")
    if judgement.blockers:
        rows += ["Hard gates that failed:", "", *[f"- {plain(b)}" for b in judgement.blockers], ""]
    return rows


def _attempt_summaries(attempts: Sequence[Attempt]) -> list[str]:
    if not attempts:
        return []
    attempts = [a for a in attempts if a.number > 0]  # attempt 0: the checks-only run
    if not attempts:
        return []
    rows = ["### Attempts", ""]
    for a in attempts:
        rows.append(f"- attempt {a.number}: {plain(attempt_problem(a)) or 'passed every check'}")
        if a.generation is not None and a.generation.tool_calls:
            from bot.pipeline.tools import summary

            rows.append(f"  - {summary(a.generation.tool_calls, a.generation.tools_seen)}")
    return [*rows, ""]


def attempt_problem(a: Attempt) -> str:
    """One line saying why an attempt was not good enough ('' when nothing was wrong)."""
    if a.generation is not None and a.generation.malformed:
        return f"malformed answer from the model ({a.generation.malformed})"
    if a.validation is not None and not a.validation.ok:
        return f"validation failed: {a.validation.reason}"
    if a.judgement is not None and a.judgement.blockers:
        return "; ".join(a.judgement.blockers)
    if a.judgement is not None and a.judgement.decision != "commit":
        return f"confidence {a.judgement.score:.2f} is below the commit threshold"
    return ""


def _failing_tests(baseline: Baseline | None, last: Attempt | None) -> list[str]:
    run = last.tests.final if last is not None and last.tests is not None else (baseline.tests if baseline else None)
    if run is None or not run.failures:
        return []
    title = "after the last attempt" if last is not None and last.tests is not None else "before the fix"
    rows = [f"### Failing tests ({title})", ""]
    for f in run.failures[:MAX_ITEMS]:
        excerpt = "\n".join(f.excerpt.splitlines()[-MAX_EXCERPT_LINES:])
        rows += [f"**{code_span(f.nodeid)}** — {plain(f.message)}", "", fence(excerpt), ""]
    return rows


def _findings(baseline: Baseline | None, last: Attempt | None) -> list[str]:
    rows: list[str] = []
    if last is not None and last.validation is not None and last.validation.new_gate_errors:
        rows += ["### New gate errors", "", *[f"- {code_span(str(g))}" for g in last.validation.new_gate_errors[:MAX_ITEMS]], ""]
    elif baseline is not None and baseline.gate_errors:
        rows += ["### Gate errors before the fix", "",
                 *[f"- {code_span(str(g))}" for g in baseline.gate_errors[:MAX_ITEMS]], ""]
    if baseline is not None and baseline.gate_status != "ok":
        rows += [f"Gate not checked: {plain(baseline.gate_reason)}", ""]
    if last is not None and last.security is not None:
        rows += security_section(last.security)
    return rows


def security_section(security: SecurityOutcome) -> list[str]:
    rows = ["### Security checks", "", "| scanner | status | findings |", "|---|---|---:|"]
    rows += [f"| {r.scanner} | {r.status}{' — ' + plain(r.reason) if r.status != 'ok' else ''} | {len(r.findings)} |"
             for r in security.results]
    rows.append("")
    for r in security.results:
        rows += [f"- **{f.severity}** {code_span(f'{f.path}:{f.line}')} {plain(f.scanner)}/{plain(f.rule)}: {plain(f.message)}"
                 for f in r.findings[:MAX_ITEMS]]
    return [*rows, ""]


def redacted(text: str) -> str:
    """`text` with secrets replaced by «REDACTED:<type>» (reports are posted where others read them)."""
    if not text:
        return text
    from bot.scan.secrets import redact

    return redact(text)[0]
