"""Webhook payloads (`GITHUB_EVENT_PATH`) parsed into typed events; anything else is `Ignored` with a reason."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import GitHubError

PR_ACTIONS = ("opened", "synchronize", "reopened")
COMMAND_RE = re.compile(r"\A\s*/agent\s+fix(?:\s+(?P<rest>.*))?\Z", re.DOTALL)


@dataclass(frozen=True)
class Actor:
    login: str
    type: str  # "User" | "Bot" | "Organization"

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot" or self.login.endswith("[bot]")


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str
    state: str
    head_sha: str
    head_ref: str
    head_repo: str  # owner/name ("" when the fork was deleted)
    base_ref: str
    base_sha: str
    base_repo: str
    labels: tuple[str, ...]
    author: Actor

    @property
    def is_fork(self) -> bool:
        return self.head_repo.lower() != self.base_repo.lower()


@dataclass(frozen=True)
class PullRequestEvent:
    action: str
    pr: PullRequest
    sender: Actor

    @property
    def key(self) -> str:
        return f"pull_request:{self.pr.head_sha}"


@dataclass(frozen=True)
class FixCommand:
    """`/agent fix [instructions]` from a PR comment, or a `workflow_dispatch` naming a PR."""
    pr_number: int
    sender: Actor
    instructions: str
    comment_id: int | None  # None for workflow_dispatch

    @property
    def key(self) -> str | None:
        return f"comment:{self.comment_id}" if self.comment_id is not None else None


@dataclass(frozen=True)
class Dispatch:
    pr_number: int
    sender: Actor
    instructions: str


@dataclass(frozen=True)
class Ignored:
    reason: str


Event = PullRequestEvent | FixCommand | Dispatch | Ignored


def load_event(name: str, path: Path) -> Event:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GitHubError(f"cannot read the event payload {path} ({exc}); is GITHUB_EVENT_PATH right?") from exc
    if not isinstance(payload, dict):
        raise GitHubError(f"the event payload {path} is not a JSON object")
    return parse_event(name, payload)


def parse_event(name: str, payload: dict[str, Any]) -> Event:
    try:
        if name in ("pull_request", "pull_request_target"):
            return _pull_request(payload)
        if name == "issue_comment":
            return _issue_comment(payload)
        if name == "workflow_dispatch":
            return _dispatch(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise GitHubError(f"the {name} payload lacks a field Yantra needs ({exc!r})") from exc
    return Ignored(f"event {name!r} is not one Yantra handles (pull_request, issue_comment, workflow_dispatch)")


def pull_request_from_json(pr: dict[str, Any]) -> PullRequest:
    """The pull request object of a webhook payload or of `GET /repos/{o}/{r}/pulls/{n}` (same shape)."""
    head_repo = pr["head"].get("repo") or {}
    return PullRequest(
        number=int(pr["number"]), title=pr.get("title") or "", body=pr.get("body") or "",
        state=pr.get("state") or "open",
        head_sha=pr["head"]["sha"], head_ref=pr["head"]["ref"], head_repo=head_repo.get("full_name") or "",
        base_ref=pr["base"]["ref"], base_sha=pr["base"]["sha"], base_repo=pr["base"]["repo"]["full_name"],
        labels=tuple(label["name"] for label in pr.get("labels") or ()),
        author=_actor(pr["user"]))


def _actor(user: dict[str, Any]) -> Actor:
    return Actor(login=user["login"], type=user.get("type") or "User")


def _pull_request(payload: dict[str, Any]) -> Event:
    action = payload.get("action", "")
    if action not in PR_ACTIONS:
        return Ignored(f"pull_request action {action!r} needs nothing from Yantra (handled: {', '.join(PR_ACTIONS)})")
    return PullRequestEvent(action=action, pr=pull_request_from_json(payload["pull_request"]),
                            sender=_actor(payload["sender"]))


def _issue_comment(payload: dict[str, Any]) -> Event:
    action = payload.get("action", "")
    if action != "created":
        return Ignored(f"issue_comment action {action!r} is ignored (only new comments are commands)")
    issue = payload["issue"]
    if not issue.get("pull_request"):
        return Ignored(f"comment on issue #{issue['number']}, not on a pull request")
    match = COMMAND_RE.match(payload["comment"].get("body") or "")
    if match is None:
        return Ignored("the comment is not an `/agent fix` command")
    return FixCommand(pr_number=int(issue["number"]), sender=_actor(payload["comment"]["user"]),
                      instructions=(match.group("rest") or "").strip(), comment_id=int(payload["comment"]["id"]))


def _dispatch(payload: dict[str, Any]) -> Event:
    inputs = payload.get("inputs") or {}
    raw = str(inputs.get("pr") or inputs.get("pr-number") or inputs.get("pull_request") or "").strip().lstrip("#")
    if not raw.isdigit():
        return Ignored("workflow_dispatch without a pull request number (give the `pr` input)")
    return Dispatch(pr_number=int(raw), sender=_actor(payload["sender"]),
                    instructions=str(inputs.get("instructions") or "").strip())
