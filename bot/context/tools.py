"""Tools the model may call to ask the graph for more than the context holds (Anthropic tool use).

`show_symbol`, `read_lines`, `dependents`, `callers` and `search` (the context's own ranking: BM25 against
the query plus the definitions it names, through the graph) answer from the repository's graph. Every
result is redacted with the same secret redaction as prompts and counted in cl100k_base tokens; a
`ToolBudget` caps the calls per attempt and the tokens all results may take. A call the budget cannot
pay for, or with bad arguments, is an error result for the model (`is_error`), never an exception;
`run_tests` is not here: it needs the pipeline's sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.context.compress import compress_python
from bot.context.lexical import Chunk, bm25, chunks
from bot.context.signatures import signature_text, split_lines, symbol_code
from bot.context.tokens import count_tokens

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.graph import Graph, SymbolRef

MAX_CALLS = 12
MAX_TOKENS = 8000
MAX_RESULT_TOKENS = 2500  # one result; longer ones are cut at a line boundary and say so
MIN_RESULT_TOKENS = 40  # below this, no result is worth sending
MAX_LINES = 400
MAX_MATCHES = 3
CUT = "… (cut: the result was longer than {} tokens)\n"

TOOL_SCHEMAS: list[dict[str, Any]] = [
    {"name": "show_symbol",
     "description": "Full code of a function, class or method of the repository, by name: `name`, "
                    "`Class.method`, `package.module.name` or `path/to/file.py:name`.",
     "input_schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
    {"name": "read_lines",
     "description": "Lines start..end (1-based, inclusive) of a Python file of the repository, numbered.",
     "input_schema": {"type": "object", "properties": {
         "path": {"type": "string", "description": "repository-relative path"},
         "start": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}},
         "required": ["path", "start", "end"]}},
    {"name": "dependents",
     "description": "Files that import or use a module (given as a file path) or a symbol, from the "
                    "dependency graph.",
     "input_schema": {"type": "object", "properties": {"target": {"type": "string"}}, "required": ["target"]}},
    {"name": "callers",
     "description": "Functions and methods that call a symbol (name, Class.method, module.name), with their "
                    "locations.",
     "input_schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
    {"name": "search",
     "description": "Definitions most relevant to a text (an error message, identifiers, a description), "
                    "ranked like the context: signatures with their locations.",
     "input_schema": {"type": "object", "properties": {
         "query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 30}},
         "required": ["query"]}},
]


@dataclass
class ToolBudget:
    """Per attempt: how many tool calls, and how many tokens their results may take in all."""

    max_calls: int = MAX_CALLS
    max_tokens: int = MAX_TOKENS
    calls: int = 0
    tokens: int = 0

    @property
    def tokens_left(self) -> int:
        return max(0, self.max_tokens - self.tokens)

    def exhausted(self) -> str | None:
        if self.calls >= self.max_calls:
            return f"the tool-call cap of this attempt ({self.max_calls}) is reached: answer with what you have"
        if self.tokens_left < MIN_RESULT_TOKENS:
            return f"the tool token budget of this attempt ({self.max_tokens}) is spent: answer with what you have"
        return None


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    name: str
    text: str  # redacted
    tokens: int  # exact cl100k_base count of `text`
    is_error: bool = False
    redactions: int = 0


@dataclass
class ContextTools:
    graph: Graph
    budget: ToolBudget = field(default_factory=ToolBudget)
    log: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    _index: list[Chunk] | None = None

    def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run one tool call within the budget; the result is what goes back to the model."""
        stop = self.budget.exhausted()
        handlers: dict[str, Callable[..., str]] = {
            "show_symbol": self.show_symbol, "read_lines": self.read_lines, "dependents": self.dependents,
            "callers": self.callers, "search": self.search}
        if stop is not None:
            result = _result(name, stop, error=True)
        elif name not in handlers:
            result = _result(name, f"unknown tool {name!r}; tools: {', '.join(handlers)}", error=True)
        else:
            try:
                text = handlers[name](**_arguments(name, arguments))
                result = _result(name, text, limit=min(MAX_RESULT_TOKENS, self.budget.tokens_left))
            except _BadCall as exc:
                result = _result(name, str(exc), error=True)
            self.budget.calls += 1
            self.budget.tokens += result.tokens
        self.log.append((ToolCall(name, dict(arguments)), result))
        return result

    # -- the tools -----------------------------------------------------------------------------------
    def show_symbol(self, name: str) -> str:
        refs = self._symbols(name)
        parts = []
        for ref in refs[:MAX_MATCHES]:
            code, lines = symbol_code(self.graph.source(ref.path), ref.definition)
            parts.append(f"# ---- {ref.path}:{lines[0]}-{lines[1]} {ref.qualname}\n" + compress_python(code).text)
        more = f"# … and {len(refs) - MAX_MATCHES} more definitions named {name!r}\n" if len(refs) > MAX_MATCHES else ""
        return "".join(parts) + more

    def read_lines(self, path: str, start: int, end: int) -> str:
        if path not in set(self.graph.files()):
            raise _BadCall(f"{path!r} is not a Python file of the repository (give a repository-relative path)")
        if start < 1 or end < start:
            raise _BadCall(f"bad line range {start}..{end}: 1 <= start <= end")
        rows = self.graph.source(path).splitlines()
        end = min(end, len(rows), start + MAX_LINES - 1)
        if start > len(rows):
            raise _BadCall(f"{path} has {len(rows)} lines")
        return "".join(f"{n:>5} {rows[n - 1]}\n" for n in range(start, end + 1))

    def dependents(self, target: str) -> str:
        if target in set(self.graph.files()):
            files = self.graph.dependents_of_path(target)
            return "\n".join(files) + "\n" if files else f"no repository file depends on {target}\n"
        refs = self._symbols(target)
        users: dict[str, None] = {}
        for ref in refs[:MAX_MATCHES]:
            from bot.graph.queries import uses_of_symbol

            for use in uses_of_symbol(self.graph, ref.module, ref.qualname):
                users.setdefault(f"{use.path}:{use.line} ({use.kind} {use.dotted})")
        return "\n".join(users) + "\n" if users else f"nothing in the repository uses {target}\n"

    def callers(self, name: str) -> str:
        rows = []
        for ref in self._symbols(name)[:MAX_MATCHES]:
            for caller in self.graph.callers(ref):
                rows.append(f"{caller.path}:{caller.definition.line} {caller.qualname} calls {ref.qualname}")
        return "\n".join(rows) + "\n" if rows else f"no resolved caller of {name}\n"

    def search(self, query: str, limit: int = 10) -> str:
        if self._index is None:
            files = [p for p in self.graph.files() if p.endswith(".py")]
            self._index = chunks(self.graph, files, lambda p: split_lines(self.graph.source(p)))
        scores = bm25(self._index, query)
        named = {(r.path, r.qualname) for word in set(query.replace("(", " ").split()) for r in
                 _exact(self.graph, word.strip(".,:;'\"`"))}
        ranked = sorted(set(scores) | named, key=lambda k: (k not in named, -scores.get(k, 0.0)))
        out = []
        for path, qualname in ranked[:limit]:
            facts = self.graph.facts(path)
            definition = next((d for d in facts.definitions if d.qualname == qualname), None) if facts else None
            if definition is not None:
                body = signature_text(self.graph.source(path), definition, facts)
                out.append(f"# {path}:{definition.line}-{definition.end_line} {qualname}\n{body}")
        return "".join(out) or f"nothing in the repository matches {query!r}\n"

    def _symbols(self, name: str) -> list[SymbolRef]:
        refs = self.graph.find_symbol(name.strip())
        if not refs:
            from bot.graph.queries import suggest_symbols

            close = suggest_symbols(self.graph, name)
            raise _BadCall(f"no definition named {name!r}" + (f"; did you mean: {', '.join(close)}?" if close else ""))
        return refs


