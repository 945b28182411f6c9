"""The findings of `check --all` kept between runs, per file, as ruff and mypy keep theirs.

An entry is one file's hits before policy (policy, suppressions and `# noqa`-style quieting are applied
afresh on every run) and is served only while its key holds: the file's blob SHA and the ENVIRONMENT digest
(`environment`). That digest covers everything a file's judgement may read besides its own content:

- Yantra itself: its version and the source files of the `bot` package (path, size, mtime);
- the configuration (`[tool.yantra]`, `requires-python`, the whole pyproject) and the target Python version;
- the module layout (import roots, the set of files) and the INTERFACE of every file (`codec.interface_digests`:
  definitions, imports, `__all__`, doubts...; not calls, uses or local issues), stubs included, and the
  `mod.x = ...` stores the resolver consults. An entry with hits is also keyed by the places (lines) of every
  definition, since a finding's text may quote another file's `path:line`; a clean entry is not (whether a
  finding is made never depends on another file's line numbers), so moving definitions re-judges only the
  files with findings;
- the configuration and metadata files as the judged picture has them: in index (or commit) mode the blob of
  every top-level configuration and build file and of every requirements file (`bot.repo_files.RepoFiles`), so
  a staged, unstaged or `git rm --cached` edit that leaves the working tree as it was still re-judges;
- what the rules' doubts read from disk: the entries of every directory holding Python files (a compiled
  extension, an untracked package directory, a new build or requirements file), the size and mtime of the
  build, requirements and `.gitignore` files in them, git's other exclude files (`info/exclude` of the
  repository's common git directory, which a linked worktree shares, and `core.excludesFile`), and the
  interpreter's installed distributions (the mtimes of `sys.path` directories).

Why one digest over every interface rather than the interfaces of the modules a file imports: several doubts
read the whole repository (`missing-member` collects members and stores of every file, Sphinx mock imports
are looked for in every file, an attribute store by ANY importer of a module silences a claim about it), so
the set of files a judgement consults is not its import closure. Hence: an edit that changes no interface
(a function body, a comment, a literal, lines added or removed) re-judges only the edited file and the files
with findings; an edit to any interface re-judges every file. A damaged entry (its checksum fails) or one
that cannot be read is judged again, never trusted.
`yantra check --all --no-cache` judges every file (benchmarks report both figures).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
import stat
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.errors import GraphError
from bot.gate.findings import Finding
from bot.graph.codec import interface_digests

if TYPE_CHECKING:
    from bot.config import Config
    from bot.gate.rules import Hit
    from bot.graph import Graph
    from bot.graph.store import Store

FORMAT = 2
_CHECK = 4
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS findings (path TEXT PRIMARY KEY, sha TEXT NOT NULL, env BLOB NOT NULL, "
    "data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS interfaces (sha TEXT PRIMARY KEY, digest BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dirs (path TEXT PRIMARY KEY, mtime INTEGER NOT NULL, names BLOB NOT NULL, "
    "watched TEXT NOT NULL)",
)
_RACY_NS = 2_000_000_000  # a directory or file changed this recently may change again within its mtime tick
_INSTALLED = ("site-packages", "dist-packages")  # where an install or removal changes the distributions
# files in a directory of Python files whose CONTENT the rules' doubts read (build configuration, declared
# dependencies, git's ignore rules); any entry added or removed is seen through the directory's names
_WATCHED = ("pyproject.toml", "setup.py", "setup.cfg", "hatch.toml", "meson.build", "tox.ini", ".gitignore")


@dataclass(frozen=True)
class Environment:
    """The environment digest twice: with every file's interface (`loose`, for a file judged clean) and with the
    places of their definitions too (`placed`, for a file with hits: their text may quote another file's line)."""

    loose: bytes
    placed: bytes


@dataclass(frozen=True)
class Entry:
    """One file's judgement: its hits before policy, and why it could not be analysed ("" when it was)."""

    hits: tuple[Hit, ...]
    not_analysed: str = ""


class FindingsCache:
    """The entries of one graph database, valid for one environment digest (`open_cache`)."""

    def __init__(self, conn: sqlite3.Connection, graph: Graph, env: Environment) -> None:
        self.conn = conn
        self.graph = graph
        self.env = env

    def lookup(self, paths: Iterable[str]) -> dict[str, Entry]:
        """The entries still valid for `paths` (a damaged or unreadable one is left out: judged again)."""
        wanted = set(paths)
        out: dict[str, Entry] = {}
        try:
            rows = self.conn.execute("SELECT path, sha, env, data FROM findings").fetchall()
        except sqlite3.Error:
            return out
        for path, sha, env, data in rows:
            if path not in wanted or sha != self.graph.sha_of(path):
                continue
            data = bytes(data)
            if bytes(env) != (self.env.loose if data == _EMPTY else self.env.placed):
                continue
            entry = decode_entry(data, path)
            if entry is not None:
                out[path] = entry
        return out

    def save(self, entries: dict[str, Entry]) -> None:
        """Keep `entries` (best effort: a database locked by another yantra keeps the old ones)."""
        rows = [(p, self.graph.sha_of(p), self.env.loose if data == _EMPTY else self.env.placed, data)
                for p, e in entries.items() if self.graph.sha_of(p) and all(h.finding.path == p for h in e.hits)
                for data in (encode_entry(e),)]
        with contextlib.suppress(GraphError, sqlite3.Error), self.graph.store.transaction():
            self.conn.execute("DELETE FROM findings WHERE env NOT IN (?, ?)",  # never valid again
                              (self.env.loose, self.env.placed))
            self.conn.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?)", rows)


