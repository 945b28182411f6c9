"""Whether a Python file may hold a syntax error that only CPython's code generator reports.

`symtable.symtable` runs CPython's tokenizer, parser, `__future__` checks and symbol table: it raises every
syntax error of a file except those `compile` finds while generating code — 'return'/'yield' outside function,
'await'/'async for'/'async with'/async comprehensions outside an async function, 'break'/'continue' outside a
loop, a default 'except:' that is not last, misplaced starred expressions, repeated keyword arguments,
`__debug__` bound or deleted, pattern-matching checks, `from __future__` after other code, too many statically
nested blocks, break/continue/return in an `except*` block. `codegen_suspect` over-approximates where those can
be, from the tree-sitter captures of the file (patterns `CODEGEN_QUERY`, merged into the parser's query): a file
it clears compiles exactly when its symbol table builds, so the syntax check skips `compile`'s code generation;
a suspect file is compiled. The list was checked against `compile` on CPython 3.10-3.13; any other interpreter
always compiles (`KNOWN_INTERPRETERS`).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from bot.lazy_re import lazy

KNOWN_INTERPRETERS = ((3, 10), (3, 13))
MAX_BLOCKS = 20  # CPython's CO_MAXBLOCKS: "too many statically nested blocks"
MAX_UNPACK_BEFORE_STAR = 255  # "too many expressions in star-unpacking assignment" past this

CODEGEN_QUERY = """
(function_definition body: (block) @cg_def)
(function_definition "async" body: (block) @cg_async_def)
(lambda body: (_) @cg_lambda)
(class_definition body: (block) @cg_class)
(for_statement body: (block) @cg_loop)
(while_statement body: (block) @cg_loop)
(try_statement) @cg_try
(with_statement) @cg_with
(with_item) @cg_with_item
(return_statement) @cg_return
(yield) @cg_yield
(await) @cg_await
(for_statement "async" @cg_await)
(with_statement "async" @cg_await)
(for_in_clause "async" @cg_await)
(break_statement) @cg_break
(continue_statement) @cg_break
(list_splat) @cg_star
(argument_list (list_splat) @cg_star_ok)
(list (list_splat) @cg_star_ok)
(tuple (list_splat) @cg_star_ok)
(set (list_splat) @cg_star_ok)
(expression_list (list_splat) @cg_star_ok)
(list_splat_pattern) @cg_star_target
(parameters (list_splat_pattern) @cg_star_target_ok)
(lambda_parameters (list_splat_pattern) @cg_star_target_ok)
(typed_parameter (list_splat_pattern) @cg_star_target_ok)
(pattern_list (list_splat_pattern) @cg_star_target_ok) @cg_unpack
(tuple_pattern (list_splat_pattern) @cg_star_target_ok) @cg_unpack
(list_pattern (list_splat_pattern) @cg_star_target_ok) @cg_unpack
(pattern_list (list_splat_pattern) (list_splat_pattern)) @cg_suspect
(tuple_pattern (list_splat_pattern) (list_splat_pattern)) @cg_suspect
(list_pattern (list_splat_pattern) (list_splat_pattern)) @cg_suspect
(as_pattern_target [(tuple) (list) (list_splat) (parenthesized_expression)]) @cg_as_target
(argument_list (keyword_argument name: (identifier) @cg_kw) (keyword_argument name: (identifier) @cg_suspect)
  (#eq? @cg_kw @cg_suspect))
(except_clause) @cg_except
(match_statement) @cg_suspect
(future_import_statement) @cg_future
"""

_BARE_EXCEPT = lazy(rb"except\s*:")
_EXCEPT_STAR = lazy(rb"except\s*\*")

# Kinds of the intervals the sweep tracks: scopes (a new code object) and blocks (CPython's frame blocks).
_DEF, _ASYNC_DEF, _LAMBDA, _CLASS, _LOOP, _BLOCK = range(6)
# ... and of the points it judges.
_RETURN, _YIELD, _AWAIT, _BREAK = range(4)
# Frame blocks one statement may push at most (try/except-as inside try/finally: 3; a loop: 1; margin added).
_TRY_WEIGHT, _LOOP_WEIGHT = 4, 2


def codegen_suspect(source: bytes, root: Any, caps: dict[str, list[Any]]) -> bool:
    """True unless the file certainly holds none of the errors only code generation reports."""
    if root.has_error or caps.get("cg_suspect") or b"__debug__" in source or _EXCEPT_STAR.search(source):
        return True
    if len(caps.get("cg_star", ())) != len(caps.get("cg_star_ok", ())):
        return True  # `x = *a`, `return *a`, `f'{*a}'`, `x[*a]`, ...
    if len(caps.get("cg_star_target", ())) != len(caps.get("cg_star_target_ok", ())):
        return True  # `*a = b`, `for *a in b`
    if any(n.named_child_count > MAX_UNPACK_BEFORE_STAR for n in caps.get("cg_unpack", ())):
        return True
    if any(b"*" in n.text for n in caps.get("cg_as_target", ())):
        return True  # `with x as (a, *b)`: a starred store target outside the assignment patterns
    if _BARE_EXCEPT.search(source) and _bare_except_not_last(caps.get("cg_except", [])):
        return True
    if caps.get("cg_future") and _late_future(root, caps["cg_future"]):
        return True
    return _misplaced(caps)


def _bare_except_not_last(clauses: list[Any]) -> bool:
    for clause in clauses:
        if any(c.type not in ("block", "comment") for c in clause.named_children):
            continue  # `except E:`
        sibling = clause.next_named_sibling
        while sibling is not None:
            if sibling.type == "except_clause":
                return True
            sibling = sibling.next_named_sibling
    return False


def _late_future(root: Any, futures: list[Any]) -> bool:
    """A `from __future__` import that does not stand in the file's opening run of them (after the docstring)."""
    allowed: set[int] = set()
    for i in range(root.named_child_count):
        stmt = root.named_child(i)
        if stmt.type == "comment":
            continue
        if stmt.type == "future_import_statement":
            allowed.add(stmt.start_byte)
        elif i == 0 and _is_docstring(stmt):
            continue
        else:
            break
    return any(f.start_byte not in allowed for f in futures)


def _is_docstring(stmt: Any) -> bool:
    if stmt.type != "expression_statement" or stmt.named_child_count != 1:
        return False
    value = stmt.named_child(0)
    return value.type in ("string", "concatenated_string") and b"{" not in value.text


def _misplaced(caps: dict[str, list[Any]]) -> bool:
    """One sweep over the scopes, loops and blocks in source order: a return/yield/await/break/continue in a
    scope that does not allow it, or frame blocks nested deeper than CPython allows."""
    intervals: list[tuple[int, int, int, int]] = []  # (start, -end, kind, weight)
    for kind, name in ((_DEF, "cg_def"), (_LAMBDA, "cg_lambda"), (_CLASS, "cg_class")):
        intervals.extend((n.start_byte, -n.end_byte, kind, 0) for n in caps.get(name, ()))
    asyncs = {n.start_byte for n in caps.get("cg_async_def", ())}
    if asyncs:
        intervals = [(s, e, _ASYNC_DEF if k == _DEF and s in asyncs else k, w) for s, e, k, w in intervals]
    intervals.extend((n.start_byte, -n.end_byte, _LOOP, _LOOP_WEIGHT) for n in caps.get("cg_loop", ()))
    tries, withs = caps.get("cg_try", ()), caps.get("cg_with", ())
    items = caps.get("cg_with_item", ())
    nested = (_TRY_WEIGHT * len(tries) + _LOOP_WEIGHT * len(caps.get("cg_loop", ())) + len(withs) + len(items)
              >= MAX_BLOCKS)
    if nested:  # only then can blocks nest too deep: track them
        starts = sorted(n.start_byte for n in items)
        intervals.extend((n.start_byte, -n.end_byte, _BLOCK, _TRY_WEIGHT) for n in tries)
        intervals.extend((n.start_byte, -n.end_byte, _BLOCK,
                          1 + bisect_left(starts, n.end_byte) - bisect_left(starts, n.start_byte)) for n in withs)
    points = [(n.start_byte, kind) for kind, name in ((_RETURN, "cg_return"), (_YIELD, "cg_yield"),
                                                      (_AWAIT, "cg_await"), (_BREAK, "cg_break"))
              for n in caps.get(name, ())]
    if not points and not nested:
        return False
    return _sweep(sorted(intervals), sorted(points))


def _sweep(intervals: list[tuple[int, int, int, int]], points: list[tuple[int, int]]) -> bool:
    # stack entries: (end, scope kind, innermost scope-or-loop is a loop, frame blocks of the scope)
    stack: list[tuple[int, int, bool, int]] = []
    scope, in_loop, depth = -1, False, 0  # at module level
    i = 0
    for pos, point in points:
        while i < len(intervals) and intervals[i][0] <= pos:
            start, neg_end, kind, weight = intervals[i]
            i += 1
            while stack and stack[-1][0] <= start:
                stack.pop()
            scope, in_loop, depth = stack[-1][1:] if stack else (-1, False, 0)
            if kind == _LOOP:
                in_loop, depth = True, depth + weight
            elif kind == _BLOCK:
                depth += weight
            else:
                scope, in_loop, depth = kind, False, 0
            if depth >= MAX_BLOCKS:
                return True
            stack.append((-neg_end, scope, in_loop, depth))
        while stack and stack[-1][0] <= pos:
            stack.pop()
        scope, in_loop = stack[-1][1:3] if stack else (-1, False)
        if point == _BREAK and not in_loop:
            return True
        if point == _RETURN and scope not in (_DEF, _ASYNC_DEF):
            return True
        if point == _YIELD and scope not in (_DEF, _LAMBDA):
            return True  # (in an async def too: 'yield from' there, and 'return' with a value, are errors)
        if point == _AWAIT and scope != _ASYNC_DEF:
            return True
    return _too_deep(intervals[i:], stack)  # blocks after the last point: only their depth matters


def _too_deep(intervals: list[tuple[int, int, int, int]], stack: list[tuple[int, int, bool, int]]) -> bool:
    for start, neg_end, kind, weight in intervals:
        while stack and stack[-1][0] <= start:
            stack.pop()
        depth = stack[-1][3] if stack else 0
        if kind in (_LOOP, _BLOCK):
            depth += weight
        else:
            depth = 0
        if depth >= MAX_BLOCKS:
            return True
        stack.append((-neg_end, kind, False, depth))
    return False
