"""Run one child process and measure it: wall time, exit code, output, and peak memory.

Peak memory is reported two ways: `max_rss_kib` is the largest resident set of the child (and of any
descendant it waited for) from `os.wait4`, the same number `/usr/bin/time -v` prints; `tree_rss_kib`
is the largest *sum* of the resident sets of the whole process tree, sampled from /proc every 20 ms,
which also counts parallel worker processes alive at the same time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class ProcessRun:
    argv: tuple[str, ...]
    exit_code: int  # negative: killed by that signal; 124 when we killed it for the timeout
    stdout: str
    stderr: str
    seconds: float
    max_rss_kib: int
    tree_rss_kib: int
    timed_out: bool


def run_measured(argv: Sequence[str], cwd: Path, *, timeout: float = 900.0,
                 env: Mapping[str, str] | None = None,
                 after_start: Callable[[], None] | None = None) -> ProcessRun:
    """Run `argv` in `cwd`; `after_start` runs in a thread right after the child is spawned."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=dict(env) if env is not None else None, start_new_session=True)
        helpers = [threading.Thread(target=after_start, daemon=True)] if after_start else []
        sampler = _TreeSampler(proc.pid)
        helpers.append(threading.Thread(target=sampler.run, daemon=True))
        for t in helpers:
            t.start()
        fired = threading.Event()

        def kill() -> None:  # the whole process group: worker processes too
            fired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        killer = threading.Timer(timeout, kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        killer.cancel()
        sampler.stop = True
        proc.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it; tell Popen
        for t in helpers:
            t.join(timeout=5)
        timed_out = fired.is_set()
        return ProcessRun(tuple(argv), 124 if timed_out else proc.returncode, _read(out), _read(err), seconds,
                          int(usage.ru_maxrss), sampler.peak_kib, timed_out)


def _read(fh: IO[bytes]) -> str:
    fh.seek(0)
    return fh.read().decode("utf-8", errors="replace")


class _TreeSampler:
    """Largest sum of VmRSS over a process and its descendants, sampled from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(p) for p in _tree(self.pid)))
            time.sleep(0.02)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
