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
from functools import lru_cache
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
                   "pass", "lambda", "yield", "assert", "while", "break", "continue", "the", "to", "of",
                   "failed", "assertionerror", "py"})  # pytest's own words in a failure report


def words(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(_expand(word))
    return out


@lru_cache(maxsize=65536)
def _expand(word: str) -> tuple[str, ...]:
    """A word's terms: itself lowercased, and its parts when it has several (none for stop words)."""
    low = word.lower()
    if low in _STOP or len(low) < 2:
        return ()
    parts = _PART.findall(word)
    if len(parts) < 2:
        return (low,)
    return (low, *(p.lower() for p in parts if p.lower() not in _STOP and len(p) > 1))


@dataclass(frozen=True)
class Chunk:
    path: str
    definition: Definition
    identifiers: Counter[str]  # as written; a query's terms are matched through `_expand`
    length: int


def chunks(graph: Graph, paths: Iterable[str], lines_of: Callable[[str], list[str]],
           limit: int | None = None) -> list[Chunk]:
    """The chunks of `paths`, in order, stopping after the file that reaches `limit` chunks."""
    out: list[Chunk] = []
    for path in paths:
        facts = graph.facts(path)
        if facts is None:
            continue
        if limit is not None and len(out) >= limit:
            break
        lines = lines_of(path)
        defs = sorted((d for d in facts.definitions if d.kind != "variable"), key=lambda d: (d.line, -d.end_line))
        holes: dict[str, list[tuple[int, int]]] = {}  # a class's members, cut out of its own chunk
        for d in defs:
            if "." in d.qualname:
                holes.setdefault(d.qualname.rsplit(".", 1)[0], []).append((d.line, d.end_line))
        open_functions: list[int] = []  # end lines of the functions enclosing the current line
        for d in defs:
            while open_functions and open_functions[-1] < d.line:
                open_functions.pop()
            if open_functions and d.end_line <= open_functions[-1]:
                continue  # nested in a function: part of that chunk
            if d.kind == "function":
                open_functions.append(d.end_line)
            text = "\n".join(_rows(lines, d.line, d.end_line, holes.get(d.qualname, [])))
            identifiers = Counter(_WORD.findall(text))
            identifiers.update(d.qualname.split("."))
            out.append(Chunk(path, d, identifiers, identifiers.total()))
    return out


def _rows(lines: list[str], start: int, end: int, holes: list[tuple[int, int]]) -> list[str]:
    out: list[str] = []
    row = start
    for lo, hi in sorted(holes):
        out += lines[row - 1:lo - 1]
        row = max(row, hi + 1)
    return out + lines[row - 1:end]


def bm25(found: list[Chunk], query: str) -> dict[tuple[str, str], float]:
    """BM25 score of each chunk for `query`, keyed by (path, qualname); zero scores left out. A chunk's
    term frequencies count its identifiers through their terms (`parse_header` -> parse_header, parse,
    header); only the identifiers that yield a query term are looked at."""
    wanted = set(words(query))
    if not found or not wanted:
        return {}
    vocabulary: set[str] = set().union(*(c.identifiers.keys() for c in found))
    related = {w: hits for w in vocabulary if (hits := wanted.intersection(_expand(w)))}
    keys = related.keys()
    tfs: list[dict[str, int]] = []
    df: Counter[str] = Counter()
    for chunk in found:
        tf: dict[str, int] = {}  # (a plain dict: a Counter's missing-key hook runs in Python for every new term)
        identifiers = chunk.identifiers
        for word in identifiers.keys() & keys:
            count = identifiers[word]
            for term in related[word]:
                tf[term] = tf.get(term, 0) + count
        tfs.append(tf)
        df.update(tf.keys())
    n, avg = len(found), sum(c.length for c in found) / len(found)
    idf = {w: math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5)) for w in df}
    out: dict[tuple[str, str], float] = {}
    for chunk, tf in zip(found, tfs, strict=True):
        if not tf:
            continue
        norm = K1 * (1 - B + B * chunk.length / max(avg, 1.0))
        # (fsum: the same float whatever order the terms came in, which follows the hash seed of `str`)
        out[(chunk.path, chunk.definition.qualname)] = math.fsum(idf[w] * f * (K1 + 1) / (f + norm)
                                                                 for w, f in tf.items())
    return out
