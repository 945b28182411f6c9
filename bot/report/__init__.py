"""Render a gate result for people (text), programs (json), code scanning (sarif) and workflows (github)."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import UsageError
from bot.gate.result import CheckResult

FORMATS = ("text", "json", "sarif", "github")


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """The whole output for `fmt`, ending with a newline. `color` only matters for text."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "text":
        from bot.report.text import render_text

        return render_text(result, color=color)
    return _renderer(fmt)(result)


def _renderer(fmt: str) -> Callable[[CheckResult], str]:
    """The renderer of `fmt` (not text), its module imported alone (the hook's run needs one format)."""
    if fmt == "json":
        from bot.report.json_format import render_json

        return render_json
    if fmt == "sarif":
        from bot.report.sarif import render_sarif

        return render_sarif
    from bot.report.github import render_github

    return render_github


__all__ = ["FORMATS", "render"]
