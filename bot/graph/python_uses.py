"""What a Python file uses: attribute chains and calls on imported or module-level names, with scopes.

A name bound by an import can be shadowed by another binding (parameter, assignment, loop or comprehension
variable, nested def): inside that binding's scope a use refers to the other binding and is not recorded;
a rebinding at module scope (or `global`) drops the name everywhere.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

from bot.graph.model import AttrUse, CallSite
from bot.graph.python_defs import ModuleWalk
from bot.lazy_re import lazy


class Spans:
    """A union of byte ranges, asked "does it contain offset p"."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.ends[i]


_PATTERN_TYPES = {"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "list_splat_pattern",
                  "parenthesized_expression", "expression_list", "as_pattern_target", "list_splat"}


def target_names(node: Any) -> list[str]:
    """Names bound by an assignment-like target (`a`, `a, (b, *c)`), not attributes or subscripts."""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(n.text.decode("utf-8", "replace"))
        elif n.type in _PATTERN_TYPES:
            stack.extend(n.named_children)
    return out


_PARAM_TYPES = {"default_parameter", "typed_parameter", "typed_default_parameter", "list_splat_pattern",
                "dictionary_splat_pattern"}


_SCOPES = {"function_definition", "lambda", "class_definition"}
_COMPREHENSIONS = {"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
Rebinding = list[tuple[int, int]] | None  # the byte ranges of the scopes rebinding a name; None: module scope


def _scope_of(node: Any, comprehension: bool = False) -> tuple[int, int, bool] | None:
    """The function/lambda/class (or comprehension) whose scope a binding at `node` belongs to, and
    whether it is a class."""
    p = node.parent
    while p is not None:
        if p.type in _SCOPES or (comprehension and p.type in _COMPREHENSIONS):
            return p.start_byte, p.end_byte, p.type == "class_definition"
        p = p.parent
    return None


def _class_body(scope: tuple[int, int, bool], functions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of a class that see its own bindings: the class minus the functions and lambdas in it
    (a method's body does not see the class scope)."""
    start, end = scope[0], scope[1]
    out: list[tuple[int, int]] = []
    at = start
    for f_start, f_end in functions:
        if f_start < at or f_end > end:
            continue  # outside, or inside a function already cut out
        if f_start > at:
            out.append((at, f_start))
        at = f_end
    if at < end:
        out.append((at, end))
    return out


def rebindings(caps: dict[str, list[Any]], walk: ModuleWalk, watched: set[str]) -> dict[str, Rebinding]:
    """Where names in `watched` are bound by something other than an import: per name, the scopes (a use
    inside them sees the other binding), or None when the module scope itself rebinds it."""
    out: dict[str, Rebinding] = {}
    functions = sorted((n.start_byte, n.end_byte) for k in ("func", "lambda") for n in caps.get(k, ()))

    def bind(name: str, node: Any, comprehension: bool = False) -> None:
        if name not in watched or (name in out and out[name] is None):
            return
        scope = _scope_of(node, comprehension)
        if scope is None:
            out[name] = None
        else:
            ranges = out.setdefault(name, [])
            assert ranges is not None
            ranges.extend(_class_body(scope, functions) if scope[2] else [scope[:2]])

    for n in caps.get("lhs", ()):
        in_comprehension = n.parent is not None and n.parent.type == "for_in_clause"
        for name in target_names(n):
            bind(name, n, in_comprehension)
    for n in caps.get("walrus", ()):
        bind(n.text.decode("utf-8", "replace"), n)
    for n in caps.get("params", ()):
        for p in n.named_children:
            ident = p if p.type == "identifier" else (p.child_by_field_name("name") or next(
                (c for c in p.named_children if c.type == "identifier"), None)) if p.type in _PARAM_TYPES else None
            if ident is not None:
                bind(ident.text.decode("utf-8", "replace"), n)
    for kind in ("func", "class"):
        for n in caps.get(kind, ()):
            ident = n.child_by_field_name("name")
            if ident is not None and n.start_byte not in walk.top_def_starts:
                bind(ident.text.decode("utf-8", "replace"), n)
    for n in caps.get("global", ()):
        name = n.text.decode("utf-8", "replace")
        if name in watched:
            out[name] = None
    for n in caps.get("capname", ()):
        if n.named_child_count == 1:
            bind(n.text.decode("utf-8", "replace"), n)
    return out


class CallerIndex:
    """Which module-level function or method (qualname) contains a byte offset."""

    def __init__(self, walk: ModuleWalk) -> None:
        spans = sorted(walk.function_spans)
        self.starts = [s[0] for s in spans]
        self.spans = spans

    def caller(self, offset: int) -> str:
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.spans[i][1]:
            return self.spans[i][2]
        return ""


_CHAIN_TEXT = lazy(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def chains(caps: dict[str, list[Any]], import_bases: set[str], call_bases: set[str],
            shadowed: dict[str, Spans], guards: tuple[Spans, Spans], callers: CallerIndex,
            attr_uses: list[AttrUse], calls: list[CallSite]) -> None:
    """Attribute chains on imported names, and calls through chains; `guards`: (attribute, call) guards."""
    attr_guards, call_guards = guards
    wanted = {n.encode("utf-8") for n in call_bases}
    for base in caps.get("abase", ()):
        raw = base.text
        if raw not in wanted:
            continue
        name = raw.decode("utf-8")
        start = base.start_byte
        if name in shadowed and start in shadowed[name]:
            continue  # a local binding of the same name is in scope here
        top = base.parent
        parent = top.parent
        # the object of an attribute/call/assignment is its first child: same start byte
        while parent is not None and parent.type == "attribute" and parent.start_byte == start:
            top, parent = parent, parent.parent
        chain = top.text.decode("utf-8", "replace")
        # (whitespace, comments or line breaks inside the chain: walk the nodes)
        attrs = chain.split(".")[1:] if _CHAIN_TEXT.fullmatch(chain) else _chain_attrs(base)
        if not attrs:
            continue
        line, col, end_line = base.start_point[0] + 1, base.start_point[1], top.end_point[0] + 1
        ptype = parent.type if parent is not None else ""
        if name in import_bases:
            store = ptype in ("assignment", "augmented_assignment") and parent.start_byte == start
            attr_uses.append(AttrUse(name, tuple(attrs), line, col, end_line, store, start in attr_guards))
        if ptype == "call" and parent.start_byte == start:
            calls.append(_call_site(".".join([name, *attrs]), parent, start in call_guards, callers))


def _chain_attrs(base: Any) -> list[str]:
    attrs: list[str] = []
    node = base
    parent = base.parent
    while parent is not None and parent.type == "attribute" and parent.child_by_field_name("object") == node:
        attr = parent.child_by_field_name("attribute")
        if attr is None:
            break
        attrs.append(attr.text.decode("utf-8", "replace"))
        node, parent = parent, parent.parent
    return attrs


def name_calls(caps: dict[str, list[Any]], call_bases: set[str], shadowed: dict[str, Spans], guards: Spans,
               callers: CallerIndex, calls: list[CallSite]) -> None:
    wanted = {n.encode("utf-8") for n in call_bases}
    for fn in caps.get("cname", ()):
        raw = fn.text
        if raw in wanted:
            name = raw.decode("utf-8")
            if name in shadowed and fn.start_byte in shadowed[name]:
                continue
            call = fn.parent
            calls.append(_call_site(name, call, call.start_byte in guards, callers))


_ARG_SPECIALS = lazy(rb"[=*#\\]")
_NOT_ARGUMENTS = {"comment", "line_continuation"}  # extras tree-sitter lists among the arguments


def _call_site(callee: str, call: Any, guarded: bool, callers: CallerIndex) -> CallSite:
    args = call.child_by_field_name("arguments")
    n_pos, star, starstar = 0, False, False
    keywords: list[str] = []
    if args is not None and args.type == "generator_expression":
        n_pos = 1
    elif args is not None and not _ARG_SPECIALS.search(args.text):
        n_pos = args.named_child_count  # only plain positional arguments
    elif args is not None:
        for a in args.named_children:
            t = a.type
            if t == "keyword_argument":
                kw = a.child_by_field_name("name")
                if kw is not None:
                    keywords.append(kw.text.decode("utf-8", "replace"))
            elif t == "list_splat":
                star = True
            elif t == "dictionary_splat":
                starstar = True
            elif t == "ERROR":
                star = True  # unparsable arguments: make the call unjudgeable
            elif t not in _NOT_ARGUMENTS:
                n_pos += 1
    return CallSite(callee, call.start_point[0] + 1, call.start_point[1], call.end_point[0] + 1, n_pos,
                    tuple(keywords), star, starstar, callers.caller(call.start_byte), guarded)
