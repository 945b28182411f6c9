"""The one git helper of the test suite: `git(root, *args)` runs real git in a test repository.

Every run gets a fixed identity, no global or system git configuration (a developer's `commit.gpgsign`, hooks
path or default branch cannot change a test), and none of the GIT_* variables of the process that started
pytest (a test started from inside a git hook would otherwise act on the outer repository). A failure raises
`GitFailed` with git's stderr. `git_out` is the same with the output stripped (a sha, a branch, one line).

The `git_repo` fixture is an empty repository on branch `main`; `init_repo(root)` makes one anywhere.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}
TIMEOUT = 120.0


class GitFailed(AssertionError):
    """A git command of a test failed: the command, its exit status and stderr."""


def git_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the helper runs git with (for tests that start git-using processes themselves)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**clean, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **IDENTITY, **(env or {})}


def git(root: Path, *args: str, env: Mapping[str, str] | None = None, input: str | None = None) -> str:
    """`git ARGS` run in `root`; its stdout as is."""
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=git_env(env), input=input,
                          timeout=TIMEOUT, check=False)
    if proc.returncode != 0:
        raise GitFailed(f"git {' '.join(args)} (in {root}) exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def git_out(root: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """`git ARGS` run in `root`; its stdout stripped."""
    return git(root, *args, env=env).strip()


def init_repo(root: Path, *, branch: str = "main") -> Path:
    """An empty repository at `root` (created) on `branch`."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", branch)
    return root


def commit_files(repo: Path, files: Mapping[str, str], message: str) -> str:
    """Write `files` ({path: text}) into the work tree, commit everything, return the new commit's sha."""
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git_out(repo, "rev-parse", "HEAD")


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty repository on branch `main` at tmp_path/"repo"."""
    return init_repo(tmp_path / "repo")
