"""Places where a finding would be noise even though the analysis is right: code that is expected to fail
(`with pytest.raises(...)`, `self.assertRaises...`), unreachable code, and the project's own suppression
comments for the same class of problem (`# noqa`, `# type: ignore[...]`, `# pyright: ignore`).

Computed only for files that have findings, so the `ast` parse here is rare.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable

from bot.graph.names import last_name
from bot.graph.python_doubts import environment_test, platform_test, version_split

_NOQA = re.compile(r"#\s*noqa(?::\s*([A-Z0-9, ]+))?", re.IGNORECASE)
_TYPE_IGNORE = re.compile(r"#\s*(?:type|pyright|ty):\s*ignore(?:\[([^\]]*)\])?")
_OTHER_IGNORE = re.compile(r"#\s*(?:pyrefly:\s*ignore|pyre-ignore|pyre-fixme)\b")
_CROSS_FILE = frozenset({"missing-module", "missing-symbol", "missing-attribute", "missing-member", "arity-mismatch"})
_TYPE_ONLY = frozenset({"missing-attribute", "missing-member", "arity-mismatch"})
_NOQA_CODES = {"F821": {"undefined-name"}, "F822": {"undefined-name"}, "E999": {"syntax-error"},
               "F401": set(), "F811": set()}
_TYPE_CODES = {
    "attr-defined": {"missing-attribute", "missing-member", "missing-symbol"},
    "union-attr": {"missing-member"},
    "import": {"missing-module", "missing-symbol"}, "import-not-found": {"missing-module", "missing-symbol"},
    "import-untyped": set(), "call-arg": {"arity-mismatch"}, "misc": {"arity-mismatch"},
    "name-defined": {"undefined-name"}, "reportAttributeAccessIssue": {"missing-attribute", "missing-member", "missing-symbol"},
    "reportMissingImports": {"missing-module", "missing-symbol"}, "reportCallIssue": {"arity-mismatch"},
    "reportUndefinedVariable": {"undefined-name"},
}


def foreign_suppressions(line: str, *, predates_change: bool = False) -> set[str]:
    """The rules a `# noqa` / `# type: ignore` / `# pyright: ignore` comment on `line` silences.

    `predates_change`: the line is in a file the checked change does not touch, and the finding is about what
    the change removed or re-signed. A bare `# noqa` there was written for flake8, which never judges modules,
    imported names or signatures (`from .sub import *  # noqa` is about F403): it cannot have been about this
    break, so it silences only `undefined-name`. A bare `# type: ignore` / `# pyright: ignore` there was written
    while the removed name still existed, so about another typing complaint (alembic's
    `sqla_compat.url_render_as_string(u, hide_password=True)  # type: ignore`): it silences nothing of it."""
    out: set[str] = set()
    m = _NOQA.search(line)
    if m:
        codes = [c.strip().upper() for c in (m.group(1) or "").split(",") if c.strip()]
        if not codes:
            out |= {"undefined-name"} if predates_change else _CROSS_FILE | {"undefined-name"}
        for c in codes:
            out |= _NOQA_CODES.get(c, set())
    # A type checker's bare ignore is about types: it covers what only a checker could call wrong
    # (attributes, signatures), not names or modules that fail at import.
    if _OTHER_IGNORE.search(line) and not predates_change:
        out |= _TYPE_ONLY
    m = _TYPE_IGNORE.search(line)
    if m:
        codes = [c.strip() for c in (m.group(1) or "").split(",") if c.strip()]
        if not codes and not predates_change:
            out |= _TYPE_ONLY
        for c in codes:
            out |= _TYPE_CODES.get(c, set())
    return out


# The exception each rule's problem raises at run time (what an expected-failure block must catch).
RAISES = {
    "missing-module": {"ImportError", "ModuleNotFoundError"}, "missing-symbol": {"ImportError"},
    "missing-attribute": {"AttributeError"}, "missing-member": {"AttributeError"}, "arity-mismatch": {"TypeError"}, "undefined-name": {"NameError"},
}
_ANY = {"Exception", "BaseException"}
_UNSURE = "?"  # the expected exception is not a plain name: it could be anything


_CROSS_MISSING = {"missing-module", "missing-symbol", "missing-attribute", "missing-member"}
_IMPORTS = {"missing-module", "missing-symbol"}
_MEMBERS = {"missing-attribute", "missing-member"}
# A test on the interpreter (version, implementation, type checking): the block may be dead on every supported
# Python, so nothing missing in it is claimed. Any other environment test (a feature's availability) runs its
# block somewhere; a repository module has the same names there, so only what the test probes is in doubt.
_VERSION_TEST = re.compile(r"version|TYPE_CHECKING|\bPY[A-Z0-9_]*\b|\bpy[23]|pypy|cpython|jython|implementation",
                           re.IGNORECASE)
_SKIPPING = re.compile(r"(?:^|\.)(?:xfail|skip)$", re.IGNORECASE)


def quiet_lines(source: str, target: tuple[int, int] | None = None, package: str = "") -> dict[int, set[str]]:
    """line -> the rules that are quiet there: everything in unreachable code and in tests marked xfail or
    skip; in a `with ...raises(E)` block or a `raises(E, lambda: ...)` call the rules whose exception `E`
    catches; in a `with ...patch...(...)` block the rules a mock can satisfy (attributes and signatures), only
    on the lines that name what a readable `patch("pkg.mod.name")` / `patch.object(obj, "name")` replaces;
    under an `if` on the environment (version, feature availability) the missing-* rules (one on the
    operating system only shields imports, judged with the facts: `python_doubts.guard_ranges`), and under one on the version whose
    branches both run on some Python from `target` on (`python_doubts.version_split`) the same, less relative
    imports: they name repository files, there on every version. `package`: the file's own regular package,
    whose modules (like relative imports) are there wherever a feature test lets its block run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out: dict[int, set[str]] = {}

    def mark(lines: set[int], rules: set[str]) -> None:
        for n in lines:
            out.setdefault(n, set()).update(rules)

    everything = set(RAISES)
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                patched = _patched_names(item.context_expr)
                if patched is not None:
                    mark(_uses_of(patched, node.body), _MOCKABLE)
                else:
                    mark(_span(node.body), _with_quiets(item.context_expr))
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                mark(_unreachable(body), everything)
        if isinstance(node, (ast.If, ast.While)) and _constant(node.test) is False:
            mark(_span(node.body), everything)
        if isinstance(node, (ast.If, ast.IfExp)) and environment_test(node.test):
            # what the test guards, not the test itself: `if man_pages.is_available():` always runs
            branches: list[ast.AST] = [*node.body, *node.orelse] if isinstance(node, ast.If) else \
                [node.body, node.orelse]
            guarded = set().union(*(_span_of(b) for b in branches)) - _span_of(node.test)
            test = ast.unparse(node.test)
            if platform_test(test):
                pass  # what it imports is judged by the facts (`python_doubts.guard_ranges`, `Doubts.platform_imports`)
            elif _VERSION_TEST.search(test) and target is not None and version_split(test, target):
                mark(guarded - _own_imports(branches, ""), _IMPORTS)
                mark(guarded, _MEMBERS)
            elif _VERSION_TEST.search(test):
                mark(guarded, _CROSS_MISSING)
            else:
                mark(guarded - _own_imports(branches, package), _IMPORTS)
                mark(_probed_uses(node.test, branches) - _span_of(node.test), _MEMBERS)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                if _SKIPPING.search(_dotted(d.func if isinstance(d, ast.Call) else d)):
                    mark(_span(node.body), _skipped_quiets(d))
        if isinstance(node, ast.Call) and "raises" in last_name(node.func).lower() and node.args:
            rules = _raises_quiets(node.args[0])
            for arg in node.args[1:]:
                if isinstance(arg, ast.Lambda):
                    mark(_span_of(arg), rules)
    return out


