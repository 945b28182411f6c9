"""`undefined-name`: names looked up as globals that nothing in the file, the builtins or Python binds.

Conservative by construction: a name bound anywhere in the file (any scope, any way) is never reported
(except one bound only in class bodies, read where no class body that binds it evaluates the read),
nor a builtin of any Python version, a dunder, a Python 2 name, or a use in the body of a `try` whose handler
catches `NameError` (only that body: the shield is scoped; a broad `except Exception:` or a bare `except:`
shields only a body of one simple statement, a probe). A version/platform `if` shields nothing here: a name
bound nowhere is unbound on every platform. A file with a star import, `exec`/`eval`, writes through
`globals()` (or `locals()`/`vars()` at module level: in a function or a class body they are that scope's own
namespace), or builtins/`sys.modules` manipulation is not judged at all.
"""

from __future__ import annotations

import _symtable
import ast
import re
import symtable
import warnings
from collections.abc import Iterator

from bot.graph.model import LocalIssue
from bot.graph.names import ALWAYS_DEFINED, is_dunder, last_name
from bot.lazy_re import lazy

_EXEC_NAMES = frozenset({"exec", "eval", "execfile"})
_BUILTINS_MODULES = frozenset({"builtins", "__builtin__"})
_NAMESPACE_CALLS = frozenset({"globals", "locals", "vars"})
_READ_METHODS = frozenset({"get", "keys", "values", "items", "copy", "__contains__", "__getitem__"})
_DELETE_METHODS = frozenset({"pop", "__delitem__"})  # (of a namespace: they bind nothing)
_CATCH_NAME_ERROR = frozenset({"NameError", "UnboundLocalError"})
_CATCH_ANYTHING = frozenset({"Exception", "BaseException"})
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
             ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_USE = _symtable.USE
_BINDS = _symtable.DEF_GLOBAL | _symtable.DEF_LOCAL | _symtable.DEF_PARAM | _symtable.DEF_NONLOCAL | _symtable.DEF_IMPORT
_FROM_CLASS_BODY = _symtable.DEF_GLOBAL | _symtable.DEF_NONLOCAL  # what a class body binds outside itself
_SCOPE_OFF, _SCOPE_MASK = _symtable.SCOPE_OFF, _symtable.SCOPE_MASK
_GLOBAL_SCOPES = (_symtable.GLOBAL_IMPLICIT, _symtable.GLOBAL_EXPLICIT)
_MAX_PER_NAME = 20
_MODULE_READERS = frozenset({"getattr", "hasattr", "id", "repr", "type", "isinstance", "print", "dir"})
# `from __future__ import annotations` (possibly among other features) -> the same length with `generators`,
# a feature that changes nothing on Python 3, so line and column numbers stay the same.
_FUTURE_ANNOTATIONS = lazy(rb"^(from[ \t]+__future__[ \t]+import[ \t(]+(?:\w+[ \t]*,[ \t]*)*)annotations\b",
                                 re.MULTILINE)


