"""`arity-mismatch`: calls to repository functions (and plain classes) their signature cannot accept.

Only when the callee resolves to exactly one undecorated, unconditional definition; a class only when its
`__init__` is found through repository bases with no metaclass, no `__new__` and no decorators.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.resolve import Answer
from bot.gate.rules import Hit, RuleContext, make
from bot.gate.rules.attributes import module_bindings
from bot.graph.model import FileFacts, Signature

_MAX_BASES = 8


def arity_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok or not facts.calls:
        return
    modules = module_bindings(ctx, path, facts)
    here = ctx.module_of(path)
    for call in facts.calls:
        if call.guarded or call.star or call.starstar:
            continue
        target = _callee(ctx, path, here, facts, modules, call.callee)
        if target is None or target.definition is None:
            continue
        sig = _callable_signature(ctx, target)
        if sig is None:
            continue
        why = sig.rejects(call)
        if why:
            d = target.definition
            yield Hit(make("arity-mismatch", path, call.line, call.col, call.end_line,
                           f"call to `{call.callee}()` {why}",
                           f"`{d.name}{sig.text()}` is defined in {target.path}:{d.line}"),
                      target.module, d.name)


def _callee(ctx: RuleContext, path: str, here: str, facts: FileFacts, modules: dict[str, str],
            callee: str) -> Answer | None:
    head, *rest = callee.split(".")
    if not rest:
        return _bare_name(ctx, path, here, facts, head)
    if head not in modules:
        return None
    current = modules[head]
    for i, attr in enumerate(rest):
        ans = ctx.resolver.name(current, attr)
        if ans.status != "found":
            return None
        if i == len(rest) - 1:
            return ans
        if ans.definition is not None or ans.module != f"{current}.{attr}":
            return None
        current = ans.module
    return None


def _bare_name(ctx: RuleContext, path: str, here: str, facts: FileFacts, name: str) -> Answer | None:
    imps = [i for i in facts.imports if (i.alias or i.name) == name and i.name not in (None, "*")]
    defs = [d for d in facts.definitions if d.name == name and d.qualname == name]
    if len(defs) == 1 and not imps:
        return Answer("found", module=here, definition=defs[0], path=path)
    if len(imps) != 1 or defs or imps[0].guarded or imps[0].name is None:
        return None
    from bot.gate.change import absolute

    imp = imps[0]
    base = absolute(imp.module, imp.level, here, path.endswith("__init__.py")) if (imp.level == 0 or here) else None
    return ctx.resolver.name(base, imp.name) if base and imp.name else None


def _callable_signature(ctx: RuleContext, target: Answer) -> Signature | None:
    d = target.definition
    if d is None or d.decorators or d.conditional or (d.signature is None and d.kind == "function"):
        return None
    if d.kind == "function":
        return d.signature
    if d.kind == "class":
        init = _class_init(ctx, target, 0)
        return init.bound() if init is not None else None
    return None


def _class_init(ctx: RuleContext, cls: Answer, depth: int) -> Signature | None:
    """`__init__` of a plain repository class, found through single-inheritance repository bases."""
    d = cls.definition
    if d is None or d.kind != "class" or d.decorators or d.metaclass or d.conditional or depth > _MAX_BASES:
        return None
    facts = ctx.graph.facts(cls.path)
    if facts is None or facts.dynamic:
        return None
    members = [m for m in facts.definitions if m.qualname.startswith(d.name + ".") and m.qualname.count(".") == 1]
    names = {m.name for m in members}
    if names & {"__new__", "__signature__", "__call__", "__init_subclass__", "__class_getitem__"}:
        return None
    inits = [m for m in members if m.name == "__init__"]
    if inits:
        init = inits[0]
        ok = len(inits) == 1 and init.kind == "function" and not init.decorators and not init.conditional
        return init.signature if ok else None
    if len(d.bases) != 1:
        return None
    base = _resolve_base(ctx, cls, d.bases[0])
    return _class_init(ctx, base, depth + 1) if base is not None else None


def _resolve_base(ctx: RuleContext, cls: Answer, written: str) -> Answer | None:
    facts = ctx.graph.facts(cls.path)
    if facts is None:
        return None
    modules = module_bindings(ctx, cls.path, facts)
    ans = _callee(ctx, cls.path, cls.module, facts, modules, written)
    if ans is None or ans.definition is None or ans.definition.kind != "class":
        return None
    return ans
