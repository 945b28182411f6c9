"""Scratch worktrees hold the working tree's uncommitted state; patches move back to the real tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.gitrepo import git, init_repo

from bot import git_worktree as gitops
from bot.errors import GitError


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    git(root, "config", "user.name", "T")
    git(root, "config", "user.email", "t@example.com")
    (root / "a.py").write_text("x = 1\n")
    (root / "gone.py").write_text("y = 2\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def test_worktree_has_local_changes_and_diff_shows_only_new_edits(repo: Path) -> None:
    (repo / "a.py").write_text("x = 10\n")  # uncommitted change
    (repo / "new.py").write_text("z = 3\n")  # untracked file
    (repo / "gone.py").unlink()  # deleted file
    with gitops.scratch_worktree(repo) as tree:
        assert (tree / "a.py").read_text() == "x = 10\n"
        assert (tree / "new.py").read_text() == "z = 3\n"
        assert not (tree / "gone.py").exists()
        (tree / "a.py").write_text("x = 11\n")
        (tree / "b.py").write_text("b = 1\n")
        patch = gitops.diff(tree, ["a.py", "b.py"])
    assert "-x = 10" in patch and "+x = 11" in patch and "+b = 1" in patch
    assert not tree.exists()
    assert len(git(repo, "worktree", "list", "--porcelain").split("worktree ")) == 2  # only the main one

    gitops.apply_patch(repo, patch)
    gitops.apply_patch(repo, patch)  # idempotent
    assert (repo / "a.py").read_text() == "x = 11\n"
    assert (repo / "b.py").read_text() == "b = 1\n"


def test_worktree_is_removed_when_the_block_fails(repo: Path) -> None:
    with pytest.raises(RuntimeError), gitops.scratch_worktree(repo) as tree:
        raise RuntimeError("boom")
    assert not tree.exists()
    assert "yantra-wt" not in git(repo, "worktree", "list")


def test_patch_that_no_longer_applies_is_an_error(repo: Path) -> None:
    with gitops.scratch_worktree(repo) as tree:
        (tree / "a.py").write_text("x = 2\n")
        patch = gitops.diff(tree, ["a.py"])
    (repo / "a.py").write_text("something else\n")
    with pytest.raises(GitError, match="no longer applies"):
        gitops.apply_patch(repo, patch)


def test_commit_uses_the_message_file(repo: Path) -> None:
    (repo / "a.py").write_text("x = 5\n")
    sha = gitops.commit(repo, ["a.py"], "fix: set x\n\nYantra-Session: s1\n")
    assert sha == git(repo, "rev-parse", "HEAD").strip()
    assert "Yantra-Session: s1" in git(repo, "log", "-1", "--format=%B")


def test_git_dir_of_a_linked_worktree_is_its_own(repo: Path) -> None:
    with gitops.scratch_worktree(repo) as tree:
        assert gitops.git_dir(tree) != gitops.git_dir(repo)
        assert gitops.toplevel(tree) == tree.resolve()


def test_a_lock_held_by_another_git_is_waited_out(repo: Path) -> None:
    import threading

    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    releaser = threading.Timer(0.1, lock.unlink)
    releaser.start()
    (repo / "a.py").write_text("x = 6\n")
    try:
        gitops.commit(repo, ["a.py"], "fix: wait for the lock\n")
    finally:
        releaser.join()
    assert "wait for the lock" in git(repo, "log", "-1", "--format=%s")


def test_a_config_lock_held_by_another_git_is_waited_out(repo: Path) -> None:
    import threading

    lock = repo / ".git" / "config.lock"
    lock.write_text("")
    releaser = threading.Timer(0.1, lock.unlink)
    releaser.start()
    try:
        gitops.git(repo, "config", "--local", "yantra.test", "1")
    finally:
        releaser.join()
    assert git(repo, "config", "--local", "yantra.test").strip() == "1"


def test_a_lock_that_stays_is_an_error_after_one_bounded_wait(repo: Path) -> None:
    import time

    from bot.git import LOCK_WAIT_S

    (repo / ".git" / "index.lock").write_text("")
    (repo / "a.py").write_text("x = 7\n")
    started = time.monotonic()
    with pytest.raises(GitError, match=r"index\.lock"):
        gitops.commit(repo, ["a.py"], "fix: never\n")
    # One retry layer: the lock is waited for once (LOCK_WAIT_S of sleep), not once per layer.
    assert time.monotonic() - started < 2 * LOCK_WAIT_S


@pytest.mark.parametrize("layout", ["config", "included"])
def test_credentials_are_dropped_where_checkout_keeps_them(repo: Path, tmp_path: Path, layout: str) -> None:
    """actions/checkout v4 keeps the header in .git/config, v6 in a file .git/config includes (`includeIf.gitdir:`):
    both are out of every file for the block, and back after it."""
    key, header = "http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0"
    holder = repo / ".git" / "config"
    if layout == "included":
        holder = tmp_path / "runner-temp" / "git-credentials-1.config"
        holder.parent.mkdir()
        git(repo, "config", "--file", str(holder), key, header)
        git(repo, "config", f"includeIf.gitdir:{repo}/.git.path", str(holder))
    else:
        git(repo, "config", key, header)
    with gitops.credentials_dropped(repo) as dropped:
        assert dropped == [(key, header)]
        assert "c2VjcmV0" not in holder.read_text()
        assert gitops.git(repo, "config", "--get-regexp", "extraheader", check=False).stdout == ""
    assert git(repo, "config", "--file", str(holder), "--get", key).strip() == header


def test_a_forks_run_drops_the_included_credential_for_good(repo: Path, tmp_path: Path) -> None:
    from bot.git_remote import drop_extraheaders

    key = "http.https://github.com/.extraheader"
    holder = tmp_path / "git-credentials-2.config"
    git(repo, "config", "--file", str(holder), key, "AUTHORIZATION: basic c2VjcmV0")
    git(repo, "config", f"includeIf.gitdir:{repo}/.git.path", str(holder))
    assert drop_extraheaders(repo) == [key]
    assert "c2VjcmV0" not in holder.read_text()
    assert drop_extraheaders(repo) == []
