"""A real HTTP server on 127.0.0.1 that speaks the part of the GitHub REST API Yantra uses.

It answers like GitHub (JSON shapes, rate-limit headers, `url` fields pointing back at itself), records every
request, and rejects malformed ones: no/invalid `Authorization` -> 401, unknown path or method -> 404, a body
that is not JSON -> 400, missing or invalid fields -> 422 (a review comment on a line outside the diff too).
Pull requests are backed by a real bare git repository: head SHA, commits and files are computed from it, as
GitHub does, so a push by the bot is visible through the API.

    with github_server(bare_repo, "owner/name") as gh:
        gh.add_pull(number=1, pr_json=..., head_ref="feature")
        gh.set_permission("octocat", "write")
        gh.fail("GET", r"/pulls/1$", status=502)      # scripted failures, consumed in order
        gh.hostile("GET", r"/pulls/1$", HTML)          # a 200 whose body is not the API's JSON
        ... run the Action with GITHUB_API_URL=gh.base_url, token gh.token ...
        gh.requests, gh.writes(), gh.comments[1], gh.reviews[1], gh.reactions[comment_id]
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from support.gitrepo import git

BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
REACTIONS = {"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"}
DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or the raw text when it was not JSON
    status: int


@dataclass
class Failure:
    method: str
    pattern: str
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    times: int
    raw: bytes | None = None  # sent as is instead of `body` (hostile answers)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class PullState:
    number: int
    pr_json: dict[str, Any]
    head_ref: str  # the ref in the bare repo holding the head (refs/heads/x or refs/pull/N/head)
    base_ref: str


@dataclass
class HttpError(Exception):
    status: int
    body: dict[str, Any]


class GitHubServer:
    def __init__(self, bare_repo: Path, repository: str, token: str = "ghs_test_token_0123456789") -> None:
        self.bare_repo = bare_repo
        self.repository = repository
        self.token = token
        self.base_url = ""
        self.requests: list[Recorded] = []
        self.pulls: dict[int, PullState] = {}
        self.permissions: dict[str, str] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.reactions: dict[int, list[str]] = {}
        self.failures: list[Failure] = []
        self.on_request: Callable[[str, str], None] | None = None  # (method, path) hook, before answering
        self._next_id = 1000
        self._lock = threading.Lock()

    # ---- scripting -------------------------------------------------------------------------------------
    def add_pull(self, number: int, pr_json: dict[str, Any], *, head_ref: str, base_ref: str = "main") -> None:
        self.pulls[number] = PullState(number, copy.deepcopy(pr_json), head_ref, base_ref)
        self.comments.setdefault(number, [])
        self.reviews.setdefault(number, [])

    def set_permission(self, login: str, permission: str) -> None:
        self.permissions[login] = permission

    def add_comment(self, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self._new_comment(number, body, user)

    def fail(self, method: str, pattern: str, *, status: int, times: int = 1,
             headers: dict[str, str] | None = None, body: dict[str, Any] | None = None) -> None:
        self.failures.append(Failure(method, pattern, status, headers or {},
                                     body or {"message": "Server Error"}, times))

    def hostile(self, method: str, pattern: str, raw: bytes, *, content_type: str = "application/json",
                status: int = 200, times: int = 1) -> None:
        """Answer matching requests with `raw` bytes (HTML, truncated JSON, invalid UTF-8) and `status`."""
        self.failures.append(Failure(method, pattern, status, {}, {}, times, raw, content_type))

    def rate_limit(self, method: str, pattern: str, *, reset_in: float, times: int = 1) -> None:
        reset = str(int(time.time() + reset_in))
        self.fail(method, pattern, status=403, times=times,
                  headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, "x-ratelimit-limit": "5000"},
                  body={"message": "API rate limit exceeded for installation ID 4242.",
                        "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"})

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    # ---- git-backed facts ------------------------------------------------------------------------------
    def _git(self, *args: str) -> str:
        return git(self.bare_repo, "--git-dir", str(self.bare_repo), *args)

    def head_sha(self, number: int) -> str:
        return self._git("rev-parse", self.pulls[number].head_ref).strip()

    def _base_sha(self, number: int) -> str:
        return self._git("rev-parse", f"refs/heads/{self.pulls[number].base_ref}").strip()

    def pull_json(self, number: int) -> dict[str, Any]:
        p = self.pulls[number]
        data = copy.deepcopy(p.pr_json)
        repo_url = f"{self.base_url}/repos/{self.repository}"
        data.update(url=f"{repo_url}/pulls/{number}", issue_url=f"{repo_url}/issues/{number}",
                    commits_url=f"{repo_url}/pulls/{number}/commits",
                    comments_url=f"{repo_url}/issues/{number}/comments",
                    review_comments_url=f"{repo_url}/pulls/{number}/comments",
                    statuses_url=f"{repo_url}/statuses/{self.head_sha(number)}")
        data["head"]["sha"] = self.head_sha(number)
        data["base"]["sha"] = self._base_sha(number)
        return data

    def commits_json(self, number: int) -> list[dict[str, Any]]:
        p = self.pulls[number]
        out = self._git("log", "--reverse", "--format=%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x1e",
                        f"refs/heads/{p.base_ref}..{p.head_ref}")
        commits: list[dict[str, Any]] = []
        for rec in filter(str.strip, out.split("\x1e")):
            sha, an, ae, cn, ce, msg = rec.strip("\n").split("\x00")
            commits.append({"sha": sha, "url": f"{self.base_url}/repos/{self.repository}/commits/{sha}",
                            "commit": {"author": {"name": an, "email": ae, "date": "2026-01-01T00:00:00Z"},
                                       "committer": {"name": cn, "email": ce, "date": "2026-01-01T00:00:00Z"},
                                       "message": msg.strip()},
                            "author": BOT if ae == "41898282+github-actions[bot]@users.noreply.github.com"
                            else None, "parents": []})
        return commits

    def files_json(self, number: int) -> list[dict[str, Any]]:
        p = self.pulls[number]
        rng = f"refs/heads/{p.base_ref}...{p.head_ref}"
        statuses = {"A": "added", "M": "modified", "D": "removed"}
        files = []
        for line in self._git("diff", "--name-status", "--no-renames", rng).splitlines():
            code, path = line.split("\t", 1)
            diff = self._git("diff", "--no-renames", rng, "--", path)
            hunks = diff[diff.find("@@"):] if "@@" in diff else None
            files.append({"sha": "0" * 40, "filename": path, "status": statuses.get(code[0], "modified"),
                          "additions": 0, "deletions": 0, "changes": 0, "patch": hunks,
                          "blob_url": "", "raw_url": "", "contents_url": ""})
        return files

    def _commentable(self, number: int) -> dict[str, set[int]]:
        """Right-side lines of each file's diff hunks: the lines a review comment may target."""
        out: dict[str, set[int]] = {}
        for f in self.files_json(number):
            lines: set[int] = set()
            new = 0
            for row in (f["patch"] or "").splitlines():
                m = re.match(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", row)
                if m:
                    new = int(m.group(1))
                elif row.startswith("-"):
                    continue
                elif row.startswith(("+", " ")):
                    lines.add(new)
                    new += 1
            out[f["filename"]] = lines
        return out

    # ---- handlers ----------------------------------------------------------------------------------------
    def _new_comment(self, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        cid = self._next_id
        url = f"{self.base_url}/repos/{self.repository}/issues/comments/{cid}"
        comment = {"id": cid, "node_id": f"IC_{cid}", "url": url, "body": body, "user": dict(user),
                   "html_url": f"https://github.com/{self.repository}/pull/{number}#issuecomment-{cid}",
                   "issue_url": f"{self.base_url}/repos/{self.repository}/issues/{number}",
                   "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                   "author_association": "NONE"}
        self.comments.setdefault(number, []).append(comment)
        return comment

    def _find_comment(self, cid: int) -> dict[str, Any]:
        for comments in self.comments.values():
            for c in comments:
                if c["id"] == cid:
                    return c
        raise HttpError(404, {"message": "Not Found", "documentation_url": DOCS})

    def _pull_or_404(self, number: str) -> int:
        if int(number) not in self.pulls:
            raise HttpError(404, {"message": "Not Found", "documentation_url": DOCS})
        return int(number)

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        repo = re.escape(self.repository)
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", rf"/repos/{repo}/pulls/(\d+)", self._get_pull),
            ("GET", rf"/repos/{repo}/pulls/(\d+)/commits", self._get_commits),
            ("GET", rf"/repos/{repo}/pulls/(\d+)/files", self._get_files),
            ("POST", rf"/repos/{repo}/pulls/(\d+)/reviews", self._post_review),
            ("GET", rf"/repos/{repo}/collaborators/([^/]+)/permission", self._get_permission),
            ("GET", rf"/repos/{repo}/issues/(\d+)/comments", self._get_comments),
            ("POST", rf"/repos/{repo}/issues/(\d+)/comments", self._post_comment),
            ("PATCH", rf"/repos/{repo}/issues/comments/(\d+)", self._patch_comment),
            ("POST", rf"/repos/{repo}/issues/comments/(\d+)/reactions", self._post_reaction),
        ]
        for m, pattern, fn in routes:
            match = re.fullmatch(pattern, path)
            if match and m == method:
                return fn(*match.groups(), body=body)
        raise HttpError(404, {"message": "Not Found", "documentation_url": DOCS})

    def _get_pull(self, number: str, body: Any) -> tuple[int, Any]:
        return 200, self.pull_json(self._pull_or_404(number))

    def _get_commits(self, number: str, body: Any) -> tuple[int, Any]:
        return 200, self.commits_json(self._pull_or_404(number))

    def _get_files(self, number: str, body: Any) -> tuple[int, Any]:
        return 200, self.files_json(self._pull_or_404(number))

    def _get_permission(self, login: str, body: Any) -> tuple[int, Any]:
        if login not in self.permissions:
            raise HttpError(404, {"message": f"{login} is not a user", "documentation_url": DOCS})
        perm = self.permissions[login]
        legacy = {"maintain": "write", "triage": "read"}.get(perm, perm)
        return 200, {"permission": legacy, "role_name": perm,
                     "user": {"login": login, "type": "User", "permissions": {}}}

    def _get_comments(self, number: str, body: Any) -> tuple[int, Any]:
        return 200, self.comments.get(int(number), [])

    def _post_comment(self, number: str, body: Any) -> tuple[int, Any]:
        _require(body, {"body": str})
        if int(number) not in self.pulls:
            raise HttpError(404, {"message": "Not Found", "documentation_url": DOCS})
        return 201, self._new_comment(int(number), body["body"], BOT)

    def _patch_comment(self, cid: str, body: Any) -> tuple[int, Any]:
        _require(body, {"body": str})
        comment = self._find_comment(int(cid))
        if comment["user"]["login"] != BOT["login"]:
            raise HttpError(403, {"message": "Resource not accessible by integration", "documentation_url": DOCS})
        comment["body"] = body["body"]
        return 200, comment

    def _post_reaction(self, cid: str, body: Any) -> tuple[int, Any]:
        _require(body, {"content": str})
        if body["content"] not in REACTIONS:
            raise _invalid("content", "Reaction", "invalid")
        self._find_comment(int(cid))
        self.reactions.setdefault(int(cid), []).append(body["content"])
        self._next_id += 1
        return 201, {"id": self._next_id, "content": body["content"], "user": BOT,
                     "created_at": "2026-01-01T00:00:00Z"}

    def _post_review(self, number: str, body: Any) -> tuple[int, Any]:
        n = self._pull_or_404(number)
        _require(body, {"event": str})
        if body["event"] not in ("COMMENT", "APPROVE", "REQUEST_CHANGES"):
            raise _invalid("event", "PullRequestReview", "invalid")
        if body.get("commit_id") and not re.fullmatch(r"[0-9a-f]{40}", body["commit_id"]):
            raise _invalid("commit_id", "PullRequestReview", "invalid")
        allowed = self._commentable(n)
        for c in body.get("comments") or []:
            if not isinstance(c, dict) or not isinstance(c.get("path"), str) or not isinstance(c.get("line"), int) \
                    or not isinstance(c.get("body"), str):
                raise _invalid("comments", "PullRequestReview", "invalid")
            lines = allowed.get(c["path"], set())
            first = c["start_line"] if isinstance(c.get("start_line"), int) else c["line"]
            if any(x not in lines for x in range(first, c["line"] + 1)):
                raise HttpError(422, {"message": "Unprocessable Entity", "errors": [
                    "Pull request review thread line must be part of the diff"], "documentation_url": DOCS,
                    "status": "422"})
        self._next_id += 1
        review = {"id": self._next_id, "user": BOT, "body": body.get("body", ""), "state": "COMMENTED",
                  "commit_id": body.get("commit_id") or self.head_sha(n), "comments": body.get("comments") or [],
                  "html_url": f"https://github.com/{self.repository}/pull/{n}#pullrequestreview-{self._next_id}",
                  "pull_request_url": f"{self.base_url}/repos/{self.repository}/pulls/{n}",
                  "submitted_at": "2026-01-01T00:00:00Z"}
        self.reviews[n].append(review)
        return 200, review


def _require(body: Any, fields: dict[str, type]) -> None:
    if not isinstance(body, dict):
        raise HttpError(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
    for name, kind in fields.items():
        if not isinstance(body.get(name), kind):
            raise _invalid(name, "Resource", "missing_field")


def _invalid(name: str, resource: str, code: str) -> HttpError:
    return HttpError(422, {"message": "Validation Failed", "documentation_url": DOCS,
                           "errors": [{"resource": resource, "field": name, "code": code}], "status": "422"})


class _Handler(BaseHTTPRequestHandler):
    server_version = "GitHub.com"
    gh: GitHubServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        gh = self.gh
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        body: Any = None
        status, answer, extra = 200, None, {}
        raw_answer: bytes | None = None
        content_type = "application/json; charset=utf-8"
        try:
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                    raise HttpError(400, {"message": "Problems parsing JSON", "documentation_url": DOCS}) from None
            auth = self.headers.get("Authorization", "")
            if auth not in (f"token {gh.token}", f"Bearer {gh.token}"):
                raise HttpError(401, {"message": "Requires authentication", "documentation_url": DOCS})
            if self.command in ("POST", "PATCH", "PUT") and not raw:
                raise HttpError(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
            with gh._lock:
                if gh.on_request is not None:
                    gh.on_request(self.command, path)
                for f in gh.failures:
                    if f.times > 0 and f.method == self.command and re.search(f.pattern, path):
                        f.times -= 1
                        status, answer, extra = f.status, f.body, f.headers
                        raw_answer, content_type = f.raw, f.content_type
                        break
                else:
                    status, answer = gh.handle(self.command, path, body)
        except HttpError as exc:
            status, answer = exc.status, exc.body
        with gh._lock:
            gh.requests.append(Recorded(self.command, path, query, dict(self.headers.items()), body, status))
        data = raw_answer if raw_answer is not None else json.dumps(answer).encode()
        self.send_response(status)
        headers = {"Content-Type": content_type, "x-github-request-id": "0000:1111",
                   "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999",
                   "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-used": "1",
                   "x-ratelimit-resource": "core", **extra}
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


@contextmanager
def github_server(bare_repo: Path, repository: str) -> Iterator[GitHubServer]:
    gh = GitHubServer(bare_repo, repository)
    handler = type("Handler", (_Handler,), {"gh": gh})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    gh.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield gh
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


HTML = b"<!DOCTYPE html><html><body><h1>Unicorn! This page is taking too long to load.</h1></body></html>"


def truncated(data: Any) -> bytes:
    whole = json.dumps(data).encode()
    return whole[: len(whole) // 2]


__all__ = ["BOT", "HTML", "GitHubServer", "Recorded", "github_server", "truncated"]
