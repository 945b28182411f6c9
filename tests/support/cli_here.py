"""The CLI's own entry point run inside the test process, as a subprocess would run it.

A `python -m bot fix` subprocess pays about 2.4 CPU seconds before its first line of work, most of it importing
the Anthropic SDK (a thousand modules of pydantic models); the end-to-end tests start a hundred such runs.
`run_cli_here` calls `bot.cli.main` in the test's process instead, with the run's whole environment, its working
directory and pipe-like UTF-8 streams, and restores all three afterwards: every process the run itself starts (git,
pytest in the sandbox, semgrep) is as real as before, and each xdist worker imports the SDK once. What only a
process shows (its exit on a signal, a run cut off by a time limit) and the command line as users type it are tested
with real subprocesses.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def events(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.stderr.splitlines() if line.startswith("{")]


def run_cli_here(argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> Run:
    """`bot.cli.main(argv)` with `env` as the whole environment, `cwd` as the working directory and UTF-8 text
    streams as stdout and stderr (what a pipe gives a subprocess), all restored afterwards."""
    from bot.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = _pipe_like(), _pipe_like()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            out.flush()
            err.flush()
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Run(code, _text(out), _text(err))


def _pipe_like() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    return stream.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
