"""Bring the store up to date with a snapshot of the repository: re-parse only blobs never parsed before.

Which files, and which bytes, come from a `Snapshot` (the index, a commit, or the working tree). Cold builds
of many files parse in a process pool whose workers die with their parent; facts cross the process boundary
as marshal bytes. Derived tables (reverse edges, definitions by name, outside stores) are recomputed for
changed files, or for every file when the package layout (directories with `__init__.py`, roots) changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.graph.codec import decode, encode
from bot.graph.languages import LANGUAGES, language_of
from bot.graph.layout import (
    STDLIB,
    Layout,
    StoredModules,
    build_layout,
    decode_layout,
    encode_layout,
    paths_key,
    resolve_relative,
)
from bot.graph.model import FileFacts
from bot.graph.snapshot import SKIP_DIRS, Snapshot, Source, take_snapshot
from bot.graph.staged import IndexDelta, IndexState, StoredShas, entries_before, load_state, save_state
from bot.graph.store import Store

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["SKIP_DIRS", "BuildReport", "bindings", "edges", "list_python_files", "list_sources", "refresh"]
POOL_THRESHOLD = 200
PR_SET_PDEATHSIG = 1


@dataclass
class BuildReport:
    """What one refresh of the store did (counts for stats and tests)."""

    files: int = 0
    parsed: int = 0  # files whose facts were computed in this refresh
    read: int = 0  # files whose bytes were read (new or changed content)
    removed: int = 0
    derived: int = 0  # files whose reverse edges were recomputed
    seconds: float = 0.0
    deleted_during_build: list[str] = field(default_factory=list)


def list_python_files(root: Path) -> list[str]:
    """Repo-relative "/" paths of the Python files in scope of the working tree."""
    return [p for p in list_sources(root) if p.endswith(".py")]


def list_sources(root: Path) -> list[str]:
    """The `.py` files in scope of the working tree and the `.pyi` stubs next to them."""
    snap = take_snapshot(root, Source.WORKTREE)
    snap.close()
    return sorted(snap.shas)


Derived = tuple[list[tuple[str, str, str, int]], list[tuple[str, str, str]], list[tuple[str, str]]]
WorkItem = tuple[str, bytes, tuple[int, int], tuple[str, ...]]
# The layout of the build in progress; forked pool workers inherit it and compute edges next to the parse.
_BUILD_LAYOUT: Layout | None = None


def _parse_one(item: WorkItem) -> tuple[str, bytes, dict[str, bytes] | None]:
    """(sha, encoded facts, path -> its edges as marshal bytes: a cold build holds those of every file
    until they are written, and bytes take a fraction of the room of the row tuples)."""
    sha, data, target, paths = item
    language = language_of(paths[0]) if paths else None
    facts = (language or LANGUAGES["python"]).parse(data, target, sha=sha)
    derived: dict[str, bytes] | None = None
    if _BUILD_LAYOUT is not None:
        derived = {}
        for path in paths:
            rows: Derived = ([], [], [])
            edges(path, facts, _BUILD_LAYOUT, *rows)
            derived[path] = marshal.dumps(rows)
    return sha, encode(facts), derived


def layout_key(layout: Layout) -> str:
    init_dirs = sorted(layout.init_dirs)
    return hashlib.sha1(("\n".join([*layout.roots, "--", *init_dirs])).encode("utf-8", "replace")).hexdigest()


def refresh(store: Store, snapshot: Snapshot, roots: Sequence[str], target: tuple[int, int], *,
            progress: bool = False) -> tuple[Layout, Mapping[str, str], BuildReport]:
    """Update `store` to `snapshot`; returns the layout, path -> sha of the .py files, and what was done."""
    start = time.perf_counter()
    report = BuildReport()
    delta = snapshot.settle(store, tuple(roots))  # index mode: only what changed since the stored snapshot
    rows: dict[str, str] | None = None
    if delta is None:
        rows = store.file_shas()
        # (a set difference of the two maps' items: no Python step per unchanged file)
        changed = sorted(p for p, _ in snapshot.shas.items() - rows.items() if p.endswith(".py"))
    else:
        changed = sorted(p for p, sha in delta.overlay.items() if sha is not None and p.endswith(".py"))
    known = store.has_blobs({snapshot.shas[p] for p in changed})
    unread = [p for p in changed if snapshot.shas[p] not in known]  # only never-parsed blobs
    with _early_pool(snapshot, roots, len({snapshot.shas[p] for p in unread})) as pool:
        contents = snapshot.load(unread)
        report.deleted_during_build = list(snapshot.vanished)
        shas, stubs, removed = _py_files(snapshot, rows, delta)
        same_set = delta is not None and not snapshot.vanished and not delta.file_set_changed(".py")
        file_set = delta.state.layout_key if same_set and delta is not None else paths_key(shas, roots)
        # the file set is unchanged: reuse its layout
        stored_layout = decode_layout(store.layout(file_set), shas,
                                      StoredModules(store.layout_module, store.layout_modules))
        layout = stored_layout or build_layout(shas, roots)
        layout.stubbed = {p for p in stubs if p in shas}
        # (size and mtime are not a cache key: facts go by sha; a working-tree file git's stat check doubted may
        # turn out to have the stored content)
        new_rows = [(p, len(contents.get(p, b"")), 0, shas[p]) for p in changed
                    if p in shas and (rows is None or rows.get(p) != shas[p])]
        paths_of: dict[str, list[str]] = {}
        datas: dict[str, bytes] = {}
        for p, data in contents.items():
            datas[shas[p]] = data
            paths_of.setdefault(shas[p], []).append(p)
        known |= store.has_blobs(datas)
        todo = [(sha, data, target, tuple(paths_of[sha])) for sha, data in datas.items() if sha not in known]
        sink = _blob_writer(store) if len(todo) > POOL_THRESHOLD else None
        blobs, derived, parsed = _parse_all(todo, progress, layout, file_set, pool, sink)
    store.parsed += parsed
    report.parsed, report.read = parsed, len(contents)
    if len(todo) > POOL_THRESHOLD:  # a cold build: its inputs are dead weight for what follows
        del contents, datas, todo
        snapshot.forget_contents()  # (re-read from git or disk on the rare later ask)
        _return_freed_memory()
    key = layout_key(layout)
    relayout = store.meta("layout") != key
    derive_paths = sorted(shas) if relayout else sorted({r[0] for r in new_rows})
    state = _index_state(snapshot, file_set, roots)
    writes_index = state is not None and (delta is None or delta.overlay or delta.state != state)
    if new_rows or removed or relayout or stored_layout is None or writes_index:
        with store.transaction():
            # (another run wrote since this one looked at the stored snapshot: trust neither)
            state = state if delta is None or load_state(store) == delta.base else None
            if stored_layout is None:
                store.put_layout(file_set, encode_layout(layout), layout.modules)
            store.put_blobs(blobs.items())
            store.put_files(new_rows)
            store.delete_files(removed)
            _derive(store, layout, derive_paths, shas, blobs, derived, relayout)
            _record_index(store, snapshot, delta, state)
            store.set_meta("layout", key)
            store.set_meta("last_build_seconds", f"{time.perf_counter() - start:.3f}")
            store.gc_blobs()
    report.files = store.count_index(".py") if delta is not None and state is not None else len(shas)
    report.removed, report.derived = len(removed), len(derive_paths)
    if parsed > POOL_THRESHOLD:  # its outputs are dead weight for the checks
        del blobs, derived
        _return_freed_memory()
    report.seconds = time.perf_counter() - start
    return layout, shas, report


def _py_files(snapshot: Snapshot, rows: dict[str, str] | None, delta: IndexDelta | None
              ) -> tuple[Mapping[str, str], list[str], list[str]]:
    """path -> sha of the snapshot's .py files, the .py paths of its .pyi stubs, and the stored .py files
    it no longer has (from the delta alone when there is one: no listing)."""
    if delta is not None:
        assert isinstance(snapshot.shas, StoredShas)
        stubs = [p[:-1] for p in snapshot.shas.view(".pyi")]
        removed = sorted(p for p, sha in delta.overlay.items() if sha is None and p.endswith(".py"))
        return snapshot.shas.view(".py"), stubs, removed
    assert rows is not None
    shas: dict[str, str] = {}
    stubs = []
    for p, sha in snapshot.shas.items():
        if p.endswith(".py"):
            shas[p] = sha
        elif p.endswith(".pyi"):
            stubs.append(p[:-1])
    return shas, stubs, sorted(rows.keys() - shas.keys())


def _index_state(snapshot: Snapshot, file_set: str, roots: Sequence[str]) -> IndexState | None:
    """The state to store with this index snapshot; None when it cannot be trusted next time (not the index,
    no commit yet, a symbolic link in scope, a blob missing)."""
    if snapshot.source is not Source.INDEX or snapshot.tree is None or snapshot.staged is None:
        return None
    if snapshot.has_links or snapshot.vanished:
        return None
    before = entries_before(snapshot.changes) if snapshot.changes is not None else ()
    return IndexState(snapshot.tree, tuple(snapshot.staged), file_set, tuple(roots), before)


def _record_index(store: Store, snapshot: Snapshot, delta: IndexDelta | None, state: IndexState | None) -> None:
    """Store the index snapshot (the delta's paths, or all of it), or forget the stored one (the files table
    is being written from another picture of the repository, or from a stale look at it)."""
    if state is None:
        save_state(store, None)
    elif delta is not None:
        store.put_index(dict(delta.overlay))
        save_state(store, state)
    else:
        store.put_index(dict(snapshot.shas), replace=True)
        save_state(store, state)


def _return_freed_memory() -> None:
    """Give the heap pages a big build freed back to the system (glibc keeps them otherwise), so the checks
    that follow, and every process they spawn, start from a small resident set."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim): nothing to give back
        pass


