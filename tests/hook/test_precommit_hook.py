"""The real `pre-commit` framework installs the `yantra-gate` hook from `.pre-commit-hooks.yaml` (a git
repository holding the current project at a commit) into a real repository and runs it on `git commit`.

Offline: pre-commit builds the hook's virtualenv with pip pointed at a wheelhouse this test assembles from
the distributions already installed in the running environment (no index is ever contacted).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import fcntl
import hashlib
import importlib.metadata as md
import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support.gitrepo import git

PROJECT = Path(__file__).resolve().parents[2]
BUILD_TOOLS = ("setuptools",)  # setuptools >= 70.1 builds wheels without the `wheel` package
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}


def _repack(dist: md.Distribution, out: Path) -> None:
    """Write an installed distribution back out as a wheel (files + dist-info, RECORD regenerated)."""
    wheel_meta = dist.read_text("WHEEL") or "Tag: py3-none-any\n"
    tags = [line.split(":", 1)[1].strip() for line in wheel_meta.splitlines() if line.startswith("Tag:")]
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    target = out / f"{name}-{dist.version}-{tags[0]}.whl"
    records = io.StringIO()
    writer = csv.writer(records)
    meta = next(str(f) for f in dist.files or [] if str(f).endswith(".dist-info/METADATA"))
    record_name = meta.rsplit("/", 1)[0] + "/RECORD"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in dist.files or []:
            rel = str(f)
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc"):
                continue
            if rel == record_name:
                continue
            full = Path(str(dist.locate_file(f)))
            if not full.is_file():
                continue
            data = full.read_bytes()
            zf.writestr(rel, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([rel, f"sha256={digest}", len(data)])
        writer.writerow([record_name, "", ""])
        zf.writestr(record_name, records.getvalue())


def _closure(names: list[str]) -> dict[str, md.Distribution]:
    seen: dict[str, md.Distribution] = {}
    todo = list(names)
    while todo:
        key = canonicalize_name(todo.pop())
        if key in seen:
            continue
        dist = md.distribution(key)
        seen[key] = dist
        for raw in dist.requires or []:
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


@contextlib.contextmanager
def _shared(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A directory every pytest-xdist worker of this session shares (under the session's base temporary
    directory), held under a lock: (path, True) when an earlier worker already made it. So the hook's
    repository, wheelhouse and pre-commit environment are built once per session, not once per worker."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(path, ignore_errors=True)  # (a worker that failed half-way)
            path.mkdir()
            yield path, False
            done.touch()
        else:
            yield path, True


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with _shared(tmp_path_factory, "wheelhouse") as (out, made):
        if not made:
            _fill_wheelhouse(out)
    return out


def _fill_wheelhouse(out: Path) -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = [Requirement(r).name for r in project["project"]["dependencies"]]
    for dist in _closure(deps).values():
        _repack(dist, out)
    import virtualenv  # its embedded seed wheels are real wheels of the build tools

    embed = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    for wheel in embed.glob("*.whl"):
        if wheel.name.split("-")[0] in BUILD_TOOLS:
            shutil.copy2(wheel, out / wheel.name)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The current project (its working tree, as pre-commit would clone it) committed in a fresh repo."""
    with _shared(tmp_path_factory, "yantra-src") as (src, made):
        if not made:
            _commit_project(src)
    return src, git(src, "rev-parse", "HEAD").strip()


def _commit_project(src: Path) -> None:
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(PROJECT / name, src / name)
    if not _installed("wheel"):  # offline: a build requirement we cannot provide is not needed either
        text = (src / "pyproject.toml").read_text(encoding="utf-8")
        (src / "pyproject.toml").write_text(text.replace(', "wheel"]', "]"), encoding="utf-8")
    for name in ("bot", "hooks"):
        shutil.copytree(PROJECT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "yantra at test time")


def _installed(name: str) -> bool:
    try:
        md.distribution(name)
    except md.PackageNotFoundError:
        return False
    return True


