"""The trust boundary of the Action (issue 9 items 4, 7, 8, 9), end to end through its entry point in a
subprocess, the local GitHub API server and a bare remote: what a pull request's files and configuration, a
fork's symlinks, or a hostile API body can make the bot do — nothing outside its lane."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.anthropic_server import AnthropicServer
from support.github_server import HTML, truncated
from support.gitrepo import git_out as git  # stripped: these tests compare shas and single lines

KEY = "sk-ant-api03-test-key"
AWS_KEY = "AKIAQ3EGRZ7PXN4WLM2B"
PYPROJECT_BASE = ('[project]\nname = "calc"\nversion = "0.1"\nrequires-python = ">=3.10"\n'
                  '\n[tool.yantra.fix]\nembeddings = false\n')  # the world's
HOSTILE_PYPROJECT = ('[project]\nname = "calc"\nversion = "0.1"\nrequires-python = ">=3.10"\n\n'
                     '[tool.yantra]\nexclude = ["app.py"]\ndb-path = "../stolen.sqlite"\n\n'
                     '[tool.yantra.fix]\nprotected-paths = []\n'
                     'test-command = ["python", "-c", "open(\'{marker}\', \'w\').write(\'ran\')"]\n')


def _published(world) -> str:
    """Every request body the GitHub server received, the step summary and the outputs, as one text."""
    bodies = [json.dumps(r.body) for r in world.gh.requests if r.body is not None]
    files = [p.read_text(encoding="utf-8") for p in (world.tmp / "summary.md", world.tmp / "output.txt")
             if p.exists()]
    return "\n".join(bodies + files)


def test_a_prs_own_configuration_takes_no_effect(world):
    marker = world.tmp / "test-command-ran"
    world.push_commit({"pyproject.toml": HOSTILE_PYPROJECT.format(marker=marker),
                       "app.py": "from calc import add, divide\n\nprint(add(1, 2), divide(4, 2))\n"},
                      "Exclude my broken file and run my own test command")
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::error file=app.py,line=1" in proc.stdout  # `exclude` of the PR ignored: the base's config rules
    assert not marker.exists()  # the PR's test-command never ran; the base's (pytest) did
    assert "test_sub" in (world.tmp / "summary.md").read_text()
    assert not (world.tmp / "stolen.sqlite").exists()  # the PR's db-path is never honoured
    assert (world.workspace / ".git" / "yantra" / "graph.sqlite").exists()


PROTECTED_EDIT = ("Restore subtraction, and let CI pass faster.\n\ncalc.py\n<<<<<<< SEARCH\ndef sub(a, b):\n"
                  "    return a + b\n=======\ndef sub(a, b):\n    return a - b\n>>>>>>> REPLACE\n\n"
                  ".github/workflows/ci.yml\n<<<<<<< SEARCH\n=======\non: push\njobs: {}\n>>>>>>> REPLACE\n\n"
                  "CONFIDENCE: 0.95\n")


def test_a_prs_empty_protected_paths_does_not_unprotect_workflows(world):
    world.push_commit({"pyproject.toml": HOSTILE_PYPROJECT.format(marker=world.tmp / "m")}, "Unprotect everything")
    _agent_fix_pushes_nothing(world, PROTECTED_EDIT, comment_id=9101)


def _agent_fix_pushes_nothing(world, answer: str, *, comment_id: int) -> subprocess.CompletedProcess[str]:
    """`/agent fix` on PR #7 with the model answering `answer`: nothing reaches the branch, the run escalates."""
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=comment_id)
    before = world.remote_sha("refs/heads/feature")
    with AnthropicServer(api_key=KEY) as anthropic:
        anthropic.default = answer
        proc = world.run(mode="command", anthropic_api_key=KEY, anthropic_base_url=anthropic.base_url,
                         max_attempts="1")
    assert world.remote_sha("refs/heads/feature") == before, proc.stdout + proc.stderr  # nothing pushed
    assert world.outputs()["verdict"] in ("escalated", "failed")
    return proc


