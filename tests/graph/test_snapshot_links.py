"""A tracked symbolic link that leads out of the repository is never read as the repository's code.

A hostile pull request can commit `app/leak.py -> /home/runner/.config/secrets.py`: the working-tree snapshot
(used by `check --base`, the fix pipeline and `yantra context`) and the link fallback of the index snapshot
must not follow it, or the file outside the checkout would be parsed, put into the model's context, or quoted in a
finding. A link to a file inside the repository is still read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.graph.snapshot import Source, take_snapshot
from tests.support.gitrepo import git, init_repo


@pytest.fixture
def linked_repo(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("TOKEN = 'hunter2'\n")
    root = tmp_path / "repo"
    root.mkdir()
    init_repo(root)
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "real.py").write_text("def f():\n    return 1\n")
    os.symlink(outside / "secret.py", root / "app" / "leak.py")
    os.symlink("real.py", root / "app" / "alias.py")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "links")
    return root


@pytest.mark.parametrize("source", [Source.WORKTREE, Source.INDEX])
def test_a_link_out_of_the_repository_is_not_read(linked_repo: Path, source: Source) -> None:
    snap = take_snapshot(linked_repo, source)
    try:
        contents = snap.load(list(snap.shas))
        assert b"hunter2" not in b"".join(contents.values())
        assert snap.data("app/leak.py") in (None, b"")
        assert "app/leak.py" not in contents
        assert contents["app/alias.py"] == b"def f():\n    return 1\n"  # a link inside the repository is read
    finally:
        snap.close()


def test_a_link_out_of_a_plain_directory_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("TOKEN = 'hunter2'\n")
    root = tmp_path / "plain"
    root.mkdir()
    (root / "mod.py").write_text("x = 1\n")
    os.symlink(outside, root / "leak.py")
    snap = take_snapshot(root, Source.WORKTREE)
    try:
        contents = snap.load(list(snap.shas))
        assert "mod.py" in contents
        assert b"hunter2" not in b"".join(contents.values())
    finally:
        snap.close()
