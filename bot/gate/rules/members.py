"""`missing-member`: `Cls.x`, `obj.x` (obj bound once to `Cls(...)`), `self.x` / `cls.x` in methods and
`super().x`, where no class in the MRO of repository classes defines, assigns or can provide `x`.

The MRO is judged by the graph (`Resolver.find_member`: silent as soon as a class on the way is not a plain
repository class). On top of that, what can put an attribute on an object from outside its class makes the
rule silent: `obj.x = ...` / `setattr(obj, "x", ...)` anywhere in the repository (for a read outside the tests,
anywhere outside the tests: a test's mock gives nothing to the library's own objects), and a probe of the name
(`hasattr(obj, "x")`). `self.x` and `super().x` are judged only for names that no repository class defines
or assigns at all (a subclass, or a sibling in a multiple-inheritance MRO, may provide them) -- or that the
checked change removed from a class of the MRO, whose own code relied on them: then every repository
subclass must still lack the name, or the class itself be constructed somewhere (then some `self` is exactly
an instance of it), and the finding is reported against the class that lost it.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.rules import Hit, RepositoryMembers, RuleContext, make
from bot.graph.doubts import is_dunder, pytest_module
from bot.graph.model import AttrUse, FileFacts, MemberUse
from bot.graph.python_doubts import module_dynamic
from bot.graph.resolution import Target
from bot.graph.resolve_calls import bound_in_class_bodies, repository_mro, resolve_base

_CLASS_ATTRIBUTES = frozenset({"mro"})  # attributes every class has without a dunder name


def member_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok or "*" in facts.doubts.attr_stores:
        return  # `setattr(obj, name, ...)` here: any object may have any attribute
    # A use is judged by what it names alone (its place only goes into the finding), and a file names the same
    # member again and again (`self.x` four times on average): a name judged clean once is clean at every place.
    clean: set[tuple[str, str, str]] = set()
    for use in facts.member_uses:
        if use.guarded or is_dunder(use.name) or facts.doubts.probes(use.name) or \
                (use.kind, use.owner, use.name) in clean:
            continue
        cls = _class_of(ctx, path, facts, use)
        hit = None if cls is None else _judge(ctx, path, cls, use.name, (use.line, use.col, use.end_line), use.kind)
        if hit is None:
            clean.add((use.kind, use.owner, use.name))
            continue
        yield hit
    clean_chains: set[tuple[str, tuple[str, ...]]] = set()
    for attr in facts.attr_uses:
        if attr.guarded or attr.store or (attr.base, attr.attrs) in clean_chains:
            continue
        found = _class_attribute(ctx, path, attr)
        hit = None
        if found is not None and not facts.doubts.probes(found[1]) and not is_dunder(found[1]):
            hit = _judge(ctx, path, found[0], found[1], (attr.line, attr.col, attr.end_line), "class")
        if hit is None:
            clean_chains.add((attr.base, attr.attrs))
            continue
        yield hit


def _class_of(ctx: RuleContext, path: str, facts: FileFacts, use: MemberUse) -> Target | None:
    if use.kind == "instance":
        target = ctx.resolver.resolve_callee(path, use.owner)
        return target if target is not None and target.definition.kind == "class" else None
    owners = [d for d in ctx.resolver.index(facts).by_qualname.get(use.owner, ()) if d.kind == "class"]
    modules = ctx.graph.modules_of(path)
    if len(owners) != 1 or not modules:
        return None
    return Target(path, modules[0], owners[0])


def _class_attribute(ctx: RuleContext, path: str, attr: AttrUse) -> tuple[Target, str] | None:
    """`Cls.x` (or `mod.Cls.x`) read through a name bound by an import: the class and `x`."""
    chain = [attr.base, *attr.attrs]
    for k in range(1, len(chain)):
        target = ctx.resolver.resolve_callee(path, ".".join(chain[:k]))
        if target is None:
            continue
        if target.definition.kind != "class":
            return None
        return target, chain[k]
    return None


def _judge(ctx: RuleContext, path: str, cls: Target, name: str, where: tuple[int, int, int],
           kind: str) -> Hit | None:
    if kind == "class" and name in _CLASS_ATTRIBUTES:
        return None
    if ctx.resolver.find_member(cls, name, skip_own=kind == "super") != "missing" or _rewritten(ctx, cls):
        return None
    everywhere = _repository_members(ctx)
    stored = everywhere.stored if is_test_file(path) else everywhere.stored_outside_tests
    if name in stored or cls.definition.name in everywhere.handed_off:
        return None  # set from outside, or the class is handed to a call that may give it attributes
    removed = _removed_from(ctx, cls, name)
    if kind in ("self", "super") and (
            (removed is None and name in everywhere.members) or not (_closed_hierarchy(ctx, cls, name, removed) or (
                kind == "self" and removed is not None and _constructed(ctx, cls)))):
        return None
    qualname = cls.definition.qualname
    what = "super()" if kind == "super" else f"`{qualname}`" if kind == "class" else f"`{qualname}` instance"
    line, col, end_line = where
    subject = removed or cls  # a finding in a dependent file is reported when its subject is what the change did
    return Hit(make("missing-member", path, line, col, end_line,
                    f"{what} has no attribute `{name}` ({cls.path}:{cls.definition.line})",
                    "" if kind == "super" else _did_you_mean(ctx, cls, name)),
               subject.module, f"{subject.definition.qualname}.{name}")


def _rewritten(ctx: RuleContext, cls: Target) -> bool:
    """A module of `cls`'s repository MRO that has a module-level `__getattr__` (the MRO walk follows it) also
    rewrites its namespace at run time in a way its facts do not tell apart: its source says."""
    for c in repository_mro(ctx.resolver, cls):
        facts = ctx.graph.facts(c.path)
        if facts is not None and facts.dynamic and module_dynamic(ctx.graph.source(c.path).encode(), False):
            return True
    return False


def _removed_from(ctx: RuleContext, cls: Target, name: str) -> Target | None:
    """The class of `cls`'s repository MRO that the checked change removed `name` from, if any."""
    if not ctx.resigned:
        return None
    for c in repository_mro(ctx.resolver, cls):
        if (c.module, f"{c.definition.qualname}.{name}") in ctx.resigned:
            return c
    return None


