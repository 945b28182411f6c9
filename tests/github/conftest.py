"""A GitHub Actions runner in a tmp_path: a bare repository as `origin`, a workspace clone as actions/checkout
leaves it, the local GitHub API server, event files adapted from the real payloads in tests/fixtures/github-payloads,
and `run()` starting the Action's entry point as the runner does: a subprocess with the runner's environment."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.cli_here import run_cli_here
from support.github_server import GitHubServer, github_server
from support.gitrepo import git_out as git  # stripped: the world compares shas and single lines
from support.pytest_env import PYTEST_ENV

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "github-payloads"  # copied from ../shared
REPO = "Codertocat/Hello-World"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
TESTS = ("from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
         "def test_sub():\n    assert sub(5, 3) == 2\n")
PYPROJECT = '[project]\nname = "calc"\nversion = "0.1"\nrequires-python = ">=3.10"\n'
# Loading torch and the embedding model costs ~10 CPU seconds a fix run; the learning store's embeddings have
# their own tests (tests/pipeline/test_learning.py) and one Action run keeps them on (`world_with_embeddings`).
NO_EMBEDDINGS = "\n[tool.yantra.fix]\nembeddings = false\n"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return data


@dataclass
class World:
    tmp: Path
    bare: Path
    workspace: Path
    gh: GitHubServer
    number: int = 7
    head_ref: str = "feature"
    fork: bool = False
    env_extra: dict[str, str] = field(default_factory=dict)

    FIX_ANSWER = ("The refactor turned subtraction into addition; restore it.\n\ncalc.py\n<<<<<<< SEARCH\n"
                  "def sub(a, b):\n    return a + b\n=======\ndef sub(a, b):\n    return a - b\n"
                  ">>>>>>> REPLACE\n\nCONFIDENCE: 0.95\n")

    def make_fork(self) -> None:
        """Turn PR #7 into a fork PR: the head lives at refs/pull/7/head of the base repository only."""
        sha = self.remote_sha("refs/heads/feature")
        git(self.bare, "update-ref", f"refs/pull/{self.number}/head", sha)
        git(self.bare, "update-ref", "-d", "refs/heads/feature")
        self.fork = True

    # ---- repository ------------------------------------------------------------------------------------
    def remote_sha(self, ref: str) -> str:
        return git(self.bare, "rev-parse", ref)

    def push_commit(self, files: dict[str, str], message: str, *, ref: str | None = None,
                    author: tuple[str, str] = ("Dev", "dev@example.com")) -> str:
        """Commit `files` on top of the PR head in a scratch clone and push it to the bare remote."""
        scratch = self.tmp / f"scratch-{len(list(self.tmp.glob('scratch-*')))}"
        git(self.tmp, "clone", "-q", str(self.bare), str(scratch))
        target = ref or f"refs/heads/{self.head_ref}"
        git(scratch, "fetch", "-q", "origin", f"+{target}:refs/remotes/origin/target")
        git(scratch, "checkout", "-q", "--detach", "refs/remotes/origin/target")
        for path, text in files.items():
            (scratch / path).parent.mkdir(parents=True, exist_ok=True)
            (scratch / path).write_text(text, encoding="utf-8")
        git(scratch, "add", "-A")
        name, email = author
        git(scratch, "commit", "-q", "-m", message, env={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                                                         "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email})
        git(scratch, "push", "-q", "origin", f"HEAD:{target}")
        return git(scratch, "rev-parse", "HEAD")

    def refs(self) -> str:
        return git(self.bare, "for-each-ref", "--format=%(refname) %(objectname)")

    def git_log(self, sha: str, fmt: str) -> str:
        return git(self.bare, "log", "-1", f"--format={fmt}", sha)

    def git_show(self, sha: str, path: str) -> str:
        return git(self.bare, "show", f"{sha}:{path}")

    # ---- events ------------------------------------------------------------------------------------------
    def pr_json(self, **changes: Any) -> dict[str, Any]:
        pr = copy.deepcopy(payload("pull_request.opened.payload.json")["pull_request"])
        pr["number"] = self.number
        pr["head"]["ref"] = self.head_ref if not self.fork else "patch-1"
        pr["base"]["ref"] = "main"
        pr["labels"] = []
        if self.fork:
            pr["head"]["repo"] = {**pr["head"]["repo"], "full_name": "forker/Hello-World", "fork": True,
                                  "owner": {**pr["head"]["repo"]["owner"], "login": "forker"}}
            pr["head"]["label"] = "forker:patch-1"
        pr.update(changes)
        return pr

    def register_pull(self, **changes: Any) -> None:
        head = f"refs/pull/{self.number}/head" if self.fork else f"refs/heads/{self.head_ref}"
        self.gh.add_pull(self.number, self.pr_json(**changes), head_ref=head)

    def pull_request_event(self, action: str = "opened", **changes: Any) -> Path:
        data = payload(f"pull_request.{'opened' if action == 'opened' else 'synchronize'}.payload.json")
        data["action"] = action
        data["number"] = self.number
        pr = self.pr_json(**changes)
        head = f"refs/pull/{self.number}/head" if self.fork else f"refs/heads/{self.head_ref}"
        pr["head"]["sha"] = self.remote_sha(head)
        pr["base"]["sha"] = self.remote_sha("refs/heads/main")
        data["pull_request"] = pr
        return self._write_event("pull_request", data)

    def comment_event(self, body: str, login: str, comment_id: int = 555001) -> Path:
        data = payload("issue_comment.created.payload.json")
        data["issue"]["number"] = self.number
        data["issue"]["pull_request"] = {
            "url": f"https://api.github.com/repos/{REPO}/pulls/{self.number}",
            "html_url": f"https://github.com/{REPO}/pull/{self.number}",
            "diff_url": f"https://github.com/{REPO}/pull/{self.number}.diff",
            "patch_url": f"https://github.com/{REPO}/pull/{self.number}.patch"}
        data["comment"]["id"] = comment_id
        data["comment"]["body"] = body
        data["comment"]["user"] = {**data["comment"]["user"], "login": login, "type": "User"}
        data["sender"] = {**data["sender"], "login": login, "type": "User"}
        self.gh.add_comment(self.number, body, {"login": login, "id": 1, "type": "User"})
        self.gh.comments[self.number][-1]["id"] = comment_id
        return self._write_event("issue_comment", data)

    def _write_event(self, name: str, data: dict[str, Any]) -> Path:
        path = self.tmp / f"event-{name}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        self.env_extra["GITHUB_EVENT_NAME"] = name
        self.env_extra["GITHUB_EVENT_PATH"] = str(path)
        return path

    # ---- the runner ----------------------------------------------------------------------------------------
    def env(self, **inputs: str) -> dict[str, str]:
        home = self.tmp / "home"
        home.mkdir(exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
               "GITHUB_ACTIONS": "true", "GITHUB_API_URL": self.gh.base_url, "GITHUB_REPOSITORY": REPO,
               "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_SERVER_URL": "https://github.com",
               "GITHUB_OUTPUT": str(self.tmp / "output.txt"), "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
               "YANTRA_GITHUB_TOKEN": self.gh.token, "YANTRA_MODE": "check", **PYTEST_ENV,
               **self.env_extra}
        env.update({f"YANTRA_{k.upper()}": v for k, v in inputs.items()})
        if os.environ.get("PYTHONPATH"):  # the `bot` under test (a worktree's), as the other subprocess tests run
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        return env

    def run(self, *, process: bool = False, timeout: float = 600, **inputs: str) -> subprocess.CompletedProcess[str]:
        """`yantra action` with these inputs: through the CLI's entry point in this process (support.cli_here),
        or with `process=True` as the runner starts it, a `python -m bot action` subprocess stopped after
        `timeout` seconds (subprocess.TimeoutExpired)."""
        argv = [sys.executable, "-m", "bot", "action"]
        if process:
            return subprocess.run(argv, cwd=self.workspace, env=self.env(**inputs), capture_output=True, text=True,
                                  timeout=timeout)
        run = run_cli_here(["action"], cwd=self.workspace, env=self.env(**inputs))
        return subprocess.CompletedProcess(argv, run.code, run.stdout, run.stderr)

    def outputs(self) -> dict[str, str]:
        path = self.tmp / "output.txt"
        out: dict[str, str] = {}
        if not path.exists():
            return out
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            name, _, delim = lines[i].partition("<<")
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:j])
            i = j + 1
        return out


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """Same-repository PR #7: `feature` breaks `sub` (a test fails); origin is a bare repo. The base's
    pyproject.toml switches the learning store's embeddings off."""
    yield from _world(tmp_path, PYPROJECT + NO_EMBEDDINGS)


@pytest.fixture
def world_with_embeddings(tmp_path: Path) -> Iterator[World]:
    """The same world with the base's pyproject.toml leaving embeddings at their default (on)."""
    yield from _world(tmp_path, PYPROJECT)


def _world(tmp_path: Path, pyproject: str) -> Iterator[World]:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    (seed / "tests").mkdir()
    (seed / "calc.py").write_text(CALC, encoding="utf-8")
    (seed / "tests" / "test_calc.py").write_text(TESTS, encoding="utf-8")
    (seed / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "calc")
    git(seed, "push", "-q", "origin", "HEAD:refs/heads/main")
    git(seed, "checkout", "-q", "-b", "feature")
    (seed / "calc.py").write_text(CALC.replace("return a - b", "return a + b"), encoding="utf-8")
    git(seed, "commit", "-q", "-am", "Refactor sub")
    git(seed, "push", "-q", "origin", "HEAD:refs/heads/feature")
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", str(bare), str(workspace))  # actions/checkout of the default branch
    with github_server(bare, REPO) as gh:
        world = World(tmp=tmp_path, bare=bare, workspace=workspace, gh=gh)
        gh.set_permission("maintainer", "maintain")
        gh.set_permission("visitor", "read")
        yield world
