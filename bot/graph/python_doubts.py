"""Python detectors for `bot.graph.doubts`: computed once per file content, at parse time.

Cheap byte tests first (most files have none of these constructs); `ast` only for the rare module-level
`__getattr__`. The scoped guards (which statements an `except ImportError`, an environment `if` or an
expected-failure `with` covers) are byte ranges over the tree-sitter tree, one set per kind of fact.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.graph.model import NO_DOUBTS, Doubts
from bot.graph.names import ALWAYS_DEFINED, last_name
from bot.graph.python_undefined import globals_aliases_read_only
from bot.lazy_re import lazy

# -- whole-file doubts -------------------------------------------------------------------------------

_DYNAMIC_HINTS = (b"globals(", b"vars(", b"locals(", b"sys.modules", b"exec(", b"__path__", b"extend_path")
# What can add names to this module at run time. Module-level `def __getattr__` is found by the walk.
# (An import hook on `sys.meta_path` serves modules, not attributes: it can add names only to a package, as
# its submodules, and `path_dynamic` says so; the resolver asks it for the names of packages.)
_DYNAMIC_CODE = lazy(
    rb"globals\(\s*\)\s*(?:\[[^\]\n]*\]\s*(?:=[^=]|[-+*/|&]=)|\.(?:update|setdefault|__setitem__)\b)|"
    rb"(?m:^(?:vars|locals)\(\s*\)\s*(?:\[[^\]\n]*\]\s*=[^=]|\.update\b))|"
    rb"sys\.modules\s*\[\s*__name__\s*\]|"
    rb"(?m:^exec\s*\()|(?m:^__path__)|extend_path|"
    rb"[(,]\s*globals\(\s*\)\s*[,)]"
)
# What can make `import pkg.sub` work without a file `pkg/sub.py` (replacing the package itself cannot). A write
# under a literal name (`sys.modules["pip"] = pip` in a package's `__init__.py`) serves that name and those below
# it only, whatever file makes it: `Doubts.replaced_modules` holds it, and `Resolver.put_in_sys_modules` judges it.
_PATH_DYNAMIC = lazy(rb"__path__|extend_path|sys\.meta_path\b|"
                     rb"sys\.modules\s*\[(?!\s*__name__\s*\])(?!\s*(['\"])[A-Za-z_][\w.]*\1\s*\])[^\]\n]*\]\s*=[^=]")
# Writes into the module's own namespace anywhere in the source (functions included).
_SELF_WRITING = lazy(
    r"(?:globals|vars|locals)\(\s*\)\s*(?:\[[^\]\n]*\]\s*=(?!=)|\.(?:update|setdefault)\b)|"  # writes
    r"[(,]\s*globals\(\s*\)\s*[,)]|"  # passed on
    r"setattr\(\s*sys\.modules\s*(?:\[\s*__name__\s*\]|\.get\(\s*__name__)|"  # its own entry, not another's
    r"=\s*sys\.modules\s*\[\s*__name__|(?<![.\w])exec\s*\([^,()]*\)|"
    r"sys\.modules\s*\[\s*__name__\s*\]\s*=(?!=)", re.MULTILINE)
_SELF_HINTS = (b"globals(", b"vars(", b"locals(", b"sys.modules", b"exec(")
# `glob = globals()` (`x = globals()[k]` reads): a write unless every such name is only read through
# (`python_undefined.globals_aliases_read_only`)
_SELF_ALIAS = lazy(r"=\s*globals\(\s*\)(?!\s*\[|\.(?:get|copy|keys|items|values)\b)")
_SETATTR = lazy(rb"setattr\(\s*([A-Za-z_]\w*)\s*,")
_PROBE = lazy(rb"""(?:hasattr|getattr)\([^)]*?['"]([A-Za-z_]\w*)['"]""")
_ALL_CHANGED = lazy(rb"__all__\s*(?:\+=|\.(?:append|extend|insert|remove)\b|\[)|__all__\s*=\s*(?![\[(])")
# A helper handed the module's own name (`recreate_module(__name__, ...)`, `lazy.attach(__name__, ...)`):
# it may replace the module in `sys.modules` (judged where the helper is defined, `doubts.binds_dynamically`).
_HANDOFF = lazy(rb"(?m)^[ \t]*(?:[A-Za-z_]\w*[ \t]*(?:,[ \t]*\w+[ \t]*)*=[ \t]*)?([A-Za-z_][\w.]*)\("
                      rb"\s*(?:#[^\n]*\n\s*)*__name__\b")