def open_cache(graph: Graph, config: Config, *, version: str = __version__) -> FindingsCache | None:
    """The findings cache of `graph`'s database, or None when it cannot be used."""
    conn = graph.store.conn
    try:
        for statement in _SCHEMA:
            conn.execute(statement)
        env = environment(graph, config, version=version)
    except sqlite3.Error:
        return None
    return FindingsCache(conn, graph, env)


def environment(graph: Graph, config: Config, *, version: str = __version__) -> Environment:
    """The digests of everything besides a file's own content that its judgement may read (module docstring)."""
    h = hashlib.blake2b(digest_size=16)
    for part in _environment_parts(graph, config, version):
        h.update(repr(part).encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    interfaces = sorted(_interfaces(graph).items())
    loose, placed = h.copy(), h.copy()
    for path, digests in interfaces:
        name = path.encode("utf-8", "surrogateescape") + b"\0"
        loose.update(name + digests[:16])
        placed.update(name + digests)
    return Environment(loose.digest(), placed.digest())


def _environment_parts(graph: Graph, config: Config, version: str) -> Iterator[Any]:
    yield FORMAT, version, _package_files()
    yield config.gate, config.requires_python, config.pyproject, graph.target, graph.snapshot.source.value
    yield graph.layout.roots
    yield sorted((p, s) for p, s in graph.snapshot.shas.items() if p.endswith(".pyi"))
    yield sorted(graph.store.stored())
    yield _judged_files(graph)
    yield _disk(graph.store, graph.root, graph.files())
    yield _exclude_files(graph)
    yield sys.version, sys.prefix, [(p, _mtime(Path(p))) for p in sys.path if p.endswith(_INSTALLED)]


def _judged_files(graph: Graph) -> list[tuple[str, str, str]]:
    """(path, mode, blob) of the configuration, build and requirements files of an index or commit picture
    (the working tree's are stat'ed by `_disk`)."""
    files = graph.snapshot.files
    if files.git is None:
        return []
    from bot.gate.metadata import requirement_files
    from bot.repo_files import ROOT_FILES

    return files.entries([*ROOT_FILES, *requirement_files(files)])


def _exclude_files(graph: Graph) -> list[tuple[str, tuple[int, int, str]]]:
    """git's exclude files besides the `.gitignore`s (`check-ignore`, which the doubts ask, reads them), each with
    its size, mtime and (when recent) content digest."""
    g = graph.snapshot.git
    return [(p, _stat(graph.root / p)) for p in g.exclude_files()] if g is not None else []


def _interfaces(graph: Graph) -> dict[str, bytes]:
    """path -> interface digests (`codec.interface_digests`, 32 bytes) of every file, kept by blob SHA (computed
    once per blob, from its facts)."""
    paths = graph.files()
    shas = {p: graph.sha_of(p) or "" for p in paths}
    known = {sha: bytes(d) for sha, d in graph.store.conn.execute("SELECT sha, digest FROM interfaces")
             if len(d) == 32}
    missing = [p for p in paths if shas[p] not in known]
    if missing:
        graph.preload(missing)
        fresh: dict[str, bytes] = {}
        for p in missing:
            facts = graph.facts(p)
            if facts is None:  # no facts this run (unreadable): a digest of its own, never stored
                known[shas[p]] = b"-" * 32
            else:
                fresh[shas[p]] = b"".join(interface_digests(facts))
        known.update(fresh)
        current = set(shas.values())
        stale = [(s,) for s in known if s not in current] if len(known) > 2 * len(current) + 1000 else []
        with contextlib.suppress(GraphError, sqlite3.Error), graph.store.transaction():
            graph.store.conn.executemany("DELETE FROM interfaces WHERE sha = ?", stale)
            graph.store.conn.executemany("INSERT OR REPLACE INTO interfaces VALUES (?, ?)", sorted(fresh.items()))
    return {p: bytes(known[shas[p]]) for p in paths}


def _package_files() -> list[tuple[str, int, int]]:
    """(path, size, mtime) of the `bot` package's sources: a changed rule or resolver is a new environment."""
    base = Path(__file__).resolve().parent.parent
    out: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(dirpath, name))
                    out.append((os.path.join(dirpath, name), st.st_size, st.st_mtime_ns))
    return out


