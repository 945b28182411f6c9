"""Token-budgeted prompt context around a target, with exact accounting.

The ranking (`rank`) orders definitions by the evidence of the failure. Level 1 holds full code, comments
and blank lines stripped (and, around the target, docstrings longer than three lines folded to their summary
line: documentation, not behaviour): the target, then ranked definitions in order; a class too large to show whole
appears as its skeleton (members' signature lines) with its relevant methods in full. Level 2 holds the
signatures (decorators, def/class line, docstring first line) of the target's direct dependencies (graph
distance 1) whose code did not fit; a definition reached further away or by lexical similarity alone is
worth showing only as code, so it never takes the signatures' floor from the code that follows. The shares
(40 % level 1, 30 % level 2) are floors, not caps: what one level leaves unused flows to the next-ranked
definitions in full, replacing their signatures. The rest (30 %) is reserved for the
instructions and the answer. The target and the top-ranked code under test are always in full when they
fit the whole context share; only the target may be truncated at a line boundary (`# … truncated`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING

from bot.context.compress import Compressed, compress_python, fold_docstrings
from bot.context.rank import Item, rank
from bot.context.signatures import import_block, signature_text, skeleton_text, symbol_code
from bot.context.spectrum import suspicions
from bot.context.targets import resolve_target
from bot.context.tokens import count_many, count_tokens
from bot.errors import ContextError

if TYPE_CHECKING:
    from bot.graph import Graph
    from bot.scan.trace import Trace

TRACE_UNUSED = "the trace shows no failing test that ran the repository's code: not used"
LEVEL1_SHARE = 0.40
LEVEL2_SHARE = 0.30
MAX_CLASS_SHARE = 0.35  # of the context share: a larger class shows as a skeleton plus its ranked methods
MAX_CHARS_PER_TOKEN = 8  # far above Python's ~3.5: longer code cannot fit, compressed or not
MIN_SKELETON_TOKENS = 12
OWNER_SKELETON_SHARE = 0.015  # of the context share: the skeleton of a class around a method in full (orientation)
MIN_OWNER_SKELETON_TOKENS = 60
CHARS_PER_TOKEN = 3.5
TARGET_PREFIX_CHARS = 6  # of a target's code per token of its room: longer code is compressed only as far as the
#   room can show, with a margin (Python runs ~4.3 characters per compressed token; see _compressed_target)
FOLD_FACTOR = 3  # code this many times longer than its room is not worth folding: it cannot fit  # typical of Python, to turn a token allowance into a skeleton's characters
TRUNCATED = "# … truncated\n"
IMPORTS = "(imports)"  # the symbol of a section holding a file's import statements
FULL, SKELETON, SIGNATURE = "full", "skeleton", "signature"
_HEADINGS = {
    1: "## Level 1: full code of the target and the code ranked most relevant to it\n```python\n",
    2: "## Level 2: signatures of further ranked definitions\n```python\n",
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
    form: str = FULL  # full | skeleton | signature | imports
    signals: tuple[str, ...] = ()
    rank: int = 0  # position in the ranking (0 = the target)


@dataclass(frozen=True)
class Dropped:
    """A ranked definition left out for lack of budget."""

    path: str
    symbol: str
    rank: int
    reason: str


@dataclass(frozen=True)
class LevelUse:
    level: int
    budget: int  # the level's floor
    used: int  # tokens of the level's heading, sections and closing fence
    items: int


@dataclass(frozen=True)
class Context:
    target: str
    text: str
    tokens: int  # exact count of `text`
    budget: int
    level_budgets: tuple[int, int, int]  # level 1, level 2 floors, reserved
    sections: tuple[Section, ...]
    levels: tuple[LevelUse, ...]
    dropped: tuple[Dropped, ...]  # ranked items left out for lack of budget, best first
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

    def add(self, text: str, section: Section) -> None:
        self.parts.append(text)
        self.sections.append(section)

    def remove(self, index: int) -> None:
        del self.parts[index], self.sections[index]

    def render(self) -> str:
        return _HEADINGS[self.number] + "".join(self.parts) + _CLOSE if self.sections else ""


@dataclass
class _Fill:
    """The two levels and what is left of the context share (level 1 + level 2)."""

    graph: Graph
    total: int
    levels: dict[int, _Level]
    notes: list[str]
    sources: dict[str, str] = field(default_factory=dict)
    full: set[tuple[str, str]] = field(default_factory=set)  # (path, qualname) shown in full or skeleton
    full_code: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)  # header, code, tokens
    skeletons: dict[tuple[str, str, bool], tuple[str, int]] = field(default_factory=dict)  # text, tokens
    folded: dict[tuple[str, str], str] = field(default_factory=dict)  # code with its docstrings folded
    prefixes: set[tuple[str, str]] = field(default_factory=set)  # full_code holding only a prefix of the code

    def used(self) -> int:
        return self.levels[1].used + self.levels[2].used

    def room(self, level: int, floor_only: bool) -> int:
        """Tokens a new section may take in `level`: up to the level's floor, or (flowing) whatever the
        context share has left while the other level keeps what it holds."""
        lv = self.levels[level]
        own = lv.used if lv.sections else lv.heading_tokens  # the first section brings the heading
        if floor_only:
            return lv.budget - own
        return self.total - self.used() - (0 if lv.sections else lv.heading_tokens)

    def source(self, path: str) -> str:
        if path not in self.sources:
            self.sources[path] = self.graph.source(path)
        return self.sources[path]


def level_budgets(budget: int) -> tuple[int, int, int]:
    one, two = int(budget * LEVEL1_SHARE), int(budget * LEVEL2_SHARE)
    return one, two, budget - one - two


def assemble_context(graph: Graph, target: str, budget: int, *, failure: str | None = None,
                     changed_paths: Sequence[str] = (), trace: Trace | None = None) -> Context:
    """The context for `target` (path, symbol or pytest node id) within `budget` tokens, ranked by the
    failure text, the files changed on the branch (`changed_paths`, repository-relative) and what the
    failing tests ran (`trace`, from `bot.scan.pytest_trace`)."""
    if budget <= 0:
        raise ContextError(f"the context budget must be a positive number of tokens, got {budget}")
    seeds = resolve_target(graph, target)
    suspicion = suspicions(graph, trace) if trace is not None else None
    ranking = rank(graph, seeds, failure, changed_paths, suspicion)
    if trace is not None and not suspicion:
        ranking.notes.append(TRACE_UNUSED)
    one, two, reserved = level_budgets(budget)
    heading = count_tokens(_HEADINGS[1] + _CLOSE), count_tokens(_HEADINGS[2] + _CLOSE)
    fill = _Fill(graph, one + two, {1: _Level(1, one, heading[0]), 2: _Level(2, two, heading[1])},
                 list(ranking.notes), ranking.sources)
    items = list(enumerate(ranking.items))
    targets = [(n, i) for n, i in items if i.distance == 0]
    rest = [(n, i) for n, i in items if i.distance != 0]
    for n, item in targets:  # the target in full, truncated only when the whole context share cannot hold it
        _place_full(fill, item, n, fill.room(1, floor_only=False), target=True)
    if rest:  # the top-ranked code under test: in full whenever the context share can hold it
        _place_full(fill, rest[0][1], rest[0][0], fill.room(1, floor_only=False))
    for n, item in rest[1:]:
        _place_full(fill, item, n, fill.room(1, floor_only=True))
    for path in dict.fromkeys(i.path for _n, i in targets if i.definition is not None):
        _place_imports(fill, path)
    for n, item in rest:
        if not _shown(fill, item) and item.distance == 1:  # a direct dependency's signature, nothing further
            _place_signature(fill, item, n, fill.room(2, floor_only=True))
    for n, item in rest:  # what the floors left unused flows to the next-ranked definitions in full
        if not _shown(fill, item, full_only=True):
            _flow(fill, item, n)
    dropped = [Dropped(i.path, i.qualname, n, i.reason) for n, i in rest if not _shown(fill, i)]
    return _finish(target, budget, (one, two, reserved), fill, dropped)
def _enclosing(fill: _Fill, item: Item) -> bool:
    """Whether a class enclosing the item, or its whole file, is already shown in full."""
    parts = item.qualname.split(".") if item.qualname else []
    return (item.path, "") in fill.full or any(
        (item.path, ".".join(parts[:i])) in fill.full and _form_of(fill, item.path, ".".join(parts[:i])) == FULL
        for i in range(1, len(parts)))


def _form_of(fill: _Fill, path: str, symbol: str) -> str:
    """FULL when the symbol is shown in full, else the form it is shown in (a skeleton), else ""."""
    forms = {s.form for s in fill.levels[1].sections if (s.path, s.symbol) == (path, symbol)}
    return FULL if FULL in forms else next(iter(forms), "")


def _shown(fill: _Fill, item: Item, *, full_only: bool = False) -> bool:
    if (item.path, item.qualname) in fill.full and _form_of(fill, item.path, item.qualname) == FULL:
        return True
    if _enclosing(fill, item):
        return True
    if full_only:
        return False
    return (item.path, item.qualname) in fill.full or any(
        (s.path, s.symbol) == (item.path, item.qualname) for s in fill.levels[2].sections)


def _place_full(fill: _Fill, item: Item, n: int, room: int, *, target: bool = False) -> bool:
    """The item's full code in level 1 if it fits `room` (a large class: its skeleton instead)."""
    if _shown(fill, item, full_only=True):
        return True
    code, lines = symbol_code(fill.source(item.path), item.definition)
    if not target and len(code) <= FOLD_FACTOR * MAX_CHARS_PER_TOKEN * room:  # docs around the target: summaries
        key = (item.path, item.qualname)
        if key not in fill.folded:
            fill.folded[key] = fold_docstrings(code)[0]
        code = fill.folded[key]
    if not target and len(code) > MAX_CHARS_PER_TOKEN * room:
        return _place_skeleton(fill, item, n, room) if _is_class(item) else False
    key = (item.path, item.qualname)
    if key not in fill.full_code or item.definition is None:
        if item.definition is None:
            compressed, partial = _compressed_file(fill.graph, item.path, code, room), False
        elif target:
            compressed, partial = _compressed_target(fill.graph, item, code, room)
        else:
            compressed, partial = compress_python(code), False
        _keep_full_code(fill, item, lines, compressed, partial=partial)
    header, body, tokens = fill.full_code[key]
    partial = key in fill.prefixes
    text = header + body
    if not target and _is_class(item) and tokens > MAX_CLASS_SHARE * fill.total:
        return _place_skeleton(fill, item, n, room)
    if tokens > room and not target:
        return _place_skeleton(fill, item, n, room) if _is_class(item) else False
    truncated = tokens > room
    if truncated:
        cut = _truncate(header, body, room, whole=not partial)
        if isinstance(cut, _Short):  # the cut reached the end of the prefix: the whole code decides where it falls
            _keep_full_code(fill, item, lines, compress_python(code), partial=False)
            header, body, tokens = fill.full_code[key]
            text = header + body
            truncated = tokens > room
            cut = _truncate(header, body, room) if truncated else (text, tokens)
        if cut is None or isinstance(cut, _Short):
            fill.notes.append(f"target {item.path}:{item.qualname or '(file)'} does not fit in level 1 even "
                              "truncated")
            return False
        text, tokens = cut
    section = Section(1, item.path, item.qualname, tokens, item.reason, lines, truncated=truncated, form=FULL,
                      signals=item.signals, rank=n)
    _drop_signature(fill, item)
    _drop_skeleton(fill, item)
    fill.levels[1].add(text, section)
    fill.full.add((item.path, item.qualname))
    if not (target and item.qualname.rsplit(".", 1)[-1].startswith("test")):
        _owner_skeleton(fill, item, n, room - tokens)
    return True


