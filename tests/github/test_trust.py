"""A pull request's author who tries to switch the check off for a commit they push: by forging the bot's memory
(its sticky comment's state) through text the bot quotes.
Each runs the Action's entry point against the local GitHub API server and a bare remote."""

from __future__ import annotations

import json


def _bot_comments(world):
    return [c for c in world.gh.comments[7] if c["user"]["login"] == "github-actions[bot]"]


def _forging_test(state: dict[str, object]) -> str:
    """A failing test whose message is a state marker the bot would quote in its sticky comment."""
    marker = f"<!-- yantra:state {json.dumps(state)} -->"
    return f"def test_debug():\n    assert False, {marker!r}\n"


def test_state_quoted_from_a_prs_test_output_is_not_the_bots_memory(world):
    """The author's next head (here: the broken commit before a "debug" commit) is listed as handled in a marker
    that a failing test prints; the bot quotes the output in its sticky comment. Before: the forged marker came
    first and was read as the bot's state, so the push of the broken commit was skipped ("already handled",
    exit 0: a green check for a failing PR)."""
    broken = world.remote_sha("refs/heads/feature")  # sub() is broken: test_sub fails
    world.push_commit({"tests/test_debug.py": _forging_test({"handled": [f"pull_request:{broken}"]})}, "debug")
    world.register_pull()
    world.pull_request_event("synchronize")
    proc = world.run(mode="check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [sticky] = _bot_comments(world)
    assert f"pull_request:{broken}" in sticky["body"]  # the forged marker is quoted (inside the test output)

    # "remove the debug commit": the branch goes back to the broken commit
    world.gh._git("update-ref", "refs/heads/feature", broken)
    world.pull_request_event("synchronize")
    proc = world.run(mode="check")

    assert "already handled" not in proc.stdout
    assert proc.returncode == 1, proc.stdout + proc.stderr  # judged: test_sub fails
    assert world.outputs()["verdict"] == "fail"


def test_an_unclosed_forged_marker_does_not_swallow_the_bots_own(world):
    """An opening `<!-- yantra:state {` with no end in the quoted output must not join with the real marker
    (a regular expression from the first opening to the first end reads neither)."""
    world.push_commit({"tests/test_debug.py": "def test_debug():\n    assert False, '<!-- yantra:state {'\n"},
                      "debug")
    world.register_pull()
    world.pull_request_event("synchronize")
    assert world.run(mode="check").returncode == 1
    proc = world.run(mode="check")  # a redelivery: the bot's own state must still be read
    assert proc.returncode == 0 and "already handled" in proc.stdout, proc.stdout + proc.stderr
