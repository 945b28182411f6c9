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
from bot.github.publish import escalation_review, suggestion_review
from bot.github.settings import INPUT_VARS, Settings
from bot.github.suggestions import commentable_lines, parse_blocks, to_suggestions
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.config import Config
    from bot.pipeline.session import FixOutcome

# Credentials dropped from the environment before a fork's fix (defence in depth: its code does not run).
SECRET_VARS = (INPUT_VARS["github-token"], INPUT_VARS["anthropic-api-key"], "GITHUB_TOKEN", "ANTHROPIC_API_KEY",
               "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL")


@dataclass(frozen=True)
class Delivered:
    verdict: Verdict  # committed | suggested | escalated | clean | failed | not-pushed
    markdown: str
    confidence: float | None = None
    commit_sha: str | None = None


def deliver_fix(settings: Settings, client: GitHubClient, root: Path, pr: PullRequest, how: str,
                config: Config, *, instructions: str, requested_by: str) -> Delivered:
    """`config` is the run's one trusted configuration (the base branch's, with the Action's inputs)."""
    from bot.pipeline.session import FixRequest, run_fix

    if pr.is_fork:
        _out_of_reach(root)
    outcome = run_fix(FixRequest(root=root, instructions=instructions, commit=False,
                                 run_tests=not pr.is_fork, api_key=settings.anthropic_api_key,
                                 base_url=settings.anthropic_base_url, config=config.fix,
                                 base_config=config, unprotect=settings.unprotect_paths))  # logs on stderr
    summary = _outcome_md(outcome)
    verdict = Verdict(outcome.verdict)
    if verdict == Verdict.APPLIED and how == "push":
        return _push(settings, root, pr, outcome, requested_by, summary)
    if verdict == Verdict.SUGGESTED or (verdict == Verdict.APPLIED and how == "suggest"):
        if verdict == Verdict.SUGGESTED:  # the pipeline left the tree untouched: apply it to read it back
            git_ops.apply_patch(root, outcome.patch)
        return _suggest(client, root, pr, outcome, summary)
    if pr.is_fork and verdict == Verdict.FAILED and outcome.attempts == 0 and not instructions.strip():
        return Delivered(Verdict.FAILED, f"{summary}\n\nThe fork's tests are not run here, so there are no failures to "
                                   "go on: say what to fix, e.g. `/agent fix the parser drops the last line`.")
    if verdict in (Verdict.ESCALATED, Verdict.FAILED) and outcome.report_markdown.strip():
        title = "no confident fix; a person should look" if verdict == Verdict.ESCALATED else "the fix failed"
        review = escalation_review(client, pr.number, pr.head_sha, title, outcome.report_markdown)
        summary += f"\n\nThe evidence is in review {review}."
    if verdict in (Verdict.APPLIED, Verdict.COMMITTED):  # applied but nothing may be delivered
        git_ops.discard(root, pr.head_sha, git_ops.patch_paths(outcome.patch))
    final = verdict if verdict in (Verdict.ESCALATED, Verdict.CLEAN, Verdict.FAILED) else Verdict.FAILED
    return Delivered(final, summary, outcome.confidence)


def _push(settings: Settings, root: Path, pr: PullRequest, outcome: FixOutcome, requested_by: str,
          summary: str) -> Delivered:
    paths = git_ops.patch_paths(outcome.patch)
    who = git_ops.Identity(settings.bot_name, settings.bot_email)
    sha = git_ops.commit_fix(root, paths, commit_message(pr, outcome, requested_by), who)
    try:
        git_ops.push_fix(root, pr.head_ref, pr.head_sha)
    except git_ops.BranchMoved as exc:
        print(f"::warning title=Yantra::{exc}", flush=True)
        return Delivered(Verdict.NOT_PUSHED, f"{summary}\n\n**Not pushed**: {exc}. Comment `/agent fix` again "
                                             "to fix the new head.", outcome.confidence)
    except GitError as exc:
        return Delivered(Verdict.NOT_PUSHED, f"{summary}\n\n**Not pushed**: {exc}", outcome.confidence)
    link = f"[{sha[:12]}]({settings.server_url}/{settings.repository}/commit/{sha})"
    return Delivered(Verdict.COMMITTED, f"{summary}\n\nPushed {link} to `{pr.head_ref}`.", outcome.confidence,
                     sha)


