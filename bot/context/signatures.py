"""Code and signatures of definitions, cut from a file's current text by the graph's line spans."""

from __future__ import annotations

import io
import tokenize
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.graph.model import Definition, FileFacts

_MAX_HEADER_LINES = 40


def symbol_code(source: str, definition: Definition | None) -> tuple[str, tuple[int, int]]:
    """The text of `definition` (decorators included) and its 1-based line span; the whole file for None."""
    lines = source.splitlines(keepends=True)
    if definition is None:
        return "".join(lines), (1, len(lines))
    start, end = max(1, definition.line), min(len(lines), definition.end_line)
    text = "".join(lines[start - 1:end])
    return (text if text.endswith("\n") else text + "\n"), (start, end)


def signature_text(source: str, definition: Definition, facts: FileFacts | None) -> str:
    """Decorators, the def/class header with its parameters, the docstring's first line and `...`.

    A class also shows its `__init__` header, so the model knows how to build one."""
    lines = source.splitlines()
    out = _header(lines, definition)
    body_indent = " " * 4
    if definition.doc:
        out.append(f'{body_indent}"""{_one_line(definition.doc)}"""')
    if definition.kind == "class" and facts is not None:
        init = next((d for d in facts.definitions if d.qualname == definition.qualname + ".__init__"), None)
        if init is not None:
            out += [body_indent + line for line in _header(lines, init, decorators=False)]
            out.append(body_indent * 2 + "...")
            return "\n".join(out) + "\n"
    out.append(body_indent + "...")
    return "\n".join(out) + "\n"


def _one_line(doc: str) -> str:
    return doc.strip().replace('"""', "'''")


def _header(lines: list[str], definition: Definition, *, decorators: bool = True) -> list[str]:
    """The source lines from the decorators (or the def/class keyword) to the header's colon, dedented."""
    start = definition.line - 1
    stop = min(len(lines), definition.end_line, definition.line + _MAX_HEADER_LINES)
    chunk = lines[start:stop]
    keyword_row = next((i for i, line in enumerate(chunk)
                        if line.lstrip().startswith(("def ", "class ", "async def"))), 0)
    end_row = _colon_row(chunk, keyword_row)
    first = 0 if decorators else keyword_row
    indent = len(chunk[keyword_row]) - len(chunk[keyword_row].lstrip()) if chunk else 0
    picked = chunk[first:end_row + 1] if chunk else [f"{definition.qualname}  # source unavailable"]
    return [line[indent:] if line[:indent].isspace() else line.lstrip() for line in picked]


def _colon_row(chunk: list[str], keyword_row: int) -> int:
    """The row (0-based in `chunk`) of the colon that ends the def/class header."""
    text = "\n".join(chunk[keyword_row:]) + "\n"
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
            elif tok.type == tokenize.OP and tok.string == ":" and depth == 0:
                return keyword_row + tok.start[0] - 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return keyword_row
