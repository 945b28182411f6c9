"""Event parsing over the real webhook payloads (tests/fixtures/github-payloads, copied from shared/), adapted as the README says."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bot.errors import ConfigError, GitHubError
from bot.github.events import Dispatch, FixCommand, Ignored, PullRequestEvent, load_event, parse_event
from bot.github.settings import load_settings

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "github-payloads"


def _payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, kind", [
    ("pull_request.opened.payload.json", PullRequestEvent),
    ("pull_request.opened.with-organization.payload.json", PullRequestEvent),
    ("pull_request.reopened.payload.json", PullRequestEvent),
    ("pull_request.synchronize.payload.json", PullRequestEvent),
    ("pull_request.labeled.payload.json", Ignored),
])
def test_pull_request_payloads(name, kind):
    event = parse_event("pull_request", _payload(name))
    assert isinstance(event, kind)
    if isinstance(event, PullRequestEvent):
        assert event.pr.number == 2 and len(event.pr.head_sha) == 40
        assert not event.pr.is_fork and event.key == f"pull_request:{event.pr.head_sha}"


def test_fork_pull_request():
    data = _payload("pull_request.opened.payload.json")
    data["pull_request"]["head"]["repo"]["full_name"] = "forker/Hello-World"
    event = parse_event("pull_request", data)
    assert isinstance(event, PullRequestEvent) and event.pr.is_fork


@pytest.mark.parametrize("name", ["issue_comment.created.payload.json", "issue_comment.created.1.payload.json",
                                  "issue_comment.created.with-organization.payload.json"])
def test_comments_on_issues_are_ignored(name):
    data = _payload(name)
    data["comment"]["body"] = "/agent fix"
    event = parse_event("issue_comment", data)
    assert isinstance(event, Ignored) and "not on a pull request" in event.reason


@pytest.mark.parametrize("body, instructions", [
    ("/agent fix", ""),
    ("/agent fix  use the new helper\nand keep the API", "use the new helper\nand keep the API"),
    ("  /agent   fix\tplease", "please"),
])
def test_agent_fix_on_a_pull_request(body, instructions):
    data = _payload("issue_comment.created.payload.json")
    data["issue"]["pull_request"] = {"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
    data["comment"]["body"] = body
    event = parse_event("issue_comment", data)
    assert isinstance(event, FixCommand)
    assert event.instructions == instructions and event.key == f"comment:{data['comment']['id']}"
    assert event.sender.login == data["comment"]["user"]["login"]


@pytest.mark.parametrize("body", ["/agent fixit", "please /agent fix", "LGTM", "/agent", ""])
def test_other_comments_are_not_commands(body):
    data = _payload("issue_comment.created.payload.json")
    data["issue"]["pull_request"] = {"url": "x"}
    data["comment"]["body"] = body
    assert isinstance(parse_event("issue_comment", data), Ignored)


def test_edited_comments_are_ignored():
    data = _payload("issue_comment.edited.payload.json")
    data["issue"]["pull_request"] = {"url": "x"}
    data["comment"]["body"] = "/agent fix"
    assert isinstance(parse_event("issue_comment", data), Ignored)


def test_workflow_dispatch_and_unknown_events():
    sender = copy.deepcopy(_payload("pull_request.opened.payload.json")["sender"])
    event = parse_event("workflow_dispatch", {"inputs": {"pr": "#12", "instructions": "x"}, "sender": sender})
    assert event == Dispatch(pr_number=12, sender=event.sender, instructions="x")  # type: ignore[union-attr]
    assert isinstance(parse_event("workflow_dispatch", {"inputs": {}, "sender": sender}), Ignored)
    assert isinstance(parse_event("push", {}), Ignored)


def test_broken_payloads_are_readable_errors(tmp_path):
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    with pytest.raises(GitHubError, match="cannot read the event payload"):
        load_event("pull_request", bad)
    with pytest.raises(GitHubError, match="lacks a field"):
        parse_event("pull_request", {"action": "opened", "pull_request": {}})


def _set(data: dict, dotted: str, value: object) -> dict:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value
    return data


@pytest.mark.parametrize("field, value", [
    ("pull_request.title", 5), ("pull_request.body", ["x"]), ("pull_request.state", 1),
    ("pull_request.labels", "yantra:off"), ("pull_request.labels", [{"name": 5}]), ("pull_request.labels", ["x"]),
    ("pull_request.number", "7"), ("pull_request.number", True), ("pull_request.number", 7.5),
    ("pull_request.head.sha", 5), ("pull_request.head.sha", "--output=/tmp/stolen"),
    ("pull_request.base.sha", "HEAD~1"), ("pull_request.head.ref", "x:refs/heads/main"),
    ("pull_request.head.ref", "--upload-pack=touch /tmp/x"), ("pull_request.base.ref", "a..b"),
    ("pull_request.head.repo", "x"), ("pull_request.head.repo.full_name", 5), ("pull_request.user", None),
    ("pull_request.user.login", ["x"]), ("sender.login", ""), ("pull_request", []), ("pull_request.head", "x"),
    ("sender.login", "../../../admin"), ("sender.login", "dev\nYantra-Session: x"),
])
def test_a_payload_field_of_the_wrong_type_or_shape_is_a_readable_error(field, value):
    """Before: a title that was a number passed parsing and crashed on `.lower()` in the skip check ("an
    unexpected error has occurred: AttributeError", exit 2); a head sha `--output=/tmp/stolen` was taken as is
    and reached git's command lines."""
    data = _set(_payload("pull_request.opened.payload.json"), field, value)
    with pytest.raises(GitHubError, match=f"lacks a field Yantra needs, or holds one it cannot use .*"
                                          f"{field.removeprefix('pull_request.').removeprefix('sender.').split('.')[0]}"):
        parse_event("pull_request", data)


@pytest.mark.parametrize("field, value", [("comment.body", 5), ("comment.id", "1"), ("issue.number", None),
                                          ("comment.user", "x"), ("comment", None)])
def test_a_comment_payload_of_the_wrong_type_is_a_readable_error(field, value):
    data = _payload("issue_comment.created.payload.json")
    data["issue"]["pull_request"] = {"url": "x"}
    data["comment"]["body"] = "/agent fix"
    with pytest.raises(GitHubError, match="lacks a field Yantra needs, or holds one it cannot use"):
        parse_event("issue_comment", _set(data, field, value))


def test_null_text_fields_are_empty_and_non_ascii_branch_names_are_branches():
    data = _payload("pull_request.opened.payload.json")
    data["pull_request"].update(title=None, body=None, labels=None)
    data["pull_request"]["head"]["ref"] = "feature/übersetzung-1.2"
    event = parse_event("pull_request", data)
    assert isinstance(event, PullRequestEvent)
    assert (event.pr.title, event.pr.body, event.pr.labels) == ("", "", ())
    assert event.pr.head_ref == "feature/übersetzung-1.2"


def _env(**extra: str) -> dict[str, str]:
    return {"YANTRA_GITHUB_TOKEN": "t", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "/e.json",
            "GITHUB_REPOSITORY": "o/r", "GITHUB_WORKSPACE": "/w", **extra}


def test_settings_defaults_and_overrides():
    s = load_settings(_env())
    assert (s.mode, s.max_bot_commits, s.fail_on_findings, s.model, s.allow_bots) == ("check", 3, True, None, ())
    assert s.api_url == "https://api.github.com" and s.bot_login == "github-actions[bot]"
    assert "ghs_secret" not in repr(load_settings(_env(YANTRA_GITHUB_TOKEN="ghs_secret")))
    s = load_settings(_env(YANTRA_MODE="autofix", YANTRA_MAX_BOT_COMMITS="0", YANTRA_BUDGET_DOLLARS="0.5",
                           YANTRA_PROTECTED_PATHS=".github/**\nsecrets/**, infra/**", YANTRA_ALLOW_BOTS="dependabot[bot]",
                           YANTRA_FAIL_ON_FINDINGS="false", GITHUB_API_URL="http://127.0.0.1:1/"))
    assert s.max_bot_commits == 0 and s.budget_dollars == 0.5 and not s.fail_on_findings
    assert s.protected_paths == (".github/**", "secrets/**", "infra/**") and s.bot_allowed("Dependabot[bot]")
    assert s.api_url == "http://127.0.0.1:1"


@pytest.mark.parametrize("extra, message", [
    ({"YANTRA_MODE": "fix"}, "mode must be one of"),
    ({"YANTRA_MAX_ATTEMPTS": "0"}, "max-attempts must be at least 1"),
    ({"YANTRA_BUDGET_TOKENS": "lots"}, "budget-tokens must be a whole number"),
    ({"YANTRA_BUDGET_DOLLARS": "-1"}, "budget-dollars must be greater than 0"),
    ({"YANTRA_FAIL_ON_FINDINGS": "maybe"}, "fail-on-findings must be true or false"),
    ({"YANTRA_PYTHON_VERSION": "latest"}, "python-version must look like 3.11"),
    ({"YANTRA_FORK_FIXES": "push"}, "fork-fixes must be one of off, suggest"),
    ({"YANTRA_SAFETY_DB": "/nonexistent/db"}, "safety-db must be a directory"),
    ({"GITHUB_REPOSITORY": "nope"}, "owner/name"),
    ({"GITHUB_WORKSPACE": ""}, "GITHUB_WORKSPACE is not set"),
    ({"YANTRA_GITHUB_TOKEN": ""}, "github-token is empty"),
])
def test_invalid_settings_say_what_to_do(extra, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(_env(**extra))