_NOT_HANDOFF = frozenset({"getLogger", "logging.getLogger", "get_logger", "Logger", "Flask", "Blueprint",
                          "print", "warn", "str", "repr", "len",
                          # resource readers given the package whose files they read (pkg_resources, pkgutil,
                          # importlib.resources): they read beside the module, never replace it
                          "resource_string", "resource_stream", "resource_filename", "resource_exists",
                          "resource_isdir", "resource_listdir", "get_data", "files", "read_text", "read_binary",
                          "open_text", "open_binary", "is_resource", "contents"})


def module_dynamic(data: bytes, getattr_open: bool) -> bool:
    """Names may be added to the module at run time (its exports are unknowable): a module `__getattr__` that may
    answer any name, or code that writes the namespace."""
    return getattr_open or (any(h in data for h in _DYNAMIC_HINTS) and
                            bool(_DYNAMIC_CODE.search(_without_bounded_writes(data))))


# A profiler or timer running a literal expression in the module's namespace (scrapy's `p.runctx("cmd.run(args,
# opts)", globals(), loc)`): an expression binds nothing (`python_undefined.expression_run` judges the same).
_EXPRESSION_RUN = lazy(rb"""\b(?:runctx|timeit|repeat|Timer)\(\s*(['"])([^'"\n:=]*)\1\s*,\s*globals\(\s*\)""")


# A write through `globals()` under a literal name (setuptools' `globals().setdefault('load_entry_point', f)`,
# `globals()["x"] = v`): it binds that one name, which the file's names include (`literal_global_names`).
_LITERAL_GLOBAL = lazy(rb"""\bglobals(\(\s*\)\s*(?:\[\s*(['"])([A-Za-z_]\w*)\2\s*\]\s*=(?!=)|"""
                             rb"""\.setdefault\(\s*(['"])([A-Za-z_]\w*)\4\s*,))""")


def literal_global_names(data: bytes) -> set[str]:
    """The names written into the module's namespace through `globals()` under a literal name."""
    if b"globals(" not in data:
        return set()
    return {(m.group(3) or m.group(5)).decode() for m in _LITERAL_GLOBAL.finditer(data)}


def _without_bounded_writes(data: bytes) -> bytes:
    """`data` less what writes into the namespace only names the facts know: literal expressions run in it, and
    writes under a literal name (`literal_global_names`)."""
    data = _without_expression_runs(data)
    return _LITERAL_GLOBAL.sub(lambda m: b"_bound_" + m.group(1), data) if b"globals(" in data else data


def _without_expression_runs(data: bytes) -> bytes:
    if b"globals(" not in data:
        return data
    return _EXPRESSION_RUN.sub(lambda m: b"run(" if _expression(m.group(2)) else m.group(0), data)