def undefined_names(data: bytes, target: tuple[int, int] = (3, 8), *,
                    table: symtable.SymbolTable | None = None) -> tuple[LocalIssue, ...]:
    """Uses of really unbound names in `data`, a file CPython compiles, run by Python `target`. `table` is the
    symbol table of `data` when the caller has it (it is used unless the file needs a neutralised one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Annotations are uses too, even where they are evaluated lazily (`from __future__ import annotations`,
        # PEP 649): a name bound nowhere in the file breaks `typing.get_type_hints` and every type checker, though
        # not the running code (such uses are marked `unevaluated`). CPython's symtable skips lazy annotations,
        # so it reads the file with that future import neutralised.
        source, neutralised = _FUTURE_ANNOTATIONS.subn(rb"\1generators ", data)
        if table is None or neutralised:
            try:
                table = symtable.symtable(source, "<file>", "exec")  # type: ignore[arg-type]
            except SyntaxError:  # the neutralised text is not valid where the real one is: judge the real one
                table = symtable.symtable(data, "<file>", "exec")  # type: ignore[arg-type]
        candidates = _candidates(table)
        if not candidates:
            return ()
        tree = ast.parse(data)
        written = _dynamic_namespace(tree)
        if written is None:
            return ()
        candidates -= written | _literal_exec_bindings(tree)
    return tuple(_locate(tree, candidates, lazy_annotations=bool(neutralised) or target >= (3, 14)))


def _literal_code(call: ast.Call) -> str | None:
    """The source text an `exec`/`eval` call runs when it is a string literal, possibly through
    `compile("...", name, mode)` (Python 2 compatibility: `eval(compile('def _raise(...): raise a, b, c', ...))`)."""
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "compile" and arg.args:
        arg = arg.args[0]
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def _literal_exec_bindings(tree: ast.Module) -> set[str]:
    """Names bound by the literal code `exec`/`eval` calls run in the module's namespace (read by compiling
    the literal; code that does not compile here, such as Python 2 syntax, binds the names its `def`, `class`
    and assignment heads show, read by a regular expression)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _EXEC_NAMES:
            code = _literal_code(node)
            if code is None:
                continue
            try:
                inner = symtable.symtable(code, "<exec>", "exec")
                out.update(s.get_name() for s in inner.get_symbols() if s.is_assigned() or s.is_imported()
                           or s.is_namespace())
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                out.update(m.group(1) or m.group(2) for m in _BINDING_HEADS.finditer(code))
    return out


_BINDING_HEADS = lazy(r"(?:^|;)\s*(?:(?:async\s+)?def|class)\s+([A-Za-z_]\w*)|^\s*([A-Za-z_]\w*)\s*=[^=]",
                            re.MULTILINE)




def _candidates(top: symtable.SymbolTable) -> set[str]:
    """Names referenced as (implicit or explicit) globals and bound nowhere in the file but, at most, in class
    bodies: what a class body binds is an attribute of the class, never a global (`_locate` leaves the
    class's own reads of it alone)."""
    bound: set[str] = set()
    referenced: set[str] = set()
    stack = [top._table]  # type: ignore[attr-defined]  # the C table: flags without Python wrappers
    while stack:
        table = stack.pop()
        in_class = table.type == _symtable.TYPE_CLASS
        for name, flags in table.symbols.items():
            if flags & _BINDS and not (in_class and not flags & _FROM_CLASS_BODY):
                bound.add(name)
            elif flags & _USE and ((flags >> _SCOPE_OFF) & _SCOPE_MASK) in _GLOBAL_SCOPES:
                referenced.add(name)
        stack.extend(table.children)
    return {n for n in referenced - bound if n not in ALWAYS_DEFINED and not is_dunder(n)}


def _dynamic_namespace(tree: ast.Module) -> set[str] | None:
    """None when the module's names may be bound in ways no binding statement shows: a star import, writes
    through `globals()`/`locals()`/`vars()`, `exec`/`eval` in the module namespace, writes into builtins
    other than `builtins.name = ...`, or `sys.modules[__name__]` manipulation. Otherwise the names the file
    writes into builtins (`builtins._ = value`), bound for every module, and into its own namespace under a
    literal name (`globals()["x"] = value`)."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    builtins_names = _builtins_aliases(tree)
    written: set[str] = set()
    for node in ast.walk(tree):
        if _is_own_module_entry(node):
            if _writes_into_own_module(node, parents, tree):  # type: ignore[arg-type]
                return None
        elif isinstance(node, ast.Name) and node.id in builtins_names and isinstance(node.ctx, ast.Load):
            parent = parents.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.value is node and isinstance(parent.ctx, ast.Store):
                written.add(parent.attr)  # `builtins._ = value`: binds `_`, nothing else
            elif _writes_through(node, parents):
                return None
        elif (name := _literal_global_write(node, parents)) is not None:
            written.add(name)  # `globals().setdefault("load_entry_point", f)`: that one name
        elif _binds_dynamically(node, parents):
            return None
    return written


def _literal_global_write(node: ast.AST, parents: dict[int, ast.AST]) -> str | None:
    """The name `globals()["name"] = v` or `globals().setdefault("name", v)` binds (`node` the `globals()` call)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "globals"):
        return None
    parent = parents.get(id(node))
    key: ast.expr | None = None
    if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
        key = parent.slice
    elif isinstance(parent, ast.Attribute) and parent.attr == "setdefault":
        call = parents.get(id(parent))
        key = call.args[0] if isinstance(call, ast.Call) and call.func is parent and call.args else None
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier():
        return key.value
    return None


