"""`arity-mismatch`: calls to repository functions (and plain classes) their signature cannot accept.

Functions: only when the graph resolves the callee to exactly one undecorated, unconditional definition.
Classes: only when `__init__` is found through repository bases, no class in the way has a metaclass or
decorators, and no `__new__` exists anywhere in the (fully resolved) hierarchy.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.rules import Hit, RuleContext, make
from bot.graph.model import CallSite, Definition, FileFacts, Signature
from bot.graph.resolution import Target

_OVERRIDES_CALL = ("__new__", "__call__", "__signature__", "__class_getitem__")


def arity_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok:
        return
    targets: dict[str, Target | None] = {}  # callee as written -> resolved target (calls repeat within a file)
    for call in facts.calls:
        if call.guarded or call.star or call.starstar:
            continue
        if call.callee not in targets:
            targets[call.callee] = _target(ctx, path, call)
        hit = _check(ctx, path, call, targets[call.callee])
        if hit is not None:
            yield hit


def _target(ctx: RuleContext, path: str, call: CallSite) -> Target | None:
    """The definition `call` reaches. A `.pyi` stub that accepts the call silences it (stub-typed code is
    often never run as written), except for a definition the change re-signed: the `.py` is what runs."""
    bare = ctx.resolver.resolve_call(path, call, trust_stubs=False)
    if bare is None or (bare.module, bare.definition.qualname.split(".")[0]) in ctx.resigned:
        return bare  # (nothing reached without the stubs: nothing with them either)
    return ctx.resolver.resolve_call(path, call)


def _check(ctx: RuleContext, path: str, call: CallSite, target: Target | None) -> Hit | None:
    if target is None:
        return None
    d = target.definition
    cache = ctx.signatures
    key = (target.path, d.qualname)
    if key not in cache:
        cache[key] = _signature(ctx, target)
    sig = cache[key]
    if sig is None:
        return None
    why = sig.rejects(call)
    if why is None:
        return None
    top = d.qualname.split(".")[0]
    return Hit(make("arity-mismatch", path, call.line, call.col, call.end_line, f"`{call.callee}()` {why}",
                    f"signature: `{d.qualname}{sig.text()}` in {target.path}:{d.line}"), target.module, top)


def _signature(ctx: RuleContext, target: Target) -> Signature | None:
    d = target.definition
    if d.decorators or d.conditional:
        return None
    if d.kind == "function":
        return d.signature if "." not in d.qualname else None  # methods through a class: binding unclear
    if d.kind == "class":
        return _init_signature(ctx, target)
    return None


def _init_signature(ctx: RuleContext, cls: Target) -> Signature | None:
    if cls.definition.metaclass:
        return None
    for name in _OVERRIDES_CALL:
        if ctx.resolver.resolve_member(cls, name) is not None:
            return None  # defined somewhere, or some base cannot be followed
    init = ctx.resolver.resolve_member(cls, "__init__")
    if not isinstance(init, Target):
        return None
    owner = _owner(ctx, init)
    d = init.definition
    if owner is None or d.kind != "function" or d.decorators or d.conditional or d.signature is None:
        return None
    return d.signature.bound()


def _owner(ctx: RuleContext, member: Target) -> Definition | None:
    """The class definition that holds `member`, when it is plain (no decorators, no metaclass)."""
    facts = ctx.graph.facts(member.path)
    cls_name = member.definition.qualname.rsplit(".", 1)[0]
    owners = [d for d in facts.definitions if d.qualname == cls_name] if facts else []
    if len(owners) != 1 or owners[0].decorators or owners[0].metaclass or owners[0].conditional:
        return None
    return owners[0]
