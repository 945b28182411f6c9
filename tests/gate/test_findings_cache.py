"""The findings cache of `check --all` (`bot.gate.findings_cache`): a warm run serves unchanged files, and any
change a file's judgement could see (a dependency's interface, a re-export two hops away, the configuration,
the declared dependencies on disk, Yantra's version) re-judges it; a damaged entry is judged again.

Every warm result is compared with a run that judges every file (`findings_cache=False`, `--no-cache`), the truth."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from support.gate_repo import Repo, rules

from bot.config import load_config
from bot.gate import CheckResult, run_check
from bot.gate.check import open_repository_graph
from bot.gate.findings_cache import open_cache
from bot.graph.snapshot import Source

PKG = {
    "pkg/__init__.py": "from pkg.mid import shout\n",
    "pkg/mid.py": "from pkg.impl import shout\n",
    "pkg/impl.py": "def shout(text, times=1):\n    return text * times\n",
    "pkg/helpers.py": "def greet(name):\n    return 'hi ' + name\n\n\ndef other():\n    return 1\n",
    "app.py": "from pkg import shout\nfrom pkg.helpers import greet\n\nprint(shout('a'), greet('b'))\n",
    "broken.py": "from pkg.helpers import nowhere\n",
}


def warm(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    """`check --all` with the cache, asserted equal to the same check judging every file."""
    cached = repo.check(all_files=True)
    truth = run_check(repo.root, all_files=True, findings_cache=False)
    assert cached.findings == truth.findings
    assert truth.stats["files_cached"] == 0
    return cached


def test_unchanged_repository_is_served_from_the_cache(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    first = repo.check(all_files=True)
    assert first.stats["files_cached"] == 0
    second = warm(repo, monkeypatch)
    assert second.stats["files_cached"] == second.stats["files_checked"] == len(PKG)
    assert rules(second) == rules(first) == [("missing-symbol", "broken.py", 1)]


def test_a_body_edit_rejudges_only_the_edited_file(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    repo.check(all_files=True)
    repo.write("pkg/helpers.py", "def greet(name):\n    return 'hello ' + name.strip()\n\n\ndef other():\n"
                                 "    return 1\n")
    result = warm(repo, monkeypatch)
    assert result.stats["files_cached"] == len(PKG) - 1
    assert rules(result) == [("missing-symbol", "broken.py", 1)]


def test_a_removed_definition_reports_its_unchanged_importer(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    repo.check(all_files=True)
    repo.write("pkg/helpers.py", "def other():\n    return 1\n")
    assert ("missing-symbol", "app.py", 2) in rules(warm(repo, monkeypatch))
    repo.write("pkg/helpers.py", "def greet(name):\n    return name\n\n\ndef nowhere():\n    pass\n")
    assert rules(warm(repo, monkeypatch)) == []


def test_a_new_signature_reports_the_unchanged_caller(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    repo.check(all_files=True)
    repo.write("pkg/helpers.py", "def greet():\n    return 'hi'\n\n\ndef other():\n    return 1\n")
    assert ("arity-mismatch", "app.py", 4) in rules(warm(repo, monkeypatch))


def test_a_re_export_removed_two_hops_away(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    assert rules(repo.check(all_files=True)) == [("missing-symbol", "broken.py", 1)]
    repo.write("pkg/impl.py", "def whisper(text):\n    return text\n")  # pkg.mid re-exported shout from here
    result = warm(repo, monkeypatch)
    assert ("missing-symbol", "pkg/mid.py", 1) in rules(result)
    assert result.stats["files_cached"] < len(PKG) - 1  # the interface changed: the dependents were re-judged


def test_a_deleted_module_reports_its_importer(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    repo.check(all_files=True)
    (repo.root / "pkg/helpers.py").unlink()
    assert ("missing-module", "app.py", 2) in rules(warm(repo, monkeypatch))


def test_a_damaged_entry_is_judged_again(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.files(PKG)
    repo.check(all_files=True)
    db = repo.root / ".git" / "yantra" / "graph.sqlite"
    with sqlite3.connect(db) as conn:
        (data,) = conn.execute("SELECT data FROM findings WHERE path = 'broken.py'").fetchone()
        damaged = bytes(data[:-1]) + bytes([data[-1] ^ 0xFF])
        conn.execute("UPDATE findings SET data = ? WHERE path = 'broken.py'", (damaged,))
    result = warm(repo, monkeypatch)
    assert result.stats["files_cached"] == len(PKG) - 1
    assert rules(result) == [("missing-symbol", "broken.py", 1)]


def test_another_yantra_version_serves_nothing(repo: Repo) -> None:
    repo.files(PKG)
    repo.check(all_files=True)
    config = load_config(repo.root)
    graph = open_repository_graph(repo.root, config)
    try:
        same, other = open_cache(graph, config), open_cache(graph, config, version="0.0.0-other")
        assert same is not None and other is not None
        assert set(same.lookup(graph.files())) == set(PKG)
        assert other.lookup(graph.files()) == {}
    finally:
        graph.close()


def _cli_rules(repo: Repo) -> list[tuple[str, str]]:
    proc = repo.cli("check", "--all", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return [(f["rule"], f["path"]) for f in json.loads(proc.stdout)["findings"]]


def test_configuration_and_declared_dependencies_rejudge(repo: Repo) -> None:
    """Through the CLI (a process per run, as a user runs it): the project's metadata is read once per process."""
    repo.files({"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = []\n',
                "x/__init__.py": "", "x/core.py": "import yaml\n"})
    repo.stage()
    assert _cli_rules(repo) == [("undeclared-dependency", "x/core.py")]
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndependencies = ["PyYAML"]\n')
    repo.stage()
    assert _cli_rules(repo) == []
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndependencies = []\n')
    repo.stage()
    assert _cli_rules(repo) == [("undeclared-dependency", "x/core.py")]
    repo.write("requirements.txt", "PyYAML\n")  # untracked: not part of the commit, declares nothing
    assert _cli_rules(repo) == [("undeclared-dependency", "x/core.py")]
    repo.stage()
    assert _cli_rules(repo) == []
    repo.write("requirements.txt", "")
    repo.stage()
    proc = repo.cli("check", "--all", "--no-cache", "--format", "json")
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["undeclared-dependency"]


