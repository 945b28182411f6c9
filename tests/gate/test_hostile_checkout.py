"""An untrusted checkout cannot hurt the machine (issue 8): every case through `yantra check` on a real repo.

Each case ends in one of: nothing outside `.git/yantra` written, no hang (a subprocess timeout), exit 2 with a
one-line message naming the cause, or the verdict the commit deserves. We run as root here, so "unreadable"
is shown with a directory and a FIFO named `pyproject.toml` (permission bits do not stop root).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.gate_repo import Repo

PKG = {"pkg/__init__.py": "", "pkg/m.py": "def f():\n    pass\n"}
BROKEN = "from pkg.m import gone\n"


def run(repo: Repo, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=repo.root, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("yantra: error: ") and "unexpected" not in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def snapshot(base: Path, repo: Repo) -> dict[str, tuple[int, int, str]]:
    """Every entry under `base` but `.git/yantra` (Yantra's own) and `.git/index` (git refreshes its stat
    cache on reads): mode, size and content hash."""
    own = {repo.root / ".git" / "yantra", repo.root / ".git" / "index"}
    out: dict[str, tuple[int, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) not in own]
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            if path in own:
                continue
            st = os.lstat(path)
            digest = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
            out[str(path.relative_to(base))] = (st.st_mode, st.st_size, digest)
    return out


def staged(repo: Repo, files: dict[str, str]) -> None:
    repo.files(files)
    repo.stage()


def off_git(repo: Repo) -> None:
    """Make the checkout a plain directory: `check --all` then judges the files on disk, where a planted FIFO
    or link is part of what is read (in a git repository an untracked one is no part of the commit)."""
    import shutil

    shutil.rmtree(repo.root / ".git")


@pytest.mark.parametrize("victim_exists", [True, False])
def test_db_path_outside_the_git_dir_writes_nothing(repo: Repo, tmp_path: Path, victim_exists: bool) -> None:
    victim = tmp_path / "x"
    if victim_exists:
        victim.write_text("precious\n")
    staged(repo, {**PKG, "app.py": "from pkg.m import f\n", "pyproject.toml": '[tool.yantra]\ndb-path = "../x"\n'})
    before = snapshot(tmp_path, repo)
    for args in (["check"], ["check", "--all"], ["graph", "build", "--rebuild"]):
        one_line_error(run(repo, *args), "pyproject.toml: [tool.yantra] db-path", "'../x'", "outside")
    assert snapshot(tmp_path, repo) == before
    assert victim.exists() is victim_exists


def test_db_path_through_a_link_out_of_the_git_dir_is_refused(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo.root / ".git" / "yantra").mkdir()
    (repo.root / ".git" / "yantra" / "out").symlink_to(outside)
    staged(repo, {**PKG, "pyproject.toml": '[tool.yantra]\ndb-path = ".git/yantra/out/graph.sqlite"\n'})
    one_line_error(run(repo, "check", "--all"), "db-path", "outside")
    assert list(outside.iterdir()) == []


def test_db_path_at_a_file_that_is_not_a_database_leaves_it_untouched(repo: Repo) -> None:
    keep = repo.root / ".git" / "yantra" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("my notes, not a database\n")
    staged(repo, {**PKG, "pyproject.toml": '[tool.yantra]\ndb-path = ".git/yantra/notes.txt"\n'})
    for args in (["check", "--all"], ["graph", "build", "--rebuild"]):
        one_line_error(run(repo, *args), "notes.txt", "not a Yantra graph database", "move the file")
    assert keep.read_text() == "my notes, not a database\n"
    assert sorted(p.name for p in keep.parent.iterdir()) == ["notes.txt"]


def test_db_path_inside_the_git_dir_is_used(repo: Repo) -> None:
    staged(repo, {**PKG, "app.py": BROKEN, "pyproject.toml": '[tool.yantra]\ndb-path = ".git/yantra/mine.sqlite"\n'})
    proc = run(repo, "check", "--all")
    assert proc.returncode == 1 and "missing-symbol" in proc.stdout
    assert (repo.root / ".git" / "yantra" / "mine.sqlite").is_file()


def plant(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))


@pytest.mark.parametrize("name, kind", [("tox.ini", "fifo"), ("setup.cfg", "fifo"), ("requirements.txt", "socket"),
                                        ("requirements-dev.txt", "fifo"), (".pre-commit-config.yaml", "fifo")])
def test_fifo_or_socket_config_file_does_not_hang(repo: Repo, name: str, kind: str) -> None:
    staged(repo, {**PKG, "app.py": "import requests\n" + BROKEN,
                  "pyproject.toml": '[project]\nname = "p"\ndependencies = []\n'})
    plant(repo.root / name, kind)
    staged_only = run(repo, "check", "--all", timeout=60)  # untracked: not the commit's, never opened
    assert staged_only.returncode == 1 and "skipped" not in staged_only.stdout, staged_only.stdout
    off_git(repo)
    proc = run(repo, "check", "--all", timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "app.py:2:1: error [missing-symbol]" in proc.stdout
    shown = "a FIFO" if kind == "fifo" else "a socket"
    assert f"note: skipped {name}: it is {shown}, not a regular file" in proc.stdout
    assert "unexpected" not in proc.stderr
    if name != ".pre-commit-config.yaml":  # it may declare `requests`: unsure, so silent
        assert "warning [undeclared-dependency]" not in proc.stdout
    (repo.root / name).unlink()
    (repo.root / name).write_text("")
    control = run(repo, "check", "--all", timeout=60)
    assert "app.py:1:1: warning [undeclared-dependency]" in control.stdout and "skipped" not in control.stdout


def test_dangling_requirements_link_is_skipped_with_a_note(repo: Repo) -> None:
    (repo.root / "requirements-dev.txt").symlink_to("requirements/nowhere.txt")
    staged(repo, {**PKG, "app.py": "import requests\n" + BROKEN, "requirements.txt": "click\n"})
    proc = run(repo, "check", "--all", "--format", "json", timeout=60)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(f["rule"], f["line"]) for f in doc["findings"]] == [("missing-symbol", 2)]
    assert any("requirements-dev.txt" in n and "dangling" in n for n in doc["notes"])
    assert proc.stderr == ""


def test_requirements_link_out_of_the_repository_is_not_read(repo: Repo, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=abc123\n")
    (repo.root / "requirements.txt").symlink_to(secret)
    staged(repo, {**PKG, "app.py": "import requests\n"})
    proc = run(repo, "check", "--all")
    assert proc.returncode == 0, proc.stderr
    assert "requirements.txt: it is a link to a file outside the repository" in proc.stdout
    assert "abc123" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_unreadable_pyproject_is_exit_2_naming_it(repo: Repo, kind: str) -> None:
    staged(repo, {**PKG, "app.py": BROKEN})
    if kind == "directory":
        (repo.root / "pyproject.toml").mkdir()
    else:
        os.mkfifo(repo.root / "pyproject.toml")
    assert run(repo, "check", "--all", timeout=60).returncode == 1  # the commit has no pyproject.toml
    off_git(repo)
    line = one_line_error(run(repo, "check", "--all", timeout=60), "pyproject.toml: it is a")
    assert ("a directory" if kind == "directory" else "a FIFO") in line


@pytest.mark.parametrize("text, needle", [
    ('[tool.yantra]\nexclude = "tests/*"\n', '[tool.yantra] exclude must be a list of strings, got a string "tests/*"'),
    ('[tool.yantra]\npython-version = 3.10\n', 'python-version must be a string: 3.10 is a TOML number'),
])
def test_wrong_config_types_are_exit_2(repo: Repo, text: str, needle: str) -> None:
    staged(repo, {**PKG, "tests/test_a.py": BROKEN, "pyproject.toml": text})
    for args in (["check"], ["check", "--all"]):
        one_line_error(run(repo, *args), needle)


def test_flipped_byte_in_cached_facts_is_parsed_again(repo: Repo) -> None:
    staged(repo, {**PKG, "app.py": BROKEN})
    first = run(repo, "check", "--all")
    assert first.returncode == 1 and "app.py:1:1: error [missing-symbol]" in first.stdout
    db = repo.root / ".git" / "yantra" / "graph.sqlite"
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT sha, data FROM blobs").fetchall()
    assert rows
    for sha, data in rows:
        flipped = bytearray(data)
        flipped[len(flipped) // 2] ^= 0x10
        conn.execute("UPDATE blobs SET data = ? WHERE sha = ?", (bytes(flipped), sha))
    conn.commit()
    conn.close()
    again = run(repo, "check", "--all")
    assert again.returncode == 1, again.stderr
    assert "app.py:1:1: error [missing-symbol]" in again.stdout


def test_nfkc_identifiers_are_one_name(repo: Repo) -> None:
    staged(repo, {**PKG, "pkg/m.py": "def file():\n    pass\n", "app.py": "from pkg.m import \ufb01le\n\ufb01le()\n"})
    proc = run(repo, "check", "--all")
    assert proc.returncode == 0, proc.stdout
    repo.write("app.py", "from pkg.m import \ufb01les\n")
    repo.stage()
    proc = run(repo, "check", "--all")
    assert proc.returncode == 1 and "missing-symbol" in proc.stdout


def test_coding_cookie_is_honoured(repo: Repo) -> None:
    latin = "# -*- coding: latin-1 -*-\nNOM = 'caf\xe9'\n\n\ndef \xe9t\xe9(x):\n    return NOM\n"
    (repo.root / "lat.py").write_bytes(latin.encode("latin-1"))
    staged(repo, {"app.py": "from lat import \xe9t\xe9, NOM\n\xe9t\xe9(NOM)\n"})
    proc = run(repo, "check", "--all")
    assert proc.returncode == 0, proc.stdout
    repo.write("app.py", "from lat import \xe9t\xe9\n\xe9t\xe9()\n")
    repo.stage()
    proc = run(repo, "check", "--all")
    assert proc.returncode == 1 and "app.py:2:1: error [arity-mismatch]" in proc.stdout, proc.stdout


def test_oversize_file_is_reported_as_not_checked(repo: Repo) -> None:
    big = "TABLE = [\n" + "    0,\n" * 320_000 + "]\n"
    assert len(big) > 2_000_000
    staged(repo, {**PKG, "big.py": big, "app.py": "from big import anything\n"})
    proc = run(repo, "check", "--all", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["not_checked"] == [{"path": "big.py", "reason": "over 2 MB"}]
    assert set(doc["stats"]) == {"files_checked", "files_parsed", "seconds"}
    text = run(repo, "check", "--all")
    assert "note: big.py: not checked by the cross-file rules (over 2 MB)" in text.stdout
    github = run(repo, "check", "--all", "--format", "github")
    assert "::notice file=big.py,title=yantra not checked::not checked by the cross-file rules (over 2 MB)" \
        in github.stdout.splitlines()


@pytest.mark.parametrize("plant", ["symlink", "fifo"])
def test_the_error_log_never_follows_a_planted_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    plant: str) -> None:
    from bot.errors_handler import unexpected_error_message

    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    logs = tmp_path / "work" / ".git" / "yantra"
    logs.mkdir(parents=True)
    if plant == "symlink":
        (logs / "yantra.log").symlink_to(victim)
    else:
        os.mkfifo(logs / "yantra.log")
    monkeypatch.chdir(tmp_path / "work")
    message = unexpected_error_message(RuntimeError("boom"))
    assert "could not write a log" in message and "boom" in message
    assert victim.read_text() == "precious\n"


def test_fifo_build_config_read_for_generated_modules_does_not_hang(repo: Repo) -> None:
    staged(repo, {**PKG, "app.py": "from pkg import _version\n"})
    control = run(repo, "check", "--all", timeout=60)
    assert control.returncode == 1 and "missing-symbol" in control.stdout  # nothing generates pkg/_version.py
    os.mkfifo(repo.root / "hatch.toml")
    assert run(repo, "check", "--all", timeout=60).returncode == 1  # untracked: no part of the commit
    off_git(repo)
    proc = run(repo, "check", "--all", timeout=60)
    assert proc.returncode == 0, proc.stdout  # hatch.toml may name it (setuptools-scm style): unsure, silent
    assert "note: skipped hatch.toml: it is a FIFO" in proc.stdout


@pytest.mark.parametrize("name", ["pyproject.toml", "setup.cfg", "tox.ini", "requirements.txt"])
def test_a_tracked_config_replaced_by_a_fifo_is_read_from_its_blob(repo: Repo, name: str) -> None:
    """In pre-commit mode the configuration is the staged blob: a FIFO put in its place on disk is never
    opened, and the commit is judged on what it records."""
    declared = '[project]\nname = "p"\ndependencies = ["requests"]\n' if name == "pyproject.toml" else \
        "[options]\ninstall_requires =\n    requests\n" if name == "setup.cfg" else \
        "[testenv]\ndeps =\n    requests\n" if name == "tox.ini" else "requests\n"
    files = {**PKG, "app.py": "import requests\n" + BROKEN, name: declared}
    if name != "pyproject.toml":
        files["pyproject.toml"] = '[project]\nname = "p"\ndynamic = ["dependencies"]\n'
    staged(repo, files)
    (repo.root / name).unlink()
    os.mkfifo(repo.root / name)
    proc = run(repo, "check", "--all", timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "app.py:2:1: error [missing-symbol]" in proc.stdout
    assert "undeclared-dependency" not in proc.stdout and "skipped" not in proc.stdout, proc.stdout


def test_a_one_line_hostile_setup_py_costs_linear_time(repo: Repo) -> None:
    """setup.py's build words are looked for once per line: 32,000 `Extension`s on one line, searched for a
    quoted module after each, took minutes (quadratic); the deleted module's importer is still reported, with
    the timeout only a hang guard."""
    setup = 'from setuptools import setup\nsetup(name="proj", py_modules=["helper"])\n'
    repo.files({"helper.py": "def f():\n    pass\n", "app.py": "import helper\n\nhelper.f()\n",
                "setup.py": setup + "# " + "Extension" * 32_000 + "\n"})
    repo.commit()
    repo.git("rm", "-q", "helper.py")
    proc = run(repo, "check", timeout=90)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # py_modules ships it, nothing builds it: gone
    assert "app.py:1:1: error [missing-module] module `helper`" in proc.stdout