def _is_class(item: Item) -> bool:
    return item.definition is not None and item.definition.kind == "class"


def _place_skeleton(fill: _Fill, item: Item, n: int, room: int, *, compact: bool = False) -> bool:
    """The class's skeleton in level 1 if it fits `room`; `compact` (around a method shown in full) lists
    only as many members as OWNER_SKELETON_SHARE of the context share holds."""
    if item.definition is None or (item.path, item.qualname) in fill.full:
        return False
    if room < MIN_SKELETON_TOKENS:
        return False
    lines = (item.definition.line, item.definition.end_line)
    key = (item.path, item.qualname, compact)
    if key not in fill.skeletons:
        allowance = max(MIN_OWNER_SKELETON_TOKENS, OWNER_SKELETON_SHARE * fill.total)
        limit = {"max_chars": int(allowance * CHARS_PER_TOKEN)} if compact else {}
        body = skeleton_text(fill.source(item.path), item.definition, fill.graph.facts(item.path), **limit)
        text = f"# ---- {item.path}:{lines[0]}-{lines[1]} {item.qualname} (skeleton; {item.reason})\n{body}"
        fill.skeletons[key] = (text, count_tokens(text))
    text, tokens = fill.skeletons[key]
    if tokens > room:
        return False
    _drop_signature(fill, item)
    fill.levels[1].add(text, Section(1, item.path, item.qualname, tokens, item.reason, lines, form=SKELETON,
                                     signals=item.signals, rank=n))
    fill.full.add((item.path, item.qualname))
    return True


