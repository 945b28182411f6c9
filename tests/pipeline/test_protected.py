"""Protected paths: built-in defaults, additive settings, removal only by argument, pyproject judged by table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UsageError
from bot.pipeline.protected import DEFAULTS, Protection

PYPROJECT = """\
[project]
name = "calc"
version = "0.1.0"
dependencies = ["click"]

[tool.pytest.ini_options]
pythonpath = ["."]

[tool.yantra.fix]
model = "m"

[tool.ruff]
line-length = 100
"""


def _trees(tmp_path: Path, before: dict[str, str], after: dict[str, str]) -> tuple[Path, Path]:
    roots = tmp_path / "before", tmp_path / "after"
    for root, files in zip(roots, (before, after), strict=True):
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
    return roots


@pytest.mark.parametrize("path", [
    ".github/workflows/ci.yml", ".github/actions/setup/action.yml", "pytest.ini", "tox.ini", "setup.cfg",
    "conftest.py", "tests/unit/conftest.py", "requirements.txt", "requirements-dev.txt", "deps/requirements-ci.txt",
    "poetry.lock", "uv.lock", "Cargo.lock", "Pipfile", "Pipfile.lock", "setup.py", "noxfile.py",
    ".pre-commit-config.yaml", "ruff.toml", ".ruff.toml", ".flake8",
    "pytest.toml", ".pytest.toml", ".pytest.ini", "tests/pytest.toml", ".gitlab-ci.yml", ".circleci/config.yml",
    ".travis.yml", "azure-pipelines.yml", "Jenkinsfile", "bitbucket-pipelines.yml", ".buildkite/pipeline.yml",
    "CODEOWNERS", "docs/CODEOWNERS", ".gitattributes", "sub/.gitattributes", ".gitmodules",
])
def test_defaults_protect(path: str, tmp_path: Path) -> None:
    before, after = _trees(tmp_path, {}, {path: "x"})
    assert Protection.build().violations(before, after, [path]) == [f"{path} (protected path)"]


@pytest.mark.parametrize("path", ["src/app.py", "tests/test_app.py", "docs/setup.md", "github/x.yml", "README.md"])
def test_ordinary_files_are_not_protected(path: str, tmp_path: Path) -> None:
    before, after = _trees(tmp_path, {}, {path: "x"})
    assert Protection.build().violations(before, after, [path]) == []


def test_settings_add_and_never_remove(tmp_path: Path) -> None:
    protection = Protection.build(extra=("deploy/**",))
    before, after = _trees(tmp_path, {}, {"deploy/a.sh": "x", "setup.py": "x"})
    assert protection.violations(before, after, ["deploy/a.sh", "setup.py"]) == [
        "deploy/a.sh (protected path)", "setup.py (protected path)"]
    assert set(DEFAULTS) <= set(protection.globs) | set(protection.tables)


def test_settings_globs_match_as_excludes_do(tmp_path: Path) -> None:
    """The matcher of excludes (bot.paths): `./` anchors at the root, `*.sh` matches in every folder."""
    protection = Protection.build(extra=("./deploy.cfg", "*.sh"), unprotect=DEFAULTS)
    paths = ["deploy.cfg", "sub/deploy.cfg", "ops/run.sh"]
    before, after = _trees(tmp_path, {}, dict.fromkeys(paths, "x"))
    assert protection.violations(before, after, paths) == ["deploy.cfg (protected path)",
                                                           "ops/run.sh (protected path)"]


def test_only_an_explicit_argument_removes_a_default(tmp_path: Path) -> None:
    before, after = _trees(tmp_path, {}, {"setup.py": "x"})
    assert Protection.build(unprotect=("setup.py",)).violations(before, after, ["setup.py"]) == []
    with pytest.raises(UsageError, match="cannot unprotect src/\\*\\*: not a default"):
        Protection.build(unprotect=("src/**",))


@pytest.mark.parametrize(("old", "new", "table"), [
    ('model = "m"', 'model = "m"\nprotected-paths = []', "tool.yantra*"),
    ('pythonpath = ["."]', 'pythonpath = ["."]\naddopts = "--deselect t.py::x"', "tool.pytest*"),
    ('dependencies = ["click"]', 'dependencies = ["click", "evil"]', "project.dependencies"),
    ('[tool.ruff]', '[build-system]\nrequires = ["evil"]\n\n[tool.ruff]', "build-system"),
    # the gate leaves what ruff excludes to ruff: widening it would switch the gate off for the fix's own files
    ("line-length = 100", 'line-length = 100\nextend-exclude = ["pkg/*"]', "tool.ruff*"),
])
def test_protected_pyproject_tables(old: str, new: str, table: str, tmp_path: Path) -> None:
    before, after = _trees(tmp_path, {"pyproject.toml": PYPROJECT},
                           {"pyproject.toml": PYPROJECT.replace(old, new)})
    assert Protection.build().violations(before, after, ["pyproject.toml"]) == [
        f"pyproject.toml [{table}] (protected table)"]


def test_other_pyproject_edits_are_allowed(tmp_path: Path) -> None:
    edited = PYPROJECT.replace('version = "0.1.0"', 'version = "0.2.0"') + '\n[tool.black]\nline-length = 90\n'
    before, after = _trees(tmp_path, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": edited})
    assert Protection.build().violations(before, after, ["pyproject.toml"]) == []


def test_a_pyproject_that_no_longer_parses_is_protected(tmp_path: Path) -> None:
    before, after = _trees(tmp_path, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": PYPROJECT + "[[["})
    assert len(Protection.build().violations(before, after, ["pyproject.toml"])) == 6