def _disk(store: Store, root: Path, paths: list[str]) -> list[Any]:
    """The entries of every directory holding (or above) a Python file, with size and mtime of the watched
    files among them: what the rules' doubts may find on disk. A directory whose
    mtime is the one recorded is not listed again (like git's untracked cache): its names cannot have changed,
    only the watched files' contents, which are stat'ed on every run."""
    dirs: set[str] = {""}
    for p in paths:
        d = p.rpartition("/")[0]
        while d not in dirs:
            dirs.add(d)
            d = d.rpartition("/")[0]
    dirs.update([f"{d}/requirements".lstrip("/") for d in dirs])
    known = {d: (m, bytes(n), w) for d, m, n, w in store.conn.execute("SELECT path, mtime, names, watched FROM dirs")}
    out: list[Any] = []
    listed: list[tuple[str, int, bytes, str]] = []
    for d in sorted(dirs):
        folder = root / d if d else root
        mtime = _mtime(folder)
        if mtime == -1:
            continue
        row = known.get(d)
        if row is None or row[0] != mtime:
            names, watched = _listing(folder)
            row = (mtime, names, watched)
            # a directory changed in the last seconds may change again within the same mtime tick: its
            # listing is kept under an mtime no directory has, so the next run lists it again (git's racy clean)
            listed.append((d, mtime if time.time_ns() - mtime > _RACY_NS else -2, names, watched))
        out.append((d, row[1], [(w, _stat(folder / w)) for w in row[2].split("/") if w]))
    if listed:
        with contextlib.suppress(GraphError, sqlite3.Error), store.transaction():
            store.conn.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?, ?, ?)", listed)
    return out


def _listing(folder: Path) -> tuple[bytes, str]:
    """(digest of the entry names and kinds of `folder`, "/"-joined names of its watched files)."""
    names: list[tuple[str, bool]] = []
    watched: list[str] = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                names.append((e.name, e.is_dir(follow_symlinks=False)))
                if e.name in _WATCHED or e.name.startswith("requirements") or folder.name == "requirements":
                    watched.append(e.name)
    except OSError as exc:
        return f"!{exc.errno}".encode(), ""
    names.sort()
    return hashlib.blake2b(repr(names).encode("utf-8", "surrogateescape"), digest_size=16).digest(), \
        "/".join(sorted(watched))


def _stat(path: Path) -> tuple[int, int, str]:
    """Size and mtime of a watched file, and a digest of its content when it changed in the last seconds (an
    edit within the same mtime tick that keeps the size would not show otherwise)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return -1, -1, ""
    digest = ""
    if time.time_ns() - st.st_mtime_ns <= _RACY_NS and stat.S_ISREG(st.st_mode):
        with contextlib.suppress(OSError), open(path, "rb") as fh:
            digest = hashlib.blake2b(fh.read(1 << 22), digest_size=16).hexdigest()
    return st.st_size, st.st_mtime_ns, digest


def _mtime(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def encode_entry(entry: Entry) -> bytes:
    payload = marshal.dumps((FORMAT, entry.not_analysed, tuple(
        (h.finding.rule, h.finding.severity, h.finding.line, h.finding.col, h.finding.end_line, h.finding.message,
         h.finding.suggestion, h.module, h.name) for h in entry.hits)))
    return payload + zlib.crc32(payload).to_bytes(_CHECK, "big")


_NO_HITS = Entry(())


def decode_entry(data: bytes, path: str) -> Entry | None:
    """The entry in `data` (hits of the file `path`), or None when it is damaged or of another format."""
    if data == _EMPTY:  # most files: nothing to decode
        return _NO_HITS
    from bot.gate.rules import Hit

    payload, check = data[:-_CHECK], data[-_CHECK:]
    if len(data) <= _CHECK or zlib.crc32(payload).to_bytes(_CHECK, "big") != check:
        return None
    try:
        fmt, not_analysed, rows = marshal.loads(payload)
        if fmt != FORMAT:
            return None
        hits = tuple(Hit(Finding(r[0], r[1], path, r[2], r[3], r[4], r[5], r[6]), r[7], r[8]) for r in rows)
    except (ValueError, EOFError, TypeError, IndexError):
        return None
    return Entry(hits, str(not_analysed))


_EMPTY = encode_entry(Entry(()))
