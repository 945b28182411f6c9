"""Real releases from PyPI, unpacked once into a cache as git repositories with one commit.

Layout (shared with `../shared/bench/run.py`, whose `prepare`/`reset` this adapts):
`$BENCH_CACHE/sdists/<sdist file>` and `$BENCH_CACHE/work/<name>-<version>/` (a git repo, one commit "base").
`BENCH_CACHE` defaults to `~/.cache/yantra-bench`. Nothing is downloaded when the work tree exists.

    python -m benchmarks.projects [SPEC ...]     # prepare (download + unpack + commit) and print the paths
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
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

# The "tuned" set: the releases the gate was developed against (the defaults above plus Django).
TUNED_PROJECTS: tuple[str, ...] = (*DEFAULT_PROJECTS, SPEED_PROJECT)

# The "unseen" set: releases never used while tuning the gate, chosen for their shapes. Figures on code the
# gate was not tuned on are reported on these (with the reporting seed, see `benchmarks/seeds.py`).
# Not here on purpose: the repositories replayed by `benchmarks/replay.py` (click, requests, packaging,
# cattrs, typer, httpx), so the replay stays on code no benchmark set contains.
UNSEEN_PROJECTS: tuple[str, ...] = (
    # web frameworks
    "flask==3.0.3", "fastapi==0.111.0", "pyramid==2.0.2", "bottle==0.12.25", "falcon==3.1.3", "sanic==23.12.1",
    # CLIs and terminal output
    "rich==13.7.1", "httpie==3.2.2", "black==24.4.2",
    # plugin systems
    "pytest==8.2.2", "stevedore==5.2.0", "tox==4.15.1",
    # vendored code
    "pip==24.0", "setuptools==70.0.0", "poetry-core==1.9.0",
    # docs-heavy / documentation tools
    "sphinx==7.3.7", "mkdocs==1.6.0", "docutils==0.21.2",
    # scientific / symbolic
    "sympy==1.12.1",
    # libraries of other shapes
    "urllib3==2.2.1", "pydantic==1.10.15", "sqlalchemy==2.0.30", "alembic==1.13.1", "celery==5.4.0",
    "kombu==5.3.7", "scrapy==2.11.2", "mako==1.3.5", "babel==2.15.0", "paramiko==3.4.0", "pyparsing==3.1.2",
    "tomlkit==0.12.5", "jsonschema==4.22.0", "more-itertools==10.3.0", "boltons==24.0.0", "arrow==1.3.0",
)
PROJECT_SETS: dict[str, tuple[str, ...]] = {"tuned": TUNED_PROJECTS, "unseen": UNSEEN_PROJECTS}
MAX_SDIST_BYTES = 30 * 1024 * 1024  # larger sdists are skipped (not downloaded again, not unpacked)


def which_set(spec: str) -> str:
    """"tuned", "unseen" or "other" (a release given on the command line that belongs to neither set)."""
    for name, specs in PROJECT_SETS.items():
        if spec.lower() in (s.lower() for s in specs):
            return name
    return "other"
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
    with project_lock(spec):
        if (work / ".git").is_dir():  # another benchmark prepared it while this one waited
            return work
        return _prepare(spec, work)


def _prepare(spec: str, work: Path) -> Path:
    sdist = _find_sdist(spec) or _download(spec)
    if sdist.stat().st_size > MAX_SDIST_BYTES:
        raise BenchError(f"the sdist of {spec} has {sdist.stat().st_size // 2**20} MiB, over the "
                         f"{MAX_SDIST_BYTES // 2**20} MiB cap of the corpus; choose another release")
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


@contextlib.contextmanager
def project_lock(spec: str) -> Iterator[None]:
    """Hold the release's lock (an flock under `$BENCH_CACHE/locks/`) so that two benchmarks running at
    once never prepare, mutate or reset the same work tree together; the second one waits."""
    folder = cache_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    name, version = split_spec(spec)
    with open(folder / f"{name}-{version}.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{spec}: waiting for another benchmark that holds its work tree", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
    """git's stdout as text; bytes that are not UTF-8 (old commit messages, file names) come back as surrogate
    escapes, so a path still round-trips to git and nothing raises UnicodeDecodeError."""
    proc = subprocess.run(["git", *args], cwd=work, capture_output=True, encoding="utf-8", errors="surrogateescape")
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
    name, _ = split_spec(spec)
    # Only the release itself as an sdist: its build requirements (needed by pip to read the metadata) may
    # come as wheels, so no compiler runs (`--no-binary :all:` would build Cython from source for falcon).
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", name,
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
    parser.add_argument("projects", nargs="*", default=None, metavar="SPEC")
    add_set_argument(parser)
    args = parser.parse_args(argv)
    failed = 0
    for spec in chosen_projects(args, [*DEFAULT_PROJECTS, SPEED_PROJECT]):
        try:
            work = prepare(spec)
            print(f"{spec}\t{which_set(spec)}\t{len(tracked_python_files(work))} py files\t{work}")
        except BenchError as exc:
            failed += 1
            print(f"{spec}: error: {exc}", file=sys.stderr)
    return 2 if failed else 0


def add_set_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", choices=sorted(PROJECT_SETS), default=None, dest="project_set",
                        help="the tuned releases (the gate was developed on them) or the unseen ones")


def chosen_projects(args: argparse.Namespace, default: Sequence[str]) -> list[str]:
    """The releases named by `--projects`/positional specs, else those of `--set`, else `default`."""
    named = getattr(args, "projects", None)
    if named:
        return list(named)
    if args.project_set:
        return list(PROJECT_SETS[args.project_set])
    return list(default)


if __name__ == "__main__":
    raise SystemExit(main())
