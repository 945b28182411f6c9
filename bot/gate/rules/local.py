"""`syntax-error` and `undefined-name`: the file-local issues computed once per file content."""

from __future__ import annotations

from collections.abc import Iterator

from bot.gate.rules import Hit, RuleContext, make
from bot.graph.doubts import conftest_builtin, injected_globals, loaded_only_by_name, never_collected
from bot.graph.model import FileFacts
from bot.graph.names import ALWAYS_DEFINED
from bot.graph.python_local import judged_for


def local_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    for issue in facts.issues:
        if issue.rule == "syntax-error":
            if judged_for(issue.message) is not None and (
                    never_collected(ctx.graph, path) or loaded_only_by_name(ctx.graph, path)):
                continue  # newer syntax than the target, in a file pytest is told not to import or never imports
            yield Hit(make("syntax-error", path, issue.line, issue.col, issue.end_line, issue.message))
        elif issue.rule == "undefined-name" and not (issue.name in injected_globals(path)
                                                     or _assigned_from_outside(ctx, path, issue.name)
                                                     or conftest_builtin(ctx.graph, path, issue.name)):
            yield Hit(make("undefined-name", path, issue.line, issue.col, issue.end_line, issue.message,
                           _did_you_mean(issue.name, facts)), name=issue.name)  # (the name: `introduced_unbound`)


def _did_you_mean(name: str, facts: FileFacts) -> str:
    pool = sorted(n for n in facts.module_names | ALWAYS_DEFINED if not n.startswith("__"))
    import difflib  # (only when there is a finding to suggest for)

    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`?" if close else ""


def _assigned_from_outside(ctx: RuleContext, path: str, name: str) -> bool:
    """Another file does `this_module.name = ...`, so the name may well be bound when it is used."""
    return any(ctx.resolver.stores(f"{module}.{name}") for module in ctx.graph.modules_of(path))
