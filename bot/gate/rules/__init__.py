"""The gate's rules. Each is a function from the graph (through a `RuleContext`) and one file to hits.

The graph decides what a name resolves to (`graph.resolver`: found / missing / unknown); a rule decides
when to speak, and stays silent whenever the graph is unsure or the code is guarded. A hit is a finding plus
its *subject* (the module, and name in it, the finding is about), so that in a file that merely depends on
a change only findings about what the change removed or re-signed are kept. Rules never print and never
decide severity (`bot.gate.policy` does).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.gate.findings import RULES, Finding
from bot.graph.model import FileFacts


@dataclass(frozen=True)
class Hit:
    finding: Finding
    module: str = ""  # subject module ("" for file-local findings)
    name: str | None = None  # subject name in `module`


@dataclass
class RuleContext:
    graph: Any  # bot.graph.Graph
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resolver(self) -> Any:  # bot.graph.Resolver
        return self.graph.resolver

    def module_of(self, path: str) -> str:
        mods = self.graph.modules_of(path)
        return str(mods[0]) if mods else ""

    def where(self, module: str) -> str:
        """A file that defines `module`, for messages ("" when unknown)."""
        paths = self.graph.paths_of(module)
        return str(paths[0]) if paths else ""


Rule = Callable[[RuleContext, str, FileFacts], Iterator[Hit]]


def make(rule: str, path: str, line: int, col: int, end_line: int, message: str, suggestion: str = "") -> Finding:
    return Finding(rule, RULES[rule], path, line, col, max(end_line, line), message, suggestion)


def suggestion(ctx: RuleContext, resolution: Any) -> str:
    """"did you mean `x`?" from the graph's close names, else where else the name is defined (what the
    change itself moved or renamed is said more precisely by `bot.gate.change.hints`)."""
    close = [c for c in resolution.suggestions if c.rsplit(".", 1)[-1] != (resolution.name or "")]
    if close:
        return f"did you mean `{close[0]}`?"
    if resolution.moved_to:
        where = ctx.where(resolution.moved_to[0]) or resolution.moved_to[0]
        what = resolution.name or resolution.module.rsplit(".", 1)[-1]
        return f"`{what}` is defined in `{where}`"
    return ""


def star_binds_submodule(ctx: RuleContext, module: str, name: str) -> bool:
    """`module` star-imports from a package whose submodule `name` it may bind as a side effect of
    importing it (`from pkg.algorithms import *` exposes `pkg.algorithms.summarization` as `summarization`)."""
    files = ctx.graph.paths_of(module)
    stars = False
    for path in files:
        facts = ctx.graph.facts(path)
        stars = stars or facts is None or any(i.name == "*" for i in facts.imports)
    if not stars:
        return False
    top = module.split(".")[0]
    return any(m.startswith(top + ".") and m.rsplit(".", 1)[-1] == name for m in ctx.graph.layout.modules)


_DYNAMIC_SOURCE = re.compile(
    r"(?:globals|vars|locals)\(\s*\)\s*(?:\[[^\]\n]*\]\s*=(?!=)|\.(?:update|setdefault)\b)|"  # writes
    r"=\s*globals\(\s*\)|[(,]\s*globals\(\s*\)\s*[,)]|"  # aliased, passed on
    r"setattr\(\s*sys\.modules|=\s*sys\.modules\s*\[\s*__name__|(?<![.\w])exec\s*\([^,()]*\)|"
    r"sys\.modules\s*\[\s*__name__\s*\]\s*=(?!=)", re.MULTILINE)
_SETATTR = re.compile(r"setattr\(\s*([A-Za-z_]\w*)\s*,")


def binds_dynamically(ctx: RuleContext, module: str, name: str = "") -> bool:
    """Second opinion before saying a name is missing from `module`: its source writes its own namespace
    in ways no binding statement shows (`vars()[name] = ...` in a loop, `setattr(module, ...)`, ...)."""
    cache: dict[str, bool] = ctx.extra.setdefault("dynamic_modules", {})
    if module not in cache:
        cache[module] = any(_self_writing(ctx, p) for p in ctx.graph.paths_of(module))
    return cache[module] or any(_getattr_may_provide(ctx.graph.source(p), name) for p in ctx.graph.paths_of(module))


def _getattr_may_provide(source: str, name: str) -> bool:
    """A module-level `__getattr__` may provide `name` -- unless it only answers for names it compares
    with literals (`if name == "__version__": ...`) and raises AttributeError for everything else."""
    if re.search(r"(?m)^__getattr__\s*[:=]", source):
        return True  # `__getattr__ = getattr_migration(__name__)`: answers are unknowable
    if not re.search(r"(?m)^(?:async )?def __getattr__\b", source):
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "__getattr__":
            answered = _literal_answers(fn)
            return answered is None or name in answered
    return True


def _literal_answers(fn: ast.FunctionDef) -> set[str] | None:
    """The names a closed `__getattr__` answers for, or None when it may answer for any name."""
    if not fn.body or not isinstance(fn.body[-1], ast.Raise):
        return None
    answered: set[str] = set()
    for stmt in fn.body[:-1]:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign)) and not any(
                isinstance(n, ast.Return) for n in ast.walk(stmt)):
            continue
        if not isinstance(stmt, ast.If) or stmt.orelse:
            return None
        names = _compared_literals(stmt.test)
        if names is None:
            return None
        answered |= names
    return answered


def _compared_literals(test: ast.expr) -> set[str] | None:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1:
        right = test.comparators[0]
        if isinstance(test.ops[0], ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            return {right.value}
        if isinstance(test.ops[0], ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            keys = right.keys if isinstance(right, ast.Dict) else right.elts
            if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
                return {k.value for k in keys}  # type: ignore[union-attr]
    return None


def _self_writing(ctx: RuleContext, path: str) -> bool:
    source = _without_comments(ctx.graph.source(path))
    if _DYNAMIC_SOURCE.search(source):
        return True
    targets = {m.group(1) for m in _SETATTR.finditer(source)}
    return bool(targets) and bool(targets & _names_for_itself(ctx, path))  # setattr(this_module, ...)


def _names_for_itself(ctx: RuleContext, path: str) -> set[str]:
    """Names this file binds, by importing, to its own module (`from numpy import dtypes` in dtypes.py)."""
    facts = ctx.graph.facts(path)
    own = set(ctx.graph.modules_of(path))
    out: set[str] = set()
    for imp in facts.imports if facts else ():
        for base in ctx.resolver.absolute_module(path, imp):
            target = base if imp.name is None else f"{base}.{imp.name}"
            if target in own:
                out.add(imp.alias or (imp.name if imp.name else base.split(".")[0]))
    return out


def _without_comments(source: str) -> str:
    """Source with `#` comments removed (a `#` after an odd number of quotes is left alone)."""
    out = []
    for line in source.splitlines():
        cut = line.find("#")
        while cut != -1 and (line.count('"', 0, cut) % 2 or line.count("'", 0, cut) % 2):
            cut = line.find("#", cut + 1)
        out.append(line if cut == -1 else line[:cut])
    return "\n".join(out)


def probed(ctx: RuleContext, path: str, name: str) -> bool:
    """The file asks whether `name` exists before using it (`hasattr(mod, "name")`, `getattr(mod, "name", d)`)."""
    pattern = rf"""(?:hasattr|getattr)\([^)]*['"]{re.escape(name)}['"]"""
    return re.search(pattern, ctx.graph.source(path)) is not None


_SCRIPT_DIRS = frozenset({"tests", "test", "testing", "examples", "example", "scripts", "docs", "doc",
                          "benchmarks", "bench", "tools", "demo", "demos", "samples", "sample"})


def trusted_top(ctx: RuleContext, importer: str, module: str) -> bool:
    """Whether the repository really provides the top-level package of `module` to `importer`.

    The graph also treats nested directories as import roots (like pytest's rootdir insertion), so a
    package `plugins/requests/` is top-level `requests` there. A missing name is only trusted when the
    package sits at a main root, or in a tests/examples/scripts directory the importer also lives in (the
    directory those files run from); a namespace directory inside a package is never an import root."""
    top = module.split(".")[0]
    roots = {r.strip("/") for r in getattr(ctx.graph.layout, "roots", ("", "src"))}
    paths = ctx.graph.paths_of(top) or [p for p in ctx.graph.files() if f"/{top}/" in f"/{p}"]
    for path in paths:
        cut = f"/{path}".rfind(f"/{top}/") if f"/{top}/" in f"/{path}" else f"/{path}".rfind(f"/{top}.py")
        anchor = path[:max(cut, 0)].rstrip("/")
        if anchor in roots:
            return True
        if anchor.split("/")[0] in _SCRIPT_DIRS and importer.startswith(anchor + "/"):
            return True
    return False


_ALL_CHANGED = re.compile(r"__all__\s*(?:\+=|\.(?:append|extend|insert|remove)\b|\[)|__all__\s*=\s*(?![\[(])")


def star_sources_unsure(ctx: RuleContext, module: str, depth: int = 3) -> bool:
    """`module` star-imports from a module whose `__all__` is built or changed at run time (anywhere in
    its source, functions included), so what the star provides cannot be listed."""
    if depth <= 0:
        return True
    for path in ctx.graph.paths_of(module):
        facts = ctx.graph.facts(path)
        if facts is None:
            return True
        for imp in facts.imports:
            if imp.name != "*":
                continue
            for target in ctx.resolver.absolute_module(path, imp):
                sources = [ctx.graph.source(p) for p in ctx.graph.paths_of(target)]
                if any(_ALL_CHANGED.search(src) for src in sources) or star_sources_unsure(ctx, target, depth - 1):
                    return True
    return False


def unsure_missing(ctx: RuleContext, importer: str, module: str, name: str) -> bool:
    """Every gate-side reason to doubt a graph answer "`name` is missing from `module`"."""
    return (is_dunder(name) or not trusted_top(ctx, importer, module) or probed(ctx, importer, name)
            or star_binds_submodule(ctx, module, name) or binds_dynamically(ctx, module, name)
            or star_sources_unsure(ctx, module))


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")
