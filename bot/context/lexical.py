"""Lexical similarity (BM25) between a failure and definition-sized chunks of code: one ranking signal.

A chunk is a function, a method, or a class's own body without its methods (definitions nested in a
function belong to it). Words are identifiers, lowercased, plus their snake_case / CamelCase parts, so
`parse_header` in a failure matches `ParseHeader` and `header`. Only the files given are indexed (the
ranking passes the graph's neighbourhood of the target), which keeps a 3,000-file repository fast.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from bot.graph import Graph
    from bot.graph.model import Definition

K1, B = 1.2, 0.75
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PART = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_STOP = frozenset({"self", "cls", "def", "class", "return", "if", "else", "elif", "for", "in", "not", "and", "or",
                   "is", "none", "true", "false", "import", "from", "as", "with", "try", "except", "raise",
                   "pass", "lambda", "yield", "assert", "while", "break", "continue", "the", "a", "to", "of"})


def words(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower()
        if low in _STOP or len(low) < 2:
            continue
        out.append(low)
        parts = _PART.findall(word)
        if len(parts) > 1:
            out.extend(p.lower() for p in parts if p.lower() not in _STOP and len(p) > 1)
    return out


@dataclass(frozen=True)
class Chunk:
    path: str
    definition: Definition
    terms: Counter[str]
    length: int


def chunks(graph: Graph, paths: Iterable[str], source: Callable[[str], str]) -> list[Chunk]:
    out: list[Chunk] = []
    for path in paths:
        facts = graph.facts(path)
        if facts is None:
            continue
        lines = source(path).splitlines()
        funcs = [d for d in facts.definitions if d.kind == "function"]
        for d in facts.definitions:
            if d.kind == "variable" or any(f.line < d.line and d.end_line <= f.end_line for f in funcs):
                continue
            rows = set(range(d.line, d.end_line + 1))
            if d.kind == "class":  # its own body: members are chunks of their own
                for m in facts.definitions:
                    if m.qualname.startswith(d.qualname + ".") and m.kind != "variable":
                        rows -= set(range(m.line, m.end_line + 1))
            terms = Counter(words("\n".join(lines[r - 1] for r in sorted(rows) if r <= len(lines))))
            terms.update(words(d.qualname))
            out.append(Chunk(path, d, terms, sum(terms.values())))
    return out


def bm25(found: list[Chunk], query: str) -> dict[tuple[str, str], float]:
    """BM25 score of each chunk for `query`, keyed by (path, qualname); zero scores left out."""
    wanted = set(words(query))
    if not found or not wanted:
        return {}
    df: Counter[str] = Counter()
    for chunk in found:
        df.update(wanted & chunk.terms.keys())
    n, avg = len(found), sum(c.length for c in found) / len(found)
    idf = {w: math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5)) for w in df}
    out: dict[tuple[str, str], float] = {}
    for chunk in found:
        norm = K1 * (1 - B + B * chunk.length / max(avg, 1.0))
        score = sum(idf[w] * chunk.terms[w] * (K1 + 1) / (chunk.terms[w] + norm)
                    for w in wanted & chunk.terms.keys())
        if score > 0:
            out[(chunk.path, chunk.definition.qualname)] = score
    return out
