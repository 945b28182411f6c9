"""Importers of modules a change removed or never staged, where the rules alone cannot see the break.

The rules judge an import against the repository as it is after the change. Once a top-level module, a
top-level package or the last module of a top-level namespace package is gone, the repository no longer claims
the name, and the rules stay silent (it could be a third-party module); a module that exists only untracked in
the working tree is not in the commit either. Here git is the evidence: the name was the repository's before
(or its file sits untracked next to the code), its file is not in the judged snapshot, and nothing else
provides it: not the standard library, an installed or declared distribution, a directory, a compiled
extension, a generated (ignored or build-configured) file. Importers keep the rules' doubts: guarded imports
and `sys.path` edits are silent. A deleted module is reported in every importer; an unstaged one only in the
files the change touches (an older import of it is not this commit's doing).
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.gate.change import Change
from bot.gate.rules import Hit, RuleContext, make
from bot.gate.rules.imports import in_regular_package, shielded
from bot.graph import Graph
from bot.graph.doubts import path_edits_harmless
from bot.graph.layout import STDLIB, import_root, module_names, package_dirs
from bot.graph.model import FileFacts, ImportFact
from bot.graph.snapshot import Source, in_scope
from bot.repo_files import RepoFiles

SCRIPT_DIRS = frozenset({"tests", "test", "testing", "examples", "example", "scripts", "docs", "doc",
                         "benchmarks", "bench", "tools", "demo", "demos", "samples", "sample"})


@dataclass(frozen=True)
class Absent:
    """A module the judged snapshot lacks: deleted by the change, or only untracked in the working tree."""

    module: str
    anchor: str  # the directory it is importable from
    path: str  # the file that provided it
    home: str = ""  # where a rename took it
    unstaged: bool = False

    def hint(self) -> str:
        if self.unstaged:
            return f"`{self.path}` exists but is not staged: `git add` it"
        return f"`{self.module}` now lives in `{self.home}`" if self.home else ""


def absent_modules(ctx: RuleContext, change: Change, modules_of: Callable[[str], list[str]]) -> list[Absent]:
    """Modules of deleted files, and (in index mode, when a file changed) of untracked files."""
    graph: Graph = ctx.graph
    found: dict[str, Absent] = {}
    for path in change.deleted:
        for name in modules_of(path):
            found.setdefault(name, Absent(name, import_root(path, name), path, change.renamed.get(path, "")))
    untracked = _unstaged_imports(ctx, change.changed)
    init_dirs = graph.layout.init_dirs | package_dirs(untracked)
    for path in untracked:
        for name in module_names(path, init_dirs, tuple(graph.layout.roots)):
            found.setdefault(name, Absent(name, import_root(path, name), path, unstaged=True))
    return [a for a in found.values() if not graph.layout.exists(a.module)]


def _unstaged_imports(ctx: RuleContext, changed: tuple[str, ...]) -> list[str]:
    """Files in the working tree, neither in the index nor ignored, that an import of a changed file names
    (`import newmod` -> `newmod.py`, `newmod/__init__.py` under each import root). Index mode only; looked
    up by name, never by listing the whole working tree."""
    graph: Graph = ctx.graph
    g = graph.snapshot.git
    if g is None or graph.snapshot.source is not Source.INDEX:
        return []
    wanted: set[str] = set()
    for path in changed:
        facts = graph.facts(path)
        for imp in facts.imports if facts is not None else ():
            for module in ctx.resolver.absolute_module(path, imp):
                names = [module, f"{module}.{imp.name}"] if imp.name not in (None, "*") else [module]
                wanted.update(m for name in names for m in [*_parents(name), name] if not graph.layout.exists(m))
    found: list[str] = []
    for module in sorted(wanted):
        for root in graph.layout.roots:
            rel = "/".join(filter(None, [root, *module.split(".")]))
            for candidate in (f"{rel}.py", f"{rel}/__init__.py"):
                if candidate not in graph.snapshot.shas and in_scope(candidate) and \
                        (graph.root / candidate).is_file() and not g.is_ignored(candidate):
                    found.append(candidate)
    return found


def removed_module_hits(ctx: RuleContext, change: Change, absent: list[Absent]) -> list[Hit]:
    """missing-module / missing-symbol at every import of an absent module that the rules miss."""
    graph: Graph = ctx.graph
    hits: list[Hit] = []
    seen: set[tuple[str, int, int]] = set()
    for gone in sorted(absent, key=lambda a: a.module):
        # (the rules look for an unstaged module's file on disk, where it is: it is judged here too)
        seen_by_rules = not gone.unstaged and not _unseen_by_rules(graph, gone.module)
        if seen_by_rules or _provided_elsewhere(graph, gone.module, gone.anchor):
            continue
        importers = {p for p, _d, kind, _l in graph.references(gone.module) if kind in ("import", "from", "star")}
        if gone.unstaged:
            importers &= set(change.changed)
        for path in sorted(importers):
            if not _trusted(graph, gone.anchor, path):
                continue
            for hit in _importer_hits(ctx, path, gone):
                key = (hit.finding.path, hit.finding.line, hit.finding.col)
                if key not in seen:
                    seen.add(key)
                    hits.append(hit)
    return hits


def _importer_hits(ctx: RuleContext, path: str, gone: Absent) -> list[Hit]:
    graph: Graph = ctx.graph
    facts: FileFacts | None = graph.facts(path)
    if facts is None or not facts.parse_ok:
        return []
    out: list[Hit] = []
    for imp in facts.imports:
        if shielded(graph, path, facts, imp) or (imp.level == 0 and facts.doubts.path_edited_before(
                imp.line, imp.scope, in_repository_package=in_regular_package(graph, gone.module))
                and not path_edits_harmless(graph, path, facts.doubts, gone.module)):
            continue
        for module in ctx.resolver.absolute_module(path, imp):
            hit = _hit(graph, path, imp, module, gone)
            if hit is not None:
                out.append(hit)
                break
    return out


def _hit(graph: Graph, path: str, imp: ImportFact, module: str, gone: Absent) -> Hit | None:
    name = None if imp.name in (None, "*") else imp.name
    if module == gone.module or module.startswith(gone.module + "."):
        return Hit(make("missing-module", path, imp.line, imp.col, imp.end_line,
                        f"module `{module}` does not exist in the repository", gone.hint()), module, name)
    if name is not None and f"{module}.{name}" == gone.module and not graph.paths_of(module):
        # `from namespace_pkg import mod`: a namespace package binds nothing but its submodules
        return Hit(make("missing-symbol", path, imp.line, imp.col, imp.end_line,
                        f"cannot import `{name}` from `{module}`", gone.hint()), module, name)
    return None


def _unseen_by_rules(graph: Graph, module: str) -> bool:
    """Gone, and the rules would not report it: its top-level name is no longer the repository's, or its
    nearest remaining package is a top-level namespace package (which the rules treat as open)."""
    layout = graph.layout
    if layout.exists(module):
        return False
    if not layout.in_repo(module):
        return True
    parts = module.split(".")
    for i in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:i])
        if layout.exists(parent):
            return "." not in parent and parent not in layout.modules
    return False


def _provided_elsewhere(graph: Graph, module: str, anchor: str) -> bool:
    top = module.split(".")[0]
    if top in STDLIB or _third_party(graph, top):
        return True
    rel = "/".join(filter(None, [anchor, *module.split(".")]))
    if graph.snapshot.is_dir(rel):
        return True  # a directory of other files: still importable as a namespace package
    for parent in _parents(module):
        for p in graph.paths_of(parent):
            facts = graph.facts(p)
            if facts is None or facts.submodules_unknowable(graph.layout.is_package_file(p)):
                return True  # the package's submodules cannot be listed
    if graph.resolver.put_in_sys_modules(module):
        return True
    return _built_or_generated(graph, rel, module)


def _third_party(graph: Graph, top: str) -> bool:
    from bot.config import load_config
    from bot.gate.rules.deps import _declared, distributions_of, normalize
    from bot.graph.source_roots import own_names

    root, files = graph.root, graph.snapshot.files
    if normalize(top) in {normalize(n) for n in own_names(files, load_config(root, files).pyproject)}:
        return False  # the repository's own distribution (`bottle.py` of bottle): installed, it is this code
    if distributions_of(top):
        return True
    declared = _declared(files)
    if declared is not None and normalize(top) in declared:
        return True
    outside = [p for p in sys.path if p and Path(p).resolve() != root]
    try:
        return importlib.machinery.PathFinder.find_spec(top, outside) is not None
    except (ImportError, ValueError, OSError):
        return True


def _built_or_generated(graph: Graph, rel: str, module: str) -> bool:
    """A compiled extension or C/Cython source next to where the module was, a file the build writes, or
    an ignored (generated) copy left in the working tree."""
    from bot.gate.rules.imports import _named_by_build_config

    directory, _, leaf = rel.rpartition("/")
    folder = graph.root / directory if directory else graph.root
    try:
        if any(p.name.split(".")[0] == leaf and p.suffix not in (".py", ".pyi") and p.is_file()
               for p in folder.iterdir()):
            return True
    except OSError:
        pass
    files = graph.snapshot.files
    if _named_by_build_config(files, rel, module) and not _distributed_source(files, module):
        return True
    g = graph.snapshot.git
    return g is not None and (graph.root / f"{rel}.py").exists() and g.is_ignored(f"{rel}.py")


def _distributed_source(files: RepoFiles, module: str) -> bool:
    """The build configuration names `module` only as a source module it ships (`py_modules=['bottle']`),
    not as one it builds or writes."""
    import re

    from bot.repo_files import FileSkipped

    listed = re.compile(rf"""py[_-]modules\s*=\s*\[?[^\]=]*?['"]?{re.escape(module)}['"]?[\s,\]]""")
    found = False
    for name in ("setup.py", "setup.cfg", "pyproject.toml"):
        try:
            text = files.read_text(name) or ""
        except FileSkipped:
            return False
        if _built_on_a_line(text, module):
            return False
        found = found or listed.search(text) is not None
    return found


def _built_on_a_line(text: str, module: str) -> bool:
    """Whether a line names `module` quoted after a word that builds or writes it (`Extension("pkg.mod"`,
    `write_to = 'pkg/mod`). Each line is searched once, from its first such word (a backtracking
    `(?:Extension|...)[^\\n]*['"]pkg.mod` goes to the end of the line from every word: quadratic in a one-line
    hostile setup.py)."""
    import re

    builds = re.compile(r"Extension|write_to|version_file|cythonize")
    quoted = re.compile(rf"""['"]{re.escape(module)}""")
    at = 0
    while (word := builds.search(text, at)) is not None:
        end = text.find("\n", word.end())
        end = len(text) if end == -1 else end
        if quoted.search(text, word.end(), end):
            return True
        at = end + 1
    return False


def _trusted(graph: Graph, anchor: str, importer: str) -> bool:
    """The module was importable by `importer`: it sat at an import root, or in a tests/scripts-like
    directory that the importer runs from too."""
    from bot.graph.doubts import subproject_root

    if anchor in graph.layout.roots:
        return True
    return (anchor.split("/")[0] in SCRIPT_DIRS and importer.startswith(anchor + "/")) or \
        subproject_root(graph, anchor, importer)


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
