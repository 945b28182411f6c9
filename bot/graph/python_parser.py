"""Python language adapter: bytes -> `FileFacts`, with tree-sitter.

One tree-sitter parse and one multi-pattern query per file (the traversal runs on the C side); the Python
side only looks at the captured nodes it needs and at the module/class statement skeleton (never inside
function bodies). Positions: 1-based lines, 0-based UTF-8 byte columns (as CPython's `col_offset`).

Local diagnostics (syntax-error, undefined-name) come from `bot.gate.local.local_issues` when the gate
provides it; this module does not compute them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.graph.model import AttrUse, CallSite, FileFacts, ImportFact, LocalIssue
from bot.graph.python_defs import ModuleWalk, walk_module
from bot.graph.python_uses import CallerIndex, Spans, chains, name_calls, rebindings

# Bigger files (generated tables, hostile input) are not analysed: their facts say "unknowable".
MAX_EXTRACT_BYTES = 2_000_000

_QUERY = """
(import_statement) @import
(import_from_statement) @import
(function_definition) @func
(lambda) @lambda
(class_definition) @class
(try_statement) @try
(if_statement condition: (_) @ifcond)
(with_statement (with_clause) @withclause)
(attribute object: (identifier) @abase (#not-any-of? @abase "self" "cls"))
(call function: (identifier) @cname)
(assignment left: (_) @lhs)
(augmented_assignment left: (_) @lhs)
(for_statement left: (_) @lhs)
(for_in_clause left: (_) @lhs)
(named_expression name: (identifier) @walrus)
(as_pattern_target) @lhs
(parameters) @params
(lambda_parameters) @params
(global_statement (identifier) @global)
(nonlocal_statement (identifier) @global)
(case_pattern (dotted_name) @capname)
"""

# An `if` test that makes what it guards environment-dependent.
_GUARD_TEST = re.compile(
    r"TYPE_CHECKING|version|platform|os\.name|\bPY[A-Z0-9_]*\b|\bIS_[A-Z0-9_]+|\bHAS_[A-Z0-9_]+|"
    r"WINDOWS|win32|darwin|linux|JYTHON|sys\.implementation|hasattr\(\s*(?!self\b|cls\b)|find_spec|importlib"
)
# A `with` that expects or swallows exceptions (`pytest.raises`, `assertRaises`, `contextlib.suppress`).
_GUARD_WITH = re.compile(r"raises|Raises|suppress|warns|Warns|catch_warnings|ignore|expect", re.IGNORECASE)
_SUPPRESS = re.compile(rb"#\s*yantra:\s*ignore(?:\[([^\]\n]*)\])?")
_DYNAMIC_HINTS = (b"globals(", b"vars(", b"locals(", b"sys.modules", b"exec(", b"__path__", b"extend_path")
# What can add names to this module at run time. Module-level `def __getattr__` is found by the walk.
_DYNAMIC_CODE = re.compile(
    rb"globals\(\s*\)\s*(?:\[[^\]\n]*\]\s*(?:=[^=]|[-+*/|&]=)|\.(?:update|setdefault|__setitem__)\b)|"
    rb"(?m:^(?:vars|locals)\(\s*\)\s*(?:\[[^\]\n]*\]\s*=[^=]|\.update\b))|"
    rb"sys\.modules\s*\[\s*__name__\s*\]|"
    rb"(?m:^exec\s*\()|(?m:^__path__)|extend_path|"
    rb"[(,]\s*globals\(\s*\)\s*[,)]"
)
# What can make `import pkg.sub` work without a file `pkg/sub.py` (replacing the package itself cannot).
_PATH_DYNAMIC = re.compile(rb"__path__|extend_path|sys\.modules\s*\[(?!\s*__name__\s*\])[^\]\n]*\]\s*=[^=]")


def _path_dynamic(data: bytes) -> bool:
    if b"__path__" not in data and b"extend_path" not in data and b"sys.modules" not in data:
        return False
    return _PATH_DYNAMIC.search(data) is not None


def python_source(data: bytes) -> bytes:
    """The bytes tree-sitter should see for a Python file, as CPython reads it: decoded by its PEP 263 coding
    cookie (or BOM) and re-encoded as UTF-8, with every identifier NFKC-normalised (PEP 3131: `ﬁle` and `file`
    are one name). Positions stay UTF-8 byte columns of the decoded text, as CPython's `col_offset`.
    An ASCII file is returned as it is; undecodable bytes are kept (surrogateescape)."""
    if data.isascii():
        return data
    encoding = _declared_encoding(data)
    try:
        text = data.decode(encoding, "surrogateescape" if encoding == "utf-8" else "strict")
    except (LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", "surrogateescape")  # CPython rejects it: the syntax error is reported
    if text.startswith("\ufeff"):
        text = text[1:]
    if not unicodedata.is_normalized("NFKC", text):  # rare: only then look at the words
        text = _nfkc_words(text)
    return text.encode("utf-8", "surrogateescape")


_NON_ASCII = re.compile(r"[^\W\x00-\x7f]+")  # runs of non-ASCII word characters


def _nfkc_words(text: str) -> str:
    """`text` with every word that holds a non-ASCII character NFKC-normalised (the rest untouched)."""
    parts: list[str] = []
    done = 0
    for m in _NON_ASCII.finditer(text):
        start, end = m.span()
        if start < done:
            continue  # inside the word just normalised
        while start > done and _is_word_char(text[start - 1]):
            start -= 1
        while end < len(text) and _is_word_char(text[end]):
            end += 1
        word = text[start:end]
        if not unicodedata.is_normalized("NFKC", word):
            parts.append(text[done:start])
            parts.append(unicodedata.normalize("NFKC", word))
            done = end
    parts.append(text[done:])
    return "".join(parts)


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _declared_encoding(data: bytes) -> str:
    """The PEP 263 encoding of `data` (utf-8 without a cookie), by CPython's own rules (tokenize)."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding


def blob_sha(data: bytes) -> str:
    """The git blob SHA-1 of `data` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@lru_cache(maxsize=1)
def _machinery() -> tuple[Any, Any]:
    import tree_sitter_python
    from tree_sitter import Language, Parser, Query

    lang = Language(tree_sitter_python.language())
    return Parser(lang), Query(lang, _QUERY)


def parse_python(data: bytes, target: tuple[int, int], *, sha: str | None = None) -> FileFacts:
    """Extract the facts of one Python file. Never raises on any input."""
    sha = sha or blob_sha(data)
    issues, parse_ok = _local(data, target)  # CPython decodes and normalises by itself
    suppressions = _suppressions(data)
    _machinery()  # a broken grammar or query is a bug to surface, not a hostile file
    if len(data) > MAX_EXTRACT_BYTES:
        return _unknowable(sha, issues, parse_ok, suppressions, f"over {MAX_EXTRACT_BYTES // 1_000_000} MB")
    try:
        data = python_source(data)
        facts = _extract(data)
    except (RecursionError, MemoryError, ValueError, IndexError, AttributeError, TypeError, UnicodeError) as exc:
        return _unknowable(sha, issues, parse_ok, suppressions, f"too complex to analyse ({type(exc).__name__})")
    def pos(x: Any) -> tuple[int, int]:
        return x.line, x.col

    return FileFacts(sha=sha, definitions=facts.walk.definitions, module_names=frozenset(facts.walk.names),
                     imports=tuple(sorted(facts.imports, key=pos)), attr_uses=tuple(sorted(facts.attr_uses, key=pos)),
                     calls=tuple(sorted(facts.calls, key=pos)),
                     all_names=facts.walk.all_names, all_dynamic=facts.walk.all_dynamic,
                     dynamic=facts.dynamic, path_dynamic=_path_dynamic(data), issues=issues, parse_ok=parse_ok, suppressions=suppressions)


def _unknowable(sha: str, issues: tuple[LocalIssue, ...], parse_ok: bool,
                suppressions: tuple[tuple[int, tuple[str, ...]], ...], reason: str) -> FileFacts:
    """Facts of a file too big or pathological to analyse: what CPython said, and a module the rules cannot
    know (they stay silent about it); `not_analysed` makes the run report it as not checked."""
    return FileFacts(sha=sha, issues=issues, parse_ok=parse_ok, suppressions=suppressions, dynamic=True,
                     all_dynamic=True, path_dynamic=True, not_analysed=reason)


@lru_cache(maxsize=1)
def _gate_local() -> Any:
    """`bot.gate.local.local_issues` when the gate provides it (import attempted once per process)."""
    try:
        from bot.gate.local import local_issues
    except ImportError:
        return None
    return local_issues


def _local(data: bytes, target: tuple[int, int]) -> tuple[tuple[LocalIssue, ...], bool]:
    """Local issues from the gate (when it provides them) and whether CPython accepts the file."""
    local_issues = _gate_local()
    if local_issues is not None:
        try:
            issues = tuple(local_issues(data, target))
        except Exception:  # the gate's own failure must not stop the graph
            issues = ()
        else:
            return issues, not any(i.rule == "syntax-error" for i in issues)
    try:
        compile(data, "<yantra>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return (), False
    return (), True


def _suppressions(data: bytes) -> tuple[tuple[int, tuple[str, ...]], ...]:
    out: list[tuple[int, tuple[str, ...]]] = []
    if b"yantra" not in data:
        return ()
    for m in _SUPPRESS.finditer(data):
        line = data.count(b"\n", 0, m.start()) + 1
        raw = m.group(1)
        rules = tuple(r.strip() for r in raw.decode("utf-8", "replace").split(",") if r.strip()) if raw else ()
        out.append((line, rules))
    return tuple(out)


@dataclass
class _Extracted:
    walk: ModuleWalk
    imports: list[ImportFact] = field(default_factory=list)
    attr_uses: list[AttrUse] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    dynamic: bool = False


def _extract(data: bytes) -> _Extracted:
    from tree_sitter import QueryCursor

    parser, query = _machinery()
    tree = parser.parse(data)
    caps: dict[str, list[Any]] = QueryCursor(query).captures(tree.root_node)
    walk = walk_module(tree.root_node)
    functions = Spans((n.start_byte, n.end_byte) for n in [*caps.get("func", ()), *caps.get("lambda", ())])
    classes = Spans((n.start_byte, n.end_byte) for n in caps.get("class", ()))
    guards = Spans(_guard_ranges(caps))
    out = _Extracted(walk=walk)
    out.imports = [f for n in caps.get("import", ()) for f in _import_facts(n, functions, classes, guards)]
    for n in caps.get("walrus", ()):
        if n.start_byte not in functions and n.type == "identifier":
            walk.names.add(n.text.decode("utf-8", "replace"))
    for n in caps.get("global", ()):
        walk.names.add(n.text.decode("utf-8", "replace"))
    imported = {f.alias or (f.module.split(".")[0] if f.name is None else f.name) for f in out.imports} - {"*"}
    local_defs = {d.name for d in walk.definitions if d.qualname == d.name and d.kind != "variable"}
    rebound = rebindings(caps, walk, imported | local_defs)
    everywhere = {n for n, r in rebound.items() if r is None}
    shadowed = {n: Spans(r) for n, r in rebound.items() if r}
    import_bases = imported - everywhere - local_defs
    call_bases = import_bases | (local_defs - everywhere - imported)
    callers = CallerIndex(walk)
    chains(caps, import_bases, call_bases, shadowed, guards, callers, out.attr_uses, out.calls)
    name_calls(caps, call_bases, shadowed, guards, callers, out.calls)
    out.dynamic = walk.dynamic or (any(h in data for h in _DYNAMIC_HINTS) and bool(_DYNAMIC_CODE.search(data)))
    return out


def _guard_ranges(caps: dict[str, list[Any]]) -> list[tuple[int, int]]:
    ranges = [(n.start_byte, n.end_byte) for n in caps.get("try", ())]
    for clause in caps.get("withclause", ()):
        if _GUARD_WITH.search(clause.text.decode("utf-8", "replace")):
            stmt = clause.parent
            ranges.append((stmt.start_byte, stmt.end_byte))
    for cond in caps.get("ifcond", ()):
        test = cond.text.decode("utf-8", "replace")
        stmt = cond.parent
        if _GUARD_TEST.search(test):
            ranges.append((stmt.start_byte, stmt.end_byte))
        elif test in ("True", "1") and stmt.parent is not None:
            # `if True: return ...` makes the rest of the block dead code
            body = stmt.child_by_field_name("consequence")
            last = body.named_children[-1] if body is not None and body.named_child_count else None
            if last is not None and last.type in ("return_statement", "raise_statement"):
                ranges.append((stmt.end_byte, stmt.parent.end_byte))
    return ranges


def _scope(offset: int, functions: Spans, classes: Spans) -> str:
    if offset in functions:
        return "function"
    return "class" if offset in classes else "module"


def _import_facts(node: Any, functions: Spans, classes: Spans, guards: Spans) -> list[ImportFact]:
    start = node.start_byte
    line, col = node.start_point[0] + 1, node.start_point[1]
    end_line = node.end_point[0] + 1
    scope = _scope(start, functions, classes)
    guarded = start in guards
    module, level = "", 0
    if node.type == "import_from_statement":
        mod = node.child_by_field_name("module_name")
        if mod is None:
            return []
        if mod.type == "relative_import":
            for c in mod.children:
                if c.type == "import_prefix":
                    level = c.end_byte - c.start_byte
                elif c.type == "dotted_name":
                    module = _dotted(c)
        else:
            module = _dotted(mod)
    out: list[ImportFact] = []
    for child in node.children:
        if child.type == "wildcard_import":
            out.append(ImportFact(module, level, "*", None, line, col, end_line, scope, guarded))  # type: ignore[arg-type]
            continue
        field_name = node.field_name_for_child(node.children.index(child)) if child.is_named else None
        if field_name != "name":
            continue
        if child.type == "aliased_import":
            name_node, alias_node = child.child_by_field_name("name"), child.child_by_field_name("alias")
            name = _dotted(name_node) if name_node is not None else ""
            alias = alias_node.text.decode("utf-8", "replace") if alias_node is not None else None
        else:
            name, alias = _dotted(child), None
        if not name:
            continue
        if node.type == "import_statement":
            out.append(ImportFact(name, 0, None, alias, line, col, end_line, scope, guarded))  # type: ignore[arg-type]
        else:
            out.append(ImportFact(module, level, name, alias, line, col, end_line, scope, guarded))  # type: ignore[arg-type]
    return out


def _dotted(node: Any) -> str:
    return ".".join(c.text.decode("utf-8", "replace") for c in node.children if c.type == "identifier")


