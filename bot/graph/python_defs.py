"""The statement skeleton of a Python module: definitions, module-scope bindings, `__all__`.

Walks only module-level and class-level statements (through if/try/with/for/while/match blocks), never into
function bodies, with an explicit stack so deep nesting cannot exhaust the interpreter's recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.graph.model import Definition, Param, ParamKind, Signature

_MAX_CLASS_DEPTH = 40
_COMPOUND_BLOCKS = {
    "if_statement": ("consequence", "alternative"),
    "elif_clause": ("consequence",),
    "else_clause": ("body",),
    "for_statement": ("body", "alternative"),
    "while_statement": ("body", "alternative"),
    "with_statement": ("body",),
    "try_statement": ("body",),
    "except_clause": (),
    "except_group_clause": (),
    "finally_clause": (),
    "match_statement": ("body",),
    "case_clause": ("consequence",),
}


@dataclass
class ModuleWalk:
    """What one walk over a module's statements found (definitions, bound names, `__all__`)."""

    definitions: tuple[Definition, ...] = ()
    names: set[str] = field(default_factory=set)  # bound at module scope
    all_names: tuple[str, ...] | None = None
    all_dynamic: bool = False
    top_def_starts: set[int] = field(default_factory=set)  # start bytes of module-level function/class nodes
    function_spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, qualname)


def text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))


def walk_module(root: Any) -> ModuleWalk:
    out = ModuleWalk()
    defs: list[Definition] = []
    all_values: list[tuple[str, ...] | None] = []
    stack: list[tuple[Any, str, bool, int]] = [(root, "", False, 0)]
    while stack:
        block, prefix, conditional, depth = stack.pop()
        for stmt in reversed(block.named_children):
            _statement(stmt, prefix, conditional, depth, out, defs, all_values, stack)
    defs.reverse()
    out.definitions = tuple(sorted(defs, key=lambda d: (d.line, d.col)))
    if len(all_values) == 1 and all_values[0] is not None and not out.all_dynamic:
        out.all_names = all_values[0]
    elif all_values:
        out.all_dynamic = True
    return out


def _statement(stmt: Any, prefix: str, conditional: bool, depth: int, out: ModuleWalk,
               defs: list[Definition], all_values: list[tuple[str, ...] | None],
               stack: list[tuple[Any, str, bool, int]]) -> None:
    t = stmt.type
    module_level = prefix == ""
    if t in ("function_definition", "class_definition", "decorated_definition"):
        _definition(stmt, prefix, conditional, depth, out, defs, stack)
    elif t == "expression_statement":
        for child in stmt.named_children:
            _assignment(child, prefix, conditional, out, defs, all_values)
    elif t in _COMPOUND_BLOCKS:
        _compound(stmt, prefix, depth, out, stack)
    elif module_level and t in ("import_statement", "import_from_statement"):
        for child in stmt.named_children:
            name = _import_binding(stmt, child)
            if name:
                out.names.add(name)
    elif module_level and t == "type_alias_statement":
        left = stmt.child_by_field_name("left")
        if left is not None:
            out.names.update(text(i) for i in left.named_children if i.type == "identifier")


def _import_binding(stmt: Any, child: Any) -> str | None:
    if child.type == "aliased_import":
        alias = child.child_by_field_name("alias")
        return text(alias) if alias is not None else None
    if child.type != "dotted_name":
        return None
    if stmt.type == "import_from_statement" and child == stmt.child_by_field_name("module_name"):
        return None
    parts = [text(c) for c in child.named_children]
    if not parts:
        return None
    return parts[0] if stmt.type == "import_statement" else parts[-1]


def _compound(stmt: Any, prefix: str, depth: int, out: ModuleWalk,
              stack: list[tuple[Any, str, bool, int]]) -> None:
    module_level = prefix == ""
    for child in stmt.named_children:
        if child.type == "block":
            stack.append((child, prefix, True, depth))
        elif child.type in _COMPOUND_BLOCKS:
            _compound(child, prefix, depth, out, stack)
        elif module_level and child.type in ("as_pattern", "with_clause", "with_item", "case_pattern"):
            _bind_patterns(child, out)
    if not module_level:
        return
    if stmt.type == "for_statement":
        left = stmt.child_by_field_name("left")
        if left is not None:
            out.names.update(_targets(left))