def _skipped_quiets(decorator: ast.expr) -> set[str]:
    """What a skip or xfail mark quiets in its test: everything, but for `xfail(..., raises=E)` only the rules
    whose exception `E` catches (jinja's `xfail(is_pypy, raises=TypeError)`: a `NameError` still fails it)."""
    raises = next((k.value for k in decorator.keywords if k.arg == "raises"), None) \
        if isinstance(decorator, ast.Call) else None
    return set(RAISES) if raises is None else _raises_quiets(raises)


def _own_imports(branches: list[ast.AST], package: str) -> set[int]:
    """Lines of the relative imports in `branches`, and of the absolute ones naming modules of `package` (none
    when `package` is "")."""
    def own(module: str) -> bool:
        return bool(package) and (module == package or module.startswith(package + "."))

    out: set[int] = set()
    for b in branches:
        for n in ast.walk(b):
            if (isinstance(n, ast.ImportFrom) and (n.level or own(n.module or ""))) or \
                    (isinstance(n, ast.Import) and n.names and all(own(a.name) for a in n.names)):
                out |= _span_of(n)
    return out


def _probed_uses(test: ast.expr, branches: list[ast.AST]) -> set[int]:
    """Lines of the guarded branches that use what the test probes: an attribute named by `hasattr(m, "x")` /
    `getattr(m, "x", None)`, or any attribute of the object probed (its other branch uses the fallback:
    `if hasattr(m, "new"): m.new() else: m.old()`). What the test reads itself always runs, and is judged."""
    names: set[str] = set()
    objects: set[str] = set()
    for n in ast.walk(test):
        if isinstance(n, ast.Call) and last_name(n.func) in ("hasattr", "getattr") and n.args:
            objects.add(_dotted(n.args[0]) or "?")
            names.update(a.value for a in n.args[1:2] if isinstance(a, ast.Constant) and isinstance(a.value, str))
    if "?" in objects:
        return set().union(*(_span_of(b) for b in branches))
    out: set[int] = set()
    for branch in branches:
        for n in ast.walk(branch):
            if isinstance(n, ast.Attribute) and (n.attr in names or _dotted(n.value) in objects):
                out |= _span_of(n)
    return out


