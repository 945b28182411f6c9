"""Turn an unexpected exception into one readable line plus a log file with the traceback."""

from __future__ import annotations

import os
import platform
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
        log.write_text(text, encoding="utf-8")
        where = str(log)
    except OSError:
        pass
    return f"yantra: an unexpected error has occurred: {type(exc).__name__}: {exc}\nCheck the log at {where}"
