"""Speed and memory of the gate on a large release (Django 5.0.6) and a mid-size one.

Phases, each repeated N times (median reported), wall time of the whole subprocess including interpreter start:
  cold      `check --all` after deleting the graph database (`.git/yantra`)
  warm      `check --all` with the graph up to date
  1-file    pre-commit check of one staged file: a new function appended to one module, `git add`, then
            `check --format json FILE` (a different edit on each repeat, so the file is really re-parsed);
            and again with the function imported by name from the most files given an optional parameter
            (re-signed: the gate must re-check its callers)
Peak memory, sampled from /proc every 20 ms: the largest high-water mark (VmHWM) of one process of the
tree, and the largest sum of resident sets over the tree (counts parallel workers).

Targets (Django, 2 cores): cold <= 8 s, warm <= 1.5 s, 1-file <= 0.4 s, memory <= 1 GiB.

    python -m benchmarks.speed [--projects django==5.0.6 networkx==3.3] [--repeat 3] [--tool yantra|ruff]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/speed.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.mutations import offset_of
from benchmarks.projects import (
    MID_PROJECT,
    SPEED_PROJECT,
    BenchError,
    git,
    in_scope_python_files,
    prepare,
    reset,
)
from benchmarks.report import ResultLog, table
from benchmarks.tool import Tool, ToolRun, add_tool_arguments, make_tool
from benchmarks.uses import collect_uses, find_modules

TARGETS = {"cold": 8.0, "warm": 1.5, "1-file": 0.4}
MEMORY_TARGET_MIB = 1024.0


@dataclass(frozen=True)
class Phase:
    project: str
    name: str
    runs: tuple[ToolRun, ...]
    detail: str = ""

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def rss_mib(self) -> float:
        return max(r.process.max_rss_kib for r in self.runs) / 1024

    @property
    def tree_mib(self) -> float:
        return max(r.process.tree_rss_kib for r in self.runs) / 1024

    @property
    def parsed(self) -> list[str]:
        """"parsed/checked" files from each run's JSON stats ("?" when absent)."""
        out = []
        for r in self.runs:
            try:
                stats = json.loads(r.process.stdout)["stats"]
                out.append(f"{stats['files_parsed']}/{stats['files_checked']}")
            except (ValueError, KeyError, TypeError):
                out.append("?")
        return out

    @property
    def problems(self) -> list[str]:
        return [r.problem for r in self.runs if r.problem]


