"""The Action's graph cache on a Django pull request: the gate's time with a cold and with a warm cache.

action.yml caches `.git/yantra/graph.sqlite` (the default database) with actions/cache, keyed by the pull
request's base commit and restored by prefix. This replays that in one workspace directory, as a runner would:

1. base run: the workspace is a clone of Django 5.0.6 (`benchmarks.projects.prepare`) at the base commit; the
   gate runs there and leaves its graph; the cache step saves `.git/yantra/graph.sqlite` (copied aside here);
2. the workspace is wiped and cloned again at the pull request's commit (a few files changed on top of the base);
3. cold: the gate runs with no graph; warm: the saved file is put back where actions/cache restores it, then the
   same gate runs. Both are `yantra check --base <base> --format json`; its stats say how many files it parsed.

    python -m benchmarks.ci_cache [--projects django==5.0.6] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/ci_cache.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.projects import SPEED_PROJECT, prepare

CACHE_PATH = ".git/yantra/graph.sqlite"  # action.yml's `path:` of the graph cache, relative to the workspace
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}

# The pull request: a new helper, a function re-signed with a new keyword argument, and a new module using both.
PR_EDITS: dict[str, tuple[str, str]] = {  # path -> (text to find, replacement); "" finds the end of the file
    "django/utils/text.py": ("", '\n\ndef squash_spaces(value):\n    return " ".join(str(value).split())\n'),
    "django/utils/html.py": ("def strip_spaces_between_tags(value):",
                             "def strip_spaces_between_tags(value, keep_newlines=False):"),
    "django/core/paginator.py": ("", "\n\nPAGE_SIZE_DEFAULT = 25\n"),
}
NEW_FILES = {
    "django/utils/tidy.py": ("from django.utils.html import strip_spaces_between_tags\n"
                             "from django.utils.text import squash_spaces\n\n\n"
                             "def tidy(value):\n    return squash_spaces(strip_spaces_between_tags(value))\n"),
}


@dataclass(frozen=True)
class GateRun:
    seconds: float
    files_parsed: int
    files_checked: int
    findings: int


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    return proc.stdout


def make_origin(source: Path, origin: Path) -> tuple[str, str]:
    """A repository with the base commit and the pull request's commit on top: (base sha, head sha)."""
    git(source.parent, "clone", "-q", "--no-hardlinks", str(source), str(origin))
    base = git(origin, "rev-parse", "HEAD").strip()
    for path, (find, replace) in PR_EDITS.items():
        text = (origin / path).read_text(encoding="utf-8")
        if find and find not in text:
            raise SystemExit(f"ci_cache: {path} no longer has {find!r}; update PR_EDITS")
        (origin / path).write_text(text.replace(find, replace, 1) if find else text + replace, encoding="utf-8")
    for path, text in NEW_FILES.items():
        (origin / path).write_text(text, encoding="utf-8")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "pull request", "--no-verify")
    return base, git(origin, "rev-parse", "HEAD").strip()


def checkout_workspace(origin: Path, workspace: Path, sha: str) -> None:
    """What actions/checkout leaves: a fresh clone at `sha` (nothing of an earlier run survives)."""
    shutil.rmtree(workspace, ignore_errors=True)
    git(origin, "clone", "-q", str(origin), str(workspace))
    git(workspace, "checkout", "-q", "--detach", sha)


def gate(workspace: Path, base: str) -> GateRun:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bot", "check", "--base", base, "--format", "json"],
                          cwd=workspace, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"ci_cache: the gate failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    stats = data["stats"]
    return GateRun(seconds, int(stats["files_parsed"]), int(stats["files_checked"]), len(data["findings"]))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", nargs="+", default=[SPEED_PROJECT])
    ap.add_argument("--repeat", type=int, default=3, help="cold and warm runs each (median shown)")
    args = ap.parse_args(argv)
    print("| project | cache | gate s (median) | files parsed | files checked | findings |")
    print("|---|---|---:|---:|---:|---:|")
    for spec in args.projects:
        source = prepare(spec)
        with tempfile.TemporaryDirectory(prefix="yantra-ci-cache-") as tmp:
            origin, workspace, saved = Path(tmp) / "origin", Path(tmp) / "workspace", Path(tmp) / "cache"
            base, head = make_origin(source, origin)
            # 1. the run on the base commit leaves its graph; the cache step saves it
            checkout_workspace(origin, workspace, base)
            built = gate(workspace, base)
            saved.mkdir()
            shutil.copy2(workspace / CACHE_PATH, saved / "graph.sqlite")
            print(f"{spec}: base run built the graph in {built.seconds:.2f} s ({built.files_parsed} files parsed)",
                  file=sys.stderr)
            runs: dict[str, list[GateRun]] = {"cold": [], "warm": []}
            for _ in range(args.repeat):
                for kind in ("cold", "warm"):
                    checkout_workspace(origin, workspace, head)  # 2. a fresh checkout of the pull request
                    if kind == "warm":  # 3. actions/cache restores the base commit's graph
                        (workspace / CACHE_PATH).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(saved / "graph.sqlite", workspace / CACHE_PATH)
                    runs[kind].append(gate(workspace, base))
            for kind, done in runs.items():
                print(f"| {spec} | {kind} | {statistics.median(r.seconds for r in done):.2f} | "
                      f"{statistics.median(r.files_parsed for r in done):.0f} | "
                      f"{statistics.median(r.files_checked for r in done):.0f} | {done[-1].findings} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
