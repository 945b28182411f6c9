"""Check and autofix modes on pull_request events, end to end through the Action's entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.anthropic_server import AnthropicServer

KEY = "sk-ant-api03-test-key"


def _bot_comments(world):
    return [c for c in world.gh.comments[7] if c["user"]["login"] == "github-actions[bot]"]


def test_check_publishes_annotations_sticky_sarif_summary_and_outputs(world):
    world.push_commit({"app.py": "from calc import add, divide\n\nprint(add(1, 2), divide(4, 2))\n"}, "Add app")
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check", process=True)  # as the runner starts it
    assert proc.returncode == 1, proc.stdout + proc.stderr  # findings, and fail-on-findings is on by default
    assert "::error file=app.py,line=1" in proc.stdout and "divide" in proc.stdout
    outputs = world.outputs()
    assert outputs["verdict"] == "fail" and outputs["confidence"] == "" and outputs["commit-sha"] == ""
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    summary = (world.tmp / "summary.md").read_text()
    assert "checks found problems" in summary and "test_sub" in summary and "Failing tests" in summary
    [sticky] = _bot_comments(world)
    assert "<!-- yantra:state " in sticky["body"] and "test_sub" in sticky["body"]

    # A redelivery of the same event changes nothing.
    proc = world.run(mode="check")
    assert proc.returncode == 0 and "already handled" in proc.stdout
    assert len(_bot_comments(world)) == 1


def test_sticky_comment_is_updated_in_place_on_a_new_head(world):
    world.register_pull()
    world.pull_request_event("opened")
    world.run(mode="check", fail_on_findings="false")
    [first] = _bot_comments(world)
    world.push_commit({"calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"},
                      "Fix sub")
    world.pull_request_event("synchronize")
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [sticky] = _bot_comments(world)
    assert sticky["id"] == first["id"] and "checks passed" in sticky["body"]
    assert any(r.method == "PATCH" and r.path.endswith(f"/issues/comments/{first['id']}") for r in world.gh.requests)
    assert world.outputs()["verdict"] == "pass"


def test_fork_check_runs_no_fork_code_and_autofix_leaves_forks_alone(world):
    world.push_commit({"conftest.py": "import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('x')\n",
                       "app.py": "from calc import divide\n"}, "Add a conftest and an app")
    world.make_fork()
    world.register_pull()
    world.pull_request_event("opened")
    with AnthropicServer() as anthropic:
        anthropic.default = world.FIX_ANSWER
        proc = world.run(mode="autofix", anthropic_api_key=KEY, anthropic_base_url=anthropic.base_url,
                         fail_on_findings="false")
        assert anthropic.requests == []  # autofix never fixes a fork: that takes a maintainer's /agent fix
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (world.workspace / "RAN").exists()
    assert world.outputs()["verdict"] == "fail" and "::error file=app.py" in proc.stdout
    [sticky] = _bot_comments(world)
    assert "not run: fork pull request" in sticky["body"]
    assert world.gh.reviews[7] == []


@pytest.mark.parametrize("fail_on_findings", ["true"])
def test_autofix_fixes_a_failing_same_repo_pr(world, fail_on_findings):
    with AnthropicServer() as anthropic:
        anthropic.default = world.FIX_ANSWER
        world.register_pull()
        world.pull_request_event("opened")
        before = world.remote_sha("refs/heads/feature")
        proc = world.run(mode="autofix", anthropic_api_key=KEY, anthropic_base_url=anthropic.base_url,
                         fail_on_findings=fail_on_findings)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        after = world.remote_sha("refs/heads/feature")
        assert after != before and "Yantra-Session:" in world.git_log(after, "%B")
        assert world.outputs()["verdict"] == "committed"
        [sticky] = _bot_comments(world)
        assert "fix pushed" in sticky["body"] and '"bot_commits":1' in sticky["body"]


def test_workflow_dispatch_checks_the_named_pull_request(world):
    world.register_pull()
    sender = {"login": "maintainer", "id": 1, "type": "User"}
    path = world.tmp / "dispatch.json"
    path.write_text(json.dumps({"inputs": {"pr": "7"}, "ref": "refs/heads/main", "sender": sender,
                                "repository": {"full_name": "Codertocat/Hello-World"}}))
    world.env_extra.update(GITHUB_EVENT_NAME="workflow_dispatch", GITHUB_EVENT_PATH=str(path))
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert world.outputs()["verdict"] == "fail"
    [sticky] = _bot_comments(world)
    assert "test_sub" in sticky["body"]


def test_read_only_token_on_a_fork_still_reports(world):
    world.make_fork()
    world.register_pull()
    world.pull_request_event("opened")
    world.gh.fail("POST", r"/issues/7/comments$", status=403,
                  body={"message": "Resource not accessible by integration",
                        "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"})
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::warning title=Yantra::could not write the summary comment" in proc.stdout
    assert "Resource not accessible by integration" in proc.stdout
    assert "not run: fork pull request" in (world.tmp / "summary.md").read_text()
    assert world.outputs()["verdict"] == "pass"
    assert [r.status for r in world.gh.requests if r.method == "POST"] == [403]  # not retried: not a rate limit


def test_a_shallow_checkout_is_deepened_for_the_diff(world):
    import shutil
    import subprocess

    shutil.rmtree(world.workspace)
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{world.bare}", str(world.workspace)], check=True)
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert world.outputs()["verdict"] == "fail"  # test_sub fails on the head


def test_security_findings_become_annotations(world):
    token = "ghp_" + "R8x2Kq7ZpL0vN4sT9wYb3mC6dF1gH5jA2eQ"
    world.push_commit({"settings.py": f'GITHUB_TOKEN = "{token}"\n'}, "Add settings")
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "file=settings.py,line=1,title=yantra secrets" in proc.stdout
    assert token not in proc.stdout  # the annotation names the secret's type, never its value
    body = _bot_comments(world)[0]["body"]
    assert "Security findings" in body and token not in body


def test_check_mode_runs_the_pull_requests_tests_where_they_cannot_read_the_token(world):
    # A same-repository pull request's test tries every way to the job's token: the environment, every
    # /proc/*/environ (the Action's own process holds it), .git/config, and the network.
    from e2e_fix.spy import Listener, spy_source

    from bot.scan.sandbox import detect

    if not detect().available:
        pytest.skip(f"no sandbox on this machine: {detect().reason}")
    found = world.workspace / "spy-found.txt"  # the checkout is writable inside the sandbox
    with Listener() as listener:
        world.push_commit({"test_spy.py": spy_source(world.gh.token, listener.port, [str(found)])}, "a spy")
        world.register_pull()
        world.pull_request_event("opened")
        proc = world.run(mode="check", fail_on_findings="false")
        assert listener.connections == 0, proc.stdout + proc.stderr
    assert found.read_text() == "nothing"  # the spy ran, and found the token nowhere
    assert world.gh.token not in proc.stdout + proc.stderr


def test_check_reports_what_the_pull_request_broke_in_a_file_it_did_not_touch(world):
    """The gate judges the change since the fork point (`check --base`), dependents included: a file the pull
    request does not touch, importing a function it removed, is reported."""
    world.push_commit({"calc.py": "def add(a, b):\n    return a + b\n"}, "Drop sub")
    world.register_pull()
    world.pull_request_event("opened")
    proc = world.run(mode="check", fail_on_findings="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::error file=tests/test_calc.py,line=1" in proc.stdout, proc.stdout
    assert "cannot import `sub` from `calc`" in proc.stdout
