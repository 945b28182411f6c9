"""Member facts of a Python file: what classes assign on their instances, and the member reads a rule can
judge through a class's MRO (`self.x` / `cls.x` in methods, `super().x`, `obj.x` where `obj` is bound once,
in the whole file, to `Cls(...)`). Reads and stores are found by the parser's tree-sitter query; this module
only climbs from the captured nodes to their method and class.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.graph.model import MemberKind, MemberUse
from bot.graph.python_uses import Spans, target_names

_SCOPES = {"function_definition", "lambda", "class_definition"}
_STORE_PARENTS = {"assignment", "augmented_assignment"}
_TARGET_WRAPPERS = {"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "parenthesized_expression",
                    "expression_list", "list_splat_pattern", "list_splat"}


def text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))


def is_store(attr: Any) -> bool:
    """`attr` (an attribute node) is assigned, augmented, deleted or a loop/with target."""
    node = attr
    parent = node.parent
    while parent is not None and parent.type in _TARGET_WRAPPERS:
        node, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type in _STORE_PARENTS:
        return parent.child_by_field_name("left") == node
    if parent.type in ("for_statement", "for_in_clause"):
        return parent.child_by_field_name("left") == node
    return parent.type in ("delete_statement", "as_pattern_target")


# Compound statements of a class body whose blocks still define the class's methods (`if sys.platform ...:`,
# `try:`, `with ...:` around a `def` in the class body).
_CLASS_BODY_COMPOUNDS = {"if_statement", "elif_clause", "else_clause", "try_statement", "except_clause",
                         "finally_clause", "with_statement"}


def _method_of(node: Any) -> tuple[Any, Any] | None:
    """(function, class) when `node` is directly inside a method (not a nested function or lambda): a def of
    the class body, also one inside an `if`/`try`/`with` block of the class body."""
    p = node.parent
    while p is not None and p.type not in _SCOPES:
        p = p.parent
    if p is None or p.type != "function_definition":
        return None
    holder = p.parent if p.parent is not None and p.parent.type == "decorated_definition" else p
    block = holder.parent
    cls = block.parent if block is not None and block.type == "block" else None
    while cls is not None and cls.type in _CLASS_BODY_COMPOUNDS:
        cls = cls.parent
        if cls is not None and cls.type == "block":
            cls = cls.parent
    if cls is None or cls.type != "class_definition":
        return None
    return p, cls


def _enclosing_class(node: Any) -> Any:
    p = node.parent
    while p is not None and p.type != "class_definition":
        p = p.parent
    return p


def _class_qualname(cls: Any) -> str | None:
    """The qualname the statement walk gives `cls` (None for a class inside a function)."""
    names: list[str] = []
    node = cls
    while node is not None:
        if node.type == "class_definition":
            ident = node.child_by_field_name("name")
            if ident is None:
                return None
            names.append(text(ident))
        elif node.type in ("function_definition", "lambda"):
            return None
        node = node.parent
    return ".".join(reversed(names))


def _cached_qualname(cls: Any, cache: dict[int, str | None]) -> str | None:
    if cls.start_byte not in cache:
        cache[cls.start_byte] = _class_qualname(cls)
    return cache[cls.start_byte]


def _first_param(func: Any) -> str | None:
    params = func.child_by_field_name("parameters")
    named = [c for c in params.named_children if c.type != "comment"] if params is not None else []
    if not named:
        return None
    first = named[0]
    if first.type == "identifier":
        return text(first)
    if first.type == "typed_parameter" and first.named_children and first.named_children[0].type == "identifier":
        return text(first.named_children[0])
    return None


def _static(func: Any) -> bool:
    holder = func.parent
    if holder is None or holder.type != "decorated_definition":
        return False
    return any(text(d).lstrip("@").strip() == "staticmethod" for d in holder.named_children if d.type == "decorator")


def self_members(caps: dict[str, list[Any]], guards: Spans, uses: list[MemberUse]) -> dict[str, set[str]]:
    """Record `self.x` / `cls.x` reads in methods as uses; return class qualname -> names assigned on
    instances or the class in its methods ("*" when `setattr(self, name, ...)` assigns unknowable names)."""
    assigned: dict[str, set[str]] = {}
    qualnames: dict[int, str | None] = {}  # class start byte -> its qualname (computed once per class)
    methods: dict[int, tuple[str | None, str | None, bool]] = {}  # function start -> (owner, first param, static)
    for base in caps.get("sbase", ()):
        attr = base.parent
        ident = attr.child_by_field_name("attribute")
        if ident is None:
            continue
        name = text(ident)
        if name == "__dict__" or is_store(attr):
            # a store anywhere inside the class (nested functions and closures included) counts for it
            holder = _enclosing_class(base)
            owner = _cached_qualname(holder, qualnames) if holder is not None else None
            if owner is not None:  # `self.__dict__.update(...)`: any name
                assigned.setdefault(owner, set()).add("*" if name == "__dict__" else name)
            continue
        found = _method_of(base)
        if found is None:
            continue
        func, cls = found
        method = methods.get(func.start_byte)
        if method is None:
            method = methods[func.start_byte] = (_cached_qualname(cls, qualnames), _first_param(func), _static(func))
        owner, first, static = method
        if owner is None or first != text(base) or static:
            continue
        line, col = attr.start_point[0] + 1, attr.start_point[1]
        uses.append(MemberUse("self", owner, name, line, col, attr.end_point[0] + 1, base.start_byte in guards))
    for fn in caps.get("cname", ()):
        if fn.text != b"setattr":
            continue
        call = fn.parent
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        holder = _enclosing_class(call)
        if first is None or holder is None or first.type != "identifier" or first.text not in (b"self", b"cls"):
            continue
        owner = _class_qualname(holder)
        if owner is not None:
            second = args.named_children[1] if len(args.named_children) > 1 else None
            literal = second is not None and second.type == "string" and not any(
                c.type == "interpolation" for c in second.named_children)
            assigned.setdefault(owner, set()).add(
                "".join(text(c) for c in second.named_children if c.type == "string_content") if literal and second
                else "*")
    _class_body_bindings(caps, assigned, qualnames)
    return assigned


def _class_body_bindings(caps: dict[str, list[Any]], assigned: dict[str, set[str]],
                         qualnames: dict[int, str | None]) -> None:
    """Names the class body binds other than by a plain assignment or a def (`import x`, `for x in ...`,
    `with ... as x`, `del x`) are class attributes too: add them to the class's assigned names."""
    found: list[tuple[Any, list[str]]] = []
    for kind in ("lhs", "delete"):
        found += [(n, target_names(n)) for n in caps.get(kind, ())]
    found += [(n, [text(n)]) for kind in ("walrus", "global", "capname") for n in caps.get(kind, ())]
    for n in caps.get("import", ()):
        names = []
        for ident in n.named_children:
            if ident.type == "aliased_import":
                alias = ident.child_by_field_name("alias")
                names.append(text(alias) if alias is not None else "*")
            elif ident.type in ("dotted_name", "identifier") and (n.type == "import_statement" or ident != n.named_children[0]):
                names.append(text(ident).split(".")[0] if n.type == "import_statement" else text(ident).rsplit(".", 1)[-1])
            elif ident.type == "wildcard_import":
                names.append("*")
        found.append((n, names))
    for node, names in found:
        p = node.parent
        while p is not None and p.type not in _SCOPES:
            p = p.parent
        if p is None or p.type != "class_definition" or not names:
            continue
        owner = _cached_qualname(p, qualnames)
        if owner is not None:
            assigned.setdefault(owner, set()).update(names)


