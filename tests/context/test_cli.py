import json
from pathlib import Path

from bot.cli import main


def test_context_command_prints_text_and_accounting(repo: Path, capsys):
    assert main(["context", "clamp", "--budget", "1000", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "def clamp(x: int, *, limit: int = LIMIT) -> int:" in out
    assert "Token accounting for clamp (cl100k_base, exact):" in out
    assert "| 1 full code | 400 |" in out


def test_context_command_json_and_failure_file(repo: Path, failure: str, tmp_path: Path, capsys):
    failure_file = tmp_path / "failure.txt"
    failure_file.write_text(failure)
    code = main(["context", "tests/test_core.py::test_add", "--repo", str(repo), "--budget", "800",
                 "--failure-file", str(failure_file), "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["budget"] == 800 and data["level_budgets"] == [320, 240, 240]
    assert [s["symbol"] for s in data["sections"][:2]] == ["test_add", "add"]
    assert data["tokens"] <= 560


def test_context_command_paths_relative_to_cwd_and_default_budget(repo: Path, capsys, monkeypatch):
    monkeypatch.chdir(repo / "calc")
    assert main(["context", "util.py"]) == 0
    out = capsys.readouterr().out
    assert "# ---- calc/util.py:1-" in out
    assert "| total | 12000 |" in out


def test_context_command_unknown_target(repo: Path, capsys):
    assert main(["context", "clamb", "--repo", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "unknown target 'clamb'" in err and "did you mean: clamp" in err
    assert "Traceback" not in err


def test_context_command_missing_failure_file(repo: Path, capsys):
    assert main(["context", "clamp", "--repo", str(repo), "--failure-file", str(repo / "nope.txt")]) == 2
    assert "--failure-file" in capsys.readouterr().err


def test_node_id_with_colons_inside_its_parameter(repo: Path, capsys):
    """`test_u[[::1]]`: the `::` inside the parameter id is not a node id separator."""
    assert main(["context", "tests/test_core.py::test_add[[::1]]", "--repo", str(repo), "--budget", "600",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target"] == "tests/test_core.py::test_add[[::1]]"
    assert data["sections"][0]["symbol"] == "test_add"


def test_json_reports_why_and_what_was_dropped(repo: Path, failure: str, tmp_path: Path, capsys):
    failure_file = tmp_path / "failure.txt"
    failure_file.write_text(failure)
    assert main(["context", "tests/test_core.py::test_add", "--repo", str(repo), "--budget", "160",
                 "--failure-file", str(failure_file), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["sections"][0]
    assert first["form"] == "full" and "target" in first["signals"] and first["tokens"] > 0
    assert data["dropped"], "a 160-token budget cannot hold everything"
    shown = {(s["path"], s["symbol"]) for s in data["sections"]}
    for dropped in data["dropped"]:
        assert {"path", "symbol", "rank", "reason"} <= dropped.keys()
        assert (dropped["path"], dropped["symbol"]) not in shown


def test_changed_paths_rank_their_definitions(repo: Path, capsys):
    assert main(["context", "tests/test_core.py::test_add", "--repo", str(repo), "--budget", "3000",
                 "--changed", "calc/fmt.py", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    render = next(s for s in data["sections"] if s["symbol"] == "render")
    assert "changed" in render["signals"]
