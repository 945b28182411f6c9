"""What a cross-file question can answer: the tri-state `Resolution`, the `Target` a name reaches, and
`UNKNOWN`. A leaf module, so the resolver and its helpers (`resolve_calls`) share these types without
importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.graph.model import Definition

Status = Literal["found", "missing", "unknown"]


@dataclass(frozen=True)
class Resolution:
    """What a name or module reference resolves to: found, missing (with suggestions) or unknown."""

    status: Status
    kind: Literal["module", "symbol", "attribute"] = "symbol"
    module: str = ""  # the absolute module concerned (for "missing": where the name is missing)
    name: str = ""  # the missing name ("" when the module itself is missing)
    suggestions: tuple[str, ...] = ()  # "did you mean" candidates
    moved_to: tuple[str, ...] = ()  # modules that define `name` at top level
    reason: str = ""  # why "unknown"

    @property
    def found(self) -> bool:
        return self.status == "found"

    @property
    def missing(self) -> bool:
        return self.status == "missing"


FOUND = Resolution("found")


def unknown(reason: str) -> Resolution:
    return Resolution("unknown", reason=reason)


@dataclass(frozen=True)
class Target:
    """A repository definition that a name resolves to."""

    path: str
    module: str
    definition: Definition


class UnknownType:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = UnknownType()


@dataclass(frozen=True)
class SymbolRef:
    """A definition found by name: where it lives and under which module name."""

    path: str
    module: str
    qualname: str
    definition: Definition
