"""`yantra check` through the real entry point (`python -m bot`): exit codes, output, robustness."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
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
    # 10 MB, five times the extraction cap, valid: mostly comment lines, which CPython's syntax check reads
    # ~100x faster than 1.7 million statements (the size is the point here, not the statement count)
    (repo.root / "big.py").write_text("x = 1\n" * 20_000 + ("# " + "y" * 78 + "\n") * 128_000, encoding="utf-8")
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


HOOK_LAZY = {"click", "bot.cli_commands", "bot.commands.check", "bot.errors_handler", "platform", "traceback"}
HEAVY = {"anthropic", "semgrep", "tiktoken", "torch", "github", "detect_secrets", "networkx", "yaml", "jsonschema",
         "httpx", "requests", "pathspec", "bot.pipeline", "bot.llm", "bot.context", "bot.scan"}


def _imported(stderr: str) -> set[str]:
    names = {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}
    return names | {n.split(".")[0] for n in names}


def test_hook_path_imports_neither_click_nor_anything_heavy(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/m.py": "def f(a):\n    return a\n", "app.py": "from pkg.m import f\nf(1)\n"})
    repo.commit()
    repo.write("pkg/m.py", "def f(a, b):\n    return a\n")  # re-signed: its importer is checked too
    repo.stage()
    for args in (["check"], ["check", "--format", "json", "pkg/m.py"], ["check", "--format=json", "--", "pkg/m.py"]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", *args], cwd=repo.root,
                              capture_output=True, text=True)
        assert proc.returncode == 1, proc.stderr[-2000:]
        imported = _imported(proc.stderr)
        assert imported & (HOOK_LAZY | HEAVY) == set(), args
        assert "bot.gate" in imported
        assert "tree_sitter" in imported or args != ["check"]  # (the first run parsed the staged file)


def test_check_all_imports_packaging_only_to_read_a_declaration(repo: Repo) -> None:
    """`check --all` lists the requirements files for its findings cache (`bot.gate.metadata`); `packaging` (with
    the `platform` and `sysconfig` its markers and tags import) comes only when a declaration is read, and no
    import here is third-party."""
    repo.files({"pkg/__init__.py": "", "pkg/m.py": "def f(a):\n    return a\n", "app.py": "from pkg.m import f\nf(1)\n",
                "requirements.txt": "requests>=2\n"})
    repo.commit()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", "check", "--all"], cwd=repo.root,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = _imported(proc.stderr)
    assert "bot.gate.metadata" in imported
    assert imported & {"packaging", "platform", "sysconfig"} == set()


def _untimed(report: str) -> str:
    return re.sub(r"\(\d+\.\d+s\)|\"seconds\": [\d.]+", "<time>", report)


def test_hook_path_and_click_say_the_same(repo: Repo) -> None:
    """The hook's command line (parsed without click) and the same check through click (`--repo .` is parsed by
    click only): the same output, messages and exit codes."""
    repo.files({"pkg/__init__.py": "", "pkg/m.py": "def f(a):\n    return a\n", "app.py": "from pkg.m import f\nf(1)\n"})
    repo.commit()
    repo.write("pkg/m.py", "def f(a, b):\n    return a\n")
    repo.stage()

    def both(*args: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
        return repo.cli("check", *args), repo.cli("check", "--repo", ".", *args)

    for args in ((), ("--format", "github"), ("pkg/m.py",), ("--all",), ("--all", "--no-cache")):
        hook, clicked = both(*args)
        assert (hook.returncode, _untimed(hook.stdout), hook.stderr) == (clicked.returncode,
                                                                         _untimed(clicked.stdout), clicked.stderr)
        assert hook.returncode == 1 and "app.py" in hook.stdout
    repo.write("pyproject.toml", "[tool.yantra]\nbogus = 1\n")
    repo.stage()  # the commit's configuration is the staged one
    hook, clicked = both()
    assert hook.returncode == clicked.returncode == 2 and hook.stderr == clicked.stderr and "bogus" in hook.stderr
    hook, clicked = both("--all", "app.py")
    assert hook.returncode == clicked.returncode == 2 and hook.stderr == clicked.stderr


@pytest.mark.parametrize("args", [
    ["check"], ["check", "--all"], ["check", "--all", "--all"], ["check", "--no-cache", "--all"],
    ["check", "--format", "json", "a.py"], ["check", "a.py", "--format", "json"], ["check", "--format=sarif"],
    ["check", "--format", "github", "--format", "text"], ["check", "--format", "xml"], ["check", "--format"],
    ["check", "--format", "--all"], ["check", "--base", "HEAD~1"], ["check", "--base=main", "a.py"],
    ["check", "--base", "--all"], ["check", "--base"], ["check", "--base="], ["check", "--", "-odd.py", "--all"],
    ["check", "a.py", "--", "--format"], ["check", "--", "--"], ["check", "-"], ["check", "-h"], ["check", "--help"],
    ["check", "--al"], ["check", "--all=1"], ["check", "--no-cache=yes"], ["check", "--repo", "."],
    ["check", "--output", "x"], ["check", "-x"], ["check", "--unknown"], ["check", "unreadable.py"],
    ["check", "sub"], ["graph", "stats"], ["--version"], [],
])
def test_hook_arguments_are_what_click_parses(args: list[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`check_run.hook_args` gives exactly the values click's `check` command parses, or None (then click parses
    the command line itself, with its own messages); never a value click would refuse."""
    import click

    from bot.commands.check import check
    from bot.commands.check_run import hook_args

    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "unreadable.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "unreadable.py").chmod(0)
    fast = hook_args(args)
    if args[:1] != ["check"]:
        assert fast is None
        return
    try:
        with check.make_context("check", list(args[1:])) as ctx:
            parsed = dict(ctx.params)
    except click.exceptions.Exit:  # --help
        parsed = None
    except click.ClickException:
        parsed = None
    if parsed is None:
        assert fast is None
        return
    if fast is None:  # left to click: only what the hook path does not parse
        assert any(a in args for a in ("--repo", "--output", "-", "unreadable.py")) or os.geteuid() == 0, args
        return
    assert {**parsed, "paths": tuple(parsed["paths"])} == {"repo": None, "output": None, "all_files": False,
                                                           "fmt": "text", "base": None, "no_cache": False, **fast}
