"""Token-budgeted prompt context around a target, with exact accounting.

Level 1 (40 % of the budget): the full code, comments and blank lines stripped, of the target and its
direct dependencies, then the import statements of the target's file. Level 2 (30 %): signatures only
(decorators, def/class line, docstring first line) of the second-level dependencies, and of direct ones
whose code did not fit. The rest is reserved for the instructions and the answer. Items are taken in rank order and never cut, except the target itself,
which may be truncated at a line boundary (marked `# … truncated`) when it alone does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.context.compress import Compressed, compress_python
from bot.context.rank import Item, rank
from bot.context.signatures import import_block, signature_text, symbol_code
from bot.context.targets import resolve_target
from bot.context.tokens import count_many, count_tokens
from bot.errors import ContextError

if TYPE_CHECKING:
    from bot.graph import Graph

LEVEL1_SHARE = 0.40
LEVEL2_SHARE = 0.30
MAX_CHARS_PER_TOKEN = 8  # far above Python's ~3.5: longer code cannot fit, compressed or not
TRUNCATED = "# … truncated\n"
IMPORTS = "(imports)"  # the symbol of a section holding a file's import statements
_HEADINGS = {
    1: "## Level 1: full code of the target and its direct dependencies\n```python\n",
    2: "## Level 2: signatures of second-level dependencies\n```python\n",
}
_CLOSE = "```\n"


@dataclass(frozen=True)
class Section:
    level: int
    path: str
    symbol: str  # qualname, "" for a whole file
    tokens: int
    reason: str
    lines: tuple[int, int] = (0, 0)
    truncated: bool = False


@dataclass(frozen=True)
class LevelUse:
    level: int
    budget: int
    used: int  # tokens of the level's heading, sections and closing fence
    items: int


@dataclass(frozen=True)
class Context:
    target: str
    text: str
    tokens: int  # exact count of `text`
    budget: int
    level_budgets: tuple[int, int, int]  # level 1, level 2, reserved
    sections: tuple[Section, ...]
    levels: tuple[LevelUse, ...]
    dropped: int  # ranked items left out for lack of budget
    notes: tuple[str, ...] = ()


@dataclass
class _Level:
    number: int
    budget: int
    heading_tokens: int
    parts: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def used(self) -> int:
        return self.heading_tokens + sum(s.tokens for s in self.sections) if self.sections else 0

    def room(self) -> int:
        return self.budget - self.heading_tokens - sum(s.tokens for s in self.sections)

    def add(self, text: str, section: Section) -> None:
        self.parts.append(text)
        self.sections.append(section)

    def render(self) -> str:
        return _HEADINGS[self.number] + "".join(self.parts) + _CLOSE if self.sections else ""


def level_budgets(budget: int) -> tuple[int, int, int]:
    one, two = int(budget * LEVEL1_SHARE), int(budget * LEVEL2_SHARE)
    return one, two, budget - one - two


def assemble_context(graph: Graph, target: str, budget: int, *, failure: str | None = None) -> Context:
    """The context for `target` (path, symbol or pytest node id) within `budget` tokens."""
    if budget <= 0:
        raise ContextError(f"the context budget must be a positive number of tokens, got {budget}")
    seeds = resolve_target(graph, target)
    ranking = rank(graph, seeds, failure)
    one, two, reserved = level_budgets(budget)
    heading = count_tokens(_HEADINGS[1] + _CLOSE), count_tokens(_HEADINGS[2] + _CLOSE)
    levels = {1: _Level(1, one, heading[0]), 2: _Level(2, two, heading[1])}
    notes = list(ranking.notes)
    demoted: list[Item] = []
    sources: dict[str, str] = {}
    for item in (i for i in ranking.items if i.distance <= 1):
        if not _place_full(graph, item, levels[1], sources, notes):
            demoted.append(item)
    for path in dict.fromkeys(i.path for i in ranking.items if i.distance == 0 and i.definition is not None):
        _place_imports(graph, path, levels[1], sources, notes)  # last: useful for edits, not for understanding
    dropped = 0
    for item in demoted + [i for i in ranking.items if i.distance >= 2]:
        dropped += not _place_signature(graph, item, levels[2], sources, demoted=item in demoted)
    return _finish(target, budget, (one, two, reserved), levels, dropped, notes)


def _source(graph: Graph, path: str, sources: dict[str, str]) -> str:
    if path not in sources:
        sources[path] = graph.source(path)
    return sources[path]


def _place_full(graph: Graph, item: Item, level: _Level, sources: dict[str, str], notes: list[str]) -> bool:
    code, lines = symbol_code(_source(graph, item.path, sources), item.definition)
    if item.distance != 0 and len(code) > MAX_CHARS_PER_TOKEN * level.room():
        return False  # cannot fit even compressed: not worth tokenizing
    if item.definition is None:
        compressed = _compressed_file(graph, item.path, code, level.room())
    else:
        compressed = compress_python(code)
    if not compressed.ok:
        notes.append(f"{item.path}: {compressed.reason}")
    header = _header(item, lines)
    text = header + compressed.text
    tokens = count_tokens(text)
    if tokens <= level.room():
        level.add(text, Section(1, item.path, item.qualname, tokens, item.reason, lines))
        return True
    if item.distance != 0:
        return False
    cut = _truncate(header, compressed.text, level.room())
    if cut is None:
        notes.append(f"target {item.path}:{item.qualname or '(file)'} does not fit in level 1 even truncated")
        return False
    text, tokens = cut
    level.add(text, Section(1, item.path, item.qualname, tokens, item.reason, lines, truncated=True))
    return True


def _place_imports(graph: Graph, path: str, level: _Level, sources: dict[str, str], notes: list[str]) -> None:
    """The target file's imports, so that the model sees which names exist and where to add one."""
    block = import_block(_source(graph, path, sources), graph.facts(path))
    if block is None:
        return
    code, lines = block
    text = f"# ---- {path}:{lines[0]}-{lines[1]} (imports of the target's file)\n" + compress_python(code).text
    tokens = count_tokens(text)
    if tokens <= level.room():
        level.add(text, Section(1, path, IMPORTS, tokens, "imports of the target's file", lines))
    else:
        notes.append(f"no room for the imports of {path}")


