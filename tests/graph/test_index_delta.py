"""The index snapshot from the stored one plus git's diff (issue 10) is exactly the full listing, whatever the
index went through: edits, additions, deletions, renames, commits, resets, intent-to-add and unmerged entries,
another index file; and it is never trusted where it could be stale (links, writes from another source)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.gitrepo import git as _git

from bot.gate import run_check
from bot.graph import open_graph
from bot.graph.layout import build_layout
from bot.graph.snapshot import Source, take_snapshot
from bot.graph.staged import StoredShas

FILES: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/a.py": "def f(x):\n    return x\n",
    "b.py": "from pkg.a import f\n\nf(1)\n",
    "c.py": "x = 1\n",
    "data/table.csv": "a,b\n",
    "stubs/s.pyi": "def g() -> int: ...\n",
    "stubs/s.py": "def g():\n    return 1\n",
}


def _commit(root: Path, message: str = "c") -> None:
    _git(root, "commit", "-qm", message, "--no-verify")


def _exact(root: Path, db: Path, *, stored: bool = True) -> None:
    """Open the index graph and compare everything it answers with the whole index listed from scratch."""
    full = dict(take_snapshot(root, Source.INDEX).shas)  # (unsettled: listed whole)
    py = {p: s for p, s in full.items() if p.endswith(".py")}
    with open_graph(root, db_path=db, source=Source.INDEX) as g:
        assert isinstance(g.snapshot.shas, StoredShas) is stored
        assert dict(g.snapshot.shas) == full
        assert g.files() == sorted(py)
        assert all(g.has_file(p) for p in py) and not g.has_file("absent.py")
        assert g.store.file_shas() == py  # the files table the graph's queries read is the same picture
        assert g.report.files == len(py)
        built = build_layout(py)
        assert dict(g.layout.names_of) == dict(built.names_of)
        assert (g.layout.modules, g.layout.packages, g.layout.init_dirs) == \
            (built.modules, built.packages, built.init_dirs)
        assert g.layout.stubbed == {p[:-1] for p in full if p.endswith(".pyi") and p[:-1] in py}
        assert all(g.facts(p) is not None for p in py)
        assert g.snapshot.is_dir("data") and g.snapshot.is_dir("pkg") and not g.snapshot.is_dir("nope")


def test_every_kind_of_index_change_is_applied_exactly(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _exact(root, db, stored=False)  # nothing stored yet: the whole index
    _exact(root, db)
    (root / "pkg" / "a.py").write_text("def f(x, y):\n    return x\n")
    _git(root, "add", "pkg/a.py")
    _exact(root, db)
    (root / "new.py").write_text("import c\n")
    _git(root, "add", "new.py")
    _exact(root, db)
    _git(root, "rm", "-q", "c.py")
    _exact(root, db)
    _git(root, "mv", "b.py", "pkg/b2.py")
    _exact(root, db)
    _commit(root)  # HEAD's tree moves: its diff to the stored tree is applied
    _exact(root, db)
    (root / "pkg" / "a.py").write_text("def f():\n    return 0\n")  # edited, not staged: not in the index
    (root / "untracked.py").write_text("x = 1\n")
    _exact(root, db)
    _git(root, "reset", "-q", "--hard", "HEAD~1")  # back: the paths staged before return to the old tree
    _exact(root, db)
    _git(root, "rm", "-q", "--cached", "pkg/__init__.py")  # a package becomes a namespace package
    _exact(root, db)
    _git(root, "add", "pkg/__init__.py")
    (root / "stubs" / "s.pyi").unlink()
    _git(root, "add", "-A", "stubs")
    _exact(root, db)


def test_intent_to_add_and_unmerged_entries_are_as_in_the_listing(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _exact(root, db, stored=False)
    (root / "later.py").write_text("y = 2\n")
    _git(root, "add", "-N", "later.py")  # intent to add: listed with the empty blob
    _exact(root, db)
    _git(root, "rm", "-q", "--cached", "later.py")
    _git(root, "checkout", "-q", "-b", "other")
    (root / "c.py").write_text("x = 'other'\n")
    _git(root, "add", "c.py")
    _commit(root)
    _git(root, "checkout", "-q", "main")
    (root / "c.py").write_text("x = 'main'\n")
    _git(root, "add", "c.py")
    _commit(root)
    _exact(root, db)
    assert subprocess.run(["git", "merge", "-q", "other"], cwd=root, capture_output=True).returncode != 0
    _exact(root, db)  # c.py unmerged: no stage-0 entry, not in the snapshot
    (root / "c.py").write_text("x = 'both'\n")
    _git(root, "add", "c.py")
    _exact(root, db)


def test_an_unmerged_path_the_tree_also_moved_is_absent(make_repo: Callable[..., Path]) -> None:
    """A path unmerged in the index whose entry also differs between the stored tree and HEAD's: the index's
    diff decides (no stage-0 entry), not HEAD's tree."""
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _git(root, "checkout", "-q", "-b", "other")
    (root / "c.py").write_text("x = 'other'\n")
    _git(root, "add", "c.py")
    _commit(root)
    _git(root, "checkout", "-q", "main")
    _exact(root, db, stored=False)  # stored at main's tree
    (root / "c.py").write_text("x = 'main'\n")
    _git(root, "add", "c.py")
    _commit(root)  # HEAD's tree moves at c.py ...
    assert subprocess.run(["git", "merge", "-q", "other"], cwd=root, capture_output=True).returncode != 0
    _exact(root, db)  # ... and c.py is unmerged: not in the snapshot


