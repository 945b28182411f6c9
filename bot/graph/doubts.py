"""Doubts: the one place that decides "can we be sure this name is missing?".

Per file, the facts that can make a "missing" answer untrue are computed once at parse time
(`bot.graph.python_doubts.doubts_of`) and cached with the file's facts as a `Doubts`. Every rule asks through
this module:

    facts.doubts.may_provide(name)      # a module `__getattr__` may answer `name`
    facts.doubts.probes(name)           # the file asks `hasattr(x, "name")` / `getattr(x, "name", d)` first
    injected_globals(path)              # names a host program injects when it executes the file at `path`
    missing_uncertain(graph, importer, module, name)   # every cross-file reason to doubt "`name` is missing
                                                       # from `module`", for a use in `importer`
    mocked(graph, importer, module)     # a host fakes `module` while importing `importer` (Sphinx autodoc)

Scoped doubts (what an `except ImportError` try body imports, what an environment guard binds, what an
`except NameError` try body uses) are decided per statement at parse time and carried on the facts themselves
(`ImportFact.guarded`, `AttrUse.guarded`, `CallSite.guarded`, the local `undefined-name` issues).
Where a doubt changes what a name *is* rather than whether it is missing, the resolver answers "unknown"
(`bot.graph.resolve`: dynamic modules, a plain module importing its own name, a package attribute shadowing
its submodule) and the MRO walk answers "unknown" for members (`bot.graph.resolve_calls.find_member`).
A new mechanism is one field here and one detector in `python_doubts`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from posixpath import basename
from typing import TYPE_CHECKING

from bot.graph.layout import import_root
from bot.graph.model import NO_DOUBTS, Doubts, FileFacts
from bot.graph.pytest_config import pytest_collection

if TYPE_CHECKING:
    from bot.graph.graph import Graph

__all__ = ["NO_DOUBTS", "Doubts", "binds_dynamically", "importable", "injected_globals", "is_dunder",
           "loaded_only_by_name", "missing_uncertain", "mocked", "never_collected", "path_edits_harmless",
           "pytest_module", "read_by_path_only", "star_binds_submodule", "star_sources_unsure",
           "stored_by_an_importer", "trusted_top"]



# Files an ecosystem executes with globals of its own (`exec(code, namespace)`), by file name.
_INJECTED: dict[str, frozenset[str]] = {
    "conf.py": frozenset({"tags"}),  # Sphinx: `tags` (the -t build tags) in conf.py
    "SConstruct": frozenset({"Environment", "Import", "Export", "Return", "SConscript", "ARGUMENTS", "Default",
                             "Help", "Alias", "Command", "AddOption", "GetOption", "Glob", "Dir", "File"}),
    "SConscript": frozenset({"Environment", "Import", "Export", "Return", "SConscript", "ARGUMENTS", "Default",
                             "Help", "Alias", "Command", "AddOption", "GetOption", "Glob", "Dir", "File"}),
}
_INJECTED_SUFFIX: tuple[tuple[str, frozenset[str]], ...] = (
    ("_config.py", frozenset({"c", "get_config", "load_subconfig"})),  # Jupyter / IPython config files
)


def path_edits_harmless(graph: Graph, importer: str, doubts: Doubts, module: str) -> bool:
    """Every `sys.path` edit of `importer` adds a directory of its own tree (`Doubts.sys_path_ups`: docutils'
    tests `sys.path.insert(0, str(Path(__file__).resolve().parents[1]))`) that cannot change where `module`'s
    top-level name comes from: the directory holds no module or package of that name, or it is an import root
    the graph already resolves from. (A directory above the repository could hold anything.)"""
    if not doubts.sys_path_ups:
        return False
    top = module.split(".")[0]
    parts = importer.split("/")[:-1]
    for up in doubts.sys_path_ups:
        if up > len(parts):
            return False
        d = "/".join(parts[:len(parts) - up])
        rel = f"{d}/{top}" if d else top
        holds = graph.has_file(f"{rel}.py") or graph.has_file(f"{rel}/__init__.py") or graph.snapshot.is_dir(rel)
        if holds and d not in graph.layout.roots:
            return False
    return True


def injected_globals(path: str) -> frozenset[str]:
    name = basename(path)
    found = _INJECTED.get(name, frozenset())
    for suffix, names in _INJECTED_SUFFIX:
        if name.endswith(suffix) and (name.startswith("jupyter") or name.startswith("ipython")):
            found = found | names
    return found


def mocked(graph: Graph, importer: str, module: str) -> bool:
    """`module` is faked by a host that imports `importer`: Sphinx autodoc imports the documented files with
    the modules of `autodoc_mock_imports` mocked (set in a `conf.py`, or by a test on `app.config`). Any
    file of the repository naming the module there makes it uncertain (read only when a claim is near)."""
    def listed(facts: FileFacts | None) -> bool:
        return facts is not None and any(module == m or module.startswith(m + ".") for m in facts.doubts.mock_imports)

    directory = importer.rpartition("/")[0]
    while True:  # the conf.py next to or above the file first: the usual place
        conf = f"{directory}/conf.py" if directory else "conf.py"
        if conf in graph.layout.names_of and listed(graph.facts(conf)):
            return True
        if not directory:
            break
        directory = directory.rpartition("/")[0]
    return any(listed(graph.facts(p)) for p in graph.files())


def _conftests_above(graph: Graph, path: str) -> Iterator[tuple[str, FileFacts]]:
    """(directory, facts) of each `conftest.py` from the file's directory up to the root ("" for the root)."""
    directory = path.rpartition("/")[0]
    while True:
        conf = f"{directory}/conftest.py" if directory else "conftest.py"
        facts = graph.facts(conf) if conf in graph.layout.names_of else None
        if facts is not None:
            yield directory, facts
        if not directory:
            return
        directory = directory.rpartition("/")[0]


