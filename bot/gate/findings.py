"""A finding is data: the rules produce them, `bot.report` renders them, nobody prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.rule_ids import RULES, Severity

__all__ = ["RULES", "Finding", "Severity"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnostic of a rule at one place (the JSON output's `findings` entries)."""

    rule: str
    severity: Severity
    path: str  # relative to the repository root, "/" separators
    line: int  # 1-based
    col: int  # 0-based, in characters (code points) of the line
    end_line: int
    message: str
    suggestion: str = ""
    col_utf16: int | None = None  # the same column in UTF-16 code units (SARIF's unit), when the line is known

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "path": self.path, "line": self.line,
                "col": self.col, "end_line": self.end_line, "message": self.message,
                "suggestion": self.suggestion}

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.rule)