def super_members(caps: dict[str, list[Any]], guards: Spans, uses: list[MemberUse]) -> None:
    """`super().x` reads in methods (the zero-argument form only)."""
    for fn in caps.get("cname", ()):
        if fn.text != b"super":
            continue
        call = fn.parent
        args = call.child_by_field_name("arguments")
        attr = call.parent
        if args is None or args.named_child_count or attr is None or attr.type != "attribute" or is_store(attr):
            continue
        ident = attr.child_by_field_name("attribute")
        found = _method_of(call)
        owner = _class_qualname(found[1]) if found is not None else None
        if ident is None or owner is None:
            continue
        line, col = attr.start_point[0] + 1, attr.start_point[1]
        uses.append(MemberUse("super", owner, text(ident), line, col, attr.end_point[0] + 1, call.start_byte in guards))


_CALLEE_TYPES = {"identifier", "attribute"}


def instance_members(caps: dict[str, list[Any]], bindings: dict[str, list[int]], guards: Spans,
                     uses: list[MemberUse]) -> None:
    """`obj.x` reads where `obj` is bound exactly once in its scope, by `obj = Cls(...)`, read inside that
    scope: a function whose whole text (nested functions, lambdas and comprehensions included) binds `obj`
    nowhere else, or the module when the whole file binds it once -- and before any call is given `obj` (one
    that may add attributes), not in a loop or nested function that may run after such a call; `Cls(...).x`; and `Cls.x` where `Cls` is a
    top-level class of this file that the file binds nowhere else."""
    # name -> (callee as written, scope start, scope end, scope node, where a call is first given the object)
    bound: dict[str, list[tuple[str, int, int, Any, int | None]]] = {}
    imported = _import_sites(caps)
    handed: dict[tuple[int, int], dict[bytes, int]] = {}  # scope -> names passed to calls in it -> first place
    for lhs in caps.get("lhs", ()):
        if lhs.type != "identifier":
            continue
        parent = lhs.parent
        if parent is None or parent.type != "assignment":
            continue
        right = parent.child_by_field_name("right")
        fn = right.child_by_field_name("function") if right is not None and right.type == "call" else None
        name = text(lhs)
        if fn is None or fn.type not in _CALLEE_TYPES:
            continue
        callee = text(fn)
        if not all(part.isidentifier() for part in callee.split(".")) or not _class_like(callee):
            continue  # a class by convention (a factory function's result is anything)
        if _bound_in_function(callee.split(".")[0], parent, bindings, imported):
            continue  # a local class of the function's own, not the module's of that name
        scope = _scope(parent)
        if scope is not None and scope[2]:
            continue  # a class body's names are not seen by its methods
        start, stop = scope[:2] if scope else (0, 1 << 62)
        if sum(1 for b in bindings.get(name, ()) if start <= b < stop) != 1:
            continue  # bound again in the scope (or, at module level, anywhere in the file)
        node = _scope_node(parent)
        key = (node.start_byte, node.end_byte)
        if key not in handed:
            handed[key] = _handed_off(node)
        bound.setdefault(name, []).append((callee, start, stop, node, handed[key].get(lhs.text)))
    for fn in caps.get("icall", ()):  # `Cls(...).x`
        call = fn.parent
        attr = call.parent
        callee = text(fn)
        if attr is None or attr.type != "attribute" or attr.child_by_field_name("object") != call or is_store(attr) \
                or not all(p.isidentifier() for p in callee.split(".")) or not _class_like(callee) \
                or _bound_in_function(callee.split(".")[0], call, bindings, imported):
            continue
        ident = attr.child_by_field_name("attribute")
        if ident is not None:
            line, col = attr.start_point[0] + 1, attr.start_point[1]
            uses.append(MemberUse("instance", callee, text(ident), line, col, attr.end_point[0] + 1,
                                  call.start_byte in guards))
    classes = _top_level_classes(caps, bindings)
    if not bound and not classes:
        return
    for base in caps.get("abase", ()):
        name = text(base)
        if name not in classes and name not in bound:
            continue  # (most attribute reads: their object is neither; decided before climbing the tree)
        attr = base.parent
        if is_store(attr) or attr.child_by_field_name("object") != base:
            continue
        ident = attr.child_by_field_name("attribute")
        if ident is None:
            continue
        kind: MemberKind
        if name in classes:
            kind, owner = "class", name
        else:
            hit = next((h for h in bound.get(name, ()) if h[1] <= base.start_byte < h[2]), None)
            if hit is None or (hit[4] is not None and (base.start_byte >= hit[4] or _repeats(base, hit[3]))):
                continue  # a call given the object may add attributes or swap its class (`set_property(obj, f)`)
            kind, owner = "instance", hit[0]
        line, col = attr.start_point[0] + 1, attr.start_point[1]
        uses.append(MemberUse(kind, owner, text(ident), line, col, attr.end_point[0] + 1, base.start_byte in guards))