def never_collected(graph: Graph, path: str) -> bool:
    """A `conftest.py` in the file's directory or above lists it in `collect_ignore(_glob)`: pytest never imports
    it (typically on interpreters older than the syntax it uses: `if sys.version_info < (3, 12): ...`)."""
    for directory, facts in _conftests_above(graph, path):
        rel = path[len(directory) + 1:] if directory else path
        if any(fnmatch(rel, p) or fnmatch(basename(rel), p) for p in facts.doubts.collect_ignore):
            return True
    return False


def conftest_builtin(graph: Graph, path: str, name: str) -> bool:
    """A `conftest.py` in the file's directory or above stores `name` into `builtins` (`builtins.ip = ...`,
    `setattr(builtins, "ip", ...)`): pytest runs it before it imports the file, so the name is bound for every
    module under it (IPython's tests use the `ip` and `_ip` its conftest injects)."""
    wanted = {f"{root} {name}" for root in _BUILTINS_ROOTS}
    return any(not wanted.isdisjoint(facts.doubts.store_roots) for _, facts in _conftests_above(graph, path))


_BUILTINS_ROOTS = ("builtins", "__builtin__", "__builtins__")
_TEST_DIRS = frozenset({"test", "tests", "testing"})


def pytest_module(name: str) -> bool:
    """A file name pytest collects by its default `python_files` (`test_*.py`, `*_test.py`)."""
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def loaded_only_by_name(graph: Graph, path: str) -> bool:
    """Test data: a file only a harness loading it by its name or path runs. It lies under a test directory, or
    below a directory that holds a module pytest collects (pylint's `doc/test_messages_documentation.py` reads
    `doc/data/messages/**`: the harness next to its data); pytest does not collect it (the project's
    `python_files`, `bot.graph.pytest_config`); and no other file of the repository can import it (`importable`).
    Such harnesses load a file written in newer syntax only on the interpreters that have it (pdoc's
    `test/testdata/misc_py312.py`, loaded when `sys.version_info >= (3, 12)`)."""
    directories, _, name = path.rpartition("/")
    if not name.endswith(".py") or pytest_collection(graph.snapshot.files).collects(path):
        return False
    if not (_TEST_DIRS.intersection(directories.split("/")) or _below_a_harness(graph, path)):
        return False
    return not importable(graph, path)


