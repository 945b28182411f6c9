"""Code and signatures of definitions, cut from a file's current text by the graph's line spans."""

from __future__ import annotations

import io
import tokenize
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.context.compress import compress_python

if TYPE_CHECKING:
    from bot.graph.model import Definition, FileFacts

_MAX_HEADER_LINES = 40


@lru_cache(maxsize=32)
def split_lines(source: str, keepends: bool = False) -> list[str]:
    """`source.splitlines()`, kept for the files a context reads again and again (do not mutate)."""
    return source.splitlines(keepends=keepends)


def symbol_code(source: str, definition: Definition | None) -> tuple[str, tuple[int, int]]:
    """The text of `definition` (decorators included) and its 1-based line span; the whole file for None."""
    lines = split_lines(source, True)
    if definition is None:
        return "".join(lines), (1, len(lines))
    start, end = max(1, definition.line), min(len(lines), definition.end_line)
    text = "".join(lines[start - 1:end])
    return (text if text.endswith("\n") else text + "\n"), (start, end)


def import_block(source: str, facts: FileFacts | None) -> tuple[str, tuple[int, int]] | None:
    """The module-level import statements of a file, in order, and the span of lines they occupy."""
    if facts is None:
        return None
    rows = sorted({row for imp in facts.imports if imp.scope == "module" and not imp.guarded
                   for row in range(imp.line, imp.end_line + 1)})
    if not rows:
        return None
    lines = split_lines(source, True)
    text = "".join(lines[r - 1] for r in rows if r <= len(lines))
    return (text if text.endswith("\n") else text + "\n"), (rows[0], rows[-1])


def signature_text(source: str, definition: Definition, facts: FileFacts | None) -> str:
    """Decorators, the def/class header with its parameters, the docstring's first line and `...`.

    A class also shows its `__init__` header, so the model knows how to build one."""
    lines = split_lines(source)
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
    """The decorators (unless not wanted) and the def/class header up to its colon, on one line."""
    start = definition.line - 1
    stop = min(len(lines), definition.end_line, definition.line + _MAX_HEADER_LINES)
    chunk = lines[start:stop]
    keyword_row = next((i for i, line in enumerate(chunk)
                        if line.lstrip().startswith(("def ", "class ", "async def"))), 0)
    end_row = _colon_row(chunk, keyword_row)
    if not chunk:
        return [f"{definition.qualname}  # source unavailable"]
    first = 0 if decorators else keyword_row
    decorator_lines = [line.strip() for line in chunk[first:keyword_row]]
    header = compress_python("\n".join(chunk[keyword_row:end_row + 1]) + "\n")  # comments out
    return [*decorator_lines, _one_line_header(header.text.splitlines())]


def _one_line_header(lines: list[str]) -> str:
    """A def/class header spread over several lines, joined into one (only line boundaries change,
    and a string literal never spans one here)."""
    out = lines[0].strip()
    for line in lines[1:]:
        piece = line.strip()
        if not piece:
            continue
        if piece[0] in ")]}":
            out = out.rstrip(",")
        elif out[-1] not in "([{":
            out += " "
        out += piece
    return out


def _colon_row(chunk: list[str], keyword_row: int) -> int:
    """The row (0-based in `chunk`) of the colon that ends the def/class header."""
    first = chunk[keyword_row] if keyword_row < len(chunk) else ""
    if first.rstrip().endswith(":") and first.count("(") == first.count(")") and "#" not in first \
            and "'" not in first and '"' not in first:
        return keyword_row  # a one-line header: no need to tokenize
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


MAX_SKELETON_CHARS = 1400  # about 350 tokens: the members past it are counted, not shown
MAX_MEMBER_LINE = 140


def skeleton_text(source: str, definition: Definition, facts: FileFacts | None,
                  max_chars: int = MAX_SKELETON_CHARS) -> str:
    """A class's skeleton: its header, docstring line, and one line per member (attributes as written,
    methods as their signature with `...`; a very long signature as `(…)`), for a class too large to show
    in full. Members past `max_chars` are counted in a last comment line."""
    lines = split_lines(source)
    out = _header(lines, definition)
    indent = " " * 4
    if definition.doc:
        out.append(f'{indent}"""{_one_line(definition.doc)}"""')
    prefix = definition.qualname + "."
    members = [d for d in (facts.definitions if facts is not None else ())
               if d.qualname.startswith(prefix) and "." not in d.qualname[len(prefix):]]
    size = sum(len(row) for row in out)
    for shown, member in enumerate(members):
        if member.kind == "variable":
            row = lines[member.line - 1].strip() if member.line <= len(lines) else member.name
            rows = [compress_python(row + "\n").text.strip()]
        else:
            rows = _header(lines, member)
            rows[-1] += " ..."
        rows = [r if len(r) <= MAX_MEMBER_LINE else _short(r, member) for r in rows]
        size += sum(len(r) + 5 for r in rows)
        if size > max_chars:
            out.append(f"{indent}# … {len(members) - shown} more members")
            break
        out += [indent + r for r in rows]
    return "\n".join(out) + "\n"


def _short(row: str, member: Definition) -> str:
    if member.kind == "variable":
        return row[:MAX_MEMBER_LINE] + " …"
    keyword = "async def" if member.is_async else "def"
    return f"{keyword} {member.name}(…): ..." if row.lstrip().startswith(("def", "async")) else row[:MAX_MEMBER_LINE]
