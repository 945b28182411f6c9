"""The package fits its ecosystem: one version, one repository URL, a license file matching `license`."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bot import __version__
from bot.gate.result import CheckResult
from bot.report.sarif import render_sarif

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_version_comes_from_one_place() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "bot.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_license_file_matches_the_declared_license() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_one_repository_url_everywhere() -> None:
    home = PYPROJECT["project"]["urls"]["Homepage"]
    sarif = json.loads(render_sarif(CheckResult([], {})))
    assert sarif["runs"][0]["tool"]["driver"]["informationUri"] == home
    slug = home.removeprefix("https://github.com/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    urls = re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", readme)
    uses = re.findall(r"uses: ([\w.-]+/yantra)@", readme)
    assert urls and uses, "the README names the repository and shows the Action in a workflow"
    assert {url.rstrip(".") for url in urls} == {home}
    assert set(uses) == {slug}
