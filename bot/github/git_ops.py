"""Git in the Action's workspace, through GitPython: fetch the PR head, commit as the bot, push safely.

actions/checkout has cloned the repository into GITHUB_WORKSPACE with `origin` set up; this module fetches
the pull request's head and base, checks the head out, and pushes fix commits as fast-forwards only, after
making sure with `ls-remote` that nobody pushed since the run started. It never force-pushes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import GitError

if TYPE_CHECKING:
    from git import Repo

TRAILER = "Yantra-Session"
TRAILER_RE = re.compile(rf"^{TRAILER}:\s*\S+", re.MULTILINE)
HEAD_REF = "refs/remotes/origin/yantra/head"
BASE_REF = "refs/remotes/origin/yantra/base"


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


class BranchMoved(GitError):
    """The PR branch on the remote is no longer at the commit the run started from."""


def open_repo(workspace: Path) -> Repo:
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        return Repo(workspace)
    except (InvalidGitRepositoryError, NoSuchPathError) as exc:
        raise GitError(f"{workspace} is not a git checkout: run actions/checkout before Yantra") from exc


def _git(repo: Repo, *args: str) -> str:
    from git import GitCommandError

    try:
        return str(repo.git.execute(["git", *args]))
    except GitCommandError as exc:
        raise GitError(f"`git {' '.join(args)}` failed (exit {exc.status}): "
                       f"{str(exc.stderr).strip() or str(exc.stdout).strip()}") from exc


def fetch_pull(repo: Repo, number: int, head_ref: str, base_ref: str, *, fork: bool) -> None:
    """Fetch the PR head (a fork's through `refs/pull/N/head` of the base repository) and its base branch."""
    head = f"refs/pull/{number}/head" if fork else f"refs/heads/{head_ref}"
    _git(repo, "fetch", "--no-tags", "--quiet", "origin", f"+{head}:{HEAD_REF}", f"+refs/heads/{base_ref}:{BASE_REF}")


def checkout(repo: Repo, sha: str) -> None:
    """Check out `sha` (detached), discarding what a previous step left in tracked files."""
    _git(repo, "checkout", "--quiet", "--force", "--detach", sha)


def has_commit(repo: Repo, sha: str) -> bool:
    try:
        _git(repo, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True


def fetched_head(repo: Repo) -> str:
    return _git(repo, "rev-parse", HEAD_REF).strip()


def merge_base_diff(repo: Repo, head_sha: str) -> str:
    """The PR's change as GitHub shows it: base...head."""
    return _git(repo, "diff", "--no-color", "--no-ext-diff", f"{BASE_REF}...{head_sha}")


def working_diff(repo: Repo, start_sha: str, paths: list[str] | None = None, *, context: int = 3) -> str:
    """Tracked changes in the working tree against `start_sha` (what a fix left applied)."""
    return _git(repo, "diff", "--no-color", "--no-ext-diff", f"-U{context}", start_sha, "--", *(paths or []))


def show(repo: Repo, sha: str, path: str) -> str:
    return _git(repo, "show", f"{sha}:{path}")


def drop_persisted_credentials(repo: Repo) -> None:
    """Remove the auth header actions/checkout keeps in .git/config (`http.<url>.extraheader`)."""
    try:
        out = _git(repo, "config", "--local", "--name-only", "--get-regexp", r"^http\..*\.extraheader$")
    except GitError:
        return  # none set
    for name in sorted(set(out.split())):
        _git(repo, "config", "--local", "--unset-all", name)


def commit_message(repo: Repo, sha: str) -> str:
    return _git(repo, "log", "-1", "--format=%B", sha)


def remote_head(repo: Repo, branch: str) -> str | None:
    out = _git(repo, "ls-remote", "origin", f"refs/heads/{branch}")
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return None


def patch_paths(patch: str) -> list[str]:
    """Paths a unified diff touches (new side; deleted files by their old path)."""
    paths: list[str] = []
    for match in re.finditer(r"^diff --git a/(\S+) b/(\S+)$", patch, re.MULTILINE):
        if match.group(2) not in paths:
            paths.append(match.group(2))
    return paths


def commit_fix(repo: Repo, paths: list[str], message: str, who: Identity) -> str:
    """Commit `paths` (changed, added or deleted by the fix) as the bot; return the new SHA."""
    if not paths:
        raise GitError("the fix changed no files; nothing to commit")
    _git(repo, "add", "--all", "--", *paths)
    env = {"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
           "GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email}
    from git import GitCommandError

    try:
        repo.git.execute(["git", "commit", "--quiet", "--no-verify", "-m", message], env=env)
    except GitCommandError as exc:
        raise GitError(f"could not commit the fix (exit {exc.status}): {str(exc.stderr).strip()}") from exc
    return _git(repo, "rev-parse", "HEAD").strip()


def push_fix(repo: Repo, branch: str, expected_remote: str) -> None:
    """Push HEAD to `branch` as a fast-forward, only if the remote branch is still at `expected_remote`."""
    current = remote_head(repo, branch)
    if current != expected_remote:
        raise BranchMoved(f"the branch {branch} moved during the run (now {current or 'deleted'}, the run started "
                          f"from {expected_remote}): a human pushed; not pushing")
    _git(repo, "push", "--quiet", "--porcelain", "origin", f"HEAD:refs/heads/{branch}")


def apply_patch(repo: Repo, patch: str) -> None:
    """Apply a unified diff (a fix the pipeline returned without applying it) to the working tree."""
    import tempfile

    if not patch.strip():
        raise GitError("the fix has an empty patch; nothing to apply")
    with tempfile.NamedTemporaryFile("w", suffix=".patch", encoding="utf-8", delete=False) as out:
        out.write(patch if patch.endswith("\n") else patch + "\n")
    try:
        _git(repo, "apply", "--whitespace=nowarn", out.name)
    finally:
        Path(out.name).unlink(missing_ok=True)


def discard(repo: Repo, start_sha: str, new_paths: list[str]) -> None:
    """Put the working tree back at `start_sha`, removing files a fix created."""
    checkout(repo, start_sha)
    for path in new_paths:
        target = Path(str(repo.working_tree_dir)) / path
        if target.is_file() and not _tracked(repo, path):
            target.unlink()


def _tracked(repo: Repo, path: str) -> bool:
    return bool(_git(repo, "ls-files", "--", path).strip())


def is_bot_commit(message: str, emails: tuple[str, ...], bot_email: str) -> bool:
    return bool(TRAILER_RE.search(message)) or any(e.lower() == bot_email.lower() for e in emails)
