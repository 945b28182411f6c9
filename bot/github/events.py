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
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested deeper than json's recursion
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
        raise GitHubError(f"the {name} payload lacks a field Yantra needs, or holds one it cannot use ({exc})") \
            from exc
    return Ignored(f"event {name!r} is not one Yantra handles (pull_request, issue_comment, workflow_dispatch)")


def pull_request_from_json(pr: dict[str, Any]) -> PullRequest:
    """The pull request object of a webhook payload or of `GET /repos/{o}/{r}/pulls/{n}` (same shape). Every
    field is checked for its type and shape (ValueError naming it): the text reaches the skip markers and the
    summary, the shas and branch names reach git's command lines."""
    head, base = _object(pr.get("head"), "head"), _object(pr.get("base"), "base")
    head_repo = _object(head.get("repo") or {}, "head.repo")
    return PullRequest(
        number=_number(pr.get("number"), "number"), title=_text(pr.get("title"), "title"),
        body=_text(pr.get("body"), "body"), state=_text(pr.get("state"), "state") or "open",
        head_sha=_sha(head.get("sha"), "head.sha"), head_ref=_branch(head.get("ref"), "head.ref"),
        head_repo=_text(head_repo.get("full_name"), "head.repo.full_name"),
        base_ref=_branch(base.get("ref"), "base.ref"), base_sha=_sha(base.get("sha"), "base.sha"),
        base_repo=_text(_object(base.get("repo"), "base.repo").get("full_name"), "base.repo.full_name"),
        labels=tuple(_text(_object(label, "labels[]").get("name"), "labels[].name")
                     for label in _list(pr.get("labels"), "labels")),
        author=_actor(pr.get("user")))


def _actor(user: Any) -> Actor:
    user = _object(user, "user")
    login = _text(user.get("login"), "user.login")
    if _LOGIN.fullmatch(login) is None:  # it goes into API paths (`/collaborators/{login}/permission`) and commits
        raise ValueError(f"user.login is not a GitHub login ({login!r:.60})")
    return Actor(login=login, type=_text(user.get("type"), "user.type") or "User")


_LOGIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(?:\[bot\])?")
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_BAD_BRANCH = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|^[-/.]|[/.]$|\.lock$|//")


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} is not an object ({type(value).__name__})")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{name} is not a list ({type(value).__name__})")
    return value


def _text(value: Any, name: str) -> str:
    """A string field that may be null or absent ("")."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string ({type(value).__name__})")
    return value


def _number(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} is not a positive integer ({value!r:.40})")
    return value


def _sha(value: Any, name: str) -> str:
    if not isinstance(value, str) or _SHA.fullmatch(value) is None:
        raise ValueError(f"{name} is not a commit sha ({value!r:.60})")
    return value


def _branch(value: Any, name: str) -> str:
    """A branch name git accepts (`git check-ref-format --branch`): it goes into refspecs and push targets."""
    if not isinstance(value, str) or not value or _BAD_BRANCH.search(value) is not None:
        raise ValueError(f"{name} is not a branch name ({value!r:.80})")
    return value


def _pull_request(payload: dict[str, Any]) -> Event:
    action = payload.get("action", "")
    if action not in PR_ACTIONS:
        return Ignored(f"pull_request action {action!r:.40} needs nothing from Yantra (handled: "
                       f"{', '.join(PR_ACTIONS)})")
    return PullRequestEvent(action=action, pr=pull_request_from_json(_object(payload.get("pull_request"),
                                                                             "pull_request")),
                            sender=_actor(payload.get("sender")))


def _issue_comment(payload: dict[str, Any]) -> Event:
    action = payload.get("action", "")
    if action != "created":
        return Ignored(f"issue_comment action {action!r} is ignored (only new comments are commands)")
    issue, comment = _object(payload.get("issue"), "issue"), _object(payload.get("comment"), "comment")
    if not issue.get("pull_request"):
        return Ignored(f"comment on issue #{issue.get('number')!r:.20}, not on a pull request")
    match = COMMAND_RE.match(_text(comment.get("body"), "comment.body"))
    if match is None:
        return Ignored("the comment is not an `/agent fix` command")
    return FixCommand(pr_number=_number(issue.get("number"), "issue.number"), sender=_actor(comment.get("user")),
                      instructions=(match.group("rest") or "").strip(),
                      comment_id=_number(comment.get("id"), "comment.id"))


def _dispatch(payload: dict[str, Any]) -> Event:
    inputs = _object(payload.get("inputs") or {}, "inputs")
    raw = str(inputs.get("pr") or inputs.get("pr-number") or inputs.get("pull_request") or "").strip().lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        return Ignored("workflow_dispatch without a pull request number (give the `pr` input)")
    return Dispatch(pr_number=int(raw), sender=_actor(payload.get("sender")),
                    instructions=str(inputs.get("instructions") or "").strip())