def _builtins_aliases(tree: ast.Module) -> set[str]:
    """Names bound to the builtins module (`import builtins`, `import __builtin__ as b`)."""
    return {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
            for a in node.names if a.name in _BUILTINS_MODULES}


def _is_own_module_entry(node: ast.AST) -> bool:
    """`sys.modules[__name__]`."""
    return (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == "__name__"
            and isinstance(node.value, ast.Attribute) and node.value.attr == "modules")


def _writes_into_own_module(entry: ast.Subscript, parents: dict[int, ast.AST], tree: ast.Module) -> bool:
    """Whether code writes names into the module through `sys.modules[__name__]` (directly or through a
    name it is assigned to). Replacing the entry (`sys.modules[__name__] = wrapper`) or copying the module's
    dict elsewhere leaves the module's own globals, which its code looks names up in, as they are."""
    if isinstance(entry.ctx, ast.Store):
        return False
    parent = parents.get(id(entry))
    if isinstance(parent, ast.Assign) and parent.value is entry:
        if not all(isinstance(t, ast.Name) for t in parent.targets):
            return True
        aliases = {t.id for t in parent.targets if isinstance(t, ast.Name)}
        return any(_writes_through(n, parents) for n in ast.walk(tree)
                   if isinstance(n, ast.Name) and n.id in aliases and isinstance(n.ctx, ast.Load))
    return _writes_through(entry, parents)


