"""Detection: inject breaking changes into clean releases and count how many the gate catches in pre-commit mode.

For each project: warm the graph with `check --all` on the clean tree, then for each mutation (see
`benchmarks/mutations.py`) write it, stage everything with `git add -A`, run `check --format json STAGED...`
(the staged files that still exist; a deleted module is staged but not passed), and count a hit when an
error finding lands on an expected path within the expected line range. Then reset the tree.

Two families of kinds: the classic ones (`benchmarks/mutations.py`: whole defs and modules removed or renamed,
a required parameter added, plus the in-file baselines) and the refactor ones (`benchmarks/refactors.py`:
keyword renamed, default removed, keyword-only inserted, re-export removed, def moved, method or class
attribute removed, module renamed; each verified statically to break).

Targets (issue 8): classic cross-file >= 99 % overall and >= 95 % per kind; refactor >= 95 % overall and
>= 90 % per kind; 100 % of syntax and undefined.

    python -m benchmarks.detection [--set tuned|unseen | --projects SPEC ...] [--per-kind 10]
        [--seed tuning|reporting|N] [--family classic|refactor|all] [--kinds KIND ...] [--resume]

Results go to `benchmarks/results/detection-<tool>-<family>-seed<N>.jsonl`; `--resume` keeps the projects already
finished there with the same per-kind and kinds (a project is written when it is complete) and runs the rest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/detection.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.mutations import BASELINE_KINDS, CROSS_FILE_KINDS, Expect, Mutation, apply, collect
from benchmarks.process import ProcessRun
from benchmarks.projects import (
    DEFAULT_PROJECTS,
    BenchError,
    add_set_argument,
    chosen_projects,
    git,
    prepare,
    project_lock,
    reset,
    which_set,
)
from benchmarks.refactors import REFACTOR_KINDS, collect_refactors
from benchmarks.report import RESULTS_DIR, ResultLog, percent, table
from benchmarks.seeds import TUNING_SEED, parse_seed
from benchmarks.tool import Finding, Tool, ToolRun, add_tool_arguments, make_tool

KINDS = CROSS_FILE_KINDS + BASELINE_KINDS + REFACTOR_KINDS
FAMILIES = {"classic": CROSS_FILE_KINDS + BASELINE_KINDS, "refactor": REFACTOR_KINDS, "all": KINDS}
TARGET_OVERALL = {"classic cross-file": 99.0, "refactor": 95.0}
TARGET_KIND = {**dict.fromkeys(CROSS_FILE_KINDS, 95.0), **dict.fromkeys(BASELINE_KINDS, 100.0),
               **dict.fromkeys(REFACTOR_KINDS, 90.0)}


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
        symbol = (words[1] if self.mutation.kind == "remove_attr" else words[-1]).rsplit(".", 1)[-1].strip("'")
        return [f for f in self.stray if symbol not in f.message]


def detect(mutation: Mutation, run: ToolRun) -> Outcome:
    for f in run.errors:
        if any(e.matches(f.path, f.line) for e in mutation.expect):
            return Outcome(mutation, run, f)
    return Outcome(mutation, run, None)


def mutations_of(work: Path, spec: str, per_kind: int, seed: int, kinds: Sequence[str]) -> list[Mutation]:
    out: list[Mutation] = []
    if any(k in CROSS_FILE_KINDS + BASELINE_KINDS for k in kinds):
        out += [m for m in collect(work, spec, per_kind, seed) if m.kind in kinds]
    wanted = tuple(k for k in REFACTOR_KINDS if k in kinds)
    if wanted:
        out += collect_refactors(work, spec, per_kind, seed, wanted)
    return out


def run_project(spec: str, tool: Tool, per_kind: int, seed: int, timeout: float, kinds: Sequence[str] = KINDS,
                chosen: Callable[[Mutation], bool] = lambda m: True) -> list[Outcome]:
    work = prepare(spec)
    with project_lock(spec):
        reset(work)
        warm = tool.check(work, None, timeout=timeout)  # builds the graph of the clean tree
        if warm.problem:
            print(f"{spec}: warm-up check --all was not usable: {warm.problem}", file=sys.stderr)
        mutations = list(filter(chosen, mutations_of(work, spec, per_kind, seed, kinds)))
        print(f"{spec}: {len(mutations)} mutations", file=sys.stderr)
        outcomes = []
        for mutation in mutations:
            try:
                apply(work, mutation)
                git(work, "add", "-A")
                outcomes.append(detect(mutation, tool.check(work, list(mutation.staged), timeout=timeout)))
            finally:
                reset(work)
        return outcomes


def kind_rows(outcomes: list[Outcome], kinds: Sequence[str] = KINDS) -> list[list[object]]:
    rows: list[list[object]] = []
    for kind in kinds:
        mine = [o for o in outcomes if o.mutation.kind == kind]
        hits = sum(o.hit for o in mine)
        ok = bool(mine) and 100.0 * hits / len(mine) >= TARGET_KIND[kind]
        rows.append([kind, hits, len(mine), percent(hits, len(mine)), f">= {TARGET_KIND[kind]:.0f}",
                     "PASS" if ok else ("n/a" if not mine else "FAIL")])
    for label, family in (("classic cross-file", CROSS_FILE_KINDS), ("refactor", REFACTOR_KINDS)):
        if not any(k in kinds for k in family):
            continue
        group = [o for o in outcomes if o.mutation.kind in family]
        hits = sum(o.hit for o in group)
        ok = bool(group) and 100.0 * hits / len(group) >= TARGET_OVERALL[label]
        rows.append([f"all {label}", hits, len(group), percent(hits, len(group)),
                     f">= {TARGET_OVERALL[label]:.0f}", "PASS" if ok else ("n/a" if not group else "FAIL")])
    return rows


def project_rows(outcomes: list[Outcome], specs: Sequence[str], kinds: Sequence[str] = KINDS) -> list[list[object]]:
    rows: list[list[object]] = []
    for spec in specs:
        mine = [o for o in outcomes if o.mutation.project == spec]
        cells = []
        for kind in kinds:
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
    return {"project": m.project, "id": m.id, "kind": m.kind, "note": m.note, "hit": o.hit, "staged": list(m.staged),
            "expect": [asdict(e) for e in m.expect], "hit_by": o.hit_by.short() if o.hit_by else None,
            "errors": [f.short() for f in o.run.errors], "error_findings": [asdict(f) for f in o.run.errors],
            "stray": [f.short() for f in o.stray], "unexplained": [f.short() for f in o.unexplained], "exit": o.run.process.exit_code,
            "seconds": round(o.run.seconds, 3), "problem": o.run.problem}


def outcome_from_record(r: dict[str, Any]) -> Outcome:
    """An outcome read back from the results file (`--resume`): what the tables and miss lists need."""
    errors = tuple(Finding(**f) for f in r.get("error_findings", []))
    mutation = Mutation(str(r["id"]), str(r["project"]), str(r["kind"]), (), tuple(r["staged"]),
                        tuple(Expect(**e) for e in r["expect"]), str(r["note"]))
    run = ToolRun(ProcessRun((), int(r["exit"]), "", "", float(r["seconds"]), 0, 0, False), errors, str(r["problem"]))
    return detect(mutation, run)


def load_finished(path: Path, per_kind: int, kinds: Sequence[str]) -> dict[str, list[Outcome]]:
    """Projects completed in an earlier run into `path` with the same per-kind and kinds."""
    if not path.is_file():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    done = {r["finished"]: r["at"] for r in records if "finished" in r and r.get("per_kind") == per_kind
            and sorted(r.get("kinds", [])) == sorted(kinds)}  # the run that finished it, by its start time
    out: dict[str, list[Outcome]] = {spec: [] for spec in done}
    for r in records:
        if "id" in r and r.get("project") in done and r.get("at") == done[r["project"]]:
            out[r["project"]].append(outcome_from_record(r))
    return out


def rescore(spec: str, kept: list[Outcome], per_kind: int, seed: int, kinds: Sequence[str]) -> list[Outcome]:
    """The kept outcomes judged against the expected places the current generator gives the same mutations."""
    work = prepare(spec)
    with project_lock(spec):
        reset(work)
        now = {m.id: m for m in mutations_of(work, spec, per_kind, seed, kinds)}
    out = []
    for o in kept:
        m = now.get(o.mutation.id)
        if m is None or m.note != o.mutation.note:
            print(f"{spec}: {o.mutation.id} is not generated any more; kept as recorded", file=sys.stderr)
            out.append(o)
        else:
            out.append(detect(m, o.run))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", default=None, metavar="SPEC")
    add_set_argument(parser)
    parser.add_argument("--per-kind", type=int, default=10, help="mutations of each kind per project (default 10)")
    parser.add_argument("--seed", type=parse_seed, default=TUNING_SEED,
                        help=f"an integer, 'tuning' (default, {TUNING_SEED}) or 'reporting' (the README's figures)")
    parser.add_argument("--family", choices=sorted(FAMILIES), default="classic",
                        help="classic kinds (default), refactor kinds, or all")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=None, help="only these kinds")
    parser.add_argument("--ids", nargs="+", default=None, metavar="ID", help="only these mutation ids (rerun misses)")
    parser.add_argument("--resume", action="store_true", help="keep the projects already finished in --out")
    parser.add_argument("--rescore", action="store_true",
                        help="with --resume: judge the kept runs against the current generator's expected places "
                             "(same seed, same mutations; the gate is not run again for them)")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    add_tool_arguments(parser)
    args = parser.parse_args(argv)
    kinds: list[str] = args.kinds or list(FAMILIES[args.family])
    specs = chosen_projects(args, DEFAULT_PROJECTS)
    tool = make_tool(args.tool, args.yantra)
    family = args.family if args.kinds is None else "kinds"  # one file per family: runs side by side never mix
    name = f"detection-{tool.name}-{family}-seed{args.seed}"
    path = args.out or RESULTS_DIR / f"{name}.jsonl"
    finished = load_finished(path, args.per_kind, kinds) if args.resume and args.ids is None else {}
    if args.rescore:
        finished = {spec: rescore(spec, kept, args.per_kind, args.seed, kinds) for spec, kept in finished.items()}
    log = ResultLog(name, path, keep=bool(finished))
    outcomes: list[Outcome] = []
    for spec in specs:
        if spec in finished:
            outcomes.extend(finished[spec])
            print(f"{spec}: kept from {path} ({len(finished[spec])} mutations)", file=sys.stderr)
            continue
        try:
            mine = run_project(spec, tool, args.per_kind, args.seed, args.timeout, kinds,
                               lambda m: args.ids is None or m.id in args.ids)
        except BenchError as exc:
            print(f"{spec}: not measured: {exc}", file=sys.stderr)
            continue
        for o in mine:
            log.write(record(o))
        log.write({"finished": spec, "set": which_set(spec), "per_kind": args.per_kind, "kinds": kinds,
                   "seed": args.seed})
        outcomes.extend(mine)
        print(f"{spec}: {sum(o.hit for o in mine)}/{len(mine)} caught", file=sys.stderr)
    sets = sorted({which_set(s) for s in specs})
    print(f"Detection by `{tool.name}` in pre-commit mode ({'/'.join(sets)} releases: {len(specs)}; per-kind "
          f"{args.per_kind}, seed {args.seed})\n")
    print(table(["kind", "caught", "total", "%", "target %", "verdict"], kind_rows(outcomes, kinds)))
    print()
    print(table(["project", *kinds, "median s", "unusable runs"], project_rows(outcomes, specs, kinds)))
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
