"""The `Graph` object: the refreshed store, the layout, facts on demand, and the queries built on them."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.errors import GraphError
from bot.graph.build import BuildReport, refresh
from bot.graph.codec import decode, encode
from bot.graph.languages import LANGUAGES, language_of
from bot.graph.layout import Layout
from bot.graph.model import FileFacts
from bot.graph.resolution import SymbolRef, Target
from bot.graph.resolve import Resolver
from bot.graph.snapshot import Snapshot, Source, take_snapshot
from bot.graph.source_roots import declared_roots
from bot.graph.store import SCHEMA_VERSION, Store, blob_sha, database_path, fingerprint

if TYPE_CHECKING:
    from bot.config import Config
    from bot.repo_files import RepoFiles


def target_version(config: Config | None) -> tuple[int, int]:
    """The Python version files are judged for: config, else the `requires-python` lower bound, else ours."""
    if config is not None and config.gate.python_version is not None:
        return config.gate.python_version
    if config is not None and config.requires_python:
        m = re.search(r">=?\s*(\d+)\.(\d+)", config.requires_python)
        if m:
            return int(m.group(1)), int(m.group(2))
    return sys.version_info[0], sys.version_info[1]


class Graph:
    def __init__(self, root: Path, store: Store, layout: Layout, shas: Mapping[str, str], target: tuple[int, int],
                 report: BuildReport, snapshot: Snapshot) -> None:
        self.root = root
        self.snapshot = snapshot  # which picture of the repository (index, commit, working tree) this is
        self.store = store
        self.layout = layout
        self.target = target
        self.report = report
        self._shas = shas
        self._facts: dict[str, FileFacts | None] = {}
        self._stores: set[str] | None = None
        self._files: list[str] | None = None
        self.resolver = Resolver(layout, self.facts, stores=self._is_stored, definers=self._definers,
                                 is_dir=self._is_dir, stub_facts=self._stub_facts)

    # -- the interface of INTERFACES.md --------------------------------------------------------------
    def files(self) -> list[str]:
        if self._files is None:
            self._files = sorted(self._shas)
        return list(self._files)

    def has_file(self, path: str) -> bool:
        """Whether `path` is a Python file of this graph's snapshot (no listing: for the pre-commit path)."""
        return path in self._shas

    def sha_of(self, path: str) -> str | None:
        """The blob SHA-1 of `path` in this graph's snapshot (None: not one of its files)."""
        return self._shas.get(path)

    def facts(self, path: str) -> FileFacts | None:
        if path not in self._facts:
            sha = self._shas.get(path)
            raw = self._blob(sha) if sha else None
            facts = decode(raw) if raw else None
            self._facts[path] = facts if facts is not None or not sha else self._reparse(path, sha)
        return self._facts[path]

    def facts_loaded(self) -> int:
        """How many files' facts this graph has read so far (decoded from the store, or parsed)."""
        return sum(1 for f in self._facts.values() if f is not None)

    def preload(self, paths: list[str]) -> None:
        """Load the facts of many files in one query (for whole-repository checks)."""
        want = {self._shas[p]: p for p in paths if p in self._shas and p not in self._facts}
        try:
            blobs = self.store.blobs(want)
        except sqlite3.DatabaseError as exc:
            raise GraphError(f"graph database {self.store.path}: {exc}; delete it and retry") from exc
        by_sha: dict[str, FileFacts | None] = {}
        for p in paths:
            sha = self._shas.get(p)
            if sha is None or p in self._facts:
                continue
            if sha not in by_sha:
                raw = blobs.get(sha)
                by_sha[sha] = (decode(raw) if raw else None) or self._reparse(p, sha)
            self._facts[p] = by_sha[sha]

    def source(self, path: str) -> str:
        """The text of `path` as this graph sees it (the staged blob in index mode); "" when absent."""
        data = self.snapshot.data(path)
        return data.decode("utf-8", "replace") if data is not None else ""

    def modules_of(self, path: str) -> list[str]:
        return list(self.layout.names_of.get(path, []))

    def paths_of(self, module: str) -> list[str]:
        return list(self.layout.modules.get(module, []))

    def find_symbol(self, name: str) -> list[SymbolRef]:
        from bot.graph.queries import find_symbol

        return find_symbol(self, name)

    def dependencies_of_path(self, path: str) -> list[str]:
        from bot.graph.queries import dependencies_of_path

        return dependencies_of_path(self, path)

    def dependents_of_path(self, path: str) -> list[str]:
        from bot.graph.queries import dependents_of_path

        return dependents_of_path(self, path)

    def callers(self, ref: SymbolRef, limit: int | None = None, files: int | None = None) -> list[SymbolRef]:
        from bot.graph.queries import callers

        return callers(self, ref, limit, files)

    def callees(self, ref: SymbolRef) -> list[SymbolRef]:
        from bot.graph.queries import callees

        return callees(self, ref)

    def close(self) -> None:
        self.store.close()
        self.snapshot.close()

    def release(self) -> None:
        """Drop the facts and resolver memos held in memory (they are freed at once, without waiting for
        the cycle collector: the resolver refers back to this graph). The graph is unusable afterwards."""
        self._facts.clear()
        self.resolver.clear()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- more for the gate ---------------------------------------------------------------------------
    def stored_facts(self, sha: str) -> FileFacts | None:
        """The facts of blob `sha` when the store holds them (None: never parsed, or damaged)."""
        raw = self._blob(sha)
        return decode(raw) if raw else None

    def parse_blob(self, data: bytes, path: str = "") -> FileFacts:
        """Facts of any bytes (e.g. an old version of a file read from git), cached by blob SHA-1; `path` picks
        the language adapter (Python when it has none)."""
        sha = blob_sha(data)
        raw = self._blob(sha)
        facts = decode(raw) if raw else None
        if facts is None:
            facts = (language_of(path) or LANGUAGES["python"]).parse(data, self.target, sha=sha)
            self.store.parsed += 1
            with contextlib.suppress(GraphError, sqlite3.Error), self.store.transaction():
                self.store.put_blobs([(sha, encode(facts))])
        return facts

    def references(self, dotted: str) -> list[tuple[str, str, str, int]]:
        """(path, dotted, kind, line) of every import/attribute/call reference to `dotted` or below it.
        kind: "import" (`import M`), "from" (`from M import x` -> "M.x"), "star" ("M.*"), "attr", "call"."""
        return self.store.refs_to(dotted)

    def referring_files(self, dotted: str, kinds: tuple[str, ...]) -> set[str]:
        """The files with a reference of `kinds` (see `references`) to `dotted` or below it."""
        return self.store.referring_paths(dotted, kinds)

    def importers_of(self, modules: Iterable[str]) -> list[str]:
        """Files that import, use or call anything in `modules` (or below them), by any of their names,
        from the stored reverse edges (no facts are loaded: fast enough for the pre-commit path)."""
        out: set[str] = set()
        seen: set[str] = set()
        for module in modules:
            names = [module]
            for path in self.layout.modules.get(module, []):
                names.extend(self.layout.names_of.get(path, []))
            for name in names:
                if name in seen:
                    continue
                seen.add(name)
                out.update(p for p, _d, _k, _l in self.store.refs_to(name) if p in self._shas)
        return sorted(out)

    def target_of(self, ref: SymbolRef) -> Target:
        return Target(ref.path, ref.module, ref.definition)

    def ref_of(self, target: Target) -> SymbolRef:
        return SymbolRef(target.path, target.module, target.definition.qualname, target.definition)

    def _blob(self, sha: str) -> bytes | None:
        try:
            return self.store.blob(sha)
        except sqlite3.DatabaseError as exc:
            raise GraphError(f"graph database {self.store.path}: {exc}; delete it and retry") from exc

    def _reparse(self, path: str, sha: str) -> FileFacts | None:
        """Facts whose stored blob is missing or damaged (its checksum fails): parse the file again."""
        data = self.snapshot.data(path)
        return self.parse_blob(data, path) if data is not None and blob_sha(data) == sha else None

    def _is_dir(self, rel: str) -> bool:
        """A directory the import system could find: in the snapshot, or (unsure, so counted) on disk only,
        e.g. a generated data directory that git ignores."""
        return self.snapshot.is_dir(rel) or (self.root / rel).is_dir()

    def _stub_facts(self, path: str) -> FileFacts | None:
        data = self.snapshot.data(path + "i")
        return self.parse_blob(data, path + "i") if data is not None else None

    def _is_stored(self, dotted: str) -> bool:
        if self._stores is None:
            self._stores = self.store.stored()
        return dotted in self._stores

    def _definers(self, name: str) -> list[str]:
        out: list[str] = []
        for module, path in self.store.definers(name):
            facts = self.facts(path)
            if facts is None or path not in self._shas:
                continue
            d = [x for x in facts.definitions if x.qualname == name]
            if len(d) == 1 and d[0].kind != "variable" and not d[0].conditional and module not in out:
                out.append(module)
        return out


