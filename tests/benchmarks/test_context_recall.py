"""The context-recall harness on small real git histories: which commits it mines as cases, how it runs their
new tests at the parent and at the fix (real pytest subprocesses) until enough reproduce, and its shared cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support.gitrepo import commit_files as commit
from support.gitrepo import git_out as sh

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root holds `benchmarks/`

from benchmarks.context_failures import Failures, Status, metadata_stub, run_pytest, scm_version_file
from benchmarks.context_recall import HELD_OUT, PROJECTS, SETS, candidates, reproduced

MOD = "def add(a, b):\n    return a - b\n\n\ndef neg(a):\n    return -a\n\n\ndef half(a):\n    return a // 2\n"
TESTS = "from pkg.mod import neg\n\n\ndef test_neg():\n    assert neg(1) == -1\n"




def python_here(env: str) -> Path:
    return Path(sys.executable)  # this virtualenv has pytest: no per-project environment, no network


@pytest.fixture()
def history(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A bare mirror, newest first: `half` (a fix), `refactor` (its new test passes before it too),
    `feature` (a new function only), `docs`, `add` (a fix), `root`."""
    work = tmp_path / "work"
    work.mkdir()
    sh(work, "init", "-q", "-b", "main")
    shas = {"root": commit(work, {"pkg/__init__.py": "", "pkg/mod.py": MOD, "tests/test_mod.py": TESTS}, "root")}
    mod = MOD.replace("return a - b", "return a + b")
    shas["add"] = commit(work, {"pkg/mod.py": mod, "tests/test_mod.py": TESTS.replace("neg\n", "add, neg\n", 1)
                                + "\n\ndef test_add():\n    assert add(1, 2) == 3\n"}, "Fix add")
    shas["docs"] = commit(work, {"README.md": "docs\n"}, "Docs")
    shas["feature"] = commit(work, {"pkg/mod.py": mod + "\n\ndef mul(a, b):\n    return a * b\n",
                                    "tests/test_mul.py": "from pkg.mod import mul\n\n\ndef test_mul():\n"
                                                         "    assert mul(2, 3) == 6\n"}, "Add mul")
    mod = (work / "pkg/mod.py").read_text()
    shas["refactor"] = commit(work, {"pkg/mod.py": mod.replace("return -a", "return 0 - a"),
                                     "tests/test_neg.py": "from pkg.mod import neg\n\n\ndef test_neg_zero():\n"
                                                          "    assert neg(0) == 0\n"}, "Spell neg out")
    mod = (work / "pkg/mod.py").read_text()
    shas["half"] = commit(work, {"pkg/mod.py": mod.replace("a // 2", "a / 2"),
                                 "tests/test_half.py": "from pkg.mod import half\n\n\ndef test_half_odd():\n"
                                                       "    assert half(3) == 1.5\n"}, "Fix half of odd numbers")
    mirror = tmp_path / "mirror.git"
    sh(tmp_path, "clone", "-q", "--bare", str(work), str(mirror))
    return mirror, shas


def test_candidates_are_commits_changing_existing_definitions_with_a_new_test(
        history: tuple[Path, dict[str, str]]) -> None:
    mirror, shas = history
    found = list(candidates("toy", mirror))
    assert [c.commit for c in found] == [shas["half"], shas["refactor"], shas["add"]]  # no docs, no new-only code
    half, _, add = found
    assert half.parent == shas["refactor"]
    assert half.node == "tests/test_half.py::test_half_odd"
    assert half.changed == (("pkg/mod.py", "half"),)
    assert add.node == "tests/test_mod.py::test_add"  # the test file is modified, the new test is the case
    assert add.changed == (("pkg/mod.py", "add"),)


