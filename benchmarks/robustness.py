"""Robustness: the gate over every file of real releases and over hostile inputs never crashes.

Each hostile case is a fresh git repository in a temp dir: one committed module, then the hostile files
written and staged (as a pre-commit run would see them). The gate runs twice per case: `check --all`
and pre-commit mode on the hostile paths. Each run passes when there is no "Traceback" in its output,
its exit code is 0 or 1 (2 only where a usage error is the right answer, and then with a message), its
stdout is the JSON report, and it ends within the timeout.

    python -m benchmarks.robustness [--projects SPEC ...] [--no-releases] [--cases NAME ...] [--tool ...]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/robustness.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.projects import (
    DEFAULT_PROJECTS,
    SPEED_PROJECT,
    BenchError,
    add_set_argument,
    chosen_projects,
    prepare,
    reset,
)
from benchmarks.report import ResultLog, table
from benchmarks.tool import Tool, ToolRun, add_tool_arguments, make_tool

DEPTH = 5000
OK_MODULE = b"import os\n\n\ndef helper(a, b=1):\n    return os.path.join(str(a), str(b))\n"


@dataclass(frozen=True)
class Setup:
    root: Path
    paths: tuple[str, ...]  # what pre-commit mode passes
    after_start: Callable[[], None] | None = None
    usage_error_ok: bool = False  # exit 2 with a message is the right answer here


@dataclass(frozen=True)
class Result:
    case: str
    mode: str
    run: ToolRun
    ok: bool
    note: str
    cpython: str = ""  # how many of the passed files this interpreter refuses to compile


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def repo(base: Path, files: dict[str, bytes], *, commit_base: bool = True) -> Path:
    """A git repo with `ok.py` committed (unless commit_base is False) and `files` written and staged."""
    root = base / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "ok.py").write_bytes(OK_MODULE)
    if commit_base:
        git(root, "add", "ok.py")
        git(root, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false",
            "commit", "-qm", "base", "--no-verify")
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    git(root, "add", "-A")
    return root


def simple(make: Callable[[], dict[str, bytes]]) -> Callable[[Path], Setup]:
    """A case whose hostile files are all passed in pre-commit mode (built lazily: some are 10 MB)."""

    def build(base: Path) -> Setup:
        files = make()
        return Setup(repo(base, files), tuple(files))

    return build


def big_file() -> bytes:
    chunk = b"".join(b"def f%d(a, b=1):\n    return helper(a, b) + %d\n\n\n" % (i, i) for i in range(1000))
    head = b"from ok import helper\n\n\n"
    return head + chunk * (10 * 1024 * 1024 // len(chunk) + 1)


def nested_ifs() -> bytes:
    lines = [b"x = 1\n"] + [b" " * i + b"if x:\n" for i in range(DEPTH)] + [b" " * DEPTH + b"pass\n"]
    return b"".join(lines)


def symlinks(base: Path) -> Setup:
    root = repo(base, {})
    os.symlink("loop_b.py", root / "loop_a.py")
    os.symlink("loop_a.py", root / "loop_b.py")
    os.symlink("self.py", root / "self.py")
    os.symlink(".", root / "dirloop")
    os.symlink("nowhere.py", root / "dangling.py")
    git(root, "add", "-A")
    return Setup(root, ("loop_a.py", "loop_b.py", "self.py", "dangling.py"))


def directory_named_py(base: Path) -> Setup:
    files = {"x.py/inner.py": b"VALUE = 1\n", "user.py": b"import x\nfrom ok import helper\nhelper(1)\n"}
    return Setup(repo(base, files), ("user.py",))


def no_commits(base: Path) -> Setup:
    files = {"app.py": b"from ok import helper\n\nhelper(1)\n", "lib/__init__.py": b""}
    return Setup(repo(base, files, commit_base=False), ("app.py", "ok.py"))


def deleted_during_check(base: Path) -> Setup:
    files = {f"mods/m{i}.py": b"from mods.m%d import f%d\n\n\ndef f%d(a):\n    return f%d(a)\n" % (
        max(i - 1, 0), max(i - 1, 0), i, max(i - 1, 0)) for i in range(400)}
    files["mods/__init__.py"] = b""
    root = repo(base, files)
    victims = [root / f"mods/m{i}.py" for i in range(0, 400, 7)]

    def delete() -> None:
        for v in victims:
            v.unlink(missing_ok=True)

    return Setup(root, tuple(f"mods/m{i}.py" for i in range(1, 400, 7)), after_start=delete)


def not_a_repo(base: Path) -> Setup:
    (base / "plain").mkdir()
    (base / "plain" / "a.py").write_bytes(OK_MODULE)
    return Setup(base / "plain", ("a.py",), usage_error_ok=True)


def _rand(n: int) -> bytes:
    return random.Random(1).randbytes(n)


CASES: dict[str, Callable[[Path], Setup]] = {
    "random bytes .py": simple(lambda: {"rand.py": _rand(64 * 1024)}),
    "null bytes": simple(lambda: {"nul.py": b"x = 1\n\0\0\0\ny = 2\n"}),
    "non-UTF-8 (latin-1, no cookie)": simple(lambda: {"latin.py": b'name = "caf\xe9"\n'}),
    "latin-1 with coding cookie": simple(lambda: {"cookie.py": b'# -*- coding: latin-1 -*-\nname = "caf\xe9"\n'}),
    "UTF-8 BOM + CRLF": simple(lambda: {"bom.py": b"\xef\xbb\xbfimport os\r\nprint(os.sep)\r\n"}),
    "CR-only line ends": simple(lambda: {"cr.py": b"import os\rprint(os.sep)\r"}),
    "python 2 file": simple(lambda: {"py2.py": b'print "hello"\nexec "x = 1"\n'}),
    "10 MB file": simple(lambda: {"big.py": big_file()}),
    "10 MB single line": simple(lambda: {"line.py": b'x = "' + b"a" * (10 * 1024 * 1024) + b'"\n'}),
    "5000-deep parens": simple(lambda: {"parens.py": b"x = " + b"(" * DEPTH + b"1" + b")" * DEPTH + b"\n"}),
    "5000-deep lists": simple(lambda: {"lists.py": b"x = " + b"[" * DEPTH + b"1" + b"]" * DEPTH + b"\n"}),
    "5000-deep nested ifs": simple(lambda: {"ifs.py": nested_ifs()}),
    "5000-deep calls": simple(lambda: {"calls.py": b"from ok import helper\nx = " + b"helper(" * DEPTH + b"1"
                               + b")" * DEPTH + b"\n"}),
    "5000-long attribute chain": simple(lambda: {"attrs.py": b"import os\nx = os" + b".path" * DEPTH + b"\n"}),
    "5000-term binary op": simple(lambda: {"binop.py": b"x = " + b" + ".join([b"1"] * DEPTH) + b"\n"}),
    "file deleted while checking": deleted_during_check,
    "git repo with no commits": no_commits,
    "path with spaces and unicode": simple(lambda: {
        "dír with space/mödülé файл.py": b"from ok import helper\nhelper(1)\n",
        "ünï/__init__.py": b"",
        "ünï/möd.py": b"def thing():\n    return 1\n",
        "use_unicode.py": b"from \xc3\xbcn\xc3\xaf.m\xc3\xb6d import thing\n\nthing()\n"}),
    "empty files": simple(lambda: {"empty.py": b"", "pkg/__init__.py": b"", "pkg/empty.py": b"",
                           "use_empty.py": b"import pkg.empty\nfrom pkg import empty\n"}),
    "symlink loops": symlinks,
    "directory named x.py": directory_named_py,
    "not a git repository": not_a_repo,
}


def judge(run: ToolRun, usage_error_ok: bool) -> tuple[bool, str]:
    out = run.process.stdout + run.process.stderr
    if "Traceback (most recent call last)" in out:
        return False, "traceback in output"
    if run.process.timed_out:
        return False, "timed out"
    if usage_error_ok and run.process.exit_code == 2:
        message = " ".join(run.process.stderr.split())[:120]
        return bool(message), f"usage error: {message}" if message else "exit 2 without a message"
    if run.problem:
        return False, run.problem[:200]
    rules: dict[str, int] = {}
    for f in run.findings:
        rules[f.rule] = rules.get(f.rule, 0) + 1
    return True, ", ".join(f"{k} {v}" for k, v in sorted(rules.items())) or "no findings"


def cpython_verdict(root: Path, paths: Sequence[str]) -> str:
    """'rejects N/M': the hostile files the running CPython refuses (for comparison with syntax-error)."""
    rejected = unreadable = 0
    for rel in paths:
        try:
            data = (root / rel).read_bytes()
        except OSError:
            unreadable += 1
            continue
        try:
            compile(data, rel, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            rejected += 1
    return f"rejects {rejected}/{len(paths)}" + (f", unreadable {unreadable}" if unreadable else "")


def run_case(name: str, build: Callable[[Path], Setup], tool: Tool, timeout: float) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="yantra-robust-") as tmp:
        for mode in ("all", "staged"):
            case_dir = Path(tmp) / mode
            case_dir.mkdir()
            setup = build(case_dir)
            paths = None if mode == "all" else list(setup.paths)
            run = tool.check(setup.root, paths, timeout=timeout, after_start=setup.after_start)
            ok, note = judge(run, setup.usage_error_ok)
            label = mode if mode == "all" else f"staged ({len(setup.paths)})"
            results.append(Result(name, label, run, ok, note, cpython_verdict(setup.root, setup.paths)))
    return results


def run_release(spec: str, tool: Tool, timeout: float) -> Result:
    work = prepare(spec)
    reset(work)
    run = tool.check(work, None, timeout=timeout)
    ok, note = judge(run, False)
    return Result(f"release {spec}", "all", run, ok, note)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", default=None, metavar="SPEC")
    add_set_argument(parser)
    parser.add_argument("--no-releases", action="store_true", help="only the hostile cases")
    parser.add_argument("--cases", nargs="+", default=list(CASES), metavar="NAME", choices=list(CASES))
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    add_tool_arguments(parser)
    parser.set_defaults(timeout=120.0)
    args = parser.parse_args(argv)
    tool = make_tool(args.tool, args.yantra)
    log = ResultLog(f"robustness-{tool.name}", args.out)
    results: list[Result] = []
    started = time.perf_counter()
    for spec in [] if args.no_releases else chosen_projects(args, [*DEFAULT_PROJECTS, SPEED_PROJECT]):
        try:
            results.append(run_release(spec, tool, args.timeout))
        except BenchError as exc:
            print(f"{spec}: not measured: {exc}", file=sys.stderr)
    for name in args.cases:
        results.extend(run_case(name, CASES[name], tool, args.timeout))
    for r in results:
        log.write({"case": r.case, "mode": r.mode, "exit": r.run.process.exit_code, "seconds": r.run.seconds,
                   "ok": r.ok, "note": r.note, "stderr_tail": r.run.process.stderr[-2000:]})
    print(f"Robustness of `{tool.name}` ({time.perf_counter() - started:.0f} s)\n")
    version = f"CPython {sys.version_info[0]}.{sys.version_info[1]}"
    print(table(["case", "mode", "exit", "seconds", "ok", "findings / problem", version],
                [[r.case, r.mode, r.run.process.exit_code, f"{r.run.seconds:.2f}", "ok" if r.ok else "FAIL",
                  r.note, r.cpython] for r in results]))
    failed = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)}/{len(results)} runs ok")
    for r in failed:
        print(f"FAIL {r.case} [{r.mode}] exit {r.run.process.exit_code}: {r.note}\n"
              f"    stderr: {' '.join(r.run.process.stderr.split())[-600:]}")
    print(f"results: {log.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