def _writes_through(expr: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """`expr.x = ...`, `del expr.x`, `setattr(expr, ...)`, or `expr.__dict__` used other than read or copied
    into another object (`other.__dict__.update(expr.__dict__)`)."""
    parent = parents.get(id(expr))
    if isinstance(parent, ast.Call):  # passed to a function: only known readers leave the module alone
        return not (isinstance(parent.func, ast.Name) and parent.func.id in _MODULE_READERS)
    if not (isinstance(parent, ast.Attribute) and parent.value is expr):
        return False
    if isinstance(parent.ctx, (ast.Store, ast.Del)):
        return True
    if parent.attr != "__dict__":
        return False
    use = parents.get(id(parent))
    if isinstance(use, ast.Attribute):
        return use.attr not in _READ_METHODS
    if isinstance(use, ast.Subscript):
        return not isinstance(use.ctx, ast.Load)
    if isinstance(use, ast.Call) and parent in use.args:
        func = use.func  # copied into another object: `other.__dict__.update(expr.__dict__)`, `dict(expr.__dict__)`
        return not ((isinstance(func, ast.Attribute) and func.attr == "update"
                     and not _mentions_own_module(func.value))
                    or (isinstance(func, ast.Name) and func.id in ("dict", "vars", "len", "sorted", "list")))
    return True


def _mentions_own_module(node: ast.AST) -> bool:
    return any(_is_own_module_entry(n) or (isinstance(n, ast.Name) and n.id in ("globals", "vars", "locals"))
               for n in ast.walk(node))


def _binds_dynamically(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    parent = parents.get(id(node))
    if isinstance(node, ast.ImportFrom):
        return any(a.name == "*" for a in node.names)
    if isinstance(node, ast.Name):
        if node.id == "__builtins__":
            return True
        if node.id in _EXEC_NAMES:
            if not (isinstance(parent, ast.Call) and parent.func is node):
                return True  # handed on: called who knows how
            if _literal_code(parent) is not None:
                return False  # literal code: what it binds is read (`_literal_exec_bindings`)
            if _in_body(parent, parents) and not _own_namespace(parent) and _global_free_template(parent):
                return False  # `exec(f"def f({args}): ...")` in a function binds that function's locals
            if node.id == "eval" and not _compiled(parent):
                # an expression binds nothing (Django's `eval(options.cmd[0])(...)` picks a function); only
                # a walrus could, and only at module level: nobody binds a global that way
                return False
            return not _own_namespace(parent)
        return False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NAMESPACE_CALLS:
        if node.func.id == "vars" and node.args:
            return False  # `vars(obj)`: another object's namespace
        if node.func.id != "globals" and _in_body(node, parents):
            return False  # `locals()` of a function or a class body: that scope's namespace, never the module's
        if isinstance(parent, ast.Call) and expression_run(parent):
            return False  # a literal expression run in the module's namespace: it binds nothing
        if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 \
                and isinstance(parent.targets[0], ast.Name):
            return _alias_written(parent.targets[0].id, parents)  # `ns = globals()`, then only read
        return not _read_only(node, parent)
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name == "import_module" and node.args[0].id == "__name__"
    return False


_EXPRESSION_RUNNERS = frozenset({"runctx", "timeit", "repeat", "Timer"})


def expression_run(call: ast.Call) -> bool:
    """A profiler or timer handed a literal expression to run (`p.runctx("cmd.run(args, opts)", globals(),
    loc)`): an expression without `:=` binds nothing in the namespace it runs in."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    code = call.args[0] if call.args else None
    if name not in _EXPRESSION_RUNNERS or not isinstance(code, ast.Constant) or not isinstance(code.value, str):
        return False
    try:
        tree = ast.parse(code.value, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return not any(isinstance(n, ast.NamedExpr) for n in ast.walk(tree))


def _in_body(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """`node` runs in the body of a function or a class, whose `locals()` is that scope's own namespace (not
    in a decorator, a default or a base, which run where the `def` or `class` stands)."""
    child, up = node, parents.get(id(node))
    while up is not None:
        if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(child is stmt for stmt in up.body):
                return True
        elif isinstance(up, ast.Lambda) and child is up.body:
            return True
        child, up = up, parents.get(id(up))
    return False


def _in_function(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    up = parents.get(id(node))
    while up is not None:
        if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return True
        up = parents.get(id(up))
    return False


def _compiled(call: ast.Call) -> bool:
    """`eval(compile(...))` (statements may run) or an argument that is not plainly an expression string."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "compile"
               for arg in call.args[:1] for n in ast.walk(arg))


def _alias_written(alias: str, parents: dict[int, ast.AST]) -> bool:
    """A name bound to `globals()` is used other than read (`ns[k] = v`, `ns.update(...)`, handed on), or
    is also bound to something else (then its uses cannot be told apart)."""
    nodes = _all_nodes(parents)
    for node in nodes:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == alias for t in node.targets) \
                and not (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                         and node.value.func.id in _NAMESPACE_CALLS):
            return True
        if isinstance(node, ast.Name) and node.id == alias and not isinstance(node.ctx, ast.Load) and \
                not isinstance(parents.get(id(node)), ast.Assign):
            return True  # bound by a `for`, `with`, augmented assignment, ...
    uses = [n for n in nodes if isinstance(n, ast.Name) and n.id == alias and isinstance(n.ctx, ast.Load)]
    return any(not _read_only(n, parents.get(id(n))) for n in uses)


