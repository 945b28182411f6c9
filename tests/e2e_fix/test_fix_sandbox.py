"""Code Yantra runs (the baseline and the candidate's tests) cannot read a secret: `yantra fix` with a token in its
environment and a persisted checkout credential in `.git/config`, and a test in the repository that looks for
the token every way it can."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from e2e_fix.fixrepo import GOOD_FIX, Project, yantra_argv, yantra_env
from e2e_fix.spy import Listener, spy_source
from support.anthropic_server import AnthropicServer
from support.gitrepo import git

from bot.scan.sandbox import detect

TOKEN = "ghs_e2espy0123456789abcdefABCDEFGHIJ"
HEADER_KEY = "http.https://github.com/.extraheader"
HEADER = f"AUTHORIZATION: basic {TOKEN}"
needs_sandbox = pytest.mark.skipif(not detect().available, reason="no sandbox works here (install bubblewrap)")


def _run(project: Project, server: AnthropicServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**yantra_env(server), "GITHUB_TOKEN": TOKEN, "INPUT_GITHUB-TOKEN": TOKEN}
    return subprocess.run(yantra_argv(args), cwd=project.root, capture_output=True, text=True, timeout=600,
                          env=env)


@needs_sandbox
def test_the_tests_yantra_runs_cannot_read_the_token(project: Project, server: AnthropicServer) -> None:
    found = project.root / "spy-found.txt"
    with Listener() as listener:
        project.write("tests/test_spy.py", spy_source(TOKEN, listener.port, [str(found)]))
        project.commit_all("a spy")
        git(project.root, "config", HEADER_KEY, HEADER)  # what actions/checkout persists
        server.script(GOOD_FIX)

        run = _run(project, server, "--commit")

        assert run.returncode == 0, run.stdout + run.stderr
        assert found.read_text() == "nothing"  # written by the baseline run, in the repository itself
        assert listener.connections == 0  # no run reached the network, baseline or candidate
    assert f"sandbox: {detect().describe()}" in run.stdout
    assert git(project.root, "config", "--get-all", HEADER_KEY).strip() == HEADER  # restored for the push
    assert TOKEN not in run.stdout + run.stderr


def test_without_a_sandbox_model_code_does_not_run_while_a_secret_is_reachable(
        project: Project, server: AnthropicServer) -> None:
    server.script(GOOD_FIX)
    head = project.head()

    run = _run(project, server, "--commit", "--sandbox", "none")

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("yantra fix: suggested"), run.stdout
    assert "sandbox: unavailable (disabled by the caller)" in run.stdout
    assert "model-written code is not run while a secret is reachable ($ANTHROPIC_API_KEY" in run.stdout
    assert project.head() == head and project.status() == ""


def test_running_unsandboxed_takes_the_explicit_opt_in(project: Project, server: AnthropicServer) -> None:
    server.script(GOOD_FIX)

    run = _run(project, server, "--commit", "--sandbox", "none", "--allow-unsandboxed")

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("yantra fix: committed"), run.stdout


def test_the_credential_is_restored_when_the_run_fails(project: Project, tmp_path: Path) -> None:
    git(project.root, "config", HEADER_KEY, HEADER)
    proc = subprocess.run([sys.executable, "-m", "bot", "fix", "--max-attempts", "1"], cwd=project.root,
                          capture_output=True, text=True, timeout=600,
                          env={**yantra_env(None), "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert git(project.root, "config", "--get-all", HEADER_KEY).strip() == HEADER