def _expression(code: bytes) -> bool:
    try:
        compile(code, "<run>", "eval", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def path_dynamic(data: bytes) -> bool:
    if b"__path__" not in data and b"extend_path" not in data and b"sys.modules" not in data \
            and b"meta_path" not in data:
        return False
    return _PATH_DYNAMIC.search(_without_path_handoffs(data)) is not None


# The package's own `__path__` handed on unchanged to the lazy module that replaces it (celery's
# `local.recreate_module(__name__, ..., __path__=__path__)`, kombu's `new_module.__dict__.update({'__path__':
# __path__, ...})`: it finds submodules where the package did), and the name only quoted (`dir()` listings).
_PATH_HANDOFF = lazy(rb"""\b__path__\s*=\s*__path__\s*(?=[,)])|(['"])__path__\1\s*:\s*__path__\s*(?=[,}])|"""
                           rb"""(['"])__path__\2(?!\s*:)""")


def _without_path_handoffs(data: bytes) -> bytes:
    """`data` less the handoffs of `_PATH_HANDOFF`, on lines without a `setattr` (which writes by a quoted name)."""
    if b"__path__" not in data:
        return data
    return b"\n".join(line if b"setattr" in line else _PATH_HANDOFF.sub(b"", line) for line in data.split(b"\n"))


def _self_writing(data: bytes) -> bool:
    if not any(h in data for h in _SELF_HINTS):
        return False
    text = _without_comments(_without_bounded_writes(data))
    if _SELF_WRITING.search(text):
        return True
    return _SELF_ALIAS.search(text) is not None and not globals_aliases_read_only(data)


def doubts_of(data: bytes) -> Doubts:
    """The whole-file doubts of one Python source."""
    getattr_open, getattr_names = _module_getattr(data)
    self_writing = _self_writing(data)
    setattrs = tuple(sorted({m.decode() for m in _SETATTR.findall(data)})) if b"setattr(" in data else ()
    probed = tuple(sorted({m.decode() for m in _PROBE.findall(data)})) if b"attr(" in data else ()
    # (a comment edits nothing: Sphinx's `conf.py` template says "# add these directories to sys.path here")
    code = _without_comments(data).encode("utf-8", "surrogateescape") if b"sys.path" in data else data
    d = Doubts(getattr_open=getattr_open, getattr_names=getattr_names, self_writing=self_writing,
               setattr_targets=setattrs, probed=probed,
               all_changed=b"__all__" in data and _ALL_CHANGED.search(data) is not None,
               sys_path_line=_first_line(code, b"sys.path"), sys_path_appends_only=_appends_only(code),
               name_handoffs=_handoffs(data), mock_imports=_mock_imports(data),
               collect_ignore=_collect_ignore(data), class_handoffs=_class_handoffs(data),
               sys_path_ups=_sys_path_ups(data), replaced_modules=_replaced_modules(data))
    return NO_DOUBTS if d == NO_DOUBTS else d


_REPLACED = lazy(rb"""\bsys\.modules\s*\[\s*(['"])([A-Za-z_][\w.]*)\1\s*\]\s*=(?!=)""")


def _replaced_modules(data: bytes) -> tuple[str, ...]:
    """The literal module names this file assigns in `sys.modules` (`sys.modules['pkg.mod'] = obj`)."""
    if b"sys.modules" not in data:
        return ()
    return tuple(sorted({m.group(2).decode() for m in _REPLACED.finditer(data)}))


_PATH_MENTION = lazy(rb"(\bdel\s+|\bin\s+)?\bsys\.path\b(\.(?:append|remove|pop)\(|\[-1\])?")


def _appends_only(data: bytes) -> bool:
    """Every mention of `sys.path` appends, removes, deletes its last entry (falcon's bench `create.py`:
    `sys.path.append(dir)`, then `del sys.path[-1]`), or tests membership (sanic's loader: `if path not in
    sys.path: sys.path.append(path)`)."""
    mentions = list(_PATH_MENTION.finditer(data))
    return 0 < len(mentions) == data.count(b"sys.path") and all(_harmless(m) for m in mentions)


def _harmless(mention: re.Match[bytes]) -> bool:
    before, what = mention.group(1), mention.group(2)
    if before is None:
        return what is not None and what != b"[-1]"  # `.append(`, `.remove(`, `.pop(`
    if before.startswith(b"del"):
        return what == b"[-1]"
    return what is None  # `in sys.path`: a read


def _sys_path_ups(data: bytes) -> tuple[int, ...]:
    """How many levels above the file's directory each `sys.path` edit adds, when every mention of `sys.path`
    is an `insert`/`append` of a directory computed from `__file__` (`Path(__file__).resolve().parents[1]`,
    `os.path.dirname(os.path.dirname(os.path.abspath(__file__)))`, `os.path.join(os.path.dirname(__file__),
    "..")`, through one module-level name) or a membership test; () otherwise."""
    if b"sys.path" not in data or b"__file__" not in data:
        return ()
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    names: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names.setdefault(t.id, []).append(node.value)
    parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    ups: set[int] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
                and node.value.id == "sys"):
            continue
        use = parents.get(id(node))
        if isinstance(use, ast.Compare) and node in use.comparators:
            continue  # `if d not in sys.path:`
        call = parents.get(id(use))
        if not (isinstance(use, ast.Attribute) and use.attr in ("insert", "append") and isinstance(call, ast.Call)
                and call.func is use and call.args):
            return ()
        up = _levels_up(call.args[-1], names)
        if up is None or up < 0:
            return ()
        ups.add(up)
    return tuple(sorted(ups))


_SAME_PATH = frozenset({"abspath", "realpath", "normpath", "Path", "PurePath", "str", "fspath", "resolve", "absolute"})


