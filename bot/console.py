"""Text on the terminal for the command line, without importing click on the pre-commit path.

`echo` writes what `click.echo` writes for a `str`: a newline unless `nl=False`, ANSI style codes removed when
the stream is not a terminal, flushed. Where click would do more than that (Windows consoles, a stream whose
encoding is ASCII or unset, which click re-wraps as UTF-8 with replacement), it hands the text to click itself.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
from typing import TextIO

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # click._compat._ansi_re


def plain_streams() -> bool:
    """stdout and stderr are ordinary text streams click would write to as they are (POSIX, an encoding that is
    not ASCII, an error handler set)."""
    return os.name == "posix" and all(_plain(s) for s in (sys.stdout, sys.stderr))


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """`click.echo(text, err=err, nl=nl)` (see the module docstring)."""
    if not plain_streams():
        import click

        click.echo(text, err=err, nl=nl)
        return
    stream = sys.stderr if err else sys.stdout
    out = text + "\n" if nl else text
    if out and not _isatty(stream):
        out = _ANSI.sub("", out)
    if out:
        stream.write(out)
    stream.flush()


def _plain(stream: TextIO | None) -> bool:
    if not isinstance(stream, io.TextIOWrapper) or stream.errors is None:
        return False
    try:
        return codecs.lookup(stream.encoding or "ascii").name != "ascii"
    except LookupError:
        return True  # click keeps a stream with an encoding it cannot look up as it is


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except Exception:
        return False
