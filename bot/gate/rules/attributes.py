"""`missing-attribute`: `module.name` where `module` is an imported repository module lacking `name`."""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.rules import Hit, RuleContext, make, suggestion, unsure_missing
from bot.gate.rules.imports import compiled_submodule
from bot.graph.model import AttrUse, FileFacts
from bot.graph.resolution import Resolution


def attribute_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok:
        return
    defined = {d.name for d in facts.definitions if d.qualname == d.name}  # (class members: the graph scopes them)
    starts: dict[str, tuple[str, tuple[str, ...]] | Resolution] = {}
    for use in facts.attr_uses:
        if use.guarded or use.store or use.base in defined:
            continue
        if use.base not in starts:
            starts[use.base] = ctx.resolver.start_of(path, use.base)
        res = _resolve(ctx, path, use, starts[use.base])
        if res.status != "missing":
            continue
        if res.kind == "module":
            continue  # a module the import itself lacks: `missing-module` reports it at the import
        if unsure_missing(ctx, path, res.module, res.name, level=_import_level(facts, use.base)) or \
                compiled_submodule(ctx, res.module, res.name):
            continue
        yield Hit(make("missing-attribute", path, use.line, use.col, use.end_line,
                       f"module `{res.module}` has no attribute `{res.name}`", suggestion(ctx, res)),
                  res.module, res.name)


def _import_level(facts: FileFacts, base: str) -> int:
    """The dots of the relative import binding `base` (`from . import mod`), 0 when any binding of it is
    absolute (the trust of a relative import only holds when every binding is one)."""
    levels = {i.level for i in facts.imports if i.name is not None and (i.alias or i.name) == base}
    levels |= {i.level for i in facts.imports if i.name is None and (i.alias or i.module.split(".")[0]) == base}
    return min(levels) if levels else 0


def _resolve(ctx: RuleContext, path: str, use: AttrUse, start: tuple[str, tuple[str, ...]] | Resolution) -> Resolution:
    """`resolver.resolve_attr`, memoised on what it depends on: the module the base is bound to (`start`),
    and the attribute chain (the same `mod.x` in many files is resolved once)."""
    if not isinstance(start, tuple):
        return start
    cache = ctx.attributes
    key = (start, use.attrs)
    if key not in cache:
        cache[key] = ctx.resolver.resolve_attr(path, use)
    return cache[key]