def _levels_up(expr: ast.expr, names: dict[str, list[ast.expr]], depth: int = 0) -> int | None:
    """Levels above the file's directory that `expr` names (-1: the file itself), or None when unknown."""
    if depth > 8:
        return None
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return -1
        values = names.get(expr.id, [])
        return _levels_up(values[0], names, depth + 1) if len(values) == 1 else None
    if isinstance(expr, ast.Attribute) and expr.attr == "parent":
        inner = _levels_up(expr.value, names, depth + 1)
        return None if inner is None else inner + 1
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "parents" \
            and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, int):
        inner = _levels_up(expr.value.value, names, depth + 1)
        return None if inner is None else inner + 1 + expr.slice.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        inner = _levels_up(expr.left, names, depth + 1)
        return None if inner is None else _joined(inner, [expr.right])
    if not isinstance(expr, ast.Call):
        return None
    callee = last_name(expr.func)
    if callee in ("resolve", "absolute") and isinstance(expr.func, ast.Attribute) and not expr.args:
        return _levels_up(expr.func.value, names, depth + 1)
    if not expr.args:
        return None
    inner = _levels_up(expr.args[0], names, depth + 1)
    if inner is None:
        return None
    if callee == "dirname" and len(expr.args) == 1:
        return inner + 1
    if callee == "join":
        return _joined(inner, expr.args[1:])
    return inner if callee in _SAME_PATH and len(expr.args) == 1 else None


def _joined(base: int, parts: list[ast.expr]) -> int | None:
    """`base` joined with literal `".."` parts only (one level up each)."""
    if base < 0 or not parts:
        return None
    ups = 0
    for part in parts:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            return None
        pieces = [x for x in part.value.replace("\\", "/").split("/") if x not in ("", ".")]
        if any(x != ".." for x in pieces):
            return None
        ups += len(pieces)
    return base + ups


def _first_line(data: bytes, needle: bytes) -> int:
    """The 1-based line of the first occurrence of `needle` (0: none)."""
    at = data.find(needle)
    return 0 if at < 0 else data.count(b"\n", 0, at) + 1


_TOP_LEVEL_CALL = lazy(rb"(?m)^(?:[A-Za-z_]\w*[ \t]*=[ \t]*)?[A-Za-z_][\w.]*\(")
# Calls that only look at a class: handing a class to them cannot give it attributes.
_LOOKS_ONLY = frozenset({"isinstance", "issubclass", "print", "repr", "str", "len", "id", "type", "hasattr",
                         "getattr", "callable", "hash", "vars", "dir", "format", "sorted", "list", "tuple", "set",
                         "frozenset", "dict", "super", "assert_type", "cast", "TypeVar", "NewType", "reveal_type"})


def _class_handoffs(data: bytes) -> tuple[str, ...]:
    """Class-like names (capitalised) passed as arguments to calls made at module level: the callee may add
    attributes to the class (SQLAlchemy's classical `mapper(Page, pages_table)`, an ORM or plugin registry),
    so a member no definition shows may still exist. Computed only where the file has a module-level call."""
    if _TOP_LEVEL_CALL.search(data) is None:
        return ()
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    found: set[str] = set()
    for stmt in _module_level(tree.body):
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call) or _callee_name(node.func) in _LOOKS_ONLY:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and arg.id[:1].isupper():
                    found.add(arg.id)
    return tuple(sorted(found))


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time: the module body and its if/try/with blocks, not functions or classes."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.Try, ast.With)):
            yield from _module_level([*getattr(stmt, "body", []), *getattr(stmt, "orelse", []),
                                      *getattr(stmt, "finalbody", []),
                                      *(s for h in getattr(stmt, "handlers", []) for s in h.body)])
            if isinstance(stmt, ast.If):
                yield ast.Expr(stmt.test)
            continue
        yield stmt


def _callee_name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


_MOCK_IMPORTS = lazy(rb"autodoc_mock_imports\s*(?:=|\+=)\s*[\[(]([^\])]*)[\])]")
_QUOTED = lazy(rb"""['"]([\w.]+)['"]""")


def _mock_imports(data: bytes) -> tuple[str, ...]:
    if b"autodoc_mock_imports" not in data:
        return ()
    found = {q.decode() for m in _MOCK_IMPORTS.finditer(data) for q in _QUOTED.findall(m.group(1))}
    return tuple(sorted(found))


_COLLECT_IGNORE = lazy(rb"collect_ignore(?:_glob)?\s*(?:=|\+=|\.append\(|\.extend\()\s*([\[(]?[^\])\n]*[\])]?)")


def _collect_ignore(data: bytes) -> tuple[str, ...]:
    if b"collect_ignore" not in data:
        return ()
    found = {q.decode("utf-8", "replace") for m in _COLLECT_IGNORE.finditer(data)
             for q in re.findall(rb"""['"]([^'"\n]+)['"]""", m.group(1))}
    return tuple(sorted(found))


