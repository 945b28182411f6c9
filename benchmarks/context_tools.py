"""Would the model's tools reach the fix? For the context_recall cases, which of the fix's changed definitions
the context holds in full, and which a fixed, scripted use of the tools adds within an attempt's tool budget.

This is NOT a measurement of a model: no model is asked (no API key, no network). The "agent" is a policy
chosen before any run and never tuned:

1. `search(query=<failure text>, limit=10)` — one call, the same ranking the model's `search` tool uses;
2. `show_symbol("<path>:<qualname>")` for each search hit, best first, that the context does not already
   show in full — until the attempt's tool-call cap (12) or tool token budget (8,000) refuses.

A changed definition counts as seen when the context has it in full (as in context_recall) or a tool result
showed it in full (`ToolResult.seen`). The cases, failure texts and checkouts are context_recall's.

    python -m benchmarks.context_tools [--projects click attrs] [--cases 30] [--budget 12000] [--label run]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/context_tools.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.context_recall import (
    MIRROR,
    PROJECTS,
    RESULTS,
    Case,
    checkout,
    in_full,
    mine,
    synthetic_failure,
)

SEARCH_LIMIT = 10
_HIT = re.compile(r"^# (\S+\.pyi?):\d+-\d+ (\S+)$", re.MULTILINE)  # a search result's header line


@dataclass
class ToolOutcome:
    case: Case
    budget: int
    context_tokens: int
    in_context: list[str]  # changed definitions in full in the context
    in_search: list[str]  # changed definitions among the search hits (signatures)
    by_tools: list[str]  # changed definitions shown in full by a tool and not in the context
    calls: int
    tool_tokens: int
    missing: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.in_context) + len(self.by_tools)


def run_case(case: Case, budget: int, db: Path) -> ToolOutcome:
    from bot.context import assemble_context
    from bot.context.tools import ContextTools
    from bot.graph import open_graph

    repo = MIRROR / PROJECTS[case.project][0] / "repo"
    with tempfile.TemporaryDirectory(prefix="yantra-tools-") as tmp:
        root = Path(tmp)
        checkout(repo, case, root)
        failure = synthetic_failure(root, case)  # (the stand-in failure text its figures were made with)
        graph = open_graph(root, db_path=db)
        try:
            ctx = assemble_context(graph, case.node, budget, failure=failure)
            labels = {c: f"{c[0]}:{c[1]}" for c in case.changed}
            held = [labels[c] for c in case.changed if in_full(ctx, *c)]
            tools = ContextTools(graph)
            found = tools.call("search", {"query": failure, "limit": SEARCH_LIMIT})
            hit_labels = [f"{m[1]}:{m[2]}" for m in _HIT.finditer(found.text)]
            in_search = [label for label in labels.values() if label in hit_labels]
            seen: set[str] = set()
            for label in hit_labels:
                path, _, qual = label.partition(":")
                if in_full(ctx, path, qual):
                    continue
                result = tools.call("show_symbol", {"name": label})
                if not result.counted:
                    break
                seen.update(result.seen)
            by_tools = [label for label in labels.values() if label in seen and label not in held]
            missing = [label for label in labels.values() if label not in held and label not in by_tools]
            return ToolOutcome(case, budget, ctx.tokens, held, in_search, by_tools, tools.budget.calls,
                               tools.budget.tokens, missing)
        finally:
            graph.close()


def table(outcomes: list[ToolOutcome]) -> str:
    rows = ["| project | cases | defs | in context (full) | + by scripted tool calls | seen in all | all seen "
            "(cases) | in search top 10 | tool calls (mean) | tool tokens (mean) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for project in dict.fromkeys(o.case.project for o in outcomes):
        mine_ = [o for o in outcomes if o.case.project == project]
        defs = sum(len(o.case.changed) for o in mine_)
        ctx = sum(len(o.in_context) for o in mine_)
        tools = sum(len(o.by_tools) for o in mine_)
        every = sum(o.seen == len(o.case.changed) for o in mine_)
        rows.append(f"| {project} | {len(mine_)} | {defs} | {ctx / max(1, defs):.0%} | {tools / max(1, defs):.0%} | "
                    f"{(ctx + tools) / max(1, defs):.0%} | {every / max(1, len(mine_)):.0%} | "
                    f"{sum(len(o.in_search) for o in mine_) / max(1, defs):.0%} | "
                    f"{sum(o.calls for o in mine_) / max(1, len(mine_)):.1f} | "
                    f"{sum(o.tool_tokens for o in mine_) / max(1, len(mine_)):.0f} |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", nargs="+", default=list(PROJECTS), choices=list(PROJECTS))
    ap.add_argument("--cases", type=int, default=30)
    ap.add_argument("--budget", type=int, default=12_000)
    ap.add_argument("--label", default="run")
    args = ap.parse_args(argv)
    outcomes: list[ToolOutcome] = []
    t0 = time.perf_counter()
    for project in args.projects:
        if not (MIRROR / PROJECTS[project][0] / "repo").is_dir():
            print(f"{project}: no mirror at {MIRROR / PROJECTS[project][0]}", file=sys.stderr)
            return 2
        cases = mine(project, args.cases)
        print(f"{project}: {len(cases)} cases", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="yantra-tools-db-") as tmp:
            outcomes += [run_case(case, args.budget, Path(tmp) / "graph.sqlite") for case in cases]
    text = (f"Fix definitions reached by a SCRIPTED use of the tools (not a model; {args.label}), context budget "
            f"{args.budget}; policy: search(failure text, limit {SEARCH_LIMIT}) then show_symbol of each hit not "
            "in full in the context, within 12 calls / 8,000 tool tokens\n\n"
            + table(outcomes) + f"\n\n{time.perf_counter() - t0:.0f} s")
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"context_tools_{args.label}.md").write_text(text + "\n")
    (RESULTS / f"context_tools_{args.label}.json").write_text(json.dumps(
        [{**asdict(o), "seen": o.seen} for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
