"""`missing-member`: `Cls.x`, `obj.x` (obj bound once to `Cls(...)`), `self.x` / `cls.x` in methods and
`super().x`, where no class in the MRO of repository classes defines, assigns or can provide `x`.

The MRO is judged by the graph (`Resolver.find_member`: silent as soon as a class on the way is not a plain
repository class). On top of that, what can put an attribute on an object from outside its class makes the
rule silent: `obj.x = ...` / `setattr(obj, "x", ...)` anywhere in the repository, and a probe of the name
(`hasattr(obj, "x")`). `self.x` and `super().x` are judged only for names that no repository class defines
or assigns at all (a subclass, or a sibling in a multiple-inheritance MRO, may provide them).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from bot.gate.rules import Hit, RepositoryMembers, RuleContext, make
from bot.graph.doubts import is_dunder
from bot.graph.model import AttrUse, FileFacts, MemberUse
from bot.graph.resolution import Target

_CLASS_ATTRIBUTES = frozenset({"mro"})  # attributes every class has without a dunder name


def member_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok or "*" in facts.doubts.attr_stores:
        return  # `setattr(obj, name, ...)` here: any object may have any attribute
    for use in facts.member_uses:
        if use.guarded or is_dunder(use.name) or facts.doubts.probes(use.name):
            continue
        cls = _class_of(ctx, path, facts, use)
        if cls is not None:
            hit = _judge(ctx, path, cls, use.name, (use.line, use.col, use.end_line), use.kind)
            if hit is not None:
                yield hit
    for attr in facts.attr_uses:
        if attr.guarded or attr.store:
            continue
        found = _class_attribute(ctx, path, attr)
        if found is not None and not facts.doubts.probes(found[1]) and not is_dunder(found[1]):
            hit = _judge(ctx, path, found[0], found[1], (attr.line, attr.col, attr.end_line), "class")
            if hit is not None:
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
    if ctx.resolver.find_member(cls, name, skip_own=kind == "super") != "missing":
        return None
    everywhere = _repository_members(ctx)
    if name in everywhere.stored or cls.definition.name in everywhere.handed_off:
        return None  # set from outside, or the class is handed to a call that may give it attributes
    if kind in ("self", "super") and (name in everywhere.members or not _closed_hierarchy(ctx, cls, name)):
        return None
    qualname = cls.definition.qualname
    what = "super()" if kind == "super" else f"`{qualname}`" if kind == "class" else f"`{qualname}` instance"
    line, col, end_line = where
    return Hit(make("missing-member", path, line, col, end_line,
                    f"{what} has no attribute `{name}` ({cls.path}:{cls.definition.line})",
                    "" if kind == "super" else _did_you_mean(ctx, cls, name)), cls.module, f"{qualname}.{name}")


def _did_you_mean(ctx: RuleContext, cls: Target, name: str) -> str:
    facts = ctx.graph.facts(cls.path)
    prefix = cls.definition.qualname + "."
    pool = sorted({d.qualname[len(prefix):] for d in (facts.definitions if facts else ())
                   if d.qualname.startswith(prefix) and "." not in d.qualname[len(prefix):]}
                  | set(facts.assigned_on_instances(cls.definition.qualname) if facts else ()))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`?" if close else ""


_OPEN_WORDS = ("mixin", "base", "abstract", "interface", "protocol", "abc")


def _open(name: str) -> bool:
    """A class written for subclasses or for a test runner that sets attributes on its instances (pytest
    fixtures do `request.instance.x = ...`, often through `setattr`)."""
    low = name.lower()
    return any(w in low for w in _OPEN_WORDS) or low.startswith("test") or low.endswith(("test", "tests"))


def _closed_hierarchy(ctx: RuleContext, cls: Target, name: str) -> bool:
    """`self` in a method of `cls` is an instance of `cls` or of a repository subclass whose whole MRO is
    repository classes that lack `name` (a subclass mixing in a class from elsewhere may provide anything;
    a class named as a mixin or an abstract base is written for subclasses the repository may not have)."""
    subclasses = _repository_members(ctx).subclasses
    todo, seen = [cls], set()
    while todo:
        c = todo.pop()
        key = (c.path, c.definition.qualname)
        if key in seen:
            continue
        seen.add(key)
        if _open(c.definition.name) or len(seen) > 200:
            return False
        if c is not cls and ctx.resolver.find_member(c, name) != "missing":
            return False
        for path, qualname in subclasses.get(c.definition.name, ()):
            facts = ctx.graph.facts(path)
            defs = ctx.resolver.index(facts).by_qualname.get(qualname, []) if facts else []
            modules = ctx.graph.modules_of(path)
            if len(defs) != 1 or not modules:
                return False
            todo.append(Target(path, modules[0], defs[0]))
    return True


def _repository_members(ctx: RuleContext) -> RepositoryMembers:
    """Built once per check, only when a finding is about to be made (it reads every file's facts)."""
    if ctx.members is not None:
        return ctx.members
    members: set[str] = set()
    stored: set[str] = set()
    handed_off: set[str] = set()
    subclasses: dict[str, list[tuple[str, str]]] = {}
    for p in ctx.graph.files():
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
        handed_off.update(facts.doubts.class_handoffs)
    ctx.members = RepositoryMembers(frozenset(members), frozenset(stored), subclasses, frozenset(handed_off))
    return ctx.members