def _place_signature(graph: Graph, item: Item, level: _Level, sources: dict[str, str], *, demoted: bool) -> bool:
    if item.definition is None:
        return False
    reason = item.reason + ("; no room for its full code" if demoted else "")
    body = signature_text(_source(graph, item.path, sources), item.definition, graph.facts(item.path))
    text = f"# {item.path}:{item.definition.line} {item.qualname} ({reason})\n{body}"
    tokens = count_tokens(text)
    if tokens > level.room():
        return False
    level.add(text, Section(2, item.path, item.qualname, tokens, reason,
                            (item.definition.line, item.definition.end_line)))
    return True


def _compressed_file(graph: Graph, path: str, code: str, room: int) -> Compressed:
    """A whole file compressed; for a file much larger than `room`, only a prefix that ends before a
    definition (so never inside a string) and still fills `room` tokens once compressed."""
    want = 9 * room  # characters: twice the room at 4.5 characters per token, typical of Python
    facts = graph.facts(path)
    starts = sorted({d.line for d in facts.definitions if d.kind != "variable"}) if facts is not None else []
    lines = code.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    while True:
        cut = next((s - 1 for s in starts if offsets[s - 1] > want), None)
        if cut is None:
            return compress_python(code)
        compressed = compress_python("".join(lines[:cut]))
        if compressed.ok and count_tokens(compressed.text) > room:
            return compressed
        want *= 2


def _header(item: Item, lines: tuple[int, int]) -> str:
    what = item.qualname or "(whole file)"
    return f"# ---- {item.path}:{lines[0]}-{lines[1]} {what} ({item.reason})\n"


def _truncate(header: str, code: str, room: int) -> tuple[str, int] | None:
    """The longest line prefix of `code` that fits `room` with the header and the truncation marker:
    estimated from per-line counts, then settled with exact counts of the whole text."""
    rows = code.splitlines(keepends=True)
    left = room - count_tokens(header + TRUNCATED)
    n = 0
    for n_tokens in count_many(rows[:-1]):
        if left < n_tokens:
            break
        left -= n_tokens
        n += 1
    def fit(k: int) -> tuple[str, int] | None:
        text = header + "".join(rows[:k]) + TRUNCATED
        tokens = count_tokens(text)
        return (text, tokens) if tokens <= room else None

    n = max(n, 1)
    best = fit(n)
    while best is None and n > 1:  # the estimate was too long
        n -= 1
        best = fit(n)
    while best is not None and n + 1 < len(rows):  # or too short
        longer = fit(n + 1)
        if longer is None:
            break
        best, n = longer, n + 1
    return best


def _finish(target: str, budget: int, budgets: tuple[int, int, int], levels: dict[int, _Level], dropped: int,
            notes: list[str]) -> Context:
    text = levels[1].render() + levels[2].render()
    tokens = count_tokens(text)
    while tokens > budgets[0] + budgets[1] and levels[2].sections:  # BPE merges across joins: stay exact
        levels[2].sections.pop()
        levels[2].parts.pop()
        dropped += 1
        text = levels[1].render() + levels[2].render()
        tokens = count_tokens(text)
    sections = tuple(levels[1].sections + levels[2].sections)
    uses = tuple(LevelUse(n, levels[n].budget, levels[n].used, len(levels[n].sections)) for n in (1, 2))
    return Context(target, text, tokens, budget, budgets, sections, uses, dropped, tuple(notes))


def render_context(ctx: Context) -> str:
    """The context text followed by its token accounting (cl100k_base tokens)."""
    rows = ["| level | budget | used | items |", "| --- | ---: | ---: | ---: |"]
    names = {1: "1 full code", 2: "2 signatures"}
    for use in ctx.levels:
        rows.append(f"| {names[use.level]} | {use.budget} | {use.used} | {use.items} |")
    rows.append(f"| reserved (instructions + answer) | {ctx.level_budgets[2]} | | |")
    rows.append(f"| total | {ctx.budget} | {ctx.tokens} | {len(ctx.sections)} |")
    lines = [ctx.text.rstrip("\n"), "", f"Token accounting for {ctx.target} (cl100k_base, exact):", *rows]
    lines.append(f"dropped for lack of budget: {ctx.dropped} item(s)")
    lines += [f"note: {n}" for n in ctx.notes]
    return "\n".join(lines) + "\n"
