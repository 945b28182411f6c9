"""The facts extracted from one source file, and the signature logic the rules share.

Facts are a pure function of a file's bytes (and the target Python version), so they are cached by
content hash (the git blob SHA-1 of the bytes). Anything that depends on where the file lives (its
module name, what its relative imports point at) is computed later by `bot.graph.resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ParamKind = Literal["posonly", "normal", "vararg", "kwonly", "kwarg"]
DefKind = Literal["function", "class", "variable"]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a signature."""

    name: str
    kind: ParamKind
    has_default: bool


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call whose callee is a name the file imports or defines at module level.

    `callee` is the dotted chain as written: "f", "mod.f", "pkg.mod.Cls". `caller` is the qualname of
    the enclosing function ("" at module level).
    """

    callee: str
    line: int
    col: int
    end_line: int
    n_positional: int
    keywords: tuple[str, ...]
    star: bool  # *args in the call
    starstar: bool  # **kwargs in the call
    caller: str = ""
    guarded: bool = False


@dataclass(frozen=True, slots=True)
class Signature:
    """The parameters of a function, method or class constructor, in order."""

    params: tuple[Param, ...]

    def text(self) -> str:
        out: list[str] = []
        seen_kwonly = False
        for i, p in enumerate(self.params):
            if p.kind == "vararg":
                out.append("*" + p.name)
                seen_kwonly = True
            elif p.kind == "kwarg":
                out.append("**" + p.name)
            else:
                if p.kind == "kwonly" and not seen_kwonly:
                    out.append("*")
                    seen_kwonly = True
                out.append(p.name + ("=..." if p.has_default else ""))
            nxt = self.params[i + 1] if i + 1 < len(self.params) else None
            if p.kind == "posonly" and (nxt is None or nxt.kind != "posonly"):
                out.append("/")
        return "(" + ", ".join(out) + ")"

    def bound(self) -> Signature:
        """The signature as seen through an instance or class (first parameter dropped)."""
        if self.params and self.params[0].kind in ("posonly", "normal"):
            return Signature(self.params[1:])
        return self

    def rejects(self, call: CallSite) -> str | None:
        """Why `call` cannot bind to this signature, or None when it can (or when unsure)."""
        if call.star or call.starstar:
            return None
        positional = [p for p in self.params if p.kind in ("posonly", "normal")]
        has_vararg = any(p.kind == "vararg" for p in self.params)
        has_kwarg = any(p.kind == "kwarg" for p in self.params)
        if call.n_positional > len(positional) and not has_vararg:
            return f"takes at most {len(positional)} positional argument(s) but {call.n_positional} were given"
        filled = {p.name for p in positional[: call.n_positional]}
        by_name = {p.name: p for p in self.params if p.kind in ("normal", "kwonly")}
        for kw in call.keywords:
            if kw in by_name:
                if kw in filled:
                    return f"got multiple values for argument '{kw}'"
                filled.add(kw)
            elif not has_kwarg:  # (with **kwargs, any other keyword, even a positional-only name, lands there)
                if any(p.name == kw and p.kind == "posonly" for p in self.params):
                    return f"got some positional-only arguments passed as keyword arguments: '{kw}'"
                return f"got an unexpected keyword argument '{kw}'"
        missing = [p.name for p in self.params
                   if p.kind in ("posonly", "normal", "kwonly") and not p.has_default and p.name not in filled]
        if missing:
            return "missing required argument(s): " + ", ".join(f"'{m}'" for m in missing)
        return None


@dataclass(frozen=True, slots=True)
class Definition:
    """A module-level def/class/variable, or a class member (qualname "Cls.meth")."""

    name: str
    qualname: str
    kind: DefKind
    line: int
    end_line: int
    col: int
    signature: Signature | None = None
    decorators: tuple[str, ...] = ()  # decorator expressions as written, without "@"
    bases: tuple[str, ...] = ()  # class bases as written ("Base", "mod.Base"); keywords excluded
    metaclass: bool = False  # class has a metaclass= keyword
    doc: str = ""  # first line of the docstring
    conditional: bool = False  # bound under if/try/with/for/while
    is_async: bool = False


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One imported name. `import a.b as c` -> module "a.b", name None, alias "c"."""

    module: str  # as written, without the leading dots ("" for `from . import x`)
    level: int  # number of leading dots (0 = absolute)
    name: str | None  # the imported name for `from m import name`; None for `import m`; "*" for star
    alias: str | None
    line: int
    col: int
    end_line: int
    scope: Literal["module", "function", "class"] = "module"
    guarded: bool = False  # try/except, `if TYPE_CHECKING`, version/platform guard


