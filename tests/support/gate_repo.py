"""Real git repositories in tmp_path for the gate, report and hook tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from support.cli_here import run_cli_here
from support.gitrepo import git

from bot.gate import CheckResult, run_check


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def write(self, path: str, text: str) -> Path:
        full = self.root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return full

    def files(self, files: dict[str, str]) -> None:
        for path, text in files.items():
            self.write(path, text)

    def commit(self, message: str = "commit") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def stage(self, *paths: str) -> None:
        self.git("add", "-A", "--", *paths) if paths else self.git("add", "-A")

    def check(self, paths: list[str] | None = None, *, all_files: bool = False) -> CheckResult:
        return run_check(self.root, paths, all_files=all_files)

    def cli(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd or self.root, capture_output=True,
                              text=True, env={**os.environ, "NO_COLOR": "1"})

    def cli_here(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`cli` through the CLI's own entry point inside the test process (`support.cli_here`: the same command
        line, environment, working directory and pipe-like streams), for tests of what the gate judges rather than
        of the process: a fresh interpreter costs ~0.1 CPU-s of imports before `check` starts its work."""
        run = run_cli_here(args, cwd=self.root, env={**os.environ, "NO_COLOR": "1"})
        return subprocess.CompletedProcess([sys.executable, "-m", "bot", *args], run.code, run.stdout, run.stderr)


def make_repo(tmp_path: Path, name: str = "repo") -> Repo:
    root = tmp_path / name
    root.mkdir()
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    return r


def rules(result: CheckResult) -> list[tuple[str, str, int]]:
    """(rule, path, line) of every finding, for compact assertions."""
    return [(f.rule, f.path, f.line) for f in result.findings]
