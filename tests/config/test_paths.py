"""One glob matcher (`bot.paths`, gitignore semantics via pathspec) for excludes and protected paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.gate_repo import Repo, make_repo, rules

from bot.paths import PathMatcher, PatternError, compile_patterns, matches


@pytest.mark.parametrize("pattern, path, expected", [
    ("./.venv/**", ".venv/lib/site.py", True),
    ("./.venv/**", "sub/.venv/lib/site.py", False),  # "./" anchors at the root, like a leading "/"
    (".venv/", ".venv/lib/site.py", True),
    ("*.yml", ".github/workflows/ci.yml", True),  # no "/" in the pattern: any folder, as gitignore
    ("*.yml", "ci.yml", True),
    ("docs/*.py", "docs/conf.py", True),
    ("docs/*.py", "docs/sub/conf.py", False),
    ("build", "build/lib/x.py", True),
    ("build", "src/build/x.py", True),
    ("/build", "src/build/x.py", False),
    ("**/migrations/*.py", "app/migrations/0001.py", True),
    ("tests/fixtures/**", "tests/fixtures/a/b.py", True),
    ("tests/fixtures/**", "tests/other.py", False),
    ("*_pb2.py", "deep/dir/x_pb2.py", True),
    (".github/**", ".github/workflows/ci.yml", True),
    ("requirements*.txt", "ci/requirements-dev.txt", True),
])
def test_gitignore_semantics(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_negation_and_empty_matcher() -> None:
    m = PathMatcher(("gen/**", "!gen/keep.py"))
    assert m.matches("gen/a.py") and not m.matches("gen/keep.py")
    assert not PathMatcher().matches("anything.py") and not PathMatcher()


def test_invalid_pattern_names_itself() -> None:
    with pytest.raises(PatternError, match="is not a valid glob"):
        compile_patterns(["ok/**", "\\"])


def test_dot_slash_exclude_applies_to_the_gate(tmp_path: Path) -> None:
    repo: Repo = make_repo(tmp_path)
    bad = "from pkg.m import gone\n"
    repo.files({"pkg/__init__.py": "", "pkg/m.py": "def f():\n    pass\n", "vendor/bad.py": bad,
                "lib/vendor/bad.py": bad, "conf/deep/bad.py": bad,
                "pyproject.toml": '[tool.yantra]\nexclude = ["./vendor/**", "deep/"]\n'})
    repo.stage()
    assert rules(repo.check(all_files=True)) == [("missing-symbol", "lib/vendor/bad.py", 1)]