def _import_sites(caps: dict[str, list[Any]]) -> set[int]:
    """Where imports bind names (as `binding_counts` records them): a function-level import names the same
    module-level object as one at the top."""
    return {node.start_byte for _name, node in _import_bindings(caps)}


def _import_bindings(caps: dict[str, list[Any]]) -> Iterator[tuple[str, Any]]:
    """(name, node) of what import statements bind, as `binding_counts` counts it: each imported name's first
    part, and its alias."""
    for n in caps.get("import", ()):
        for ident in n.named_children:
            yield text(ident).split(".")[0], ident
            alias = ident.child_by_field_name("alias") if ident.type == "aliased_import" else None
            if alias is not None:
                yield text(alias), alias


def _bound_in_function(name: str, node: Any, bindings: dict[str, list[int]], imported: set[int]) -> bool:
    """`name` is bound other than by an import in a function (or lambda) enclosing `node` -- a parameter, an
    assignment, a nested class or function -- so at `node` it is that local object, not the module's (a class
    defined inside a test that shares a module-level class's name: scrapy's `tests/test_item.py`)."""
    p = node.parent
    sites = [b for b in bindings.get(name, ()) if b not in imported]
    while p is not None and sites:
        if p.type in ("function_definition", "lambda"):
            inner = p.child_by_field_name("parameters") or p.child_by_field_name("body") or p
            if any(inner.start_byte <= b < p.end_byte for b in sites):
                return True
        p = p.parent
    return False