def test_a_judgement_that_skipped_a_file_is_not_kept(repo: Repo) -> None:
    """A FIFO where the build configuration should be: the run notes the skip (and stays silent); a cached run
    would lose the note, so that judgement is never kept."""
    repo.files({"pkg/__init__.py": "", "app.py": "import pkg.nothere\n"})
    os.mkfifo(repo.root / "setup.py")
    for _ in range(2):
        result = repo.check(all_files=True)
        assert rules(result) == []
        assert any("setup.py" in note and "FIFO" in note for note in result.notes), result.notes
        assert result.stats["files_cached"] == 0


def test_moved_definitions_rejudge_only_the_files_with_findings(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines added above `greet`: no clean file is judged again, the finding quoting `helpers.py:1` is."""
    repo.files({**PKG, "bad_call.py": "from pkg.helpers import greet\n\ngreet()\n"})
    first = repo.check(all_files=True)
    assert [f.suggestion for f in first.findings if f.rule == "arity-mismatch"] == [
        "signature: `greet(name)` in pkg/helpers.py:1"]
    repo.write("pkg/helpers.py", "# greetings\n\n\ndef greet(name):\n    return 'hi ' + name\n\n\ndef other():\n"
                                 "    return 1\n")
    result = warm(repo, monkeypatch)
    assert [f.suggestion for f in result.findings if f.rule == "arity-mismatch"] == [
        "signature: `greet(name)` in pkg/helpers.py:4"]
    assert result.stats["files_cached"] == len(PKG) + 1 - 3  # helpers.py, bad_call.py and broken.py judged


def warm_index(root: Path) -> CheckResult:
    """`check --all` in pre-commit mode (the index) with the cache, asserted equal to the same check judging
    every file."""
    cached = run_check(root, all_files=True, source=Source.INDEX)
    truth = run_check(root, all_files=True, source=Source.INDEX, findings_cache=False)
    assert cached.findings == truth.findings
    return cached


def test_a_requirements_file_removed_from_the_index_only_rejudges(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = []\n',
                "requirements.txt": "PyYAML\n", "x/__init__.py": "", "x/core.py": "import yaml\n"})
    repo.stage()
    assert rules(warm_index(repo.root)) == []
    repo.git("rm", "-q", "--cached", "requirements.txt")  # the working tree is exactly as it was
    assert rules(warm_index(repo.root)) == [("undeclared-dependency", "x/core.py", 1)]
    repo.git("add", "requirements.txt")
    assert rules(warm_index(repo.root)) == []


GENERATED = {"pkg/__init__.py": "", "app.py": "from pkg import _gen\n"}  # pkg/_gen.py: written by a build


def test_core_excludes_file_rejudges(repo: Repo, tmp_path: Path) -> None:
    """A module git ignores is generated (silent); the same name not ignored is missing. `core.excludesFile`
    decides, and a same-size edit of it within the same second is seen (content digest of a recent file)."""
    repo.files(GENERATED)
    repo.stage()
    excludes = tmp_path / "global-ignore"
    excludes.write_text("_gen.py\n", encoding="utf-8")
    repo.git("config", "core.excludesFile", str(excludes))
    assert rules(warm_index(repo.root)) == []
    excludes.write_text("_xyz.py\n", encoding="utf-8")
    assert rules(warm_index(repo.root)) == [("missing-symbol", "app.py", 1)]
    excludes.write_text("_gen.py\n", encoding="utf-8")
    assert rules(warm_index(repo.root)) == []
    repo.git("config", "--unset", "core.excludesFile")
    assert rules(warm_index(repo.root)) == [("missing-symbol", "app.py", 1)]


def test_info_exclude_of_a_linked_worktree_rejudges(repo: Repo, tmp_path: Path) -> None:
    """A linked worktree's `.git` is a file; git reads `info/exclude` of the common git directory."""
    repo.files(GENERATED)
    repo.commit()
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    assert rules(warm_index(linked)) == [("missing-symbol", "app.py", 1)]
    exclude = repo.root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(exist_ok=True)
    exclude.write_text("_gen.py\n", encoding="utf-8")
    assert rules(warm_index(linked)) == []
    exclude.write_text("\n", encoding="utf-8")
    assert rules(warm_index(linked)) == [("missing-symbol", "app.py", 1)]


def test_the_python_version_setting_rejudges(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[tool.yantra]\npython-version = "3.8"\n',
                "app.py": "def f(x):\n    match x:\n        case 1:\n            return 1\n"})
    repo.stage()
    assert rules(warm_index(repo.root)) == [("syntax-error", "app.py", 4)]
    repo.write("pyproject.toml", '[tool.yantra]\npython-version = "3.10"\n')
    assert rules(warm_index(repo.root)) == [("syntax-error", "app.py", 4)]  # not staged: not the commit's
    repo.stage()
    assert rules(warm_index(repo.root)) == []
    repo.write("pyproject.toml", '[tool.yantra]\npython-version = "3.8"\n')
    repo.stage()
    assert rules(warm_index(repo.root)) == [("syntax-error", "app.py", 4)]
