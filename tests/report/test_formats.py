"""Every output format of `bot.report.render`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bot.errors import UsageError
from bot.gate import CheckResult, Finding
from bot.gate.findings import RULES
from bot.report import render
from bot.report.github import escape_data, escape_property

SCHEMA = json.loads((Path(__file__).parent / "sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))

FINDINGS = [
    Finding("missing-symbol", "error", "src/app.py", 3, 0, 3, "cannot import `x` from `pkg.m`",
            "did you mean `y`?"),
    Finding("import-cycle", "warning", "dir with space/módulo.py", 1, 4, 2, "cycle: a -> b -> a"),
]
RESULT = CheckResult(FINDINGS, {"files_checked": 12, "files_parsed": 1, "seconds": 0.0834})
CLEAN = CheckResult([], {"files_checked": 3, "files_parsed": 0, "seconds": 0.01})


def test_json_is_exactly_the_contract() -> None:
    doc = json.loads(render(RESULT, "json"))
    assert doc == {
        "findings": [
            {"rule": "missing-symbol", "severity": "error", "path": "src/app.py", "line": 3, "col": 0,
             "end_line": 3, "message": "cannot import `x` from `pkg.m`", "suggestion": "did you mean `y`?"},
            {"rule": "import-cycle", "severity": "warning", "path": "dir with space/módulo.py", "line": 1,
             "col": 4, "end_line": 2, "message": "cycle: a -> b -> a", "suggestion": ""},
        ],
        "stats": {"files_checked": 12, "files_parsed": 1, "seconds": 0.083},
    }


def test_text_lines_and_summary() -> None:
    out = render(RESULT, "text")
    lines = out.splitlines()
    assert lines[0] == ("src/app.py:3:1: error [missing-symbol] cannot import `x` from `pkg.m` "
                        "(did you mean `y`?)")
    assert lines[1].startswith("dir with space/módulo.py:1:5: warning [import-cycle]")
    assert lines[-1].startswith("yantra: 1 error(s), 1 warning(s) in 12 checked file(s)")
    assert "\033[" not in out
    assert "\033[" in render(RESULT, "text", color=True)
    assert render(CLEAN, "text").startswith("yantra: no problems in 3 file(s)")


def test_sarif_is_valid_2_1_0() -> None:
    doc = json.loads(render(RESULT, "sarif"))
    jsonschema.validate(doc, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert doc["version"] == "2.1.0" and doc["$schema"].startswith("https://")
    driver = doc["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}["import-cycle"] == "warning"
    first, second = doc["runs"][0]["results"]
    assert first["ruleId"] == "missing-symbol" and first["level"] == "error"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/app.py"
    assert loc["region"] == {"startLine": 3, "startColumn": 1, "endLine": 3}
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir%20with%20space/m%C3%B3dulo.py"
    assert driver["rules"][first["ruleIndex"]]["id"] == "missing-symbol"


def test_sarif_without_findings_is_valid() -> None:
    doc = json.loads(render(CLEAN, "sarif"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["runs"][0]["results"] == []


def test_schema_rejects_a_broken_document() -> None:
    doc = json.loads(render(RESULT, "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_github_annotations() -> None:
    lines = render(RESULT, "github").splitlines()
    assert lines[0] == ("::error file=src/app.py,line=3,col=1,endLine=3,title=yantra missing-symbol::"
                        "cannot import `x` from `pkg.m` (did you mean `y`?)")
    assert lines[1].startswith("::warning file=dir with space/módulo.py,line=1,col=5,endLine=2,")


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%d\n") == "a%2Cb%3Ac%25d%0A"
    f = Finding("syntax-error", "error", "we,ird:name.py", 1, 0, 1, "bad\nthing 100%")
    (line, _) = render(CheckResult([f], {}), "github").splitlines()
    assert line == "::error file=we%2Cird%3Aname.py,line=1,col=1,endLine=1,title=yantra syntax-error::bad%0Athing 100%25"


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        render(RESULT, "xml")


def test_columns_count_characters_and_sarif_counts_utf16_units(tmp_path: Path) -> None:
    from support.gate_repo import make_repo

    repo = make_repo(tmp_path)
    # 3 two-byte characters and one astral character (4 UTF-8 bytes, 2 UTF-16 units) before the name
    repo.files({"app.py": 's = "ééé😀"; x = undefined_thing\n'})
    repo.stage("app.py")
    result = repo.check(all_files=True)
    [finding] = [f for f in result.findings if f.rule == "undefined-name"]
    assert finding.col == 16  # characters, not the 22 UTF-8 bytes
    doc = json.loads(render(result, "sarif"))
    [sarif] = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "undefined-name"]
    assert doc["runs"][0]["columnKind"] == "utf16CodeUnits"
    assert sarif["locations"][0]["physicalLocation"]["region"]["startColumn"] == 18  # 17 units, 1-based
    assert json.loads(render(result, "json"))["findings"][0]["col"] == 16
