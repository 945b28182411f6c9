"""Real releases from PyPI, unpacked once into a cache as git repositories with one commit.

Layout (shared with `../shared/bench/run.py`, whose `prepare`/`reset` this adapts):
`$BENCH_CACHE/sdists/<sdist file>` and `$BENCH_CACHE/work/<name>-<version>/` (a git repo, one commit "base").
`BENCH_CACHE` defaults to `~/.cache/yantra-bench`. Nothing is downloaded when the work tree exists.

    python -m benchmarks.projects [SPEC ...]     # prepare (download + unpack + commit) and print the paths
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_PROJECTS: tuple[str, ...] = (
    "itsdangerous==2.2.0", "markdown==3.6", "pygments==2.18.0", "werkzeug==3.0.3", "jinja2==3.1.4",
    "attrs==23.2.0", "marshmallow==3.21.3", "starlette==0.37.2", "pluggy==1.5.0", "tornado==6.4.1",
    "networkx==3.3",
)
SPEED_PROJECT = "django==5.0.6"
MID_PROJECT = "networkx==3.3"


class BenchError(Exception):
    """A benchmark could not be set up (download, unpack or git failed); the message says what to do."""


def cache_dir() -> Path:
    return Path(os.environ.get("BENCH_CACHE", "~/.cache/yantra-bench")).expanduser()


def split_spec(spec: str) -> tuple[str, str]:
    name, sep, version = spec.partition("==")
    if not sep or not name or not version:
        raise BenchError(f"project spec {spec!r} must look like NAME==VERSION, e.g. attrs==23.2.0")
    return name.lower(), version


def work_dir(spec: str) -> Path:
    name, version = split_spec(spec)
    return cache_dir() / "work" / f"{name}-{version}"


def prepare(spec: str) -> Path:
    """The git work tree of the release `spec`, downloaded and committed on first use."""
    work = work_dir(spec)
    if (work / ".git").is_dir():
        return work
    sdist = _find_sdist(spec) or _download(spec)
    tmp = work.with_name(work.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _unpack(sdist, tmp)
    entries = list(tmp.iterdir())
    inner = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
    shutil.rmtree(work, ignore_errors=True)
    shutil.move(str(inner), work)
    shutil.rmtree(tmp, ignore_errors=True)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false",
        "commit", "-qm", "base", "--no-verify")
    return work


def reset(work: Path) -> None:
    """Back to the committed release: undo edits, staged changes and new files (the graph DB in .git stays)."""
    git(work, "reset", "-q", "--hard")
    git(work, "clean", "-qfd")


def tracked_python_files(work: Path) -> list[str]:
    out = git(work, "ls-files", "-z", "--", "*.py")
    return sorted(p for p in out.split("\0") if p)


def in_scope_python_files(work: Path) -> list[str]:
    """Tracked .py files minus the repository's own exclusions, as pre-commit and `yantra check --all` see them:
    the top-level `files`/`exclude` regexes of .pre-commit-config.yaml and `[tool.yantra] exclude` globs."""
    files = tracked_python_files(work)
    include, exclude = _pre_commit_filters(work)
    globs = _yantra_excludes(work)
    return [p for p in files if re.search(include, p) and not (exclude and re.search(exclude, p))
            and not any(fnmatch.fnmatch(p, g) or fnmatch.fnmatch(p, g.rstrip("/") + "/*") for g in globs)]


def _pre_commit_filters(work: Path) -> tuple[str, str]:
    path = work / ".pre-commit-config.yaml"
    if not path.is_file():
        return "", ""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("files") or ""), str(data.get("exclude") or "")


def _yantra_excludes(work: Path) -> list[str]:
    path = work / "pyproject.toml"
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
    except tomllib.TOMLDecodeError:
        return []
    return [str(g) for g in data.get("tool", {}).get("yantra", {}).get("exclude", [])]


def git(work: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=work, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed in {work} ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def _find_sdist(spec: str) -> Path | None:
    name, version = split_spec(spec)
    folder = cache_dir() / "sdists"
    if not folder.is_dir():
        return None
    prefix = f"{name}-{version}".replace("_", "-")
    for path in sorted(folder.iterdir()):
        stem = path.name.lower().replace("_", "-")
        if stem in (f"{prefix}.tar.gz", f"{prefix}.zip", f"{prefix}.tgz"):
            return path
    return None


def _download(spec: str) -> Path:
    folder = cache_dir() / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                           spec, "-d", str(folder)], capture_output=True, text=True)
    found = _find_sdist(spec)
    if proc.returncode != 0 or found is None:
        raise BenchError(f"could not download the sdist of {spec} from PyPI (pip exit {proc.returncode}): "
                         f"{proc.stderr.strip()[-500:]}; check the spec and that PyPI is reachable")
    return found


def _unpack(archive: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tf.extractall(dest)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("projects", nargs="*", default=[*DEFAULT_PROJECTS, SPEED_PROJECT])
    args = parser.parse_args(argv)
    try:
        for spec in args.projects:
            print(f"{spec}\t{prepare(spec)}")
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