def test_tries_candidates_newest_first_until_enough_reproduce(history: tuple[Path, dict[str, str]],
                                                              tmp_path: Path) -> None:
    mirror, shas = history
    path = tmp_path / "failures.json"
    other = Failures(path, python_for=python_here)  # another run sharing the cache, loaded while it is empty
    failures = Failures(path, python_for=python_here)
    got = reproduced("toy", mirror, 2, failures)
    assert got.mined == 3
    assert [c.commit for c, _ in got.cases] == [shas["half"], shas["add"]]
    assert got.excluded == {Status.PASSES_AT_PARENT.value: 1}  # `refactor`: its new test passes before it
    text = dict((c.commit, t) for c, t in got.cases)[shas["half"]]
    assert "assert half(3) == 1.5" in text and "tests/test_half.py::test_half_odd" in text
    assert "yantra-repro-" not in text  # the checkout's temporary path is taken out of the failure text
    assert reproduced("toy", mirror, 1, failures).mined == 1  # no more candidates run than needed
    assert reproduced("toy", mirror, 5, failures, limit=2).mined == 2  # the cap on candidates per project
    # the other run stores its own result without dropping this run's three
    half = got.cases[0][0]
    assert other.get(mirror, "toy", half.commit, half.parent, half.test_path, half.node).status is Status.FAILS
    assert len(json.loads(path.read_text())) == 3


def test_a_package_reading_its_own_metadata_imports_from_the_checkout(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "src" / "toypkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "toy-pkg"\ndynamic = ["version"]\n')
    (root / "src" / "toypkg" / "__init__.py").write_text(
        'import importlib.metadata\n\n__version__ = importlib.metadata.version("toy-pkg")\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_v.py").write_text("import toypkg\n\n\ndef test_v():\n"
                                              "    assert toypkg.__version__ == '0.0.0'\n")
    rc, out = run_pytest(Path(sys.executable), root, "tests/test_v.py::test_v")
    assert rc == 0, out
    assert not (root / "toy_pkg-0.0.0.dist-info").exists()  # the stub is written next to the tree, not in it
    bare = tmp_path / "bare"
    bare.mkdir()
    assert metadata_stub(bare, tmp_path / "meta") is None  # no pyproject: no stub
    (bare / "pyproject.toml").write_text("[tool.x]\n")
    assert metadata_stub(bare, tmp_path / "meta") is None  # no [project] table: no stub


def test_a_version_module_written_at_build_time_is_there_for_the_tests(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "src" / "toypkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.setuptools_scm]\nwrite_to = "src/toypkg/_version.py"\n')
    (root / "src" / "toypkg" / "__init__.py").write_text("from ._version import version as __version__\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_v.py").write_text("import toypkg\n\n\ndef test_v():\n"
                                              "    assert toypkg.__version__ == '0.0.0'\n")
    rc, out = run_pytest(Path(sys.executable), root, "tests/test_v.py::test_v")
    assert rc == 0, out
    (root / "src" / "toypkg" / "_version.py").write_text("version = '1.2'\n")
    assert scm_version_file(root) is None  # one the tree has is kept
    (root / "pyproject.toml").write_text('[tool.setuptools_scm]\nversion_file = "../outside.py"\n')
    assert scm_version_file(root) is None and not (tmp_path / "outside.py").exists()  # never outside the tree


def test_held_out_projects_are_apart_from_the_tuned_ones() -> None:
    assert not set(PROJECTS) & set(HELD_OUT)
    assert SETS["tuned"] == tuple(PROJECTS) and SETS["heldout"] == tuple(HELD_OUT)
    assert set(SETS["all"]) == set(PROJECTS) | set(HELD_OUT)


def test_only_code_in_full_counts_as_in_full():
    from types import SimpleNamespace

    from benchmarks.context_recall import in_full

    def ctx(*sections):
        return SimpleNamespace(sections=[SimpleNamespace(level=lv, path="m.py", symbol=sym, truncated=False, form=f)
                                         for lv, sym, f in sections])

    assert in_full(ctx((1, "C", "full")), "m.py", "C.method")  # inside a class shown in full
    assert not in_full(ctx((1, "C", "skeleton")), "m.py", "C")  # a skeleton lists signatures, not the code
    assert in_full(ctx((1, "C", "skeleton"), (1, "C.method", "full")), "m.py", "C.method")
    assert not in_full(ctx((2, "f", "signature")), "m.py", "f")