def _bind_patterns(node: Any, out: ModuleWalk) -> None:
    """with/except `as` targets and match captures at module level."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "as_pattern_target":
            out.names.update(_targets(n))
        elif n.type == "identifier" and n.parent is not None and n.parent.type in ("as_pattern", "dotted_name", "splat_pattern") \
                and _inside_case(n):
            out.names.add(text(n))
        elif n.type not in ("call", "argument_list", "block"):
            stack.extend(n.named_children)


def _inside_case(n: Any) -> bool:
    p = n.parent
    while p is not None and p.type not in ("case_clause", "except_clause", "with_statement"):
        p = p.parent
    return p is not None and p.type == "case_clause"


_TARGET_TYPES = {"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "list_splat_pattern",
                 "parenthesized_expression", "expression_list", "as_pattern_target", "list_splat"}


def _targets(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(text(n))
        elif n.type in _TARGET_TYPES:
            stack.extend(n.named_children)
    return out


def _assignment(node: Any, prefix: str, conditional: bool, out: ModuleWalk, defs: list[Definition],
                all_values: list[tuple[str, ...] | None]) -> None:
    module_level = prefix == ""
    if node.type == "call" and module_level:
        fn = node.child_by_field_name("function")
        if fn is not None and fn.type == "attribute" and text(fn).startswith("__all__."):
            out.all_dynamic = True
        return
    if node.type not in ("assignment", "augmented_assignment"):
        return
    while node is not None and node.type in ("assignment", "augmented_assignment"):
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is not None:
            names = _targets(left)
            if module_level:
                out.names.update(names)
                if "__all__" in names:
                    if node.type == "assignment" and left.type == "identifier" and right is not None:
                        all_values.append(_literal_strings(right))
                    else:
                        out.all_dynamic = True
            if node.type == "assignment":
                line, end_line = node.start_point[0] + 1, node.end_point[0] + 1
                for name in names:
                    defs.append(Definition(name, prefix + name, "variable", line, end_line, node.start_point[1],
                                           conditional=conditional))
        node = right


def _literal_strings(node: Any) -> tuple[str, ...] | None:
    if node.type not in ("list", "tuple", "parenthesized_expression"):
        return None
    out: list[str] = []
    for item in node.named_children:
        if item.type == "comment":
            continue
        if item.type != "string" or any(c.type == "interpolation" for c in item.named_children):
            return None
        out.append("".join(text(c) for c in item.named_children if c.type == "string_content"))
    return tuple(out)


def _definition(stmt: Any, prefix: str, conditional: bool, depth: int, out: ModuleWalk,
                defs: list[Definition], stack: list[tuple[Any, str, bool, int]]) -> None:
    decorators: tuple[str, ...] = ()
    start = stmt
    node = stmt
    if stmt.type == "decorated_definition":
        decorators = tuple(text(d)[1:].strip() for d in stmt.named_children if d.type == "decorator")
        node = stmt.child_by_field_name("definition")
        if node is None:
            return
    name_node = node.child_by_field_name("name")
    if name_node is None:
        return
    name = text(name_node)
    qualname = prefix + name
    if prefix == "":
        out.top_def_starts.add(node.start_byte)
        out.names.add(name)
    line, end_line, col = start.start_point[0] + 1, node.end_point[0] + 1, node.start_point[1]
    body = node.child_by_field_name("body")
    doc = _docstring(body)
    if node.type == "function_definition":
        is_async = node.child_count > 0 and node.children[0].type == "async"
        params = node.child_by_field_name("parameters")
        sig = signature(params) if params is not None else Signature(())
        defs.append(Definition(name, qualname, "function", line, end_line, col, sig, decorators, doc=doc,
                               conditional=conditional, is_async=is_async))
        out.function_spans.append((node.start_byte, node.end_byte, qualname))
        return
    bases, metaclass = _bases(node.child_by_field_name("superclasses"))
    defs.append(Definition(name, qualname, "class", line, end_line, col, None, decorators, bases, metaclass,
                           doc, conditional))
    if body is not None and depth < _MAX_CLASS_DEPTH:
        stack.append((body, qualname + ".", conditional, depth + 1))


def _bases(args: Any) -> tuple[tuple[str, ...], bool]:
    """The class statement's bases as written, and whether it may name a metaclass. An unpacked base list
    (`*bases`) stays a base, written with its star: no name resolves to it, so the MRO stays open; unpacked
    keywords (`**options`) may hold `metaclass=`."""
    if args is None:
        return (), False
    bases: list[str] = []
    metaclass = False
    for a in args.named_children:
        if a.type == "keyword_argument":
            kw = a.child_by_field_name("name")
            metaclass = metaclass or (kw is not None and text(kw) == "metaclass")
        elif a.type == "dictionary_splat":
            metaclass = True
        elif a.type != "comment":
            bases.append(text(a))
    return tuple(bases), metaclass


def _docstring(body: Any) -> str:
    if body is None or body.named_child_count == 0:
        return ""
    first = body.named_children[0]
    if first.type != "expression_statement" or first.named_child_count == 0:
        return ""
    s = first.named_children[0]
    if s.type == "concatenated_string" and s.named_child_count:
        s = s.named_children[0]
    if s.type != "string":
        return ""
    content = "".join(text(c) for c in s.named_children if c.type == "string_content")
    for line in content.splitlines():
        if line.strip():
            return line.strip()
    return ""


_PARAM_NODE_KIND = {"list_splat_pattern": "vararg", "dictionary_splat_pattern": "kwarg"}


def signature(params: Any) -> Signature:
    """The parameters of a `parameters` node, with kinds as CPython assigns them."""
    out: list[Param] = []
    kind: ParamKind = "normal"
    for p in params.named_children:
        t = p.type
        if t == "positional_separator":
            out = [Param(x.name, "posonly", x.has_default) if x.kind == "normal" else x for x in out]
            continue
        if t == "keyword_separator":
            kind = "kwonly"
            continue
        if t in _PARAM_NODE_KIND:
            ident = next((c for c in p.named_children if c.type == "identifier"), None)
            if ident is not None:
                out.append(Param(text(ident), _PARAM_NODE_KIND[t], False))  # type: ignore[arg-type]
            if t == "list_splat_pattern":
                kind = "kwonly"
            continue
        if t == "identifier":
            out.append(Param(text(p), kind, False))
        elif t in ("default_parameter", "typed_default_parameter"):
            ident = p.child_by_field_name("name")
            if ident is not None:
                out.append(Param(text(ident), kind, True))
        elif t == "typed_parameter":
            inner = next((c for c in p.named_children if c.type != "type"), None)
            if inner is None:
                continue
            if inner.type in _PARAM_NODE_KIND:
                ident = next((c for c in inner.named_children if c.type == "identifier"), None)
                if ident is not None:
                    out.append(Param(text(ident), _PARAM_NODE_KIND[inner.type], False))  # type: ignore[arg-type]
                if inner.type == "list_splat_pattern":
                    kind = "kwonly"
            elif inner.type == "identifier":
                out.append(Param(text(inner), kind, False))
    return Signature(tuple(out))
