"""The validation gate: rules over the dependency graph -> findings.

Public API: `run_check(root, paths=None, *, all_files=False, config=None) -> CheckResult`.
"""

from __future__ import annotations

from bot.gate.check import run_check
from bot.gate.findings import RULES, Finding
from bot.gate.result import CheckResult

__all__ = ["RULES", "CheckResult", "Finding", "run_check"]
