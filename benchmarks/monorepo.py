"""How the gate's cost grows with the repository: a synthetic monorepo at several sizes (issue 10).

The generator writes `--sizes` modules (default 2,000 and 20,000) into packages of `PER_PACKAGE` modules
(`p0000/m000.py` ...), each importing a few modules generated before it (by name and as a module) and calling their functions
with arguments their signatures accept, plus a hub, `hub/core.py::hub_call(a, b)`, imported and called by one
module in `HUB_EVERY` (400). The repository is a git repository with one commit, generated once per size and
seed under `$BENCH_CACHE/monorepo/` (never inside this repository) and reused.

Measured per size (wall time of the whole `yantra` subprocess, peak RSS summed over its process tree):
  cold      `check --all` after deleting the graph database (must report no finding: the code is correct)
  1-file    pre-commit check of one staged module with a new function appended (a different edit each repeat)
  re-sign   pre-commit check of `hub/core.py` with a required parameter added to `hub_call`: every caller breaks,
            and the number of arity-mismatch findings on the callers must equal the number of callers
The 1-file and re-sign phases are interleaved across sizes per repeat, so machine load affects all alike.
Targets: 1-file at the largest size <= 1.2x the smallest; cold <= 10x; at 100,000 modules 1-file < 0.5 s
and peak RSS < 1 GiB.

CPU time (user + system of the process tree) is reported next to wall time, and ratios of both: on a loaded
machine CPU time is the steadier figure. "git s" is the time git itself spent in the 1-file and re-sign runs
(the sum of its processes' own elapsed times from git's trace2 events, the long-lived `cat-file --batch`
left out): what the gate waits on git for. `--cold-repeat 0` builds each graph once, unmeasured, and skips the
cold phase.

    python -m benchmarks.monorepo [--sizes 2000 20000 100000] [--repeat 3] [--cold-repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/monorepo.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.anchors import compile_gate_bytecode
from benchmarks.process import Samples
from benchmarks.projects import BenchError, cache_dir, git
from benchmarks.report import ResultLog, table
from benchmarks.tool import Tool, ToolRun, default_yantra_command, make_tool

PER_PACKAGE = 50
HUB_EVERY = 400
IMPORTS_PER_MODULE = 3
HUB_PATH = "hub/core.py"
HUB_SOURCE = '''"""The hub: one function imported by one module in {every}."""


def hub_call(a, b):
    return a + b
'''
HUB_RESIGNED = HUB_SOURCE.replace("def hub_call(a, b):", "def hub_call(a, b, c):")
GENERATOR_VERSION = 1  # bump when the generated shape changes: cached repositories are regenerated


@dataclass(frozen=True)
class Monorepo:
    root: Path
    modules: tuple[str, ...]  # the generated modules' paths (package __init__ files and the hub not counted)
    hub_callers: tuple[str, ...]  # the modules that import hub_call by name and call it once

    def module_path(self, index: int) -> str:
        return self.modules[index]


def _name(index: int) -> tuple[str, str, str]:
    """(module dotted name, path, function name) of generated module `index`."""
    package, module = divmod(index, PER_PACKAGE)
    return f"p{package:04d}.m{module:03d}", f"p{package:04d}/m{module:03d}.py", f"fn_{package}_{module}"


def module_source(index: int, rng: random.Random) -> str:
    dotted, _, fn = _name(index)
    # only modules generated before this one: the import graph is acyclic, so the code really runs
    others = sorted({rng.randrange(index) for _ in range(IMPORTS_PER_MODULE)}) if index else []
    lines = [f'"""Synthetic module {dotted}."""', ""]
    by_name, as_module = others[::2], others[1::2]
    for o in by_name:
        o_dotted, _, o_fn = _name(o)
        lines.append(f"from {o_dotted} import {o_fn}")
    for o in as_module:
        lines.append(f"import {_name(o)[0]}")
    if index % HUB_EVERY == 0:
        lines.append("from hub.core import hub_call")
    calls = [f"{_name(o)[2]}(value)" for o in by_name]
    calls += [f"{_name(o)[0]}.{_name(o)[2]}(value, scale=2)" for o in as_module]
    if index % HUB_EVERY == 0:
        calls.append("hub_call(value, scale)")
    total = " + ".join(calls) if calls else "value"
    cls = f"Thing_{fn[3:]}"
    lines += ["", "", f"def {fn}(value, scale=1):", f"    total = {total}", "    return total * scale", "", "",
              f"class {cls}:", "    def __init__(self, value):", "        self.value = value", "",
              "    def run(self):", f"        return {fn}(self.value, 2)", ""]
    return "\n".join(lines)


def generate(root: Path, count: int, seed: int = 0) -> Monorepo:
    """Write a monorepo of `count` modules into the empty or absent directory `root` and commit it."""
    if count < 1:
        raise BenchError("a monorepo needs at least one module")
    if root.exists() and any(root.iterdir()):
        raise BenchError(f"{root} is not empty; the generator writes only into a new directory")
    rng = random.Random(seed)
    modules, callers = [], []
    for index in range(count):
        _, path, _ = _name(index)
        target = root / path
        if index % PER_PACKAGE == 0:
            target.parent.mkdir(parents=True, exist_ok=True)
            (target.parent / "__init__.py").write_text("")
        target.write_text(module_source(index, rng), encoding="utf-8")
        modules.append(path)
        if index % HUB_EVERY == 0:
            callers.append(path)
    (root / "hub").mkdir(parents=True, exist_ok=True)
    (root / "hub" / "__init__.py").write_text("")
    (root / HUB_PATH).write_text(HUB_SOURCE.format(every=HUB_EVERY), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false",
        "commit", "-qm", "base", "--no-verify")
    return Monorepo(root, tuple(modules), tuple(callers))


def cached(count: int, seed: int) -> Monorepo:
    """The monorepo of `count` modules for `seed` under `$BENCH_CACHE/monorepo/`, generated on first use."""
    root = cache_dir() / "monorepo" / f"v{GENERATOR_VERSION}-{count}-seed{seed}"
    if not (root / ".git").is_dir():
        tmp = root.with_name(root.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        generate(tmp, count, seed)
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
    modules = tuple(_name(i)[1] for i in range(count))
    return Monorepo(root, modules, tuple(m for i, m in enumerate(modules) if i % HUB_EVERY == 0))


def _reset(root: Path) -> None:
    git(root, "reset", "-q", "--hard")
    git(root, "clean", "-qfd")


def _clean_problem(run: ToolRun) -> str:
    if run.problem:
        return run.problem
    if run.findings:
        return f"{len(run.findings)} finding(s) on correct code, e.g. {run.findings[0].short()}"
    return ""


def _resign_problem(run: ToolRun, repo: Monorepo) -> str:
    if run.problem:
        return run.problem
    expected = set(repo.hub_callers)
    found = [f for f in run.findings if f.rule == "arity-mismatch" and f.path in expected]
    missed = sorted(expected - {f.path for f in found})
    others = [f for f in run.findings if f not in found]
    if len(found) != len(expected) or missed or others:
        return (f"{len(found)} arity-mismatch finding(s) on {len(expected)} callers; missed {missed[:3]}; "
                f"{len(others)} other finding(s)")
    return ""


def git_seconds(trace: Path) -> float:
    """Elapsed seconds of the git processes in a GIT_TRACE2_EVENT file, less `cat-file --batch` (which lives
    as long as the run that reads blobs through it)."""
    argv: dict[str, list[str]] = {}
    total = 0.0
    try:
        lines = trace.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 0.0
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "start":
            argv[event.get("sid", "")] = event.get("argv", [])
        elif event.get("event") == "exit" and argv.get(event.get("sid", ""), ["", ""])[1:2] != ["cat-file"]:
            total += float(event.get("t_abs", 0.0))
    return total


def _traced(tool: Tool, root: Path, paths: list[str], timeout: float) -> tuple[ToolRun, float]:
    """`tool.check` with git's trace2 events written to a temporary file: (its result, git's seconds)."""
    fd, name = tempfile.mkstemp(prefix="yantra-git-trace-", suffix=".json")
    os.close(fd)
    trace = Path(name)
    os.environ["GIT_TRACE2_EVENT"] = str(trace)
    try:
        return tool.check(root, paths, timeout=timeout), git_seconds(trace)
    finally:
        del os.environ["GIT_TRACE2_EVENT"]
        trace.unlink(missing_ok=True)


GIT_SECONDS: dict[tuple[int, str], list[float]] = {}  # (size, phase) -> git's seconds per run


def measure(sizes: Sequence[int], seed: int, repeat: int, cold_repeat: int, timeout: float,
            yantra: str | None) -> dict[int, dict[str, Samples]]:
    tool = make_tool("yantra", yantra)
    repos = {}
    for n in sizes:
        print(f"monorepo {n}: generating (or reusing) under {cache_dir() / 'monorepo'}", file=sys.stderr)
        repos[n] = cached(n, seed)
    out = {n: {"cold": Samples(), "1-file": Samples(), "re-sign": Samples()} for n in sizes}
    for n, repo in repos.items():
        _reset(repo.root)
        if not cold_repeat:  # no cold phase: bring the graph up to date once, unmeasured (a check of one
            tool.check(repo.root, [HUB_PATH], timeout=timeout)  # file refreshes it all, without --all's cost)
        for i in range(cold_repeat):
            print(f"monorepo {n}: cold build {i + 1}/{cold_repeat}", file=sys.stderr)
            shutil.rmtree(repo.root / ".git" / "yantra", ignore_errors=True)
            run = tool.check(repo.root, None, timeout=timeout)
            out[n]["cold"].add(run.process, _clean_problem(run))
        out[n]["1-file"].detail = repo.module_path(len(repo.modules) // 2)
        out[n]["re-sign"].detail = f"{HUB_PATH}, {len(repo.hub_callers)} callers"
    for i in range(repeat):
        for n, repo in repos.items():
            print(f"monorepo {n}: 1-file and re-sign {i + 1}/{repeat}", file=sys.stderr)
            target = out[n]["1-file"].detail
            try:
                with (repo.root / target).open("a", encoding="utf-8") as fh:
                    fh.write(f"\n\ndef _bench_touch_{i}(value=None):\n    return value\n")
                git(repo.root, "add", "--", target)
                run, spent = _traced(tool, repo.root, [target], timeout)
                out[n]["1-file"].add(run.process, _clean_problem(run))
                GIT_SECONDS.setdefault((n, "1-file"), []).append(spent)
                _reset(repo.root)
                (repo.root / HUB_PATH).write_text(
                    HUB_RESIGNED.format(every=HUB_EVERY).replace("(a, b, c)", f"(a, b, c{i})"), encoding="utf-8")
                git(repo.root, "add", "--", HUB_PATH)
                run, spent = _traced(tool, repo.root, [HUB_PATH], timeout)
                out[n]["re-sign"].add(run.process, _resign_problem(run, repo))
                GIT_SECONDS.setdefault((n, "re-sign"), []).append(spent)
            finally:
                _reset(repo.root)
    return out


def rows(results: dict[int, dict[str, Samples]]) -> list[list[object]]:
    sizes = sorted(results)
    out: list[list[object]] = []
    for n in sizes:
        for phase, s in results[n].items():
            if not s.seconds:
                continue  # not measured (--cold-repeat 0)
            spent = GIT_SECONDS.get((n, phase))
            out.append([n, phase + (f" ({s.detail})" if s.detail else ""), f"{s.median:.3f}",
                        " ".join(f"{t:.2f}" for t in s.seconds), f"{statistics.median(s.cpu):.3f}",
                        f"{statistics.median(spent):.3f}" if spent else "", f"{max(s.tree_mib):.0f}",
                        "NOT USABLE" if s.problems else "ok"])
    return out


def ratio_rows(results: dict[int, dict[str, Samples]]) -> list[list[object]]:
    sizes = sorted(results)
    out: list[list[object]] = []
    small = sizes[0]
    limits = {"1-file": 1.2, "cold": 10.0, "re-sign": None}
    for n in sizes[1:]:
        for phase, limit in limits.items():
            a, b = results[small][phase], results[n][phase]
            if not a.seconds or not b.seconds:
                continue
            ratio = b.median / a.median
            cpu_ratio = statistics.median(b.cpu) / statistics.median(a.cpu)
            usable = not a.problems and not b.problems
            verdict = ("PASS" if ratio <= limit else "FAIL") if limit is not None else ""
            out.append([f"{phase} {n}/{small}", f"{ratio:.2f}", f"{cpu_ratio:.2f}",
                        f"<= {limit}" if limit is not None else "", verdict if usable else "NOT USABLE"])
    if 100_000 in results:
        r = results[100_000]
        peak = max(max(s.tree_mib) for s in r.values() if s.tree_mib)
        one = r["1-file"]
        out.append(["1-file at 100000 (s)", f"{one.median:.3f}", f"{statistics.median(one.cpu):.3f}", "< 0.5",
                    "PASS" if one.median < 0.5 and not one.problems else "FAIL"])
        out.append(["peak tree RSS at 100000 (MiB)", f"{peak:.0f}", "", "< 1024", "PASS" if peak < 1024 else "FAIL"])
    return out


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000], metavar="N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="1-file and re-sign runs per size (default 3)")
    parser.add_argument("--cold-repeat", type=int, default=1,
                        help="cold builds per size (default 1; 0: build once, unmeasured, and skip the phase)")
    parser.add_argument("--yantra", default=None, metavar="CMD",
                        help=f"command line of the gate (default: {default_yantra_command()})")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (default 1800)")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not write the gate's bytecode first (measure an editable install without .pyc)")
    args = parser.parse_args(argv)
    log = ResultLog("monorepo", args.out)
    load_before = _load()
    try:
        print("bytecode not compiled first" if args.no_compile else compile_gate_bytecode())
        results = measure(sorted(set(args.sizes)), args.seed, args.repeat, args.cold_repeat, args.timeout,
                          args.yantra)
    except BenchError as exc:
        print(f"monorepo: not measured: {exc}", file=sys.stderr)
        return 1
    for n, phases in results.items():
        for phase, s in phases.items():
            if s.seconds:
                log.write({"modules": n, "phase": phase, "detail": s.detail, "times": s.seconds,
                           "median": s.median, "tree_rss_mib": s.tree_mib, "problems": s.problems, "cpu": s.cpu,
                           "git_seconds": GIT_SECONDS.get((n, phase), [])})
    print(f"\nSynthetic monorepo (seed {args.seed}, {PER_PACKAGE} modules per package, hub imported by 1 in "
          f"{HUB_EVERY}); wall seconds per run, {os.cpu_count()} CPUs, load average {load_before} before, "
          f"{_load()} after\n")
    print(table(["modules", "phase", "median s", "runs s", "median CPU s", "git s", "tree RSS MiB", "usable"],
                rows(results)))
    if len(results) > 1 or 100_000 in results:
        print()
        print(table(["ratio", "wall", "CPU", "target", "verdict"], ratio_rows(results)))
    for n, phases in results.items():
        for phase, s in phases.items():
            for problem in dict.fromkeys(s.problems):
                print(f"{n} {phase}: run not usable: {problem}")
    print(f"\nresults: {log.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