class _BadCall(Exception):
    """A tool call the model got wrong: reported back to it as an error result."""


def _arguments(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    schema = next(s for s in TOOL_SCHEMAS if s["name"] == name)["input_schema"]
    props: dict[str, Any] = schema["properties"]
    missing = [k for k in schema["required"] if k not in arguments]
    unknown = [k for k in arguments if k not in props]
    if missing or unknown:
        raise _BadCall(f"{name}: missing {missing} / unknown {unknown} arguments; takes {list(props)}")
    for key, value in arguments.items():
        want = int if props[key]["type"] == "integer" else str
        if not isinstance(value, want) or isinstance(value, bool):
            raise _BadCall(f"{name}: argument {key!r} must be a{'n integer' if want is int else ' string'}")
    return arguments


def _exact(graph: Graph, word: str) -> list[SymbolRef]:
    if not word or not word.replace(".", "").replace("_", "").isalnum():
        return []
    return [r for r in graph.find_symbol(word) if r.definition.kind != "variable"][:MAX_MATCHES]


def _result(name: str, text: str, *, error: bool = False, limit: int = MAX_RESULT_TOKENS) -> ToolResult:
    from bot.scan.secrets import redact

    clean, n = redact(text)
    tokens = count_tokens(clean)
    if tokens > limit:
        clean, tokens = _cut(clean, limit)
    return ToolResult(name, clean, tokens, is_error=error, redactions=n)


def _cut(text: str, limit: int) -> tuple[str, int]:
    note = CUT.format(limit)
    rows = text.splitlines(keepends=True)
    lo, hi = 0, len(rows)
    while lo < hi:  # the most lines that fit with the note
        mid = (lo + hi + 1) // 2
        if count_tokens("".join(rows[:mid]) + note) <= limit:
            lo = mid
        else:
            hi = mid - 1
    out = "".join(rows[:lo]) + note
    return out, count_tokens(out)
