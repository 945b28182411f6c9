"""`missing-attribute`: `module.name` where `module` is an imported repository module lacking `name`."""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.rules import Hit, RuleContext, make, star_binds_submodule, suggestion
from bot.graph.model import FileFacts


def attribute_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok:
        return
    defined = {d.name for d in facts.definitions}
    for use in facts.attr_uses:
        if use.guarded or use.store or use.base in defined:
            continue
        res = ctx.resolver.resolve_attr(path, use)
        if res.status != "missing":
            continue
        if res.kind == "module":
            continue  # a module the import itself lacks: `missing-module` reports it at the import
        if star_binds_submodule(ctx, res.module, res.name):
            continue
        yield Hit(make("missing-attribute", path, use.line, use.col, use.end_line,
                       f"module `{res.module}` has no attribute `{res.name}`", suggestion(ctx, res)),
                  res.module, res.name)
