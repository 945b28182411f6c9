"""GitHub workflow commands: `::error file=...,line=...,col=...,endLine=...,title=...::message`."""

from __future__ import annotations

from bot.gate.findings import Finding
from bot.gate.result import CheckResult


def escape_data(text: str) -> str:
    """Escape a workflow command's message (what follows `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (also `:` and `,`, which delimit properties)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    level = "error" if f.severity == "error" else "warning"
    props = {"file": f.path, "line": str(f.line), "col": str(f.col + 1), "endLine": str(f.end_line),
             "title": f"yantra {f.rule}"}
    rendered = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    message = f.message + (f" ({f.suggestion})" if f.suggestion else "")
    return f"::{level} {rendered}::{escape_data(message)}"


def render_github(result: CheckResult) -> str:
    lines = [annotation(f) for f in result.findings]
    lines.extend(f"::notice file={escape_property(n.path)},title=yantra not checked::"
                 f"{escape_data(f'not checked by the cross-file rules ({n.reason})')}" for n in result.not_checked)
    lines.extend(f"::notice title=yantra::{escape_data(n)}" for n in result.notes)
    n_err, n_warn = len(result.errors), len(result.warnings)
    lines.append(f"yantra: {n_err} error(s), {n_warn} warning(s) in "
                 f"{int(result.stats.get('files_checked', 0))} checked file(s)")
    return "\n".join(lines) + "\n"
