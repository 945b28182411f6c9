"""The project's own file-local linter configuration: files its linter is told never to judge.

`syntax-error` and `undefined-name` are what pyflakes-style linters report too (ruff/flake8 `F821`, `E999`).
When a project tells its linter that a file is out of scope — ruff's `exclude`/`extend-exclude`, flake8's
`exclude`/`extend-exclude`, or a per-file ignore of `F821`/`E999` — the file is deliberately not Python that
must import cleanly on every supported interpreter (fixture scripts that fail on purpose, examples for newer
Pythons run only there), and the same claims from the gate would be noise. These two file-local rules are
quieted there, a syntax error only when a newer Python accepts the file (a file no Python compiles is broken).
An excluded file (vendored code) is still not the place for a name the checked commit itself unbinds: an
`undefined-name` that the file's previous content did not have is reported there, unless a per-file ignore of
`F821` says the file's undefined names are meant. What the commit did not do there is quieted for every rule:
an excluded file's old findings (cross-file ones on lines the commit kept, about nothing it removed or
re-signed; a syntax error the file already had) are not this commit's break. The linter never judged cross-file
facts, so a removed function an excluded file imports, a wrong call the commit writes there, a file it makes
uncompilable are still reported.

Patterns follow both tools: a pattern without `/` matches the name of the file or of any directory above it;
a pattern with `/` is relative to the repository root and matches the file's path or a directory's path
(`*` crosses `/`, as in ruff's globs and flake8's fnmatch; `**/` also matches no directory at all, as in ruff's:
pylint's `tests/**/functional/` is its `tests/functional/`). The root's configuration is read in each tool's own
order of precedence (ruff: `.ruff.toml`, `ruff.toml`, `pyproject.toml`; flake8: `setup.cfg`, `tox.ini`,
`.flake8`), and ruff's configuration in a directory below the root governs the files under it with patterns
relative to that directory (`ProjectLinters`; pylint's `doc/data/ruff.toml`), as the judged picture has them
(`bot.repo_files.RepoFiles`: the index in pre-commit mode). Ruff's `per-file-target-version` declares a file
written for a newer Python than the project's target: syntax newer than the target is no error there. A project
that ignores `F821` everywhere (ruff's or flake8's `ignore`/`extend-ignore`, unless a more specific `select`
turns it back on: IPython, whose tests use the `ip` and `_ip` its harness injects; or ruff's `select` without it:
pylint's `doc/data/ruff.toml`) gets no `undefined-name` the commit did not introduce, as in an excluded file: a
name the commit unbinds is still its break.

Unless the file is a test harness's data (`bot.graph.doubts.read_by_path_only`: pytest does not collect it, no
file can import it or names it for an import, no nested project builds it, and it lies under a test directory or
below the harness that reads it by its path). Where the linter does not judge such a file's names either, nothing
in the repository treats it as code that runs: it is written to be wrong for the harness (pylint's functional
tests and docs examples, each line marked with the message pylint must report there), so no finding about the
file itself — its names, its own classes and functions, a syntax error only the compiler finds (`import *` in a
function: the harness parses the file, never compiles it) — is the commit's break, whoever wrote it. What it uses
of other files is still judged.

The project's formatter says the same of syntax: a file black is told never to read (`[tool.black]` `exclude`,
`extend-exclude`, `force-exclude`: regular expressions searched in the path written with a leading `/`,
verbose when they span lines, as black compiles them; searched at a bounded cost, `bot.repo_regex`) is one whose
syntax the project's target-version does not cover (black's own `scripts/generate_schema.py`, excluded "# Uses
match syntax" under `target-version = py39`).
Black judges no names, so that forgives only a syntax error about newer syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.graph.doubts import read_by_path_only
from bot.graph.python_local import judged_for, parses
from bot.lazy_re import lazy
from bot.repo_files import RepoFiles, parse_toml
from bot.repo_regex import RepoRegex, compile_repo_regex

if TYPE_CHECKING:
    from bot.gate.rules import Hit
    from bot.graph.graph import Graph

LINTED_RULES = frozenset({"syntax-error", "undefined-name"})
_CODES = {"undefined-name": "F821", "syntax-error": "E999"}


@dataclass(frozen=True)
class LinterScope:
    """What the project's own linter and formatter configuration leaves out of their scope."""

    excluded: tuple[str, ...] = ()  # globs of files the linter never reads
    ignored: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes) per-file ignores
    unformatted: tuple[RepoRegex, ...] = ()  # files the formatter never parses (black's regexes)
    newer: tuple[tuple[str, tuple[int, int]], ...] = ()  # (glob, Python version) ruff's per-file-target-version
    names_ignored: bool = False  # F821 ignored for every file (`ignore`, `extend-ignore`): injected globals

    def quiets(self, rule: str, path: str, message: str, *, introduced: bool = False,
               predates: bool = False, data: bool = False) -> bool:
        """Whether the project's linter configuration declares `rule` out of scope for `path`. A finding about
        the file itself (`data`: its syntax, its names, its own classes and functions) in a file only a test
        harness reads by its path (`bot.graph.doubts.read_by_path_only`) is quieted wherever the linter does
        not judge that file's names (`names_unjudged`), whoever wrote it: such a file is data written to be
        wrong (pylint's `tests/functional/n/nan_comparison_check.py` calls `undefined_callee` for pylint to
        report it), and nothing runs it as code. A syntax error
        only when it is about the target version (syntax a newer Python accepts): a file no Python can
        compile is broken wherever it is. An unbound name the checked change `introduced` into a file the
        linter merely excludes (vendored code: not the project's to lint, its old names not its doing) is
        this commit's break, and is quieted only where the project says that file's undefined names are
        meant (a per-file ignore of F821). The other rules' findings there are quieted when they `predate`
        the change (on a line it kept, about nothing it removed or re-signed; a syntax error the file had
        before): the excluded file's old findings (pylint's test data calls functions wrongly and writes
        `yield` outside a function on purpose) are no more the commit's doing than its old names."""
        if data and self.names_unjudged(path):
            return True
        if rule not in LINTED_RULES or (rule == "syntax-error" and not newer_syntax(message)):
            return predates and self._excluded(path)
        if rule == "syntax-error" and (any(p.search("/" + path) for p in self.unformatted)
                                       or self._newer_target(path, message)):
            return True
        if (self._excluded(path) or (self.names_ignored and rule == "undefined-name")) and not (
                introduced and rule == "undefined-name"):
            return True
        return self._ignores(path, _CODES[rule])

    def names_unjudged(self, path: str) -> bool:
        """The linter never judges the names of `path`: it excludes the file, or its undefined-name rule (F821)
        is off everywhere or for that file."""
        return self._excluded(path) or self.names_ignored or self._ignores(path, _CODES["undefined-name"])

    def _ignores(self, path: str, code: str) -> bool:
        """A per-file ignore of `code` (or a prefix of it, or `ALL`) matches `path`."""
        return any(_matches(p, path) and any(code.startswith(c) or c == "ALL" for c in codes)
                   for p, codes in self.ignored)

    def _excluded(self, path: str) -> bool:
        return any(_matches(p, path) for p in self.excluded)

    def _newer_target(self, path: str, message: str) -> bool:
        """Whether the project declares `path` written for a newer Python than the one the message judged it
        for (ruff's `per-file-target-version`: pylint's examples of the newest syntax)."""
        judged = judged_for(message)
        return judged is not None and any(version > judged and _matches(p, path) for p, version in self.newer)