def _suggest(client: GitHubClient, root: Path, pr: PullRequest, outcome: FixOutcome, summary: str) -> Delivered:
    paths = git_ops.patch_paths(outcome.patch)
    blocks = parse_blocks(git_ops.working_diff(root, pr.head_sha, paths, context=0))
    allowed = commentable_lines(client.pr_files(pr.number))
    head_lines: dict[str, list[str]] = {}

    def line_text(path: str, n: int) -> str:
        if path not in head_lines:
            head_lines[path] = git_ops.show(root, pr.head_sha, path).splitlines()
        return head_lines[path][n - 1]

    comments, leftovers = to_suggestions(blocks, allowed, line_text)
    static = Verdict(outcome.verdict) == Verdict.SUGGESTED
    untracked_new = [p for p in paths if not any(b.path == p for b in blocks)]
    rest = git_ops.working_diff(root, pr.head_sha, sorted({b.path for b in leftovers})) if leftovers else ""
    rest += "".join(f"\n(new file {p}; see the patch in the summary)" for p in untracked_new)
    note = ("The fix was validated statically — the gate, the security scans, secrets and protected paths. "
            "Your code was not run here, so **the tests were not run**: please run them after applying. "
            if static else "") + "Nothing was pushed to your branch."
    review = suggestion_review(client, pr.number, pr.head_sha,
                               f"a fix for this fork pull request ({len(comments)} suggestion(s), confidence "
                               f"{outcome.confidence or 0:.2f})", comments, rest, note)
    git_ops.discard(root, pr.head_sha, paths)
    return Delivered(Verdict.SUGGESTED, f"{summary}\n\nOffered as {len(comments)} suggestion(s) in review {review} "
                                  "(fork pull request: nothing pushed).", outcome.confidence)


def commit_message(pr: PullRequest, outcome: FixOutcome, requested_by: str) -> str:
    """The pipeline's conventional message with the `[yantra]` marker on its subject, a line naming the pull
    request, and `Requested-by:` next to the `Yantra-Session:` trailer the loop guard looks for."""
    trailer = f"{git_ops.TRAILER}: {outcome.session_id}"
    message = outcome.message.strip() or f"fix: make the pull request's checks pass\n\n{trailer}"
    subject, _, rest = message.partition("\n")
    if "[yantra]" not in subject:
        subject += " [yantra]"
    body = [ln for ln in rest.strip().splitlines() if not git_ops.TRAILER_RE.match(ln)]
    while body and not body[-1].strip():
        body.pop()
    lines = [subject, "", *body, *([""] if body else []),
             f"Automated fix for #{pr.number} by Yantra; it passed the gate, the tests and the security checks.",
             ""]
    if requested_by:
        lines.append(f"Requested-by: @{requested_by}")
    lines.append(trailer)
    return "\n".join(lines) + "\n"


def _suggested_how(outcome: FixOutcome) -> str:
    """Why a fix is only suggested: it edits the tests that judge it, or its tests were not run."""
    if outcome.test_files:
        return "offered as suggestions because it edits test files"
    return "validated statically (tests not run)"


def _outcome_md(outcome: FixOutcome) -> str:
    conf = "n/a" if outcome.confidence is None else f"{outcome.confidence:.2f}"
    verdict = {Verdict.APPLIED: "validated", Verdict.COMMITTED: "validated",
               Verdict.SUGGESTED: _suggested_how(outcome)}.get(Verdict(outcome.verdict), str(outcome.verdict))
    lines = [f"**Fix**: {verdict} after {outcome.attempts} attempt(s), confidence {conf}."]
    if outcome.test_files:
        lines.append("**It changes test files** — review them first; a fix that edits the tests that judge it is "
                     "never pushed: " + ", ".join(f"`{p}`" for p in outcome.test_files))
    if outcome.reason:
        lines.append(outcome.reason)
    if outcome.breakdown:
        lines += ["", "| factor | value |", "| --- | --- |"]
        lines += [f"| {k} | {v:.2f} |" for k, v in outcome.breakdown.items()]
    if outcome.patch.strip():
        lines += ["", "<details><summary>the patch</summary>", "", "```diff", outcome.patch.strip(), "```",
                  "</details>"]
    if Verdict(outcome.verdict) in (Verdict.APPLIED, Verdict.COMMITTED, Verdict.SUGGESTED) \
            and outcome.report_markdown.strip():
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
