"""Suppression comments, `[tool.yantra]` severities and exclusions, `.pre-commit-config.yaml` filters."""

from __future__ import annotations

import pytest
from support.gate_repo import Repo, rules

from bot.errors import ConfigError
from bot.gate.scope import glob_matches

BROKEN = "from pkg.helpers import gone\n"
PKG = {"pkg/__init__.py": "", "pkg/helpers.py": "def here():\n    pass\n"}


@pytest.mark.parametrize("comment, silenced", [
    ("  # yantra: ignore", True),
    ("  # yantra: ignore[missing-symbol]", True),
    ("  # yantra: ignore[undefined-name]", False),
    ("  # noqa", True),
    ("  # type: ignore[attr-defined]", True),
    ("  # type: ignore[call-arg]", False),
    ("  # pyrefly: ignore[missing-import]", False),
    ("  # pyright: ignore", False),
    ("  # type: ignore", False),
])
def test_suppression_comments(repo: Repo, comment: str, silenced: bool) -> None:
    repo.files({**PKG, "app.py": BROKEN.rstrip("\n") + comment + "\n"})
    assert (rules(repo.check(all_files=True)) == []) is silenced


def test_severity_override_and_off(repo: Repo) -> None:
    repo.files({**PKG, "app.py": BROKEN + "print(nope)\n",
                "pyproject.toml": '[tool.yantra.severity]\nmissing-symbol = "warning"\nundefined-name = "off"\n'})
    result = repo.check(all_files=True)
    assert [(f.rule, f.severity) for f in result.findings] == [("missing-symbol", "warning")]
    assert result.errors == []


def test_invalid_severity_is_a_config_error(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[tool.yantra.severity]\nmissing-symbol = "fatal"\n', "a.py": "x = 1\n"})
    with pytest.raises(ConfigError):
        repo.check(all_files=True)


def test_yantra_exclude_globs_skip_checking_not_resolution(repo: Repo) -> None:
    repo.files({**PKG, "vendored/bad.py": BROKEN, "gen/sub/bad_pb2.py": BROKEN,
                "app.py": "from vendored.bad import not_there\n",
                "pyproject.toml": '[tool.yantra]\nexclude = ["vendored/**", "*_pb2.py"]\n'})
    result = repo.check(all_files=True)
    assert rules(result) == [("missing-symbol", "app.py", 1)]  # resolved *through* the excluded file


def test_precommit_config_exclude_and_files(repo: Repo) -> None:
    repo.files({**PKG, "legacy/bad.py": BROKEN, "src/bad.py": BROKEN, "other/bad.py": BROKEN,
                ".pre-commit-config.yaml": "files: ^(src|legacy)/\nexclude: ^legacy/\nrepos: []\n"})
    assert rules(repo.check(all_files=True)) == [("missing-symbol", "src/bad.py", 1)]


def test_precommit_exclusions_apply_to_staged_checks(repo: Repo) -> None:
    repo.files({**PKG, ".pre-commit-config.yaml": "exclude: '^legacy/'\nrepos: []\n"})
    repo.commit()
    repo.write("legacy/bad.py", BROKEN)
    repo.stage()
    assert rules(repo.check(["legacy/bad.py"])) == []


def test_invalid_precommit_regex_is_a_config_error(repo: Repo) -> None:
    repo.files({"a.py": "x = 1\n", ".pre-commit-config.yaml": "exclude: '('\nrepos: []\n"})
    with pytest.raises(ConfigError):
        repo.check(all_files=True)


@pytest.mark.parametrize("pattern, path, expected", [
    ("tests/fixtures/**", "tests/fixtures/a/b.py", True),
    ("tests/fixtures/**", "tests/other.py", False),
    ("*_pb2.py", "deep/dir/x_pb2.py", True),
    ("build", "build/lib/x.py", True),
    ("docs/*.py", "docs/conf.py", True),
    ("docs/*.py", "docs/sub/conf.py", False),
    ("**/migrations/*.py", "app/migrations/0001.py", True),
])
def test_glob_matches(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected
