"""The bot's rules as pure decisions: skip markers, loop guard, commit limit, forks, authorization."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.github import policy
from bot.github.api import CommitInfo
from bot.github.events import Actor, PullRequest
from bot.github.settings import load_settings
from bot.github.state import BotState

SETTINGS = load_settings({"YANTRA_GITHUB_TOKEN": "t", "GITHUB_EVENT_NAME": "pull_request",
                          "GITHUB_EVENT_PATH": "/e", "GITHUB_REPOSITORY": "o/r", "GITHUB_WORKSPACE": "/w",
                          "YANTRA_ALLOW_BOTS": "dependabot[bot]"})
PR = PullRequest(number=1, title="Add x", body="", state="open", head_sha="a" * 40, head_ref="x", head_repo="o/r",
                 base_ref="main", base_sha="b" * 40, base_repo="o/r", labels=(), author=Actor("dev", "User"))
BOT_EMAIL = SETTINGS.bot_email


def _commit(sha: str, message: str = "change", email: str = "dev@example.com") -> CommitInfo:
    return CommitInfo(sha, message, "Dev", email, "Dev", email, None)


@pytest.mark.parametrize("pr, head_message, expected", [
    (PR, "", None),
    (replace(PR, title="WIP [Skip Yantra]"), "", "title"),
    (replace(PR, body="please\n[skip yantra]"), "", "description"),
    (PR, "Tweak\n\n[skip yantra]", "head commit message"),
    (replace(PR, labels=("bug", "yantra:off")), "", "yantra:off"),
    (replace(PR, state="closed"), "", "closed"),
])
def test_skip_reason(pr, head_message, expected):
    reason = policy.skip_reason(pr, head_message)
    assert (reason is None) if expected is None else (expected in (reason or ""))


def test_loop_guard_trusts_only_the_bots_record_of_its_pushes():
    by_trailer = _commit("1" * 40, "fix: x [yantra]\n\nYantra-Session: abc")
    by_author = _commit("2" * 40, "fix", BOT_EMAIL)
    human = _commit("3" * 40)
    pushed = BotState(pushed=("1" * 40,))
    assert policy.own_push("1" * 40, pushed)
    assert policy.own_push("2" * 40, pushed) is None  # the bot's e-mail, but the bot never pushed it
    assert policy.own_push("1" * 40, BotState()) is None  # a trailer anyone can write
    assert policy.own_push("2" * 40, BotState(history=({"key": "comment:1", "verdict": "committed",
                                                        "head": "2" * 40},)))  # a state written before `pushed`
    assert "was not pushed by Yantra" in (policy.posing_as_bot([human, by_trailer], "1" * 40, SETTINGS,
                                                               BotState()) or "")
    assert policy.posing_as_bot([by_trailer], "1" * 40, SETTINGS, pushed) is None
    assert policy.posing_as_bot([human], "3" * 40, SETTINGS, BotState()) is None
    assert len(policy.bot_commits([by_trailer, by_author, human], SETTINGS)) == 2
    assert policy.commit_limit([by_trailer, by_author, human], SETTINGS) is None  # 2 < 3
    assert "limit 3" in (policy.commit_limit([by_trailer, by_author, by_trailer], SETTINGS) or "")


def test_bots_and_permissions():
    assert policy.ignored_bot(Actor("renovate[bot]", "Bot"), SETTINGS)
    assert policy.ignored_bot(Actor("sneaky[bot]", "User"), SETTINGS)
    assert policy.ignored_bot(Actor("dependabot[bot]", "Bot"), SETTINGS) is None
    assert policy.ignored_bot(Actor("dev", "User"), SETTINGS) is None
    assert [p for p in ("admin", "maintain", "write", "triage", "read", "none") if policy.may_command(p)] == \
        ["admin", "maintain", "write"]


def test_plans():
    fork = replace(PR, head_repo="forker/r")
    off = policy.plan_for(fork, wants_fix=True, limit_reason=None, fork_fixes="off")
    assert (off.run_tests, off.fix, off.blocked) == (False, False, "fork") and "fork-fixes: off" in off.reason
    suggest = policy.plan_for(fork, wants_fix=True, limit_reason=None)  # the default
    assert (suggest.run_tests, suggest.fix, suggest.deliver) == (False, True, "suggest")
    assert "tests are not run" in suggest.reason
    assert not policy.plan_for(fork, wants_fix=False, limit_reason=None).run_tests
    assert policy.plan_for(PR, wants_fix=True, limit_reason=None).deliver == "push"
    limited = policy.plan_for(PR, wants_fix=True, limit_reason="limit")
    assert (limited.fix, limited.deliver, limited.reason, limited.blocked) == (False, "none", "limit", "limit")
