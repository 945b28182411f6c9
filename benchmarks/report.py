"""Output of the benchmarks: aligned Markdown tables on stdout, JSON lines under `benchmarks/results/`."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table whose columns line up in a terminal too."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def percent(hits: int, total: int) -> str:
    return f"{100.0 * hits / total:.1f}" if total else "n/a"


class ResultLog:
    """Appends one JSON object per line to `benchmarks/results/<name>.jsonl` (replaced on each run unless `keep`)."""

    def __init__(self, name: str, out: Path | None = None, keep: bool = False) -> None:
        self.path = out or RESULTS_DIR / f"{name}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not keep or not self.path.exists():
            self.path.write_text("")
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"at": self.started, **record}, default=str) + "\n")