def open_graph(root: Path, config: Config | None = None, *, progress: bool = False,
               db_path: Path | None = None, source: Source = Source.WORKTREE, commit: str | None = None,
               files: RepoFiles | None = None) -> Graph:
    """Open (creating or refreshing incrementally) the graph of the repo at `root`, built from `source`:
    the working tree (default), the index (what a commit would record) or `commit`'s tree. `files`: the
    repository's configuration files as that picture has them (default: read from `source`)."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise GraphError(f"{root} is not a directory")
    path = db_path or database_path(root, config.gate.db_path if config is not None else None)
    target = target_version(config)
    meta = {"schema": str(SCHEMA_VERSION), "target": f"{target[0]}.{target[1]}", "yantra": __version__,
            "parser": fingerprint()}
    snapshot = take_snapshot(root, source, commit=commit)
    if files is not None:
        snapshot.files = files
    try:
        roots = (*config.gate.roots, *declared_roots(snapshot.files, config.pyproject)) if config is not None else ()
    except BaseException:
        snapshot.close()
        raise
    try:
        return _open(root, path, meta, snapshot, roots, target, progress)
    except BaseException:
        snapshot.close()
        raise


def _open(root: Path, path: Path, meta: dict[str, str], snapshot: Snapshot, roots: tuple[str, ...],
          target: tuple[int, int], progress: bool) -> Graph:
    for attempt in (1, 2):
        store = Store.open(path, meta)
        try:
            layout, shas, report = refresh(store, snapshot, roots, target, progress=progress)
            return Graph(root, store, layout, shas, target, report, snapshot)
        except sqlite3.DatabaseError as exc:
            store.close()
            if "locked" in str(exc).lower() or attempt == 2:
                raise GraphError(f"graph database {path}: {exc}; if no other yantra is running, delete it "
                                 "and retry") from exc
            print(f"yantra: the graph database {path} was damaged ({exc}); rebuilding it", file=sys.stderr)
            from bot.graph.store import delete_database

            delete_database(path)
        except BaseException:
            store.close()
            raise
    raise GraphError("unreachable")  # pragma: no cover
