from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.gitrepo import git


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """A real git repository with `files` written (and committed unless commit=False)."""

    def make(files: dict[str, str | bytes], *, commit: bool = True, name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        write_tree(root, files)
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "init")
        return root

    return make
