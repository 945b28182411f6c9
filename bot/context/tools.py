"""Tools the model may call to ask the graph for more than the context holds (Anthropic tool use).

`show_symbol`, `read_lines`, `dependents`, `callers` and `search` (the context's own ranking: BM25 against
the query plus the definitions it names, through the graph) answer from the repository's graph. Every
result is redacted with the same secret redaction as prompts and counted in cl100k_base tokens; a
`ToolBudget` caps the calls per attempt and the tokens all results may take. A call the budget cannot
pay for, or with bad arguments, is an error result for the model (`is_error`), never an exception.
`run_tests(node_ids)` is offered only when the pipeline hands in a runner (its sandboxed test runner): node ids
are checked here first — each must name a Python file of the repository, so an option (`--co`, `-p plugin`), an
absolute path or a path out of the repository never reaches pytest. Files whose link leads out of the
repository (or into its git directory) are never read.

Each result also names the definitions it showed in full (`seen`, "path:qualname"), for the run's evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
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
MAX_NODE_IDS = 50
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

RUN_TESTS_SCHEMA: dict[str, Any] = {
    "name": "run_tests",
    "description": "Run pytest node ids of the repository as it is now (before your fix), in the sandbox, and "
                   "see their outcomes and failures: `tests/test_x.py`, `tests/test_x.py::test_name`.",
    "input_schema": {"type": "object", "properties": {
        "node_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": MAX_NODE_IDS}},
        "required": ["node_ids"]}}


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
    seen: tuple[str, ...] = ()  # "path:qualname" of each definition the result shows in full
    counted: bool = True  # False: refused before running (the cap or budget was reached), nothing was spent

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text, "tokens": self.tokens, "is_error": self.is_error,
                "redactions": self.redactions, "seen": list(self.seen), "counted": self.counted}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ToolResult:
        return cls(str(data["name"]), str(data["text"]), int(data["tokens"]), bool(data["is_error"]),
                   int(data.get("redactions", 0)), tuple(data.get("seen", ())), bool(data.get("counted", True)))


@dataclass
class ContextTools:
    """`run_tests`: the pipeline's sandboxed runner (node ids -> a report), or None when tests may not run."""

    graph: Graph
    budget: ToolBudget = field(default_factory=ToolBudget)
    log: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    run_tests: Callable[[list[str]], str] | None = None
    _index: list[Chunk] | None = None
    _seen: list[str] = field(default_factory=list)

    @property
    def schemas(self) -> list[dict[str, Any]]:
        return [*TOOL_SCHEMAS, RUN_TESTS_SCHEMA] if self.run_tests is not None else list(TOOL_SCHEMAS)

    def call(self, name: str, arguments: object) -> ToolResult:
        """Run one tool call within the budget; the result is what goes back to the model."""
        stop = self.budget.exhausted()
        handlers: dict[str, Callable[..., str]] = {
            "show_symbol": self.show_symbol, "read_lines": self.read_lines, "dependents": self.dependents,
            "callers": self.callers, "search": self.search}
        if self.run_tests is not None:
            handlers["run_tests"] = self.tests
        args = dict(arguments) if isinstance(arguments, dict) else {}
        if stop is not None:
            result = _result(name, stop, error=True, counted=False)
        else:
            self._seen = []
            if name not in handlers:
                result = _result(name, f"unknown tool {str(name)[:80]!r}; tools: {', '.join(handlers)}", error=True)
            elif not isinstance(arguments, dict):
                result = _result(name, f"{name}: the input must be an object of named arguments", error=True)
            else:
                try:
                    text = handlers[name](**_arguments(self.schemas, name, args))
                    result = _result(name, text, limit=min(MAX_RESULT_TOKENS, self.budget.tokens_left),
                                     seen=self._seen)
                except ToolError as exc:
                    result = _result(name, str(exc), error=True)
        self.record(ToolCall(name, args), result)
        return result

    def record(self, call: ToolCall, result: ToolResult) -> None:
        """Count a result against the budget and log it (also how a resumed run replays a recorded result)."""
        if result.counted:
            self.budget.calls += 1
            self.budget.tokens += result.tokens
        self.log.append((call, result))

    # -- the tools -----------------------------------------------------------------------------------
    def show_symbol(self, name: str) -> str:
        refs = [r for r in self._symbols(name) if self._readable(r.path)]
        if not refs:
            raise ToolError(f"the definitions named {name!r} are not readable inside the repository")
        parts = []
        for ref in refs[:MAX_MATCHES]:
            code, lines = symbol_code(self.graph.source(ref.path), ref.definition)
            parts.append(f"# ---- {ref.path}:{lines[0]}-{lines[1]} {ref.qualname}\n" + compress_python(code).text)
            self._seen.append(f"{ref.path}:{ref.qualname}")
        more = f"# … and {len(refs) - MAX_MATCHES} more definitions named {name!r}\n" if len(refs) > MAX_MATCHES else ""
        return "".join(parts) + more

    def read_lines(self, path: str, start: int, end: int) -> str:
        if path not in set(self.graph.files()) or not self._readable(path):
            raise ToolError(f"{path[:200]!r} is not a Python file of the repository (give a repository-relative "
                           f"path)")
        if start < 1 or end < start:
            raise ToolError(f"bad line range {start}..{end}: 1 <= start <= end")
        rows = self.graph.source(path).splitlines()
        if start > len(rows):
            raise ToolError(f"{path} has {len(rows)} lines")
        end = min(end, len(rows), start + MAX_LINES - 1)
        facts = self.graph.facts(path)
        for d in facts.definitions if facts else ():
            if start <= d.line and d.end_line <= end and d.kind != "variable":
                self._seen.append(f"{path}:{d.qualname}")
        return "".join(f"{n:>5} {rows[n - 1]}\n" for n in range(start, end + 1))

    def tests(self, node_ids: list[str]) -> str:
        assert self.run_tests is not None
        if not node_ids or len(node_ids) > MAX_NODE_IDS:
            raise ToolError(f"run_tests: give 1 to {MAX_NODE_IDS} node ids")
        files = set(self.graph.files())
        for node in node_ids:
            if not isinstance(node, str):
                raise ToolError("run_tests: every node id must be a string")
            path = node.split("::", 1)[0]
            if not _NODE_ID.fullmatch(node) or path not in files or not self._readable(path):
                raise ToolError(f"run_tests: {node[:200]!r} is not a test of the repository: a node id is a "
                               f"repository-relative .py file, optionally followed by ::names")
        return self.run_tests(list(dict.fromkeys(node_ids)))

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
            files = [p for p in self.graph.files() if p.endswith(".py") and self._readable(p)]
            self._index = chunks(self.graph, files, lambda p: split_lines(self.graph.source(p)))
        scores = bm25(self._index, query)
        named = {(r.path, r.qualname) for word in set(query.replace("(", " ").split()) for r in
                 _exact(self.graph, word.strip(".,:;'\"`")) if self._readable(r.path)}
        ranked = sorted(set(scores) | named, key=lambda k: (k not in named, -scores.get(k, 0.0)))
        out = []
        for path, qualname in ranked[:limit]:
            facts = self.graph.facts(path)
            definition = next((d for d in facts.definitions if d.qualname == qualname), None) if facts else None
            if definition is not None:
                body = signature_text(self.graph.source(path), definition, facts)
                out.append(f"# {path}:{definition.line}-{definition.end_line} {qualname}\n{body}")
        return "".join(out) or f"nothing in the repository matches {query!r}\n"

    def _readable(self, path: str) -> bool:
        """`path` is read from inside the repository: no link out of it or into its git directory."""
        root = Path(self.graph.root).resolve()
        try:
            real = (root / path).resolve()
        except (OSError, RuntimeError):
            return False
        return real.is_relative_to(root) and ".git" not in real.relative_to(root).parts

    def _symbols(self, name: str) -> list[SymbolRef]:
        refs = self.graph.find_symbol(name.strip())
        if not refs:
            from bot.graph.queries import suggest_symbols

            close = suggest_symbols(self.graph, name)
            raise ToolError(f"no definition named {name!r}" + (f"; did you mean: {', '.join(close)}?" if close else ""))
        return refs


