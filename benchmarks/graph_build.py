"""Measure the graph on a real repository (a script, not a test): cold build, warm open, one-file refresh.

    python -m benchmarks.graph_build ~/.cache/yantra-bench/work/django-5.0.6

Runs each phase in a fresh interpreter (as `yantra` would) with the database in a temporary directory, and
prints wall seconds (including interpreter start and imports), CPU seconds and peak memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bot.graph import open_graph
g = open_graph(Path(sys.argv[1]), db_path=Path(sys.argv[2]))
g.close()
s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"open_s": round(time.perf_counter() - t0, 3), "files": g.report.files, "parsed": g.report.parsed,
                  "cpu_main_s": round(s.ru_utime + s.ru_stime, 2), "cpu_workers_s": round(c.ru_utime + c.ru_stime, 2),
                  "peak_rss_mib": max(s.ru_maxrss, c.ru_maxrss) // 1024}))
"""


def phase(root: Path, db: Path) -> dict[str, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PHASE, str(root), str(db)], capture_output=True, text=True,
                         check=True)
    result: dict[str, float] = json.loads(out.stdout)
    result["wall_s"] = round(time.perf_counter() - start, 3)
    return result


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "graph.sqlite"
        rows = [("cold", phase(root, db)), ("warm", phase(root, db))]
        victim = sorted(p for p in root.rglob("*.py") if ".git" not in p.parts)[len(rows)]
        original = victim.read_bytes()
        try:
            victim.write_bytes(original + b"\n# touched by bench_graph\n")
            rows.append(("one file changed", phase(root, db)))
        finally:
            victim.write_bytes(original)
        rows.append(("restored", phase(root, db)))
    for name, r in rows:
        print(f"{name:18} wall {r['wall_s']:6.2f}s  open {r['open_s']:6.2f}s  parsed {int(r['parsed']):5}  "
              f"cpu main {r['cpu_main_s']:5.2f}s workers {r['cpu_workers_s']:5.2f}s  peak {int(r['peak_rss_mib'])} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
