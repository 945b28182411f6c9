"""Yantra's speed next to two anchors, measured in ONE process and interleaved per repeat (issue 10).

Each repeat runs, one after the other on the same release (so machine load affects every phase alike):
  ruff       `ruff check --no-cache --quiet .` (the venv's ruff; exit code ignored)
  pyrefly    `pyrefly check --summary --output-format omit-errors` over the whole project (exit code ignored);
             its summary line must say it checked modules, else the run is not usable
  cold       `yantra check --all` after deleting the graph database (`.git/yantra`)
  warm       `yantra check --all` with the graph up to date (its findings cache warm: every file served)
  warm-nocache  the same with `--no-cache`: every file judged again (the graph still warm)
  1-file     pre-commit check of one staged file (a new function appended, `git add`, a different edit each repeat)
  re-sign    pre-commit check of a staged re-sign (optional parameter added) of the function imported by name
             from the most files (40+ importers required), so the gate must re-check its callers
Wall time of the whole subprocess including interpreter start; the median over the repeats is compared with the
median of the anchor measured in the same run. Peak memory: the largest sum of resident sets of the cold build's
process tree (sampled from /proc, `benchmarks/process.py`).

Targets (issue 10): cold <= 1.0x pyrefly, warm <= 1.0x ruff, 1-file <= 0.3x ruff, re-sign <= 0.3x ruff (the
issue's 1-file target applied to the re-sign too), cold peak tree RSS <= 250 MiB.

CPU time (user + system of the process tree, `benchmarks/process.py`) is reported next to wall time, with its
ratio to ruff's CPU time: on a loaded machine it is the steadier figure. `--no-cold` skips the cold builds.

    python -m benchmarks.anchors [--projects django==5.0.6] [--repeat 3] [--no-cold]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/anchors.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.process import ProcessRun, Samples, run_measured
from benchmarks.projects import SPEED_PROJECT, BenchError, git, in_scope_python_files, prepare, reset
from benchmarks.report import ResultLog, table
from benchmarks.speed import resigned_hub
from benchmarks.tool import ToolRun, YantraTool, _judge, default_yantra_command, make_tool, parse_yantra_json

MIN_HUB_IMPORTERS = 40
RSS_TARGET_MIB = 250.0


class Anchor(Enum):
    RUFF = "ruff"
    PYREFLY = "pyrefly"


@dataclass(frozen=True)
class Target:
    anchor: Anchor
    ratio: float


TARGETS: dict[str, Target] = {
    "cold": Target(Anchor.PYREFLY, 1.0),
    "warm": Target(Anchor.RUFF, 1.0),
    "warm-nocache": Target(Anchor.RUFF, 1.0),
    "1-file": Target(Anchor.RUFF, 0.3),
    "re-sign": Target(Anchor.RUFF, 0.3),
}
PHASES = ("ruff", "pyrefly", "cold", "warm", "warm-nocache", "1-file", "re-sign")


_PYREFLY_SUMMARY = re.compile(r"([\d,]+) modules .*?; ([\d,]+) lines \(([\d,]+) lines in your project")


def pyrefly_checked(output: str) -> tuple[int, int] | None:
    """(modules, lines in the project) from pyrefly's `--summary` line, or None when it has none."""
    m = _PYREFLY_SUMMARY.search(output)
    if m is None:
        return None
    return int(m.group(1).replace(",", "")), int(m.group(3).replace(",", ""))