@dataclass(frozen=True)
class ProjectLinters:
    """The linters' scope of the whole repository: the root's configuration, and ruff's configuration files in
    directories below it (`doc/data/ruff.toml`), each governing the files under its directory with patterns
    relative to it, as ruff resolves them. A nested file's scope adds to the root's (ruff walks the tree from the
    root with the root's exclusions before it reaches the nested file's directory)."""

    root: LinterScope
    nested: tuple[tuple[str, LinterScope], ...] = ()  # (directory, its ruff configuration's scope), deepest first

    def quiets(self, rule: str, path: str, message: str, *, introduced: bool = False,
               predates: bool = False, data: bool = False) -> bool:
        """`LinterScope.quiets` by the root's scope or by the scope of the nearest directory above `path` that
        has its own ruff configuration (pylint's `doc/data/ruff.toml` selects only `E501` and `I`: ruff judges
        no names in its docs examples)."""
        if self.root.quiets(rule, path, message, introduced=introduced, predates=predates, data=data):
            return True
        for directory, scope in self.nested:
            if path.startswith(directory + "/"):
                return scope.quiets(rule, path[len(directory) + 1:], message, introduced=introduced,
                                    predates=predates, data=data)
        return False


def harness_data(graph: Graph, hits: Iterable[Hit]) -> frozenset[tuple[str, int, int, str]]:
    """(path, line, col, rule) of the findings about a file itself (file-local ones, and those whose subject is
    defined in it) in files only a test harness reads by their path (`read_by_path_only`): what
    `LinterScope.quiets` quiets as `data` where the linter does not judge the file's names. A syntax error only
    when CPython's parser reads the file (`parses`): a harness that lints its data parses it, so a file its
    parser rejects is broken for the harness too."""
    local = [h.finding for h in hits if not h.module or h.finding.path in graph.paths_of(h.module)]
    data = read_by_path_only(graph, {f.path for f in local})
    return frozenset((f.path, f.line, f.col, f.rule) for f in local if f.path in data and (
        f.rule != "syntax-error" or parses(graph.snapshot.data(f.path) or b"")))


