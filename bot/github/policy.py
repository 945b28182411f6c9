"""Who may make the bot act, and when it must stay quiet. Pure decisions over typed facts; no I/O.

- `/agent fix` runs only for write / maintain / admin permission, as the API reports it (never
  `author_association`); everybody else gets one polite reply.
- Bots are ignored unless allowed; events caused by the bot's own pushes do nothing; at most N bot commits. A
  push is the bot's own when the bot recorded it in its sticky state: a commit's trailer, author and e-mail are
  what its author wrote (GitHub links the bot's e-mail to the bot's login), so they never switch the check off.
- `[skip yantra]` (title, body, head commit message) and the `yantra:off` label switch the bot off.
- Fork code never runs while a secret is in reach: on forks only static checks run, and a fix (validated
  statically, its tests not run) becomes review suggestions, never a push.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.github.api import WRITE_PERMISSIONS, CommitInfo
from bot.github.events import Actor, PullRequest
from bot.github.git_ops import is_bot_commit
from bot.github.settings import Settings
from bot.github.state import BotState

SKIP_MARKER = "[skip yantra]"
OFF_LABEL = "yantra:off"


@dataclass(frozen=True)
class Plan:
    """What a run on a pull request may do."""
    run_tests: bool  # execute the PR's code (never for forks)
    fix: bool
    deliver: str  # "push" | "suggest" | "none"
    reason: str  # why the plan is what it is, for the log and the summary
    blocked: str = ""  # why a wanted fix may not run: "" | "limit" | "fork"


def may_command(permission: str) -> bool:
    return permission in WRITE_PERMISSIONS


def refusal_text(login: str, permission: str) -> str:
    return (f"Hi @{login}, thanks for the suggestion! `/agent fix` can only be run by people with write, "
            f"maintain or admin permission on this repository (yours is `{permission}`), so I have not done "
            "anything. A maintainer can run it for you.")


def ignored_bot(sender: Actor, settings: Settings) -> str | None:
    if sender.is_bot and not settings.bot_allowed(sender.login):
        return f"event sent by the bot account {sender.login}; bots are ignored (see the allow-bots input)"
    return None


def skip_reason(pr: PullRequest, head_message: str = "") -> str | None:
    if pr.state != "open":
        return f"pull request #{pr.number} is {pr.state}"
    if OFF_LABEL in pr.labels:
        return f"pull request #{pr.number} has the {OFF_LABEL} label"
    for where, text in (("title", pr.title), ("description", pr.body), ("head commit message", head_message)):
        if SKIP_MARKER in text.lower():
            return f"{SKIP_MARKER} in the pull request's {where}"
    return None


def bot_commits(commits: Sequence[CommitInfo], settings: Settings) -> list[CommitInfo]:
    return [c for c in commits if _by_bot(c, settings)]


def _by_bot(c: CommitInfo, settings: Settings) -> bool:
    return is_bot_commit(c.message, (c.author_email, c.committer_email), settings.bot_email) \
        or (c.author_login or "").lower() == settings.bot_login.lower()


def own_push(head_sha: str, state: BotState) -> str | None:
    """The loop guard for pull_request events: the head commit is one the bot recorded pushing."""
    if state.was_pushed(head_sha):
        return f"the head commit {head_sha[:12]} was pushed by Yantra itself; nothing to do (loop guard)"
    return None


def posing_as_bot(commits: Sequence[CommitInfo], head_sha: str, settings: Settings, state: BotState) -> str | None:
    """A note when the head commit looks like the bot's (trailer, author) but the bot never pushed it: it is
    checked like any other."""
    head = next((c for c in commits if c.sha == head_sha), None)
    if head is not None and _by_bot(head, settings) and not state.was_pushed(head_sha):
        return (f"the head commit {head_sha[:12]} looks like Yantra's (its trailer or author) but was not pushed "
                "by Yantra (it is not in Yantra's record on this pull request): checking it like any other")
    return None


def commit_limit(commits: Sequence[CommitInfo], settings: Settings) -> str | None:
    count = len(bot_commits(commits, settings))
    if count >= settings.max_bot_commits:
        return (f"Yantra already made {count} commit(s) on this pull request (limit {settings.max_bot_commits}, "
                "input max-bot-commits); not pushing more")
    return None


def plan_for(pr: PullRequest, *, wants_fix: bool, limit_reason: str | None, fork_fixes: str = "suggest") -> Plan:
    if pr.is_fork:
        reason = f"fork pull request ({pr.head_repo}): its code is not run here; static checks only"
        if wants_fix and fork_fixes == "off":
            return Plan(run_tests=False, fix=False, deliver="none", blocked="fork", reason=(
                f"{reason}. Fixes for forks are off (input `fork-fixes: off`); with `fork-fixes: suggest` (the "
                "default) a fix is validated statically and offered as review suggestions"))
        if wants_fix:
            reason = (f"fork pull request ({pr.head_repo}): its code is not run here — the fix is validated "
                      "statically (gate, security scans, secrets, protected paths; the tests are not run) and "
                      "offered as review suggestions, never pushed")
        return Plan(run_tests=False, fix=wants_fix, deliver="suggest" if wants_fix else "none", reason=reason)
    if wants_fix and limit_reason:
        return Plan(run_tests=True, fix=False, deliver="none", reason=limit_reason, blocked="limit")
    return Plan(run_tests=True, fix=wants_fix, deliver="push" if wants_fix else "none", reason="")