@dataclass(frozen=True, slots=True)
class AttrUse:
    """`base.a.b` where `base` is a name bound by an import in this file and never rebound."""

    base: str
    attrs: tuple[str, ...]
    line: int
    col: int
    end_line: int
    store: bool = False  # the last attribute is assigned (`mod.x = ...`)
    guarded: bool = False


MemberKind = Literal["self", "super", "instance", "class"]


@dataclass(frozen=True, slots=True)
class MemberUse:
    """A member read a rule can judge through a class's MRO.

    kind "self": `self.x` / `cls.x` in a method of class `owner` (a qualname in this file); "super":
    `super().x` in a method of `owner`; "instance": `obj.x` where `obj` is bound once in its scope, by
    `obj = owner(...)` (`owner` is the callee as written, "Cls" or "mod.Cls"); "class": `Cls.x` where `owner`
    is a top-level class of this file that the file binds nowhere else."""

    kind: MemberKind
    owner: str
    name: str
    line: int
    col: int
    end_line: int
    guarded: bool = False


@dataclass(frozen=True, slots=True)
class LocalIssue:
    """A file-local diagnostic decided at parse time (rule is "syntax-error" or "undefined-name")."""

    rule: str
    line: int
    col: int
    end_line: int
    message: str
    name: str = ""
    unevaluated: bool = False  # undefined-name: read only in an annotation the running code never evaluates


@dataclass(frozen=True, slots=True)
class Doubts:
    """What in one file's source may bind or provide names that no binding statement shows (computed by
    `bot.graph.python_doubts`, judged through `bot.graph.doubts`)."""

    getattr_open: bool = False  # a module-level `__getattr__` that may answer any name
    getattr_names: tuple[str, ...] = ()  # the names a closed module `__getattr__` answers for
    self_writing: bool = False  # writes its own namespace (`vars()[k] = ...`, `sys.modules[__name__]`, `exec`)
    setattr_targets: tuple[str, ...] = ()  # first arguments of `setattr(name, ...)` calls
    probed: tuple[str, ...] = ()  # names asked about with `hasattr(..., "name")` / `getattr(..., "name"...)`
    all_changed: bool = False  # `__all__` is built or changed anywhere (functions included)
    sys_path_line: int = 0  # first line mentioning `sys.path` (0: none): absolute imports after it may reach
    #   anything (module-level imports above it run before this file can edit the path)
    sys_path_appends_only: bool = False  # every mention appends to or removes from the end of `sys.path`
    name_handoffs: tuple[str, ...] = ()  # callees handed `__name__` (`recreate_module(__name__, ...)`)
    mock_imports: tuple[str, ...] = ()  # Sphinx `autodoc_mock_imports = [...]` (modules it fakes while importing)
    collect_ignore: tuple[str, ...] = ()  # pytest `collect_ignore` / `collect_ignore_glob` patterns (conftest.py)
    attr_stores: tuple[str, ...] = ()  # attribute names assigned on objects other than `self`/`cls`
    #   (`obj.x = ...`, `setattr(obj, "x", ...)`; "*" for `setattr(obj, name, ...)`)
    class_handoffs: tuple[str, ...] = ()  # class-like names handed to a module-level call, which may give the
    #   class attributes no definition shows (`mapper(Page, pages_table)`, `registry.map_imperatively(...)`)
    store_roots: tuple[str, ...] = ()  # "root name" of the `attr_stores` whose object may be a module (its chain
    #   starts at a module-level, imported or global name `root`, or "?": not at a name); stores on locals are left out
    sys_path_ups: tuple[int, ...] = ()  # every `sys.path` edit adds a directory of this file's own tree: this
    #   many levels above its directory (`sys.path.insert(0, str(Path(__file__).resolve().parents[1]))`: 1)
    platform_imports: tuple[int, ...] = ()  # lines of absolute imports shielded by nothing but a test on the
    #   operating system (`if WINDOWS: from rich._windows_renderer import ...`): sure when they name the file's own package
    replaced_modules: tuple[str, ...] = ()  # literal keys of `sys.modules['pkg.mod'] = obj`: a module written under
    #   its own name is replaced by `obj` (bokeh's `tile_providers`: a `ModuleType` subclass), its names are obj's

    def may_provide(self, name: str) -> bool:
        """A module `__getattr__` may answer `name`."""
        return self.getattr_open or name in self.getattr_names

    def probes(self, name: str) -> bool:
        return name in self.probed

    @property
    def edits_sys_path(self) -> bool:
        """The file mentions `sys.path` anywhere."""
        return self.sys_path_line > 0

    def path_edited_before(self, line: int, scope: str, *, in_repository_package: bool = False) -> bool:
        """This file may have edited `sys.path` by the time an import at `line` in `scope` runs: always
        inside a function or class (it runs later), at module level when a mention precedes it.
        `in_repository_package`: the import names a module of a regular package of the repository, found on
        a path entry that was there before; an entry appended behind it can neither shadow the package nor add
        to its `__path__`."""
        if in_repository_package and self.sys_path_appends_only:
            return False
        return self.sys_path_line > 0 and (scope != "module" or self.sys_path_line <= line)



