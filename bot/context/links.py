"""Links between definitions that the context follows besides calls: base classes, pytest fixtures, and
calls through imported modules that the graph's call resolution left open."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.model import Definition, ImportFact

MAX_CHAINS = 25


def bases(graph: Graph, ref: SymbolRef) -> list[SymbolRef]:
    """The repository classes a class derives from, resolved like calls of the base expressions."""
    from bot.graph.model import CallSite

    definition = ref.definition
    if definition.kind != "class" or not definition.bases:
        return []
    found: list[SymbolRef] = []
    for base in definition.bases:
        site = CallSite(callee=base, line=definition.line, col=definition.col, end_line=definition.line,
                        n_positional=0, keywords=(), star=False, starstar=False)
        target = graph.resolver.resolve_call(ref.path, site)
        if target is not None:
            found.append(graph.ref_of(target))
    return found


def imported_calls(graph: Graph, ref: SymbolRef) -> list[tuple[SymbolRef, str]]:
    """Repository definitions named by the seed's calls through an imported name (`mod.f()` after
    `from pkg import mod`, `pkg.mod.Cls.meth()` after `import pkg.mod`), followed by the file's imports;
    a fallback for calls the graph leaves unresolved."""
    facts = graph.facts(ref.path)
    if facts is None:
        return []
    chains = dict.fromkeys(c.callee for c in facts.calls
                           if (c.caller == ref.qualname or c.caller.startswith(ref.qualname + "."))
                           and "." in c.callee)
    found: list[tuple[SymbolRef, str]] = []
    for chain in list(chains)[:MAX_CHAINS]:
        head, *rest = chain.split(".")
        for imp in facts.imports:
            for start, prefix in _bound_to(graph, ref.path, imp, head):
                match = _lookup(graph, start, [*prefix, *rest])
                if match is not None:
                    found.append((match, chain))
    return found


def _bound_to(graph: Graph, path: str, imp: ImportFact, head: str) -> list[tuple[str, list[str]]]:
    """(module, qualname prefix) that `head` names in `path` through the import `imp`, if it binds head."""
    modules = graph.resolver.absolute_module(path, imp)
    if imp.name is None:  # import a.b [as x]
        if imp.alias == head:
            return [(m, []) for m in modules]
        return [(m.split(".")[0], []) for m in modules] if imp.alias is None and imp.module.split(".")[0] == head else []
    if (imp.alias or imp.name) != head:
        return []
    return [(f"{m}.{imp.name}", []) if graph.paths_of(f"{m}.{imp.name}") else (m, [imp.name]) for m in modules]


def _lookup(graph: Graph, module: str, parts: list[str]) -> SymbolRef | None:
    while parts and graph.paths_of(f"{module}.{parts[0]}"):
        module = f"{module}.{parts.pop(0)}"
    qualname = ".".join(parts)
    for path in graph.paths_of(module) if qualname else []:
        facts = graph.facts(path)
        for d in facts.definitions if facts is not None else ():
            if d.qualname == qualname and d.kind != "variable":
                from bot.graph import SymbolRef

                return SymbolRef(path, module, qualname, d)
    return None


def as_ref(graph: Graph, path: str, definition: Definition) -> SymbolRef:
    from bot.graph import SymbolRef

    modules = graph.modules_of(path)
    return SymbolRef(path, modules[0] if modules else "", definition.qualname, definition)


def file_refs(graph: Graph, path: str) -> list[SymbolRef]:
    from bot.graph import SymbolRef

    facts = graph.facts(path)
    if facts is None:
        return []
    module = (graph.modules_of(path) or [""])[0]
    return [SymbolRef(path, module, d.qualname, d) for d in facts.definitions
            if d.kind != "variable" and "." not in d.qualname]


def fixtures(graph: Graph, test: SymbolRef) -> list[SymbolRef]:
    """pytest fixtures the test takes, defined in its file or a conftest.py of an enclosing folder."""
    sig = test.definition.signature
    if sig is None:
        return []
    wanted = {p.name for p in sig.params} - {"self", "cls"}
    parts = test.path.split("/")[:-1]
    candidates = [test.path] + ["/".join([*parts[:i], "conftest.py"]) for i in range(len(parts), -1, -1)]
    found: list[SymbolRef] = []
    for path in candidates:
        for ref in file_refs(graph, path) if wanted else []:
            if ref.qualname in wanted and any("fixture" in d for d in ref.definition.decorators):
                found.append(ref)
                wanted.discard(ref.qualname)
    return found


_BUILTIN_PROTOCOL = {"str": ("__str__", "__repr__", "__format__"), "repr": ("__repr__",), "len": ("__len__",),
                     "iter": ("__iter__",), "list": ("__iter__", "__len__"), "tuple": ("__iter__",),
                     "sorted": ("__iter__",), "set": ("__iter__",), "dict": ("__iter__", "keys", "__getitem__"),
                     "bool": ("__bool__", "__len__"), "hash": ("__hash__",), "copy": ("__copy__",),
                     "deepcopy": ("__deepcopy__",), "reversed": ("__reversed__",), "next": ("__next__",),
                     "format": ("__format__",), "bytes": ("__bytes__",), "int": ("__int__", "__index__"),
                     "float": ("__float__",), "dumps": ("__reduce__", "__reduce_ex__", "__getstate__"),
                     "loads": ("__setstate__",)}
_OPERATOR = {"Add": "add", "Sub": "sub", "Mult": "mul", "Div": "truediv", "FloorDiv": "floordiv", "Mod": "mod",
             "BitOr": "or", "BitAnd": "and", "BitXor": "xor", "MatMult": "matmul", "Pow": "pow"}
_COMPARE = {"Eq": ("__eq__",), "NotEq": ("__ne__", "__eq__"), "Lt": ("__lt__",), "LtE": ("__le__",),
            "Gt": ("__gt__",), "GtE": ("__ge__",), "In": ("__contains__",), "NotIn": ("__contains__",)}


def protocol_methods(code: str) -> set[str]:
    """The special methods the code's operations reach on the objects it handles: `str(x)` -> __str__,
    `a | b` -> __or__/__ror__, `a |= b` -> __ior__, `x[k]` -> __getitem__, `for v in x` -> __iter__,
    `k in x` -> __contains__, `with x:` -> __enter__/__exit__, `==` -> __eq__. Empty when it does not parse."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            out.update(_BUILTIN_PROTOCOL.get(name, ()))
        elif isinstance(node, ast.BinOp) and type(node.op).__name__ in _OPERATOR:
            op = _OPERATOR[type(node.op).__name__]
            out.update((f"__{op}__", f"__r{op}__"))
        elif isinstance(node, ast.AugAssign) and type(node.op).__name__ in _OPERATOR:
            op = _OPERATOR[type(node.op).__name__]
            out.update((f"__i{op}__", f"__{op}__"))
        elif isinstance(node, ast.Compare):
            for cmp in node.ops:
                out.update(_COMPARE.get(type(cmp).__name__, ()))
        elif isinstance(node, ast.Subscript):
            out.add({ast.Store: "__setitem__", ast.Del: "__delitem__"}.get(type(node.ctx), "__getitem__"))
        elif isinstance(node, (ast.For, ast.comprehension)):
            out.add("__iter__")
        elif isinstance(node, ast.With):
            out.update(("__enter__", "__exit__"))
        elif isinstance(node, ast.Delete):
            out.add("__delitem__")
    return out


def string_words(code: str) -> set[str]:
    """The identifier-like words inside the string literals of `code` (f-strings' text parts included)."""
    import ast
    import re
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return set()
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.update(w for w in re.findall(r"[A-Za-z_]\w*", node.value) if len(w) >= MIN_KEY)
    return words


MIN_KEY = 3  # shorter registry keys ("a", "id") are too common in strings to mean the entry
