"""Render a gate result for people (text), programs (json), code scanning (sarif) and workflows (github)."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import UsageError
from bot.gate.result import CheckResult

FORMATS = ("text", "json", "sarif", "github")


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """The whole output for `fmt`, ending with a newline. `color` only matters for text."""
    renderer = _renderers().get(fmt)
    if renderer is None:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "text":
        from bot.report.text import render_text

        return render_text(result, color=color)
    return renderer(result)


def _renderers() -> dict[str, Callable[[CheckResult], str]]:
    from bot.report.github import render_github
    from bot.report.json_format import render_json
    from bot.report.sarif import render_sarif
    from bot.report.text import render_text

    return {"text": render_text, "json": render_json, "sarif": render_sarif, "github": render_github}


__all__ = ["FORMATS", "render"]
