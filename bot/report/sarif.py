"""SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from bot import __version__
from bot.gate.findings import RULES, Finding
from bot.gate.result import CheckResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

DESCRIPTIONS = {
    "syntax-error": "CPython rejects the file for the project's target Python version",
    "undefined-name": "A name used in a file is bound nowhere",
    "missing-module": "An import of a repository module that does not exist",
    "missing-symbol": "A name imported from a repository module is not defined there",
    "missing-attribute": "An attribute of a repository module that does not exist",
    "missing-member": "An attribute of a repository class (or its instance) that no class in its MRO provides",
    "arity-mismatch": "A call to a repository function or class that its signature cannot accept",
    "import-cycle": "A module-level import cycle introduced by the change",
    "undeclared-dependency": "A third-party import not declared in the project's metadata",
}


def render_sarif(result: CheckResult) -> str:
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(result)]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _run(result: CheckResult) -> dict[str, Any]:
    rule_ids = list(RULES)
    driver = {"name": "yantra", "version": __version__, "informationUri": "https://github.com/yantra-dev/yantra",
              "rules": [_rule(r) for r in rule_ids]}
    return {"tool": {"driver": driver}, "columnKind": "utf16CodeUnits",
            "results": [_result(f, rule_ids) for f in result.findings]}


def _rule(rule: str) -> dict[str, Any]:
    return {"id": rule, "name": rule, "shortDescription": {"text": DESCRIPTIONS.get(rule, rule)},
            "defaultConfiguration": {"level": _level(RULES[rule])}}


def _level(severity: str) -> str:
    return "error" if severity == "error" else "warning"


def _result(f: Finding, rule_ids: list[str]) -> dict[str, Any]:
    text = f.message + (f" ({f.suggestion})" if f.suggestion else "")
    region = {"startLine": max(f.line, 1), "startColumn": f.col + 1, "endLine": max(f.end_line, f.line, 1)}
    out: dict[str, Any] = {
        "ruleId": f.rule, "level": _level(f.severity), "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": quote(f.path), "uriBaseId": "%SRCROOT%"},
                                            "region": region}}],
    }
    if f.rule in rule_ids:
        out["ruleIndex"] = rule_ids.index(f.rule)
    return out
