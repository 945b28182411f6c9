"""The gate's rules. Each is a function from the graph (through a `RuleContext`) and one file to hits.

The graph decides what a name resolves to (`graph.resolver`: found / missing / unknown); a rule decides
when to speak, and stays silent whenever the graph is unsure or the code is guarded. A hit is a finding plus
its *subject* (the module, and name in it, the finding is about), so that in a file that merely depends on
a change only findings about what the change removed or re-signed are kept. Rules never print and never
decide severity (`bot.gate.policy` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.gate.findings import RULES, Finding
from bot.graph.doubts import missing_uncertain, trusted_top
from bot.graph.graph import Graph
from bot.graph.model import FileFacts, Signature
from bot.graph.resolution import Resolution
from bot.graph.resolve import Resolver


@dataclass(frozen=True)
class Hit:
    """A rule's finding with the (module, name) it is about, for keeping only a change's findings."""

    finding: Finding
    module: str = ""  # subject module ("" for file-local findings)
    name: str | None = None  # subject name in `module`


@dataclass(frozen=True)
class RepositoryMembers:
    """Attribute names across the repository (built once per check, by `missing-member`, when needed)."""

    members: frozenset[str]  # names defined in any repository class or assigned on `self` in any method
    stored: frozenset[str]  # names assigned on other objects anywhere (`obj.x = ...`, `setattr(obj, "x")`)
    subclasses: dict[str, list[tuple[str, str]]]  # a base's last name -> (path, qualname) of classes naming it
    handed_off: frozenset[str] = frozenset()  # class names handed to a module-level call somewhere (`mapper(C, t)`)
    stored_outside_tests: frozenset[str] = frozenset()  # `stored`, from files that are not tests
    path_names: frozenset[str] = frozenset()  # every directory name and module name in the repository's paths
    # a class-like callee's last name -> (path, callee as written) of the calls to it (`StandaloneHTMLBuilder(app)`)
    constructed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


AttrKey = tuple[tuple[str, tuple[str, ...]], tuple[str, ...]]  # (import start, attribute chain)


@dataclass
class RuleContext:
    """What the rules share during one check: the graph, and memos of answers that repeat across files."""

    graph: Graph
    attributes: dict[AttrKey, Resolution] = field(default_factory=dict)
    signatures: dict[tuple[str, str], Signature | None] = field(default_factory=dict)
    members: RepositoryMembers | None = None
    resigned: frozenset[tuple[str, str]] = frozenset()  # (module, name) the checked change removed or re-signed
    not_checked: dict[str, str] = field(default_factory=dict)  # path -> why it could not be analysed
    touched: frozenset[str] | None = None  # the files the checked change touches (None: every file is judged)
    introduced: frozenset[tuple[str, int, int]] = frozenset()  # (path, line, col) of names the change unbound
    # (path, line) of findings about what the change removed or re-signed, on lines of touched files the change
    # left as they were (a suppression comment there predates the change)
    kept_lines: frozenset[tuple[str, int]] = frozenset()
    # (path, line) of cross-file findings in changed files, on lines the change left as they were and about
    # nothing it removed or re-signed: the file's old findings, not this commit's doing
    predating: frozenset[tuple[str, int]] = frozenset()
    # (path, line, col, rule) of findings about a harness's data file itself (`bot.gate.check.harness_data`)
    data: frozenset[tuple[str, int, int, str]] = frozenset()

    @property
    def resolver(self) -> Resolver:
        return self.graph.resolver

    def module_of(self, path: str) -> str:
        mods = self.graph.modules_of(path)
        return str(mods[0]) if mods else ""

    def where(self, module: str) -> str:
        """A file that defines `module`, for messages ("" when unknown)."""
        paths = self.graph.paths_of(module)
        return str(paths[0]) if paths else ""


Rule = Callable[[RuleContext, str, FileFacts], Iterator[Hit]]


__all__ = ["Hit", "Rule", "RuleContext", "make", "suggestion", "trusted_top", "unsure_missing"]


def make(rule: str, path: str, line: int, col: int, end_line: int, message: str, suggestion: str = "") -> Finding:
    return Finding(rule, RULES[rule], path, line, col, max(end_line, line), message, suggestion)


def suggestion(ctx: RuleContext, resolution: Resolution) -> str:
    """"did you mean `x`?" from the graph's close names, else where else the name is defined (what the
    change itself moved or renamed is said more precisely by `bot.gate.change.hints`)."""
    close = [c for c in resolution.suggestions if c.rsplit(".", 1)[-1] != (resolution.name or "")]
    if close:
        return f"did you mean `{close[0]}`?"
    if resolution.moved_to:
        where = ctx.where(resolution.moved_to[0]) or resolution.moved_to[0]
        what = resolution.name or resolution.module.rsplit(".", 1)[-1]
        return f"`{what}` is defined in `{where}`"
    return ""


def unsure_missing(ctx: RuleContext, importer: str, module: str, name: str, *, level: int = 0) -> bool:
    """Every reason to doubt a graph answer "`name` is missing from `module`" (`bot.graph.doubts`);
    `level`: the dots of the relative import that reached `module` (0: absolute)."""
    return missing_uncertain(ctx.graph, importer, module, name, level=level)
