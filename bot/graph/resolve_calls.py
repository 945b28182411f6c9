"""Calls: the unique repository definition a call site reaches, and class members through bases.

Used through `Resolver.resolve_call` / `Resolver.resolve_member`; None whenever unsure (conditional,
decorated or rebound definitions, several bindings, stubs, dynamic modules).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Literal

from bot.graph.model import CallSite, Definition, FileFacts
from bot.graph.resolution import UNKNOWN, Resolution, Target, UnknownType

if TYPE_CHECKING:
    from bot.graph.resolve import Resolver

_MAX_DEPTH = 30


def resolve_call(r: Resolver, path: str, call: CallSite, *, trust_stubs: bool = True) -> Target | None:
    """The unique repository definition `call` reaches, or None when unsure. With `trust_stubs`, also None
    when a `.pyi` stub on the way declares a signature that accepts the call (what type checkers see)."""
    facts = r.facts_of(path)
    if facts is None:
        return None
    parts = call.callee.split(".")
    idx = r.index(facts)
    local = idx.unique(parts[0])
    if local is not None and parts[0] not in idx.binds:
        return _descend(r, path, _module_of(r, path), local, parts[1:])
    start = r.start_of(path, parts[0])
    if isinstance(start, Resolution):
        return None
    module, implied = start
    key = (module, (*implied, *parts[1:]))
    memo = r.follows.get(key)
    if memo is None:  # (where a chain from a module leads does not depend on the importer)
        steps: list[tuple[str, str]] = []
        memo = r.follows[key] = (_follow(r, module, list(key[1]), frozenset(), steps), tuple(steps))
    target = memo[0]
    if target is None:
        return None
    visited = [*memo[1], (target.module, target.definition.qualname)]
    if trust_stubs and not _stubs_agree(r, visited, target, call):
        return None  # a .pyi stub declares an interface (overloads) that accepts this call
    return target


def _stubbed(r: Resolver, module: str) -> bool:
    return any(p in r.layout.stubbed for p in r.layout.modules.get(module, ()))


def _stubs_agree(r: Resolver, visited: list[tuple[str, str]], target: Target, call: CallSite) -> bool:
    """No `.pyi` stub on the way declares `name` with a signature that accepts `call` (or is unreadable)."""
    for module, qualname in visited:
        for path in r.layout.modules.get(module, ()):
            if path not in r.layout.stubbed:
                continue
            if target.definition.kind != "function" or "." in qualname:
                return False
            stub = r.stub_facts(path)
            sigs = [d.signature for d in (stub.definitions if stub else ()) if d.qualname == qualname]
            if not sigs or any(sig is None or sig.rejects(call) is None for sig in sigs):
                return False
    return True


def _module_of(r: Resolver, path: str) -> str:
    names = r.layout.names_of.get(path, [])
    return names[0] if names else ""


def _follow(r: Resolver, module: str, chain: list[str], seen: frozenset[str],
            visited: list[tuple[str, str]]) -> Target | None:
    while chain:
        if not r.in_repo(module) or module in seen or len(seen) > _MAX_DEPTH:
            return None
        head = chain[0]
        sub = f"{module}.{head}"
        if r.layout.exists(sub) and not r.shadows_submodule(module, head):
            module, chain = sub, chain[1:]
            continue
        files = r.layout.modules.get(module, [])
        if len(files) != 1:
            return None
        path = files[0]
        facts = r.facts_of(path)
        if facts is None or not facts.parse_ok or rewritable(facts):
            return None  # (a module-level `__getattr__` alone leaves the names the module binds as written)
        visited.append((module, head))
        idx = r.index(facts)
        definition = idx.unique(head)
        if definition is not None and head not in idx.binds:
            return _descend(r, path, module, definition, chain[1:])
        reexport = _reexport(r, path, facts, head)
        if reexport is None:
            return None
        seen = seen | {module}
        module, chain = reexport[0], [*reexport[1], *chain[1:]]
    return None


def _reexport(r: Resolver, path: str, facts: FileFacts, name: str) -> tuple[str, tuple[str, ...]] | None:
    idx = r.index(facts)
    if name in idx.by_qualname:
        return None
    start = r.start_of(path, name)
    if isinstance(start, Resolution):
        return None
    imps = [i for i in idx.binds.get(name, ()) if i.scope == "module" and (i.alias or i.name) == name]
    if len(imps) != 1 or imps[0].guarded:
        return None
    return start


def _descend(r: Resolver, path: str, module: str, definition: Definition, rest: list[str]) -> Target | None:
    if definition.conditional or definition.decorators or definition.kind == "variable":
        return None
    if not rest:
        return Target(path, module, definition)
    if definition.kind != "class" or len(rest) != 1:
        return None
    facts = r.facts_of(path)
    if facts is None:
        return None
    members = r.index(facts).by_qualname.get(f"{definition.qualname}.{rest[0]}", [])
    if len(members) != 1 or members[0].conditional:
        return None
    return Target(path, module, members[0])


def resolve_member(r: Resolver, target: Target, name: str, _depth: int = 0) -> Target | UnknownType | None:
    """`name` on class `target`: its own member, else the first base (MRO-ish, depth-first) defining it.
    None: no class in the chain defines it (all bases resolved); UNKNOWN: some base cannot be followed."""
    facts = r.facts_of(target.path)
    if facts is None or _depth > _MAX_DEPTH or target.definition.kind != "class":
        return UNKNOWN
    members = r.index(facts).by_qualname.get(f"{target.definition.qualname}.{name}", [])
    if len(members) == 1 and not members[0].conditional:
        return Target(target.path, target.module, members[0])
    if members or target.definition.metaclass:
        return UNKNOWN
    for base in target.definition.bases:
        if base == "object":
            continue
        call = CallSite(base, 0, 0, 0, 0, (), False, False)
        base_target = resolve_call(r, target.path, call)
        if base_target is None:
            return UNKNOWN
        found = resolve_member(r, base_target, name, _depth + 1)
        if found is not None:
            return found
    return None


MemberStatus = Literal["found", "missing", "unknown"]
# Members that let a class provide attributes no definition shows.
_DYNAMIC_MEMBERS = ("__getattr__", "__getattribute__", "__slots__", "__setattr__", "__dict__", "__init_subclass__",
                    "__set_name__", "__class_getitem__", "__new__")


def find_member(r: Resolver, target: Target, name: str, *, skip_own: bool = False) -> MemberStatus:
    """Whether class `target` (or, with `skip_own`, only its bases: `super().name`) provides `name`, through
    its whole MRO of repository classes: "unknown" as soon as any class on the way is not a plain repository
    class (a base outside the repository or not followable, decorators, a metaclass, a conditional definition,
    `__getattr__`/`__slots__`-style members, `setattr` with computed names, a dynamic module)."""
    stack: list[tuple[Target, bool]] = [(target, skip_own)]
    seen: set[tuple[str, str]] = set()
    while stack:
        cls, skip = stack.pop()
        key = (cls.path, cls.definition.qualname)
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > _MAX_DEPTH:
            return "unknown"
        verdict, bases = _class_step(r, cls, name, skip)
        if verdict is not None:
            return verdict
        stack.extend((b, False) for b in reversed(bases))
    return "missing"


def rewritable(facts: FileFacts) -> bool:
    """The module's namespace may be rewritten at run time (`globals()` writes, `sys.modules[__name__]`,
    `exec`), so the names it binds may not be the ones written. A module-level `__getattr__` alone (sphinx's
    deprecated names) answers only names the module lacks: its classes and functions stay as written (the
    member rule re-reads such a file's source before it reports: `bot.gate.rules.members`)."""
    return facts.dynamic and (not facts.doubts.getattr_open or facts.doubts.self_writing)


def _class_step(r: Resolver, cls: Target, name: str, skip: bool) -> tuple[MemberStatus | None, list[Target]]:
    shape = r.class_shape(cls)
    if shape is None:
        return "unknown", []
    members, assigned, bases = shape
    if not skip and (f"{cls.definition.qualname}.{name}" in members or name in assigned):
        return "found", []
    out: list[Target] = []
    for base in bases:
        if base is None:
            return "unknown", []
        if isinstance(base, Target):
            out.append(base)
        elif name in base:
            return "found", []
        # (else a builtin class that lacks `name`: its own bases are builtins too)
    return None, out


# What `find_member` reads of a class whatever the member (`Resolver.class_shape`): the names of its file's
# definitions, the names its methods assign on instances, and its bases in order: a repository class, the members
# of a builtin class, or None for a base that cannot be followed. None for a class that is not plain.
ClassShape = tuple[dict[str, list[Definition]], tuple[str, ...], tuple["Target | frozenset[str] | None", ...]]


def class_shape(r: Resolver, cls: Target) -> ClassShape | None:
    d = cls.definition
    facts = r.facts_of(cls.path)
    if d.kind != "class" or d.decorators or d.metaclass or d.conditional or facts is None or not facts.parse_ok \
            or rewritable(facts) or "*" in facts.doubts.attr_stores:
        return None
    members = r.index(facts).by_qualname
    if any(f"{d.qualname}.{m}" in members for m in _DYNAMIC_MEMBERS):
        return None
    if d.qualname in facts.doubts.class_handoffs:
        return None  # handed to a module-level call (`mapper(Cls, table)`): it may gain attributes
    assigned = facts.assigned_on_instances(d.qualname)
    if "*" in assigned or "__class__" in assigned:
        return None  # `self.__dict__.update(...)`, `setattr(self, name, ...)`, `self.__class__ = Other`
    bases: list[Target | frozenset[str] | None] = []
    for base in d.bases:
        if base == "object":
            continue
        if not all(part.isidentifier() for part in base.split(".")):
            bases.append(None)  # `Generic[T]`, `namedtuple(...)`, `with_metaclass(...)`
            break
        found = _base_class(r, cls, base)
        if found is None:
            enclosing = d.qualname.rpartition(".")[0]
            provided = None if enclosing and bound_in_class_bodies(r, facts, enclosing, base) \
                else _builtin_members(facts, base)  # (nested: as above)
            bases.append(provided)
            if provided is None:
                break
            continue
        bases.append(found)
    return members, assigned, tuple(bases)


# Builtin classes a repository class may derive from whose members are all known: no `__getattr__`, no
# metaclass, every attribute listed by `dir()`. Plus what Python versions newer than ours add to them, or
# what other platforms have (judged as present: silence is the safe side).
_BUILTIN_BASES = frozenset({"dict", "list", "set", "frozenset", "tuple", "str", "bytes", "bytearray", "int", "float",
                            "complex"} | {n for n, v in vars(builtins).items()
                                          if isinstance(v, type) and issubclass(v, BaseException)})
_NEWER_BUILTIN_MEMBERS = frozenset({"add_note", "__notes__", "is_integer", "name_from", "winerror",
                                    "characters_written", "exceptions", "message", "derive", "split", "subgroup"})


def _builtin_members(facts: FileFacts, base: str) -> frozenset[str] | None:
    """The members of builtin class `base` when a class statement's base names it (the module binds no such
    name, star-imports nothing), else None."""
    if base not in _BUILTIN_BASES or base in facts.module_names or facts.doubts.self_writing \
            or any(imp.name == "*" for imp in facts.imports):
        return None
    return frozenset(dir(getattr(builtins, base))) | _NEWER_BUILTIN_MEMBERS


def resolve_base(r: Resolver, cls: Target, base: str) -> Target | None:
    """The repository class that base `base` (as written in `cls`'s class statement) names, or None."""
    return _base_class(r, cls, base)


def bound_in_class_bodies(r: Resolver, facts: FileFacts, enclosing: str, name: str) -> bool:
    """`name` may be bound in the body of class `enclosing` or of a class around it (a def, an assignment, an
    import, a loop target...), or is one of those classes (not bound yet while their bodies run): then a
    nested class's base `name` is not the module's. Otherwise a base names what it names at module level."""
    members = r.index(facts).by_qualname
    parts = enclosing.split(".")
    for k in range(1, len(parts) + 1):
        qualname = ".".join(parts[:k])
        assigned = facts.assigned_on_instances(qualname)
        if name == parts[k - 1] or f"{qualname}.{name}" in members or name in assigned or "*" in assigned:
            return True
    return False


def repository_mro(r: Resolver, target: Target) -> list[Target]:
    """Class `target` and the repository classes among its bases, transitively (builtin bases and bases that
    cannot be followed are left out)."""
    out: list[Target] = []
    stack: list[Target] = [target]
    seen: set[tuple[str, str]] = set()
    while stack and len(seen) <= _MAX_DEPTH:
        cls = stack.pop()
        key = (cls.path, cls.definition.qualname)
        if key in seen:
            continue
        seen.add(key)
        out.append(cls)
        for base in reversed(cls.definition.bases):
            if base != "object" and all(part.isidentifier() for part in base.split(".")):
                found = _base_class(r, cls, base)
                if found is not None:
                    stack.append(found)
    return out


def _base_class(r: Resolver, cls: Target, base: str) -> Target | None:
    facts = r.facts_of(cls.path)
    if facts is None:
        return None
    enclosing = cls.definition.qualname.rpartition(".")[0]
    if enclosing and bound_in_class_bodies(r, facts, enclosing, base.split(".")[0]):
        return None  # a nested class's bases may name siblings in the class body
    target = resolve_call(r, cls.path, CallSite(base, 0, 0, 0, 0, (), True, True), trust_stubs=False)
    return target if target is not None and target.definition.kind == "class" else None