def globals_aliases_read_only(data: bytes) -> bool:
    """Every `globals()` assigned or handed on in the file is bound to a name (`glob = globals()`) that is only
    read through (`name in glob`, `glob[name]`: sqlalchemy's `exc.py`), so the namespace gets no name from it."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    aliases = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "globals"):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 \
                and isinstance(parent.targets[0], ast.Name):
            aliases.add(parent.targets[0].id)
        elif isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.keyword)):
            return False
    return bool(aliases) and not any(_alias_written(a, parents) for a in aliases)


def _all_nodes(parents: dict[int, ast.AST]) -> list[ast.AST]:
    """Every node of the tree `parents` was built from (each child appears once, its parent once per child)."""
    seen: dict[int, ast.AST] = {}
    for parent in parents.values():
        seen[id(parent)] = parent
        for child in ast.iter_child_nodes(parent):
            seen[id(child)] = child
    return list(seen.values())


def _global_free_template(call: ast.Call) -> bool:
    """`exec(f"...")` with no namespace given, whose template has no `global` in its literal parts (pydantic's
    tests: `exec(f"def testing_function({', '.join(fields)}): ...")`): run in a function or a class body, what
    it binds lands in that scope's own namespace, never the module's."""
    arg = call.args[0] if call.args else None
    if not isinstance(arg, ast.JoinedStr) or len(call.args) > 1 or call.keywords:
        return False
    return not any(isinstance(v, ast.Constant) and "global" in str(v.value) for v in arg.values)


def _own_namespace(call: ast.Call) -> bool:
    """`exec(code, namespace)` with an explicit namespace that is not the module's own."""
    if len(call.args) < 2 and not any(k.arg == "globals" for k in call.keywords):
        return False
    ns = call.args[1] if len(call.args) >= 2 else next(k.value for k in call.keywords if k.arg == "globals")
    return not (isinstance(ns, ast.Call) and isinstance(ns.func, ast.Name) and ns.func.id in _NAMESPACE_CALLS)


def _read_only(call: ast.expr, parent: ast.AST | None) -> bool:
    """`call` (the namespace) is read or has names deleted (`del globals()[name]`, `.pop(name)`): nothing that
    binds a name."""
    if isinstance(parent, ast.Subscript):
        return isinstance(parent.ctx, (ast.Load, ast.Del)) and parent.value is call
    if isinstance(parent, ast.Attribute):
        return parent.attr in _READ_METHODS or parent.attr in _DELETE_METHODS
    if isinstance(parent, ast.Compare):
        return call in parent.comparators
    if isinstance(parent, (ast.comprehension, ast.For)):
        return parent.iter is call
    return False


def _locate(tree: ast.Module, candidates: set[str], lazy_annotations: bool) -> Iterator[LocalIssue]:
    """Every unguarded load of a candidate name that is evaluated when the code runs, in source order, and the
    loads in annotations: those are marked `unevaluated` when the file's annotations are never evaluated as it
    runs (`lazy_annotations`: `from __future__ import annotations`, or PEP 649's deferred annotations)."""
    found: list[tuple[ast.Name, bool]] = []
    raised = _raising_statements(tree)
    # (node, directly inside a function body, names the class whose body evaluates the node binds, in a lazy annotation)
    stack: list[tuple[ast.AST, bool, frozenset[str], bool]] = [(tree, False, frozenset(), False)]
    while stack:
        node, in_function, own, lazy = stack.pop()
        if isinstance(node, ast.Name):
            if node.id in candidates and node.id not in own and isinstance(node.ctx, ast.Load) \
                    and id(node) not in raised:
                found.append((node, lazy))
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            evaluated, annotations = _signature_parts(node)
            stack.extend((child, in_function, own, lazy) for child in evaluated)
            stack.extend((child, in_function, own, lazy or lazy_annotations) for child in annotations)
            body = node.body if isinstance(node.body, list) else [node.body]
            stack.extend((child, True, frozenset(), lazy) for child in body)  # a method does not see its class's names
            continue
        if isinstance(node, ast.ClassDef):
            stack.extend((child, in_function, own, lazy)
                         for child in [*node.decorator_list, *node.bases, *node.keywords])
            body_binds = _class_body_binds(node)
            stack.extend((child, False, body_binds, lazy) for child in node.body)
            continue
        if isinstance(node, ast.AnnAssign):
            # a variable annotation counts only at module or class level (in a function it is never evaluated)
            value = [node.value] if node.value is not None else []
            stack.extend((child, in_function, own, lazy) for child in [node.target, *value])
            if not in_function:
                stack.append((node.annotation, in_function, own, lazy or lazy_annotations))
            continue
        stack.extend((child, in_function, own, lazy) for child in _visible_children(node))
    counts: dict[str, int] = {}
    for name, unevaluated in sorted(found, key=lambda f: (f[0].lineno, f[0].col_offset)):
        counts[name.id] = counts.get(name.id, 0) + 1
        if counts[name.id] <= _MAX_PER_NAME:
            yield LocalIssue("undefined-name", name.lineno, name.col_offset, name.end_lineno or name.lineno,
                             f"undefined name '{name.id}'", name.id, unevaluated)


