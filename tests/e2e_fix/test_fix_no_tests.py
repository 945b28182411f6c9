"""`yantra fix --no-tests`: the repository's code never runs; a statically valid fix is only suggested."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from e2e_fix.fixrepo import ADDS_SECRET, BREAKS_MUL, SECRET_VALUE, Project, run_fix
from support.anthropic_server import AnthropicServer


def plant_marker(project: Project, marker: Path) -> None:
    """A conftest.py that leaves `marker` behind as soon as any test process imports it."""
    project.write("conftest.py", f"from pathlib import Path\n\nPath({str(marker)!r}).write_text('ran')\n")
    project.commit_all("conftest")


def test_no_tests_suggests_a_statically_valid_fix_without_running_any_code(
        project: Project, server: AnthropicServer, tmp_path: Path) -> None:
    marker = tmp_path / "repository-code-ran"
    plant_marker(project, marker)
    server.script(BREAKS_MUL)  # its tests would fail: mul() becomes an addition
    before, ops = project.head(), (project.root / "calc/ops.py").read_text()

    run = run_fix(project, server, "--no-tests", "add() must add")

    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.startswith("yantra fix: suggested — "), run.stdout
    assert "tests were not run (--no-tests" in run.stdout
    assert "tests 0.00" in run.stdout  # the tests factor: not checked never counts as passing
    assert "+    return a + b" in run.stdout  # the patch is printed ...
    assert (project.root / "calc/ops.py").read_text() == ops  # ... and not applied
    assert project.head() == before and project.status() == ""
    assert project.worktrees() == [f"worktree {project.root}"]
    assert len(server.message_requests) == 1
    assert not marker.exists(), "a test process ran the repository's code"

    # The marker works: the repository's own test run does write it.
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project.root,
                   capture_output=True, timeout=300)
    assert marker.exists()


def test_no_tests_still_blocks_a_secret_in_the_diff(project: Project, server: AnthropicServer,
                                                    tmp_path: Path) -> None:
    marker = tmp_path / "repository-code-ran"
    plant_marker(project, marker)
    server.script(ADDS_SECRET)

    run = run_fix(project, server, "--no-tests", "--max-attempts", "1", "add() must add")

    assert run.code == 1, run.stdout + run.stderr
    assert "escalated" in run.stdout and "secrets in the diff" in run.stdout
    assert SECRET_VALUE not in run.stdout
    assert project.status() == "" and not marker.exists()


def test_no_tests_without_instructions_has_nothing_to_go_on(project: Project, server: AnthropicServer) -> None:
    run = run_fix(project, server, "--no-tests")

    assert run.code == 1, run.stdout + run.stderr
    assert "failed — nothing to fix that the static checks can see" in run.stdout
    assert "clean" not in run.stdout.splitlines()[0]
    assert server.message_requests == []


def test_no_tests_refuses_commit(project: Project) -> None:
    run = run_fix(project, None, "--no-tests", "--commit", "add() must add")

    assert run.code == 2
    assert "--no-tests never commits" in run.stderr + run.stdout
