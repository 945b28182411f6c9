"""The Action's git work in GITHUB_WORKSPACE, in the bot's terms: fetch the pull request, check it out, commit
as the bot, push only while the branch is where the run started, and put the trusted checkout back.

Every command line is built by `bot.git` (the one git seam); this module decides which refs and what order.
actions/checkout has cloned the repository with `origin` set up. Nothing here ever force-pushes.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot import git, git_remote
from bot.errors import GitError

TRAILER = "Yantra-Session"
TRAILER_RE = re.compile(rf"^{TRAILER}:\s*\S+", re.MULTILINE)
HEAD_REF = "refs/remotes/origin/yantra/head"
BASE_REF = "refs/remotes/origin/yantra/base"
REMOTE = "origin"


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


@dataclass(frozen=True)
class Checkout:
    """Where the workspace was before the run touched it: a branch (None when detached) and its commit."""
    branch: str | None
    sha: str | None


class BranchMoved(GitError):
    """The PR branch on the remote is no longer at the commit the run started from."""


def open_workspace(workspace: Path) -> Path:
    if not workspace.is_dir() or not git_remote.is_work_tree(workspace):
        raise GitError(f"{workspace} is not a git checkout: run actions/checkout before Yantra")
    return workspace


def remember(root: Path) -> Checkout:
    return Checkout(git_remote.current_branch(root), git.head_commit(root))


def restore(root: Path, where: Checkout) -> None:
    """Put the trusted checkout back (its branch, else its commit), discarding what the run left in it."""
    if where.branch is not None:
        git_remote.checkout_branch(root, where.branch)
    elif where.sha is not None:
        git_remote.checkout_detached(root, where.sha)


def fetch_pull(root: Path, number: int, head_ref: str, base_ref: str, *, fork: bool) -> None:
    """Fetch the PR head (a fork's through `refs/pull/N/head` of the base repository) and its base branch."""
    head = f"refs/pull/{number}/head" if fork else f"refs/heads/{head_ref}"
    git_remote.fetch_refspecs(root, REMOTE, [f"+{head}:{HEAD_REF}", f"+refs/heads/{base_ref}:{BASE_REF}"])


def checkout(root: Path, sha: str) -> None:
    """Check out `sha` (detached), discarding what a previous step left in tracked files."""
    git_remote.checkout_detached(root, sha)


def has_commit(root: Path, sha: str) -> bool:
    return git_remote.has_commit(root, sha)


def fork_point(root: Path, head_sha: str) -> str:
    """The commit the PR's change starts from (GitHub's base...head compares head with it)."""
    return git_remote.merge_base(root, BASE_REF, head_sha)


def merge_base_diff(root: Path, head_sha: str) -> str:
    """The PR's change as GitHub shows it: base...head."""
    return git_remote.diff_text(root, f"{BASE_REF}...{head_sha}")


def working_diff(root: Path, start_sha: str, paths: list[str] | None = None, *, context: int = 3) -> str:
    """Tracked changes in the working tree against `start_sha` (what a fix left applied)."""
    return git_remote.diff_text(root, start_sha, paths=paths or (), context=context)


def show(root: Path, rev: str, path: str) -> str:
    text = git_remote.show_file(root, rev, path)
    if text is None:
        raise GitError(f"{path} does not exist at {rev}")
    return text


def base_file(root: Path, base_sha: str, path: str) -> str | None:
    """`path` on the trusted side: at the PR's base commit if fetched, else the fetched base branch."""
    return git_remote.show_file(root, base_rev(root, base_sha), path)


def base_rev(root: Path, base_sha: str) -> str:
    """The trusted side's commit: the PR's base commit if fetched, else the fetched base branch's tip."""
    return base_sha if base_sha and git_remote.has_commit(root, base_sha) else git_remote.rev_parse(root, BASE_REF)


def drop_persisted_credentials(root: Path) -> list[str]:
    """Remove the auth header actions/checkout keeps in .git/config (`http.<url>.extraheader`)."""
    return git_remote.drop_extraheaders(root)


def remote_head(root: Path, branch: str) -> str | None:
    return git_remote.remote_branch_sha(root, REMOTE, branch)


def commit_fix(root: Path, paths: list[str], message: str, who: Identity) -> str:
    """Commit `paths` (changed, added or deleted by the fix) as the bot; return the new SHA."""
    if not paths:
        raise GitError("the fix changed no files; nothing to commit")
    try:
        return git_remote.commit_paths(root, paths, message, name=who.name, email=who.email)
    except GitError as exc:
        raise GitError(f"could not commit the fix: {exc}") from exc


def push_fix(root: Path, branch: str, expected_remote: str) -> None:
    """Push HEAD to `branch` as a fast-forward, only if the remote branch is still at `expected_remote`:
    compared first (for a clear message), then enforced atomically by the push's lease."""
    current = remote_head(root, branch)
    if current != expected_remote:
        raise _moved(branch, current, expected_remote)
    try:
        git_remote.push_expecting(root, REMOTE, branch, expected_remote)
    except GitError as exc:
        if "stale info" in str(exc) or "rejected" in str(exc):
            raise _moved(branch, remote_head(root, branch), expected_remote) from exc
        raise


def _moved(branch: str, current: str | None, expected: str) -> BranchMoved:
    return BranchMoved(f"the branch {branch} moved during the run (now {current or 'deleted'}, the run started "
                       f"from {expected}): a human pushed; not pushing")


def apply_patch(root: Path, patch: str) -> None:
    """Apply a unified diff (a fix the pipeline returned without applying it) to the working tree."""
    if not patch.strip():
        raise GitError("the fix has an empty patch; nothing to apply")
    with _private_file(".patch", patch if patch.endswith("\n") else patch + "\n") as path:
        git_remote.apply_patch_file(root, path)


def discard(root: Path, start_sha: str, new_paths: list[str]) -> None:
    """Put the working tree back at `start_sha`, removing files a fix created."""
    checkout(root, start_sha)
    for path in new_paths:
        if Path(path).is_absolute() or ".." in Path(path).parts:
            continue  # never outside the checkout
        target = root / path
        if (target.is_symlink() or target.is_file()) and not git_remote.is_tracked(root, path):
            target.unlink()  # a link itself, never what it points to


def is_bot_commit(message: str, emails: tuple[str, ...], bot_email: str) -> bool:
    return bool(TRAILER_RE.search(message)) or any(e.lower() == bot_email.lower() for e in emails)


@contextmanager
def _private_file(suffix: str, text: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="yantra-") as tmp:
        path = Path(tmp) / f"file{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        yield path