_RUFF_VERSION = lazy(r"py(\d)(\d+)")


def newer_syntax(message: str) -> bool:
    """A `syntax-error` message about syntax the target Python lacks (`bot.graph.python_local` adds the target)."""
    return judged_for(message) is not None


_EXCLUDES = ("exclude", "extend-exclude")
_PER_FILE = ("per-file-ignores", "extend-per-file-ignores")
_IGNORES = ("ignore", "extend-ignore")
_SELECTS = ("select", "extend-select")
_BLACK = ("exclude", "extend-exclude", "force-exclude")
_VERSIONS = "per-file-target-version"


_RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")  # in ruff's order of precedence in one directory


def load_project_linters(files: RepoFiles | Path, paths: Iterable[str]) -> ProjectLinters:
    """The linters' scope for `paths`: the root's, and that of ruff's configuration in the nearest directory
    above each path that has one (its directories' candidate files listed in one call)."""
    files = files if isinstance(files, RepoFiles) else RepoFiles(files)
    directories = sorted({d for path in paths for d in _directories_above(path)}, key=lambda d: (-d.count("/"), d))
    candidates = [f"{d}/{name}" for d in directories for name in _RUFF_FILES]
    nested: list[tuple[str, LinterScope]] = []
    if candidates and files.any_file(candidates):
        for directory in directories:
            given = _nested_ruff_settings(files, directory)
            if given is not None:
                nested.append((directory, _scope_of(given)))
    return ProjectLinters(load_linter_scope(files), tuple(nested))


def _directories_above(path: str) -> Iterator[str]:
    parts = path.split("/")[:-1]
    for i in range(len(parts), 0, -1):
        yield "/".join(parts[:i])


def _nested_ruff_settings(files: RepoFiles, directory: str) -> dict[str, object] | None:
    """The exclusions and per-file settings of ruff's configuration in `directory` (ruff's `.ruff.toml`,
    `ruff.toml`, else a pyproject.toml with `[tool.ruff]`), as `linter_settings` names them; None: it has none."""
    for name in _RUFF_FILES:
        rel = f"{directory}/{name}"
        if not files.is_file(rel):
            continue
        data = parse_toml(files.read_text_or_note(rel))
        if name == "pyproject.toml":
            tool = data.get("tool") if data is not None else None
            data = tool.get("ruff") if isinstance(tool, dict) and isinstance(tool.get("ruff"), dict) else None
        if data is not None:
            return _ruff_settings(data)
    return None


def load_linter_scope(files: RepoFiles | Path) -> LinterScope:
    """The linters' scope declared in `files`'s root (a Path: that working tree)."""
    return _scope_of(linter_settings(files))


