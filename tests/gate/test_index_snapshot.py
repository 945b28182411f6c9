"""Pre-commit mode judges the index, not the working tree (issue 8, "Wrong object judged"), with real git.

Each case gives the verdict the commit deserves: what is staged is what is judged; untracked files do not
exist; deletions (top-level modules, packages, namespace-package modules) block their importers; facts follow
content, never timestamps.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from support.gate_repo import Repo, rules

from bot.gate import CheckResult, run_check
from bot.graph.snapshot import Source

HELPERS = "def send_email(to):\n    return to\n\n\ndef other():\n    return 1\n"
APP = "from helpers import send_email\n\nsend_email('a')\n"


def staged(repo: Repo, paths: list[str] | None = None, *, all_files: bool = False) -> CheckResult:
    return run_check(repo.root, paths, all_files=all_files, source=Source.INDEX)


def test_staged_import_of_a_module_never_added_is_blocked(repo: Repo) -> None:
    repo.files({"app.py": "x = 1\n"})
    repo.commit()
    repo.write("app.py", "from newmod import make\n\nmake()\n")
    repo.write("newmod.py", "def make():\n    return 1\n")  # written, never `git add`ed
    repo.git("add", "app.py")
    (f,) = staged(repo).findings
    assert (f.rule, f.path, f.line) == ("missing-module", "app.py", 1)
    assert f.suggestion == "`newmod.py` exists but is not staged: `git add` it"
    repo.git("add", "newmod.py")
    assert staged(repo).findings == []


def test_unstaged_submodule_of_a_package_is_blocked(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "app.py": "x = 1\n"})
    repo.commit()
    repo.write("app.py", "from pkg.fresh import f\n")
    repo.write("pkg/fresh.py", "def f():\n    pass\n")
    repo.git("add", "app.py")
    (f,) = staged(repo).findings
    assert (f.rule, f.path) == ("missing-module", "app.py")
    assert "not staged" in f.suggestion


def test_old_import_of_an_untracked_module_is_not_this_commits_doing(repo: Repo) -> None:
    repo.files({"app.py": "import scratch\n", "other.py": "x = 1\n"})
    repo.commit()  # (scratch.py never existed in git; it is written later, untracked)
    repo.write("scratch.py", "y = 2\n")
    repo.write("other.py", "x = 2\n")
    repo.git("add", "other.py")
    assert staged(repo).findings == []


def test_git_rm_cached_of_an_imported_module_is_a_removal(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    repo.git("rm", "-q", "--cached", "helpers.py")  # still on disk, no longer in the commit
    assert rules(staged(repo)) == [("missing-module", "app.py", 1)]


def test_ignored_generated_module_removed_from_the_index_is_fine(repo: Repo) -> None:
    repo.files({"_version.py": "v = '1'\n", "app.py": "from _version import v\n"})
    repo.commit()
    repo.write(".gitignore", "_version.py\n")
    repo.git("rm", "-q", "--cached", "_version.py")
    repo.git("add", ".gitignore")
    assert staged(repo).findings == []


def test_partially_staged_file_is_judged_on_its_staged_content(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    repo.write("app.py", "from helpers import send_mail\n")  # staged: broken
    repo.git("add", "app.py")
    repo.write("app.py", APP)  # working tree: fine again
    assert rules(staged(repo)) == [("missing-symbol", "app.py", 1)]
    assert rules(run_check(repo.root, None)) == []  # the working tree is fine: another object
    repo.git("add", "app.py")
    repo.write("app.py", "from helpers import send_mail\n")  # staged fine, working tree broken
    assert staged(repo).findings == []


def test_staged_helpers_source_is_read_from_the_blob(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    repo.write("helpers.py", "def other():\n    return 1\n")
    repo.git("add", "helpers.py")
    repo.write("helpers.py", HELPERS)  # restored on disk only
    (f,) = staged(repo).findings
    assert (f.rule, f.path) == ("missing-symbol", "app.py")


def test_deleted_top_level_module_blocks_its_importers(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP, "cli.py": "import helpers\n\nhelpers.other()\n"})
    repo.commit()
    repo.git("rm", "-q", "helpers.py")
    assert rules(staged(repo)) == [("missing-module", "app.py", 1), ("missing-module", "cli.py", 1)]


def test_renamed_top_level_module_says_where_things_went(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP, "cli.py": "import helpers\n"})
    repo.commit()
    repo.git("mv", "helpers.py", "notify.py")
    found = {f.path: f for f in staged(repo).findings}
    assert sorted(found) == ["app.py", "cli.py"]
    assert found["app.py"].rule == "missing-module"
    assert found["app.py"].suggestion == "`send_email` now lives in `notify.py`"
    assert found["cli.py"].suggestion == "`helpers` now lives in `notify.py`"


def test_deleted_top_level_package_blocks_its_importers(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/mail.py": HELPERS,
                "app.py": "from pkg.mail import send_email\nfrom pkg import mail\nimport pkg\n"})
    repo.commit()
    repo.git("rm", "-q", "-r", "pkg")
    assert rules(staged(repo)) == [("missing-module", "app.py", 1), ("missing-module", "app.py", 2),
                                   ("missing-module", "app.py", 3)]


def test_deleted_namespace_package_module_blocks_its_importers(repo: Repo) -> None:
    repo.files({"ns/mail.py": HELPERS, "ns/other.py": "x = 1\n",
                "app.py": "from ns.mail import send_email\nfrom ns import mail\n"})
    repo.commit()
    repo.git("rm", "-q", "ns/mail.py")
    assert rules(staged(repo)) == [("missing-module", "app.py", 1), ("missing-symbol", "app.py", 2)]


def test_renamed_namespace_module_says_where_it_went(repo: Repo) -> None:
    repo.files({"ns/mail.py": HELPERS, "app.py": "from ns.mail import send_email\n"})
    repo.commit()
    repo.git("mv", "ns/mail.py", "ns/notify.py")
    (f,) = staged(repo).findings
    assert (f.rule, f.path, f.suggestion) == ("missing-module", "app.py", "`send_email` now lives in `ns/notify.py`")


def test_module_moved_under_src_still_resolves(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    os.makedirs(repo.root / "src")
    repo.git("mv", "helpers.py", "src/helpers.py")
    assert staged(repo).findings == []


def test_deleted_shadow_of_a_stdlib_or_installed_module_is_silent(repo: Repo) -> None:
    repo.files({"json.py": "x = 1\n", "click.py": "y = 1\n", "app.py": "import json\nimport click\n"})
    repo.commit()
    repo.git("rm", "-q", "json.py", "click.py")
    assert staged(repo).findings == []


def test_deleted_module_with_a_guarded_import_is_silent(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS,
                "app.py": "try:\n    import helpers\nexcept ImportError:\n    helpers = None\n"})
    repo.commit()
    repo.git("rm", "-q", "helpers.py")
    assert staged(repo).findings == []


def test_same_size_edit_with_restored_mtime_is_seen(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    assert staged(repo, all_files=True).findings == []  # the graph is warm
    path = repo.root / "helpers.py"
    before = path.stat()
    edited = HELPERS.replace("send_email", "send_gmail")[:-1]  # same size
    assert len(edited) == len(HELPERS) - 1
    path.write_text(edited + "\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    # the checked-out tree (CI, --base): git's stat check sees the change, the content decides
    head = repo.git("rev-parse", "HEAD").strip()
    assert rules(run_check(repo.root, None, base=head)) == [("missing-symbol", "app.py", 1)]
    repo.git("add", "helpers.py")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert rules(staged(repo)) == [("missing-symbol", "app.py", 1)]
    assert rules(staged(repo, all_files=True)) == [("missing-symbol", "app.py", 1)]


def test_all_judges_the_index(repo: Repo) -> None:
    repo.files({"ok.py": "x = 1\n"})
    repo.commit()
    repo.write("broken.py", "def f(:\n")  # untracked: not part of any commit
    assert staged(repo, all_files=True).findings == []
    repo.git("add", "broken.py")
    repo.write("broken.py", "x = 2\n")  # fixed on disk only
    assert rules(staged(repo, all_files=True)) == [("syntax-error", "broken.py", 1)]


def test_git_index_file_is_respected(repo: Repo, tmp_path: Path) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    other = tmp_path / "other-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(other)}
    subprocess.run(["git", "read-tree", "HEAD"], cwd=repo.root, env=env, check=True)
    repo.write("helpers.py", "def other():\n    return 1\n")
    subprocess.run(["git", "add", "helpers.py"], cwd=repo.root, env=env, check=True)
    proc = subprocess.run([*repo_cli(), "check", "--format", "json"], cwd=repo.root, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 1 and '"missing-symbol"' in proc.stdout
    assert repo.cli("check").returncode == 0  # the default index has nothing staged


def test_a_file_name_is_never_taken_as_an_option(repo: Repo) -> None:
    repo.files({"app.py": "x = 1\n", "-oapp.py": "y = 2\n"})
    repo.commit()
    proc = repo.cli("check", "-oapp.py")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert (repo.root / "app.py").read_text(encoding="utf-8") == "x = 1\n"
    proc = repo.cli("check", "--", "-oapp.py")
    assert proc.returncode == 0, proc.stderr
    assert (repo.root / "app.py").read_text(encoding="utf-8") == "x = 1\n"


def test_an_unstaged_path_is_a_note(repo: Repo) -> None:
    repo.files({"app.py": "x = 1\n"})
    repo.commit()
    repo.write("new.py", "def f(:\n")
    result = staged(repo, ["new.py"])
    assert result.findings == []
    assert "new.py: not in the index, not checked (`git add` it to check it)" in result.notes


def repo_cli() -> list[str]:
    import sys

    return [sys.executable, "-m", "bot"]


# -- the git seam ----------------------------------------------------------------------------------------
def test_index_listing_keeps_any_file_name(repo: Repo) -> None:
    from bot.git import Git

    names = ["tab\there.py", "new\nline.py", "ünï côde.py", "-oapp.py"]
    for name in names:
        (repo.root / name).write_text("x = 1\n", encoding="utf-8")
    repo.stage()
    with Git(repo.root) as g:
        entries = {e.path: e for e in g.index_entries()}
        assert sorted(entries) == sorted(names)
        blobs = g.read_blobs([e.sha for e in entries.values()] + ["1" * 40])
    assert set(blobs.values()) == {b"x = 1\n"} and "1" * 40 not in blobs


def test_blobs_are_read_through_one_process(repo: Repo) -> None:
    from bot.git import Git

    texts = {f"m{i}.py": f"v = {i}\n" * (i * 1000 + 1) for i in range(30)}
    repo.files(texts)
    repo.stage()
    with Git(repo.root) as g:
        shas = {e.path: e.sha for e in g.index_entries()}
        blobs = g.read_blobs(list(shas.values()))
        batch = g._batch
        assert {p: blobs[s].decode() for p, s in shas.items()} == texts
        assert g.read_blobs([shas["m3.py"]])[shas["m3.py"]].decode() == texts["m3.py"]
        assert g._batch is batch  # the same long-lived cat-file answered both


def test_index_lock_held_for_a_moment_is_waited_for(repo: Repo) -> None:
    import threading

    from bot.git import Git

    repo.write("a.py", "x = 1\n")
    lock = repo.root / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    threading.Timer(0.3, lock.unlink).start()
    Git(repo.root).run(["add", "a.py"])
    assert repo.git("ls-files").split() == ["a.py"]


def test_a_git_call_that_hangs_times_out(repo: Repo) -> None:
    import time

    import pytest

    from bot.errors import GitError
    from bot.git import Git

    started = time.monotonic()
    with pytest.raises(GitError, match="did not finish"):
        Git(repo.root, timeout=0.5).run(["-c", "alias.slow=!sleep 20", "slow"])
    assert time.monotonic() - started < 5


def test_renamed_top_level_package_says_where_things_went(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/mail.py": HELPERS, "app.py": "from pkg.mail import send_email\n"})
    repo.commit()
    repo.git("mv", "pkg", "notify")
    (f,) = staged(repo).findings
    assert (f.rule, f.path, f.line) == ("missing-module", "app.py", 1)
    assert f.suggestion == "`send_email` now lives in `notify/mail.py`"


def test_a_nested_projects_untracked_build_file_does_not_make_it_a_root(repo: Repo) -> None:
    """`plugins/foo/` is an import root only when the commit gives it its own build file: a pyproject.toml
    written there but never staged is no part of the commit (and the gate trusts only what it is sure of)."""
    repo.files({"plugins/foo/foo/__init__.py": "def a():\n    return 1\n", "plugins/foo/foo/cli.py": "x = 1\n"})
    repo.commit()
    repo.write("plugins/foo/foo/cli.py", "from foo import b\n")
    repo.git("add", "plugins/foo/foo/cli.py")
    repo.write("plugins/foo/pyproject.toml", '[project]\nname = "foo"\n')  # untracked
    assert staged(repo).findings == []
    repo.git("add", "plugins/foo/pyproject.toml")
    assert rules(staged(repo)) == [("missing-symbol", "plugins/foo/foo/cli.py", 1)]


def test_a_working_tree_copy_swapped_for_a_fifo_or_an_outside_link_after_staging_is_not_read(
        repo: Repo, tmp_path: Path) -> None:
    """The staged content is read from the working tree only when that copy is a regular file whose bytes hash to
    the staged blob. After `git add`, `helpers.py` becomes a FIFO (opening it would hang) and `app.py` a link to a
    file outside the repository with the same bytes: the check ends, judges the staged blobs from git, and
    reports the staged break in `app.py`; nothing of the outside file is read as the repository's code."""
    repo.files({"helpers.py": HELPERS, "app.py": APP})
    repo.commit()
    repo.write("helpers.py", HELPERS.replace("def send_email(to):", "def send_mail(to):"))
    broken = APP + "other_thing()\n"
    repo.write("app.py", broken)
    repo.stage()
    (repo.root / "helpers.py").unlink()
    os.mkfifo(repo.root / "helpers.py")
    outside = tmp_path / "outside.py"
    outside.write_text(broken)
    (repo.root / "app.py").unlink()
    (repo.root / "app.py").symlink_to(outside)
    found = rules(staged(repo))
    assert ("missing-symbol", "app.py", 1) in found
    assert ("undefined-name", "app.py", 4) in found


def test_a_tracked_file_under_a_directory_linked_out_of_the_repository_is_not_read(
        repo: Repo, tmp_path: Path) -> None:
    """The working-tree picture (CI's `--base`, the fix pipeline) reads a changed tracked file from disk. When a
    directory on its path has become a link out of the repository, what lies there is not the repository's code:
    it is never parsed (its undefined name would be a finding), and the file is reported as not checked."""
    repo.files({"pkg/__init__.py": "", "pkg/mod.py": "X = 1\n", "app.py": "from pkg.mod import X\n"})
    repo.commit()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "__init__.py").write_text("")
    (outside / "mod.py").write_text("X = 1\nprint(secret_outside_name)\n")
    for name in ("mod.py", "__init__.py"):
        (repo.root / "pkg" / name).unlink()
    (repo.root / "pkg").rmdir()
    (repo.root / "pkg").symlink_to(outside, target_is_directory=True)
    result = run_check(repo.root, ["pkg/mod.py", "app.py"], source=Source.WORKTREE)
    assert not [f for f in result.findings if f.path == "pkg/mod.py"]
    assert "pkg/mod.py: not found, not checked" in result.notes
