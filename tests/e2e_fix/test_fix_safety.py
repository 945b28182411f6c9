"""Fixes that pass the tests but are unsafe are blocked; secrets in the repository never reach the model."""

from __future__ import annotations

from e2e_fix.fixrepo import ADDS_SECRET, GOOD_FIX, SECRET_VALUE, Project, run_fix
from support.anthropic_server import AnthropicServer

ADDS_SQL_INJECTION = """Fix add and add a lookup helper.

calc/ops.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b


def find_user(cursor, name):
    cursor.execute(f"SELECT id FROM users WHERE name = '{name}'")
    return cursor.fetchone()
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""


def test_fix_adding_a_hard_coded_secret_is_blocked(project: Project, server: AnthropicServer) -> None:
    server.script(ADDS_SECRET)
    before = project.head()

    run = run_fix(project, server, "--commit", "--max-attempts", "1")

    assert run.code == 1, run.stdout + run.stderr
    assert "escalated" in run.stdout
    assert "secrets in the diff" in run.stdout
    assert project.head() == before
    assert project.status() == ""  # nothing was applied
    assert SECRET_VALUE not in run.stdout  # the report's copy of the rejected patch is redacted
    assert "REDACTED" in run.stdout


def test_fix_adding_an_sql_injection_is_blocked_by_semgrep(project: Project, server: AnthropicServer) -> None:
    server.script(ADDS_SQL_INJECTION)
    before = project.head()

    run = run_fix(project, server, "--commit", "--max-attempts", "1")

    assert run.code == 1, run.stdout + run.stderr
    assert "escalated" in run.stdout
    assert "semgrep" in run.stdout
    assert "new high-severity security findings" in run.stdout
    assert project.head() == before
    assert project.status() == ""


def test_planted_secrets_never_reach_the_server(project: Project, server: AnthropicServer) -> None:
    planted = "Zr8Kp2Wq9Xv4Ty7Mn3Bc6Ld1Fg5Hj0Sa8Ue2Io4P"
    project.write("calc/settings.py", f'AWS_SECRET_ACCESS_KEY = "{planted}"\nREGION = "eu-west-1"\n')
    project.write("calc/ops.py", "from calc.settings import AWS_SECRET_ACCESS_KEY, REGION\n\n\n"
                  + (project.root / "calc/ops.py").read_text())
    project.write("tests/test_settings.py", "from calc.settings import AWS_SECRET_ACCESS_KEY\n\n\n"
                  "def test_key():\n    assert AWS_SECRET_ACCESS_KEY == 'x'\n")
    project.commit_all("settings")
    server.script(GOOD_FIX, GOOD_FIX, GOOD_FIX)

    run = run_fix(project, server, "--max-attempts", "2")

    assert server.message_requests, run.stdout + run.stderr
    for request in server.requests:
        assert planted.encode() not in request.raw
    assert "REDACTED" in server.message_requests[0].text  # it was in the context, redacted