def read_by_path_only(graph: Graph, paths: Iterable[str]) -> set[str]:
    """Those of `paths` that are a harness's data nothing runs as a module: `loaded_only_by_name`, no file names
    their dotted module for an import by name (`named_elsewhere`: pyramid's `config.include("tests.pkgs.app.two")`,
    pdoc's `importlib.import_module("tests.testdata.misc_py312")`), and they belong to no project nested in the
    repository (pip's `tests/data/src/*/setup.py`: built, installed, run). pylint's functional tests and docs
    examples: its harnesses read them by their path and lint them."""
    candidates = [p for p in sorted(set(paths)) if loaded_only_by_name(graph, p)]
    builds = {d: [f"{d}/{name}" for name in _BUILD_FILES] for p in candidates for d in _directories_above(p)}
    if graph.snapshot.files.any_file([f for fs in builds.values() for f in fs]):  # (one listing for them all)
        candidates = [p for p in candidates if not any(graph.snapshot.files.any_file(builds[d])
                                                       for d in _directories_above(p))]
    named = named_elsewhere(graph, candidates)
    return {p for p in candidates if p not in named}


def _directories_above(path: str) -> list[str]:
    """The directories `path` lies in, below the root."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


_HARNESS_DIRS: weakref.WeakKeyDictionary[Graph, frozenset[str]] = weakref.WeakKeyDictionary()


def _below_a_harness(graph: Graph, path: str) -> bool:
    """A directory above `path`, other than the repository's root, holds a module pytest collects."""
    dirs = _HARNESS_DIRS.get(graph)
    if dirs is None:
        collection = pytest_collection(graph.snapshot.files)
        dirs = _HARNESS_DIRS[graph] = frozenset(p.rpartition("/")[0] for p in graph.files() if collection.collects(p)
                                                and p.rpartition("/")[2] != "conftest.py")
    parts = path.split("/")[:-1]
    return any("/".join(parts[:i]) in dirs for i in range(1, len(parts) + 1))


def importable(graph: Graph, path: str) -> bool:
    """Another file of the repository refers to a module name of `path` by which it can reach this file: a name
    rooted at an import root of the repository, or at a directory the referring file lives in (a script's own
    directory, a test directory pytest puts first on `sys.path`). pylint's docs examples each run from their own
    folder: `from fruit import Fruit` in `duplicate-code/good/apple.py` does not reach `no-member/bad/fruit.py`."""
    for name in graph.modules_of(path):
        anchor = import_root(path, name)
        below = "" if anchor in graph.layout.roots else anchor + "/"  # "": from anywhere
        for referrer, *_ in graph.references(name):
            if referrer != path and graph.has_file(referrer) and referrer.startswith(below):
                return True
    return False


def named_elsewhere(graph: Graph, paths: list[str]) -> set[str]:
    """Those of `paths` whose dotted module, or a package above it (two names at least), another file of the
    repository names as a whole word: a string a framework imports by name (pyramid's
    `config.include("tests.pkgs.app")`, `config.scan("tests.pkgs")`). Test data that is not named itself names
    nothing: it is data too (pylint's `import_error.py` imports `functional.s.syntax...` for pylint to report). One `git grep` of the judged picture for all of them; unknowable counts as named."""
    words = {p: {".".join(parts[:i]) for m in graph.modules_of(p) if len(parts := m.split(".")) > 1
                 for i in range(2, len(parts) + 1)} for p in paths}
    wanted = sorted(set().union(*words.values()))
    if not wanted:
        return set()
    found = graph.snapshot.files.words_in_files(wanted)
    if found is None:
        return set(paths)
    seen: dict[str, set[str]] = {}  # a word named -> the files naming it (a longer match names its prefixes too)
    for where, word in found:
        parts = word.split(".")
        for i in range(2, len(parts) + 1):
            seen.setdefault(".".join(parts[:i]), set()).add(where)
    data: dict[str, bool] = {}  # a naming file -> whether it is data itself (names in it are never imported)

    def runs(where: str) -> bool:
        if where not in data:
            data[where] = loaded_only_by_name(graph, where)
        return where in named or not data[where]

    named: set[str] = set()
    while True:  # a file named by code that runs runs, and so do the names it writes
        more = {p for p, ws in words.items() if p not in named
                and any(where != p and runs(where) for w in ws for where in seen.get(w, ()))}
        if not more:
            return named
        named |= more


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


# Dunder names no module gets for free: a package's `__main__` is its `__main__.py` (`from mkdocs import __main__`).
_SUBMODULE_DUNDERS = frozenset({"__main__"})


