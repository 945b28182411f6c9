"""`yantra check` through the real entry point (`python -m bot`): exit codes, output, robustness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.gate_repo import Repo


def test_exit_codes_and_json_on_stdout_only(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/m.py": "def f():\n    pass\n", "app.py": "from pkg.m import f\n"})
    repo.commit()
    ok = repo.cli("check", "--all", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["findings"] == []
    repo.write("pkg/m.py", "def g():\n    pass\n")
    repo.stage()
    bad = repo.cli("check", "--format", "json", "pkg/m.py")
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert set(doc) == {"findings", "stats"}
    assert set(doc["stats"]) == {"files_checked", "files_parsed", "seconds"}
    assert doc["findings"][0]["path"] == "app.py" and doc["findings"][0]["rule"] == "missing-symbol"


def test_warnings_do_not_fail(repo: Repo) -> None:
    repo.files({"a.py": "print(nope)\n", "pyproject.toml": '[tool.yantra.severity]\nundefined-name = "warning"\n'})
    repo.stage()  # --all judges the index
    proc = repo.cli("check", "--all")
    assert proc.returncode == 0 and "a.py:1:7: warning [undefined-name]" in proc.stdout


def test_usage_errors_exit_2_without_traceback(repo: Repo, tmp_path: Path) -> None:
    for args in (["check", "--all", "a.py"], ["check", "--format", "xml"], ["check", "--repo", str(tmp_path / "no")]):
        proc = repo.cli(*args)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr + proc.stdout


def test_bad_config_exits_2_with_message(repo: Repo) -> None:
    repo.files({"a.py": "x = 1\n", "pyproject.toml": "[tool.yantra]\nbogus = 1\n"})
    repo.stage()  # the commit's configuration is the staged one
    proc = repo.cli("check", "--all")
    assert proc.returncode == 2 and "bogus" in proc.stderr and "Traceback" not in proc.stderr


def test_not_a_git_repository_checks_the_given_files(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.py").write_text("def f(:\n", encoding="utf-8")
    (tmp_path / "plain" / "b.py").write_text("x = 1\n", encoding="utf-8")
    run = [sys.executable, "-m", "bot", "check", "--format", "json"]
    proc = subprocess.run([*run, "b.py"], cwd=tmp_path / "plain", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([*run, "a.py"], cwd=tmp_path / "plain", capture_output=True, text=True)
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"][0]["rule"] == "syntax-error"
    assert not (tmp_path / "plain" / ".git").exists()


def test_output_file_and_repo_option(repo: Repo, tmp_path: Path) -> None:
    repo.files({"a.py": "def f(:\n"})
    repo.stage()  # --all judges the index
    out = tmp_path / "report.sarif"
    proc = repo.cli("check", "--all", "--format", "sarif", "--repo", str(repo.root), "--output", str(out),
                    cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_hostile_files_never_crash(repo: Repo) -> None:
    (repo.root / "rand_bytes.py").write_bytes(bytes(range(256)) * 100)
    (repo.root / "latin.py").write_bytes(b"x = '\xe9'\n")
    (repo.root / "nul.py").write_bytes(b"x = 1\0\n")
    (repo.root / "deep.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (repo.root / "big.py").write_text("x = 1\n" * 1_700_000, encoding="utf-8")
    repo.stage()  # --all judges the index
    proc = repo.cli("check", "--all", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout, proc.stderr
    found = {(f["path"], f["rule"]) for f in json.loads(proc.stdout)["findings"]}
    assert found == {("rand_bytes.py", "syntax-error"), ("latin.py", "syntax-error"), ("nul.py", "syntax-error"),
                     ("deep.py", "syntax-error")}


def test_check_help_imports_nothing_heavy() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", "check", "--help"],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    heavy = {"anthropic", "semgrep", "tiktoken", "torch", "github", "git", "detect_secrets", "networkx",
             "tree_sitter", "yaml", "jsonschema", "httpx", "requests"}
    assert imported & heavy == set()
