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

_NOQA = re.compile(r"#\s*noqa(?::\s*([A-Z0-9, ]+))?", re.IGNORECASE)
_TYPE_IGNORE = re.compile(r"#\s*(?:type|pyright):\s*ignore(?:\[([^\]]*)\])?")
_CROSS_FILE = frozenset({"missing-module", "missing-symbol", "missing-attribute", "arity-mismatch"})
_NOQA_CODES = {"F821": {"undefined-name"}, "F822": {"undefined-name"}, "E999": {"syntax-error"},
               "F401": set(), "F811": set()}
_TYPE_CODES = {
    "attr-defined": {"missing-attribute", "missing-symbol"},
    "import": {"missing-module", "missing-symbol"}, "import-not-found": {"missing-module", "missing-symbol"},
    "import-untyped": set(), "call-arg": {"arity-mismatch"}, "misc": {"arity-mismatch"},
    "name-defined": {"undefined-name"}, "reportAttributeAccessIssue": {"missing-attribute", "missing-symbol"},
    "reportMissingImports": {"missing-module", "missing-symbol"}, "reportCallIssue": {"arity-mismatch"},
    "reportUndefinedVariable": {"undefined-name"},
}


def foreign_suppressions(line: str) -> set[str]:
    """The rules a `# noqa` / `# type: ignore` / `# pyright: ignore` comment on `line` silences."""
    out: set[str] = set()
    m = _NOQA.search(line)
    if m:
        codes = [c.strip().upper() for c in (m.group(1) or "").split(",") if c.strip()]
        if not codes:
            out |= _CROSS_FILE | {"undefined-name"}
        for c in codes:
            out |= _NOQA_CODES.get(c, set())
    m = _TYPE_IGNORE.search(line)
    if m:
        codes = [c.strip() for c in (m.group(1) or "").split(",") if c.strip()]
        if not codes:
            out |= _CROSS_FILE | {"undefined-name"}
        for c in codes:
            out |= _TYPE_CODES.get(c, set())
    return out


def quiet_lines(source: str) -> set[int]:
    """Lines inside expected-failure blocks or unreachable code."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(_expects_failure(i.context_expr) for i in node.items):
            lines |= _span(node.body)
        body_lists = [getattr(node, f, None) for f in ("body", "orelse", "finalbody")]
        for body in body_lists:
            if isinstance(body, list):
                lines |= _unreachable(body)
        if isinstance(node, (ast.If, ast.While)) and _constant(node.test) is False:
            lines |= _span(node.body)
    return lines


def _expects_failure(expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return "raises" in name.lower()


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
