"""The benchmark's mutation generator on a tiny synthetic project: its ground truth must be true.

Every cross-file mutation is applied to a copy of the project and the importer is really run with
CPython: it must fail, with a traceback frame on an expected path and inside the expected line range.
Nothing is downloaded.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root holds `benchmarks/`

from benchmarks.mutations import CROSS_FILE_KINDS, KINDS, Mutation, apply, collect

HELPERS = '''\
def greet(name):
    return "hi " + name


def shout(text, times=1):
    return text.upper() * times


def wave(times=2):
    return "~" * times


class Box:
    pass


def local_user():
    return greet("x")
'''

APP = '''\
from pkg.helpers import greet, Box
from pkg import helpers
from pkg.helpers import wave


def main():
    helpers.shout("a")
    print(helpers.Box)
    return greet("world"), Box(), wave()
'''

GUARDED = '''\
try:
    from pkg.helpers import greet
except ImportError:
    greet = None
'''

STAR = '''\
from pkg.helpers import *


def starred():
    return 1
'''

STAR_USER = "from pkg.star import starred\n"

RUN = "import pkg.guarded\nimport pkg.star_user\nimport pkg.app\n\npkg.app.main()\n"

EXPECTED_ERROR = {"remove_def": ("ImportError",), "rename_def": ("ImportError",),
                  "remove_module": ("ModuleNotFoundError",),
                  "remove_attr": ("AttributeError", "ImportError"),  # ImportError when also imported by name
                  "arity": ("TypeError",)}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    files = {"pkg/__init__.py": "", "pkg/helpers.py": HELPERS, "pkg/app.py": APP, "pkg/guarded.py": GUARDED,
             "pkg/star.py": STAR, "pkg/star_user.py": STAR_USER, "run.py": RUN}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def run_broken(project: Path, mutation: Mutation, tmp_path: Path) -> str:
    copy = tmp_path / f"copy-{mutation.id.replace(':', '-')}"
    shutil.copytree(project, copy)
    apply(copy, mutation)
    proc = subprocess.run([sys.executable, "run.py"], cwd=copy, capture_output=True, text=True)
    assert proc.returncode != 0, f"{mutation.id} did not break the program"
    return proc.stderr


def test_every_kind_is_generated(project: Path) -> None:
    kinds = {m.kind for m in collect(project, "demo", 5, 1)}
    assert kinds == set(KINDS)


def test_same_seed_same_mutations(project: Path) -> None:
    assert collect(project, "demo", 3, 11) == collect(project, "demo", 3, 11)


def test_cross_file_ground_truth_is_what_cpython_reports(project: Path, tmp_path: Path) -> None:
    mutations = [m for m in collect(project, "demo", 5, 1) if m.kind in CROSS_FILE_KINDS]
    assert {m.kind for m in mutations} == set(CROSS_FILE_KINDS)
    for m in mutations:
        stderr = run_broken(project, m, tmp_path)
        frames = [(Path(p).relative_to(tmp_path).parts[1:], int(n))
                  for p, n in re.findall(r'File "([^"]+)", line (\d+)', stderr) if p.startswith(str(tmp_path))]
        assert any("/".join(parts) == e.path and e.line <= line <= e.end_line
                   for parts, line in frames for e in m.expect), (m.id, m.expect, stderr)
        assert any(err in stderr.strip().splitlines()[-1] for err in EXPECTED_ERROR[m.kind]), (m.id, stderr)


def test_deletion_is_staged_but_not_passed(project: Path) -> None:
    deletions = [m for m in collect(project, "demo", 5, 1) if m.kind == "remove_module"]
    assert deletions
    for m in deletions:
        assert m.staged == ()
        assert [e.action for e in m.edits] == ["delete"]


def test_guarded_and_star_imports_are_never_ground_truth(project: Path) -> None:
    mutations = collect(project, "demo", 10, 3)
    assert {m.kind for m in mutations} >= {*CROSS_FILE_KINDS, "remove_def", "rename_def", "remove_attr", "arity"}
    for m in mutations:
        if m.kind in CROSS_FILE_KINDS:
            assert all(e.path != "pkg/guarded.py" for e in m.expect), m.id
        if m.kind in ("remove_def", "rename_def", "remove_attr", "arity"):  # a star-importing module is
            assert all(e.path != "pkg/star.py" for e in m.edits), m.id  # dynamic: what it binds is unknowable


def test_syntax_baseline_points_at_the_line_cpython_rejects(project: Path) -> None:
    syntax = [m for m in collect(project, "demo", 5, 2) if m.kind == "syntax"]
    assert syntax
    for m in syntax:
        (edit,) = m.edits
        with pytest.raises(SyntaxError) as info:
            compile(edit.content, edit.path, "exec")
        (expect,) = m.expect
        assert expect.path == edit.path and m.staged == (edit.path,)
        assert expect.line <= (info.value.lineno or 0) <= expect.end_line


def test_undefined_baseline_leaves_a_name_bound_nowhere(project: Path) -> None:
    undefined = [m for m in collect(project, "demo", 5, 1) if m.kind == "undefined"]
    assert undefined
    for m in undefined:
        (edit,) = m.edits
        tree = ast.parse(edit.content)
        bound = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        (expect,) = m.expect
        typo = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id.endswith("_typo")]
        assert [n.lineno for n in typo] == [expect.line]
        assert typo[0].id not in bound


def test_both_forms_of_use_are_expected_places(project: Path) -> None:
    """`Box` is imported by name and read as `helpers.Box`: removing it breaks both lines."""
    box = [m for m in collect(project, "demo", 10, 1) if m.kind in ("remove_def", "rename_def", "remove_attr")
           and m.note.split()[1 if m.kind == "remove_attr" else -1] == "pkg.helpers.Box"]
    assert {m.kind for m in box} == {"remove_def", "rename_def", "remove_attr"}
    for m in box:
        assert {(e.path, e.line) for e in m.expect} >= {("pkg/app.py", 1), ("pkg/app.py", 8)}, m


def test_deleting_a_module_named_like_the_standard_library_keeps_only_sites_that_break(tmp_path: Path) -> None:
    """`tests/data/collections.py` deleted: `import collections` and `from collections import deque` still
    work (the standard library's module); only a name that module lacks breaks."""
    (tmp_path / "tests" / "data").mkdir(parents=True)
    (tmp_path / "tests" / "data" / "collections.py").write_text("def local_thing():\n    return 1\n")
    (tmp_path / "tests" / "data" / "user.py").write_text("import collections\nfrom collections import deque\n")
    (tmp_path / "tests" / "data" / "other.py").write_text("from collections import local_thing\n")
    found = [m for seed in range(5) for m in collect(tmp_path, "p", 3, seed) if m.kind == "remove_module"]
    assert found
    for m in found:
        assert [(e.path, e.line) for e in m.expect] == [("tests/data/other.py", 1)]


def test_places_in_files_the_repository_excludes_from_pre_commit_are_not_expected(project: Path) -> None:
    """black's `.pre-commit-config.yaml` has `exclude: ^(profiling/|tests/data/)`: pre-commit never judges
    those files, nor does the gate; a mutation whose places all lie there is dropped, after the draws."""
    every = collect(project, "demo", 5, 1)
    (project / ".pre-commit-config.yaml").write_text("exclude: ^pkg/app\\.py$\nrepos: []\n")
    kept = collect(project, "demo", 5, 1)
    assert kept
    assert all(e.path != "pkg/app.py" for m in kept for e in m.expect)
    assert {m.id for m in kept} <= {m.id for m in every}  # the same draws, fewer places
    assert any(m.id not in {k.id for k in kept} for m in every)


def test_a_local_variable_annotation_is_never_an_undefined_mutation(tmp_path: Path) -> None:
    """`x: Box = ...` in a function body is never evaluated (PEP 526): renaming `Box` there breaks nothing
    that runs, so it is no ground truth; the same name read in the body is."""
    (tmp_path / "mod.py").write_text("class Box:\n    pass\n\n\ndef make():\n    x: Box = Box()\n    return x\n",
                                     encoding="utf-8")
    undefined = [m for seed in range(20) for m in collect(tmp_path, "demo", 1, seed) if m.kind == "undefined"]
    assert undefined and {m.expect[0].line for m in undefined} == {6}
    for m in undefined:
        (edit,) = m.edits
        assert "x: Box = Box_typo()" in edit.content
        with pytest.raises(NameError):
            exec(compile(edit.content + "make()\n", "mod.py", "exec"), {})


@pytest.mark.parametrize("config", [
    ("pyproject.toml", '[tool.setuptools_scm]\nwrite_to = "src/pkg/_version.py"\n'),
    ("pyproject.toml", '[tool.hatch.build.hooks.vcs]\nversion-file = "src/pkg/_version.py"\n'),
    ("setup.py", 'from setuptools import setup\nsetup(use_scm_version={"write_to": "src/pkg/_version.py"})\n'),
])
def test_a_module_the_build_writes_is_never_deleted(tmp_path: Path, config: tuple[str, str]) -> None:
    """pytest's `write_to = "src/_pytest/_version.py"`, black's hatch-vcs `version-file`: the build writes the
    module (upstream's git never has it), so deleting it from the tree breaks nothing once installed."""
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("from ._version import version\n")
    (tmp_path / "src" / "pkg" / "_version.py").write_text("version = '1'\n")
    (tmp_path / "src" / "pkg" / "util.py").write_text("def f():\n    return 1\n")
    (tmp_path / "src" / "pkg" / "app.py").write_text("from pkg import util\n")
    seen = {m.note for seed in range(5) for m in collect(tmp_path, "p", 3, seed) if m.kind == "remove_module"}
    assert "delete module pkg.util" in seen
    (tmp_path / config[0]).write_text(config[1])
    seen = {m.note for seed in range(5) for m in collect(tmp_path, "p", 3, seed) if m.kind == "remove_module"}
    assert seen == {"delete module pkg.util"}