def _layout(snapshot: Snapshot, paths: Iterable[str], roots: Sequence[str]) -> Layout:
    layout = build_layout(paths, roots)
    stubbed = {p[:-1] for p in snapshot.shas if p.endswith(".pyi")}
    layout.stubbed = {p for p in layout.names_of if p in stubbed}
    return layout


EarlyPool = tuple["ProcessPoolExecutor", str]  # the pool, and the `paths_key` of the layout its workers hold


@contextlib.contextmanager
def _early_pool(snapshot: Snapshot, roots: Sequence[str], unread: int) -> Iterator[EarlyPool | None]:
    """The process pool of a big build, its workers forked before the sources are read (so they do not carry
    a copy of every file's bytes), with the layout of the listed files for computing edges next to the parse;
    None for a small build (parsed in this process)."""
    workers = _workers()
    if unread <= POOL_THRESHOLD or workers <= 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    global _BUILD_LAYOUT
    listed = [p for p in snapshot.shas if p.endswith(".py")]
    layout = _layout(snapshot, listed, roots)
    _BUILD_LAYOUT = layout  # forked workers inherit it
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            pool.submit(os.getpid)  # start the workers now
            _BUILD_LAYOUT = None
            yield pool, paths_key(listed, roots)
    finally:
        _BUILD_LAYOUT = None


