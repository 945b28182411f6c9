"""Run one child process and measure it: wall time, CPU time, exit code, output, and peak memory.

CPU time (user + system, from `os.wait4`) counts the child and every descendant it waited for (git, pool
workers): on a machine shared with other work it moves far less than wall time.

Peak memory is reported two ways, both sampled from /proc every 20-50 ms: `max_rss_kib` is the largest
high-water mark (VmHWM) of any single process of the tree; `tree_rss_kib` is the largest *sum* of the
resident sets (VmRSS) of the whole tree, which also counts parallel workers alive at the same time. A process
sharing the address space of one already counted (a `vfork()`ed child before its `exec`, as `subprocess` starts
git: its VmRSS is its parent's) is counted once (Linux `kcmp`; where that is unavailable, every process counts).
(`os.wait4`'s ru_maxrss is not used: Linux counts the pre-exec copy of a forked parent in it, so a large
benchmark process would inflate every child's number.)
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
    cpu_seconds: float = 0.0  # user + system CPU of the process and the children it waited for (wait4)


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
        _, status, _usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        killer.cancel()
        sampler.stop = True
        proc.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it; tell Popen
        for t in helpers:
            t.join(timeout=5)
        timed_out = fired.is_set()
        return ProcessRun(tuple(argv), 124 if timed_out else proc.returncode, _read(out), _read(err), seconds,
                          sampler.hwm_kib, sampler.peak_kib, timed_out, _usage.ru_utime + _usage.ru_stime)


def _read(fh: IO[bytes]) -> str:
    fh.seek(0)
    return fh.read().decode("utf-8", errors="replace")


class _TreeSampler:
    """Largest sum of VmRSS over a process and its descendants, and largest VmHWM of one of them."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self.hwm_kib = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            counted: list[int] = []
            for pid in _tree(self.pid):
                if not any(_same_address_space(pid, other) for other in counted):
                    counted.append(pid)
            mem = [_memory_kib(p) for p in counted]
            self.peak_kib = max(self.peak_kib, sum(rss for rss, _ in mem))
            self.hwm_kib = max([self.hwm_kib, *(hwm for _, hwm in mem)])
            time.sleep(0.02 if _HAS_CHILDREN_FILE else 0.05)


_KCMP_SYSCALL = {"x86_64": 312, "aarch64": 272}.get(platform.machine())
_KCMP_VM = 1


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _same_address_space(a: int, b: int) -> bool:
    """Whether processes `a` and `b` share one memory map (kcmp KCMP_VM says 0); False when unsure."""
    libc = _libc() if _KCMP_SYSCALL is not None and sys.platform.startswith("linux") else None
    return libc is not None and libc.syscall(_KCMP_SYSCALL, a, b, _KCMP_VM, 0, 0) == 0


_HAS_CHILDREN_FILE = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _tree(root: int) -> list[int]:
    """The process and its descendants: via /proc/PID/task/TID/children where the kernel has it (cheap),
    else by reading the parent of every process in /proc."""
    children = _children_by_scan() if not _HAS_CHILDREN_FILE else None
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []) if children is not None else _children_of(pid))
    return out


def _children_of(pid: int) -> list[int]:
    try:
        return [int(c) for task in os.listdir(f"/proc/{pid}/task")
                for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _children_by_scan() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def _memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB; zeros when it is gone."""
    values = {"VmRSS:": 0, "VmHWM:": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0] + ":"
            if key in values:
                values[key] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return values["VmRSS:"], values["VmHWM:"]


@dataclass
class Samples:
    """The runs of one benchmark phase: seconds, tree RSS (MiB), CPU seconds and why a run is not usable
    (empty when it is)."""

    seconds: list[float] = field(default_factory=list)
    tree_mib: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    detail: str = ""
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the process tree

    def add(self, proc: ProcessRun, problem: str = "") -> None:
        self.seconds.append(proc.seconds)
        self.cpu.append(proc.cpu_seconds)
        self.tree_mib.append(proc.tree_rss_kib / 1024)
        if problem:
            self.problems.append(problem)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)
