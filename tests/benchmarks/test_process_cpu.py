"""`run_measured` reports CPU time next to wall time: the child's own and that of children it waited for."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.process import run_measured


def test_cpu_time_counts_the_child_and_the_processes_it_waited_for(tmp_path: Path) -> None:
    burn = "sum(i * i for i in range(3_000_000))"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}], check=True)"
    run = run_measured([sys.executable, "-c", child], tmp_path)
    assert run.exit_code == 0
    assert run.cpu_seconds > 0.1  # the grandchild's loop alone takes more than that
    idle = run_measured([sys.executable, "-c", "import time; time.sleep(0.5)"], tmp_path)
    assert idle.seconds >= 0.5 and idle.cpu_seconds < 0.4  # waiting is wall time, not CPU time