def missing_uncertain(graph: Graph, importer: str, module: str, name: str, *, level: int = 0) -> bool:
    """Every reason to doubt a graph answer "`name` is missing from `module`", for a use in `importer`
    (`level`: the leading dots of the relative import that reached `module`, 0 for an absolute one)."""
    facts = graph.facts(importer)
    return ((is_dunder(name) and name not in _SUBMODULE_DUNDERS) or not trusted_top(graph, importer, module, level=level)
            or mocked(graph, importer, f"{module}.{name}")
            or (facts is not None and facts.doubts.probes(name))
            or star_binds_submodule(graph, module, name) or binds_dynamically(graph, module, name)
            or star_sources_unsure(graph, module) or stored_by_an_importer(graph, module, name))


def stored_by_an_importer(graph: Graph, module: str, name: str) -> bool:
    """A file that imports `module` assigns an attribute `name` on an object that may be the module
    (`config.bootstrapped = True` where `config` is rebound from `None` to the module by a `global` import
    inside a function: a binding the graph cannot follow to the module, so the store is not recorded against
    it). A store on a function's local (`page.meta = ...`) or on a name only imports of other modules bind
    (`distutils.core.Command = ...`) is not on the module."""
    for path in sorted(graph.referring_files(module, ("import", "from"))):
        facts = graph.facts(path)
        if facts is None:
            return True
        if name in facts.doubts.attr_stores and any(  # (not "*": a `setattr(obj, key, v)` of any object
                _may_be_module(graph, path, facts, root, module)  # would silence every claim about every module)
                for root, _, stored in (r.partition(" ") for r in facts.doubts.store_roots) if stored == name):
            return True
    return False


def _may_be_module(graph: Graph, path: str, facts: FileFacts, root: str, module: str) -> bool:
    """The object a store's chain starts at, `root` in `path`, may be `module` (or a package above it)."""
    if root == "?":
        return True
    resolver = graph.resolver
    binds = resolver.index(facts).binds.get(root, [])
    if not binds:
        return True  # bound at module level by an assignment or a `global`: anything
    for imp in binds:
        for base in resolver.absolute_module(path, imp):
            target = base if imp.name is None and imp.alias else base.split(".")[0] if imp.name is None \
                else f"{base}.{imp.name}"
            if target == module or module.startswith(target + ".") or target.startswith(module + "."):
                return True
    return False


def binds_dynamically(graph: Graph, module: str, name: str = "") -> bool:
    """`module`'s source writes its own namespace in ways no binding statement shows, or answers `name`
    through a module `__getattr__` (or a lazy module)."""
    for path in graph.paths_of(module):
        facts = graph.facts(path)
        if facts is None:
            return True
        d = facts.doubts
        if d.self_writing or d.may_provide(name):
            return True
        if d.setattr_targets and set(d.setattr_targets) & _names_for_itself(graph, path):
            return True  # setattr(this_module, ...)
        if any(_may_replace_module(graph, path, callee) for callee in d.name_handoffs):
            return True
    return False


_LAZY_WORDS = ("lazy", "recreate", "attach", "module", "install", "register")


def _may_replace_module(graph: Graph, path: str, callee: str) -> bool:
    """`callee(__name__, ...)` in `path` may replace the module with another object (a lazy module): the
    repository function it reaches writes `sys.modules[...]`, or, outside the repository, its name says so."""
    target = graph.resolver.resolve_callee(path, callee)
    if target is None:
        return any(w in callee.lower() for w in _LAZY_WORDS) or _repo_callee(graph, path, callee)
    facts = graph.facts(target.path)
    return facts is None or facts.path_dynamic or facts.dynamic or facts.doubts.self_writing \
        or bool(facts.doubts.replaced_modules)


def _repo_callee(graph: Graph, path: str, callee: str) -> bool:
    """The callee's name is bound by an import of a repository module that could not be followed."""
    start = graph.resolver.start_of(path, callee.split(".")[0])
    return isinstance(start, tuple) and graph.resolver.in_repo(start[0])


