"""Refactors that break other code, each VERIFIED statically to break, with the use sites a gate must flag.

The classic kinds (`benchmarks/mutations.py`) delete or rename whole defs and modules. These are the edits
people make while refactoring, where the old callers are left behind:

  keyword_rename     rename a parameter that a call elsewhere passes by keyword
  default_removed    remove the default of a parameter that a call elsewhere omits
  kwonly_inserted    insert a required keyword-only parameter into a function that is called elsewhere
  reexport_removed   drop a name from a package's `from .mod import name` that another module imports from
                     the package (`from pkg import name` or `pkg.name`)
  def_moved          move a top-level def to a new sibling module (with the imports it needs); the importers
                     of the old module are left as they were
  method_removed     delete a method used as `Cls.m`, `obj.m` after `obj = Cls(...)` in the same scope, or
                     `self.m` inside the class
  class_attr_removed delete a class-level attribute used in those same ways
  module_renamed     rename a module file (`mod.py` -> `mod_renamed.py`); its importers are left as they were

Verification is static and exact for what it accepts; anything it cannot prove is dropped:
- calls are bound with `inspect.Signature.bind` against signatures built from the AST (the old one must
  bind, the new one must not); calls with `*args`/`**kwargs` splats, decorated functions, and calls inside a
  `try` are not use sites;
- a name is resolved only when its module binds it exactly once at top level (not under try / if
  TYPE_CHECKING) and no enclosing function or class scope rebinds it; re-exports are followed
  (`from .mod import f` in a package `__init__`);
- a removed member must not be found afterwards anywhere in the class's MRO: every base must be a class of
  the repository (or `object`), none may define or assign the name, nor have `__getattr__`,
  `__getattribute__`, `__new__`, a metaclass, a class decorator, or `setattr` / `__dict__` writes in its module,
  and no instance assignment (`x.name = ...`) to that name may exist in those modules;
- a removed binding of a module (re-export, moved def) must leave the module without that name: bound once,
  no star import, no module `__getattr__` (not even under an `if`), no submodule of that name, no
  `mod.name = ...` from another module;
- a renamed module must not be importable under its old name any more (no package of the same name, not a
  standard-library name).

Only the standard library is used, so this is tested without the project installed.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.mutations import Edit, Expect, Mutation, _Collector, def_span, delete_lines, offset_of
from benchmarks.uses import Module, bound_names, find_modules, guarded_lines, resolve_from

REFACTOR_KINDS = ("keyword_rename", "default_removed", "kwonly_inserted", "reexport_removed", "def_moved",
                  "method_removed", "class_attr_removed", "module_renamed")

FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
ScopeNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef


# ---------------------------------------------------------------- the project model: bindings and scopes


@dataclass
class ModInfo:
    mod: Module
    guarded: set[int]
    top_count: dict[str, int]  # how often each name is bound at module level (any depth outside defs)
    top_import: dict[str, tuple[str, str | None]]  # name -> (module, attribute or None for a module)
    parents: dict[int, ast.AST] = field(default_factory=dict)  # id(node) -> parent
    attrs: dict[str, list[ast.Attribute]] = field(default_factory=dict)  # attribute name -> its nodes
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)  # every import statement


def _module_level_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every statement executed at module level (into if/try/with/for bodies, not into defs or classes)."""
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    stack.append(child)
                elif isinstance(child, ast.ExceptHandler):
                    stack.extend(child.body)


