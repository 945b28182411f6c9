"""Runs that must do nothing, or only refuse politely: the Action's entry point as the runner starts it."""

from __future__ import annotations

import time

from bot.github.state import BotState, render_marker


def test_skip_marker_in_title_does_nothing(world):
    world.register_pull()
    world.pull_request_event(title="Refactor sub [skip yantra]")
    feature = world.remote_sha("refs/heads/feature")
    proc = world.run(mode="autofix")
    assert proc.returncode == 0, proc.stderr
    assert "[skip yantra]" in proc.stdout
    assert world.gh.writes() == []
    assert world.remote_sha("refs/heads/feature") == feature


def test_off_label_does_nothing(world):
    world.register_pull()
    world.pull_request_event(labels=[{"name": "yantra:off", "color": "ededed"}])
    proc = world.run()
    assert proc.returncode == 0, proc.stderr
    assert "yantra:off" in proc.stdout
    assert world.gh.requests == []


def test_bot_own_push_is_ignored(world):
    sha = world.push_commit({"calc.py": "def add(a, b):\n    return a + b\n"},
                            "fix: restore sub [yantra]\n\nYantra-Session: s-123\n",
                            author=("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"))
    # the bot's sticky comment records the push (what `_publish` writes after pushing)
    world.gh.add_comment(7, f"### Yantra: fix pushed\n\n{render_marker(BotState(commit_sha=sha, pushed=(sha,)))}\n",
                         {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"})
    world.register_pull()
    world.pull_request_event("synchronize")
    proc = world.run(mode="autofix")
    assert proc.returncode == 0, proc.stderr
    assert "loop guard" in proc.stdout
    assert world.gh.writes() == []
    assert {r.method for r in world.gh.requests} == {"GET"}  # read the commits, nothing else


def test_bot_sender_is_ignored_unless_allowed(world):
    world.register_pull()
    path = world.pull_request_event("synchronize")
    text = path.read_text().replace('"login": "Codertocat", "id": 21031067, "node_id": "MDQ6VXNlcjIxMDMxMDY3", '
                                    '"avatar_url"', '"login": "renovate[bot]", "id": 1, "node_id": "x", "avatar_url"')
    import json
    data = json.loads(path.read_text())
    data["sender"] = {**data["sender"], "login": "renovate[bot]", "type": "Bot"}
    path.write_text(json.dumps(data))
    assert text  # the payload is the real one, adapted
    proc = world.run()
    assert proc.returncode == 0, proc.stderr
    assert "bots are ignored" in proc.stdout
    assert world.gh.requests == []


def test_unauthorized_fix_is_refused_once_and_nothing_runs(world):
    world.register_pull()
    world.comment_event("/agent fix please", login="visitor")
    before = world.remote_sha("refs/heads/feature")
    for _ in range(2):  # the second run is GitHub redelivering the same event
        proc = world.run(mode="command", anthropic_api_key="sk-ant-test", anthropic_base_url="http://127.0.0.1:9")
        assert proc.returncode == 0, proc.stderr
        assert "needs write, maintain or admin" in proc.stdout
    replies = [c for c in world.gh.comments[7] if c["user"]["login"] == "github-actions[bot]"]
    assert len(replies) == 1
    # addressed by name; the commenter follows the thread already, and every `@` the bot sends is inert
    assert "@\u200bvisitor" in replies[0]["body"] and "have not done anything" in replies[0]["body"]
    assert world.gh.reactions == {}
    assert world.remote_sha("refs/heads/feature") == before
    assert not any("/pulls/" in r.path for r in world.gh.requests)  # nothing about the PR was even read
    perm = [r for r in world.gh.requests if r.path.endswith("/collaborators/visitor/permission")]
    assert perm and all(r.headers.get("Authorization") == f"token {world.gh.token}" for r in perm)


def test_github_502_then_ok_and_rate_limit_are_retried_and_reported(world):
    world.register_pull()
    world.comment_event("/agent fix", login="visitor")
    world.gh.fail("GET", r"/collaborators/visitor/permission$", status=502, body={"message": "Bad Gateway"})
    world.gh.rate_limit("POST", r"/issues/7/comments$", reset_in=1)
    world.gh.fail("GET", r"/issues/7/comments$", status=403, headers={"retry-after": "1"},
                  body={"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you "
                                   "try again.", "documentation_url": "https://docs.github.com/rest"})
    proc = world.run(mode="command", anthropic_api_key="sk-ant-test")
    assert "waiting 1s as Retry-After asks" in proc.stderr  # the secondary rate limit
    assert proc.returncode == 0, proc.stderr
    assert "GitHub answered HTTP 502 to GET" in proc.stderr and "retrying" in proc.stderr
    assert "GitHub answered HTTP 403 to POST" in proc.stderr
    statuses = [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in world.gh.requests]
    assert ("GET", "permission", 502) in statuses and ("GET", "permission", 200) in statuses
    assert ("POST", "comments", 403) in statuses and ("POST", "comments", 201) in statuses
    assert len([c for c in world.gh.comments[7] if c["user"]["login"] == "github-actions[bot]"]) == 1


def test_rate_limit_far_from_reset_fails_with_the_reset_time(world):
    world.register_pull()
    world.comment_event("/agent fix", login="visitor")
    world.gh.rate_limit("GET", r"/permission$", reset_in=3600, times=10)
    started = time.time()
    proc = world.run(mode="command", anthropic_api_key="sk-ant-test")
    assert proc.returncode == 1
    assert "rate limit exhausted" in proc.stdout and "resets at" in proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout
    assert time.time() - started < 600  # did not sleep until the reset
    assert world.outputs()["verdict"] == "failed"


def test_configuration_errors_exit_2_with_a_clear_message(world):
    world.register_pull()
    world.pull_request_event()
    proc = world.run(mode="sometimes")
    assert proc.returncode == 2
    assert "input mode must be one of check, autofix, command" in proc.stdout
    proc = world.run(github_token="")
    assert proc.returncode == 2 and "github-token" in proc.stdout
    proc = world.run(max_bot_commits="three")
    assert proc.returncode == 2 and "max-bot-commits" in proc.stdout
    assert world.gh.requests == []


def test_irrelevant_events_exit_0_with_a_note(world):
    world.register_pull()
    path = world.pull_request_event()
    import json
    data = json.loads(path.read_text())
    data["action"] = "labeled"
    path.write_text(json.dumps(data))
    proc = world.run()
    assert proc.returncode == 0 and "needs nothing from Yantra" in proc.stdout
    world.comment_event("Looks good to me!", login="maintainer")
    proc = world.run(mode="command")
    assert proc.returncode == 0 and "not an `/agent fix` command" in proc.stdout
    assert world.gh.requests == []