def _class_body_binds(node: ast.ClassDef) -> frozenset[str]:
    """Every name the class body binds, counting generously (comprehension targets and names bound in
    nested scopes too): a read of any of them in the class body is left alone."""
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
            out.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            out.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in sub.names)
        elif isinstance(sub, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and sub.name:
            out.add(sub.name)
        elif isinstance(sub, ast.MatchMapping) and sub.rest:
            out.add(sub.rest)
        elif isinstance(sub, ast.arg):
            out.add(sub.arg)
    return frozenset(out)


def _signature_parts(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> tuple[list[ast.AST], list[ast.AST]]:
    """What a `def` evaluates where it stands (decorators, defaults), and its annotations."""
    args = node.args
    parts: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if isinstance(node, ast.Lambda):
        return parts, []
    parts.extend(node.decorator_list)
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
    annotations: list[ast.AST] = [a.annotation for a in every if a.annotation is not None]
    if node.returns is not None:
        annotations.append(node.returns)
    return parts, annotations


def _visible_children(node: ast.AST) -> list[ast.AST]:
    """Children whose names are evaluated unguarded."""
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        handlers: list[ast.ExceptHandler] = node.handlers  # type: ignore[attr-defined]
        body: list[ast.AST] = node.body  # type: ignore[attr-defined]
        if _shields_names(body, handlers):
            body = []
        return [*body, *handlers, *node.orelse, *node.finalbody]  # type: ignore[attr-defined]
    return list(ast.iter_child_nodes(node))


def _raising_statements(tree: ast.Module) -> set[int]:
    """ids of names that are whole statements (`foobarbaz`, a statement that does nothing but raise
    `NameError`) inside the body of a `try` whose handler carries on after anything: raised on purpose
    (rich's tests: `try: try: foo(0) except: foobarbaz except: tb = Traceback()` builds a chained traceback)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Try) or type(node).__name__ == "TryStar"):
            continue
        handlers: list[ast.ExceptHandler] = node.handlers  # type: ignore[attr-defined]
        if not any(_catches_name_error(h, broad_too=True) for h in handlers):
            continue
        for stmt in node.body:  # type: ignore[attr-defined]
            out.update(id(n.value) for n in ast.walk(stmt) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Name))
    return out


def _shields_names(body: list[ast.AST], handlers: list[ast.ExceptHandler]) -> bool:
    """A handler carries on after a `NameError` raised in `body`, which probes for a name on purpose. A handler
    that names `NameError` says so for the whole body (`try: unicode; ... except NameError: ...`); a broad one
    (`except Exception:`, a bare `except:`) only for a body of one simple statement (`try: shell = get_ipython() except:
    ...`): around a longer body it reports or skips failures (black's `reformat_one`: `except Exception as exc:
    report.failed(src, str(exc))`), and a misspelt name there fails on every run."""
    probe = len(body) == 1 and not isinstance(body[0], _COMPOUND)
    return any(_catches_name_error(h, broad_too=probe) for h in handlers)


def _catches_name_error(handler: ast.ExceptHandler, *, broad_too: bool) -> bool:
    """The handler catches a `NameError` (named, or with `broad_too` by a bare or broad `except`) and carries
    on: one that always ends by raising or exiting (bottle's `except: if not reloader: raise; print_exc();
    sys.exit(3)`) leaves the failure a failure."""
    if handler.body and _ends_the_run(handler.body[-1]) and not any(
            isinstance(n, (ast.Return, ast.Break, ast.Continue)) for s in handler.body for n in ast.walk(s)):
        return False
    if handler.type is None:
        return broad_too
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    caught = _CATCH_NAME_ERROR | _CATCH_ANYTHING if broad_too else _CATCH_NAME_ERROR
    return any(last_name(k) in caught for k in kinds)


_EXITS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})


def _ends_the_run(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Raise):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and ast.unparse(stmt.value.func) in _EXITS