class ToolError(Exception):
    """A tool call the model got wrong, or one that may not run: reported back to it as an error result."""


_NODE_ID = re.compile(r"(?![-/])(?!.*(?:^|/)\.\.(?:/|::|$))[^\x00-\x1f]+?\.py(?:::[^\x00-\x1f]+)?")
_TYPES: dict[str, tuple[type, str]] = {"integer": (int, "an integer"), "string": (str, "a string"),
                                       "array": (list, "a list")}


def _arguments(schemas: list[dict[str, Any]], name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    schema = next(s for s in schemas if s["name"] == name)["input_schema"]
    props: dict[str, Any] = schema["properties"]
    missing = [k for k in schema["required"] if k not in arguments]
    unknown = [str(k)[:40] for k in arguments if k not in props]
    if missing or unknown:
        raise ToolError(f"{name}: missing {missing} / unknown {unknown[:5]} arguments; takes {list(props)}")
    for key, value in arguments.items():
        want, label = _TYPES[props[key]["type"]]
        if not isinstance(value, want) or isinstance(value, bool):
            raise ToolError(f"{name}: argument {key!r} must be {label}")
    return arguments


def _exact(graph: Graph, word: str) -> list[SymbolRef]:
    if not word or not word.replace(".", "").replace("_", "").isalnum():
        return []
    return [r for r in graph.find_symbol(word) if r.definition.kind != "variable"][:MAX_MATCHES]


def _result(name: object, text: str, *, error: bool = False, limit: int = MAX_RESULT_TOKENS,
            seen: list[str] | None = None, counted: bool = True) -> ToolResult:
    from bot.scan.secrets import redact

    clean, n = redact(text)
    tokens = count_tokens(clean)
    shown = list(dict.fromkeys(seen or ()))
    if tokens > limit:
        clean, tokens = _cut(clean, limit)
        shown = [s for s in shown if _whole(clean, s)]
    return ToolResult(str(name)[:80], clean, tokens, is_error=error, redactions=n, seen=tuple(shown),
                      counted=counted)


def _whole(text: str, label: str) -> bool:
    """After a cut: a show_symbol part is whole when another part follows its header; read_lines shows none in
    full past the cut (conservative: only what is certainly complete counts as seen)."""
    path, _, qualname = label.partition(":")
    headers = [m for m in re.finditer(r"^# ---- (\S+?):\d+-\d+ (\S+)$", text, re.M)]
    for i, m in enumerate(headers):
        if (m.group(1), m.group(2)) == (path, qualname):
            return i + 1 < len(headers)
    return False


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
