"""Python language adapter: bytes -> `FileFacts`, with tree-sitter.

One tree-sitter parse and one multi-pattern query per file (the traversal runs on the C side); the Python
side only looks at the captured nodes it needs and at the module/class statement skeleton (never inside
function bodies). Positions: 1-based lines, 0-based UTF-8 byte columns (as CPython's `col_offset`).

Local diagnostics (syntax-error, undefined-name) come from `bot.graph.python_local`; what may make a name's
absence uncertain (doubts, scoped guards) from `bot.graph.python_doubts`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from bot.graph.model import AttrUse, CallSite, Doubts, FileFacts, ImportFact, LocalIssue, MemberUse
from bot.graph.python_codegen import CODEGEN_QUERY, codegen_suspect
from bot.graph.python_defs import ModuleWalk, walk_module
from bot.graph.python_doubts import (
    doubts_of,
    guard_ranges,
    literal_global_names,
    module_dynamic,
    path_dynamic,
)
from bot.graph.python_grammar import python_language
from bot.graph.python_local import judged_for, local_issues
from bot.graph.python_members import (
    attr_stores,
    binding_counts,
    instance_members,
    self_members,
    store_roots,
    super_members,
)
from bot.graph.python_next import desugared
from bot.graph.python_uses import CallerIndex, Spans, chains, name_calls, rebindings
from bot.lazy_re import lazy

# Bigger files (generated tables, hostile input) are not analysed: their facts say "unknowable".
MAX_EXTRACT_BYTES = 2_000_000

_MAIN_QUERY = """
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
(attribute object: (identifier) @sbase (#any-of? @sbase "self" "cls"))
(delete_statement (_) @delete)
(attribute object: (call function: [(identifier) (attribute)] @icall))
(assignment left: (attribute) @astore)
(augmented_assignment left: (attribute) @astore)
(pattern_list (attribute) @astore)
(tuple_pattern (attribute) @astore)
"""
_QUERY = _MAIN_QUERY + CODEGEN_QUERY

# A process that parses only a few small files (the pre-commit hook: a staged change) compiles the query without
# the code-generation patterns: tree-sitter's analysis of those costs about as much as the rest of the query
# (~90M instructions, ~10 ms), while they only spare `compile` for the files they clear, and `compile` decides
# the other files' syntax with the same verdict (`python_codegen`). Past this many bytes parsed without them, the
# full query is compiled, once per process (the pool workers of a build, which sort their files biggest first,
# compile it for their first file).
LIGHT_QUERY_BYTES = 64_000

_SUPPRESS = lazy(rb"#\s*yantra:\s*ignore(?:\[([^\]\n]*)\])?")


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


_NON_ASCII = lazy(r"[^\W\x00-\x7f]+")  # runs of non-ASCII word characters


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
def _parser() -> Any:
    from tree_sitter import Parser

    return Parser(python_language())


@lru_cache(maxsize=1)
def _machinery() -> tuple[Any, Any]:
    """The parser and the full query (code-generation patterns included)."""
    from tree_sitter import Query

    return _parser(), Query(python_language(), _QUERY)


@lru_cache(maxsize=1)
def _light_query() -> Any:
    from tree_sitter import Query

    return Query(python_language(), _MAIN_QUERY)


class _LightBudget:
    """The bytes this process may still parse with the light query (`LIGHT_QUERY_BYTES`)."""

    left = LIGHT_QUERY_BYTES


def _machinery_for(size: int, light: bool | None) -> tuple[Any, Any, bool]:
    """(parser, query, whether the query has the code-generation patterns) for a file of `size` bytes: the light
    query while the process has parsed little and has not compiled the full one (`light` None), or as told."""
    if light is None:
        light = _machinery.cache_info().currsize == 0 and size <= _LightBudget.left
        if light:
            _LightBudget.left -= size
    if light:
        return _parser(), _light_query(), False
    parser, query = _machinery()
    return parser, query, True


def parse_python(data: bytes, target: tuple[int, int], *, sha: str | None = None,
                 light: bool | None = None) -> FileFacts:
    """Extract the facts of one Python file. Never raises on any input. `light`: parse with the query without
    the code-generation patterns (True) or with the full one (False); the facts are the same either way
    (default: the light one while this process has parsed little, `LIGHT_QUERY_BYTES`)."""
    sha = sha or blob_sha(data)
    suppressions = _suppressions(data)
    parser, query, codegen = _machinery_for(len(data), light)  # a broken grammar or query is a bug to surface
    if len(data) > MAX_EXTRACT_BYTES:
        issues, parse_ok = _local(data, target)
        return _unknowable(sha, issues, parse_ok, suppressions, f"over {MAX_EXTRACT_BYTES // 1_000_000} MB")
    from tree_sitter import QueryCursor

    local: tuple[tuple[LocalIssue, ...], bool] | None = None
    try:
        source = python_source(data)
        tree = parser.parse(source)
        if tree.root_node.has_error and (plain := desugared(data)) is not None:
            source = python_source(plain)  # Python 3.15's forms, which the grammar does not read, written for
            tree = parser.parse(source)  # an older Python: same lines, columns and names, so whole facts
        caps: dict[str, list[Any]] = QueryCursor(query).captures(tree.root_node)
        # (CPython decodes and normalises `data` by itself)
        # (without the code-generation patterns' captures nothing is cleared: `compile` decides)
        local = _local(data, target, codegen_clear=codegen and not codegen_suspect(source, tree.root_node, caps))
        facts = _extract(source, tree.root_node, caps, target)
    except (RecursionError, MemoryError, ValueError, IndexError, AttributeError, TypeError, UnicodeError) as exc:
        issues, parse_ok = local or _local(data, target)  # (without a tree, `compile` alone decides)
        return _unknowable(sha, issues, parse_ok, suppressions, f"too complex to analyse ({type(exc).__name__})")
    issues, parse_ok = local

    def pos(x: Any) -> tuple[int, int]:
        return x.line, x.col

    return FileFacts(sha=sha, definitions=facts.walk.definitions, module_names=frozenset(facts.walk.names),
                     imports=tuple(sorted(facts.imports, key=pos)), attr_uses=tuple(sorted(facts.attr_uses, key=pos)),
                     calls=tuple(sorted(facts.calls, key=pos)),
                     all_names=facts.walk.all_names, all_dynamic=facts.walk.all_dynamic,
                     dynamic=facts.dynamic, path_dynamic=path_dynamic(source), issues=issues, parse_ok=parse_ok,
                     suppressions=suppressions, doubts=replace(facts.doubts, attr_stores=facts.attr_stores,
                                                                  store_roots=facts.store_roots,
                                                                  platform_imports=facts.platform_imports),
                     member_uses=tuple(sorted(facts.member_uses, key=pos)),
                     instance_attrs=tuple(sorted((k, tuple(sorted(v))) for k, v in facts.instance_attrs.items())))


def _unknowable(sha: str, issues: tuple[LocalIssue, ...], parse_ok: bool,
                suppressions: tuple[tuple[int, tuple[str, ...]], ...], reason: str) -> FileFacts:
    """Facts of a file too big or pathological to analyse: what CPython said, and a module the rules cannot
    know (they stay silent about it); `not_analysed` makes the run report it as not checked."""
    return FileFacts(sha=sha, issues=issues, parse_ok=parse_ok, suppressions=suppressions, dynamic=True,
                     all_dynamic=True, path_dynamic=True, not_analysed=reason)


def _local(data: bytes, target: tuple[int, int], *,
           codegen_clear: bool = False) -> tuple[tuple[LocalIssue, ...], bool]:
    """syntax-error / undefined-name issues, and whether the facts are whole: CPython accepts the file, or
    rejects only syntax newer than the target that the parser reads ("... (target Python 3.5)": falcon's
    ASGI half is 3.6+ code in a package declared for 3.5, and its names are still what importers get)."""
    issues = local_issues(data, target, codegen_clear=codegen_clear)
    return issues, not any(i.rule == "syntax-error" and judged_for(i.message) is None for i in issues)


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
    """The facts gathered from one file's query captures, before they become `FileFacts`."""

    walk: ModuleWalk
    doubts: Doubts
    imports: list[ImportFact] = field(default_factory=list)
    attr_uses: list[AttrUse] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    dynamic: bool = False
    member_uses: list[MemberUse] = field(default_factory=list)
    instance_attrs: dict[str, set[str]] = field(default_factory=dict)
    attr_stores: tuple[str, ...] = ()
    store_roots: tuple[str, ...] = ()
    platform_imports: tuple[int, ...] = ()


def _extract(data: bytes, root: Any, caps: dict[str, list[Any]], target: tuple[int, int]) -> _Extracted:
    walk = walk_module(root)
    doubts = doubts_of(data)
    walk.names.update(doubts.getattr_names)  # served by a closed module `__getattr__`
    functions = Spans((n.start_byte, n.end_byte) for n in [*caps.get("func", ()), *caps.get("lambda", ())])
    classes = Spans((n.start_byte, n.end_byte) for n in caps.get("class", ()))
    ranges = guard_ranges(caps, target)
    guards, platform = Spans(ranges.imports + ranges.platform), Spans(ranges.platform)
    out = _Extracted(walk=walk, doubts=doubts)
    out.imports = [f for n in caps.get("import", ()) for f in _import_facts(n, functions, classes, guards)]
    if ranges.platform:  # shielded by an operating-system test only
        others = Spans(ranges.imports)
        out.platform_imports = tuple(sorted({n.start_point[0] + 1 for n in caps.get("import", ())
                                             if n.start_byte in platform and n.start_byte not in others}))
    for n in caps.get("walrus", ()):
        if n.start_byte not in functions and n.type == "identifier":
            walk.names.add(n.text.decode("utf-8", "replace"))
    for n in caps.get("global", ()):
        walk.names.add(n.text.decode("utf-8", "replace"))
    walk.names.update(literal_global_names(data))
    imported = {f.alias or (f.module.split(".")[0] if f.name is None else f.name) for f in out.imports} - {"*"}
    local_defs = {d.name for d in walk.definitions if d.qualname == d.name and d.kind != "variable"}
    rebound = rebindings(caps, walk, imported | local_defs)
    everywhere = {n for n, r in rebound.items() if r is None}
    shadowed = {n: Spans(r) for n, r in rebound.items() if r}
    import_bases = imported - everywhere - local_defs
    call_bases = import_bases | (local_defs - everywhere - imported)
    callers = CallerIndex(walk)
    attr_guards, call_guards = Spans(ranges.attributes), Spans(ranges.calls)
    chains(caps, import_bases, call_bases, shadowed, (attr_guards, call_guards), callers, out.attr_uses, out.calls)
    name_calls(caps, call_bases, shadowed, call_guards, callers, out.calls)
    out.dynamic = module_dynamic(data, doubts.getattr_open)
    out.instance_attrs = self_members(caps, attr_guards, out.member_uses)
    super_members(caps, attr_guards, out.member_uses)
    instance_members(caps, binding_counts(caps), attr_guards, out.member_uses)
    out.attr_stores = attr_stores(caps)
    if out.attr_stores:
        out.store_roots = store_roots(caps, walk.names | imported)
    return out


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


