"""Turn an unexpected exception into one readable line plus a log file with the traceback."""

from __future__ import annotations

import os
import platform
import stat
import sys
import tempfile
import traceback
from pathlib import Path

from bot import __version__


def _log_dir() -> Path:
    here = Path.cwd()
    for d in (here, *here.parents):
        if (d / ".git").is_dir():
            return d / ".git" / "yantra"
    return Path(tempfile.gettempdir()) / "yantra"


def unexpected_error_message(exc: BaseException) -> str:
    text = (f"yantra {__version__} on Python {platform.python_version()} ({sys.platform})\n"
            f"argv: {sys.argv!r}\ncwd: {os.getcwd()}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    where = "(could not write a log)"
    try:
        d = _log_dir()
        d.mkdir(parents=True, exist_ok=True)
        log = d / "yantra.log"
        _write_fresh(log, text)
        where = str(log)
    except OSError:
        pass
    return f"yantra: an unexpected error has occurred: {type(exc).__name__}: {exc}\nCheck the log at {where}"


def _write_fresh(path: Path, text: str) -> None:
    """Write the log without following a link or waiting on a FIFO planted at its path (OSError instead)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.ftruncate(fd, 0)
        data = memoryview(text.encode("utf-8", "replace"))
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)
