from __future__ import annotations

import pytest
from scan.test_deps import write_db
from support.gitrepo import git

from bot.scan.results import high_findings, unchecked
from bot.scan.security import run_security

BEFORE = {
    "app/db.py": '''\
import sqlite3


def legacy(conn: sqlite3.Connection, code: str):
    return eval(code)
''',
    "requirements.txt": "django==3.2.1\n",
}

AFTER_DB = '''\
"""Database helpers."""
import sqlite3

AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"


def legacy(conn: sqlite3.Connection, code: str):
    return eval(code)


def find_user(conn: sqlite3.Connection, name: str):
    return conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
'''


@pytest.fixture
def change(tmp_path):
    """A repository with a commit (the baseline) and an uncommitted change; returns (root, baseline, diff)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    for rel, text in BEFORE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base")
    baseline = tmp_path / "baseline"
    git(root, "worktree", "add", "-q", "--detach", str(baseline), "HEAD")
    (root / "app/db.py").write_text(AFTER_DB)
    return root, baseline, git(root, "diff", "HEAD")


def by_scanner(results):
    return {r.scanner: r for r in results}


def test_all_three_scanners_report_new_problems(change, tmp_path):
    root, baseline, diff = change
    results = by_scanner(run_security(root, ["app/db.py", "README.md"], diff, baseline_root=baseline,
                                      safety_db=write_db(tmp_path / "db")))
    assert list(results) == ["semgrep", "secrets", "safety"]
    assert all(r.status == "ok" for r in results.values()), [r.reason for r in results.values()]
    # the old eval() is not new; the f-string SQL and the hard-coded key are
    assert [(f.rule, f.line) for f in results["semgrep"].findings] == [("sql-injection-string-building", 12)]
    assert "1 finding(s) already present" in results["semgrep"].reason
    assert [(f.path, f.line) for f in results["secrets"].findings] == [("app/db.py", 4)]
    # the vulnerable pin was there before the change: not new
    assert results["safety"].findings == ()
    assert "already present" in results["safety"].reason
    assert {f.rule for f in high_findings(results.values())} >= {"sql-injection-string-building"}


def test_without_baseline_everything_is_reported(change, tmp_path):
    root, _, diff = change
    results = by_scanner(run_security(root, ["app/db.py"], diff, safety_db=write_db(tmp_path / "db")))
    assert {f.rule for f in results["semgrep"].findings} >= {"eval-exec-non-literal",
                                                             "sql-injection-string-building"}
    assert [f.rule for f in results["safety"].findings] == ["59293"]


def test_one_scanner_failing_does_not_stop_the_others(change, monkeypatch):
    root, baseline, diff = change
    monkeypatch.delenv("YANTRA_SAFETY_DB", raising=False)
    results = by_scanner(run_security(root, ["app/db.py"], diff, baseline_root=baseline,
                                      semgrep_executable=str(root / "no-semgrep-here")))
    assert results["semgrep"].status == "not-checked"
    assert results["safety"].status == "not-checked"
    assert results["secrets"].status == "ok"
    assert len(results["secrets"].findings) == 1
    assert [r.scanner for r in unchecked(results.values())] == ["semgrep", "safety"]


def test_new_vulnerable_pin_is_reported_against_baseline(change, tmp_path):
    root, baseline, _ = change
    (root / "requirements.txt").write_text("django==3.2.1\npyyaml==5.3\n")
    diff = git(root, "diff", "HEAD")
    results = by_scanner(run_security(root, ["requirements.txt"], diff, baseline_root=baseline,
                                      safety_db=write_db(tmp_path / "db")))
    assert [(f.rule, f.line) for f in results["safety"].findings] == [("39611", 2)]
    assert results["semgrep"].status == "ok"  # every changed file goes to semgrep, which names what it cannot read
    assert results["semgrep"].reason == "not analysed (no semgrep rules for their type): requirements.txt"


def test_files_missing_from_the_baseline_have_only_new_findings(change, tmp_path):
    root, baseline, diff = change
    (baseline / "app/db.py").unlink()
    results = by_scanner(run_security(root, ["app/db.py"], diff, baseline_root=baseline))
    assert {f.rule for f in results["semgrep"].findings} == {"eval-exec-non-literal",
                                                             "sql-injection-string-building"}