def test_another_index_file_is_judged_as_itself(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _exact(root, db, stored=False)
    other = tmp_path / "other-index"
    env = {"GIT_INDEX_FILE": str(other)}
    _git(root, "read-tree", "HEAD", env=env)
    (root / "only_there.py").write_text("z = 3\n")
    _git(root, "add", "only_there.py", env=env)
    os.environ["GIT_INDEX_FILE"] = str(other)
    try:
        _exact(root, db)
    finally:
        del os.environ["GIT_INDEX_FILE"]
    _exact(root, db)


def test_a_symbolic_link_in_scope_is_always_listed_whole(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _exact(root, db, stored=False)
    os.symlink("pkg/a.py", root / "alias.py")
    _git(root, "add", "alias.py")
    _exact(root, db, stored=False)  # the link's sha is its target's: no stored snapshot vouches for it
    (root / "pkg" / "a.py").write_text("def f(x, y, z):\n    return x\n")
    _git(root, "add", "pkg/a.py")
    _exact(root, db, stored=False)
    _git(root, "rm", "-q", "--cached", "alias.py")
    _exact(root, db, stored=False)
    _exact(root, db)


def test_a_write_from_another_picture_forgets_the_stored_snapshot(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _exact(root, db, stored=False)
    (root / "c.py").write_text("x = 'working tree only'\n")
    open_graph(root, db_path=db).close()  # the working tree: the files table now holds c.py's unstaged content
    _exact(root, db, stored=False)
    _exact(root, db)
    conn = sqlite3.connect(db)  # any writer of the files table, an older Yantra included
    with conn:
        conn.execute("UPDATE files SET sha = ? WHERE path = 'b.py'", ("0" * 40,))
    conn.close()
    _exact(root, db, stored=False)


@pytest.mark.parametrize("stored_first", [True, False])
def test_the_gate_through_the_stored_snapshot_finds_what_the_change_broke(make_repo: Callable[..., Path],
                                                                         stored_first: bool) -> None:
    root = make_repo(FILES)
    if stored_first:
        assert not run_check(root, source=Source.INDEX).findings  # (nothing staged: stores the snapshot)
    (root / "pkg" / "a.py").write_text("def f(x, y):\n    return x\n")
    _git(root, "add", "pkg/a.py")
    result = run_check(root, source=Source.INDEX)
    assert [(f.rule, f.path) for f in result.findings] == [("arity-mismatch", "b.py")]
    _git(root, "reset", "-q", "--hard")
    _git(root, "rm", "-q", "pkg/a.py")
    result = run_check(root, source=Source.INDEX)
    assert ("missing-module", "b.py") in [(f.rule, f.path) for f in result.findings]


def _git_commands(trace: Path) -> list[list[str]]:
    import json

    found = []
    for line in trace.read_text().splitlines():
        event = json.loads(line)
        if event.get("event") == "start":
            found.append(event["argv"][1:])
    return found


def test_a_check_with_a_stored_snapshot_asks_git_only_about_the_change(make_repo: Callable[..., Path],
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(FILES)
    assert not run_check(root, source=Source.INDEX).findings  # stores the snapshot
    (root / "c.py").write_text("x = 2\n")
    _git(root, "add", "c.py")
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    assert not run_check(root, source=Source.INDEX).findings
    commands = _git_commands(trace)
    listings = [argv for argv in commands if argv[0] in ("ls-files", "ls-tree")]
    assert listings and all(argv[argv.index("--") + 1:] for argv in listings)  # always with the paths
    assert not any("c.py" in argv for argv in listings)  # its staged entry is the diff's: no listing names it
    # the configuration's listing, HEAD and its tree, the index's diff: no blob read (c.py's working-tree copy
    # is its staged blob; its old version's facts are stored)
    assert sorted(argv[0] for argv in commands) == ["diff-index", "ls-files", "rev-parse"]


def test_a_staged_blob_the_working_tree_lacks_is_read_from_git(make_repo: Callable[..., Path], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The working-tree copy stands in for a staged blob only when it hashes to it: a partially staged file is
    judged on its staged content, read from git."""
    root = make_repo(FILES)
    assert not run_check(root, source=Source.INDEX).findings
    (root / "pkg" / "a.py").write_text("def f(x, y):\n    return x\n")
    _git(root, "add", "pkg/a.py")
    (root / "pkg" / "a.py").write_text("def f(x, y=0):\n    return x\n")  # fixed, but not staged
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    result = run_check(root, source=Source.INDEX)
    assert [(f.rule, f.path) for f in result.findings] == [("arity-mismatch", "b.py")]
    assert [argv[:2] for argv in _git_commands(trace)].count(["cat-file", "--batch"]) == 1


def test_a_staged_check_asks_git_for_head_once(make_repo: Callable[..., Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """HEAD's commit and tree come from one `rev-parse` (the snapshot's), which the gate's change reuses."""
    root = make_repo(FILES)
    assert not run_check(root, source=Source.INDEX).findings
    (root / "pkg" / "a.py").write_text("def f(x, y):\n    return x\n")
    _git(root, "add", "pkg/a.py")
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    result = run_check(root, source=Source.INDEX)
    assert [(f.rule, f.path) for f in result.findings] == [("arity-mismatch", "b.py")]
    assert [argv[0] for argv in _git_commands(trace)].count("rev-parse") == 1


def test_head_and_tree_in_one_call(make_repo: Callable[..., Path]) -> None:
    from bot.git import Git

    root = make_repo({**FILES, "HEAD^{tree}": "a file named like the revision\n", "HEAD^{commit}": "another\n"})
    g = Git(root)
    head, tree = g.head_and_tree()
    assert head is not None and tree is not None and (head, tree) == (g.head(), g.head_tree())
    empty = make_repo({"a.py": "x = 1\n"}, commit=False, name="empty")
    assert Git(empty).head_and_tree() == (None, None)


def test_a_change_staged_then_reset_is_undone_from_the_stored_state_without_a_listing(
        make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The paths the stored snapshot had staged went back to HEAD's tree: their entries there come from the old
    side of the stored diff (`IndexState.before`), so the check lists no index path; the picture stays exact
    through edits, additions, deletions and renames undone, and through HEAD's tree moving."""
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    _exact(root, db, stored=False)
    steps: list[Callable[[], object]] = [
        lambda: ((root / "pkg" / "a.py").write_text("def f(x, y):\n    return x\n"), _git(root, "add", "pkg/a.py")),
        lambda: ((root / "new.py").write_text("import c\n"), _git(root, "add", "new.py")),
        lambda: _git(root, "rm", "-q", "--cached", "c.py"),
        lambda: _git(root, "mv", "b.py", "pkg/b2.py"),
    ]
    for step in steps:
        step()
        _exact(root, db)
        _git(root, "reset", "-q", "--hard")  # every staged path back to HEAD's tree
        _git(root, "clean", "-qfd")
        (root / "c.py").write_text("x = 3\n")
        _git(root, "add", "c.py")  # another change staged: the check asks git about it alone
        trace = tmp_path / "trace.json"
        trace.unlink(missing_ok=True)
        monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
        with open_graph(root, db_path=db, source=Source.INDEX) as g:
            assert isinstance(g.snapshot.shas, StoredShas)
        monkeypatch.delenv("GIT_TRACE2_EVENT")
        commands = _git_commands(trace)
        assert not [argv for argv in commands if argv[0] in ("ls-files", "ls-tree")
                    and any(p.endswith(".py") and p != "setup.py" for p in argv)], commands
        _exact(root, db)
        _git(root, "reset", "-q", "--hard")
    (root / "pkg" / "a.py").write_text("def f(x, z):\n    return x\n")
    _git(root, "add", "pkg/a.py")
    _exact(root, db)
    _commit(root)  # the stored staged path moved with HEAD's tree: the trees' diff decides it
    _exact(root, db)
