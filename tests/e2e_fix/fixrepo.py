"""A tiny real Python project in a real git repository, and `yantra fix` run on it as a subprocess.

Imported by the tests as `from e2e_fix.fixrepo import ...` (pytest puts tests/ on sys.path).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from support.anthropic_server import AnthropicServer
from support.cli_here import Run, run_cli_here
from support.gitrepo import git
from support.pytest_env import PYTEST_ENV

OPS = '''\
def add(a, b):
    """The sum of a and b."""
    return a - b


def mul(a, b):
    return a * b
'''

TESTS = '''\
from calc.ops import add, mul


def test_add():
    assert add(2, 3) == 5


def test_mul():
    assert mul(2, 3) == 6
'''

PYPROJECT = '''\
[project]
name = "calc"
version = "0.1.0"
requires-python = ">=3.10"

[tool.pytest.ini_options]
pythonpath = ["."]

[tool.yantra.fix]
model = "claude-sonnet-4-6"
fallback-model = "claude-haiku-4-5"
retry-base-delay = 0.01
retry-max-delay = 0.05
max-retry-after = 0.05
embeddings = false
test-timeout = 180
'''

SECRET_VALUE = "q7Rk2LmX9vTz4NbW8cYe1HsJ3uPa6DfG0iKo5QxZ"  # 40 characters, AWS secret key shape

ADDS_SECRET = f"""Fix add and configure the storage client.

calc/ops.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b


AWS_SECRET_ACCESS_KEY = "{SECRET_VALUE}"
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""


GOOD_FIX = """The add function subtracted instead of adding.

calc/ops.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""

BREAKS_MUL = """Use addition everywhere.

calc/ops.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE

calc/ops.py
<<<<<<< SEARCH
    return a * b
=======
    return a + b
>>>>>>> REPLACE

CONFIDENCE: 0.9
"""

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


@dataclass
class Project:
    root: Path

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit_all(self, message: str = "work") -> None:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD").strip()

    def log_message(self) -> str:
        return git(self.root, "log", "-1", "--format=%B")

    def status(self) -> str:
        return git(self.root, "status", "--porcelain")

    def worktrees(self) -> list[str]:
        return [ln for ln in git(self.root, "worktree", "list", "--porcelain").splitlines()
                if ln.startswith("worktree ")]


def make_project(root: Path) -> Project:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    proj = Project(root)
    proj.write("pyproject.toml", PYPROJECT)
    proj.write("calc/__init__.py", "")
    proj.write("calc/ops.py", OPS)
    proj.write("tests/test_ops.py", TESTS)
    proj.commit_all("initial")
    return proj


def yantra_env(server: AnthropicServer | None, *, api_key: str | None = "test-key") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(GIT_ENV)
    env.update(PYTEST_ENV)
    if api_key is not None:
        env["ANTHROPIC_API_KEY"] = api_key
    if server is not None:
        env["ANTHROPIC_BASE_URL"] = server.base_url
    return env


def yantra_argv(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "bot", "fix", *args]


def run_fix(project: Project, server: AnthropicServer | None, *args: str, api_key: str | None = "test-key",
            timeout: float = 600, process: bool = False) -> Run:
    """`yantra fix ARGS` in `project`: by default through the CLI's own entry point in this process, with the
    run's environment, working directory and standard streams (each xdist worker imports the Anthropic SDK
    once: about 2 CPU seconds a run); `process=True` as users run it, a `python -m bot` subprocess. Every
    process the run starts (git, pytest in the sandbox, semgrep) is real either way; tests of what only a
    process shows (its exit on a signal, its inherited environment) use the subprocess."""
    if process:
        proc = subprocess.run(yantra_argv(args), cwd=project.root, capture_output=True, text=True,
                              timeout=timeout, env=yantra_env(server, api_key=api_key))
        return Run(proc.returncode, proc.stdout, proc.stderr)
    return run_cli_here(["fix", *args], cwd=project.root, env=yantra_env(server, api_key=api_key))