def measure(spec: str, tool: Tool, repeat: int, graph_dir: str, file: str | None, timeout: float) -> list[Phase]:
    work = prepare(spec)
    reset(work)
    cold = []
    for _ in range(repeat):
        shutil.rmtree(work / graph_dir, ignore_errors=True)
        cold.append(tool.check(work, None, timeout=timeout))
    warm = [tool.check(work, None, timeout=timeout) for _ in range(repeat)]
    files = in_scope_python_files(work)
    target = file or files[len(files) // 2]
    one = []
    try:
        for i in range(repeat):
            with (work / target).open("a", encoding="utf-8") as fh:
                fh.write(f"\n\ndef _yantra_bench_touch_{i}(value=None):\n    return value\n")
            git(work, "add", "--", target)
            one.append(tool.check(work, [target], timeout=timeout))
            reset(work)
    finally:
        reset(work)
    phases = [Phase(spec, "cold", tuple(cold)), Phase(spec, "warm", tuple(warm)),
              Phase(spec, "1-file", tuple(one), detail=target)]
    hub = resigned_hub(work)
    if hub is not None:
        path, content, importers = hub
        runs = []
        try:
            for i in range(repeat):  # a different parameter name each time: the file really changes
                (work / path).write_text(content.replace("_yantra_opt=None", f"_yantra_opt{i}=None"), encoding="utf-8")
                git(work, "add", "--", path)
                runs.append(tool.check(work, [path], timeout=timeout))
                reset(work)
        finally:
            reset(work)
        phases.append(Phase(spec, "1-file", tuple(runs), detail=f"re-signed {path}, {importers} importers"))
    return phases


def resigned_hub(work: Path) -> tuple[str, str, int] | None:
    """The function imported by name from the most other files, with an optional parameter added to it, so
    the gate must re-check its callers: (path, new content, number of importing files)."""
    mods = find_modules(work)
    ranked = sorted(collect_uses(mods).from_imports.items(), key=lambda kv: (-len({p for p, _, _ in kv[1]}), kv[0]))
    for (module, name), sites in ranked:
        m = mods[module]
        node = m.top_defs.get(name)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.decorator_list:
            continue
        a = node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or not a.args:
            continue
        last: list[ast.arg | ast.expr] = [a.args[-1], *a.defaults[-1:]]
        line, col = max((n.end_lineno or n.lineno, n.end_col_offset or 0) for n in last)
        off = offset_of(m.source, line, col)
        new = m.source[:off] + ", _yantra_opt=None" + m.source[off:]
        try:
            ast.parse(new)
        except SyntaxError:
            continue
        return m.path, new, len({p for p, _, _ in sites if p != m.path})
    return None


def rows(phases: list[Phase], sizes: dict[str, tuple[int, int]]) -> list[list[object]]:
    out: list[list[object]] = []
    for p in phases:
        files, lines = sizes[p.project]
        limit = TARGETS[p.name]
        verdict = "NOT USABLE" if p.problems else ("PASS" if p.median <= limit else "FAIL")
        out.append([p.project, files, lines, p.name + (f" ({p.detail})" if p.detail else ""), f"{p.median:.3f}",
                    " ".join(f"{t:.2f}" for t in p.times), " ".join(p.parsed), f"<= {limit}", verdict,
                    f"{p.rss_mib:.0f}", f"{p.tree_mib:.0f}"])
    for project in dict.fromkeys(p.project for p in phases):
        peak = max(max(p.rss_mib, p.tree_mib) for p in phases if p.project == project)
        files, lines = sizes[project]
        out.append([project, files, lines, "peak memory (MiB)", f"{peak:.0f}", "", "", f"<= {MEMORY_TARGET_MIB:.0f}",
                    "PASS" if peak <= MEMORY_TARGET_MIB else "FAIL", "", ""])
    return out


def size_of(spec: str) -> tuple[int, int]:
    work = prepare(spec)
    files = in_scope_python_files(work)
    lines = 0
    for f in files:
        with (work / f).open("rb") as fh:
            lines += sum(1 for _ in fh)
    return len(files), lines


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", default=[SPEED_PROJECT, MID_PROJECT], metavar="SPEC")
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase; the median is reported (default 3)")
    parser.add_argument("--graph-dir", default=".git/yantra", help="deleted before each cold run")
    parser.add_argument("--file", default=None, help="the file edited for 1-file (default: the middle one)")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    add_tool_arguments(parser)
    args = parser.parse_args(argv)
    tool = make_tool(args.tool, args.yantra)
    log = ResultLog(f"speed-{tool.name}", args.out)
    load_before = _load()
    phases: list[Phase] = []
    sizes: dict[str, tuple[int, int]] = {}
    for spec in args.projects:
        try:
            sizes[spec] = size_of(spec)
            mine = measure(spec, tool, args.repeat, args.graph_dir, args.file, args.timeout)
        except BenchError as exc:
            print(f"{spec}: not measured: {exc}", file=sys.stderr)
            continue
        for p in mine:
            log.write({"project": spec, "phase": p.name, "detail": p.detail, "times": p.times, "parsed": p.parsed,
                       "median": p.median, "max_rss_mib": p.rss_mib, "tree_rss_mib": p.tree_mib,
                       "exits": [r.process.exit_code for r in p.runs], "problems": p.problems})
        phases.extend(mine)
    print(f"Speed of `{tool.name}` (wall seconds per run as a subprocess; median of {args.repeat}; "
          f"{os.cpu_count()} CPUs, load average {load_before} before, {_load()} after)\n")
    print(table(["project", "py files", "lines", "phase", "median s", "runs s", "parsed/checked", "target s", "verdict",
                 "peak RSS MiB", "tree RSS MiB"], rows(phases, sizes)))
    for p in phases:
        for problem in dict.fromkeys(p.problems):
            print(f"{p.project} {p.name}: run not usable: {problem}")
    print(f"\nresults: {log.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
