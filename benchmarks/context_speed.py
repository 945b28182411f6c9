"""Speed of `assemble_context` (the fix pipeline's context phase) on Django 5.0.6 with a warm graph.

The graph is built (or refreshed) once, the tokenizer loaded once; then each target is assembled N times and
the median wall time reported. Target: <= 0.3 s per assembly on 2 cores.

    python -m benchmarks.context_speed [--projects django==5.0.6] [--budget 12000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/context_speed.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.projects import SPEED_PROJECT, prepare

TARGETS = (
    "django/db/models/query.py",
    "django/contrib/admin/options.py",
    "Model",
    "QuerySet",
    "Model.save",
    "slugify",
    "tests/utils_tests/test_text.py::TestUtilsText::test_slugify",
)
TARGET_SECONDS = 0.3


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", nargs="+", default=[SPEED_PROJECT])
    ap.add_argument("--budget", type=int, default=12_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    from bot.context import assemble_context
    from bot.context.tokens import count_tokens
    from bot.graph import open_graph

    rows = []
    for spec in args.projects:
        work = prepare(spec)
        with tempfile.TemporaryDirectory(prefix="yantra-ctx-") as tmp:
            t0 = time.perf_counter()
            graph = open_graph(work, db_path=Path(tmp) / "graph.sqlite")
            build = time.perf_counter() - t0
            t0 = time.perf_counter()
            count_tokens("warm the encoder")
            encoder = time.perf_counter() - t0
            print(f"{spec}: graph built in {build:.2f} s, encoder loaded in {encoder:.2f} s", file=sys.stderr)
            for target in TARGETS:
                times, tokens = [], 0
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    ctx = assemble_context(graph, target, args.budget)
                    times.append(time.perf_counter() - t0)
                    tokens = ctx.tokens
                median = statistics.median(times)
                rows.append((spec, target, tokens, median, max(times)))
            graph.close()

    print(f"Context assembly (budget {args.budget} tokens, median of {args.repeat})\n")
    print("| project | target | tokens | median s | max s | target s | verdict |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    ok = True
    for spec, target, tokens, median, worst in rows:
        verdict = "PASS" if median <= TARGET_SECONDS else "FAIL"
        ok = ok and verdict == "PASS"
        print(f"| {spec} | `{target}` | {tokens} | {median:.3f} | {worst:.3f} | <= {TARGET_SECONDS} | {verdict} |")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