def _names_for_itself(graph: Graph, path: str) -> set[str]:
    """Names this file binds, by importing, to its own module (`from numpy import dtypes` in dtypes.py)."""
    facts = graph.facts(path)
    own = set(graph.modules_of(path))
    out: set[str] = set()
    for imp in facts.imports if facts else ():
        for base in graph.resolver.absolute_module(path, imp):
            target = base if imp.name is None else f"{base}.{imp.name}"
            if target in own:
                out.add(imp.alias or (imp.name if imp.name else base.split(".")[0]))
    return out


def star_binds_submodule(graph: Graph, module: str, name: str) -> bool:
    """`module` star-imports from a package whose submodule `name` it may bind as a side effect of
    importing it (`from pkg.algorithms import *` exposes `pkg.algorithms.summarization` as `summarization`)."""
    stars = False
    for path in graph.paths_of(module):
        facts = graph.facts(path)
        stars = stars or facts is None or any(i.name == "*" for i in facts.imports)
    if not stars:
        return False
    top = module.split(".")[0]
    return any(m.startswith(top + ".") and m.rsplit(".", 1)[-1] == name for m in graph.layout.modules)


def star_sources_unsure(graph: Graph, module: str, depth: int = 3) -> bool:
    """`module` star-imports from a module whose `__all__` is built or changed at run time, so what the
    star provides cannot be listed."""
    if depth <= 0:
        return True
    for path in graph.paths_of(module):
        facts = graph.facts(path)
        if facts is None:
            return True
        for imp in facts.imports:
            if imp.name != "*":
                continue
            for target in graph.resolver.absolute_module(path, imp):
                sources = [graph.facts(p) for p in graph.paths_of(target)]
                if any(s is None or s.doubts.all_changed for s in sources) or star_sources_unsure(
                        graph, target, depth - 1):
                    return True
    return False


def relative_within_packages(graph: Graph, importer: str, level: int) -> bool:
    """`from <level dots>x import y` in `importer` stays inside regular packages (each directory from the
    importer's up to the one the dots name has an `__init__.py`), so it names files of this repository
    whatever root the outermost package is imported from (a namespace portion could be merged with others)."""
    directory = importer.rpartition("/")[0]
    for _ in range(level):
        if not directory or f"{directory}/__init__.py" not in graph.layout.names_of:
            return False
        directory = directory.rpartition("/")[0]
    return True


_SCRIPT_DIRS = frozenset({"tests", "test", "testing", "examples", "example", "scripts", "docs", "doc",
                          "benchmarks", "bench", "tools", "demo", "demos", "samples", "sample"})


def trusted_top(graph: Graph, importer: str, module: str, *, level: int = 0) -> bool:
    """Whether the repository really provides the top-level package of `module` to `importer`.

    The graph also treats nested directories as import roots (like pytest's rootdir insertion), so a
    package `plugins/requests/` is top-level `requests` there. A missing name is only trusted when the
    package sits at a main root, or in a tests/examples/scripts directory the importer also lives in (the
    directory those files run from); a namespace directory inside a package is never an import root.
    A relative import (`level` dots) from inside regular packages is resolved from the importer's own
    package, wherever that package is imported from: its target is the importer's directory tree."""
    if level and relative_within_packages(graph, importer, level):
        return True
    top = module.split(".")[0]
    roots = {r.strip("/") for r in graph.layout.roots}
    paths = graph.paths_of(top) or [p for p in graph.files() if f"/{top}/" in f"/{p}"]
    for path in paths:
        cut = f"/{path}".rfind(f"/{top}/") if f"/{top}/" in f"/{path}" else f"/{path}".rfind(f"/{top}.py")
        anchor = path[:max(cut, 0)].rstrip("/")
        if anchor in roots:
            return True
        if anchor.split("/")[0] in _SCRIPT_DIRS and importer.startswith(anchor + "/"):
            return True
        if subproject_root(graph, anchor, importer):
            return True
    return False


_BUILD_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def subproject_root(graph: Graph, anchor: str, importer: str) -> bool:
    """`anchor` is the import root of a project nested in the repository (`examples/celery/` with its own
    pyproject.toml, packages in it or in its `src/`), and `importer` belongs to that project."""
    project = anchor[:-4] if anchor.endswith("/src") else anchor
    if not project or not importer.startswith(project + "/"):
        return False
    return graph.snapshot.files.any_file([f"{project}/{name}" for name in _BUILD_FILES])  # the judged picture's
