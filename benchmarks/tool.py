"""The tool under measurement: `yantra check --format json`, or a stand-in with the same shape of result.

`--tool yantra` (default) runs `--yantra CMD` (default: the `yantra` script next to `sys.executable`) as
`CMD check --format json --all` or `CMD check --format json PATH...` (pre-commit mode: the staged files that
exist; with no PATHS the gate reads the staged change itself). `--tool ruff` runs
`ruff check --select F,E9 --output-format json` on the same files, mapped to Yantra's rule ids, so every
script can be exercised before the gate exists and compared against a file-local linter.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from benchmarks.process import ProcessRun, run_measured

CROSS_FILE_RULES = ("missing-module", "missing-symbol", "missing-attribute", "missing-member", "arity-mismatch")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str
    line: int
    end_line: int
    message: str
    suggestion: str = ""

    def short(self) -> str:
        return f"{self.path}:{self.line} {self.rule} {self.message}"


@dataclass(frozen=True)
class ToolRun:
    process: ProcessRun
    findings: tuple[Finding, ...]
    problem: str  # empty when the run is usable; otherwise why its result cannot be trusted

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def seconds(self) -> float:
        return self.process.seconds


class Tool(Protocol):
    @property
    def name(self) -> str: ...

    def check(self, root: Path, paths: Sequence[str] | None, *, timeout: float = 900.0,
              after_start: Callable[[], None] | None = None) -> ToolRun: ...


def default_yantra_command() -> str:
    script = Path(sys.executable).parent / "yantra"
    return str(script) if script.exists() else "yantra"


@dataclass(frozen=True)
class YantraTool:
    command: tuple[str, ...]
    name: str = "yantra"

    def argv(self, paths: Sequence[str] | None) -> list[str]:
        args = [*self.command, "check", "--format", "json"]
        if paths is None:
            return [*args, "--all"]
        return [*args, "--", *paths] if any(p.startswith("-") for p in paths) else [*args, *paths]

    def check(self, root: Path, paths: Sequence[str] | None, *, timeout: float = 900.0,
              after_start: Callable[[], None] | None = None) -> ToolRun:
        proc = run_measured(self.argv(paths), root, timeout=timeout, after_start=after_start)
        return _judge(proc, parse_yantra_json)


@dataclass(frozen=True)
class RuffTool:
    """A file-local stand-in: ruff's pyflakes and syntax rules on the given files (or the whole tree)."""

    executable: str
    name: str = "ruff"

    def check(self, root: Path, paths: Sequence[str] | None, *, timeout: float = 900.0,
              after_start: Callable[[], None] | None = None) -> ToolRun:
        targets = ["."] if paths is None else list(paths)
        if not targets:  # nothing staged that exists: a file-local linter has nothing to look at
            targets = ["--stdin-filename", "empty.py", "-"]
        argv = [self.executable, "check", "--no-cache", "--isolated", "--exit-zero", "--select", "F,E9",
                "--output-format", "json", *targets]
        proc = run_measured(argv, root, timeout=timeout, after_start=after_start)
        return _judge(proc, lambda out: parse_ruff_json(out, root))


def make_tool(name: str, yantra: str | None, ruff: str | None = None) -> Tool:
    if name == "yantra":
        return YantraTool(tuple(shlex.split(yantra or default_yantra_command())))
    if name == "ruff":
        return RuffTool(ruff or str(Path(sys.executable).parent / "ruff"))
    raise ValueError(f"unknown tool {name!r}; use yantra or ruff")


def add_tool_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tool", choices=("yantra", "ruff"), default="yantra",
                        help="the gate (default) or ruff on the same files as a file-local stand-in")
    parser.add_argument("--yantra", default=None, metavar="CMD",
                        help=f"command line of the gate (default: {default_yantra_command()})")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per tool run (default 900)")


def parse_yantra_json(stdout: str) -> tuple[Finding, ...]:
    data = json.loads(stdout)
    return tuple(Finding(str(f["rule"]), str(f.get("severity", "error")), str(f["path"]), int(f.get("line") or 0),
                         int(f.get("end_line") or f.get("line") or 0), str(f.get("message", "")),
                         str(f.get("suggestion", ""))) for f in data["findings"])


def parse_ruff_json(stdout: str, root: Path) -> tuple[Finding, ...]:
    out = []
    for item in json.loads(stdout or "[]"):
        code = item.get("code")
        rule, severity = _RUFF_RULES.get(code or "", (f"ruff:{code}", "warning"))
        if code is None or str(item.get("message", "")).startswith("SyntaxError"):
            rule, severity = "syntax-error", "error"
        path = Path(item["filename"])
        rel = path.relative_to(root.resolve()).as_posix() if path.is_absolute() else path.as_posix()
        loc, end = item.get("location") or {}, item.get("end_location") or {}
        out.append(Finding(rule, severity, rel, int(loc.get("row") or 0), int(end.get("row") or loc.get("row") or 0),
                           str(item.get("message", ""))))
    return tuple(out)


_RUFF_RULES: dict[str, tuple[str, str]] = {"E999": ("syntax-error", "error"), "invalid-syntax": ("syntax-error", "error"),
                                          "F821": ("undefined-name", "error")}


def _judge(proc: ProcessRun, parse: Callable[[str], tuple[Finding, ...]]) -> ToolRun:
    problems = []
    if proc.timed_out:
        problems.append("timed out")
    elif proc.exit_code not in (0, 1):
        problems.append(f"exit {proc.exit_code}: {_tail(proc.stderr or proc.stdout)}")
    if "Traceback (most recent call last)" in proc.stdout + proc.stderr:
        problems.append("traceback in output")
    findings: tuple[Finding, ...] = ()
    if proc.exit_code in (0, 1):
        try:
            findings = parse(proc.stdout)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"stdout is not the JSON report ({type(exc).__name__}: {exc}): {_tail(proc.stdout)}")
    return ToolRun(proc, findings, "; ".join(problems))


def _tail(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else "…" + text[-n:]


def as_json(run: ToolRun) -> dict[str, Any]:
    return {"exit": run.process.exit_code, "seconds": round(run.seconds, 3), "problem": run.problem,
            "findings": [asdict(f) for f in run.findings]}
