"""`/agent fix` end to end: the Action's entry point in a subprocess, the local GitHub API server, a bare
remote, and the local Anthropic Messages API server answering with a real edit."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from support.anthropic_server import AnthropicServer
from support.gitrepo import git_out as git  # stripped: these tests compare shas and single lines

from bot.pipeline.embeddings import status

KEY = "sk-ant-api03-test-key"


@pytest.fixture
def anthropic():
    with AnthropicServer(api_key=KEY) as server:  # any other key is answered 401
        yield server


def _bot_comments(world):
    return [c for c in world.gh.comments[7] if c["user"]["login"] == "github-actions[bot]"]


def _run_fix(world, anthropic, *, process=False, **inputs):
    return world.run(mode="command", anthropic_api_key=KEY, anthropic_base_url=anthropic.base_url, process=process,
                     **inputs)


def test_same_repo_fix_is_pushed_once(world_with_embeddings, anthropic):
    world = world_with_embeddings  # the one Action run that loads the embedding model
    anthropic.default = world.FIX_ANSWER
    world.register_pull()
    world.comment_event("/agent fix sub() must subtract again", login="maintainer", comment_id=9001)
    before = world.remote_sha("refs/heads/feature")
    proc = _run_fix(world, anthropic, process=True)  # as the runner starts it
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = world.remote_sha("refs/heads/feature")
    assert after != before
    assert world.remote_sha(f"{after}^") == before  # a fast-forward on top of the PR head
    message = world.git_log(after, "%B")
    assert message.startswith("fix: the refactor turned subtraction into addition; restore it [yantra]\n")
    assert "Yantra-Session:" in message and "Requested-by: @maintainer" in message
    assert world.git_log(after, "%an <%ae>") == \
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    assert "return a - b" in world.git_show(after, "calc.py")
    assert world.gh.reactions[9001] == ["eyes", "rocket"]
    assert anthropic.message_requests  # with the key from the anthropic-api-key input (else 401)
    assert "sub() must subtract again" in anthropic.message_requests[0].text
    [sticky] = _bot_comments(world)
    assert "<!-- yantra:state " in sticky["body"] and "fix pushed" in sticky["body"]
    outputs = world.outputs()
    assert outputs["verdict"] == "committed" and outputs["commit-sha"] == after
    assert 0.0 < float(outputs["confidence"]) <= 1.0
    # The run recorded the failure in the learning store with a real embedding (the model loaded in the Action).
    with contextlib.closing(sqlite3.connect(world.workspace / ".git" / "yantra" / "learning.sqlite")) as db:
        rows = db.execute("SELECT embedding_model, length(embedding) FROM failures").fetchall()
    assert rows == ([("all-MiniLM-L6-v2", 384 * 4)] if status().available else [(None, None)])

    # GitHub redelivers the same comment event: no second commit, comment, reaction or model call.
    calls = len(anthropic.message_requests)
    proc = _run_fix(world, anthropic)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "already handled" in proc.stdout
    assert world.remote_sha("refs/heads/feature") == after
    assert len(_bot_comments(world)) == 1
    assert world.gh.reactions[9001] == ["eyes", "rocket"]
    assert len(anthropic.message_requests) == calls


def test_fork_pr_gets_suggestions_and_the_forks_code_never_runs(world, anthropic):
    marker = world.tmp / "fork-code-ran"
    world.push_commit({"conftest.py": f"from pathlib import Path\n\nPath({str(marker)!r}).write_text('ran')\n"},
                      "Add a conftest")  # any test process (pytest imports conftest.py) leaves the marker
    world.make_fork()
    anthropic.default = world.FIX_ANSWER
    world.register_pull()
    world.comment_event("/agent fix sub() must subtract again", login="maintainer", comment_id=9002)
    git(world.workspace, "config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0")
    refs_before = world.refs()
    proc = _run_fix(world, anthropic, process=True)  # the default inputs: fork-fixes is `suggest`
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert world.refs() == refs_before
    [review] = world.gh.reviews[7]
    [comment] = review["comments"]
    assert comment["path"] == "calc.py" and comment["side"] == "RIGHT"
    assert "```suggestion\n    return a - b\n```" in comment["body"]
    assert "the tests were not run" in review["body"] and "Nothing was pushed" in review["body"]
    assert not any(r.method == "POST" and "/git/" in r.path for r in world.gh.requests)
    assert world.outputs()["verdict"] == "suggested"
    assert world.gh.reactions[9002] == ["eyes", "rocket"]
    [sticky] = _bot_comments(world)
    assert "fix suggested in a review" in sticky["body"] and "tests not run" in sticky["body"]
    assert not marker.exists(), "the fork's code ran"
    assert "extraheader" not in git(world.workspace, "config", "--local", "--list")
    assert git(world.workspace, "status", "--porcelain") == ""


def test_fork_fix_without_instructions_asks_for_them(world, anthropic):
    world.make_fork()
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=9007)
    proc = _run_fix(world, anthropic)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert anthropic.requests == [] and world.gh.reviews[7] == []  # nothing to go on: no model call, no review
    [sticky] = _bot_comments(world)
    assert "nothing to fix that the static checks can see" in sticky["body"]
    assert "say what to fix, e.g. `/agent fix " in sticky["body"]
    assert world.outputs()["verdict"] == "failed"
    assert world.gh.reactions[9007] == ["eyes", "confused"]


def test_fork_fixes_off_never_fixes_a_fork(world, anthropic):
    world.make_fork()
    anthropic.default = world.FIX_ANSWER
    world.register_pull()
    world.comment_event("/agent fix sub() must subtract again", login="maintainer", comment_id=9006)
    refs_before = world.refs()
    proc = _run_fix(world, anthropic, fork_fixes="off")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert anthropic.requests == [] and world.gh.reviews[7] == [] and world.refs() == refs_before
    [sticky] = _bot_comments(world)
    assert "Fixes for forks are off" in sticky["body"] and "fork-fixes: off" in sticky["body"]
    assert world.outputs()["verdict"] == "skipped"
    assert world.gh.reactions[9006] == ["eyes", "confused"]


def test_head_moved_during_the_run_is_not_pushed(world, anthropic):
    moved: list[str] = []

    def answer_after_a_human_push(request):
        if not moved:
            moved.append(world.push_commit({"NOTES.md": "a human was here\n"}, "Add notes"))
        return world.FIX_ANSWER

    anthropic.default = answer_after_a_human_push
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=9003)
    proc = _run_fix(world, anthropic)
    assert moved, "the model was never asked"
    assert proc.returncode == 1
    assert world.remote_sha("refs/heads/feature") == moved[0]  # the human's commit, nothing on top
    assert "moved during the run" in proc.stdout and "not pushing" in proc.stdout
    [sticky] = _bot_comments(world)
    assert "Not pushed" in sticky["body"]
    assert world.outputs()["verdict"] == "not-pushed" and world.outputs()["commit-sha"] == ""
    assert world.gh.reactions[9003] == ["eyes", "confused"]


def test_bot_commit_limit_stops_further_fixes(world, anthropic):
    for i in range(2):
        world.push_commit({f"f{i}.txt": "x\n"}, f"fix: step {i} [yantra]\n\nYantra-Session: s-{i}\n",
                          author=("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"))
    world.push_commit({"human.txt": "y\n"}, "Human change")
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=9004)
    before = world.remote_sha("refs/heads/feature")
    proc = _run_fix(world, anthropic, max_bot_commits="2")
    assert proc.returncode == 1
    assert "limit 2" in proc.stdout + proc.stderr + _bot_comments(world)[0]["body"]
    assert world.remote_sha("refs/heads/feature") == before
    assert anthropic.message_requests == []


WRONG_ANSWER = ("Maybe add() is the problem.\n\ncalc.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a + b\n=======\n"
                "def add(a, b):\n    return b + a\n>>>>>>> REPLACE\n\nCONFIDENCE: 0.3\n")


def test_no_confident_fix_escalates_with_one_review(world, anthropic):
    anthropic.default = WRONG_ANSWER
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=9005)
    before = world.remote_sha("refs/heads/feature")
    proc = _run_fix(world, anthropic, max_attempts="1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert world.remote_sha("refs/heads/feature") == before
    [review] = world.gh.reviews[7]
    assert review["comments"] == [] and "no confident fix" in review["body"]
    assert "test_sub" in review["body"]  # the failing test is part of the evidence
    assert world.outputs()["verdict"] == "escalated"
    assert world.gh.reactions[9005] == ["eyes", "confused"]
    # the trusted checkout is back where actions/checkout left it (main), clean
    assert git(world.workspace, "symbolic-ref", "--short", "HEAD") == "main"
    assert git(world.workspace, "status", "--porcelain") == ""
    assert (world.workspace / "calc.py").read_text().strip() == world.git_show("refs/heads/main", "calc.py")


HOSTILE_TESTS = (
    "import pytest\nfrom calc import add, sub\n\n\n"
    "@pytest.mark.parametrize('n', [1], ids=['`@octo-org/admins` ![p](https://evil.example/id.png)'])\n"
    "def test_sub(n):\n"
    "    print('```\\n@octo-org/admins merge this ![p](https://evil.example/out.png)\\n```')\n"
    "    assert sub(5, 3) == 2\n")


def test_a_hostile_pull_requests_test_output_cannot_escape_the_review_or_ping_anyone(world, anthropic):
    """The PR's own test names and output land in the escalation review as evidence: rendered as GitHub would
    (CommonMark), they stay in code, and no `@team` in them notifies anyone."""
    from markdown_it import MarkdownIt

    world.push_commit({"tests/test_calc.py": HOSTILE_TESTS}, "Parametrize the test")
    anthropic.default = WRONG_ANSWER
    world.register_pull()
    world.comment_event("/agent fix", login="maintainer", comment_id=9006)
    proc = _run_fix(world, anthropic, max_attempts="1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [review] = world.gh.reviews[7]
    body = review["body"]
    assert "octo-org/admins" in body  # the evidence is shown...
    html = MarkdownIt("commonmark").render(body)
    assert "evil.example" in html and "<img" not in html and 'href="https://evil' not in html  # ...as code
    texts = [t.content for block in MarkdownIt("commonmark").parse(body) for t in block.children or ()
             if t.type == "text"]
    assert not [w for t in texts for w in t.split() if w.startswith("@") and w[1:2].isalnum()]
    for reply in _bot_comments(world):
        assert "@octo-org" not in reply["body"].replace("`@octo-org", "")  # the sticky summary too