def compile_gate_bytecode() -> str:
    """Write the bytecode of the `bot` package this interpreter imports (the default `yantra` command's), as
    `pip install` does for a regular install: an editable install under PYTHONDONTWRITEBYTECODE=1 would
    otherwise recompile ~100 modules on every run (about 60 ms of a 1-file check). Returns what was done."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("bot")
    if spec is None or not spec.submodule_search_locations:
        raise BenchError("the `bot` package is not importable by this interpreter; pip install -e '.[dev]'")
    folder = next(iter(spec.submodule_search_locations))
    if not compileall.compile_dir(folder, quiet=1):
        raise BenchError(f"compiling the bytecode of {folder} failed")
    return f"bytecode of {folder} compiled before measuring (as pip install does; --no-compile to skip)"


def _venv_tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise BenchError(f"{name} is not installed next to {sys.executable}; pip install -e '.[dev]'")
    return str(path)


def run_ruff(work: Path, timeout: float) -> tuple[ProcessRun, str]:
    proc = run_measured([_venv_tool("ruff"), "check", "--no-cache", "--quiet", "."], work, timeout=timeout)
    problem = "timed out" if proc.timed_out else ("" if proc.exit_code in (0, 1) else f"exit {proc.exit_code}")
    return proc, problem


def run_pyrefly(work: Path, timeout: float) -> tuple[ProcessRun, str]:
    argv = [_venv_tool("pyrefly"), "check", "--summary", "--output-format", "omit-errors"]
    proc = run_measured(argv, work, timeout=timeout)
    checked = pyrefly_checked(proc.stdout + proc.stderr)
    if proc.timed_out:
        return proc, "timed out"
    if checked is None or checked[0] == 0 or checked[1] == 0:
        return proc, f"no summary of checked modules (exit {proc.exit_code}): {(proc.stderr or proc.stdout)[-300:]}"
    return proc, ""


def _yantra_problem(run: ToolRun, staged: bool) -> str:
    if run.problem:
        return run.problem
    if staged and run.process.exit_code not in (0, 1):
        return f"exit {run.process.exit_code}"
    return ""


def measure(spec: str, repeat: int, timeout: float, yantra: str | None, cold: bool = True) -> dict[str, Samples]:
    tool = make_tool("yantra", yantra)
    assert isinstance(tool, YantraTool)
    work = prepare(spec)
    reset(work)
    samples = {name: Samples() for name in PHASES}
    files = in_scope_python_files(work)
    target = files[len(files) // 2]
    samples["1-file"].detail = target
    hub = resigned_hub(work)
    if hub is None:
        raise BenchError(f"{spec}: no function imported by name from other files to re-sign")
    hub_path, hub_content, importers = hub
    samples["re-sign"].detail = f"{hub_path}, {importers} importers"
    if importers < MIN_HUB_IMPORTERS:
        samples["re-sign"].problems.append(f"hub has {importers} importers, fewer than {MIN_HUB_IMPORTERS}")
    try:
        if not cold:  # the warm phases only: bring the graph up to date once, unmeasured
            tool.check(work, None, timeout=timeout)
        for i in range(repeat):
            print(f"{spec}: repeat {i + 1}/{repeat}", file=sys.stderr)
            samples["ruff"].add(*run_ruff(work, timeout))
            pyrefly, problem = run_pyrefly(work, timeout)
            samples["pyrefly"].add(pyrefly, problem)
            checked = pyrefly_checked(pyrefly.stdout + pyrefly.stderr)
            if checked is not None:
                samples["pyrefly"].detail = f"{checked[0]} modules, {checked[1]} lines in the project"
            if cold:
                shutil.rmtree(work / ".git" / "yantra", ignore_errors=True)
                built = tool.check(work, None, timeout=timeout)
                samples["cold"].add(built.process, _yantra_problem(built, False))
            warm = tool.check(work, None, timeout=timeout)
            samples["warm"].add(warm.process, _yantra_problem(warm, False))
            judged = _judge(run_measured([*tool.argv(None), "--no-cache"], work, timeout=timeout),
                            parse_yantra_json)
            samples["warm-nocache"].add(judged.process, _yantra_problem(judged, False))
            if judged.findings != warm.findings:
                samples["warm"].problems.append("findings differ from the run without the findings cache")
            with (work / target).open("a", encoding="utf-8") as fh:
                fh.write(f"\n\ndef _yantra_anchor_touch_{i}(value=None):\n    return value\n")
            git(work, "add", "--", target)
            one = tool.check(work, [target], timeout=timeout)
            samples["1-file"].add(one.process, _yantra_problem(one, True))
            reset(work)
            # a different parameter name each repeat: the file really changes
            (work / hub_path).write_text(hub_content.replace("_yantra_opt=None", f"_yantra_opt{i}=None"),
                                         encoding="utf-8")
            git(work, "add", "--", hub_path)
            resign = tool.check(work, [hub_path], timeout=timeout)
            samples["re-sign"].add(resign.process, _yantra_problem(resign, True))
            reset(work)
    finally:
        reset(work)
    return samples


def rows(samples: dict[str, Samples]) -> list[list[object]]:
    ruff, pyrefly = samples["ruff"].median, samples["pyrefly"].median
    out: list[list[object]] = []
    ruff_cpu = statistics.median(samples["ruff"].cpu)
    for name in PHASES:
        s = samples[name]
        if not s.seconds:
            continue  # a phase not measured (--no-cold)
        target = TARGETS.get(name)
        goal, verdict = "", ""
        if target is not None:
            anchor = ruff if target.anchor is Anchor.RUFF else pyrefly
            goal = f"<= {target.ratio:.1f}x {target.anchor.value}"
            usable = not s.problems and not samples[target.anchor.value].problems
            verdict = ("PASS" if s.median <= target.ratio * anchor else "FAIL") if usable else "NOT USABLE"
        out.append([name + (f" ({s.detail})" if s.detail else ""), f"{s.median:.3f}",
                    " ".join(f"{t:.2f}" for t in s.seconds), f"{s.median / ruff:.2f}", f"{s.median / pyrefly:.2f}",
                    goal, verdict, f"{max(s.tree_mib):.0f}", f"{statistics.median(s.cpu):.3f}",
                    f"{statistics.median(s.cpu) / ruff_cpu:.2f}"])
    if not samples["cold"].seconds:
        return out
    cold_rss = max(samples["cold"].tree_mib)
    out.append(["cold peak tree RSS (MiB)", f"{cold_rss:.0f}", "", "", "", f"<= {RSS_TARGET_MIB:.0f} MiB",
                "PASS" if cold_rss <= RSS_TARGET_MIB else "FAIL", "", "", ""])
    return out


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", default=[SPEED_PROJECT], metavar="SPEC")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats; medians reported (default 3)")
    parser.add_argument("--yantra", default=None, metavar="CMD",
                        help=f"command line of the gate (default: {default_yantra_command()})")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run (default 900)")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not write the gate's bytecode first (measure an editable install without .pyc)")
    parser.add_argument("--no-cold", action="store_true",
                        help="skip the cold builds (build the graph once, unmeasured; then warm phases only)")
    args = parser.parse_args(argv)
    log = ResultLog("anchors", args.out)
    status = 0
    try:
        bytecode = "bytecode not compiled first" if args.no_compile else compile_gate_bytecode()
    except BenchError as exc:
        print(f"not measured: {exc}", file=sys.stderr)
        return 1
    print(bytecode)
    for spec in args.projects:
        load_before = _load()
        try:
            samples = measure(spec, args.repeat, args.timeout, args.yantra, cold=not args.no_cold)
        except BenchError as exc:
            print(f"{spec}: not measured: {exc}", file=sys.stderr)
            status = 1
            continue
        for name, s in samples.items():
            if s.seconds:
                log.write({"project": spec, "phase": name, "detail": s.detail, "times": s.seconds,
                           "median": s.median, "tree_rss_mib": s.tree_mib, "problems": s.problems, "cpu": s.cpu})
        print(f"\n{spec}: wall seconds per run as a subprocess, {args.repeat} interleaved repeats, "
              f"{os.cpu_count()} CPUs, load average {load_before} before, {_load()} after\n")
        print(table(["phase", "median s", "runs s", "x ruff", "x pyrefly", "target", "verdict", "tree RSS MiB",
                     "median CPU s", "CPU x ruff"],
                    rows(samples)))
        for name, s in samples.items():
            for problem in dict.fromkeys(s.problems):
                print(f"{name}: run not usable: {problem}")
    print(f"\nresults: {log.path}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
