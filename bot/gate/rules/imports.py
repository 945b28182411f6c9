"""`missing-module` and `missing-symbol`: imports of repository modules and names that do not exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from bot.gate.meson import builds_extension
from bot.gate.rules import Hit, RuleContext, make, suggestion, trusted_top, unsure_missing
from bot.graph.doubts import mocked, path_edits_harmless
from bot.graph.graph import Graph
from bot.graph.layout import is_package_file
from bot.graph.model import FileFacts, ImportFact
from bot.lazy_re import lazy
from bot.repo_files import RepoFiles


def import_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok:
        return
    for imp in facts.imports:
        if shielded(ctx.graph, path, facts, imp):
            continue
        hit = _check(ctx, path, imp)
        if hit is None:
            continue
        if imp.level == 0 and facts.doubts.path_edited_before(
                imp.line, imp.scope, in_repository_package=in_regular_package(ctx.graph, hit.module)) \
                and not path_edits_harmless(ctx.graph, path, facts.doubts, hit.module):
            continue
        yield hit


def shielded(graph: Graph, path: str, facts: FileFacts, imp: ImportFact) -> bool:
    """The import is guarded (`ImportFact.guarded`), and not one that only a test on the operating system guards
    naming a module of the file's own regular package (`Doubts.platform_imports`: rich's `if WINDOWS: from
    rich._windows_renderer import ...` in `rich/console.py`): whichever `rich` runs the file is the package
    holding it, and its files are there on every system, as for a relative import."""
    if not imp.guarded:
        return False
    if imp.level or imp.line not in facts.doubts.platform_imports:
        return True
    package = own_package(graph, path)
    return not package or imp.module.split(".")[0] != package


def own_package(graph: Graph, path: str) -> str:
    """The top-level regular package of the repository that holds the file ("" for none): whichever copy of it
    runs the file is the one holding it, so its modules are there wherever the file runs."""
    for module in graph.modules_of(path):
        top = module.split(".")[0]
        if ("." in module or is_package_file(path)) and in_regular_package(graph, top):
            return top
    return ""


def in_regular_package(graph: Graph, module: str) -> bool:
    """`module`'s top-level package is one regular package of the repository (a directory with `__init__.py`):
    its submodules come from the package's `__path__`, whatever is appended to `sys.path`."""
    paths = graph.paths_of(module.split(".")[0])
    return len(paths) == 1 and is_package_file(paths[0])


def _check(ctx: RuleContext, path: str, imp: ImportFact) -> Hit | None:
    res = ctx.resolver.resolve_import(path, imp)
    if res.status != "missing" or not trusted_top(ctx.graph, path, res.module, level=imp.level):
        return None
    if res.kind == "module":
        if _provided_outside_python(ctx, res.module) or mocked(ctx.graph, path, res.module):
            return None
        name = None if imp.name == "*" else imp.name
        return Hit(make("missing-module", path, imp.line, imp.col, imp.end_line,
                        f"module `{res.module}` does not exist in the repository", suggestion(ctx, res)),
                   res.module, name)
    if imp.name == "*":
        return None  # what a star import provides is judged where the names are used
    if unsure_missing(ctx, path, res.module, res.name, level=imp.level) or compiled_submodule(
            ctx, res.module, res.name):
        return None
    where = ctx.where(res.module)
    return Hit(make("missing-symbol", path, imp.line, imp.col, imp.end_line,
                    f"cannot import `{res.name}` from `{res.module}`" + (f" ({where})" if where else ""),
                    suggestion(ctx, res)), res.module, res.name)


def compiled_submodule(ctx: RuleContext, package: str, name: str) -> bool:
    """`from pkg import _ext` where `_ext` is a submodule the graph cannot see (compiled, generated)."""
    paths = ctx.graph.paths_of(package)
    return len(paths) == 1 and is_package_file(paths[0]) and _provided_outside_python(
        ctx, f"{package}.{name}")