NO_DOUBTS = Doubts()


@dataclass(frozen=True, slots=True)
class FileFacts:
    """Everything the gate knows of one file's content (cached by its blob SHA-1)."""

    sha: str
    language: str = "python"
    definitions: tuple[Definition, ...] = ()
    module_names: frozenset[str] = field(default_factory=frozenset)  # every name bound at module scope
    imports: tuple[ImportFact, ...] = ()
    attr_uses: tuple[AttrUse, ...] = ()
    calls: tuple[CallSite, ...] = ()
    all_names: tuple[str, ...] | None = None  # a literal __all__, if any
    all_dynamic: bool = False  # __all__ is built or extended at run time (`+=`, `.extend`, not a literal)
    dynamic: bool = False  # module __getattr__, globals()/sys.modules tricks, exec: exports unknowable
    path_dynamic: bool = False  # `__path__` edits, `extend_path`, `sys.modules[...] =`: submodules unknowable
    issues: tuple[LocalIssue, ...] = ()  # syntax-error / undefined-name
    parse_ok: bool = True  # False when CPython rejected the file (facts are then partial)
    suppressions: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (line, rules) of `# yantra: ignore[...]`
    doubts: Doubts = NO_DOUBTS  # what may provide names no binding shows (`bot.graph.doubts`)
    member_uses: tuple[MemberUse, ...] = ()
    # class qualname -> names its methods assign on `self`/`cls` ("*": `setattr(self, name, ...)`)
    instance_attrs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    not_analysed: str = ""  # why the file's cross-file facts are unknown ("over 2 MB"); "" when analysed

    def assigned_on_instances(self, cls_qualname: str) -> tuple[str, ...]:
        for owner, names in self.instance_attrs:
            if owner == cls_qualname:
                return names
        return ()

    def top_level(self) -> dict[str, Definition]:
        return {d.name: d for d in self.definitions if d.qualname == d.name}

    def submodules_unknowable(self, package: bool) -> bool:
        """Whether the files cannot tell which submodules this module has: it is not parsed, it edits `__path__`
        or hooks the import system, or it is a plain module (not a `package`'s `__init__`) whose namespace
        answers names at run time (an open module `__getattr__`, namespace writes). `import mod.sub` asks a plain
        module for its `__path__`, and such a module may answer with another package's: dask's
        `dask/distributed.py` serves `dask.distributed.protocol` from the `distributed` package that way."""
        if not self.parse_ok or self.path_dynamic:
            return True
        return self.dynamic and not package
