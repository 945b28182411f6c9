"""Run one external program with a timeout that kills its whole process group.

Output goes to temporary files rather than pipes, so a grandchild that keeps a descriptor open can never
make us wait past the timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True, slots=True)
class ProcessResult:
    argv: tuple[str, ...]
    returncode: int | None  # None: timed out and killed
    stdout: str
    stderr: str
    duration: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_process(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float) -> ProcessResult:
    """Run `argv`; raise FileNotFoundError/PermissionError when it cannot start."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
        code: int | None = None
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            _kill_group(proc)  # on timeout, interrupt, and leftovers (background children) after an exit
        duration = time.monotonic() - start
        return ProcessResult(tuple(argv), code, _read(out), _read(err), duration)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", errors="replace")


def tail(text: str, lines: int = 30) -> str:
    """The last `lines` lines of `text`, stripped."""
    return "\n".join(text.strip().splitlines()[-lines:])