def _provided_outside_python(ctx: RuleContext, module: str) -> bool:
    """A compiled extension, a file generated at build time (ignored by git, or named by the build
    configuration, like setuptools-scm's `_version.py`), or a data directory could provide `module`."""
    parent, _, leaf = module.rpartition(".")
    paths = ctx.graph.paths_of(parent)
    if len(paths) != 1:
        return True
    directory: Path = (ctx.graph.root / paths[0]).parent
    try:  # a C/Cython source, a compiled library, a data directory (a lone .pyi stub provides nothing)
        if any(p.name.split(".")[0] == leaf and p.suffix != ".pyi" for p in directory.iterdir()):
            return True
    except OSError:
        return True
    rel = f"{paths[0].rpartition('/')[0]}/{leaf}".lstrip("/")
    return (_named_by_build_config(ctx.graph.snapshot.files, rel, module, built_only=_source_deleted(ctx, rel))
            or _ignored(ctx.graph.root, [rel + ".py", rel]))


def _source_deleted(ctx: RuleContext, rel: str) -> bool:
    """The checked change deleted the module's own `.py` file. A build configuration that merely names the
    module (falcon's setup.py Cython-compiles each `*.py` of `falcon.util` but those in `modules_to_exclude =
    ['falcon.util.sync', ...]`) compiled that source or left it alone: without it, only an extension built
    from other sources provides the module (`Extension("pkg._speedups", ["src/speedups.c"])`, the compiled
    twin of a pure-Python fallback; a C or Cython source of the same name next to it is found above)."""
    return ctx.touched is not None and rel + ".py" in ctx.touched and not ctx.graph.has_file(rel + ".py")


def _named_by_build_config(files: RepoFiles, rel: str, module: str, *, built_only: bool = False) -> bool:
    """The build configuration (as the judged picture has it) writes the file (`write_to = "pkg/_version.py"`)
    or builds the module (`Extension("pkg._speedups", ...)`). `built_only`: a quoted module name counts only
    where it names an extension (`Extension(`, `ext-modules`, `cythonize(` right before it), not in any list,
    and the file's path only where the build writes it. The build configuration is the root's and that of every
    directory above the module (a repository holding several projects: hypothesis' `hypothesis/pyproject.toml`
    builds `hypothesis._native` with maturin), a written path read relative to its own directory."""
    parts = rel.split("/")[:-1]
    for depth in range(len(parts), -1, -1):
        project = "/".join(parts[:depth])
        if _named_in(files, project, rel[len(project) + 1:] if project else rel, module, built_only):
            return True
    return False


def _named_in(files: RepoFiles, project: str, rel: str, module: str, built_only: bool) -> bool:
    """`_named_by_build_config` for the build files of one directory (`project`, "" for the root); `rel`: the
    module's path relative to it."""
    from bot.repo_files import FileSkipped, note_skipped

    for name in ("pyproject.toml", "setup.py", "setup.cfg", "hatch.toml", "meson.build"):
        path = f"{project}/{name}" if project else name
        try:
            text = files.read_text(path)  # never opens a FIFO or follows a link out of the repository
        except FileSkipped as exc:
            note_skipped(path, str(exc))
            return True  # it may name the module: unsure, so silent
        if text is None:
            continue
        if _writes(text, rel) or (name == "meson.build" and builds_extension(text, module)):
            return True
        if name == "pyproject.toml":
            text = _build_tables(text)
        elif name == "setup.cfg":
            text = _build_sections(text)
        quote = rf"""['"]{re.escape(module)}['"]"""
        named = re.search(_EXTENSION_HEAD + quote if built_only else quote, text)  # Extension("pkg._speedups", ...)
        if named or _names_file(text, (rel + ".py", rel.rpartition("/")[2] + ".py"), written_only=built_only):
            return True
    return False


# A key whose value is a file the build writes: `write_to = "..."` (setuptools_scm), `version-file = "..."`
# (hatch-vcs), `versionfile_source = pkg/_version.py` (versioneer)
_WRITTEN = lazy(r"""(?:write_to|version[_-]file|versionfile_(?:source|build))['"]?\s*[:=]\s*['"]?\.?/?([\w./-]+)""")