def _class_like(callee: str) -> bool:
    """A callee named as a class by convention (`Cls`, `_Cls`, `mod.Cls`): a factory function's result is anything."""
    return callee.rsplit(".", 1)[-1].lstrip("_")[:1].isupper()


def _top_level_classes(caps: dict[str, list[Any]], bindings: dict[str, list[int]]) -> set[str]:
    """Undecorated classes defined at the top level of the module whose name the file binds nowhere else."""
    out: set[str] = set()
    for n in caps.get("class", ()):
        ident = n.child_by_field_name("name")
        if ident is None or n.parent is None or n.parent.type != "module":
            continue
        name = text(ident)
        if len(bindings.get(name, ())) == 1:
            out.add(name)
    return out


# Calls that only look at an object: handing it to them cannot give it attributes.
_LOOKS_ONLY = frozenset({"isinstance", "issubclass", "print", "repr", "str", "len", "id", "type", "hasattr", "callable",
                         "hash", "format", "bool", "iter", "next", "list", "tuple", "sorted", "dir"})


def _scope_node(node: Any) -> Any:
    """The function, lambda or module whose scope a statement at `node` belongs to."""
    p = node.parent
    while p.parent is not None and p.type not in _SCOPES:
        p = p.parent
    return p


_REPEATING = {"for_statement", "while_statement", "function_definition", "lambda", "list_comprehension",
              "set_comprehension", "dictionary_comprehension", "generator_expression", "class_definition"}


def _repeats(node: Any, scope: Any) -> bool:
    """`node` may run again after later code of `scope` ran: it is in a loop, a comprehension or a nested
    function inside the scope."""
    p = node.parent
    while p is not None and p != scope:
        if p.type in _REPEATING:
            return True
        p = p.parent
    return False


def _handed_off(scope: Any) -> dict[bytes, int]:
    """The names passed as arguments to calls anywhere in `scope` (not to calls that only look at them), with
    the first place (start byte) one is passed."""
    out: dict[bytes, int] = {}
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "argument_list":
            fn = node.parent.child_by_field_name("function") if node.parent is not None else None
            if fn is None or fn.type != "identifier" or fn.text.decode("utf-8", "replace") not in _LOOKS_ONLY:
                for arg in node.named_children:
                    value = arg.child_by_field_name("value") if arg.type == "keyword_argument" else \
                        arg.named_children[0] if arg.type in ("list_splat", "dictionary_splat") and arg.named_children \
                        else arg
                    if value is not None and value.type == "identifier":
                        out[value.text] = min(out.get(value.text, value.start_byte), value.start_byte)
        stack.extend(node.named_children)
    return out


