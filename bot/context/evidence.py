"""What a failure's text names besides its frames: the statements that failed and the objects it shows.

A pytest report marks the failing statement of each frame with `>` and follows it with the frame's
`path:line:`; the names in a failing statement of the test are the code under test it was exercising. The
`E` lines name definitions too: object reprs (`<pkg.mod.Cls object at 0x…>`, `<bound method Cls.meth of …>`,
`<function name at 0x…>`), pytest's assertion introspection (`+  where 18 = <…>.pos`, `= get_names(…)`), and
the messages of the exceptions that point at a definition (`Cls.__init__() got an unexpected keyword
argument`, `'Cls' object has no attribute 'x'`, `cannot import name 'x' from 'pkg.mod'`).
Pure text parsing: resolving the names on the graph is the ranking's job.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

_FRAME_LINE = re.compile(r"^(?P<path>[\w./\\~:-]*\w\.py):(?P<line>\d+):")
_CHAIN = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_QUALNAME = r"[A-Za-z_]\w*(?:\.(?:<locals>|[A-Za-z_]\w*))*"  # a closure's: outer.<locals>.inner
_REPR = re.compile(rf"<(?:bound method |function |class '|enum '|)({_QUALNAME})(?:'>| object at 0x| of <| at 0x)")
_WHERE_CALL = re.compile(r"^E\s+[+]?\s*(?:where|and)\b.*?=\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\(")
_SIGNATURE_ERROR = re.compile(rf"(?<![\w.<>])({_QUALNAME})\(\) (?:got an unexpected keyword|got multiple values|"
                              r"missing \d+ required|takes \d+|takes from|takes no)")
_NO_ATTRIBUTE = re.compile(r"'([A-Za-z_]\w*)' object has no attribute '([A-Za-z_]\w*)'")
_TYPE_NO_ATTRIBUTE = re.compile(r"type object '([A-Za-z_]\w*)' has no attribute '([A-Za-z_]\w*)'")
_MODULE_ATTRIBUTE = re.compile(r"module '([\w.]+)' has no attribute '([A-Za-z_]\w*)'")
_CANNOT_IMPORT = re.compile(r"cannot import name '([A-Za-z_]\w*)' from '([\w.]+)'")
_BUILTIN_REPRS = frozenset({"function", "lambda", "genexpr", "listcomp", "dictcomp", "module", "built-in"})
MAX_NAMES = 40


class Clue(Enum):
    FAILING_LINE = "failing line"  # a name in a statement marked `>`
    SHOWN = "shown in the failure"  # a repr, an introspected call, an exception's subject
    MODULE = "module named by the failure"  # a module the failure names (`cannot import name … from`)


@dataclass(frozen=True)
class Named:
    """A dotted name the failure text shows, where it was seen (`path` of the frame for a failing line)."""

    chain: tuple[str, ...]
    clue: Clue
    path: str = ""


def failing_lines(failure: str) -> list[tuple[str, str]]:
    """(frame path as written, statement text) of each `>` line, in text order."""
    return [(path, text) for path, _, texts in _failing_statements(failure) for text in texts]


def _failing_statements(failure: str) -> Iterator[tuple[str, int, list[str]]]:
    """(frame path as written, frame line, the `>` statements shown above that frame line) per frame."""
    pending: list[str] = []
    for line in failure.splitlines():
        if line.startswith(">"):
            pending.append(line[1:].strip())
            continue
        match = _FRAME_LINE.match(line)
        if match is not None:
            yield match["path"], int(match["line"]), pending
            pending = []


OBJECT = "<object>"  # the head of `f(x).meth()`: a method called on a value without a name
_CALLED_ON_RESULT = re.compile(r"[)\]]\.([A-Za-z_]\w*)\s*\(")
_EXPECTING = re.compile(r"^(?:async\s+)?with\s+(?:pytest\.)?(?:raises|warns|deprecated_call)\(")


def expectation_blocks(failure: str) -> list[tuple[str, int]]:
    """(frame path as written, line) of failing statements that are `with pytest.raises(...)`,
    `pytest.warns` or `pytest.deprecated_call` blocks: "DID NOT RAISE" means the code under test is
    the block's body, not the `with` line."""
    return [(path, line) for path, line, texts in _failing_statements(failure)
            if any(_EXPECTING.match(text) for text in texts)]


def block_names(lines: list[str], start: int) -> list[tuple[str, ...]]:
    """The dotted names in the body of the block whose header is line `start` (1-based) of `lines`."""
    if not 0 < start <= len(lines):
        return []
    header = lines[start - 1]
    indent = len(header) - len(header.lstrip())
    body: list[str] = []
    for row in lines[start:]:
        if row.strip() and len(row) - len(row.lstrip()) <= indent:
            break
        body.append(row)
    code = _code_only(" ".join(body))
    chains = [tuple(c.split(".")) for c in dict.fromkeys(_CHAIN.findall(code)) if not keyword.iskeyword(c.split(".")[0])]
    return chains + [(OBJECT, name) for name in dict.fromkeys(_CALLED_ON_RESULT.findall(code))]


def named(failure: str) -> list[Named]:
    """The names the failure shows, failing lines first, without repeats, at most MAX_NAMES."""
    found: dict[tuple[tuple[str, ...], Clue], Named] = {}

    def add(text: str, clue: Clue, path: str = "") -> None:
        chain = tuple(text.split(".<locals>.", 1)[0].split("."))  # a closure: the function that made it
        if keyword.iskeyword(chain[0]) or chain[-1] in _BUILTIN_REPRS or (chain, clue) in found or len(found) >= MAX_NAMES:
            return
        found[(chain, clue)] = Named(chain, clue, path)

    for path, statement in failing_lines(failure):
        for chain in _CHAIN.findall(_code_only(statement)):
            add(chain, Clue.FAILING_LINE, path)
    for line in failure.splitlines():
        if not line.startswith("E "):
            continue
        for text in _REPR.findall(line) + _WHERE_CALL.findall(line) + _SIGNATURE_ERROR.findall(line):
            add(text, Clue.SHOWN)
        for cls, attr in _NO_ATTRIBUTE.findall(line) + _TYPE_NO_ATTRIBUTE.findall(line):
            add(cls, Clue.SHOWN)
            add(f"{cls}.{attr}", Clue.SHOWN)
        for module, _attr in _MODULE_ATTRIBUTE.findall(line):
            add(module, Clue.MODULE)
        for _name, module in _CANNOT_IMPORT.findall(line):
            add(module, Clue.MODULE)
    return list(found.values())


def _code_only(statement: str) -> str:
    """The statement without its string literals and comment (their words are not names)."""
    text = re.sub(r"([rbfuRBFU]{0,2})('''|\"\"\"|'|\")(?:\\.|(?!\2).)*?\2", " ", statement)
    return text.split("#", 1)[0]