def _writes(text: str, rel: str) -> bool:
    """The build configuration writes the file `rel` + ".py" (a list that merely names the file, black's mypyc
    `exclude = ["/src/black/files.py", ...]`, compiles that source or leaves it alone: it provides nothing
    without it)."""
    return any(m.group(1) == rel + ".py" for m in _WRITTEN.finditer(text))


# A line that may write the file it names, beyond the keyed forms `_writes` reads: `open(..., "w")` or
# `.write_text(...)` in setup.py, meson's `configure_file(output: ...)`, a key on the line before its value.
_WRITER = lazy(r"(?i)write[-_]?to|version[-_]?file|open\(|\.write|configure_file|output\s*[:=]")


def _names_file(text: str, names: tuple[str, ...], *, written_only: bool) -> bool:
    """`text` mentions one of the file `names`; `written_only`: where it names a file the build writes (on the
    line of the mention or the one before it: a key and its value). The `.py` file of a module whose source was
    deleted is compiled by no build; black's `exclude = ["/src/black/debug.py", ...]` of hatch-mypyc, or a
    comment of falcon's setup.py ("pointless to cythonize reader.py") only name it."""
    if not written_only:
        return any(n in text for n in names)
    lines = text.splitlines()
    return any(any(n in line for n in names) and _WRITER.search(f"{lines[i - 1] if i else ''}\n{line}")
               for i, line in enumerate(lines))


# What stands right before an extension's name: `Extension(\n    "pkg._speedups"`, `Extension(name="...`,
# `ext-modules = [{name = "...`, `[[tool.setuptools.ext-modules]]\nname = "...`, `cythonize(["...`.
_EXTENSION_HEAD = r"(?:Extension|ext[-_]modules|cythonize)(?:\W|\bname\b){0,60}?"


# `[tool.X]` tables of tools that only read modules (type checkers, linters, test runners, coverage): a module
# they name (sphinx: `[[tool.mypy.overrides]] module = ["sphinx.builders._epub_base", ...]`) is not built by them.
_READ_ONLY_TOOLS = frozenset({"mypy", "ruff", "pytest", "coverage", "black", "isort", "pylint", "pyright", "codespell",
                              "bandit", "pydocstyle", "vulture", "deptry", "interrogate", "towncrier",
                              "basedpyright", "flake8", "yapf", "docformatter", "tox"})


def _build_tables(text: str) -> str:
    """pyproject.toml less the tables of read-only tools, as the quoted strings of what is left (the whole
    text when it does not parse: unsure, so every mention counts)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # (nested too deeply to read)
        return text
    tool = data.get("tool")
    if isinstance(tool, dict):
        data["tool"] = {k: v for k, v in tool.items() if k not in _READ_ONLY_TOOLS}
    return "\n".join(f'"{s}"' for s in _strings(data))


_SECTION = lazy(r"(?m)^\[([^\]\n]+)\][ \t]*$")


def _build_sections(text: str) -> str:
    """setup.cfg less the sections of read-only tools (kombu's `[mypy] files = kombu/exceptions.py, ...`):
    `[mypy]`, `[mypy-pkg.*]`, `[tool:pytest]`, `[coverage:run]`, `[flake8]`, ... name modules they only read."""
    heads = list(_SECTION.finditer(text))
    if not heads:
        return text
    kept = [text[:heads[0].start()]]
    for head, following in zip(heads, [*heads[1:], None], strict=True):
        tool = re.split(r"[-:.]", head.group(1).strip().lower().removeprefix("tool:"), maxsplit=1)[0]
        if tool not in _READ_ONLY_TOOLS:
            kept.append(text[head.start():following.start() if following is not None else len(text)])
    return "".join(kept)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _ignored(root: Path, rels: list[str]) -> bool:
    from bot.git import Git

    if not (root / ".git").exists():
        return False
    g = Git(root)
    return any(g.is_ignored(rel) for rel in rels)