def _handoffs(data: bytes) -> tuple[str, ...]:
    if b"__name__" not in data:
        return ()
    found = {m.decode("utf-8", "replace") for m in _HANDOFF.findall(data)}
    return tuple(sorted(f for f in found if f not in _NOT_HANDOFF and f.rsplit(".", 1)[-1] not in _NOT_HANDOFF))


def _without_comments(data: bytes) -> str:
    """Source with `#` comments removed (a `#` after an odd number of quotes is left alone), line for line: the
    lines are those Python counts (split at "\n" only; `str.splitlines` would also split at a form feed)."""
    out = []
    for line in data.decode("utf-8", "surrogateescape").split("\n"):
        cut = line.find("#")
        while cut != -1 and (line.count('"', 0, cut) % 2 or line.count("'", 0, cut) % 2):
            cut = line.find("#", cut + 1)
        out.append(line if cut == -1 else line[:cut])
    return "\n".join(out)


# a module-level `def __getattr__`, a `__getattr__ = ...` or an import of one (indented too: under `if`, `try`)
# (`[(\[]?(?:\w+\s*,\s*)*__getattr__\s*[,)\]]`: one of several targets, bokeh's sampledata shims
# `__getattr__, __dir__, __doc__ = _create_sampledata_shim(__name__)`)
_GETATTR_HINT = lazy(rb"(?m)^[ \t]*(?:(?:async[ \t]+)?def[ \t]+__getattr__\b|__getattr__[ \t]*[:=]|from[ \t].*\b__getattr__\b|"
                     rb"[(\[]?[ \t]*(?:\w+[ \t]*,[ \t]*)*__getattr__[ \t]*[,)\]])")
_GETATTR_TOP = lazy(rb"(?m)^(?:(?:async )?def __getattr__\b|__getattr__\s*[:=]|from[ \t].*\b__getattr__\b|"
                    rb"[(\[]?[ \t]*(?:\w+[ \t]*,[ \t]*)*__getattr__[ \t]*[,)\]])")


def _module_getattr(data: bytes) -> tuple[bool, tuple[str, ...]]:
    """(may answer any name, the names a closed module `__getattr__` answers for), from every `__getattr__` the
    module's own code binds: defined at module level (under `if`, `try`, `with` too), assigned
    (`__getattr__ = getattr_migration(__name__)`) or imported. A class's `__getattr__` is the class's business."""
    if b"__getattr__" not in data or not _GETATTR_HINT.search(data):
        return False, ()
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _GETATTR_TOP.search(data) is not None, ()  # unreadable here: only an unindented one is surely the module's
    answered: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name == "__getattr__":
                names = _literal_answers(node) if isinstance(node, ast.FunctionDef) else None
                if names is None:
                    return True, ()
                answered |= names
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(n, ast.Name) and n.id == "__getattr__" for t in targets for n in ast.walk(t)):
                return True, ()
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name) == "__getattr__" for a in node.names):
                return True, ()
        elif not isinstance(node, ast.ClassDef):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, None) or ():
                    stack.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
            if isinstance(node, ast.Match):
                stack.extend(s for case in node.cases for s in case.body)
    return False, tuple(sorted(answered))


def _literal_answers(fn: ast.FunctionDef) -> set[str] | None:
    """The names a closed `__getattr__` answers for, or None when it may answer for any name."""
    if not fn.body or not isinstance(fn.body[-1], ast.Raise):
        return None
    answered: set[str] = set()
    for stmt in fn.body[:-1]:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign)) and not any(
                isinstance(n, ast.Return) for n in ast.walk(stmt)):
            continue
        if not isinstance(stmt, ast.If) or stmt.orelse:
            return None
        names = _compared_literals(stmt.test)
        if names is None:
            return None
        answered |= names
    return answered


