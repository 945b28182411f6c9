"""Language adapters: what the graph needs from a language, registered in one literal dict.

An adapter owns its file suffixes and turns a file's bytes into `FileFacts` (definitions, imports, uses, local
diagnostics, doubts) at parse time, so the store caches them by blob SHA and the gate reads them without
knowing the language. Adding JavaScript/TypeScript means one module implementing `Language` and one line in
`LANGUAGES`; the gate and the store do not change. (Module resolution, `bot.graph.layout`, is still Python's
package model: a second language brings its own resolver next to its adapter.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.graph.model import FileFacts


class Language(Protocol):
    name: str
    suffixes: tuple[str, ...]  # source files the graph parses
    stub_suffixes: tuple[str, ...]  # declaration-only files consulted next to the sources

    def parse(self, data: bytes, target: tuple[int, int], *, sha: str | None = None) -> FileFacts:
        """The facts of one file's bytes; never raises on any input (a broken file is a fact, not an error)."""
        ...


class Python:
    name: str = "python"
    suffixes: tuple[str, ...] = (".py",)
    stub_suffixes: tuple[str, ...] = (".pyi",)

    def parse(self, data: bytes, target: tuple[int, int], *, sha: str | None = None) -> FileFacts:
        from bot.graph.python_parser import parse_python  # tree-sitter loads only when a file must be parsed

        return parse_python(data, target, sha=sha)


LANGUAGES: dict[str, Language] = {
    "python": Python(),
}
SOURCE_SUFFIXES = tuple(s for lang in LANGUAGES.values() for s in lang.suffixes)
ALL_SUFFIXES = SOURCE_SUFFIXES + tuple(s for lang in LANGUAGES.values() for s in lang.stub_suffixes)


def language_of(path: str) -> Language | None:
    """The adapter that parses `path`, by its suffix (stubs included), or None."""
    for lang in LANGUAGES.values():
        if path.endswith(lang.suffixes + lang.stub_suffixes):
            return lang
    return None
