"""Where a name in a definition leads, for ranking: looser than the gate's resolution on purpose.

The gate must be sure (a decorated or conditional definition, a name bound twice, is "unknown" to it); the
context only needs the likely definition. So here a name reaches a decorated definition (`@dataclass`
classes, `@lru_cache` functions), a definition wins over an import of the same name (a module importing
itself under `if __name__ == "__main__":`), star imports of a package `__init__` are followed, a member is
looked up through the bases, and a dict literal of classes (`{"a": A, "b": B}`) reached by subscript leads
to every class in it. Read-only over the graph's facts; memoized per lookup object.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from bot.context.signatures import split_lines

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.model import Definition, FileFacts, ImportFact

MAX_DEPTH = 8
MAX_DICT_LINES = 300
_SELF_ATTR = re.compile(r"\b(?:self|cls)\.([A-Za-z_]\w*)")
_SUBSCRIPT = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*\[")
_DICT_START = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*(?::[^=\n]*)?=\s*\{")
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_NOT_CHAIN = re.compile(r"[^\w.\s]")


class Lookup:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._memo: dict[tuple[str, tuple[str, ...]], SymbolRef | None] = {}
        self._dicts: dict[tuple[str, str], list[str]] = {}
        self._defs: dict[str, dict[str, list[Definition]]] = {}
        self._dict_rows: dict[str, dict[str, list[tuple[int, int]]]] = {}
        self._keyed: dict[str, dict[str, list[str]]] = {}
        self._inner_imports: dict[str, list[ImportFact]] = {}
        self._bindings: dict[str, dict[str, list[ImportFact]]] = {}
        self._bound: dict[str, set[str]] = {}
        self.sources: dict[str, str] = {}  # each file read once per ranking (the context reads them again)

    def source(self, path: str) -> str:
        """The file's text as the graph sees it, read once per lookup object."""
        if path not in self.sources:
            self.sources[path] = self.graph.source(path)
        return self.sources[path]

    def binding(self, path: str, facts: FileFacts, name: str) -> list[ImportFact]:
        """The imports of `path` that bind `name`, module-level and unguarded first (indexed once per file)."""
        if path not in self._bindings:
            index: dict[str, list[ImportFact]] = {}
            for imp in facts.imports:
                if imp.name != "*":
                    index.setdefault(imp.alias or (imp.name if imp.name else imp.module.split(".")[0]), []).append(imp)
            self._bindings[path] = {k: sorted(v, key=lambda i: (i.scope != "module", i.guarded))
                                    for k, v in index.items()}
        return self._bindings[path].get(name, [])

    def defs(self, path: str) -> dict[str, list[Definition]]:
        """The file's functions and classes by qualname."""
        if path not in self._defs:
            facts = self.graph.facts(path)
            index: dict[str, list[Definition]] = {}
            for d in facts.definitions if facts is not None else ():
                if d.kind != "variable":
                    index.setdefault(d.qualname, []).append(d)
            self._defs[path] = index
        return self._defs[path]

    # -- names --------------------------------------------------------------------------------------
    def resolve(self, path: str, chain: list[str], depth: int = 0) -> SymbolRef | None:
        """The definition `a.b.c` names in `path` (a function, class or method; variables only as
        registries' owners are handled by `registry`)."""
        key = (path, tuple(chain))
        if key not in self._memo:
            self._memo[key] = None  # a cycle resolves to nothing
            self._memo[key] = self._resolve(path, chain, depth) if chain and depth <= MAX_DEPTH else None
        return self._memo[key]

    def _resolve(self, path: str, chain: list[str], depth: int) -> SymbolRef | None:
        facts = self.graph.facts(path)
        if facts is None:
            return None
        head, rest = chain[0], chain[1:]
        local = _pick(self.defs(path).get(head, []))
        if local is not None:
            return self._descend(path, local, rest, depth)
        for imp in self.binding(path, facts, head):
            found = self._through(path, imp, rest, depth)
            if found is not None:
                return found
        return None

    def _through(self, path: str, imp: ImportFact, rest: list[str], depth: int) -> SymbolRef | None:
        """What `name.rest` names when `name` is bound by the import `imp` of `path`."""
        for module in self.graph.resolver.absolute_module(path, imp):
            if imp.name is None:
                start = module if imp.alias else module.split(".")[0]
                found = self.in_module(start, rest, depth + 1)
            else:
                found = self.in_module(module, [imp.name, *rest], depth + 1)
            if found is not None:
                return found
        return None

    def resolve_in(self, ref: SymbolRef, chain: list[str]) -> SymbolRef | None:
        """What `a.b.c` names inside the definition `ref`: an import in its own body binds first (a
        function's `from ._impl import get_pager_file` shadows the module's `get_pager_file`, often the
        very function that delegates), then the file's scope."""
        if ref.path not in self._inner_imports:
            facts = self.graph.facts(ref.path)
            self._inner_imports[ref.path] = [i for i in facts.imports if i.scope != "module"] if facts else []
        inner = [i for i in self._inner_imports[ref.path] if ref.definition.line <= i.line <= ref.definition.end_line
                 and i.name != "*" and (i.alias or i.name or i.module.split(".")[0]) == chain[0]] if chain else []
        for imp in inner:
            found = self._through(ref.path, imp, chain[1:], 0)
            if found is not None:
                return found
        return self.resolve(ref.path, chain)

    def in_module(self, module: str, parts: list[str], depth: int = 0) -> SymbolRef | None:
        parts = list(parts)
        while parts and self.graph.paths_of(f"{module}.{parts[0]}"):
            module = f"{module}.{parts.pop(0)}"
        if not parts or depth > MAX_DEPTH:
            return None
        for path in self.graph.paths_of(module):
            facts = self.graph.facts(path)
            if facts is None:
                continue
            if parts[0] in self.defs(path) or self.binding(path, facts, parts[0]):
                found = self.resolve(path, parts, depth + 1)
                if found is not None:
                    return found
                continue
            for imp in (i for i in facts.imports if i.name == "*"):
                for star in self.graph.resolver.absolute_module(path, imp):
                    found = self.in_module(star, parts, depth + 1)
                    if found is not None:
                        return found
        return None

    def _descend(self, path: str, definition: Definition, rest: list[str], depth: int) -> SymbolRef | None:
        from bot.context.links import as_ref

        ref = as_ref(self.graph, path, definition)
        if not rest:
            return ref
        if definition.kind != "class" or len(rest) != 1:
            return None
        return self.member(ref, rest[0], depth)

    def member(self, cls: SymbolRef, name: str, depth: int = 0) -> SymbolRef | None:
        """`name` defined in class `cls` or, depth-first, in its bases."""
        from bot.context.links import as_ref

        if depth > MAX_DEPTH:
            return None
        own = self.defs(cls.path).get(f"{cls.qualname}.{name}")
        if own:
            return as_ref(self.graph, cls.path, own[-1])
        for base in self.bases(cls, depth):
            found = self.member(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def bases(self, cls: SymbolRef, depth: int = 0) -> list[SymbolRef]:
        out: list[SymbolRef] = []
        for base in cls.definition.bases:
            chain = base.split("[", 1)[0].split(".")
            if all(p.isidentifier() for p in chain):
                ref = self.resolve(cls.path, chain, depth + 1)
                if ref is not None and ref.definition.kind == "class":
                    out.append(ref)
        return out

    # -- what a definition's code refers to ----------------------------------------------------------
    def referenced(self, ref: SymbolRef, code: str) -> list[tuple[SymbolRef, str]]:
        """Definitions the code of `ref` names: calls and other uses of module-level names, `self.x`
        members, and registries it subscripts. (definition, how it is named)."""
        facts = self.graph.facts(ref.path)
        if facts is None:
            return []
        if ref.path not in self._bound:  # the names the file binds at its top: definitions and imports
            self._bound[ref.path] = {d.name for d in facts.definitions if d.qualname == d.name} | {
                i.alias or (i.name if i.name else i.module.split(".")[0]) for i in facts.imports if i.name != "*"}
        bound = self._bound[ref.path]
        found: dict[tuple[str, str], tuple[SymbolRef, str]] = {}
        for chain in dict.fromkeys(_CHAIN.findall(code)):
            parts = chain.split(".")
            if parts[0] not in bound:
                continue
            for n in range(len(parts), 0, -1):
                hit = self.resolve_in(ref, parts[:n])
                if hit is not None:
                    found.setdefault((hit.path, hit.qualname), (hit, chain))
                    break
        owner = self._owner(ref)
        if owner is not None:
            for name in dict.fromkeys(_SELF_ATTR.findall(code)):
                hit = self.member(owner, name)
                if hit is not None and hit.qualname != ref.qualname:
                    found.setdefault((hit.path, hit.qualname), (hit, f"self.{name}"))
        for name in dict.fromkeys(subscripted(code)):
            for hit in self.registry(ref, owner, name):
                found.setdefault((hit.path, hit.qualname), (hit, f"{name}[…]"))
        return [v for k, v in found.items() if k != (ref.path, ref.qualname)]

    def _owner(self, ref: SymbolRef) -> SymbolRef | None:
        from bot.context.links import as_ref

        if "." not in ref.qualname:
            return None
        hit = [d for d in self.defs(ref.path).get(ref.qualname.rsplit(".", 1)[0], []) if d.kind == "class"]
        return as_ref(self.graph, ref.path, hit[0]) if hit else None

    def registry(self, ref: SymbolRef, owner: SymbolRef | None, name: str) -> list[SymbolRef]:
        """The classes and functions of a dict literal `name` (module-level, imported, or a class
        attribute reached as `self.name`/`cls.name`) that the code subscripts."""
        parts = name.split(".")
        where: list[tuple[str, str]] = []  # (path, dict key in that file)
        if parts[0] in ("self", "cls") and len(parts) == 2 and owner is not None:
            where += [(c.path, f"{c.qualname}.{parts[1]}") for c in [owner, *self.bases(owner)]]
        elif len(parts) == 1:
            where.append((ref.path, name))
            facts = self.graph.facts(ref.path)
            for imp in self.binding(ref.path, facts, name) if facts is not None else []:
                for module in self.graph.resolver.absolute_module(ref.path, imp) if imp.name else []:
                    where += [(p, imp.name or name) for p in self.graph.paths_of(module)]
        out: list[SymbolRef] = []
        for path, key in where:
            for value in self.dict_values(path, key):
                hit = self.resolve(path, value.split("."))
                if hit is not None:
                    out.append(hit)
        return out

    def dict_values(self, path: str, key: str) -> list[str]:
        """The dotted names of the values of the dict literal assigned to `key` (`NAME` at module level,
        `Cls.NAME` in a class body) in `path`; [] when there is none."""
        if (path, key) not in self._dicts:
            self._dicts[(path, key)] = self._dict_values(path, key)
        return self._dicts[(path, key)]

    def _dict_values(self, path: str, key: str) -> list[str]:
        owner, _, name = key.rpartition(".")
        if path not in self._dict_rows:
            self._dict_rows[path] = _dict_starts(split_lines(self.source(path)))
        span = (1, 1 << 30)
        if owner:
            cls = [d for d in self.defs(path).get(owner, []) if d.kind == "class"]
            if not cls:
                return []
            span = (cls[0].line, cls[0].end_line)
        lines = split_lines(self.source(path))
        for row, indent in self._dict_rows[path].get(name, []):
            if span[0] <= row <= span[1] and (owner or not indent):
                snippet = "\n".join(line[indent:] for line in lines[row - 1:row - 1 + MAX_DICT_LINES])
                return _dict_names(snippet)
        return []


    def keyed(self, path: str) -> dict[str, list[str]]:
        """The string keys of the module-level dict literals of `path` and the dotted names they map to
        (`FILTERS = {"attr": do_attr}` -> {"attr": ["do_attr"]}): registries that code reaches by a
        name written in a string (a template's `|attr`, a route's `<float:x>`)."""
        if path not in self._keyed:
            lines = split_lines(self.source(path))
            if path not in self._dict_rows:
                self._dict_rows[path] = _dict_starts(lines)
            out: dict[str, list[str]] = {}
            for rows in self._dict_rows[path].values():
                for row, indent in rows:
                    if indent:
                        continue
                    snippet = "\n".join(lines[row - 1:row - 1 + MAX_DICT_LINES])
                    for key, value in _dict_items(snippet):
                        out.setdefault(key, []).append(value)
            self._keyed[path] = out
        return self._keyed[path]


def subscripted(code: str) -> list[str]:
    """`_SUBSCRIPT.findall(code)`, scanning only what precedes each `[`: the run of name, dot and blank
    characters before it (a match is made of those alone, so none starts before the run), the runs joined by a
    separator that is none of them. The pattern tried at every word of a large class was most of its cost."""
    if "[" not in code:
        return []
    backwards, n = code[::-1], len(code)
    runs: list[str] = []
    at = code.find("[")
    while at >= 0:
        before = _NOT_CHAIN.search(backwards, n - at)  # the nearest character before `at` outside such a run
        runs.append(code[n - before.start() if before is not None else 0:at + 1])
        at = code.find("[", at + 1)
    return _SUBSCRIPT.findall("\0".join(runs))


def _dict_starts(lines: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Rows (1-based) and indents of `NAME = {` assignments, by NAME."""
    out: dict[str, list[tuple[int, int]]] = {}
    for row, line in enumerate(lines, start=1):
        if "{" in line and "=" in line:
            m = _DICT_START.match(line)
            if m is not None:
                out.setdefault(m.group(2), []).append((row, len(m.group(1))))
    return out


def _pick(hits: list[Definition]) -> Definition | None:
    """Of several definitions of one name, the last unconditional one (else the last)."""
    if not hits:
        return None
    plain = [d for d in hits if not d.conditional]
    return (plain or hits)[-1]


def _dict_names(snippet: str) -> list[str]:
    """The names of the values of the dict literal that the assignment at the start of `snippet` binds."""
    value = _dict_literal(snippet)
    return [n for n in (_dotted(v) for v in value.values) if n] if value is not None else []


def _dict_items(snippet: str) -> list[tuple[str, str]]:
    """(string key, dotted name of the value) of the dict literal the assignment at the start binds."""
    value = _dict_literal(snippet)
    if value is None:
        return []
    pairs = zip(value.keys, (_dotted(v) for v in value.values), strict=True)
    return [(k.value, v) for k, v in pairs if isinstance(k, ast.Constant) and isinstance(k.value, str) and v]


def _dict_literal(snippet: str) -> ast.Dict | None:
    depth, end = 0, 0
    for index, char in enumerate(snippet):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                end = index + 1
                break
    try:
        tree = ast.parse(snippet[:end] if end else snippet)
    except (SyntaxError, ValueError):
        return None
    node = tree.body[0] if tree.body else None
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
    return value if isinstance(value, ast.Dict) else None


def _dotted(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None