BlobSink = Callable[[list[tuple[str, bytes]]], None]
BLOB_BATCH = 1000


def _blob_writer(store: Store) -> BlobSink:
    """Write facts as they come, a batch per transaction (facts are keyed by content: a build stopped
    half-way leaves only correct entries), so a cold build never holds every file's facts."""
    def write(batch: list[tuple[str, bytes]]) -> None:
        with store.transaction():
            store.put_blobs(batch)

    return write


def _parse_all(todo: list[WorkItem], progress: bool, layout: Layout, file_set: str, pool: EarlyPool | None,
               sink: BlobSink | None) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    """Facts of every work item (in `pool` when given; handed to `sink` instead of returned when given),
    with the edges of their files where the workers knew the final layout (not when a listed file vanished
    while being read: the caller derives those), and how many were parsed."""
    show = progress and sys.stderr.isatty() and len(todo) > POOL_THRESHOLD
    if pool is not None:
        executor, pool_file_set = pool
        todo = sorted(todo, key=lambda t: -len(t[1]))  # biggest first so the pool's tail is short
        blobs, derived, n = _collect(executor.map(_parse_one, todo, chunksize=16), len(todo), show, sink)
        return blobs, derived if pool_file_set == file_set else {}, n
    global _BUILD_LAYOUT
    _BUILD_LAYOUT = layout
    try:
        return _collect(map(_parse_one, todo), len(todo), show, sink)
    finally:
        _BUILD_LAYOUT = None


