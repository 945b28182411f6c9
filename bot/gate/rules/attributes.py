"""`missing-attribute`: `module.name` where `module` is an imported repository module lacking `name`."""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.change import absolute
from bot.gate.rules import Hit, RuleContext, make
from bot.graph.model import FileFacts, ImportFact


def attribute_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok or not facts.attr_uses:
        return
    bound = module_bindings(ctx, path, facts)
    for use in facts.attr_uses:
        if use.guarded or use.base not in bound:
            continue
        current = bound[use.base]
        attrs = use.attrs[:-1] if use.store else use.attrs
        for attr in attrs:
            ans = ctx.resolver.name(current, attr)
            if ans.status == "missing":
                yield Hit(make("missing-attribute", path, use.line, use.col, use.end_line,
                               f"module `{current}` has no attribute `{attr}`", ans.suggestion), current, attr)
                break
            nxt = f"{current}.{attr}"
            if ans.status != "found" or ans.definition is not None or ans.module != nxt:
                break  # not a module: what follows is an attribute of an object
            current = nxt


def module_bindings(ctx: RuleContext, path: str, facts: FileFacts) -> dict[str, str]:
    """Names this file binds (once, unguarded) to a repository module, and that module's name."""
    module = ctx.module_of(path)
    is_package = path.endswith("__init__.py")
    by_name: dict[str, list[ImportFact]] = {}
    for imp in facts.imports:
        if imp.name == "*":
            continue
        bound = imp.alias or (imp.name if imp.name is not None else imp.module.split(".")[0])
        by_name.setdefault(bound, []).append(imp)
    out: dict[str, str] = {}
    for name, imps in by_name.items():
        if len(imps) != 1 or imps[0].guarded:
            continue
        target = _module_of_binding(ctx, imps[0], module, is_package)
        if target:
            out[name] = target
    return out


def _module_of_binding(ctx: RuleContext, imp: ImportFact, module: str, is_package: bool) -> str:
    base = absolute(imp.module, imp.level, module, is_package) if (imp.level == 0 or module) else None
    if not base:
        return ""
    target = (base if imp.alias else base.split(".")[0]) if imp.name is None else f"{base}.{imp.name}"
    return target if ctx.resolver.module(target).status == "found" else ""
