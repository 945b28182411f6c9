"""The Action's installer of the project's test dependencies: declarations come from the base commit only,
requirement specifiers only, and it says what it installed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from support.gitrepo import git_out as git  # stripped: these tests compare shas and single lines

from bot.github.setup_env import main


def test_installs_the_bases_declared_test_dependencies_only(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "pyproject.toml").write_text('[project]\nname = "calc"\nversion = "0"\n'
                                         '[project.optional-dependencies]\ntest = ["iniconfig", "calc[extra]"]\n')
    (repo / "requirements-dev.txt").write_text("# tools\n-e .\npluggy>=1  # plugin hooks\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "requirements-test.txt").write_text("evil-package-from-the-pr\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the PR")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base}}}))
    env = {"GITHUB_WORKSPACE": str(repo), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
           "YANTRA_PROJECT_PYTHON": sys.executable}
    assert main(env) == 0
    out = capsys.readouterr().out
    assert "pyproject.toml [project.optional-dependencies] test, requirements-dev.txt" in out
    assert "  iniconfig\n  pluggy>=1\n" in out and "yantra: installed." in out
    assert "evil-package" not in out  # the PR's own requirements file is not the base's
    assert "'-e .'" in out and "'calc[extra]'" in out  # skipped, with a note


def test_the_setup_command_input_wins(tmp_path: Path, capsys) -> None:
    marker = tmp_path / "ran"
    assert main({"GITHUB_WORKSPACE": str(tmp_path), "YANTRA_SETUP_COMMAND": f"touch {marker}"}) == 0
    assert marker.exists() and "setup-command input" in capsys.readouterr().out
