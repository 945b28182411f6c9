"""What a gate run returns: findings plus the numbers behind them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.gate.findings import Finding


@dataclass(frozen=True)
class NotChecked:
    """A file the rules could not judge (too big or pathological to analyse): reported, never silently passed."""

    path: str
    reason: str  # "over 2 MB"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: findings, stats and notes for the reporter."""

    findings: list[Finding]
    stats: dict[str, float | int]
    notes: tuple[str, ...] = field(default=())  # things the user should know ("no Python files to check")
    not_checked: tuple[NotChecked, ...] = field(default=())
    judged: str = ""  # what the run judged: "the index (the staged change and its dependents)", "the pushed ..."

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]
