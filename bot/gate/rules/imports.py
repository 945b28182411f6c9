"""`missing-module` and `missing-symbol`: imports of repository modules and names that do not exist."""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.change import absolute
from bot.gate.rules import Hit, RuleContext, make
from bot.graph.model import FileFacts, ImportFact


def import_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok:
        return
    module = ctx.module_of(path)
    is_package = path.endswith("__init__.py")
    edits_path = "sys.path" in ctx.graph.source(path)
    for imp in facts.imports:
        if imp.guarded or imp.name == "*" or (imp.level == 0 and edits_path):
            continue
        if imp.level > 0 and not module:
            continue  # a relative import in a file that is not importable as a module: nothing to resolve
        yield from _check_import(ctx, path, module, is_package, imp)


def _check_import(ctx: RuleContext, path: str, module: str, is_package: bool, imp: ImportFact) -> Iterator[Hit]:
    base = absolute(imp.module, imp.level, module, is_package)
    if not base:
        return
    if imp.name is None:
        ans = ctx.resolver.module(base)
        if ans.status == "missing":
            yield Hit(make("missing-module", path, imp.line, imp.col, imp.end_line,
                           f"module `{base}` does not exist in the repository", ans.suggestion), base, None)
        return
    ans = ctx.resolver.module(base)
    if ans.status == "missing":
        yield Hit(make("missing-module", path, imp.line, imp.col, imp.end_line,
                       f"module `{base}` does not exist in the repository", ans.suggestion), base, imp.name)
        return
    if ans.status != "found":
        return
    got = ctx.resolver.name(base, imp.name)
    if got.status == "missing":
        yield Hit(make("missing-symbol", path, imp.line, imp.col, imp.end_line,
                       f"`{imp.name}` is not defined in `{base}` ({ans.path})", got.suggestion), base, imp.name)