def _owner_skeleton(fill: _Fill, item: Item, n: int, room: int) -> None:
    """Before a method shown in full: the skeleton of its class, unless the class is already shown."""
    if item.definition is None or "." not in item.qualname:
        return
    facts = fill.graph.facts(item.path)
    owner_name = item.qualname.rsplit(".", 1)[0]
    owner = next((d for d in (facts.definitions if facts else ()) if d.qualname == owner_name
                  and d.kind == "class"), None)
    if owner is None or (item.path, owner_name) in fill.full:
        return
    from bot.context.rank import LEXICAL_ONLY

    stand_in = Item(item.path, owner_name, owner, LEXICAL_ONLY, 0.0, n, f"class of {item.qualname}")
    _place_skeleton(fill, stand_in, n, room, compact=True)


def _drop_skeleton(fill: _Fill, item: Item) -> None:
    """A class's skeleton gives way when the class itself goes in full."""
    level = fill.levels[1]
    for index in reversed(range(len(level.sections))):
        section = level.sections[index]
        if (section.path, section.symbol) == (item.path, item.qualname) and section.form == SKELETON:
            level.remove(index)


def _drop_signature(fill: _Fill, item: Item) -> None:
    level = fill.levels[2]
    for index in reversed(range(len(level.sections))):
        if (level.sections[index].path, level.sections[index].symbol) == (item.path, item.qualname):
            level.remove(index)


