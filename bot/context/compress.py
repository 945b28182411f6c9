"""Strip comments and blank lines from Python code without touching strings.

Works on whole files and on extracted snippets (an indented method is fine). The tokenizer decides what
is a comment, so a `#` inside a string and blank lines inside a triple-quoted string are kept; docstrings
are code and stay. When the tokenizer rejects the text, the original is returned and the reason recorded.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12+ splits f-strings into tokens
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
# On Python < 3.12 a 3.12 f-string with nested quotes (`f"{d["#"]}"`) tokenizes wrongly; see _nested_fstring.


@dataclass(frozen=True)
class Compressed:
    text: str
    ok: bool  # False when the text could not be tokenized and is returned unchanged
    reason: str = ""


def compress_python(source: str) -> Compressed:
    """`source` without comments and blank lines; strings (and so code semantics) exactly as they were."""
    if "#" not in source and '"""' not in source and "'''" not in source and "\\\n" not in source:
        # no comment, and no string can span lines: only the blank lines go (no tokenizer needed)
        return Compressed("".join(line for line in source.splitlines(keepends=True) if line.strip()), ok=True)
    try:
        comments, protected = _scan(source)
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        return Compressed(source, ok=False, reason=f"not compressed: tokenizer failed ({exc})")
    out: list[str] = []
    for row, line in enumerate(source.splitlines(keepends=True), start=1):
        if row in comments:  # a comment runs to the end of its line and is never inside a string
            body = line[: comments[row]].rstrip()
            line = body + "\n" if body else ""
        if line.strip() or (row in protected and line):
            out.append(line)
    return Compressed("".join(out), ok=True)


def _nested_fstring(token: str) -> bool:
    """A single-quoted f-string with unbalanced braces: Python 3.12 syntax (`f"{d["k"]}"`) that an older
    tokenizer cuts at the inner quote, so a `#` after it may be string, not comment."""
    prefix = token[: len(token) - len(token.lstrip("rRbBuUfF"))]
    body = token[len(prefix):]
    if "f" not in prefix.lower() or body[:3] in ('"""', "'''"):
        return False
    body = body.replace("{{", "").replace("}}", "")
    return body.count("{") != body.count("}")


def _scan(source: str) -> tuple[dict[int, int], set[int]]:
    """Comment start columns by row, and the rows a string continues onto (never edited)."""
    comments: dict[int, int] = {}
    protected: set[int] = set()
    fstring_starts: list[int] = []
    suspect: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            if tok.start[0] not in suspect:
                comments[tok.start[0]] = tok.start[1]
        elif tok.type == tokenize.STRING and _nested_fstring(tok.string):
            suspect.add(tok.end[0])  # the rest of this line is not what this tokenizer thinks it is
        elif tok.type == _FSTRING_START:
            fstring_starts.append(tok.start[0])
        elif tok.type == _FSTRING_END and fstring_starts:
            protected.update(range(fstring_starts.pop() + 1, tok.end[0] + 1))
        elif tok.end[0] > tok.start[0]:
            protected.update(range(tok.start[0] + 1, tok.end[0] + 1))
    return comments, protected


MAX_DOCSTRING_LINES = 3  # a longer docstring of code around the target keeps only its summary line


def fold_docstrings(source: str) -> tuple[str, int]:
    """`source` with every docstring longer than MAX_DOCSTRING_LINES lines folded to its summary line
    (`\"\"\"Summary. …\"\"\"`), and how many were folded. Documentation, not behaviour: used for the
    definitions around the target, never for the target itself. Unchanged when the code does not parse."""
    import textwrap

    if '"""' not in source and "'''" not in source:  # no string spans lines: nothing to fold
        return source, 0
    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError):
        return source, 0
    lines = source.splitlines(keepends=True)
    spans: list[tuple[int, int, str]] = []
    for first in _docstrings(tree):
        if first.end_lineno is not None and first.end_lineno - first.lineno + 1 > MAX_DOCSTRING_LINES:
            text = first.value.value if isinstance(first.value, ast.Constant) else ""
            summary = next((row.strip() for row in str(text).splitlines() if row.strip()), "")
            spans.append((first.lineno, first.end_lineno, summary.replace("\\", "\\\\").replace('"""', "'''")))
    for start, end, summary in sorted(spans, reverse=True):
        row = lines[start - 1]
        indent = row[: len(row) - len(row.lstrip())]
        lines[start - 1:end] = [f'{indent}"""{summary} …"""\n']
    return "".join(lines), len(spans)


def _docstrings(tree: ast.Module) -> list[ast.Expr]:
    """The docstring statements of a module and of the classes and functions in it, visiting statements
    only (never expressions, where most of a tree's nodes are)."""
    out: list[ast.Expr] = []
    stack: list[list[ast.stmt]] = [tree.body]
    scope_bodies = {id(tree.body)}
    while stack:
        body = stack.pop()
        first = body[0] if body else None
        if (id(body) in scope_bodies and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            out.append(first)
        for stmt in body:
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                scope_bodies.add(id(stmt.body))
                stack.append(stmt.body)
            else:
                for name in ("body", "orelse", "finalbody"):
                    inner = getattr(stmt, name, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                        stack.append(inner)
                for handler in getattr(stmt, "handlers", []):
                    stack.append(handler.body)
    return out