def _scope_of(given: dict[str, object]) -> LinterScope:
    """The scope of settings as `linter_settings` names them."""
    excluded = [p for key in _EXCLUDES for p in _strings(given.get(f"ruff {key}"))]
    excluded += [p for key in _EXCLUDES for p in _comma_list(str(given.get(f"flake8 {key}", "")))]
    ignores = [c for key in (*_IGNORES, *(f"lint.{k}" for k in _IGNORES)) for c in _strings(given.get(f"ruff {key}"))]
    selects = [c for key in (*_SELECTS, *(f"lint.{k}" for k in _SELECTS)) for c in _strings(given.get(f"ruff {key}"))]
    ignores += [c for key in _IGNORES for c in _comma_list(str(given.get(f"flake8 {key}", "")))]
    ignored: list[tuple[str, tuple[str, ...]]] = []
    for key in (*_PER_FILE, *(f"lint.{k}" for k in _PER_FILE)):
        value = given.get(f"ruff {key}")
        if isinstance(value, dict):
            ignored += [(str(p), tuple(c.upper() for c in _strings(codes))) for p, codes in value.items()]
    for key in _PER_FILE:
        ignored += list(_flake8_per_file(str(given.get(f"flake8 {key}", ""))))
    newer: list[tuple[str, tuple[int, int]]] = []
    versions = given.get("ruff per-file-target-version")
    if isinstance(versions, dict):
        for glob, version in versions.items():
            m = _RUFF_VERSION.fullmatch(version) if isinstance(version, str) else None
            if m and _normal(str(glob)):
                newer.append((_normal(str(glob)), (int(m[1]), int(m[2]))))
    return LinterScope(tuple(p for p in (_normal(x) for x in excluded) if p),
                       tuple((p, codes) for p, codes in ((_normal(x), c) for x, c in ignored) if p and codes),
                       _black_excluded(given), tuple(newer),
                       _turned_off(_CODES["undefined-name"], ignores, selects, _chosen(given)))


def _chosen(given: dict[str, object]) -> bool:
    """A ruff `select` (not `extend-select`) replaces ruff's default rules (`E4`, `E7`, `E9`, `F`) by its own."""
    return any(isinstance(given.get(f"ruff {key}"), list) for key in ("select", "lint.select"))


def _turned_off(code: str, ignores: list[str], selects: list[str], chosen: bool = False) -> bool:
    """Whether the linter's rule `code` is off everywhere: a selector of it (its code, a prefix of it, `ALL`) in
    `ignore` at least as specific as any that selects it (ruff: the more specific selector wins), or, when `chosen`
    (a `select` replaces the default rules), no selector selects it (pylint's `doc/data/ruff.toml`: `select =
    ["E501", "I"]`)."""
    def specificity(selectors: list[str]) -> int:
        found = [0 if c == "ALL" else len(c) for c in (s.strip().upper() for s in selectors)
                 if c == "ALL" or (c and code.startswith(c))]
        return max(found, default=-1)

    ignored, selected = specificity(ignores), specificity(selects)
    return (ignored >= 0 and ignored >= selected) or (chosen and selected < 0)


def linter_settings(files: RepoFiles | Path) -> dict[str, object]:
    """What the root's configuration tells the project's linters and formatter never to judge, as written (by
    tool and key: `ruff exclude`, `ruff lint.per-file-ignores`, `flake8 exclude`, `black force-exclude`), before
    any validation."""
    files = files if isinstance(files, RepoFiles) else RepoFiles(files)
    pyproject = parse_toml(files.read_text_or_note("pyproject.toml"))
    tool = pyproject.get("tool") if pyproject is not None else None
    tools = tool if isinstance(tool, dict) else {}
    given: dict[str, object] = {}
    ruff = _ruff_config(files, tools)
    if ruff is not None:
        given.update(_ruff_settings(ruff))
    flake8 = _flake8_config(files)
    if flake8 is not None:
        given.update({f"flake8 {k}": flake8[k] for k in (*_EXCLUDES, *_PER_FILE, *_IGNORES) if k in flake8})
    black = tools.get("black")
    if isinstance(black, dict):
        given.update({f"black {k}": black[k] for k in _BLACK if k in black})
    return given


