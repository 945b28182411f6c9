"""The JSON contract of DESIGN.md: {"findings": [...], "stats": {...}} and nothing else."""

from __future__ import annotations

import json

from bot.gate.result import CheckResult

_STATS = ("files_checked", "files_parsed", "seconds")


def render_json(result: CheckResult) -> str:
    stats = {k: result.stats.get(k, 0) for k in _STATS}
    stats["seconds"] = round(float(stats["seconds"]), 3)
    doc = {"findings": [f.to_json() for f in result.findings], "stats": stats}
    return json.dumps(doc, ensure_ascii=False) + "\n"