def _env(tmp_path: Path, wheelhouse: Path, home: Path | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    return {**clean, **GIT_ENV, "PRE_COMMIT_HOME": str(home or tmp_path / "pre-commit-home"),
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "VIRTUALENV_NO_PERIODIC_UPDATE": "1", "NO_COLOR": "1", "HOME": str(tmp_path)}


@pytest.fixture(scope="module")
def pc_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module's tests, shared by the workers: the hook's environment is built once
    (pre-commit's own lock on its store serializes two workers installing it)."""
    with _shared(tmp_path_factory, "pre-commit-home") as (home, _made):
        return home


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, capture_output=True, text=True, env=env)


def test_commit_removing_an_imported_function_is_blocked(tmp_path: Path, wheelhouse: Path, pc_home: Path,
                                                         hook_repo: tuple[Path, str]) -> None:
    src, rev = hook_repo
    env = _env(tmp_path, wheelhouse, pc_home)
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {src}\n  rev: {rev}\n  hooks:\n  - id: yantra-gate\n", encoding="utf-8")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    helpers = "def send_email(to):\n    return to\n\n\ndef other():\n    return 1\n"
    (repo / "pkg" / "helpers.py").write_text(helpers, encoding="utf-8")
    (repo / "app.py").write_text("from pkg.helpers import send_email\n\nsend_email('a')\n", encoding="utf-8")
    install = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, capture_output=True,
                             text=True, env=env)
    assert install.returncode == 0, install.stdout + install.stderr
    git(repo, "add", "-A")
    first = _commit(repo, env, "initial")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "yantra gate" in first.stdout + first.stderr

    # Remove a function that app.py (not staged, not touched) imports: the commit is blocked.
    (repo / "pkg" / "helpers.py").write_text("def other():\n    return 1\n", encoding="utf-8")
    git(repo, "add", "pkg/helpers.py")
    blocked = _commit(repo, env, "remove send_email")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "app.py:1:1: error [missing-symbol]" in output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"

    # A correct change passes.
    (repo / "pkg" / "helpers.py").write_text(helpers + "\n\ndef added(x):\n    return x\n", encoding="utf-8")
    git(repo, "add", "pkg/helpers.py")
    ok = _commit(repo, env, "add a function")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"

    # Deleting the module outright (pre-commit passes no file for a deletion) is blocked too.
    git(repo, "rm", "-q", "pkg/helpers.py")
    deleted = _commit(repo, env, "delete helpers")
    assert deleted.returncode != 0
    assert "app.py:1:1: error [missing-module]" in deleted.stdout + deleted.stderr


HELPERS = "def send_email(to):\n    return to\n\n\ndef other():\n    return 1\n"
APP = "from helpers import send_email\n\nsend_email('a')\n"
BROKEN_APP = "from helpers import send_mail\n\nsend_mail('a')\n"


def _project(tmp_path: Path, hook_repo: tuple[Path, str], extra_hooks: str = "") -> Path:
    src, rev = hook_repo
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {src}\n  rev: {rev}\n  hooks:\n  - id: yantra-gate\n{extra_hooks}", encoding="utf-8")
    (repo / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (repo / "app.py").write_text(APP, encoding="utf-8")
    return repo


def _install(repo: Path, env: dict[str, str], *hook_types: str) -> None:
    args = [a for t in hook_types for a in ("--hook-type", t)]
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install", *args], cwd=repo, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_partially_staged_file_is_judged_on_its_staged_content(tmp_path: Path, wheelhouse: Path, pc_home: Path,
                                                              hook_repo: tuple[Path, str]) -> None:
    env = _env(tmp_path, wheelhouse, pc_home)
    repo = _project(tmp_path, hook_repo)
    _install(repo, env, "pre-commit")
    git(repo, "add", "-A")
    assert _commit(repo, env, "initial").returncode == 0
    (repo / "app.py").write_text(BROKEN_APP, encoding="utf-8")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(APP + "# more\n", encoding="utf-8")  # the working tree is fine
    blocked = _commit(repo, env, "broken staged")
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "app.py:1:1: error [missing-symbol]" in blocked.stdout + blocked.stderr
    assert (repo / "app.py").read_text(encoding="utf-8") == APP + "# more\n"  # pre-commit restored it
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(BROKEN_APP, encoding="utf-8")  # staged fine, working tree broken
    ok = _commit(repo, env, "fine staged")
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_pre_push_checks_the_pushed_range(tmp_path: Path, wheelhouse: Path, pc_home: Path,
                                          hook_repo: tuple[Path, str]) -> None:
    env = _env(tmp_path, wheelhouse, pc_home)
    repo = _project(tmp_path, hook_repo)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    _install(repo, env, "pre-push")  # only pre-push: commits go through unchecked
    git(repo, "add", "-A")
    assert _commit(repo, env, "initial").returncode == 0
    first = _push(repo, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "yantra gate" in first.stdout + first.stderr

    (repo / "helpers.py").write_text("def other():\n    return 1\n", encoding="utf-8")
    git(repo, "add", "helpers.py")
    assert _commit(repo, env, "drop send_email").returncode == 0
    (repo / "helpers.py").write_text(HELPERS, encoding="utf-8")  # fixed in the index, not in the commit
    git(repo, "add", "helpers.py")
    blocked = _push(repo, env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "app.py:1:1: error [missing-symbol]" in output
    assert git(remote, "rev-list", "--count", "main").strip() == "1"

    assert _commit(repo, env, "restore send_email").returncode == 0
    ok = _push(repo, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert git(remote, "rev-list", "--count", "main").strip() == "3"


def test_commit_msg_stage_does_not_run_the_gate(tmp_path: Path, wheelhouse: Path, pc_home: Path,
                                                hook_repo: tuple[Path, str]) -> None:
    env = _env(tmp_path, wheelhouse, pc_home)
    probe = ("- repo: local\n  hooks:\n  - id: msg-probe\n    name: msg-probe\n    entry: 'true'\n"
             "    language: system\n    stages: [commit-msg]\n    always_run: true\n")
    repo = _project(tmp_path, hook_repo, probe)
    _install(repo, env, "commit-msg")
    (repo / "app.py").write_text(BROKEN_APP, encoding="utf-8")
    git(repo, "add", "-A")
    done = _commit(repo, env, "broken, but only the message is checked")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "msg-probe" in output  # pre-commit did run at commit-msg ...
    assert "yantra gate" not in output  # ... without the gate


def test_plain_git_hook_judges_the_index(tmp_path: Path) -> None:
    """`hooks/yantra-gate` installed as `.git/hooks/pre-commit`, without the pre-commit framework (no stash)."""
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (repo / "app.py").write_text(APP, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    hook = repo / ".git" / "hooks" / "pre-commit"
    shutil.copy2(PROJECT / "hooks" / "yantra-gate", hook)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}, **GIT_ENV,
           "PYTHON": sys.executable, "NO_COLOR": "1"}
    (repo / "app.py").write_text(BROKEN_APP, encoding="utf-8")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(APP + "x = 1\n", encoding="utf-8")  # the working tree is fine, the commit not
    blocked = _commit(repo, env, "broken staged")
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "app.py:1:1: error [missing-symbol]" in blocked.stdout + blocked.stderr
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(BROKEN_APP, encoding="utf-8")
    ok = _commit(repo, env, "fine staged")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (repo / "newmod.py").write_text("def make():\n    return 1\n", encoding="utf-8")
    (repo / "app.py").write_text(APP + "from newmod import make\n", encoding="utf-8")
    git(repo, "add", "app.py")
    unadded = _commit(repo, env, "imports a module never added")
    assert unadded.returncode != 0 and "[missing-module]" in unadded.stdout + unadded.stderr


def _push(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo, capture_output=True, text=True,
                          env=env)


def test_manifest_lets_the_gate_read_the_index_itself() -> None:
    import yaml

    (hook,) = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["pass_filenames"] is False and hook["always_run"] is True and hook["require_serial"] is True
    assert hook["stages"] == ["pre-commit", "pre-merge-commit", "pre-push", "manual"]
    assert hook["minimum_pre_commit_version"] == "3.2.0"
    assert "types" not in hook and "files" not in hook  # nothing filters what the gate reads
    assert hook["entry"] == "yantra check"


def _run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], cwd=repo, capture_output=True,
                          text=True, env=env)