def _ruff_settings(ruff: dict[str, Any]) -> dict[str, object]:
    """What one ruff configuration says of its scope, by key (`ruff exclude`, `ruff lint.per-file-ignores`)."""
    keys = (*_EXCLUDES, *_PER_FILE, _VERSIONS, *_IGNORES, *_SELECTS)
    given: dict[str, object] = {f"ruff {k}": ruff[k] for k in keys if k in ruff}
    lint = ruff.get("lint")
    if isinstance(lint, dict):
        given.update({f"ruff lint.{k}": lint[k] for k in (*_PER_FILE, *_IGNORES, *_SELECTS) if k in lint})
    return given


def _black_excluded(given: dict[str, object]) -> tuple[RepoRegex, ...]:
    """black's `exclude`, `extend-exclude` and `force-exclude` of the root's pyproject.toml (in `given`, as
    `linter_settings` has them), compiled as black compiles them (verbose when the pattern spans lines); a
    pattern black could not compile declares nothing."""
    out: list[RepoRegex] = []
    for key in _BLACK:
        value = given.get(f"black {key}")
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            out.append(compile_repo_regex(("(?x)" if "\n" in value else "") + value,
                                          f"pyproject.toml: `[tool.black]` `{key}`"))
        except re.error:
            continue
    return tuple(out)


def _matches(pattern: str, path: str) -> bool:
    parts = path.split("/")
    for glob in _zero_dirs(pattern):
        for i in range(len(parts), 0, -1):  # the file, then every directory above it
            if fnmatchcase(parts[i - 1] if "/" not in glob else "/".join(parts[:i]), glob):
                return True
    return False


_GLOBSTARS = 6  # `**/` components expanded (2**6 variants); past that, a pattern is read as written


def _zero_dirs(pattern: str) -> list[str]:
    """`pattern` and its readings where each `**/` matches no directory at all, as ruff's globs have it
    (`tests/**/functional/` is also `tests/functional/`; `**/fixtures` is also `fixtures`, a name at any
    depth). fnmatch's `*` already crosses `/`, so only the empty reading is missing."""
    pieces = pattern.split("**/")
    if len(pieces) == 1 or len(pieces) - 1 > _GLOBSTARS:
        return [pattern]
    out = []
    for mask in range(1 << (len(pieces) - 1)):
        glob = pieces[0]
        for k, piece in enumerate(pieces[1:]):
            glob += ("" if mask >> k & 1 else "**/") + piece
        out.append(glob)
    return out


def _normal(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.startswith("/") or pattern.startswith(".."):
        return ""  # outside the repository's relative paths: not ours to interpret
    return pattern.rstrip("/")


def _ruff_config(files: RepoFiles, tools: dict[str, Any]) -> dict[str, Any] | None:
    """ruff's own files first, else `[tool.ruff]` of pyproject.toml (its `[tool]` tables: `tools`)."""
    for name in (".ruff.toml", "ruff.toml"):
        data = parse_toml(files.read_text_or_note(name))
        if data is not None:
            return data
    ruff = tools.get("ruff")
    return ruff if isinstance(ruff, dict) else None


def _flake8_config(files: RepoFiles) -> dict[str, str] | None:
    import configparser  # only when a file-local finding is to be judged: off the hook's clean path

    for name in ("setup.cfg", "tox.ini", ".flake8"):
        text = files.read_text_or_note(name)
        if text is None or "flake8" not in text:
            continue
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue  # flake8 itself cannot read it: it declares nothing
        if parser.has_section("flake8"):
            return dict(parser.items("flake8"))
    return None


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _comma_list(text: str) -> list[str]:
    return [p for p in (x.strip() for x in text.replace("\n", ",").split(",")) if p]


def _flake8_per_file(text: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """flake8's `per-file-ignores`: `glob: CODE,CODE` entries, one or more a line."""
    for line in text.splitlines():
        glob, sep, codes = line.partition(":")
        if sep:
            yield glob.strip(), tuple(c.upper() for c in _comma_list(codes.replace(" ", ",")))