def _span_of(node: ast.AST) -> set[int]:
    start = getattr(node, "lineno", 0)
    return set(range(start, (getattr(node, "end_lineno", None) or start) + 1))


_MOCKABLE = {"missing-attribute", "missing-member", "arity-mismatch"}  # what a mock can satisfy


def _patched_names(expr: ast.expr) -> set[str] | None:
    """The names on the way to what a readable `patch("pkg.mod.name", ...)` / `patch.object(obj, "name", ...)`
    replaces ({"pkg", "mod", "name"}: patching `Cls.__init__` changes what `Cls()` accepts); None when `expr` is
    no such patch (another patcher, `patch.dict`, a target that is not a literal: `_with_quiets` shields the
    whole block)."""
    if not isinstance(expr, ast.Call):
        return None
    func = _dotted(expr.func)
    if func.rpartition(".")[2] == "patch" and expr.args:
        target = expr.args[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str) and "." in target.value:
            return set(target.value.split("."))
    if func.endswith("patch.object") and len(expr.args) >= 2:
        obj, name = _dotted(expr.args[0]), expr.args[1]
        if obj and isinstance(name, ast.Constant) and isinstance(name.value, str):
            return {*obj.split("."), name.value}
    return None


def _uses_of(names: set[str], body: list[ast.stmt]) -> set[int]:
    """Lines of `body` that name one of `names` (as a name or an attribute), or a name assigned from one
    (`client = Client()` under `patch("pkg.Client")`): where the mock may be what runs."""
    names = set(names)
    out: set[int] = set()
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Assign) and _names_any(n.value, names):
                names |= {t.id for target in n.targets for t in ast.walk(target) if isinstance(t, ast.Name)}
            if _names_any(n, names) and isinstance(n, (ast.Name, ast.Attribute)):
                out |= _span_of(n)
    return out


def _names_any(node: ast.AST, names: set[str]) -> bool:
    return any((isinstance(n, ast.Name) and n.id in names) or (isinstance(n, ast.Attribute) and n.attr in names)
               for n in ast.walk(node))


def _with_quiets(expr: ast.expr) -> set[str]:
    if not isinstance(expr, ast.Call):
        return set()
    name = last_name(expr.func).lower()
    if "patch" in _dotted(expr.func).lower():
        return _MOCKABLE
    if "raises" not in name:
        return set()
    expected = expr.args[0] if expr.args else next(
        (k.value for k in expr.keywords if k.arg in ("expected_exception", "exception")), None)
    return _raises_quiets(expected)


def _raises_quiets(expected: ast.expr | None) -> set[str]:
    names = _exception_names(expected)
    if _UNSURE in names or names & _ANY:
        return set(RAISES)
    return {rule for rule, raised in RAISES.items() if raised & names}


def _exception_names(expr: ast.expr | None) -> set[str]:
    if expr is None:
        return {_UNSURE}
    if isinstance(expr, ast.Tuple):
        return set().union(*(_exception_names(e) for e in expr.elts)) if expr.elts else {_UNSURE}
    name = last_name(expr)
    return {name} if name else {_UNSURE}


def _unreachable(body: list[ast.stmt]) -> set[int]:
    for i, stmt in enumerate(body[:-1]):
        if _terminates(stmt):
            return _span(body[i + 1:])
    return set()


def _terminates(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(stmt, ast.If) and _constant(stmt.test) is True:
        return bool(stmt.body) and _terminates(stmt.body[-1])
    return False


def _constant(test: ast.expr) -> bool | None:
    if isinstance(test, ast.Constant) and isinstance(test.value, (bool, int)):
        return bool(test.value)
    return None


def _span(stmts: Iterable[ast.stmt]) -> set[int]:
    out: set[int] = set()
    for s in stmts:
        out.update(range(s.lineno, (s.end_lineno or s.lineno) + 1))
    return out


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))
