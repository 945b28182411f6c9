"""False positives: `yantra check --all --format json` on clean releases, which contain no breaking change.

Per project: cross-file findings (missing-module, missing-symbol, missing-attribute, arity-mismatch; every
one is a false positive, the target is 0), undefined-name findings (each listed with its source line for
manual review), syntax-error files against the ground truth (the files CPython of the release's target
version refuses to compile), other errors, and warnings.

    python -m benchmarks.false_positives [--set tuned|unseen | --projects SPEC ...] [--tool yantra|ruff] [--yantra CMD]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/false_positives.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.projects import (
    DEFAULT_PROJECTS,
    BenchError,
    add_set_argument,
    chosen_projects,
    in_scope_python_files,
    prepare,
    project_lock,
    reset,
    which_set,
)
from benchmarks.pytarget import Target, fmt, interpreter_for, read_target, rejected_files
from benchmarks.report import ResultLog, table
from benchmarks.tool import CROSS_FILE_RULES, Finding, Tool, ToolRun, add_tool_arguments, make_tool


@dataclass(frozen=True)
class ProjectResult:
    spec: str
    work: Path
    files: int
    target: Target
    truth: dict[str, str] | None  # None: ground truth unavailable
    run: ToolRun

    def by_rule(self, *rules: str) -> list[Finding]:
        return [f for f in self.run.findings if f.rule in rules]

    @property
    def cross(self) -> list[Finding]:
        return self.by_rule(*CROSS_FILE_RULES)

    @property
    def syntax_paths(self) -> set[str]:
        return {f.path for f in self.by_rule("syntax-error")}

    @property
    def other_errors(self) -> list[Finding]:
        known = {*CROSS_FILE_RULES, "undefined-name", "syntax-error"}
        return [f for f in self.run.errors if f.rule not in known]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.run.findings if f.severity != "error"]

    def syntax_verdict(self) -> str:
        if self.run.problem:
            return "not checked"
        if self.truth is None:
            return "ground truth unavailable"
        return "exact" if self.syntax_paths == set(self.truth) else "MISMATCH"


def measure(spec: str, tool: Tool, timeout: float) -> ProjectResult:
    work = prepare(spec)
    with project_lock(spec):
        reset(work)
        files = in_scope_python_files(work)
        target = read_target(work)
        interpreter = interpreter_for(target.version)
        truth = rejected_files(interpreter, work, files) if interpreter else None
        return ProjectResult(spec, work, len(files), target, truth, tool.check(work, None, timeout=timeout))


def summary_row(r: ProjectResult) -> list[object]:
    truth = "n/a" if r.truth is None else len(r.truth)
    status = r.run.problem or "ok"
    yantra_target = fmt(r.target.yantra_version) if r.target.yantra_version else "interpreter's"
    return [r.spec, which_set(r.spec), r.files, r.target.label(), yantra_target, r.run.process.exit_code,
            r.run.seconds, "-" if r.run.problem else len(r.cross), "-" if r.run.problem else len(r.by_rule("undefined-name")),
            f"{len(r.syntax_paths)}/{truth}", r.syntax_verdict(), len(r.other_errors), len(r.warnings), status]


HEADERS = ["project", "set", "py files", "target (from)", "yantra target", "exit", "s", "cross-file", "undefined-name",
           "syntax yantra/truth", "syntax", "other errors", "warnings", "run"]


def details(r: ProjectResult) -> list[str]:
    out = []
    for f in r.cross:
        out.append(f"  FALSE POSITIVE {f.short()}" + (f"  (suggestion: {f.suggestion})" if f.suggestion else ""))
    for f in r.by_rule("undefined-name"):
        out.append(f"  REVIEW undefined-name {f.path}:{f.line} {f.message}\n      | {_line(r.work, f)}")
    truth = r.truth or {}
    if r.truth is not None and not r.run.problem:
        for path in sorted(set(truth) - r.syntax_paths):
            out.append(f"  SYNTAX MISSED {path}: CPython {fmt(r.target.version)} says {truth[path]}")
        for path in sorted(r.syntax_paths - set(truth)):
            extra = next(f for f in r.by_rule("syntax-error") if f.path == path)
            out.append(f"  SYNTAX EXTRA {extra.short()} (CPython {fmt(r.target.version)} compiles it)")
    for f in r.other_errors:
        out.append(f"  OTHER ERROR {f.short()}")
    if r.warnings:
        counts = Counter(f.rule for f in r.warnings)
        out.append("  warnings: " + ", ".join(f"{rule} {n}" for rule, n in counts.most_common()))
    if r.target.yantra_version != r.target.version:
        out.append(f"  note: target {fmt(r.target.version)} comes from {r.target.source}; "
                   f"Yantra would use {r.target.yantra_source}")
    return [f"{r.spec}:", *out] if out else []


def _line(work: Path, f: Finding) -> str:
    try:
        lines = (work / f.path).read_text(encoding="utf-8", errors="replace").splitlines()
        return lines[f.line - 1].strip() if 0 < f.line <= len(lines) else "?"
    except OSError:
        return "?"


def record(r: ProjectResult) -> dict[str, object]:
    return {"project": r.spec, "set": which_set(r.spec), "files": r.files, "target": fmt(r.target.version), "target_source": r.target.source,
            "yantra_target": fmt(r.target.yantra_version), "exit": r.run.process.exit_code,
            "seconds": round(r.run.seconds, 3), "problem": r.run.problem,
            "cross_file": [f.short() for f in r.cross],
            "undefined_name": [f.short() for f in r.by_rule("undefined-name")],
            "syntax_yantra": sorted(r.syntax_paths), "syntax_truth": r.truth,
            "other_errors": [f.short() for f in r.other_errors], "warnings": [f.short() for f in r.warnings]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", default=None, metavar="SPEC")
    add_set_argument(parser)
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    add_tool_arguments(parser)
    args = parser.parse_args(argv)
    tool = make_tool(args.tool, args.yantra)
    log = ResultLog(f"false_positives-{tool.name}", args.out)
    results = []
    for spec in chosen_projects(args, DEFAULT_PROJECTS):
        try:
            result = measure(spec, tool, args.timeout)
        except BenchError as exc:
            print(f"{spec}: not measured: {exc}", file=sys.stderr)
            continue
        results.append(result)
        log.write(record(result))
        print(f"{spec}: exit {result.run.process.exit_code} in {result.run.seconds:.2f}s", file=sys.stderr)
    print(f"False positives of `{tool.name}` on clean releases (check --all)\n")
    print(table(HEADERS, [summary_row(r) for r in results]))
    print()
    for r in results:
        for line in details(r):
            print(line)
    cross = sum(len(r.cross) for r in results if not r.run.problem)
    broken = [r.spec for r in results if r.run.problem]
    exact = sum(r.syntax_verdict() == "exact" for r in results)
    undefined = sum(len(r.by_rule("undefined-name")) for r in results)
    print(f"\ncross-file findings: {cross} (target 0) -> {'PASS' if cross == 0 and not broken else 'FAIL'}; "
          f"syntax-error exact on {exact}/{len(results)} projects; undefined-name to review: {undefined}; "
          f"runs not usable: {', '.join(broken) or 'none'}\nresults: {log.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