def _die_with_parent(parent: int) -> None:
    """Pool worker start: on Linux the kernel kills this worker when its parent dies (a killed hook must
    not leave workers holding its pipes open); elsewhere a worker whose parent is already gone exits."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def _collect(results: Iterable[tuple[str, bytes, dict[str, bytes] | None]], total: int, show: bool,
             sink: BlobSink | None) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    out: dict[str, bytes] = {}
    derived: dict[str, bytes] = {}
    batch: list[tuple[str, bytes]] = []
    i = 0
    for i, (sha, blob, rows) in enumerate(results, 1):
        if sink is None:
            out[sha] = blob
        else:
            batch.append((sha, blob))
            if len(batch) >= BLOB_BATCH:
                sink(batch)
                batch = []
        if rows:
            derived.update(rows)
        if show and (i % 50 == 0 or i == total):
            sys.stderr.write(f"\ryantra: building the dependency graph: {i}/{total} files")
            if i == total:
                sys.stderr.write("\n")
            sys.stderr.flush()
    if batch and sink is not None:
        sink(batch)
    return out, derived, i


def _workers() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def _derive(store: Store, layout: Layout, paths: list[str], shas: Mapping[str, str], fresh: dict[str, bytes],
            done: dict[str, bytes], everything: bool) -> None:
    """Recompute the edges of `paths`: the workers' (`done`), else from facts (`fresh`, else the store's, read
    a chunk at a time). The reference rows stream into the table; definitions and stores, fewer, are
    gathered on the way (the store inserts references first)."""
    defs: list[tuple[str, str, str]] = []
    stored: list[tuple[str, str]] = []

    def refs() -> Iterator[tuple[str, str, str, int]]:
        for start in range(0, len(paths), BLOB_BATCH):
            chunk = paths[start:start + BLOB_BATCH]
            missing = [shas[p] for p in chunk if p not in done and shas.get(p) and shas[p] not in fresh]
            loaded = store.blobs(missing) if missing else {}
            for p in chunk:
                packed = done.get(p)
                if packed is not None:
                    rows: Derived = marshal.loads(packed)
                else:
                    raw = fresh.get(shas.get(p, "")) or loaded.get(shas.get(p, ""))
                    facts = decode(raw) if raw else None
                    if facts is None:
                        continue
                    rows = ([], [], [])
                    edges(p, facts, layout, *rows)
                defs.extend(rows[1])
                stored.extend(rows[2])
                yield from rows[0]

    if everything:
        store.fill_derived(refs(), defs, stored)
    else:
        store.replace_derived(paths, refs(), defs, stored)


def bindings(path: str, facts: FileFacts, layout: Layout) -> dict[str, set[str]]:
    """Name -> absolute dotted names the imports of `path` bind it to."""
    own = layout.names_of.get(path, [])
    is_pkg = layout.is_package_file(path)
    out: dict[str, set[str]] = {}
    for imp in facts.imports:
        if imp.name == "*":
            continue
        modules = [imp.module] if imp.level == 0 else [
            m for m in (resolve_relative(n, is_pkg, imp.level, imp.module) for n in own) if m]
        for m in modules:
            if imp.name is None:
                bound, dotted = (imp.alias, m) if imp.alias else (m.split(".")[0], m.split(".")[0])
            else:
                bound, dotted = imp.alias or imp.name, f"{m}.{imp.name}"
            out.setdefault(bound, set()).add(dotted)
    return out


def edges(path: str, facts: FileFacts, layout: Layout, refs: list[tuple[str, str, str, int]],
          defs: list[tuple[str, str, str]], stored: list[tuple[str, str]]) -> None:
    """Reverse edges of one file: every absolute dotted name it imports, uses or calls (stdlib skipped).
    A call through an attribute chain is recorded once, as "attr" (its line identifies the call)."""
    own = layout.names_of.get(path, [])
    is_pkg = layout.is_package_file(path)
    for imp in facts.imports:
        modules = [imp.module] if imp.level == 0 else [
            m for m in (resolve_relative(n, is_pkg, imp.level, imp.module) for n in own) if m]
        for m in modules:
            if m.partition(".")[0] in STDLIB:
                continue
            if imp.name is None:
                refs.append((path, m, "import", imp.line))
            else:
                refs.append((path, f"{m}.{imp.name}", "star" if imp.name == "*" else "from", imp.line))
    bound = {k: {d for d in v if d.partition(".")[0] not in STDLIB} for k, v in bindings(path, facts, layout).items()}
    for use in facts.attr_uses:
        for start in bound.get(use.base, ()):
            dotted = ".".join([start, *use.attrs])
            refs.append((path, dotted, "attr", use.line))
            if use.store:
                stored.append((path, dotted))
    top = {d.name for d in facts.definitions if d.qualname == d.name and d.kind != "variable"}
    for call in facts.calls:
        head, _, rest = call.callee.partition(".")
        if rest and head in bound:
            continue  # already an "attr" reference
        starts = bound.get(head) or ({f"{n}.{head}" for n in own[:1]} if head in top else set())
        for start in starts:
            refs.append((path, f"{start}.{rest}" if rest else start, "call", call.line))
    module = own[0] if own else ""
    for d in facts.definitions:
        defs.append((d.qualname, module, path))
