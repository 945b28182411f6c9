"""`path:line:col: rule message`, one finding a line, then a summary line."""

from __future__ import annotations

from bot.gate.findings import Finding
from bot.gate.result import CheckResult

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


def render_text(result: CheckResult, *, color: bool = False) -> str:
    lines = [_line(f, color) for f in result.findings]
    lines.extend(f"note: {n}" for n in result.notes)
    lines.extend(f"note: {n.path}: not checked by the cross-file rules ({n.reason})" for n in result.not_checked)
    lines.append(_summary(result, color))
    return "\n".join(lines) + "\n"


def _line(f: Finding, color: bool) -> str:
    where = f"{f.path}:{f.line}:{f.col + 1}:"
    rule = f"{f.severity} [{f.rule}]"
    if color:
        tint = _RED if f.severity == "error" else _YELLOW
        where, rule = f"{_BOLD}{where}{_RESET}", f"{tint}{rule}{_RESET}"
    text = f"{where} {rule} {f.message}"
    if f.suggestion:
        hint = f"({f.suggestion})"
        text += " " + (f"{_DIM}{hint}{_RESET}" if color else hint)
    return text


def _summary(result: CheckResult, color: bool) -> str:
    n_err, n_warn = len(result.errors), len(result.warnings)
    checked = int(result.stats.get("files_checked", 0))
    seconds = float(result.stats.get("seconds", 0.0))
    of = f" of {result.judged}" if result.judged else ""
    if not result.findings:
        text = f"yantra: no problems in {checked} file(s){of} ({seconds:.2f}s)"
    else:
        text = (f"yantra: {n_err} error(s), {n_warn} warning(s) in {checked} checked file(s){of} "
                f"({seconds:.2f}s)")
    if color:
        text = f"{_BOLD}{_RED if n_err else _YELLOW if n_warn else ''}{text}{_RESET}"
    return text
