"""Pre-commit semantics: PATHS are the staged files that exist; deletions and renames come from the index;
dependents are re-checked only for what the change removed, renamed or re-signed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.gate_repo import Repo, rules

from bot.gate import run_check
from bot.gate.check import Pushed

BASE = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": "def send_email(to, subject):\n    return 1\n\n\ndef other():\n    return 2\n",
    "app.py": "from pkg.helpers import send_email\n\n\ndef main():\n    return send_email('a', 'b')\n",
}


def test_removed_function_blocks_with_the_importer_named(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.write("pkg/helpers.py", "def other():\n    return 2\n")
    repo.stage()
    result = repo.check(["pkg/helpers.py"])
    assert rules(result) == [("missing-symbol", "app.py", 1)]
    assert result.stats["files_checked"] == 2


def test_renamed_function_suggests_the_new_name(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"].replace("send_email", "send_mail"))
    repo.stage()
    (f,) = repo.check(["pkg/helpers.py"]).findings
    assert (f.rule, f.path, f.suggestion) == ("missing-symbol", "app.py",
                                              "`send_email` was renamed to `send_mail` in this change")


def test_function_moved_to_another_module(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.write("pkg/helpers.py", "def other():\n    return 2\n")
    repo.write("pkg/notifications.py", "def send_email(to, subject):\n    return 1\n")
    repo.stage()
    (f,) = repo.check(["pkg/helpers.py", "pkg/notifications.py"]).findings
    assert (f.rule, f.path, f.suggestion) == ("missing-symbol", "app.py",
                                              "`send_email` now lives in `pkg/notifications.py`")


def test_rename_far_from_the_old_name_is_named(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"].replace("def send_email", "def deliver_message"))
    repo.stage()
    (f,) = repo.check(["pkg/helpers.py"]).findings
    assert f.suggestion == "`send_email` was renamed to `deliver_message` in this change"


def test_resigned_function_checks_callers(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"].replace("(to, subject)", "(to, subject, body)"))
    repo.stage()
    assert rules(repo.check(["pkg/helpers.py"])) == [("arity-mismatch", "app.py", 5)]


def test_a_resign_rechecks_the_files_naming_the_function_not_every_importer_of_its_module(repo: Repo) -> None:
    repo.files({**BASE,
                "pkg/__init__.py": "from pkg.helpers import send_email\n",
                "by_module.py": "import pkg.helpers\n\n\ndef f():\n    return pkg.helpers.send_email('a', 'b')\n",
                "by_alias.py": "from pkg import helpers as h\n\n\ndef f():\n    return h.send_email('a', 'b')\n",
                "by_star.py": "from pkg.helpers import *\n\n\ndef f():\n    return send_email('a', 'b')\n",
                "by_package.py": "from pkg import send_email\n\n\ndef f():\n    return send_email('a', 'b')\n",
                "other_name.py": "from pkg.helpers import other\n\n\ndef f():\n    return other()\n"})
    repo.commit()
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"].replace("(to, subject)", "(to, subject, body)"))
    repo.stage()
    result = repo.check(["pkg/helpers.py"])
    callers = ["app.py", "by_alias.py", "by_module.py", "by_package.py"]  # (a star import: silent, by design)
    assert sorted(f.path for f in result.findings if f.rule == "arity-mismatch") == callers
    # the change, the callers, the star importer and pkg/__init__.py; not other_name.py
    assert result.stats["files_checked"] == 1 + len(callers) + 2


def test_a_resign_judges_its_callers_only_where_they_may_reach_it(repo: Repo) -> None:
    """A caller is judged at the places that may lead to the re-signed function (also through a package that
    re-binds it under another name); what it imports beside it (ten packages re-exporting a function each) is
    never read, since no finding about those could be about the change."""
    libs = {f"lib{i}/__init__.py": f"from lib{i}.impl import thing{i}\n" for i in range(10)}
    libs |= {f"lib{i}/impl.py": f"def thing{i}(x):\n    return x\n" for i in range(10)}
    uses = "".join(f"from lib{i} import thing{i}\n" for i in range(10)) + "from pkg.helpers import send_email\n"
    calls = "".join(f"    thing{i}(1)\n" for i in range(10))
    repo.files({**BASE, **libs, "app.py": f"{uses}\n\ndef main():\n{calls}    return send_email('a', 'b')\n",
                "shim/__init__.py": "from pkg.helpers import send_email as post\n",
                "via_shim.py": "from shim import post\nfrom lib0 import thing0\n\npost('a', 'b')\nthing0(2)\n"})
    repo.commit()
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"].replace("(to, subject)", "(to, subject, body)"))
    repo.stage()
    result = repo.check(["pkg/helpers.py"])
    assert rules(result) == [("arity-mismatch", "app.py", 25), ("arity-mismatch", "via_shim.py", 4)]
    assert result.stats["facts_loaded"] < 10  # the change, its callers, the shim: no lib*/ file


def test_staged_deletion_is_read_from_the_index(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.git("rm", "-q", "pkg/helpers.py")
    result = repo.check([])  # pre-commit passes no file for a pure deletion
    assert rules(result) == [("missing-module", "app.py", 1)]
    assert repo.check(None).findings == result.findings


def test_deleted_module_imported_with_a_star(repo: Repo) -> None:
    repo.files({**BASE, "pkg/__init__.py": "from pkg.helpers import *\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/helpers.py")
    assert ("missing-module", "pkg/__init__.py", 1) in rules(repo.check([]))


def test_staged_rename_of_a_module(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.git("mv", "pkg/helpers.py", "pkg/mail.py")
    (f,) = repo.check(["pkg/mail.py"]).findings
    assert (f.rule, f.path) == ("missing-module", "app.py")
    assert f.suggestion == "`send_email` now lives in `pkg/mail.py`"


def test_dependents_only_report_what_the_change_did(repo: Repo) -> None:
    repo.files({**BASE, "old.py": "from pkg.helpers import never_existed\n\nundefined_thing()\n",
                "user.py": "from pkg.helpers import other\n"})
    repo.commit()
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"] + "\n\ndef added():\n    pass\n")
    repo.stage()
    assert rules(repo.check(["pkg/helpers.py"])) == []  # old.py's own problem is not this commit's
    repo.write("pkg/helpers.py", "def send_email(to, subject):\n    return 1\n")
    repo.stage()
    assert rules(repo.check(["pkg/helpers.py"])) == [("missing-symbol", "user.py", 1)]


def test_changed_files_are_checked_fully(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    repo.write("app.py", BASE["app.py"] + "\nprint(undefined_here)\n")
    repo.stage()
    assert rules(repo.check(["app.py"])) == [("undefined-name", "app.py", 7)]


def test_repository_without_commits(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "app.py": "from pkg.nothing import x\n"})
    repo.stage()
    assert rules(repo.check(["app.py", "pkg/__init__.py"])) == [("missing-module", "app.py", 1)]
    assert rules(repo.check(None)) == [("missing-module", "app.py", 1)]


def test_paths_with_spaces_and_unicode(repo: Repo) -> None:
    repo.files({"dir with space/__init__.py": "", "dir with space/módulo.py": "def f(:\n"})
    repo.stage()
    result = repo.check(["dir with space/módulo.py"])
    assert rules(result) == [("syntax-error", "dir with space/módulo.py", 1)]


def test_nothing_staged_is_a_note(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    result = repo.check(None)
    assert result.findings == [] and result.notes and result.stats["files_checked"] == 0


def test_non_python_and_missing_paths_are_ignored(repo: Repo) -> None:
    repo.files({**BASE, "README.md": "hello\n"})
    repo.commit()
    assert rules(repo.check(["README.md", "does_not_exist.py"])) == []


def test_import_cycle_introduced_by_the_change(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/a.py": "import pkg.b\n", "pkg/b.py": "X = 1\n"})
    repo.commit()
    repo.write("pkg/b.py", "import pkg.a\nX = 1\n")
    repo.stage()
    result = repo.check(["pkg/b.py"])
    assert rules(result) == [("import-cycle", "pkg/b.py", 1)]
    assert result.findings[0].severity == "warning" and result.errors == []


def test_existing_cycle_is_not_reported(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/a.py": "import pkg.b\n", "pkg/b.py": "import pkg.a\nX = 1\n"})
    repo.commit()
    repo.write("pkg/b.py", "import pkg.a\nX = 2\n")
    repo.stage()
    assert rules(repo.check(["pkg/b.py"])) == []


def test_function_level_import_does_not_make_a_cycle(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/a.py": "import pkg.b\n", "pkg/b.py": "X = 1\n"})
    repo.commit()
    repo.write("pkg/b.py", "def f():\n    import pkg.a\nX = 1\n")
    repo.stage()
    assert rules(repo.check(["pkg/b.py"])) == []


def test_change_since_a_base_commit(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "feature")
    repo.git("rm", "-q", "pkg/helpers.py")
    repo.write("pkg/mail.py", "def send_email(to, subject):\n    return 1\n")
    repo.commit("move helpers")
    result = run_check(repo.root, None, base=base)
    assert rules(result) == [("missing-module", "app.py", 1)]
    proc = repo.cli("check", "--base", base, "--format", "json")
    assert proc.returncode == 1 and '"missing-module"' in proc.stdout
    assert repo.cli("check", "--base", "no-such-ref").returncode == 2


# -- pre-push: the pushed range, judged on the pushed commit's tree ---------------------------------------
def _push_env(**refs: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT")}
    return {**env, "NO_COLOR": "1", **refs}


def _cli(repo: Repo, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "check", *args], cwd=repo.root, env=env,
                          capture_output=True, text=True)


def test_pushed_range_is_judged_on_the_pushed_tree(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    good = repo.git("rev-parse", "HEAD").strip()
    repo.write("pkg/helpers.py", "def other():\n    return 2\n")
    repo.commit("drop send_email")
    bad = repo.git("rev-parse", "HEAD").strip()
    # the index and the working tree are fine again; the pushed commit is not
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"])
    repo.stage()
    assert repo.cli("check").returncode == 0
    proc = _cli(repo, _push_env(PRE_COMMIT_FROM_REF=good, PRE_COMMIT_TO_REF=bad), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert '"missing-symbol"' in proc.stdout and '"app.py"' in proc.stdout
    result = run_check(repo.root, None, pushed=Pushed(good, bad))
    assert rules(result) == [("missing-symbol", "app.py", 1)]
    proc = _cli(repo, _push_env(PRE_COMMIT_FROM_REF=good, PRE_COMMIT_TO_REF=good))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_new_branch_is_checked_from_its_first_unpushed_commit(repo: Repo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.files(BASE)
    repo.commit()
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("pkg/helpers.py", "def other():\n    return 2\n")
    repo.commit("drop send_email")
    repo.write("notes.py", "x = 1\n")
    repo.commit("unrelated")
    tip = repo.git("rev-parse", "HEAD").strip()
    proc = _cli(repo, _push_env(PRE_COMMIT_FROM_REF="0" * 40, PRE_COMMIT_TO_REF=tip))
    assert proc.returncode == 1 and "app.py:1:1: error [missing-symbol]" in proc.stdout, proc.stdout + proc.stderr


def test_history_the_remote_lacks_is_checked_in_full(repo: Repo) -> None:
    repo.files({**BASE, "pkg/helpers.py": "def other():\n    return 2\n"})
    repo.commit()
    env = _push_env(PRE_COMMIT_LOCAL_BRANCH="refs/heads/main", PRE_COMMIT_REMOTE_BRANCH="refs/heads/main",
                    PRE_COMMIT_REMOTE_NAME="origin", PRE_COMMIT_REMOTE_URL="x")
    proc = _cli(repo, env)
    assert proc.returncode == 1 and "app.py:1:1: error [missing-symbol]" in proc.stdout, proc.stdout + proc.stderr


def test_unknown_pushed_ref_is_a_usage_error(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    proc = _cli(repo, _push_env(PRE_COMMIT_FROM_REF="1" * 40, PRE_COMMIT_TO_REF="HEAD"))
    assert proc.returncode == 2 and "PRE_COMMIT_FROM_REF" in proc.stderr and "Traceback" not in proc.stderr