def _bindings(node: ast.stmt) -> list[str]:
    names = bound_names(node)
    if isinstance(node, ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
        targets = [node.target] if isinstance(node, ast.For | ast.AsyncFor) else \
            [i.optional_vars for i in node.items if i.optional_vars is not None]
        names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [(a.asname or a.name) if isinstance(node, ast.ImportFrom) else (a.asname or a.name.split(".")[0])
                 for a in node.names]
    return names


def _walrus_and_global(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
        if isinstance(n, ast.Global):
            out.update(n.names)
    return out


def build_infos(mods: dict[str, Module]) -> dict[str, ModInfo]:
    infos: dict[str, ModInfo] = {}
    for name, m in mods.items():
        counts: dict[str, int] = {}
        imports: dict[str, tuple[str, str | None]] = {}
        guarded = guarded_lines(m.tree)
        for node in _module_level_statements(m.tree):
            for n in _bindings(node):
                counts[n] = counts.get(n, 0) + 1
            if isinstance(node, ast.ExceptHandler) and node.name:
                counts[node.name] = counts.get(node.name, 0) + 1
            if node.lineno in guarded:
                continue
            if isinstance(node, ast.ImportFrom):
                target = resolve_from(m, node)
                for a in node.names:
                    if target and a.name != "*":
                        sub = f"{target}.{a.name}"
                        imports[a.asname or a.name] = (sub, None) if sub in mods else (target, a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        imports[a.asname] = (a.name, None)
                    elif "." not in a.name:
                        imports[a.name] = (a.name, None)
        for n in _walrus_and_global(m.tree):  # bound from inside functions: unknowable statically
            counts[n] = counts.get(n, 0) + 2
        info = ModInfo(m, guarded, counts, imports)
        for p in ast.walk(m.tree):
            for c in ast.iter_child_nodes(p):
                info.parents[id(c)] = p
            if isinstance(p, ast.Attribute):
                info.attrs.setdefault(p.attr, []).append(p)
            elif isinstance(p, ast.Import | ast.ImportFrom):
                info.imports.append(p)
        infos[name] = info
    return infos


_LOCALS: dict[int, tuple[ast.AST, frozenset[str]]] = {}  # id(scope) -> (scope, names it binds locally)


def _scope_binds(scope: ScopeNode, name: str) -> bool:
    """Does `scope` bind `name` locally (parameters, assignments, imports, nested defs, for/with/except)?"""
    cached = _LOCALS.get(id(scope))
    if cached is None or cached[0] is not scope:
        cached = (scope, frozenset(_local_names(scope)))
        _LOCALS[id(scope)] = cached
    return name in cached[1]


def _local_names(scope: ScopeNode) -> set[str]:
    out: set[str] = set()
    if isinstance(scope, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
        a = scope.args
        out.update(p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, *([a.vararg] if a.vararg else []),
                                   *([a.kwarg] if a.kwarg else [])])
        if isinstance(scope, ast.Lambda):
            return out
    stack: list[ast.AST] = list(scope.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            out.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            out.update(_bindings(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            out.update(node.names)
        stack.extend(ast.iter_child_nodes(node))
    return out


def enclosing_scopes(info: ModInfo, node: ast.AST) -> list[ScopeNode]:
    out: list[ScopeNode] = []
    cur = info.parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ScopeNode):
            out.append(cur)
        cur = info.parents.get(id(cur))
    return out


def global_name(info: ModInfo, node: ast.AST, name: str) -> bool:
    """`name` at `node` refers to the module-level binding (no enclosing scope rebinds it).

    A class body binds for its own statements only, not for the methods inside it."""
    scopes = enclosing_scopes(info, node)
    for i, scope in enumerate(scopes):
        if isinstance(scope, ast.ClassDef) and i > 0:
            continue  # class scope does not reach into the functions nested in it
        if _scope_binds(scope, name):
            return False
    return True


def resolve_name(infos: dict[str, ModInfo], modname: str, name: str, depth: int = 0) -> tuple[str, str | None] | None:
    """Where `modname.name` comes from: (defining module, name) for a def/class/assignment, or (module, None)
    when it is a module. Follows re-exports. None when not certain (bound more than once, dynamic, unknown)."""
    info = infos.get(modname)
    if info is None or depth > 8:
        return None
    if f"{modname}.{name}" in infos and info.mod.is_pkg and name not in info.top_count:
        return (f"{modname}.{name}", None)
    if info.mod.dynamic or info.top_count.get(name) != 1:
        return None
    if name in info.top_import:
        target, attr = info.top_import[name]
        if attr is None:
            return (target, None) if target in infos else None
        return resolve_name(infos, target, attr, depth + 1)
    if name in info.mod.top_defs:
        return (modname, name)
    return None


def resolve_expr(infos: dict[str, ModInfo], info: ModInfo, expr: ast.expr) -> tuple[str, str | None] | None:
    """What a Name or a dotted Attribute chain in module `info` refers to, as resolve_name says."""
    if isinstance(expr, ast.Name):
        if not global_name(info, expr, expr.id) or expr.lineno in info.guarded:
            return None
        if info.top_count.get(expr.id) != 1:
            return None
        if expr.id in info.top_import:
            target, attr = info.top_import[expr.id]
            if attr is None:
                return (target, None) if target in infos else None
            return resolve_name(infos, target, attr)
        if expr.id in info.mod.top_defs:
            return (info.mod.name, expr.id)
        return None
    if isinstance(expr, ast.Attribute) and isinstance(expr.ctx, ast.Load):
        base = resolve_expr(infos, info, expr.value)
        if base is None or base[1] is not None:
            return None
        return resolve_name(infos, base[0], expr.attr)
    return None


# ---------------------------------------------------------------- signatures and call binding


class _Marker:
    """A placeholder value for binding."""


def signature_of(fn: FuncNode) -> inspect.Signature:
    a = fn.args
    params: list[inspect.Parameter] = []
    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    for i, arg in enumerate(positional):
        kind = inspect.Parameter.POSITIONAL_ONLY if i < len(a.posonlyargs) else inspect.Parameter.POSITIONAL_OR_KEYWORD
        default = _Marker if i >= first_default else inspect.Parameter.empty
        params.append(inspect.Parameter(arg.arg, kind, default=default))
    if a.vararg:
        params.append(inspect.Parameter(a.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        params.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY,
                                        default=_Marker if d is not None else inspect.Parameter.empty))
    if a.kwarg:
        params.append(inspect.Parameter(a.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def binds(sig: inspect.Signature, call: ast.Call, drop_first: bool = False) -> bool | None:
    """Whether the call's arguments bind to `sig` (None: the call has splats, not decidable)."""
    if any(isinstance(x, ast.Starred) for x in call.args) or any(k.arg is None for k in call.keywords):
        return None
    if drop_first:
        params = list(sig.parameters.values())
        if not params or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                                inspect.Parameter.POSITIONAL_OR_KEYWORD):
            return None
        sig = sig.replace(parameters=params[1:])
    try:
        sig.bind(*[object()] * len(call.args), **{str(k.arg): object() for k in call.keywords})
    except TypeError:
        return False
    return True


# ---------------------------------------------------------------- use sites


@dataclass(frozen=True)
class CallSite:
    path: str
    call: ast.Call


def call_sites(infos: dict[str, ModInfo]) -> dict[tuple[str, str], list[CallSite]]:
    """Calls `f(...)`, `mod.f(...)`, `pkg.f(...)` resolved to the defining (module, name), outside try blocks."""
    out: dict[tuple[str, str], list[CallSite]] = {}
    for info in infos.values():
        for node in ast.walk(info.mod.tree):
            if not isinstance(node, ast.Call) or node.lineno in info.guarded:
                continue
            target = resolve_expr(infos, info, node.func)
            if target is not None and target[1] is not None:
                out.setdefault((target[0], target[1]), []).append(CallSite(info.mod.path, node))
    return out


def _expect_call(site: CallSite) -> Expect:
    return Expect(site.path, site.call.lineno, site.call.end_lineno or site.call.lineno)


def _expect_node(path: str, node: ast.AST) -> Expect:
    line = getattr(node, "lineno", 0)
    return Expect(path, line, getattr(node, "end_lineno", None) or line)


# ---------------------------------------------------------------- the collector


def collect_refactors(root: Path, project: str, per_kind: int, seed: int,
                      kinds: tuple[str, ...] = REFACTOR_KINDS) -> list[Mutation]:
    """Up to `per_kind` verified mutations of each refactor kind, chosen by `seed`."""
    mods = find_modules(root)
    infos = build_infos(mods)
    calls = call_sites(infos)
    col = _Collector(project)
    for kind in kinds:
        rnd = random.Random(f"{seed}:{kind}")  # each kind its own stream: adding a kind changes no other
        cands = _CANDIDATES[kind](infos, calls, root)
        rnd.shuffle(cands)
        made = 0
        for make in cands:
            if made >= per_kind:
                break
            result = make()
            if result is not None:
                edits, staged, expect, note = result
                col.add(kind, edits, staged, sorted(set(expect), key=lambda e: (e.path, e.line, e.end_line)), note)
                made += 1
    return col.out


Made = tuple[list[Edit], list[str], list[Expect], str]  # edits, staged paths, expected sites, note
Make = Callable[[], Made | None]  # a candidate: verifies itself when called, None when it does not break
Calls = dict[tuple[str, str], list["CallSite"]]


def _plain_function(info: ModInfo, name: str) -> FuncNode | None:
    node = info.mod.top_defs.get(name)
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.decorator_list:
        return None
    if info.mod.dynamic or info.top_count.get(name) != 1:
        return None
    return node


def _replace_def(src: str, old_fn: FuncNode, new_src: str, name: str) -> FuncNode | None:
    """The def `name` in the edited module, if it still parses."""
    try:
        tree = ast.parse(new_src)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def _signature_kind(infos: dict[str, ModInfo], calls: dict[tuple[str, str], list[CallSite]], root: Path,
                    kind: str) -> list[Make]:
    cands: list[Make] = []
    for (modname, name), sites in sorted(calls.items(), key=lambda kv: kv[0]):
        info = infos[modname]
        fn = _plain_function(info, name)
        if fn is None or fn.args.posonlyargs:
            continue
        for edit in _signature_edits(info.mod.source, fn, kind, sites):
            cands.append(_make_signature(info, fn, sites, edit))
    return cands


def _signature_edits(src: str, fn: FuncNode, kind: str, sites: list[CallSite]) -> list[tuple[str, str]]:
    """(new source, note) for each way of applying `kind` to `fn`."""
    a = fn.args
    out: list[tuple[str, str]] = []
    if kind == "keyword_rename":
        passed = {str(k.arg) for s in sites for k in s.call.keywords if k.arg}
        for arg in [*a.args, *a.kwonlyargs]:
            if arg.arg in passed and arg.arg not in ("self", "cls"):
                out.append((_rename_param(src, fn, arg.arg), f"rename parameter {arg.arg!r} of"))
    elif kind == "default_removed":
        if a.args and a.defaults and len(a.defaults) <= len(a.args):  # only the first default can go
            first, default = a.args[len(a.args) - len(a.defaults)], a.defaults[0]
            out.append((_drop_default(src, first, default), f"remove the default of {first.arg!r} in"))
        for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            if d is not None:
                out.append((_drop_default(src, arg, d), f"remove the default of {arg.arg!r} in"))
    elif kind == "kwonly_inserted":
        new = _insert_kwonly(src, fn)
        if new is not None:
            out.append((new, "insert required keyword-only 'yantra_kw' into"))
    return out


def _make_signature(info: ModInfo, fn: FuncNode, sites: list[CallSite], edit: tuple[str, str]) -> Make:
    def make() -> Made | None:
        new_src, note = edit
        new_fn = _replace_def(info.mod.source, fn, new_src, fn.name)
        if new_fn is None:
            return None
        old_sig, new_sig = signature_of(fn), signature_of(new_fn)
        broken = [s for s in sites if binds(old_sig, s.call) is True and binds(new_sig, s.call) is False
                  and s.path != info.mod.path]
        if not broken:
            return None
        expect = sorted({_expect_call(s) for s in broken}, key=lambda e: (e.path, e.line))
        return ([Edit(info.mod.path, "write", new_src)], [info.mod.path], expect,
                f"{note} {info.mod.name}.{fn.name}")
    return make


def _rename_param(src: str, fn: FuncNode, pname: str) -> str:
    """Rename the parameter and its uses in the function body (text edits, from the end backwards)."""
    spots: list[tuple[int, int, str]] = []
    for arg in [*fn.args.args, *fn.args.kwonlyargs]:
        if arg.arg == pname:
            spots.append((arg.lineno, arg.col_offset, pname))
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id == pname:
            spots.append((node.lineno, node.col_offset, pname))
    lines = src.splitlines(keepends=True)
    for ln, col, name in sorted(set(spots), reverse=True):
        b = lines[ln - 1].encode()
        if b[col : col + len(name.encode())].decode(errors="replace") != name:
            return src  # positions disagree (unusual encoding): the unchanged source is dropped later
        lines[ln - 1] = (b[:col] + f"{name}_renamed".encode() + b[col + len(name.encode()):]).decode()
    return "".join(lines)


def _drop_default(src: str, arg: ast.arg, default: ast.expr) -> str:
    start = offset_of(src, arg.end_lineno or arg.lineno, arg.end_col_offset or 0)
    end = offset_of(src, default.end_lineno or default.lineno, default.end_col_offset or 0)
    return src[:start] + src[end:]


def _insert_kwonly(src: str, fn: FuncNode) -> str | None:
    a = fn.args
    if a.kwarg is not None:
        kw_start = offset_of(src, a.kwarg.lineno, a.kwarg.col_offset)
        stars = src.rfind("**", 0, kw_start)
        if stars < 0:
            return None
        text = "yantra_kw, " if (a.vararg or a.kwonlyargs) else "*, yantra_kw, "
        return src[:stars] + text + src[stars:]
    last: ast.AST | None = None
    if a.kwonlyargs:
        d = a.kw_defaults[-1]
        last = d if d is not None else a.kwonlyargs[-1]
    elif a.vararg:
        last = a.vararg
    elif a.args:
        last = a.defaults[-1] if a.defaults else a.args[-1]
    if last is None:
        paren = src.index("(", offset_of(src, fn.lineno, fn.col_offset))
        return src[: paren + 1] + "*, yantra_kw" + src[paren + 1 :]
    off = offset_of(src, getattr(last, "end_lineno", None) or last.lineno,  # type: ignore[attr-defined]
                    getattr(last, "end_col_offset", None) or 0)
    text = ", yantra_kw" if (a.vararg or a.kwonlyargs) else ", *, yantra_kw"
    return src[:off] + text + src[off:]


# ---------------------------------------------------------------- removed bindings of a module


@dataclass
class _Index:
    """Project-wide lookups built once per project (the candidates of a big project are many)."""

    infos: dict[str, ModInfo]
    from_imports: dict[str, list[tuple[ModInfo, ast.ImportFrom]]] = field(default_factory=dict)  # by name
    attrs: dict[str, list[tuple[ModInfo, ast.Attribute]]] = field(default_factory=dict)  # by attribute name
    instance: dict[tuple[int, int, str], tuple[str, str] | None] = field(default_factory=dict)
    stores_any: bool | None = None  # some module calls `setattr(` or touches a `__dict__`


_INDEX: dict[int, _Index] = {}


def _index(infos: dict[str, ModInfo]) -> _Index:
    found = _INDEX.get(id(infos))
    if found is not None and found.infos is infos:
        return found
    idx = _Index(infos)
    for info in infos.values():
        for imp in info.imports:
            if isinstance(imp, ast.ImportFrom):
                for a in imp.names:
                    idx.from_imports.setdefault(a.name, []).append((info, imp))
        for attr, nodes in info.attrs.items():
            idx.attrs.setdefault(attr, []).extend((info, n) for n in nodes)
    _INDEX.clear()  # one project at a time
    _INDEX[id(infos)] = idx
    return idx


def _import_sites(infos: dict[str, ModInfo], modname: str, name: str) -> list[Expect]:
    """`from modname import name` statements and `modname.name` attribute reads, outside try blocks."""
    out: list[Expect] = []
    idx = _index(infos)
    for info, imp in idx.from_imports.get(name, ()):
        if imp.lineno not in info.guarded and resolve_from(info.mod, imp) == modname:
            out.append(_expect_node(info.mod.path, imp))
    for info, node in idx.attrs.get(name, ()):
        if node.lineno not in info.guarded and isinstance(node.ctx, ast.Load) \
                and resolve_expr(infos, info, node.value) == (modname, None):
            out.append(_expect_node(info.mod.path, node))
    return out


def _name_really_gone(infos: dict[str, ModInfo], modname: str, name: str) -> bool:
    info = infos[modname]
    m = info.mod
    if m.dynamic or info.top_count.get(name) != 1 or "__getattr__" in info.top_count:
        return False  # (a module `__getattr__` under an `if` or `try` may serve the name as well)
    if any(isinstance(node.ctx, ast.Store) and resolve_expr(infos, other, node.value) == (modname, None)
           for other, node in _index(infos).attrs.get(name, ())):
        return False  # `util.IS_PYOPENSSL = True` elsewhere (urllib3's pyopenssl injection) binds it again
    return f"{modname}.{name}" not in infos


def _reexport_candidates(infos: dict[str, ModInfo], calls: Calls, root: Path) -> list[Make]:
    cands: list[Make] = []
    for _modname, info in sorted(infos.items()):
        if not info.mod.is_pkg:
            continue
        for node in info.mod.tree.body:
            if not isinstance(node, ast.ImportFrom) or node.lineno in info.guarded \
                    or resolve_from(info.mod, node) not in infos:
                continue
            for alias in node.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                cands.append(_make_reexport(infos, info, node, alias, local))
    return cands


def _make_reexport(infos: dict[str, ModInfo], info: ModInfo, node: ast.ImportFrom, alias: ast.alias,
                   local: str) -> Make:
    def make() -> Made | None:
        if not _name_really_gone(infos, info.mod.name, local):
            return None
        sites = [e for e in _import_sites(infos, info.mod.name, local) if e.path != info.mod.path]
        if not sites:
            return None
        rest = [a for a in node.names if a is not alias]
        src = info.mod.source
        start, end = node.lineno, node.end_lineno or node.lineno
        lines = src.splitlines(keepends=True)
        indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
        replacement = (indent + ast.unparse(ast.ImportFrom(node.module, rest, node.level)) + "\n") if rest else ""
        if not rest and _only_statement_of_block(info, node):
            replacement = indent + "pass\n"
        new = "".join(lines[: start - 1]) + replacement + "".join(lines[end:])
        try:
            ast.parse(new)
        except SyntaxError:
            return None
        return ([Edit(info.mod.path, "write", new)], [info.mod.path], sites,
                f"remove re-export {info.mod.name}.{local}")
    return make


def _only_statement_of_block(info: ModInfo, node: ast.stmt) -> bool:
    parent = info.parents.get(id(node))
    for field_name in ("body", "orelse", "finalbody"):
        block = getattr(parent, field_name, None)
        if isinstance(block, list) and block == [node]:
            return True
    return False


def _moved_candidates(infos: dict[str, ModInfo], calls: Calls, root: Path) -> list[Make]:
    cands: list[Make] = []
    for _modname, info in sorted(infos.items()):
        if info.mod.is_pkg or info.mod.path.endswith(("conftest.py", "setup.py")):
            continue
        for name, node in sorted(info.mod.top_defs.items()):
            cands.append(_make_moved(infos, info, name, node, root))
    return cands


def _make_moved(infos: dict[str, ModInfo], info: ModInfo, name: str,
                node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, root: Path) -> Make:
    def make() -> Made | None:
        if node.lineno in info.guarded or not _name_really_gone(infos, info.mod.name, name):
            return None
        sites = [e for e in _import_sites(infos, info.mod.name, name) if e.path != info.mod.path]
        if not sites:
            return None
        m = info.mod
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        inside = {id(n) for n in ast.walk(node)}
        if any(isinstance(n, ast.Name) and n.id == name and id(n) not in inside for n in ast.walk(m.tree)):
            return None  # the old module still uses it: a sloppy move, not the refactor measured here
        own = []
        for n in sorted(used - {name}):
            if n not in info.top_count or n in info.top_import:
                continue  # a builtin or local name, or an import copied below
            if info.top_count[n] != 1 or not any(n in _bindings(s) for s in m.tree.body):
                return None  # bound conditionally in the old module: the new one could not import it exactly
            own.append(n)
        stem = Path(m.path).stem
        new_path = (Path(m.path).parent / f"{stem}_moved.py").as_posix()
        if (root / new_path).exists():
            return None
        start, end = def_span(node)
        body = "".join(m.source.splitlines(keepends=True)[start - 1 : end])
        imports = [ast.get_source_segment(m.source, s) or "" for s in m.tree.body
                   if isinstance(s, ast.Import | ast.ImportFrom)]
        mod_parts = m.name.split(".")
        back = f"from .{mod_parts[-1]} import {', '.join(own)}" if len(mod_parts) > 1 else \
            f"from {m.name} import {', '.join(own)}"
        future = [i for i in imports if i.startswith("from __future__")]
        others = [i for i in imports if not i.startswith("from __future__")]
        text = "\n".join([*future, *others, *([back] if own else []), "", "", body.rstrip("\n"), ""])
        if len(mod_parts) == 1 and any(i.startswith("from .") for i in others):
            return None
        try:
            ast.parse(text)
        except SyntaxError:
            return None
        new_src = delete_lines(m.source, start, end)
        return ([Edit(m.path, "write", new_src), Edit(new_path, "write", text)], [m.path, new_path], sites,
                f"moved to {new_path}: {m.name}.{name}")
    return make


def _renamed_candidates(infos: dict[str, ModInfo], calls: Calls, root: Path) -> list[Make]:
    cands: list[Make] = []
    for modname, info in sorted(infos.items()):
        m = info.mod
        if m.is_pkg or m.dynamic or Path(m.path).name in ("conftest.py", "setup.py", "__main__.py"):
            continue
        if "." not in modname and modname in sys.stdlib_module_names:
            continue
        if (root / m.path).with_suffix("").is_dir():
            continue
        cands.append(_make_renamed(infos, info, root))
    return cands


def _module_import_sites(infos: dict[str, ModInfo], modname: str) -> list[Expect]:
    out: list[Expect] = []
    parent, _, last = modname.rpartition(".")
    for info in infos.values():
        if info.mod.name == modname:
            continue
        for node in info.imports:
            if node.lineno in info.guarded:
                continue
            if isinstance(node, ast.Import) and any(a.name == modname or a.name.startswith(modname + ".")
                                                    for a in node.names):
                out.append(_expect_node(info.mod.path, node))
            elif isinstance(node, ast.ImportFrom):
                target = resolve_from(info.mod, node)
                if target == modname or (target and target.startswith(modname + ".")) or \
                        (parent and target == parent and any(a.name == last for a in node.names)):
                    out.append(_expect_node(info.mod.path, node))
    return out


def _make_renamed(infos: dict[str, ModInfo], info: ModInfo, root: Path) -> Make:
    def make() -> Made | None:
        m = info.mod
        sites = _module_import_sites(infos, m.name)
        parent = m.name.rpartition(".")[0]
        if parent and parent in infos:
            last = m.name.rpartition(".")[2]
            pinfo = infos[parent]
            if pinfo.mod.dynamic or (last in pinfo.top_count and pinfo.top_import.get(last) != (m.name, None)):
                return None  # the package binds that name itself (other than by importing this module)
        if not sites:
            return None
        new_path = (Path(m.path).parent / f"{Path(m.path).stem}_renamed.py").as_posix()
        if (root / new_path).exists():
            return None
        return ([Edit(m.path, "delete"), Edit(new_path, "write", m.source)], [new_path], sites,
                f"renamed to {Path(new_path).stem}: {m.name}")
    return make


# ---------------------------------------------------------------- removed members of classes


@dataclass
class ClassInfo:
    module: str
    node: ast.ClassDef
    bases: list[tuple[str, str] | None]  # resolved base classes; None = unknown


def _classes(infos: dict[str, ModInfo]) -> dict[tuple[str, str], ClassInfo]:
    out: dict[tuple[str, str], ClassInfo] = {}
    for modname, info in infos.items():
        for name, node in info.mod.top_defs.items():
            if isinstance(node, ast.ClassDef) and info.top_count.get(name) == 1:
                bases: list[tuple[str, str] | None] = []
                for b in node.bases:
                    if isinstance(b, ast.Name) and b.id == "object":
                        continue
                    if isinstance(b, ast.Name) and b.id not in info.top_count and isinstance(
                            getattr(builtins, b.id, None), type):
                        bases.append(("builtins", b.id))
                        continue
                    r = resolve_expr(infos, info, b)
                    bases.append((r[0], r[1]) if r is not None and r[1] is not None else None)
                out[(modname, name)] = ClassInfo(modname, node, bases)
    return out


_CLASS_NAMES: dict[int, tuple[ast.ClassDef, frozenset[str]]] = {}


def _class_binds(node: ast.ClassDef, name: str) -> bool:
    """Any def, class or stored name `name` anywhere inside the class (its methods too: conservative)."""
    cached = _CLASS_NAMES.get(id(node))
    if cached is None or cached[0] is not node:
        names = {n.name for n in ast.walk(node) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                 and n is not node}
        names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        cached = (node, frozenset(names))
        _CLASS_NAMES[id(node)] = cached
    return name in cached[1]


_WRITES_DICT = re.compile(r"__dict__\s*(?:\[|\.\s*(?:update|setdefault)\b)")
DYNAMIC_MEMBERS = ("__getattr__", "__getattribute__", "__new__", "__init_subclass__", "__set_name__",
                   "__class_getitem__", "__slots__", "__dict__")


def _mro_clean(infos: dict[str, ModInfo], classes: dict[tuple[str, str], ClassInfo], key: tuple[str, str],
               name: str, removed_from: tuple[str, str], seen: set[tuple[str, str]] | None = None) -> bool:
    """After removing `name` from `removed_from`, `key`'s MRO (all repository classes) has no trace of it."""
    seen = seen if seen is not None else set()
    if key in seen:
        return True
    seen.add(key)
    if key[0] == "builtins":
        return not hasattr(getattr(builtins, key[1]), name)
    c = classes.get(key)
    if c is None:
        return False
    node = c.node
    if node.decorator_list or node.keywords:
        return False
    src = infos[c.module].mod.source
    if "setattr(" in src or "vars(" in src or _WRITES_DICT.search(src):
        return False  # `self.__dict__.update(settings)`: a caller's keyword may provide the name
    for dyn in DYNAMIC_MEMBERS:
        if _class_binds(node, dyn):
            return False
    if any(isinstance(n.ctx, ast.Store | ast.Del) for n in infos[c.module].attrs.get(name, ())):
        return False  # x.name = ... anywhere in the module: an instance attribute, maybe on this class
    if key != removed_from and _class_binds(node, name):
        return False
    return all(b is not None and _mro_clean(infos, classes, b, name, removed_from, seen) for b in c.bases)


# Calls that only look at a class: handing it to them cannot give it attributes.
_LOOKS_ONLY = frozenset({"isinstance", "issubclass", "print", "repr", "str", "len", "id", "hasattr", "callable",
                         "hash", "format", "bool", "sorted", "dir", "getattr", "super"})
_HANDED: dict[int, tuple[dict[str, ModInfo], frozenset[str]]] = {}


def _handed_classes(infos: dict[str, ModInfo]) -> frozenset[str]:
    """Names of classes whose members no class statement shows: handed as an argument to a call made at
    module level (SQLAlchemy's classical `mapper(Entry, table)`, a registry that sets attributes on what it
    is given), or named among the bases of a three-argument `type(name, (Cls,), namespace)` anywhere (a
    subclass built at run time, with whatever members its namespace holds)."""
    cached = _HANDED.get(id(infos))
    if cached is not None and cached[0] is infos:
        return cached[1]
    found: set[str] = set()
    for info in infos.values():
        calls = [n for stmt in _module_level_statements(info.mod.tree) if not isinstance(stmt, _DEFS)
                 for n in ast.walk(stmt) if isinstance(n, ast.Call) and _callee(n) not in _LOOKS_ONLY]
        for call in calls:
            found.update(_class_names([*call.args, *(k.value for k in call.keywords)]))
        for n in ast.walk(info.mod.tree):
            if isinstance(n, ast.Call) and _callee(n) == "type" and len(n.args) == 3:
                found.update(_class_names([n.args[1]]))
    _HANDED.clear()
    _HANDED[id(infos)] = (infos, frozenset(found))
    return _HANDED[id(infos)][1]


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_UNRESOLVED: dict[int, tuple[dict[tuple[str, str], ClassInfo], dict[str, list[ast.ClassDef]]]] = {}


def _unresolved_subclasses(infos: dict[str, ModInfo], classes: dict[tuple[str, str], ClassInfo]
                           ) -> dict[str, list[ast.ClassDef]]:
    """A base's last name -> the classes, anywhere in the project, naming it as a base that the model does not
    follow as subclasses: the base does not resolve to one of `classes` (poetry-core's builders import
    `Builder` through the `poetry` namespace package), or the class is nested (in a function or a class)."""
    cached = _UNRESOLVED.get(id(classes))
    if cached is not None and cached[0] is classes:
        return cached[1]
    found: dict[str, list[ast.ClassDef]] = {}
    tracked = {id(c.node) for c in classes.values()}
    for info in infos.values():
        for node in ast.walk(info.mod.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for b in node.bases:
                last = b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else None
                if last is None:
                    continue
                r = resolve_expr(infos, info, b) if id(node) in tracked else None
                if r is None or r[1] is None or (r[0], r[1]) not in classes:
                    found.setdefault(last, []).append(node)
    _UNRESOLVED.clear()
    _UNRESOLVED[id(classes)] = (classes, found)
    return found


def _unseen_subclass_provides(infos: dict[str, ModInfo], classes: dict[tuple[str, str], ClassInfo],
                              cls: str, name: str) -> bool:
    """A subclass of `cls` the model does not follow may provide `name`: it binds it, is decorated or has a
    metaclass, or has subclasses of its own."""
    unseen = _unresolved_subclasses(infos, classes)
    return any(_class_binds(n, name) or n.decorator_list or n.keywords or n.name in unseen
               for n in unseen.get(cls, ()))


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _class_names(args: list[ast.expr]) -> set[str]:
    """Names (`Cls`, `mod.Cls`) given as arguments, also inside tuple/list/set displays (`(Base, Mixin)`)."""
    out: set[str] = set()
    stack = list(args)
    while stack:
        a = stack.pop()
        if isinstance(a, ast.Name):
            out.add(a.id)
        elif isinstance(a, ast.Attribute):
            out.add(a.attr)
        elif isinstance(a, ast.Tuple | ast.List | ast.Set | ast.Starred):
            stack.extend(a.elts if not isinstance(a, ast.Starred) else [a.value])
    return out


_CHILDREN: dict[int, tuple[dict[tuple[str, str], ClassInfo], dict[tuple[str, str], list[tuple[str, str]]]]] = {}


def _subclasses(classes: dict[tuple[str, str], ClassInfo], key: tuple[str, str]) -> list[tuple[str, str]]:
    cached = _CHILDREN.get(id(classes))
    if cached is None or cached[0] is not classes:
        children: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for other, c in sorted(classes.items(), key=lambda kv: kv[0]):
            for b in c.bases:
                if b is not None:
                    children.setdefault(b, []).append(other)
        _CHILDREN.clear()
        cached = _CHILDREN[id(classes)] = (classes, children)
    out: list[tuple[str, str]] = []
    todo = [key]
    while todo:
        for other in cached[1].get(todo.pop(), []):
            if other not in out and other != key:
                out.append(other)
                todo.append(other)
    return out


def _member_sites(infos: dict[str, ModInfo], classes: dict[tuple[str, str], ClassInfo], key: tuple[str, str],
                  name: str) -> list[Expect]:
    """`Cls.name`, `obj.name` after `obj = Cls(...)` in the same scope, `self.name` in Cls's own methods."""
    out: list[Expect] = []
    cls_node = classes[key].node
    by_module: dict[str, tuple[ModInfo, list[ast.Attribute]]] = {}
    for info, node in _index(infos).attrs.get(name, ()):
        by_module.setdefault(info.mod.name, (info, []))[1].append(node)
    for info, nodes in by_module.values():
        if any(isinstance(n.ctx, ast.Store | ast.Del) for n in nodes) or "setattr(" in info.mod.source:
            continue  # this module may give some object that attribute
        for node in nodes:
            if node.lineno in info.guarded or not isinstance(node.ctx, ast.Load):
                continue
            if resolve_expr(infos, info, node.value) == key:
                out.append(_expect_node(info.mod.path, node))
            elif isinstance(node.value, ast.Name) and _instance_of(infos, info, node, node.value.id) == key:
                if not (_handed_before(info, node, node.value.id) and _may_be_stored(infos, name)):
                    out.append(_expect_node(info.mod.path, node))
            elif isinstance(node.value, ast.Name) and node.value.id == "self" and info.mod.name == key[0]:
                scopes = enclosing_scopes(info, node)
                if len(scopes) >= 2 and scopes[1] is cls_node and isinstance(scopes[0], FuncNode) \
                        and not scopes[0].decorator_list and scopes[0].args.args \
                        and scopes[0].args.args[0].arg == "self":
                    out.append(_expect_node(info.mod.path, node))
    return out


def _instance_of(infos: dict[str, ModInfo], info: ModInfo, use: ast.Attribute, var: str) -> tuple[str, str] | None:
    """The class `var` is certainly an instance of at `use`: the one assignment `var = Cls(...)` in its scope,
    before the use, in the same block level as the scope's body (not in a branch or loop)."""
    scopes = enclosing_scopes(info, use)
    scope: ast.AST = scopes[0] if scopes else info.mod.tree
    if isinstance(scope, ast.Lambda | ast.ClassDef):
        return None
    cache = _index(infos).instance
    key = (id(scope), use.lineno, var)
    if key not in cache:
        cache[key] = _instance_in_scope(infos, info, scope, bool(scopes), use, var)
    return cache[key]


def _instance_in_scope(infos: dict[str, ModInfo], info: ModInfo, scope: ast.AST, in_function: bool,
                       use: ast.Attribute, var: str) -> tuple[str, str] | None:
    assigns: list[ast.Assign] = []
    other = 0
    for n in _walk_scope(scope):
        if isinstance(n, ast.Name) and n.id == var and isinstance(n.ctx, ast.Store | ast.Del):
            parent = info.parents.get(id(n))
            if isinstance(parent, ast.Assign) and parent.targets == [n]:
                assigns.append(parent)
            else:
                other += 1
        elif isinstance(n, ast.arg) and n.arg == var:
            other += 1
    if any(isinstance(n, ast.Global | ast.Nonlocal) and var in n.names for n in ast.walk(scope)):
        other += 1
    if in_function and isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        a = scope.args
        if any(p.arg == var for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]):
            other += 1
    if other or len(assigns) != 1:
        return None
    assign = assigns[0]
    body = scope.body if hasattr(scope, "body") else []
    if assign not in body or assign.lineno >= use.lineno:
        return None
    if not isinstance(assign.value, ast.Call):
        return None
    r = resolve_expr(infos, info, assign.value.func)
    return (r[0], r[1]) if r is not None and r[1] is not None else None


def _handed_before(info: ModInfo, use: ast.Attribute, var: str) -> bool:
    """`var` is given to a call (one that does more than look at it) before `use` in its scope, or anywhere in
    a loop around `use`: the callee may have stored attributes on the object by then."""
    scopes = enclosing_scopes(info, use)
    scope: ast.AST = scopes[0] if scopes else info.mod.tree
    loops = [n for n in _walk_scope(scope) if isinstance(n, ast.For | ast.AsyncFor | ast.While)
             and n.lineno <= use.lineno <= (n.end_lineno or n.lineno)]
    for n in _walk_scope(scope):
        if not isinstance(n, ast.Call) or _callee(n) in _LOOKS_ONLY or not any(
                isinstance(a, ast.Name) and a.id == var for a in [*n.args, *(k.value for k in n.keywords)]):
            continue
        if n.lineno < use.lineno or any(lp.lineno <= n.lineno <= (lp.end_lineno or lp.lineno) for lp in loops):
            return True
    return False


def _may_be_stored(infos: dict[str, ModInfo], name: str) -> bool:
    """Some module may put attribute `name` on an object it is given: `x.name = ...` on anything but `self`,
    `setattr(...)`, or a write through an object's `__dict__` (pyramid's excview tween sets
    `request.__dict__['exception']` on the request a test hands it)."""
    for _, node in _index(infos).attrs.get(name, ()):
        if isinstance(node.ctx, ast.Store | ast.Del) and not (isinstance(node.value, ast.Name)
                                                              and node.value.id == "self"):
            return True
    idx = _index(infos)
    if idx.stores_any is None:
        idx.stores_any = any("setattr(" in i.mod.source or "__dict__" in i.mod.source for i in infos.values())
    return idx.stores_any


def _walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # a nested scope
        stack.extend(ast.iter_child_nodes(n))


def _member_candidates(kind: str) -> Callable[[dict[str, ModInfo], Calls, Path], list[Make]]:
    def candidates(infos: dict[str, ModInfo], calls: Calls, root: Path) -> list[Make]:
        classes = _classes(infos)
        cands: list[Make] = []
        for key, c in sorted(classes.items(), key=lambda kv: kv[0]):
            for stmt in c.node.body:
                if kind == "method_removed" and isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) \
                        and not stmt.name.startswith("__"):
                    cands.append(_make_member(infos, classes, key, stmt.name, stmt, kind))
                elif kind == "class_attr_removed" and isinstance(stmt, ast.Assign | ast.AnnAssign) \
                        and (stmt.value is not None):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    if len(targets) == 1 and isinstance(targets[0], ast.Name) \
                            and not targets[0].id.startswith("__"):
                        cands.append(_make_member(infos, classes, key, targets[0].id, stmt, kind))
        return cands
    return candidates


def _class_level_loads(node: ast.ClassDef, name: str) -> list[ast.Name]:
    """Loads of `name` executed in the class body itself (not inside its functions, but in their defaults
    and decorators, and in comprehensions there, which see the class scope only in their first iterable:
    those are left out as uncertain)."""
    out: list[ast.Name] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend([*n.decorator_list, *n.args.defaults, *[d for d in n.args.kw_defaults if d]])
            continue
        if isinstance(n, ast.ClassDef | ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
            out.append(n)
        stack.extend(ast.iter_child_nodes(n))
    return out


def _make_member(infos: dict[str, ModInfo], classes: dict[tuple[str, str], ClassInfo], key: tuple[str, str],
                 name: str, stmt: ast.stmt, kind: str) -> Make:
    def make() -> Made | None:
        c = classes[key]
        count = sum(1 for s in _module_level_statements(ast.Module(body=c.node.body, type_ignores=[]))
                    for n in _bindings(s) if n == name)
        if count != 1 or len(c.node.body) == 1:
            return None
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.decorator_list:
            return None  # a property/setter pair or overloads: more than one def of the name
        # where the member would be looked up from: the class itself and every repository subclass
        affected = [key, *_subclasses(classes, key)]
        if not all(_mro_clean(infos, classes, k, name, key) for k in affected):
            return None
        if any(k[1] in _handed_classes(infos) for k in affected):
            return None  # given to a call that may add attributes to it, or subclassed by `type(...)`
        if any(_unseen_subclass_provides(infos, classes, k[1], name) for k in affected):
            return None  # a class whose base is named like one of them but not followed may provide it
        sites: list[Expect] = []
        for k in affected:
            sites += [e for e in _member_sites(infos, classes, k, name)]
        # the class body's own statements read it as a plain name (`B = A + 1` under `A = 1`); not the removed
        # statement's own reads (pyramid's `BadTicket = BadTicket`: the module's name, gone with the line)
        removed = {id(n) for n in ast.walk(stmt)}
        sites += [_expect_node(infos[key[0]].mod.path, n) for n in _class_level_loads(c.node, name)
                  if id(n) not in removed]
        if not sites:
            return None
        info = infos[key[0]]
        start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        end = stmt.end_lineno or stmt.lineno
        new = delete_lines(info.mod.source, start, end)
        try:
            ast.parse(new)
        except SyntaxError:
            return None
        shift = end - start + 1  # uses after the deleted lines in the same file move up
        moved = [Expect(e.path, e.line - shift, e.end_line - shift) if e.path == info.mod.path and e.line > end
                 else e for e in sites]
        what = "method" if kind == "method_removed" else "class attribute"
        return ([Edit(info.mod.path, "write", new)], [info.mod.path], sorted(set(moved), key=lambda e: (e.path, e.line)),
                f"remove {what} {key[0]}.{key[1]}.{name}")
    return make


_CANDIDATES = {
    "keyword_rename": lambda i, c, r: _signature_kind(i, c, r, "keyword_rename"),
    "default_removed": lambda i, c, r: _signature_kind(i, c, r, "default_removed"),
    "kwonly_inserted": lambda i, c, r: _signature_kind(i, c, r, "kwonly_inserted"),
    "reexport_removed": _reexport_candidates,
    "def_moved": _moved_candidates,
    "method_removed": _member_candidates("method_removed"),
    "class_attr_removed": _member_candidates("class_attr_removed"),
    "module_renamed": _renamed_candidates,
}


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.refactors ROOT --project NAME`: print the refactor mutations as JSON lines."""
    from benchmarks.mutations import print_mutations

    return print_mutations(collect_refactors, argv, main.__doc__ or "")


if __name__ == "__main__":
    raise SystemExit(main())
