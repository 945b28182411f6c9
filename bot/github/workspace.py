"""The pull request in the workspace, on the trusted side of the boundary.

- The configuration that judges a pull request is the base branch's (`pyproject.toml` and `setup.cfg` read with
  git at the base commit, and there too `.pre-commit-config.yaml` and the linters' files for the gate's scope),
  for same-repository and fork pull requests alike: a pull request cannot exclude its broken file, empty the
  protected paths, choose the test command or point the database elsewhere. What it changes of that
  configuration is named in the check output (`settings_changed`): it takes effect once merged.
- `checked_out` fetches and checks out the head, and on the way out puts the trusted checkout back where it was
  (its branch or commit); for a fork it also removes the credential actions/checkout persisted in .git/config.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import GitError
from bot.github import git_ops
from bot.github.events import PullRequest

if TYPE_CHECKING:
    from bot.config import Config

CONFIG_FILES = ("pyproject.toml", "setup.cfg")


def trusted_config(root: Path, pr: PullRequest) -> Config:
    """The base branch's configuration, applied to the checkout at `root`.

    `db-path` is never taken from any pull request's files: the Action keeps its graph at the default place
    (`.git/yantra/`), which is also what its graph cache restores. The rest of what decides the gate's scope
    (`.pre-commit-config.yaml`'s `files`/`exclude`, the linters' and black's exclusions) is read at the same
    base commit (`Config.settings_commit`)."""
    base = git_ops.base_rev(root, pr.base_sha)
    texts = {name: git_ops.base_file(root, base, name) for name in CONFIG_FILES}
    config = config_from_texts(root, texts)
    return replace(config, gate=replace(config.gate, db_path=None), settings_commit=base)


def config_from_texts(root: Path, texts: dict[str, str | None]) -> Config:
    """Load configuration from file contents (not from the checkout) and point it at `root`."""
    from bot.config import load_config

    with tempfile.TemporaryDirectory(prefix="yantra-config-") as tmp:
        for name, text in texts.items():
            if text is None:
                continue
            fd = os.open(Path(tmp) / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
        return replace(load_config(Path(tmp)), root=root)


@contextmanager
def checked_out(root: Path, pr: PullRequest) -> Iterator[None]:
    """The PR head checked out in `root` for the duration; then the trusted checkout is restored and, for a
    fork, the persisted credential removed (before the fork's files are even read)."""
    where = git_ops.remember(root)
    git_ops.fetch_pull(root, pr.number, pr.head_ref, pr.base_ref, fork=pr.is_fork)
    if pr.is_fork:
        git_ops.drop_persisted_credentials(root)
    try:
        if not git_ops.has_commit(root, pr.head_sha):
            raise GitError(f"the head commit {pr.head_sha} of #{pr.number} is not on the remote any more "
                           "(force-pushed?); a newer run will handle the new head")
        git_ops.checkout(root, pr.head_sha)
        yield
    finally:
        try:
            git_ops.restore(root, where)
        finally:
            if pr.is_fork:
                git_ops.drop_persisted_credentials(root)