def _flow(fill: _Fill, item: Item, n: int) -> None:
    """Place the item in full with the tokens the floors left unused (its signature's tokens included)."""
    own = sum(s.tokens for s in fill.levels[2].sections if (s.path, s.symbol) == (item.path, item.qualname))
    room = fill.room(1, floor_only=False) + own
    if room > 0:
        _place_full(fill, item, n, room)


def _place_imports(fill: _Fill, path: str) -> None:
    """The target file's imports, so that the model sees which names exist and where to add one."""
    block = import_block(fill.source(path), fill.graph.facts(path))
    if block is None:
        return
    code, lines = block
    text = f"# ---- {path}:{lines[0]}-{lines[1]} (imports of the target's file)\n" + compress_python(code).text
    tokens = count_tokens(text)
    if tokens <= fill.room(1, floor_only=True):
        fill.levels[1].add(text, Section(1, path, IMPORTS, tokens, "imports of the target's file", lines,
                                         form="imports"))
    else:
        fill.notes.append(f"no room for the imports of {path}")


def _place_signature(fill: _Fill, item: Item, n: int, room: int) -> bool:
    if item.definition is None:
        return False
    reason = item.reason + "; no room for its full code"
    body = signature_text(fill.source(item.path), item.definition, fill.graph.facts(item.path))
    text = f"# {item.path}:{item.definition.line} {item.qualname} ({reason})\n{body}"
    tokens = count_tokens(text)
    if tokens > room:
        return False
    fill.levels[2].add(text, Section(2, item.path, item.qualname, tokens, reason,
                                     (item.definition.line, item.definition.end_line), form=SIGNATURE,
                                     signals=item.signals, rank=n))
    return True


def _keep_full_code(fill: _Fill, item: Item, lines: tuple[int, int], compressed: Compressed, *,
                    partial: bool) -> None:
    """The item's header, compressed code and its tokens (`partial`: only a prefix of its code)."""
    if not compressed.ok:
        fill.notes.append(f"{item.path}: {compressed.reason}")
    header = _header(item, lines)
    key = (item.path, item.qualname)
    fill.full_code[key] = (header, compressed.text, count_tokens(header + compressed.text))
    if partial:
        fill.prefixes.add(key)
    else:
        fill.prefixes.discard(key)


