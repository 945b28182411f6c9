"""Run the fix pipeline on the checked-out PR head and deliver its result: a pushed commit (same-repository
PRs), review suggestions (forks), or one escalation review with the evidence.

On a fork the pipeline runs with `run_tests=False`: the fork's code is never executed in this job (which holds
the tokens); a fix that passes every static check comes back "suggested" and becomes review suggestions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import GitError
from bot.github import git_ops
from bot.github.api import GitHubClient
from bot.github.events import PullRequest
from bot.github.publish import escalation_review
from bot.github.push import push_to_pull
from bot.github.settings import INPUT_VARS, Settings
from bot.github.suggestions import offer_suggestions
from bot.report.markdown import code_span, fence, plain
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.config import Config
    from bot.pipeline.outcome import Fix, FixOutcome

# Credentials dropped from the environment before a fork's fix (defence in depth: its code does not run).
SECRET_VARS = (INPUT_VARS["github-token"], INPUT_VARS["anthropic-api-key"], "GITHUB_TOKEN", "ANTHROPIC_API_KEY",
               "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL")


@dataclass(frozen=True)
class Delivered:
    verdict: Verdict  # COMMITTED | SUGGESTED | ESCALATED | CLEAN | FAILED | NOT_PUSHED
    markdown: str
    confidence: float | None = None
    commit_sha: str | None = None


def deliver_fix(settings: Settings, client: GitHubClient, root: Path, pr: PullRequest, how: str,
                config: Config, *, instructions: str, requested_by: str) -> Delivered:
    """`config` is the run's one trusted configuration (the base branch's, with the Action's inputs). The pipeline
    lands nothing here: its `Fix` comes back and `how` picks the landing (`push` or `suggest`)."""
    from bot.pipeline.session import FixRequest, run_fix

    if pr.is_fork:
        _out_of_reach(root)
    outcome = run_fix(FixRequest(root=root, instructions=instructions, commit=False, land=False,
                                 run_tests=not pr.is_fork, api_key=settings.anthropic_api_key,
                                 base_url=settings.anthropic_base_url, config=config.fix,
                                 base_config=config, unprotect=settings.unprotect_paths))  # logs on stderr
    summary = _outcome_md(outcome)
    verdict, fix = outcome.verdict, outcome.fix
    if fix is not None and verdict is Verdict.READY and how == "push":
        return _push(settings, root, pr, fix, requested_by, summary)
    if fix is not None and verdict in (Verdict.READY, Verdict.SUGGESTED):  # may not be pushed: suggestions
        offered = offer_suggestions(client, root, pr, fix)
        return Delivered(Verdict.SUGGESTED, f"{summary}\n\nOffered as {offered.suggestions} suggestion(s) in review "
                                            f"{offered.review} (fork pull request: nothing pushed).", fix.score)
    if pr.is_fork and verdict is Verdict.FAILED and outcome.attempts == 0 and not instructions.strip():
        return Delivered(Verdict.FAILED, f"{summary}\n\nThe fork's tests are not run here, so there are no failures to "
                                   "go on: say what to fix, e.g. `/agent fix the parser drops the last line`.")
    if verdict in (Verdict.ESCALATED, Verdict.FAILED) and outcome.report_markdown.strip():
        title = "no confident fix; a person should look" if verdict is Verdict.ESCALATED else "the fix failed"
        review = escalation_review(client, pr.number, pr.head_sha, title, outcome.report_markdown)
        summary += f"\n\nThe evidence is in review {review}."
    final = verdict if verdict in (Verdict.ESCALATED, Verdict.CLEAN, Verdict.FAILED) else Verdict.FAILED
    return Delivered(final, summary, outcome.confidence)


def _push(settings: Settings, root: Path, pr: PullRequest, fix: Fix, requested_by: str, summary: str) -> Delivered:
    who = git_ops.Identity(settings.bot_name, settings.bot_email)
    try:
        sha = push_to_pull(root, pr, fix, who, requested_by)
    except git_ops.BranchMoved as exc:
        print(f"::warning title=Yantra::{exc}", flush=True)
        return Delivered(Verdict.NOT_PUSHED, f"{summary}\n\n**Not pushed**: {exc}. Comment `/agent fix` again "
                                             "to fix the new head.", fix.score)
    except GitError as exc:
        return Delivered(Verdict.NOT_PUSHED, f"{summary}\n\n**Not pushed**: {exc}", fix.score)
    link = f"[{sha[:12]}]({settings.server_url}/{settings.repository}/commit/{sha})"
    return Delivered(Verdict.COMMITTED, f"{summary}\n\nPushed {link} to {code_span(pr.head_ref)}.", fix.score, sha)


def _suggested_how(outcome: FixOutcome) -> str:
    """Why a fix is only suggested: it edits the tests that judge it, or its tests were not run."""
    if outcome.test_files:
        return "offered as suggestions because it edits test files"
    return "validated statically (tests not run)"


def _outcome_md(outcome: FixOutcome) -> str:
    conf = "n/a" if outcome.confidence is None else f"{outcome.confidence:.2f}"
    verdict = {Verdict.READY: "validated", Verdict.APPLIED: "validated", Verdict.COMMITTED: "validated",
               Verdict.SUGGESTED: _suggested_how(outcome)}.get(outcome.verdict, str(outcome.verdict))
    lines = [f"**Fix**: {verdict} after {outcome.attempts} attempt(s), confidence {conf}."]
    if outcome.test_files:
        lines.append("**It changes test files** — review them first; a fix that edits the tests that judge it is "
                     "never pushed: " + ", ".join(code_span(p) for p in outcome.test_files))
    if outcome.reason:
        lines.append(plain(outcome.reason))
    if outcome.breakdown:
        lines += ["", "| factor | value |", "| --- | --- |"]
        lines += [f"| {k} | {v:.2f} |" for k, v in outcome.breakdown.items()]
    if outcome.patch.strip():
        lines += ["", "<details><summary>the patch</summary>", "", fence(outcome.patch.strip(), "diff"),
                  "</details>"]
    if outcome.fix is not None and outcome.report_markdown.strip():
        lines += ["", "<details><summary>how the fix was validated</summary>", "",
                  outcome.report_markdown.strip(), "", "</details>"]
    return "\n".join(lines)


def _out_of_reach(root: Path) -> None:
    """Before a fork's fix: drop credentials from the environment and the token actions/checkout persisted in
    the local git config. The pipeline does not run the fork's code and the fix is never pushed for a fork;
    this keeps the tokens out of reach should any tool it runs misbehave."""
    for name in SECRET_VARS:
        os.environ.pop(name, None)
    git_ops.drop_persisted_credentials(root)