def _constructed(ctx: RuleContext, cls: Target) -> bool:
    """Somewhere in the repository (its tests too) `cls` itself is called: some `self` in its methods is an
    instance of exactly `cls`, whatever its subclasses provide (sphinx's tests build a `StandaloneHTMLBuilder`;
    its subclass `EpubBuilder` sets the `html_scaled_image_link` the change removed from it)."""
    for path, callee in _repository_members(ctx).constructed.get(cls.definition.name, ()):
        target = ctx.resolver.resolve_callee(path, callee)
        if target is not None and (target.path, target.definition.qualname) == (cls.path, cls.definition.qualname):
            return True
    return False


def _did_you_mean(ctx: RuleContext, cls: Target, name: str) -> str:
    facts = ctx.graph.facts(cls.path)
    prefix = cls.definition.qualname + "."
    pool = sorted({d.qualname[len(prefix):] for d in (facts.definitions if facts else ())
                   if d.qualname.startswith(prefix) and "." not in d.qualname[len(prefix):]}
                  | set(facts.assigned_on_instances(cls.definition.qualname) if facts else ()))
    import difflib  # (only when there is a finding to suggest for)

    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`?" if close else ""


_OPEN_WORDS = ("mixin", "base", "abstract", "interface", "protocol", "abc")


def _open(name: str) -> bool:
    """A class written for subclasses or for a test runner that sets attributes on its instances (pytest
    fixtures do `request.instance.x = ...`, often through `setattr`)."""
    low = name.lower()
    return any(w in low for w in _OPEN_WORDS) or low.startswith("test") or low.endswith(("test", "tests"))


def _closed_hierarchy(ctx: RuleContext, cls: Target, name: str, removed: Target | None = None) -> bool:
    """`self` in a method of `cls` is an instance of `cls` or of a repository subclass whose whole MRO is
    repository classes that lack `name` (a subclass mixing in a class from elsewhere may provide anything;
    a class named as a mixin or an abstract base is written for subclasses the repository may not have --
    unless the change just removed `name` from the class (`removed`): its own code relied on it being there)."""
    subclasses = _repository_members(ctx).subclasses
    todo, seen = [cls], set()
    while todo:
        c = todo.pop()
        key = (c.path, c.definition.qualname)
        if key in seen:
            continue
        seen.add(key)
        if (removed is None and _open(c.definition.name)) or len(seen) > 200:
            return False
        if c is not cls and (ctx.resolver.find_member(c, name) != "missing" or _rewritten(ctx, c)):
            return False
        for path, qualname in subclasses.get(c.definition.name, ()):
            facts = ctx.graph.facts(path)
            defs = ctx.resolver.index(facts).by_qualname.get(qualname, []) if facts else []
            modules = ctx.graph.modules_of(path)
            if len(defs) != 1:
                return False
            sub = Target(path, modules[0] if modules else "", defs[0])  # (a script's classes count as well)
            if not _derives_elsewhere(ctx, sub, c):
                todo.append(sub)
    return True


def _derives_elsewhere(ctx: RuleContext, sub: Target, cls: Target) -> bool:
    """Every base of `sub` named like `cls` is certainly another class (subclasses are indexed by base name):
    a repository class other than `cls`, or a class imported from outside the repository."""
    named = [b for b in sub.definition.bases if b.rsplit(".", 1)[-1].split("[")[0] == cls.definition.name]
    for base in named:
        plain = all(p.isidentifier() for p in base.split("."))
        found = resolve_base(ctx.resolver, sub, base) if plain else None
        if found is None and plain and _imported_from_outside(ctx, sub, base.split(".")[0]):
            continue
        if found is None or (found.path, found.definition.qualname) == (cls.path, cls.definition.qualname):
            return False
    return bool(named)


def _imported_from_outside(ctx: RuleContext, sub: Target, name: str) -> bool:
    """`name`, where class `sub` is defined, is bound only by absolute imports of modules that are not the
    repository's (no directory or module of the repository has their top-level name): `from griffe import
    Extension`, `import httpx` -- a class from there is not one of the repository's classes."""
    facts = ctx.graph.facts(sub.path)
    if facts is None or not facts.parse_ok or name in facts.top_level() or any(i.name == "*" for i in facts.imports):
        return False
    enclosing = sub.definition.qualname.rpartition(".")[0]
    if enclosing and bound_in_class_bodies(ctx.resolver, facts, enclosing, name):
        return False
    imports = ctx.resolver.index(facts).binds.get(name, [])
    ours = _repository_members(ctx).path_names
    return bool(imports) and all(i.level == 0 and not ctx.resolver.layout.in_repo(i.module)
                                 and i.module.split(".")[0] not in ours for i in imports)


_TEST_DIRS = frozenset({"tests", "test"})


def is_test_file(path: str) -> bool:
    """A test module, a conftest, or Python under a `tests` directory: code that library code never imports,
    so what it stores on objects (`manager.wait_for_ack = Mock()`, `Cls.LIMIT = 1` in a test) gives no
    attribute to the objects library code reads (a `testing` package is a library: its stores count)."""
    parts = path.split("/")
    name = parts[-1]
    return pytest_module(name) or name == "conftest.py" or bool(_TEST_DIRS & set(parts[:-1]))


def _repository_members(ctx: RuleContext) -> RepositoryMembers:
    """Built once per check, only when a finding is about to be made (it reads every file's facts)."""
    if ctx.members is not None:
        return ctx.members
    members: set[str] = set()
    stored: set[str] = set()
    stored_outside_tests: set[str] = set()
    handed_off: set[str] = set()
    subclasses: dict[str, list[tuple[str, str]]] = {}
    path_names: set[str] = set()
    constructed: dict[str, list[tuple[str, str]]] = {}
    for p in ctx.graph.files():
        path_names.update(part.rpartition(".")[0] or part for part in p.split("/"))
        facts = ctx.graph.facts(p)
        if facts is None:
            stored.add("*")
            continue
        members.update(d.name for d in facts.definitions if "." in d.qualname)
        for d in facts.definitions:
            for base in d.bases:
                subclasses.setdefault(base.rsplit(".", 1)[-1].split("[")[0], []).append((p, d.qualname))
        members.update(n for _, names in facts.instance_attrs for n in names)
        stored.update(facts.doubts.attr_stores)
        if not is_test_file(p):
            stored_outside_tests.update(facts.doubts.attr_stores)
        handed_off.update(facts.doubts.class_handoffs)
        for call in facts.calls:
            last = call.callee.rpartition(".")[2]
            if last.lstrip("_")[:1].isupper():
                constructed.setdefault(last, []).append((p, call.callee))
    ctx.members = RepositoryMembers(frozenset(members), frozenset(stored), subclasses, frozenset(handed_off),
                                    frozenset(stored_outside_tests), frozenset(path_names), constructed)
    return ctx.members
