"""What one Action run does for an event: guards first (bots, skip markers, loop guard, authorization,
idempotency), then checks and/or a fix on the pull request, then publishing. Returns the exit code."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError, GitHubError
from bot.github import git_ops, policy
from bot.github.api import CommitInfo, GitHubClient
from bot.github.checks import PullChecks, checks_markdown, run_pull_checks
from bot.github.delivery import Delivered, deliver_fix
from bot.github.events import Dispatch, Event, FixCommand, PullRequest, PullRequestEvent
from bot.github.publish import (
    Sticky,
    already_replied,
    annotate,
    annotate_security,
    append_summary,
    find_sticky,
    notice,
    sticky_body,
    upsert_sticky,
    write_outputs,
    write_sarif,
)
from bot.github.redact import Redactor
from bot.github.settings import Settings
from bot.github.state import MAX_KEYS
from bot.github.workspace import checked_out, trusted_config
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.config import Config, FixConfig

FAILING = (Verdict.FAIL, Verdict.ESCALATED, Verdict.FAILED, Verdict.NOT_PUSHED)


@dataclass(frozen=True)
class Job:
    """One run on one pull request."""
    pr: PullRequest
    key: str | None
    commits: tuple[CommitInfo, ...]
    sticky: Sticky
    wants_fix: bool
    fix_always: bool  # a command: fix even when the checks pass
    run_checks: bool
    instructions: str = ""
    requested_by: str = ""


class ActionRun:
    def __init__(self, settings: Settings, redact: Redactor) -> None:
        self.s = settings
        self.redact = redact
        self.client = GitHubClient(settings.api_url, settings.github_token, settings.repository, redact=redact,
                                   log=log)

    def handle(self, event: Event) -> int:
        try:
            if isinstance(event, PullRequestEvent):
                return self._pull_request(event)
            if isinstance(event, FixCommand):
                return self._command(event.pr_number, event.sender.login, event.sender.is_bot, event.key,
                                     event.instructions, event.comment_id)
            if isinstance(event, Dispatch):
                return self._dispatch(event)
            return 0
        finally:
            self.client.close()

    def skip(self, reason: str) -> int:
        return skip(reason, self.s.output_path)

    # ---- events ------------------------------------------------------------------------------------------
    def _pull_request(self, event: PullRequestEvent) -> int:
        sender = event.sender
        if (why := policy.ignored_bot(sender, self.s)) or (why := policy.skip_reason(event.pr)):
            return self.skip(why)
        if self.s.mode == "command":
            return self.skip("mode is command: this workflow answers `/agent fix` comments only")
        commits = tuple(self.client.pr_commits(event.pr.number))
        head_message = next((c.message for c in commits if c.sha == event.pr.head_sha), "")
        sticky = find_sticky(self.client, event.pr.number, self.s.bot_login)
        if (why := policy.own_push(event.pr.head_sha, sticky.state)) or \
                (why := policy.skip_reason(event.pr, head_message)):
            return self.skip(why)
        if posing := policy.posing_as_bot(commits, event.pr.head_sha, self.s, sticky.state):
            notice(posing)
        if sticky.state.is_handled(event.key):
            return self.skip(f"{event.key} was already handled (a redelivered event); nothing new to do")
        job = Job(pr=event.pr, key=event.key, commits=commits, sticky=sticky, wants_fix=self._autofix(event.pr),
                  fix_always=False, run_checks=True)
        return self._run(job)

    def _command(self, number: int, login: str, is_bot: bool, key: str | None, instructions: str,
                 comment_id: int | None) -> int:
        if is_bot and not self.s.bot_allowed(login):
            return self.skip(f"`/agent fix` from the bot account {login}; bots are ignored (see allow-bots)")
        permission = self.client.permission(login)
        if not policy.may_command(permission):
            marker = f"<!-- yantra:refused {key or login} -->"
            if comment_id is not None and not already_replied(self.client, number, self.s.bot_login, marker):
                self.client.create_comment(number, f"{policy.refusal_text(login, permission)}\n{marker}")
            return self.skip(f"{login} has {permission} permission; `/agent fix` needs write, maintain or admin")
        if not self.s.anthropic_api_key:
            raise ConfigError("`/agent fix` needs the anthropic-api-key input (an Anthropic API key secret)")
        pr = self.client.pull_request(number)
        commits = tuple(self.client.pr_commits(number))
        head_message = next((c.message for c in commits if c.sha == pr.head_sha), "")
        if why := policy.skip_reason(pr, head_message):
            return self.skip(why)
        sticky = find_sticky(self.client, number, self.s.bot_login)
        if sticky.state.is_handled(key):
            return self.skip(f"{key} was already handled (a redelivered event); not fixing twice")
        if comment_id is not None:
            self.client.react(comment_id, "eyes")
        job = Job(pr=pr, key=key, commits=commits, sticky=sticky, wants_fix=True, fix_always=True,
                  run_checks=False, instructions=instructions, requested_by=login)
        try:
            code, verdict = self._run_job(job)
        except Exception:
            if comment_id is not None:
                self.client.react(comment_id, "confused")
            raise
        if comment_id is not None:
            self.client.react(comment_id, "rocket" if verdict in (Verdict.COMMITTED, Verdict.SUGGESTED, Verdict.CLEAN)
                              else "confused")
        return code

    def _dispatch(self, event: Dispatch) -> int:
        if self.s.mode == "command":
            return self._command(event.pr_number, event.sender.login, event.sender.is_bot, None,
                                 event.instructions, None)
        pr = self.client.pull_request(event.pr_number)
        commits = tuple(self.client.pr_commits(pr.number))
        if why := policy.skip_reason(pr, next((c.message for c in commits if c.sha == pr.head_sha), "")):
            return self.skip(why)
        sticky = find_sticky(self.client, pr.number, self.s.bot_login)
        return self._run(Job(pr=pr, key=None, commits=commits, sticky=sticky, wants_fix=self._autofix(pr),
                             fix_always=False, run_checks=True))

    def _autofix(self, pr: PullRequest) -> bool:
        """autofix mode fixes failing same-repository PRs; a fork's fix needs a maintainer's `/agent fix`."""
        return self.s.mode == "autofix" and not pr.is_fork

    # ---- the run -----------------------------------------------------------------------------------------
    def _run(self, job: Job) -> int:
        return self._run_job(job)[0]

    def _run_job(self, job: Job) -> tuple[int, Verdict]:
        limit = policy.commit_limit(job.commits, self.s)
        plan = policy.plan_for(job.pr, wants_fix=job.wants_fix, limit_reason=limit, fork_fixes=self.s.fork_fixes)
        if plan.reason:
            log(plan.reason)
        root = git_ops.open_workspace(self.s.workspace)
        self.redact.add_public(job.pr.head_sha, job.pr.base_sha, *(c.sha for c in job.commits))
        sections = [f"> {plan.reason}"] if plan.reason else []
        checks: PullChecks | None = None
        delivered: Delivered | None = None
        with checked_out(root, job.pr):
            config = self._config(trusted_config(root, job.pr))  # the one load of the run, from the base
            if job.run_checks:
                checks = self._checks(root, job.pr, config, plan)
                sections.append(checks_markdown(checks))
            verdict = checks.verdict if checks is not None else Verdict.SKIPPED
            if plan.blocked and job.fix_always:  # a command that may not run: say why (the plan's reason)
                verdict = Verdict.NOT_PUSHED if plan.blocked == "limit" else Verdict.SKIPPED
            elif plan.fix and (job.fix_always or (checks is not None and not checks.passed)):
                delivered = deliver_fix(self.s, self.client, root, job.pr, plan.deliver, config,
                                        instructions=job.instructions, requested_by=job.requested_by)
                verdict = delivered.verdict
                sections.append(delivered.markdown)
        self._publish(job, verdict, checks, delivered, "\n\n".join(sections))
        failed = verdict in FAILING and (self.s.fail_on_findings or verdict in (Verdict.FAILED, Verdict.NOT_PUSHED))
        return (1 if failed else 0), verdict

    def _checks(self, root: Path, pr: PullRequest, config: Config, plan: policy.Plan) -> PullChecks:
        files = self.client.pr_files(pr.number)
        diff = git_ops.merge_base_diff(root, pr.head_sha)
        checks = run_pull_checks(root, config, [f.path for f in files if f.status != "removed"],
                                 diff, run_tests=plan.run_tests, tests_note=plan.reason,
                                 base=git_ops.fork_point(root, pr.head_sha))
        annotate(checks.gate)
        annotate_security(checks.security)
        if checks.settings_changed:
            notice(f"this pull request changes {', '.join(checks.settings_changed)}: judged with the base branch's "
                   "configuration; the change takes effect once merged")
        return checks

    def _publish(self, job: Job, verdict: Verdict, checks: PullChecks | None, delivered: Delivered | None,
                 body: str) -> None:
        pr = job.pr
        sarif = str(write_sarif(checks.gate, self.redact)) if checks is not None else ""
        confidence = delivered.confidence if delivered else None
        commit_sha = delivered.commit_sha if delivered else None
        self.redact.add_public(commit_sha)
        bot_commits = len(policy.bot_commits(job.commits, self.s)) + (1 if verdict == Verdict.COMMITTED else 0)
        pushed = (*job.sticky.state.pushed, commit_sha)[-MAX_KEYS:] if commit_sha else job.sticky.state.pushed
        state = job.sticky.state.with_run(job.key, head_sha=commit_sha or pr.head_sha, verdict=verdict.value,
                                          bot_commits=bot_commits, confidence=confidence, commit_sha=commit_sha,
                                          pushed=pushed)
        title = _title(verdict, job)
        try:
            upsert_sticky(self.client, pr.number, job.sticky, sticky_body(title, verdict, body, state))
        except GitHubError as exc:  # e.g. the read-only token of a fork's pull_request run
            if exc.transient:
                raise
            print(f"::warning title=Yantra::could not write the summary comment ({exc}); the results are in "
                  "the step summary and the annotations", flush=True)
        append_summary(self.s.step_summary_path, f"## Yantra: {title}\n\n{body}\n", self.redact,
                       self.s.workspace)
        write_outputs(self.s.output_path, {"verdict": verdict.value,
                                           "confidence": "" if confidence is None else f"{confidence:.2f}",
                                           "commit-sha": commit_sha or "", "sarif-file": sarif}, self.s.workspace)
        log(f"yantra: {title}")

    def _config(self, config: Config) -> Config:
        """The base branch's [tool.yantra] with the Action's inputs on top (inputs win when given; the
        protected-paths input adds to the repository's)."""
        fix: FixConfig = config.fix
        overrides: dict[str, Any] = {"model": self.s.model, "fallback_model": self.s.fallback_model,
                     "max_attempts": self.s.max_attempts, "max_tokens": self.s.budget_tokens,
                     "max_calls": self.s.budget_calls, "max_dollars": self.s.budget_dollars}
        fix = replace(fix, **{k: v for k, v in overrides.items() if v is not None})
        if self.s.protected_paths:
            fix = replace(fix, protected_paths=tuple(dict.fromkeys((*fix.protected_paths,
                                                                    *self.s.protected_paths))))
        return replace(config, fix=fix)


def _title(verdict: Verdict, job: Job) -> str:
    who = f" (asked by @{job.requested_by})" if job.requested_by else ""
    return {Verdict.PASS: "checks passed", Verdict.FAIL: "checks found problems",
            Verdict.COMMITTED: f"fix pushed{who}", Verdict.SUGGESTED: f"fix suggested in a review{who}",
            Verdict.ESCALATED: f"no confident fix; escalated{who}", Verdict.FAILED: f"the fix run failed{who}",
            Verdict.NOT_PUSHED: f"fix not pushed{who}", Verdict.CLEAN: f"nothing to fix{who}",
            Verdict.SKIPPED: "nothing run"}.get(verdict, verdict.value)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def skip(reason: str, output: Path | None = None) -> int:
    notice(f"nothing done: {reason}")
    write_outputs(output, {"verdict": Verdict.SKIPPED.value, "confidence": "", "commit-sha": "", "sarif-file": ""})
    return 0