def test_run_all_files_with_nothing_staged_judges_the_whole_index(tmp_path: Path, wheelhouse: Path, pc_home: Path,
                                                                  hook_repo: tuple[Path, str]) -> None:
    """`pre-commit run --all-files` (as in CI: nothing staged) judges every file of the index, and says so;
    `--files` too (pre-commit passes the gate no names); an empty commit judges nothing it did not change."""
    env = _env(tmp_path, wheelhouse, pc_home)
    repo = _project(tmp_path, hook_repo)
    (repo / "app.py").write_text(BROKEN_APP, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "broken, committed without the hook")
    (repo / "scratch.py").write_text("from nowhere_at_all import x\n", encoding="utf-8")  # untracked: not judged
    for args in (["--all-files"], ["--files", "helpers.py"], []):
        done = _run(repo, env, *args)
        output = done.stdout + done.stderr
        assert done.returncode == 1, (args, output)
        assert "app.py:1:1: error [missing-symbol]" in output, (args, output)
        assert "of the index (every file: nothing is staged)" in output, (args, output)
        assert "scratch.py" not in output
    _install(repo, env, "pre-commit")
    empty = subprocess.run(["git", "commit", "--allow-empty", "-m", "empty"], cwd=repo, capture_output=True,
                           text=True, env=env)
    output = empty.stdout + empty.stderr
    assert empty.returncode == 0, output  # a commit is judged on what it changes: here nothing
    assert "yantra gate" in output and "Passed" in output, output


def test_run_all_files_with_a_staged_change_says_what_it_judged(tmp_path: Path, wheelhouse: Path, pc_home: Path,
                                                                 hook_repo: tuple[Path, str]) -> None:
    env = _env(tmp_path, wheelhouse, pc_home)
    repo = _project(tmp_path, hook_repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    (repo / "helpers.py").write_text("def other():\n    return 1\n", encoding="utf-8")
    git(repo, "add", "helpers.py")
    done = _run(repo, env, "--all-files")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "app.py:1:1: error [missing-symbol]" in output
    assert "of the index (the staged change and its dependents)" in output, output
