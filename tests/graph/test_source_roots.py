"""Import roots declared by a repository's build configuration are repository input: a hostile `setup.cfg`,
`setup.py` or `pyproject.toml` cannot make a directory outside the repository (or a link to one) a root."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from bot.graph.source_roots import declared_roots


def test_declared_package_dirs_are_roots(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "setup.cfg").write_text("[options]\npackage_dir =\n    =lib\n")
    assert declared_roots(tmp_path, {}) == ("lib",)
    (tmp_path / "setup.cfg").unlink()
    for pyproject in ({"tool": {"setuptools": {"package-dir": {"": "lib"}}}},
                      {"tool": {"setuptools": {"packages": {"find": {"where": ["lib"]}}}}},
                      {"tool": {"poetry": {"packages": [{"include": "x", "from": "lib"}]}}}):
        assert declared_roots(tmp_path, pyproject) == ("lib",)  # the keys the hostile test below uses


def test_roots_outside_the_repository_are_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (repo / "setup.cfg").write_text(textwrap.dedent("""\
        [options]
        package_dir =
            =../outside

        [options.packages.find]
        where = /etc ../outside lib/../../outside
        """))
    (repo / "setup.py").write_text('setup(package_dir={"": "/tmp"})\n')
    pyproject = {"tool": {"setuptools": {"package-dir": {"": "../outside"},
                                         "packages": {"find": {"where": ["/", "..", 7]}}},
                          "poetry": {"packages": [{"include": "x", "from": "../outside"}, "not a table"]},
                          "hatch": "not a table"}}
    assert declared_roots(repo, pyproject) == ()


def test_a_declared_directory_that_does_not_exist_is_no_root(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[options]\npackage_dir =\n    =src_missing\n")
    os.symlink("nowhere", tmp_path / "dangling")
    (tmp_path / "pyproject.toml").write_text("")
    assert declared_roots(tmp_path, {"tool": {"setuptools": {"package-dir": {"": "dangling"}}}}) == ()
