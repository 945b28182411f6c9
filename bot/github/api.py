"""The one GitHub client: PyGithub pointed at `GITHUB_API_URL`, with retries and readable errors.

Everything the bot asks of GitHub goes through `GitHubClient`; PyGithub exceptions become `GitHubError`
(transient when retrying later may help) with a message that says what happened and what to do. An answer that
cannot be understood (HTML with status 200, truncated JSON, invalid UTF-8, missing fields) is a `GitHubError`
too, never a crash. Every text the client sends (comments, reviews) passes through its `redact` function first,
then has its `@mentions` outside code made inert (`bot.report.markdown`): this is the one place that publishes to
GitHub, so nothing can bypass the redaction, and no text from a pull request or the model can ping anyone.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from bot.errors import GitHubError
from bot.github.events import PullRequest, pull_request_from_json

if TYPE_CHECKING:
    from github.PullRequest import PullRequest as GhPullRequest
    from github.Repository import Repository

WRITE_PERMISSIONS = ("admin", "maintain", "write")
TIMEOUT_SECONDS = 30
PER_PAGE = 100
# Listings are read page by page up to this many pages (10,000 items; GitHub lists at most 250 commits and 3,000
# files of a pull request): a server whose pages never end (each linking to a next one) cannot hold the run.
MAX_PAGES = 100
MAX_RATE_LIMIT_WAIT = 90.0  # wait for a rate-limit reset at most this long, else report when it resets
# PyGithub spaces requests itself unless told otherwise: 0.25 s before every request, 1 s between writes. The bot
# reads one request at a time, and its most (MAX_PAGES pages of its three listings, plus a few single reads) stays
# far below GitHub's secondary limit of 900 points a minute (a read is one), so reads go out unspaced; a listing of
# 100 pages took 25 s of sleeping. Writes keep their second: GitHub asks for one between content-creating
# requests (at most 80 a minute), and the retry still waits out any 403/429 that asks for more.
SECONDS_BETWEEN_READS: float | None = None
SECONDS_BETWEEN_WRITES = 1.0
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


@dataclass(frozen=True)
class Comment:
    id: int
    author: str
    body: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    author_login: str | None


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str  # added | modified | removed | renamed | ...
    patch: str | None  # the unified-diff hunks GitHub shows (None for binary / huge files)


@dataclass(frozen=True)
class ReviewComment:
    path: str
    line: int  # last line of the range, on the new side
    body: str
    start_line: int | None = None


def _retry(log: Callable[[str], None]) -> Any:
    from github import GithubRetry

    class ReportingRetry(GithubRetry):
        """GithubRetry (502/503/504, 5xx, secondary and primary rate limits) that says when it retries."""

        def increment(self, method: Any = None, url: Any = None, response: Any = None, error: Any = None,
                      _pool: Any = None, _stacktrace: Any = None) -> Any:
            what = f"HTTP {response.status}" if response is not None else f"{type(error).__name__}"
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
            after = response.headers.get("Retry-After") if response is not None else None
            wait = f"{after}s as Retry-After asks" if after else f"{retry.get_backoff_time():.0f}s"
            log(f"GitHub answered {what} to {method} {url}; retrying (attempt {len(retry.history) + 1}, "
                f"waiting {wait})")
            return retry

    options: dict[str, Any] = {"total": 5, "backoff_factor": 1.0, "status_forcelist": [500, 502, 503, 504],
                               "raise_on_status": False}
    if "max_rate_limit_wait" in inspect.signature(GithubRetry.__init__).parameters:  # PyGithub >= 2.10
        options["max_rate_limit_wait"] = MAX_RATE_LIMIT_WAIT  # older ones wait for the reset, however far
    return ReportingRetry(**options)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class GitHubClient:
    def __init__(self, api_url: str, token: str, repository: str, *, redact: Callable[[str], str],
                 log: Callable[[str], None] = _stderr) -> None:
        from github import Auth, Github

        self.log = log
        self.redact = redact
        self.repository = repository
        self._gh = Github(base_url=api_url, auth=Auth.Token(token), timeout=TIMEOUT_SECONDS,
                          retry=_retry(log), lazy=True, per_page=PER_PAGE,
                          seconds_between_requests=SECONDS_BETWEEN_READS,
                          seconds_between_writes=SECONDS_BETWEEN_WRITES)
        self._repo: Repository = self._gh.get_repo(repository)  # lazy: the client is (Github(lazy=True))
        self._pulls: dict[int, GhPullRequest] = {}

    def close(self) -> None:
        self._gh.close()

    def _pull(self, number: int) -> GhPullRequest:
        if number not in self._pulls:
            with _errors(f"reading pull request #{number}"):
                pr = self._repo.get_pull(number)
                pr.raw_data  # noqa: B018  (lazy object: fetch now, inside the error mapping)
            self._pulls[number] = pr
        return self._pulls[number]

    def pull_request(self, number: int) -> PullRequest:
        with _errors(f"reading pull request #{number}"):
            return pull_request_from_json(self._pull(number).raw_data)

    def permission(self, login: str) -> str:
        """admin | maintain | write | triage | read | none, as the repository grants it to `login`."""
        try:
            with _errors(f"asking the permission of {login}"):
                _, data = self._gh.requester.requestJsonAndCheck(
                    "GET", f"{self._repo.url}/collaborators/{login}/permission")
        except GitHubError as exc:
            if getattr(exc.__cause__, "status", None) == 404:  # not a user / not visible: no permission
                return "none"
            raise
        with _errors(f"asking the permission of {login}"):
            role = str(data.get("role_name") or "")
            return role if role in ("maintain", "triage") else str(data.get("permission") or "none")

    def pr_commits(self, number: int) -> list[CommitInfo]:
        doing = f"listing the commits of pull request #{number}"
        with _errors(doing):
            return [_commit_info(c) for c in _pages(self._pull(number).get_commits(), doing)]

    def pr_files(self, number: int) -> list[ChangedFile]:
        doing = f"listing the files of pull request #{number}"
        with _errors(doing):
            return [ChangedFile(path=f.filename, status=f.status, patch=f.patch)
                    for f in _pages(self._pull(number).get_files(), doing)]

    def outgoing(self, body: str) -> str:
        """What is sent for `body`: secrets redacted, mentions outside code made inert."""
        from bot.report.markdown import inert_mentions

        return inert_mentions(self.redact(body))

    def comments(self, number: int) -> list[Comment]:
        doing = f"listing the comments of #{number}"
        with _errors(doing):
            return [Comment(id=c.id, author=c.user.login, body=c.body or "")
                    for c in _pages(self._repo.get_issue(number).get_comments(), doing)]

    def create_comment(self, number: int, body: str) -> Comment:
        with _errors(f"commenting on #{number}"):
            c = self._repo.get_issue(number).create_comment(self.outgoing(body))
            return Comment(id=c.id, author=c.user.login, body=c.body or "")

    def edit_comment(self, comment_id: int, body: str) -> None:
        with _errors(f"updating comment {comment_id}"):
            self._gh.requester.requestJsonAndCheck(
                "PATCH", f"{self._repo.url}/issues/comments/{comment_id}", input={"body": self.outgoing(body)})

    def react(self, comment_id: int, reaction: str) -> None:
        if reaction not in REACTIONS:
            raise ValueError(f"unknown reaction {reaction!r}")
        with _errors(f"reacting to comment {comment_id}"):
            self._gh.requester.requestJsonAndCheck(
                "POST", f"{self._repo.url}/issues/comments/{comment_id}/reactions", input={"content": reaction})

    def create_review(self, number: int, commit_sha: str, body: str,
                      comments: Sequence[ReviewComment] = ()) -> int:
        payload: dict[str, Any] = {"commit_id": commit_sha, "body": self.outgoing(body), "event": "COMMENT",
                                   "comments": [_review_comment(c, self.outgoing) for c in comments]}
        with _errors(f"posting a review on pull request #{number}"):
            _, data = self._gh.requester.requestJsonAndCheck(
                "POST", f"{self._repo.url}/pulls/{number}/reviews", input=payload)
            return int(data["id"])


def _pages(listing: Any, doing: str) -> list[Any]:
    """The items of a PyGithub listing, read by page number (never by following the answer's `Link` header) until
    a short page, and at most MAX_PAGES pages."""
    items: list[Any] = []
    for page in range(MAX_PAGES):
        got = listing.get_page(page)
        items += got
        if len(got) < PER_PAGE:
            return items
    raise GitHubError(f"GitHub listed more than {MAX_PAGES} pages of {PER_PAGE} while {doing}; not reading on (a "
                      "proxy or an outage may be answering instead of the API)")


def _review_comment(c: ReviewComment, outgoing: Callable[[str], str]) -> dict[str, Any]:
    out: dict[str, Any] = {"path": c.path, "line": c.line, "side": "RIGHT", "body": outgoing(c.body)}
    if c.start_line is not None and c.start_line < c.line:
        out.update(start_line=c.start_line, start_side="RIGHT")
    return out


def _commit_info(c: Any) -> CommitInfo:
    """From a PyGithub Commit of a list answer (its attributes are all present: no extra request)."""
    git = c.commit
    return CommitInfo(sha=c.sha, message=git.message or "",
                      author_name=git.author.name or "", author_email=git.author.email or "",
                      committer_name=git.committer.name or "", committer_email=git.committer.email or "",
                      author_login=c.author.login if c.author is not None else None)


@contextmanager
def _errors(doing: str) -> Iterator[None]:
    """Map PyGithub / transport failures to GitHubError with a message that says what to do."""
    from github import (
        BadCredentialsException,
        GithubException,
        RateLimitExceededException,
        UnknownObjectException,
    )
    from requests import RequestException
    from urllib3.exceptions import HTTPError as Urllib3Error

    try:
        yield
    except RateLimitExceededException as exc:
        raise GitHubError(f"GitHub rate limit exhausted while {doing}; {_reset_text(exc.headers)}",
                          transient=True) from exc
    except BadCredentialsException as exc:
        raise GitHubError(f"GitHub rejected the token while {doing} (401): check the github-token input") from exc
    except UnknownObjectException as exc:
        raise GitHubError(f"GitHub answered 404 while {doing}: {exc.message or 'not found'} "
                          "(wrong repository or number, or the token cannot see it)") from exc
    except GithubException as exc:
        if "cannot complete object" in f"{exc.message} {exc.data}".lower():  # PyGithub: an answer lacking the object's fields
            raise _not_understood(doing, exc) from exc
        raise _from_status(exc, doing) from exc
    except (RequestException, Urllib3Error) as exc:
        raise GitHubError(f"could not reach GitHub while {doing}: {exc}", transient=True) from exc
    # JSON, UTF-8, shape; RecursionError: JSON nested deeper than the parser's recursion
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise _not_understood(doing, exc) from exc


def _not_understood(doing: str, exc: BaseException) -> GitHubError:
    return GitHubError(f"GitHub's answer could not be understood while {doing} ({type(exc).__name__}: "
                       f"{_short(exc)}); a proxy or an outage may have answered instead of the API",
                       transient=True)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _from_status(exc: Any, doing: str) -> GitHubError:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    status = exc.status
    if status == 403 and (headers.get("x-ratelimit-remaining") == "0" or "rate limit" in str(exc.message).lower()):
        return GitHubError(f"GitHub rate limit exhausted while {doing}; {_reset_text(headers)}", transient=True)
    if status == 403:
        return GitHubError(f"GitHub refused ({status}) while {doing}: {exc.message}. Give the workflow the "
                           "permissions it needs (contents: write, pull-requests: write, issues: write)")
    if status == 422:
        return GitHubError(f"GitHub rejected the request (422) while {doing}: {exc.message} {exc.data!r}")
    return GitHubError(f"GitHub answered {status} while {doing}: {exc.message or exc.data!r}",
                       transient=status >= 500)


def _reset_text(headers: Any) -> str:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    reset = headers.get("x-ratelimit-reset", "")
    if not str(reset).isdigit():
        return "try again later"
    at = datetime.fromtimestamp(int(reset), timezone.utc)
    minutes = max(0, round((at - datetime.now(timezone.utc)).total_seconds() / 60))
    return f"it resets at {at:%H:%M:%S} UTC (in about {minutes} min); re-run the job then"
