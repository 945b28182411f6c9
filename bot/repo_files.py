"""Reading the repository's own configuration and metadata files without trusting them.

A checkout may hold a FIFO named `tox.ini` (opening it for reading would wait forever), a socket, a device, a
dangling or outward-pointing symbolic link (`requirements-dev.txt -> /proc/self/environ`), a directory named
`pyproject.toml`, or a file too large to be configuration. `read_bytes` opens only regular files inside the
repository, never blocks, and raises `FileSkipped` with the reason for anything else; `read_text_or_note`
turns that into a note the run reports (`take_notes`) and returns None.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_CONFIG_BYTES = 8_000_000  # no configuration or requirements file is this large

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_NOTES: list[str] = []


class FileSkipped(Exception):
    """A file that exists but is not read; str() is the reason ("is a FIFO")."""


def read_bytes(root: Path, rel: str, *, max_bytes: int = MAX_CONFIG_BYTES) -> bytes | None:
    """The content of the regular file `root/rel`; None when nothing exists there (not even a link)."""
    path = Path(root) / rel
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileSkipped(f"cannot be read ({exc.strerror})") from exc
    real = os.path.realpath(path)
    if not os.path.exists(real):
        raise FileSkipped("is a dangling symbolic link")
    base = os.path.realpath(root)
    if os.path.commonpath([base, real]) != base:
        raise FileSkipped("is a link to a file outside the repository")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        st = os.stat(real)
        _require_regular(st)
        fd = os.open(real, flags)
    except OSError as exc:
        raise FileSkipped(f"cannot be read ({exc.strerror})") from exc
    try:
        st = os.fstat(fd)
        _require_regular(st)  # replaced between the checks and the open
        if st.st_size > max_bytes:
            raise FileSkipped(f"is larger than {max_bytes // 1_000_000} MB")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise FileSkipped(f"is larger than {max_bytes // 1_000_000} MB")
        return b"".join(chunks)
    except OSError as exc:
        raise FileSkipped(f"cannot be read ({exc.strerror})") from exc
    finally:
        os.close(fd)


def read_text(root: Path, rel: str) -> str | None:
    """`read_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
    data = read_bytes(root, rel)
    return None if data is None else data.decode("utf-8", errors="replace")


def read_text_or_note(root: Path, rel: str) -> str | None:
    """`read_text`, with a skipped file recorded as a note and read as absent."""
    try:
        return read_text(root, rel)
    except FileSkipped as exc:
        note_skipped(rel, str(exc))
        return None


def note_skipped(rel: str, reason: str) -> None:
    note = f"skipped {rel}: it {reason}"
    if note not in _NOTES:
        _NOTES.append(note)


def take_notes() -> list[str]:
    """The notes recorded since the last call (each once), for the run's report."""
    notes = list(_NOTES)
    _NOTES.clear()
    return notes


def _require_regular(st: os.stat_result) -> None:
    if stat.S_ISREG(st.st_mode):
        return
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise FileSkipped(f"is {kind}, not a regular file")
    raise FileSkipped("is not a regular file")