def _compressed_target(graph: Graph, item: Item, code: str, room: int) -> tuple[Compressed, bool]:
    """The target definition's code compressed, and whether only a prefix of it: for code far longer than
    `room` (a large class), only a prefix that ends before one of its members and holds more than `room` tokens
    once compressed, as only a prefix of it can be shown. It grows member by member: each piece starts a
    statement (never inside a string or brackets), so pieces compress as the whole would. The cut then has to
    fall before the prefix's last line (`_truncate` says when it does not: the whole code decides then)."""
    definition = item.definition
    facts = graph.facts(item.path)
    if definition is None or facts is None or len(code) <= TARGET_PREFIX_CHARS * room:
        return compress_python(code), False
    first, prefix = definition.line, definition.qualname + "."
    starts = sorted({d.line - first for d in facts.definitions if first < d.line <= definition.end_line
                     and d.kind != "variable" and d.qualname.startswith(prefix) and "." not in d.qualname[len(prefix):]})
    rows = code.splitlines(keepends=True)
    offsets = list(accumulate(map(len, rows), initial=0))
    want, done, text = int(TARGET_PREFIX_CHARS * room), 0, ""
    while True:
        cut = next((s for s in starts if done < s < len(rows) and offsets[s] > want), None)
        if cut is None:  # no member far enough: the whole
            return compress_python(code), False
        piece = compress_python("".join(rows[done:cut]))
        if not piece.ok:  # (a piece the tokenizer rejects: the whole decides what is said of it)
            return compress_python(code), False
        text, done = text + piece.text, cut
        if count_tokens(text) > room:
            return Compressed(text, ok=True), True
        want = want * 3 // 2


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


def _truncate(header: str, code: str, room: int, *, whole: bool = True) -> tuple[str, int] | _Short | None:
    """The longest line prefix of `code` that fits `room` with the header and the truncation marker:
    estimated from per-line counts, then settled with exact counts of the whole text. When `code` is only a
    prefix of the code (`whole` False): _SHORT if the search reaches its last line (the rest could change it)."""
    rows = code.splitlines(keepends=True)
    left = room - count_tokens(header + TRUNCATED)
    n = 0
    for n_tokens in count_many(rows[:-1]):
        if left < n_tokens:
            break
        left -= n_tokens
        n += 1
    else:
        if not whole:
            return _SHORT
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
        if not whole and n + 2 >= len(rows):
            return _SHORT
        longer = fit(n + 1)
        if longer is None:
            break
        best, n = longer, n + 1
    return best


class _Short:
    """What `_truncate` returns when a prefix of the code was too short to settle the cut."""


_SHORT = _Short()


def _finish(target: str, budget: int, budgets: tuple[int, int, int], fill: _Fill,
            dropped: list[Dropped]) -> Context:
    levels = fill.levels
    text = levels[1].render() + levels[2].render()
    tokens = count_tokens(text)
    while tokens > fill.total and levels[2].sections:  # BPE merges across joins: stay exact
        excess = tokens - fill.total
        while excess > 0 and levels[2].sections:
            gone = levels[2].sections[-1]
            levels[2].remove(len(levels[2].sections) - 1)
            dropped.append(Dropped(gone.path, gone.symbol, gone.rank, gone.reason))
            excess -= gone.tokens
        text = levels[1].render() + levels[2].render()
        tokens = count_tokens(text)
    sections = tuple(levels[1].sections + levels[2].sections)
    uses = tuple(LevelUse(n, levels[n].budget, levels[n].used, len(levels[n].sections)) for n in (1, 2))
    return Context(target, text, tokens, budget, budgets, sections, uses, tuple(sorted(dropped, key=lambda d: d.rank)),
                   tuple(fill.notes))


def render_context(ctx: Context) -> str:
    """The context text followed by its token accounting (cl100k_base tokens)."""
    rows = ["| level | floor | used | items |", "| --- | ---: | ---: | ---: |"]
    names = {1: "1 full code", 2: "2 signatures"}
    for use in ctx.levels:
        rows.append(f"| {names[use.level]} | {use.budget} | {use.used} | {use.items} |")
    rows.append(f"| reserved (instructions + answer) | {ctx.level_budgets[2]} | | |")
    rows.append(f"| total | {ctx.budget} | {ctx.tokens} | {len(ctx.sections)} |")
    lines = [ctx.text.rstrip("\n"), "", f"Token accounting for {ctx.target} (cl100k_base, exact):", *rows]
    lines.append(f"dropped for lack of budget: {len(ctx.dropped)} item(s)")
    lines += [f"note: {n}" for n in ctx.notes]
    return "\n".join(lines) + "\n"