def _scope(node: Any) -> tuple[int, int, bool] | None:
    p = node.parent
    while p is not None:
        if p.type in _SCOPES:
            return p.start_byte, p.end_byte, p.type == "class_definition"
        p = p.parent
    return None


def binding_counts(caps: dict[str, list[Any]]) -> dict[str, list[int]]:
    """Where each name is bound anywhere in the file (any scope, any way the query captures): name -> the
    start bytes of its bindings (`global x` / `nonlocal x` count twice: bound from elsewhere, never "once")."""
    sites: dict[str, list[int]] = {}

    def add(name: str, node: Any) -> None:
        sites.setdefault(name, []).append(node.start_byte)

    for n in caps.get("lhs", ()):
        for name in target_names(n):
            add(name, n)
    for kind in ("walrus", "global"):
        for n in caps.get(kind, ()):
            add(text(n), n)
            add(text(n), n)
    for n in caps.get("params", ()):
        for p in n.named_children:
            for ident in ([p] if p.type == "identifier" else [c for c in p.named_children if c.type == "identifier"]):
                add(text(ident), ident)
    for kind in ("func", "class"):
        for n in caps.get(kind, ()):
            ident = n.child_by_field_name("name")
            if ident is not None:
                add(text(ident), ident)
    for name, node in _import_bindings(caps):
        add(name, node)
    for n in caps.get("capname", ()):
        add(text(n), n)
    for n in caps.get("delete", ()):
        for name in target_names(n):
            add(name, n)
    return sites


def attr_stores(caps: dict[str, list[Any]]) -> tuple[str, ...]:
    """Attribute names assigned on objects other than `self`/`cls` anywhere in the file, and `setattr`
    targets ("*" when the name is not a literal)."""
    out: set[str] = set()
    for attr in caps.get("astore", ()):
        obj, ident = attr.child_by_field_name("object"), attr.child_by_field_name("attribute")
        if ident is not None and not (obj is not None and obj.type == "identifier" and obj.text in (b"self", b"cls")):
            out.add(text(ident))
    for fn in caps.get("cname", ()):
        if fn.text != b"setattr":
            continue
        args = fn.parent.child_by_field_name("arguments")
        second = args.named_children[1] if args is not None and len(args.named_children) > 1 else None
        if second is not None and second.type == "string" and not any(
                c.type == "interpolation" for c in second.named_children):
            out.add("".join(text(c) for c in second.named_children if c.type == "string_content"))
        else:
            out.add("*")
    return tuple(sorted(out))


def store_roots(caps: dict[str, list[Any]], module_level: set[str]) -> tuple[str, ...]:
    """`"root name"` for each attribute store of `attr_stores` whose object may be a module: its chain starts
    at `root`, a name in `module_level` (bound at module level, by an import anywhere or declared `global`),
    or at something else than a name (`f().x = ...`, `setattr(a[0], "x", ...)`: root "?"). A store on a
    function's local or parameter (`page.meta = ...`) is on an object, never left out of the list
    otherwise."""
    out: set[str] = set()
    for attr in caps.get("astore", ()):
        obj, ident = attr.child_by_field_name("object"), attr.child_by_field_name("attribute")
        if ident is None or (obj is not None and obj.type == "identifier" and obj.text in (b"self", b"cls")):
            continue
        root = _chain_root(obj)
        if root is None or root in module_level:
            out.add(f"{root or '?'} {text(ident)}")
    for fn in caps.get("cname", ()):
        if fn.text != b"setattr":
            continue
        args = fn.parent.child_by_field_name("arguments")
        named = args.named_children if args is not None else []
        if len(named) < 2 or named[1].type != "string" or any(c.type == "interpolation" for c in named[1].named_children):
            continue  # (a computed name: "*" in `attr_stores`)
        root = _chain_root(named[0])
        if root is None or root in module_level:
            out.add(f"{root or '?'} " + "".join(text(c) for c in named[1].named_children if c.type == "string_content"))
    return tuple(sorted(out))


def _chain_root(node: Any) -> str | None:
    """The name a chain of attributes starts at (`a` of `a.b.c`); None when it starts at anything else."""
    while node is not None and node.type == "attribute":
        node = node.child_by_field_name("object")
    return text(node) if node is not None and node.type == "identifier" else None
