"""The gate's stable rule ids and their default severities.

A leaf module (it imports nothing of the project) so that configuration can validate `[tool.yantra.severity]`
without importing the gate.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["error", "warning"]
Level = Literal["error", "warning", "off"]  # what `[tool.yantra.severity]` may set
LEVELS: tuple[Level, ...] = ("error", "warning", "off")

RULES: dict[str, Severity] = {
    "syntax-error": "error",
    "undefined-name": "error",
    "missing-module": "error",
    "missing-symbol": "error",
    "missing-attribute": "error",
    "missing-member": "error",
    "arity-mismatch": "error",
    "import-cycle": "warning",
    "undeclared-dependency": "warning",
}