def test_check_mode_publishes_nothing_secret(world):
    token = world.gh.token
    world.push_commit({"tests/test_leak.py": (
        "def test_leak():\n"
        f"    assert False, 'token={token} aws={AWS_KEY}'\n")}, "A test that prints secrets")
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    published = _published(world)
    assert "test_leak" in published  # the failure is reported ...
    assert token not in published and AWS_KEY not in published  # ... without the secrets it printed
    assert token not in proc.stdout + proc.stderr and AWS_KEY not in proc.stdout + proc.stderr  # nor the log
    assert "«REDACTED:" in (world.tmp / "summary.md").read_text()


def test_a_forks_symlink_is_never_followed_and_the_checkout_is_restored(world):
    victim = world.tmp / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    scratch = world.tmp / "fork-clone"
    git(world.tmp, "clone", "-q", str(world.bare), str(scratch))
    git(scratch, "checkout", "-q", "feature")
    (scratch / "yantra.sarif").symlink_to(victim)
    (scratch / "app.py").write_text("from calc import divide\n", encoding="utf-8")
    git(scratch, "add", "-A")
    git(scratch, "-c", "user.name=F", "-c", "user.email=f@example.com", "commit", "-q", "-m", "Plant a link")
    git(scratch, "push", "-q", "origin", "HEAD:refs/heads/feature")
    world.make_fork()
    world.register_pull()
    world.pull_request_event("opened")
    git(world.workspace, "config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0")
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    sarif = Path(world.outputs()["sarif-file"])
    assert not sarif.is_symlink() and json.loads(sarif.read_text())["version"] == "2.1.0"
    assert world.workspace.resolve() not in sarif.resolve().parents
    assert git(world.workspace, "symbolic-ref", "--short", "HEAD") == "main"  # the trusted checkout is back
    assert not (world.workspace / "yantra.sarif").is_symlink()
    config = subprocess.run(["git", "config", "--local", "--get-regexp", "extraheader"], cwd=world.workspace,
                            capture_output=True, text=True)
    assert config.stdout == ""  # the persisted credential is gone


@pytest.mark.parametrize("raw", [HTML, truncated([{"sha": "0" * 40}]), b'[{"sha": "caf\xff"}]'],
                         ids=["html", "truncated-json", "invalid-utf8"])
def test_a_hostile_github_body_is_a_message_not_a_crash(world, raw):
    world.register_pull()
    world.pull_request_event("opened")
    world.gh.hostile("GET", r"/pulls/7/commits$", raw)
    proc = world.run(mode="check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::error title=Yantra::GitHub's answer could not be understood while listing the commits" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert world.outputs()["verdict"] == "failed"


def test_a_hostile_pull_request_body_in_command_mode(world):
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=9102)
    world.gh.hostile("GET", r"/pulls/7$", HTML)
    proc = world.run(mode="command", anthropic_api_key=KEY)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not be understood while reading pull request #7" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_forks_own_scope_settings_take_no_effect(world):
    """A fork PR cannot take its files out of the gate with .pre-commit-config.yaml's top-level `exclude`/`files`
    or black's and ruff's exclusions: they are read at the base commit, and the output says they were changed."""
    pyproject = (PYPROJECT_BASE + '\n[tool.black]\nforce-exclude = ".*"\n\n[tool.ruff]\nexclude = ["*"]\n')
    world.push_commit({".pre-commit-config.yaml": "exclude: .*\nfiles: ^nothing$\nrepos: []\n",
                       "pyproject.toml": pyproject,
                       "calc.py": "def add(a, b):\n    return a + b\n",  # `sub` gone: tests/test_calc.py breaks
                       "app.py": "print(undefined_name)\n"},
                      "Take everything out of the gate, then break an importer")
    world.make_fork()
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::error file=tests/test_calc.py,line=1" in proc.stdout and "sub" in proc.stdout
    assert "::error file=app.py,line=1" in proc.stdout  # ruff's `exclude` of the PR quiets nothing either
    summary = (world.tmp / "summary.md").read_text(encoding="utf-8")
    for setting in (".pre-commit-config.yaml top-level exclude", ".pre-commit-config.yaml top-level files",
                    "black force-exclude", "ruff exclude"):
        assert f"`{setting}`" in summary
    assert "takes effect once merged" in summary and "takes effect once merged" in proc.stdout
    assert "[tool.yantra]" not in summary and "requires-python" not in summary  # unchanged: not named


