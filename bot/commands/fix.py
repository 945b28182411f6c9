"""`yantra fix`: ask a model for a fix of what fails, check it every way we can, apply or escalate."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.errors import UsageError
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.pipeline.outcome import FixOutcome

NO_TESTS_REASON = "--no-tests: the repository's code is not run"


@click.command("fix")
@click.argument("instructions", nargs=-1)
@click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Repository to fix (default: the current directory).")
@click.option("--commit", "commit", is_flag=True, help="Commit the fix (default: leave it applied).")
@click.option("--no-tests", "no_tests", is_flag=True,
              help="Never run the repository's code (e.g. code you do not trust): the fix is checked statically "
                   "(gate, security scans, secrets, protected paths) and printed as a suggestion, not applied.")
@click.option("--resume", "resume", is_flag=False, flag_value="", default=None, metavar="[SESSION_ID]",
              help="Resume the latest unfinished session (or SESSION_ID) where it stopped.")
@click.option("--max-attempts", type=click.IntRange(1, 20), default=None, help="Attempts before escalating.")
@click.option("--model", default=None, help="Model to ask first.")
@click.option("--fallback-model", default=None, help="Model to fail over to.")
@click.option("--budget-tokens", type=click.IntRange(1), default=None, help="Hard token budget for the run.")
@click.option("--budget-calls", type=click.IntRange(1), default=None, help="Hard budget of model requests.")
@click.option("--budget-dollars", type=click.FloatRange(0.0, min_open=True), default=None,
              help="Hard dollar budget for the run.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Neither read nor write the model-answer cache (.git/yantra/llm-cache.sqlite): every call is "
                   "paid for. The cache only ever replays answers within one session (for --resume).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              help="Events on stderr: readable text or one JSON object per line.")
@click.option("--sandbox", type=click.Choice(["auto", "bubblewrap", "unshare", "none"]), default="auto",
              help="How tests run: in a bubblewrap or unshare sandbox (no network, no secrets, private /proc); "
                   "auto picks the first that works here.")
@click.option("--allow-unsandboxed", is_flag=True,
              help="Run model-written code even without a sandbox while a secret is reachable.")
@click.option("--unprotect", multiple=True, metavar="DEFAULT",
              help="Allow the fix to edit one of the default protected paths (e.g. setup.cfg); repeatable.")
def fix(instructions: tuple[str, ...], repo: Path | None, commit: bool, no_tests: bool, resume: str | None,
        max_attempts: int | None, model: str | None, fallback_model: str | None, budget_tokens: int | None,
        budget_calls: int | None, budget_dollars: float | None, no_cache: bool, log_format: str, sandbox: str,
        allow_unsandboxed: bool, unprotect: tuple[str, ...]) -> int:
    """Fix the failing tests and gate errors (or do INSTRUCTIONS) with a model, checked before it lands.

    \b
    Verdicts:
      committed   the fix passed every check and was committed (--commit)
      applied     the fix passed every check and is applied to the working tree
      suggested   the fix passed every check that ran but may not land by itself: its
                  tests were not run (--no-tests, or no sandbox while a secret is
                  reachable), or it edits test files; it is printed as a patch and
                  NOT applied
      escalated   no attempt was good enough; the report shows the evidence
      clean       nothing to fix
      failed      the run could not finish (e.g. no API key, budget exhausted)

    With --no-tests there are no test failures to go on: say what to fix in INSTRUCTIONS.

    Exit status: 0 committed, applied, suggested or nothing to fix; 1 escalated or failed; 2 usage error.
    """
    from bot import git_worktree as gitops
    from bot.config import load_config
    from bot.pipeline.session import FixRequest, run_fix

    root = (repo or Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(f"--repo {root}: not a directory")
    if resume is not None and instructions:
        raise UsageError("--resume continues a saved session; do not pass INSTRUCTIONS with it")
    if no_tests and commit:
        raise UsageError("--no-tests never commits (a fix whose tests did not run is only a suggestion); "
                         "drop --commit, or drop --no-tests to run the tests")
    top = gitops.toplevel(root)
    overrides: dict[str, Any] = {"max_attempts": max_attempts, "model": model, "fallback_model": fallback_model,
                                 "max_tokens": budget_tokens, "max_calls": budget_calls,
                                 "max_dollars": budget_dollars, "cache": False if no_cache else None}
    config = replace(load_config(top).fix, **{k: v for k, v in overrides.items() if v is not None})
    request = FixRequest(root=top, instructions=" ".join(instructions), commit=commit, resume=resume is not None,
                         run_tests=not no_tests, tests_reason=NO_TESTS_REASON,
                         session_id=resume or None, api_key=os.environ.get("ANTHROPIC_API_KEY") or None,
                         base_url=os.environ.get("ANTHROPIC_BASE_URL") or None, config=config,
                         log_format=log_format, sandbox=sandbox, allow_unsandboxed=allow_unsandboxed,
                         unprotect=unprotect)
    outcome = run_fix(request)
    click.echo(summary(outcome))
    return 0 if outcome.ok else 1


def summary(outcome: FixOutcome) -> str:
    """The outcome for the terminal: verdict, reason, confidence breakdown, and the report when not landed."""
    lines = [f"yantra fix: {outcome.verdict} — {outcome.reason}"]
    if outcome.verdict is Verdict.APPLIED:
        lines[0] += " (run with --commit to commit it)"
    if outcome.breakdown:
        factors = ", ".join(f"{k} {v:.2f}" for k, v in outcome.breakdown.items() if k != "score")
        lines.append(f"confidence {outcome.confidence:.2f} ({factors})")
    lines += [f"  {note}" for note in outcome.notes]
    if outcome.commit_sha:
        lines.append(f"commit {outcome.commit_sha}")
    lines.append(f"session {outcome.session_id} ({outcome.attempts} attempt(s))")
    if outcome.resumable:
        lines.append("resume with: yantra fix --resume " + outcome.session_id)
    if outcome.verdict is Verdict.SUGGESTED:
        if outcome.test_files:
            lines += ["", f"The patch edits test files: {', '.join(outcome.test_files)} — check the test change."]
        lines += ["", "The suggested patch (not applied; review it, then `git apply` it):", "",
                  outcome.patch.rstrip()]
    if outcome.verdict in (Verdict.ESCALATED, Verdict.FAILED) and outcome.report_markdown:
        lines += ["", outcome.report_markdown.rstrip()]
    return "\n".join(lines)
