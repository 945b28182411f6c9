"""What a gate run returns: findings plus the numbers behind them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.gate.findings import Finding


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    stats: dict[str, float | int]
    notes: tuple[str, ...] = field(default=())  # things the user should know ("no Python files to check")

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]
