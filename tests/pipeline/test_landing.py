"""The pipeline returns a typed `Fix` and the caller picks the landing: here, nothing lands inside the pipeline
(`land=False`, as the Action asks) and the local landing commits exactly the paths the fix names."""

from __future__ import annotations

from pathlib import Path

from e2e_fix.fixrepo import GOOD_FIX, make_project
from support.anthropic_server import AnthropicServer
from support.gitrepo import git

from bot.pipeline.landing import land_locally
from bot.pipeline.outcome import Fix, FixOutcome
from bot.pipeline.session import FixRequest, run_fix
from bot.verdict import Verdict


def test_a_fix_left_to_the_caller_comes_back_typed_and_lands_nowhere(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    head = project.head()
    with AnthropicServer() as server:
        server.script(GOOD_FIX)
        outcome = run_fix(FixRequest(root=project.root, land=False, api_key="test-key", base_url=server.base_url,
                                     progress=False, log=lambda e: None))
    assert outcome.verdict is Verdict.READY and outcome.ok, outcome.reason
    fix = outcome.fix
    assert fix is not None and fix.tests_ran
    assert fix.changed == ("calc/ops.py",) and fix.test_files == ()
    assert "+    return a + b" in fix.patch
    assert fix.message.startswith("fix: the add function subtracted instead of adding\n")
    assert fix.message.rstrip().endswith(f"Yantra-Session: {outcome.session_id}")
    assert fix.score == outcome.confidence and set(fix.breakdown) >= {"llm", "tests", "history"}
    assert project.head() == head and project.status() == ""  # the working tree is untouched
    assert FixOutcome.from_json(outcome.to_json()) == outcome  # stored and resumed as it was

    landed = land_locally(project.root, fix, commit=True, no_verify=True)
    assert landed.verdict is Verdict.COMMITTED and landed.commit_sha == project.head() != head
    assert project.status() == "" and "return a + b" in (project.root / "calc/ops.py").read_text()
    # landing again (a resumed run killed right after committing) makes no second commit
    assert land_locally(project.root, fix, commit=True, no_verify=True).commit_sha == landed.commit_sha


def test_the_local_landing_commits_the_fixs_paths_added_and_deleted_ones_included(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    project.write("notes.txt", "the user's own uncommitted work\n")
    (project.root / "calc" / "old.py").write_text("X = 1\n", encoding="utf-8")
    git(project.root, "add", "calc/old.py")
    git(project.root, "commit", "-q", "-m", "old")
    (project.root / "calc" / "old.py").unlink()
    (project.root / "calc" / "new.py").write_text("X = 2\n", encoding="utf-8")
    git(project.root, "add", "-A", "calc")
    patch = git(project.root, "diff", "--cached", "--no-color")
    git(project.root, "reset", "-q", "--hard")
    fix = Fix(patch=patch, changed=("calc/new.py", "calc/old.py"), message="fix: move X\n\nYantra-Session: s1\n",
              score=0.9, breakdown={}, session_id="s1", tests_ran=True)

    landed = land_locally(project.root, fix, commit=True, no_verify=True)

    assert landed.verdict is Verdict.COMMITTED
    shown = git(project.root, "show", "--name-status", "--format=", "HEAD").split()
    assert shown == ["A", "calc/new.py", "D", "calc/old.py"]
    assert project.status().strip() == "?? notes.txt"  # the user's file is neither committed nor touched
