"""`bot.repo_files.open_regular`: the one judgement of whether a file of a checkout may be read, shared by the
configuration readers and the graph's source reader (a real directory tree with links, FIFOs and sockets)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from bot.graph.snapshot import _read_regular
from bot.repo_files import FileSkipped, open_regular, read_bytes


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (root / "pkg" / "real.py").write_text("x = 1\n")
    (outside / "secret.py").write_text("TOKEN = 'hunter2'\n")
    return root, outside


def _reason(root: Path, rel: str) -> str:
    with pytest.raises(FileSkipped) as info:
        read_bytes(root, rel)
    return str(info.value)


def test_a_regular_file_and_a_link_to_one_inside_the_repository_are_read(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / "alias.py").symlink_to("pkg/real.py")
    (root / "pkgalias").symlink_to("pkg")
    assert read_bytes(root, "pkg/real.py") == b"x = 1\n"
    assert read_bytes(root, "alias.py") == b"x = 1\n"
    assert read_bytes(root, "pkgalias/real.py") == b"x = 1\n"
    assert _read_regular(root / "alias.py", root) == b"x = 1\n"
    assert read_bytes(root, "absent.toml") is None
    assert open_regular(root, root / "nodir" / "absent.toml") is None


def test_links_out_of_the_repository_are_refused_by_every_reader(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    (root / "leak.py").symlink_to(outside / "secret.py")
    (root / "linked").symlink_to(outside)  # a directory on the way leads out
    for rel in ("leak.py", "linked/secret.py"):
        assert _reason(root, rel) == "is a link to a file outside the repository"
        assert _read_regular(root / rel, root) is None


def test_what_is_not_a_regular_file_is_named_and_never_waited_on(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    os.mkfifo(root / "tox.ini")
    (root / "pyproject.toml").mkdir()
    (root / "dangling.cfg").symlink_to(root / "nowhere")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "setup.cfg"))
    try:
        assert _reason(root, "tox.ini") == "is a FIFO, not a regular file"
        assert _reason(root, "pyproject.toml") == "is a directory, not a regular file"
        assert _reason(root, "dangling.cfg") == "is a dangling symbolic link"
        assert _reason(root, "setup.cfg") == "is a socket, not a regular file"
        for rel in ("tox.ini", "pyproject.toml", "dangling.cfg", "setup.cfg"):
            assert _read_regular(root / rel, root) is None
    finally:
        sock.close()


def test_a_file_too_large_to_be_configuration_is_skipped(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / "big.txt").write_bytes(b"x" * 2_000_001)
    with pytest.raises(FileSkipped, match="larger than 2 MB"):
        read_bytes(root, "big.txt", max_bytes=2_000_000)
