"""The JSON contract of DESIGN.md: {"findings": [...], "stats": {...}}, plus "not_checked" and "notes" only
when there are some."""

from __future__ import annotations

import json

from bot.gate.result import CheckResult

_STATS = ("files_checked", "files_parsed", "seconds")


def render_json(result: CheckResult) -> str:
    stats = {k: result.stats.get(k, 0) for k in _STATS}
    stats["seconds"] = round(float(stats["seconds"]), 3)
    doc: dict[str, object] = {"findings": [f.to_json() for f in result.findings], "stats": stats}
    if result.not_checked:  # files the rules could not judge, never silently passed
        doc["not_checked"] = [n.to_json() for n in result.not_checked]
    if result.notes:
        doc["notes"] = list(result.notes)
    return json.dumps(doc, ensure_ascii=False) + "\n"
