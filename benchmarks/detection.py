"""Detection: inject breaking changes into clean releases and count how many the gate catches in pre-commit mode.

For each project: warm the graph with `check --all` on the clean tree, then for each mutation (see
`benchmarks/mutations.py`) write it, stage everything with `git add -A`, run `check --format json STAGED...`
(the staged files that still exist; a deleted module is staged but not passed), and count a hit when an
error finding lands on an expected path within the expected line range. Then reset the tree.

Targets: >= 97 % of all cross-file mutations, >= 90 % of each cross-file kind, 100 % of syntax and undefined.

    python -m benchmarks.detection [--per-kind 10] [--seed 7] [--projects SPEC ...] [--tool yantra|ruff]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/detection.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.mutations import BASELINE_KINDS, CROSS_FILE_KINDS, KINDS, Mutation, apply, collect
from benchmarks.projects import DEFAULT_PROJECTS, BenchError, git, prepare, reset
from benchmarks.report import ResultLog, percent, table
from benchmarks.tool import Finding, Tool, ToolRun, add_tool_arguments, make_tool

TARGET_OVERALL = 97.0
TARGET_KIND = {**dict.fromkeys(CROSS_FILE_KINDS, 90.0), **dict.fromkeys(BASELINE_KINDS, 100.0)}


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    run: ToolRun
    hit_by: Finding | None  # the error finding that matched the ground truth

    @property
    def hit(self) -> bool:
        return self.hit_by is not None

    @property
    def stray(self) -> list[Finding]:
        """Errors outside the edited files and outside the ground truth: a use the generator did not list
        (explained: the message names the changed symbol) or a false positive of pre-commit mode."""
        edited = {e.path for e in self.mutation.edits}
        return [f for f in self.run.errors if f.path not in edited
                and not any(e.matches(f.path, f.line) for e in self.mutation.expect)]

    @property
    def unexplained(self) -> list[Finding]:
        """Stray errors whose message does not name the changed symbol: review these."""
        words = self.mutation.note.split()
        symbol = (words[1] if self.mutation.kind == "remove_attr" else words[-1]).rsplit(".", 1)[-1]
        return [f for f in self.stray if symbol not in f.message]


def detect(mutation: Mutation, run: ToolRun) -> Outcome:
    for f in run.errors:
        if any(e.matches(f.path, f.line) for e in mutation.expect):
            return Outcome(mutation, run, f)
    return Outcome(mutation, run, None)


def run_project(spec: str, tool: Tool, per_kind: int, seed: int, timeout: float,
                chosen: Callable[[Mutation], bool] = lambda m: True) -> list[Outcome]:
    work = prepare(spec)
    reset(work)
    warm = tool.check(work, None, timeout=timeout)  # builds the graph of the clean tree
    if warm.problem:
        print(f"{spec}: warm-up check --all was not usable: {warm.problem}", file=sys.stderr)
    outcomes = []
    for mutation in filter(chosen, collect(work, spec, per_kind, seed)):
        try:
            apply(work, mutation)
            git(work, "add", "-A")
            outcomes.append(detect(mutation, tool.check(work, list(mutation.staged), timeout=timeout)))
        finally:
            reset(work)
    return outcomes


def kind_rows(outcomes: list[Outcome]) -> list[list[object]]:
    rows: list[list[object]] = []
    for kind in KINDS:
        mine = [o for o in outcomes if o.mutation.kind == kind]
        hits = sum(o.hit for o in mine)
        ok = bool(mine) and 100.0 * hits / len(mine) >= TARGET_KIND[kind]
        rows.append([kind, hits, len(mine), percent(hits, len(mine)), f">= {TARGET_KIND[kind]:.0f}",
                     "PASS" if ok else ("n/a" if not mine else "FAIL")])
    cross = [o for o in outcomes if o.mutation.kind in CROSS_FILE_KINDS]
    hits = sum(o.hit for o in cross)
    ok = bool(cross) and 100.0 * hits / len(cross) >= TARGET_OVERALL
    rows.append(["all cross-file", hits, len(cross), percent(hits, len(cross)), f">= {TARGET_OVERALL:.0f}",
                 "PASS" if ok else "FAIL"])
    return rows


def project_rows(outcomes: list[Outcome], specs: Sequence[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for spec in specs:
        mine = [o for o in outcomes if o.mutation.project == spec]
        cells = []
        for kind in KINDS:
            k = [o for o in mine if o.mutation.kind == kind]
            cells.append(f"{sum(o.hit for o in k)}/{len(k)}")
        times = [o.run.seconds for o in mine]
        rows.append([spec, *cells, f"{statistics.median(times):.2f}" if times else "-",
                     sum(bool(o.run.problem) for o in mine)])
    return rows


def miss_lines(o: Outcome) -> list[str]:
    m = o.mutation
    expected = ", ".join(f"{e.path}:{e.line}-{e.end_line}" for e in m.expect[:4])
    more = f" (+{len(m.expect) - 4} more)" if len(m.expect) > 4 else ""
    got = "; ".join(f.short() for f in o.run.errors[:5]) or "no error finding"
    lines = [f"MISS {m.id} [{m.note}] staged={list(m.staged) or '(deletion only)'}",
             f"    expected: {expected}{more}", f"    got:      {got}"]
    if o.run.problem:
        lines.append(f"    run problem: {o.run.problem}")
    return lines


def record(o: Outcome) -> dict[str, object]:
    m = o.mutation
    return {"id": m.id, "kind": m.kind, "note": m.note, "hit": o.hit, "staged": list(m.staged),
            "expect": [asdict(e) for e in m.expect], "hit_by": o.hit_by.short() if o.hit_by else None,
            "errors": [f.short() for f in o.run.errors],
            "stray": [f.short() for f in o.stray], "unexplained": [f.short() for f in o.unexplained], "exit": o.run.process.exit_code,
            "seconds": round(o.run.seconds, 3), "problem": o.run.problem}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", default=list(DEFAULT_PROJECTS), metavar="SPEC")
    parser.add_argument("--per-kind", type=int, default=10, help="mutations of each kind per project (default 10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="only these kinds")
    parser.add_argument("--ids", nargs="+", default=None, metavar="ID", help="only these mutation ids (rerun misses)")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    add_tool_arguments(parser)
    args = parser.parse_args(argv)
    tool = make_tool(args.tool, args.yantra)
    log = ResultLog(f"detection-{tool.name}", args.out)
    outcomes: list[Outcome] = []
    for spec in args.projects:
        try:
            mine = run_project(spec, tool, args.per_kind, args.seed, args.timeout,
                               lambda m: m.kind in args.kinds and (args.ids is None or m.id in args.ids))
        except BenchError as exc:
            print(f"{spec}: not measured: {exc}", file=sys.stderr)
            continue
        for o in mine:
            log.write(record(o))
        outcomes.extend(mine)
        print(f"{spec}: {sum(o.hit for o in mine)}/{len(mine)} caught", file=sys.stderr)
    print(f"Detection by `{tool.name}` in pre-commit mode (per-kind {args.per_kind}, seed {args.seed})\n")
    print(table(["kind", "caught", "total", "%", "target %", "verdict"], kind_rows(outcomes)))
    print()
    print(table(["project", *KINDS, "median s", "unusable runs"], project_rows(outcomes, args.projects)))
    misses = [o for o in outcomes if not o.hit]
    print(f"\n{len(misses)} missed:")
    for o in misses:
        print("\n".join(miss_lines(o)))
    stray = [(o, f) for o in outcomes for f in o.unexplained]
    print(f"\n{sum(len(o.stray) for o in outcomes)} error findings outside the edited files and the expected "
          f"places; {len(stray)} of them do not name the changed symbol (possible false positives):")
    for o, f in stray[:60]:
        print(f"STRAY {o.mutation.id} [{o.mutation.note}]: {f.short()}")
    if len(stray) > 60:
        print(f"... {len(stray) - 60} more in the results file")
    print(f"\nresults: {log.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