def test_a_pr_that_changes_no_scope_setting_is_told_nothing_about_it(world):
    world.push_commit({"pyproject.toml": PYPROJECT_BASE.replace('version = "0.1"', 'version = "0.2"')},
                      "Bump the version")
    world.register_pull()
    world.pull_request_event("opened")
    world.run(mode="check", fail_on_findings="false")
    assert "takes effect once merged" not in (world.tmp / "summary.md").read_text(encoding="utf-8")


def test_a_forks_unreadably_nested_configuration_is_no_crash(world):
    """pyproject.toml and .pre-commit-config.yaml nested 50,000 deep overflow the parsers' recursion: the PR is
    still judged with the base's configuration, and the output names what it changed."""
    deep = "[" * 50_000 + "]" * 50_000
    world.push_commit({"pyproject.toml": f"{PYPROJECT_BASE}\n[tool.ruff]\nexclude = {deep}\n",
                       ".pre-commit-config.yaml": f"exclude: {deep}\nrepos: []\n",
                       "app.py": "from calc import divide\n"}, "Nest everything")
    world.make_fork()
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "::error file=app.py,line=1" in proc.stdout
    assert "`pyproject.toml`" in (world.tmp / "summary.md").read_text(encoding="utf-8")


def test_a_pr_that_changes_only_the_fix_table_is_told_that_table(world):
    """`[tool.yantra.fix]` is read at the base commit too: a PR that changes its test command is told so, by that
    table's name, and the gate's own `[tool.yantra]` keys, unchanged, are not named."""
    pyproject = PYPROJECT_BASE.replace("[tool.yantra.fix]\n", '[tool.yantra.fix]\ntest-command = ["true"]\n')
    world.push_commit({"pyproject.toml": pyproject}, "Let every test command pass")
    world.register_pull()
    world.pull_request_event("opened")
    world.run(mode="check", fail_on_findings="false")
    summary = (world.tmp / "summary.md").read_text(encoding="utf-8")
    assert "takes effect once merged" in summary
    assert "`pyproject.toml [tool.yantra.fix]`" in summary
    assert "`pyproject.toml [tool.yantra]`" not in summary and "requires-python" not in summary


BROKEN_IMPORT_EDIT = ("Restore subtraction.\n\ncalc.py\n<<<<<<< SEARCH\ndef sub(a, b):\n    return a + b\n=======\n"
                      "def sub(a, b):\n    return a - b\n>>>>>>> REPLACE\n\n"
                      "report.py\n<<<<<<< SEARCH\n=======\nfrom calc import mul\n\nprint(mul(2, 3))\n>>>>>>> REPLACE\n\n"
                      "CONFIDENCE: 0.95\n")


def test_a_prs_own_scope_settings_do_not_judge_the_fix(world):
    """`/agent fix` validates the model's patch with the gate's scope read at the base commit: the pull request's
    `exclude: .*` (and ruff's) would let a fix through that imports a name calc.py never defines; it is refused."""
    world.push_commit({".pre-commit-config.yaml": "exclude: .*\nrepos: []\n",
                       "pyproject.toml": PYPROJECT_BASE + '\n[tool.ruff]\nexclude = ["*"]\n'},
                      "Take everything out of the gate")
    proc = _agent_fix_pushes_nothing(world, BROKEN_IMPORT_EDIT, comment_id=9103)
    assert "new gate error" in _published(world), proc.stdout