def _compared_literals(test: ast.expr) -> set[str] | None:
    """The string literals `test` compares the name with (`name == "a"`, `name in ("a", "b")`, joined by `or`)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        parts = [_compared_literals(v) for v in test.values]
        return None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1:
        right = test.comparators[0]
        if isinstance(test.ops[0], ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            return {right.value}
        if isinstance(test.ops[0], ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            keys = right.keys if isinstance(right, ast.Dict) else right.elts
            if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
                return {k.value for k in keys}  # type: ignore[union-attr]
    return None


# -- scoped guards -----------------------------------------------------------------------------------

# An `if` test that makes what it guards environment-dependent.
_GUARD_TEST = lazy(
    r"TYPE_CHECKING|version|platform|os\.name|\bPY[A-Z0-9_]*\b|\bIS_[A-Z0-9_]+|\bHAS_[A-Z0-9_]+|"
    r"WINDOWS|win32|darwin|linux|cygwin|\bWIN\b|\bMACOS\b|JYTHON|sys\.implementation|hasattr\(\s*(?!self\b|cls\b)|"
    r"find_spec|importlib"
)
# The `if` tests whose block may never run under the target Python (another version, a type checker only).
_DEAD_CODE_TEST = lazy(r"TYPE_CHECKING|version|\bPY[A-Z0-9_]*\b|JYTHON|sys\.implementation")
_PLATFORM_TEST = lazy(r"platform|os\.name|win32|darwin|linux|cygwin|WINDOWS|\bIS_WIN|\bWIN\b|\bMACOS\b")
_FEATURE_TEST = lazy(r"TYPE_CHECKING|version|\bPY[A-Z0-9_]*\b|JYTHON|sys\.implementation|hasattr|getattr|"
                           r"find_spec|importlib|\bHAS_|\bhas_|available|installed|enabled|supported|\b(?:use|with|can)_",
                           re.IGNORECASE)


def platform_test(test: str) -> bool:
    """An `if` test on the operating system only (`sys.platform == "win32"`, `os.name == "nt"`): its block
    runs on that system. A repository module has the same names there as anywhere (a conditional `def`
    still counts), so only what the block imports from outside may be absent."""
    return _PLATFORM_TEST.search(test) is not None and _FEATURE_TEST.search(test) is None
_LATEST_MINOR = 20  # versions past the ones released are supported too: a test is live on them


def version_split(test: str, target: tuple[int, int]) -> bool:
    """`test` compares `sys.version_info` (whole, sliced, or its major/minor) with a literal, and it is true on
    some Python from `target` on and false on another (`sys.version_info >= (3, 10)` for a 3.8 target: both
    branches run). False when the test is anything else, or one branch is dead on every supported Python."""
    try:
        node = ast.parse(test.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return False
    read = _version_read(node.left)
    right = node.comparators[0]
    try:
        literal = ast.literal_eval(right)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    if read is None or not isinstance(literal, (int, tuple)):
        return False
    op = _COMPARE.get(type(node.ops[0]))
    if op is None:
        return False
    outcomes = set()
    for minor in range(target[1], _LATEST_MINOR + 1):
        version = (target[0], minor, 0, "final", 0)
        try:
            outcomes.add(bool(op(read(version), literal)))
        except TypeError:
            return False
    return outcomes == {True, False}


_COMPARE: dict[type, Any] = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
                             ast.GtE: lambda a, b: a >= b}


def _version_read(node: ast.expr) -> Any:
    """How `node` reads `sys.version_info` (a function of the version tuple), or None."""
    if isinstance(node, ast.Attribute) and node.attr == "version_info" and isinstance(node.value, ast.Name) \
            and node.value.id == "sys":
        return lambda v: v
    if isinstance(node, ast.Attribute) and node.attr in ("major", "minor") and _version_read(node.value):
        return (lambda v: v[0]) if node.attr == "major" else (lambda v: v[1])
    if isinstance(node, ast.Subscript) and _version_read(node.value):
        try:
            index = ast.literal_eval(node.slice) if not isinstance(node.slice, ast.Slice) else slice(
                *(ast.literal_eval(x) if x is not None else None for x in (node.slice.lower, node.slice.upper, None)))
        except (ValueError, TypeError, SyntaxError):
            return None
        return lambda v: v[index]
    return None


_ENV_WORD = lazy(
    r"version|platform|type_checking|implementation|fbcode|fbsource|internal|available|installed|enabled|"
    r"supported|^(?:sys|os)$|^(?:has|have|use|is|with|can)_|(?:^|_)(?:py[23]?k?\d*|pypy|cpython|win(?:32|64|dows)?|"
    r"mac(?:os)?|darwin|linux|posix|java|cygwin|emscripten)(?:_|\d|$)", re.IGNORECASE)


def environment_test(test: ast.expr) -> bool:
    """An `if` on the Python version, the platform or the availability of a feature (the `ast` form, read
    where findings are filtered: `bot.gate.guards.quiet_lines`)."""
    for node in ast.walk(test):
        word = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        if word and _ENV_WORD.search(word):
            return True
        if isinstance(node, ast.Call) and last_name(node.func) in ("hasattr", "find_spec", "getattr"):
            return True
    return False


# A `with` that expects or swallows exceptions (`pytest.raises`, `assertRaises`, `contextlib.suppress`).
_GUARD_WITH = lazy(r"raises|Raises|suppress|warns|Warns|catch_warnings|ignore|expect", re.IGNORECASE)
_BROAD = frozenset({"Exception", "BaseException"})
# What each kind of fact raises when it is wrong (an `except` of another builtin exception does not shield it).
_IMPORT_ERRORS = _BROAD | {"ImportError", "ModuleNotFoundError"}
_ATTRIBUTE_ERRORS = _BROAD | {"AttributeError", "ImportError"}  # (`from m import x` of a missing x)
_CALL_ERRORS = _BROAD | {"TypeError"}


@dataclass(frozen=True)
class GuardRanges:
    """Byte ranges where a kind of fact is uncertain: imports, attribute uses, calls; `platform`: where only a
    test on the operating system makes absolute imports uncertain (a module of that system only; the file's own
    package is there on every system)."""

    imports: list[tuple[int, int]]
    attributes: list[tuple[int, int]]
    calls: list[tuple[int, int]]
    platform: list[tuple[int, int]]


def guard_ranges(caps: dict[str, list[Any]], target: tuple[int, int] | None = None) -> GuardRanges:
    """`target`: the lowest Python the files are judged for (a version test both of whose branches run on
    some supported Python keeps the relative imports in them judged)."""
    shared: list[tuple[int, int]] = []
    imports: list[tuple[int, int]] = []
    attributes: list[tuple[int, int]] = []
    calls: list[tuple[int, int]] = []
    platform: list[tuple[int, int]] = []
    for node in caps.get("try", ()):
        caught = _caught(node)
        body = node.child_by_field_name("body")
        if body is None:
            continue
        if caught & _IMPORT_ERRORS:
            # what the try body imports may be absent; so may a fallback import in a handler
            imports.append((node.start_byte, node.end_byte))
        if caught & _ATTRIBUTE_ERRORS:
            attributes.append((body.start_byte, body.end_byte))
        if caught & _CALL_ERRORS:
            calls.append((body.start_byte, body.end_byte))
    for clause in caps.get("withclause", ()):
        if not _GUARD_WITH.search(clause.text.decode("utf-8", "replace")):
            continue
        stmt = clause.parent
        # what the managers shield: their first item is evaluated before any of them is entered
        # (`with self.assertRaises(statemachine.TransitionPatternNotFound):` reads the attribute unshielded)
        first = clause.named_children[0] if clause.named_child_count else clause
        span = (first.end_byte, stmt.end_byte)
        expected = _with_caught(clause)
        if expected is None and _warnings_only(clause):  # an exception passes through: imports and
            calls.append(span)  # attributes are judged, calls stay shielded
            continue
        if expected is None:  # an unreadable expectation: anything may be expected
            shared.append(span)
            continue
        for kinds, ranges in ((_IMPORT_ERRORS, imports), (_ATTRIBUTE_ERRORS, attributes), (_CALL_ERRORS, calls)):
            if expected & kinds:
                ranges.append(span)
    for cond in caps.get("ifcond", ()):
        test = cond.text.decode("utf-8", "replace")
        stmt = cond.parent
        if _GUARD_TEST.search(test):
            span = (cond.end_byte, stmt.end_byte)  # what the test guards: the test itself always runs
            if _DEAD_CODE_TEST.search(test) and not (target is not None and version_split(test, target)):
                shared.append(span)
            elif _DEAD_CODE_TEST.search(test):
                # both branches run on some supported Python: what they import from outside may be absent on
                # the one running it, a relative import names a repository file, there on every version
                imports.extend(_without_relative_imports(span, caps.get("import", [])))
                attributes.append(span)
                calls.append(span)
            else:
                # A platform or feature test: the block runs somewhere. A repository module has the same
                # names on every platform (a conditional `def` still counts), and arity only judges
                # unconditional definitions; only what the test probes (`hasattr(mod, "x")`) and what the
                # block imports (an optional or platform-only module) are uncertain. The probed attributes
                # are judged where findings are filtered (`bot.gate.guards.quiet_lines`: `hasattr(stream,
                # "read")` shields `stream.read`, not `helpers.CloseableStreamIterator` beside it).
                if platform_test(test):  # a relative import names a repository file, there on every system
                    platform.extend(_without_relative_imports(span, caps.get("import", [])))
                else:
                    imports.append(span)
        elif test in ("True", "1") and stmt.parent is not None:
            # `if True: return ...` makes the rest of the block dead code
            body = stmt.child_by_field_name("consequence")
            last = body.named_children[-1] if body is not None and body.named_child_count else None
            if last is not None and last.type in ("return_statement", "raise_statement"):
                shared.append((stmt.end_byte, stmt.parent.end_byte))
    return GuardRanges(imports + shared, attributes + shared, calls + shared, platform)


def _without_relative_imports(span: tuple[int, int], import_nodes: list[Any]) -> list[tuple[int, int]]:
    """`span` less the byte ranges of the relative imports inside it."""
    out: list[tuple[int, int]] = []
    start = span[0]
    for node in sorted(import_nodes, key=lambda n: n.start_byte):
        if span[0] <= node.start_byte < span[1] and _relative(node):
            if node.start_byte > start:
                out.append((start, node.start_byte))
            start = max(start, node.end_byte)
    if start < span[1]:
        out.append((start, span[1]))
    return out


def _relative(node: Any) -> bool:
    module = node.child_by_field_name("module_name") if node.type == "import_from_statement" else None
    return module is not None and module.type == "relative_import"


_EXPECTING = lazy(r"(?:^|\.)(?:raises|assertRaises\w*|suppress)$")
def _with_caught(clause: Any) -> set[str] | None:
    """The exceptions a `with pytest.raises(E)` / `self.assertRaises(E)` / `suppress(E, ...)` clause expects,
    or None when some item expects something else or cannot be read."""
    out: set[str] = set()
    for item in clause.named_children:
        value = item.named_children[0] if item.named_child_count else None
        if value is not None and value.type == "as_pattern":
            value = value.named_children[0] if value.named_child_count else None
        if value is None or value.type != "call":
            continue  # another context manager in the same `with`
        fn = value.child_by_field_name("function")
        args = value.child_by_field_name("arguments")
        name = fn.text.decode("utf-8", "replace") if fn is not None else ""
        if not _EXPECTING.search(name):
            if _GUARD_WITH.search(name):
                return None
            continue
        named = [a for a in (args.named_children if args is not None else []) if a.type != "keyword_argument"]
        if not named:
            return None
        exprs = named if name.endswith("suppress") else named[:1]
        for expr in exprs:
            kinds = expr.named_children if expr.type in ("tuple", "parenthesized_expression") else [expr]
            for kind in kinds:
                word = kind.text.decode("utf-8", "replace").rsplit(".", 1)[-1]
                out.add(word if kind.type in ("identifier", "attribute") and word in ALWAYS_DEFINED else "Exception")
    return out


def _warnings_only(clause: Any) -> bool:
    """Every expecting manager of the `with` records or filters warnings (`pytest.warns`, `catch_warnings`,
    `deprecated_call`, sympy's `warns_deprecated_sympy`): an exception, ImportError included, passes through.
    (Calls stay shielded there: a deprecation shim may accept what its signature does not show.)"""
    names = [n.decode("utf-8", "replace") for n in _WITH_CALLS.findall(clause.text)]
    guards = [n.rsplit(".", 1)[-1].lower() for n in names if _GUARD_WITH.search(n)]
    return bool(guards) and all(("warn" in g or g == "deprecated_call") and not any(
        w in g for w in ("rais", "suppress", "error", "except")) for g in guards)


_WITH_CALLS = lazy(rb"([A-Za-z_][\w.]*)\s*\(")


def _caught(try_node: Any) -> set[str]:
    """The exception names a try statement's handlers catch; "Exception" for a bare `except`, an
    `except*`, or a class that is not a builtin (it may derive from anything)."""
    out: set[str] = set()
    for clause in try_node.named_children:
        if clause.type == "except_group_clause":
            out.add("Exception")
        if clause.type != "except_clause":
            continue
        value = clause.child_by_field_name("value")
        if value is not None and value.type == "as_pattern":
            value = value.named_children[0] if value.named_child_count else None
        if value is None:
            out.add("Exception")
            continue
        kinds = value.named_children if value.type in ("tuple", "parenthesized_expression") else [value]
        for kind in kinds:
            word = kind.text.decode("utf-8", "replace").rsplit(".", 1)[-1]
            out.add(word if kind.type in ("identifier", "attribute") and word in ALWAYS_DEFINED else "Exception")
    return out
