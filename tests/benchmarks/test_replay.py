"""The history replay on a small real git history: which commits it picks and the state it checks them in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.gitrepo import commit_files as commit
from support.gitrepo import git_out as sh

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root holds `benchmarks/`

from benchmarks.replay import (
    TIP,
    absent_blobs,
    changed_python_files,
    load_justified,
    python_commits,
    stage_commit,
)


@pytest.fixture()
def clone(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    origin = tmp_path / "origin"
    origin.mkdir()
    sh(origin, "init", "-q", "-b", "main")
    shas = {"root": commit(origin, {"a.py": "x = 1\n"}, "root"),
            "py1": commit(origin, {"a.py": "x = 2\n"}, "py one"),
            "doc": commit(origin, {"README": "hi\n"}, "docs only")}
    sh(origin, "checkout", "-q", "-b", "topic", shas["doc"])
    shas["topic"] = commit(origin, {"b.py": "from a import x\n"}, "on a branch")
    sh(origin, "checkout", "-q", "main")
    shas["py2"] = commit(origin, {"a.py": "x = 3\ny = 4\n"}, "py two")
    sh(origin, "-c", "user.name=t", "-c", "user.email=t@localhost", "merge", "-q", "--no-ff", "topic", "-m", "merge")
    mirror = tmp_path / "mirror.git"
    sh(tmp_path, "clone", "-q", "--bare", str(origin), str(mirror))
    work = tmp_path / "work"
    sh(tmp_path, "clone", "-q", "--shared", "--no-checkout", str(mirror), str(work))
    return work, shas


def test_picks_non_merge_python_commits_of_every_branch_oldest_first(clone: tuple[Path, dict[str, str]]) -> None:
    work, shas = clone
    picked = [sha for sha, _ in python_commits(work, 10)]
    assert set(picked) == {shas["py1"], shas["py2"], shas["topic"]}  # no root, no docs-only, no merge
    assert picked.index(shas["py1"]) < picked.index(shas["py2"])
    assert [sha for sha, _ in python_commits(work, 1)] in ([shas["py2"]], [shas["topic"]])  # only the newest


def test_stages_the_commit_over_its_parent(clone: tuple[Path, dict[str, str]]) -> None:
    work, shas = clone
    stage_commit(work, shas["py2"])
    assert sh(work, "rev-parse", "HEAD") == sh(work, "rev-parse", f"{shas['py2']}^")
    assert sh(work, "diff", "--cached", "--name-only") == "a.py"  # the commit's change is staged
    assert sh(work, "diff", "--name-only") == ""  # and the work tree matches the index
    assert (work / "a.py").read_text() == "x = 3\ny = 4\n"
    assert changed_python_files(work, shas["py2"]) == ("a.py",)
    # the list of commits comes from the default branch, not from the moved HEAD
    assert shas["py2"] in [sha for sha, _ in python_commits(work, 10)]
    assert sh(work, "rev-parse", TIP) != sh(work, "rev-parse", "HEAD")


def test_justifications_file(tmp_path: Path) -> None:
    path = tmp_path / "j.toml"
    path.write_text('["o/r"]\n"abc" = "fixed by the next commit def"\n')
    assert load_justified(path) == {"o/r": {"abc": "fixed by the next commit def"}}
    assert load_justified(tmp_path / "missing.toml") == {}


def test_stages_a_commit_whose_large_data_blob_the_mirror_lacks(clone: tuple[Path, dict[str, str]]) -> None:
    """A mirror that lists a large file but lacks its blob: the file is left out of the work tree and stays in
    the index; the Python files are staged as the commit has them."""
    work, _ = clone
    origin = work.parent / "origin"
    sha = commit(origin, {"data/big.h5": "x" * 1000, "c.py": "from a import y\n"}, "data and code")
    mirror = work.parent / "mirror.git"
    sh(mirror, "fetch", "-q", str(origin), "main:main")
    blob = sh(origin, "rev-parse", f"{sha}:data/big.h5")
    sh(mirror, "repack", "-a", "-d", "-q")
    pack = next((mirror / "objects" / "pack").glob("*.pack"))
    kept = sh(mirror, "rev-list", "--objects", "--all").splitlines()
    lines = "".join(line.split()[0] + "\n" for line in kept if not line.startswith(blob))
    subprocess.run(["git", "pack-objects", "-q", str(mirror / "objects" / "pack" / "slim")], cwd=mirror,
                   input=lines, text=True, check=True, capture_output=True)
    for old in (mirror / "objects" / "pack").glob(pack.stem + ".*"):
        old.unlink()
    sh(work, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    assert absent_blobs(work, sha) == {"data/big.h5"}
    absent: set[str] = set()
    stage_commit(work, sha, absent)
    assert absent == {"data/big.h5"}
    assert sh(work, "rev-parse", "HEAD") == sh(work, "rev-parse", f"{sha}^")
    assert sh(work, "diff", "--cached", "--name-only").split() == ["c.py", "data/big.h5"]
    assert (work / "c.py").read_text() == "from a import y\n" and not (work / "data" / "big.h5").exists()
