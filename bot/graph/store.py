"""The persisted graph: SQLite at `<git-dir>/yantra/graph.sqlite` (or `<root>/.yantra/graph.sqlite`).

Tables: `blobs` (facts by git blob SHA-1), `files` (path -> size, mtime_ns, sha: a stat cache so unchanged
files are neither read nor parsed), `refs` (resolved reverse edges: importer path -> absolute dotted name it
imports / uses / calls), `defs` (top-level definitions by name, for "moved to"), `stores` (`mod.x = ...`
assignments from outside), `layouts` (the module layout of the last file set, by
`bot.graph.layout.paths_key`), `index_files` (the last index snapshot, path -> sha, which
`bot.graph.staged` brings up to date from git's diff of the index alone; any write to `files` forgets its
`index_state`, by trigger, so a writer that does not know it, an older Yantra included, cannot leave it
stale), `meta` (schema version, target Python, yantra version, parser fingerprint).

A meta mismatch drops everything and rebuilds; a corrupt Yantra database is deleted and rebuilt (one note on
stderr); a database locked by another yantra beyond the busy timeout raises GraphError.

The repository's configuration is untrusted, so the database can never be made to hurt a file that is not
ours: a configured `db-path` must resolve inside `<git-dir>/yantra/` (`database_path`; a path a caller passes
explicitly, e.g. from the command line, is trusted); an existing file is used, rebuilt or deleted only when it
is empty or a SQLite database carrying Yantra's `application_id` (set on creation); a new file is created with
`O_CREAT|O_EXCL|O_NOFOLLOW`, and a symbolic link in place of the database or its journals is refused.
Blobs of facts carry a checksum (`seal`/`unseal`): a damaged blob reads as missing, so its file is re-parsed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from bot.errors import ConfigError, GraphError

SCHEMA_VERSION = 3
APPLICATION_ID = 0x59414E54  # "YANT", in the SQLite header at offset 68 of every database Yantra creates
_SQLITE_MAGIC = b"SQLite format 3\0"
_SIDE_FILES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_S = 3.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                                  sha TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refs (path TEXT NOT NULL, dotted TEXT NOT NULL, kind TEXT NOT NULL,
                                 line INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS refs_dotted ON refs (dotted);
CREATE INDEX IF NOT EXISTS refs_path ON refs (path);
CREATE TABLE IF NOT EXISTS defs (name TEXT NOT NULL, module TEXT NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS defs_name ON defs (name);
CREATE INDEX IF NOT EXISTS defs_path ON defs (path);
CREATE TABLE IF NOT EXISTS stores (path TEXT NOT NULL, dotted TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS stores_path ON stores (path);
CREATE TABLE IF NOT EXISTS layouts (key TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS layout_modules (module TEXT PRIMARY KEY, paths TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_files (path TEXT PRIMARY KEY, sha TEXT NOT NULL) WITHOUT ROWID;
"""
# any write to `files` forgets the stored index snapshot's state (see the module docstring)
_TRIGGERS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS files_{event.lower()} AFTER {event} ON files "
    "WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'index_state') "
    "BEGIN DELETE FROM meta WHERE key = 'index_state'; END" for event in ("INSERT", "UPDATE", "DELETE"))
_DERIVED_INDEXES = ("refs_dotted", "refs_path", "defs_name", "defs_path", "stores_path")
_TABLES = ("meta", "blobs", "files", "refs", "defs", "stores", "layouts", "layout_modules", "index_files")
# every module of `bot.graph` the parser's facts or their encoding depend on (tests/graph/test_store.py checks
# that each module `python_parser` or `codec` imports from `bot.graph`, transitively, is listed)
_FINGERPRINT_FILES = ("graph/python_parser.py", "graph/python_defs.py", "graph/python_uses.py", "graph/model.py",
                      "graph/codec.py",
                      "graph/python_local.py", "graph/python_undefined.py", "graph/names.py",
                      "graph/python_doubts.py", "graph/doubts.py", "graph/python_members.py",
                      "graph/legacy_syntax.py", "graph/python_codegen.py", "graph/python_grammar.py",
                      "graph/python_next.py")


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def git_dir(root: Path) -> Path | None:
    """The git directory of the repository at `root` (handles worktrees' `.git` files), or None."""
    dot = root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():
        try:
            text = dot.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:"):].strip())
            return target if target.is_absolute() else (root / target).resolve()
    from bot.git import Git

    return Git(root, timeout=10).git_dir()


def default_db_path(root: Path) -> Path:
    gd = git_dir(root)
    return (gd / "yantra" / "graph.sqlite") if gd is not None else (root / ".yantra" / "graph.sqlite")


def database_path(root: Path, configured: str | None) -> Path:
    """The graph database of `root`: the default, or the repository's configured `db-path`, which must resolve
    (symbolic links followed) inside `<git-dir>/yantra/` — else a ConfigError naming the key."""
    if not configured:
        return default_db_path(root)
    gd = git_dir(root)
    if gd is None:
        raise ConfigError("pyproject.toml: [tool.yantra] db-path is only honoured inside a git repository "
                          "(it must point into .git/yantra/)")
    allowed = (gd / "yantra").resolve()
    wanted = Path(configured)
    resolved = (wanted if wanted.is_absolute() else root / wanted).resolve()
    if resolved == allowed or not resolved.is_relative_to(allowed):
        raise ConfigError(f"pyproject.toml: [tool.yantra] db-path {configured!r} resolves outside the git "
                          f"directory's yantra/ folder ({allowed}); the repository's configuration may only "
                          "move the database within it")
    return resolved


def fingerprint() -> str:
    """A hash of the code that decides facts, so a changed parser never serves stale cached facts."""
    base = Path(__file__).resolve().parent.parent
    h = hashlib.sha1()
    for rel in _FINGERPRINT_FILES:
        try:
            h.update((base / rel).read_bytes())
        except OSError:
            h.update(b"-")
    return h.hexdigest()[:16]


class Store:
    """One open database. Use `Store.open(path, meta)`; all writes go through `transaction()`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.parsed = 0  # files parsed through this store (a counter tests and stats read)

    @classmethod
    def open(cls, path: Path, meta: dict[str, str]) -> Store:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GraphError(f"cannot create {path.parent} for the graph database ({exc}); "
                             "set [tool.yantra] db-path to a writable place") from exc
        fresh = claim_database(path)
        try:
            store = cls._open_checked(path, meta, fresh=fresh)
        except sqlite3.DatabaseError as exc:
            if _is_locked(exc):
                raise _locked(path) from exc
            print(f"yantra: the graph database {path} was unreadable ({exc}); rebuilding it", file=sys.stderr)
            delete_database(path)
            try:
                return cls._open_checked(path, meta, fresh=claim_database(path))
            except sqlite3.DatabaseError as exc2:
                raise GraphError(f"cannot create the graph database {path}: {exc2}") from exc2
        return store

    @classmethod
    def _open_checked(cls, path: Path, meta: dict[str, str], *, fresh: bool) -> Store:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            if fresh:  # before WAL, so the id reaches the main file's header at once
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            elif conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                _adopt_legacy(conn, path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            store = cls(path, conn)
            store._ensure_schema(meta)
        except BaseException:
            conn.close()
            raise
        return store

    def _ensure_schema(self, meta: dict[str, str]) -> None:
        have: dict[str, str] = {}
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" in tables:
            have = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        if all(have.get(k) == v for k, v in meta.items()) and set(_TABLES) <= tables:
            return
        with self.transaction():
            for table in tables:
                if not table.startswith("sqlite_"):
                    self.conn.execute(f'DROP TABLE IF EXISTS "{table}"')
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            for statement in _TRIGGERS:
                self.conn.execute(statement)
            self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(meta.items()))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_locked(exc):
                raise _locked(self.path) from exc
            raise GraphError(f"graph database {self.path}: {exc}") from exc
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise _locked(self.path) if _is_locked(exc) else GraphError(f"graph database {self.path}: {exc}") \
                from exc

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    # -- reads ---------------------------------------------------------------------------------------
    def file_shas(self) -> dict[str, str]:
        """path -> blob sha of every file the store holds (one C-level pass: this runs on every check)."""
        return dict(self.conn.execute("SELECT path, sha FROM files"))

    def blob(self, sha: str) -> bytes | None:
        row = self.conn.execute("SELECT data FROM blobs WHERE sha = ?", (sha,)).fetchone()
        return bytes(row[0]) if row else None

    def blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        shas = list(shas)
        for i in range(0, len(shas), 500):
            chunk = shas[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update((s, bytes(d)) for s, d in
                       self.conn.execute(f"SELECT sha, data FROM blobs WHERE sha IN ({marks})", chunk))
        return out

    def has_blobs(self, shas: Iterable[str]) -> set[str]:
        found: set[str] = set()
        shas = list(shas)
        for i in range(0, len(shas), 500):
            chunk = shas[i:i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.conn.execute(f"SELECT sha FROM blobs WHERE sha IN ({marks})", chunk))
        return found

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def layout(self, key: str) -> bytes | None:
        """The encoded layout stored for `key` (`bot.graph.layout.paths_key`), if any."""
        row = self.conn.execute("SELECT data FROM layouts WHERE key = ?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def layout_module(self, module: str) -> list[str] | None:
        """The files of `module` in the stored layout (None: not a module of it)."""
        row = self.conn.execute("SELECT paths FROM layout_modules WHERE module = ?", (module,)).fetchone()
        return str(row[0]).split("\0") if row else None

    def layout_modules(self) -> dict[str, list[str]]:
        return {m: str(paths).split("\0") for m, paths in self.conn.execute("SELECT module, paths FROM layout_modules")}

    def index_sha(self, path: str) -> str | None:
        """The sha of `path` in the stored index snapshot (`index_files`), None when it is not in it."""
        row = self.conn.execute("SELECT sha FROM index_files WHERE path = ?", (path,)).fetchone()
        return str(row[0]) if row else None

    def index_shas(self, paths: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        paths = list(paths)
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self.conn.execute(f"SELECT path, sha FROM index_files WHERE path IN ({marks})", chunk))
        return out

    def index_listing(self, suffix: str = "") -> dict[str, str]:
        """path -> sha of the whole stored index snapshot (of the paths ending with `suffix`)."""
        if not suffix:
            return dict(self.conn.execute("SELECT path, sha FROM index_files"))
        return dict(self.conn.execute("SELECT path, sha FROM index_files WHERE substr(path, -?) = ?",
                                      (len(suffix), suffix)))

    def count_index(self, suffix: str) -> int:
        return int(self.conn.execute("SELECT count(*) FROM index_files WHERE substr(path, -?) = ?",
                                     (len(suffix), suffix)).fetchone()[0])

    def refs_to(self, dotted: str) -> list[tuple[str, str, str, int]]:
        """(path, dotted, kind, line) of references to `dotted` or anything under it."""
        return list(self.conn.execute(
            "SELECT path, dotted, kind, line FROM refs WHERE dotted = ? OR (dotted >= ? AND dotted < ?) "
            "ORDER BY path, line", (dotted, dotted + ".", dotted + "/")))

    def referring_paths(self, dotted: str, kinds: tuple[str, ...]) -> set[str]:
        """The paths holding a reference of `kinds` to `dotted` or anything under it (one row per path: the
        top-level package of a big project is referred to 60,000 times from 2,000 files)."""
        marks = ",".join("?" * len(kinds))
        return {r[0] for r in self.conn.execute(
            f"SELECT DISTINCT path FROM refs WHERE (dotted = ? OR (dotted >= ? AND dotted < ?)) AND kind IN ({marks})",
            (dotted, dotted + ".", dotted + "/", *kinds))}

    def refs_at(self, dotted: str, kinds: tuple[str, ...]) -> list[tuple[str, str, str, int]]:
        """(path, dotted, kind, line) of the references of `kinds` to exactly `dotted` (nothing under it)."""
        marks = ",".join("?" * len(kinds))
        return list(self.conn.execute(
            f"SELECT path, dotted, kind, line FROM refs WHERE dotted = ? AND kind IN ({marks}) ORDER BY path, line",
            (dotted, *kinds)))

    def refs_from(self, path: str) -> list[tuple[str, str, int]]:
        return list(self.conn.execute("SELECT dotted, kind, line FROM refs WHERE path = ? ORDER BY line", (path,)))

    def definers(self, name: str) -> list[tuple[str, str]]:
        return list(self.conn.execute("SELECT module, path FROM defs WHERE name = ? ORDER BY module", (name,)))

    def stored(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT dotted FROM stores")}

    def count(self, table: str) -> int:
        assert table in _TABLES
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # -- writes (inside a transaction) -------------------------------------------------------------
    def put_blobs(self, items: Iterable[tuple[str, bytes]]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)", items)

    def put_files(self, rows: Iterable[tuple[str, int, int, str]]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)

    def delete_files(self, paths: Iterable[str]) -> None:
        keys = [(p,) for p in paths]
        for table in ("files", "refs", "defs", "stores"):
            self.conn.executemany(f"DELETE FROM {table} WHERE path = ?", keys)

    def replace_derived(self, paths: Iterable[str], refs: Iterable[tuple[str, str, str, int]],
                        defs: list[tuple[str, str, str]], stores: list[tuple[str, str]]) -> None:
        """(`refs` is inserted first, so it may be a stream that fills `defs` and `stores` as it goes.)"""
        keys = [(p,) for p in paths]
        for table in ("refs", "defs", "stores"):
            self.conn.executemany(f"DELETE FROM {table} WHERE path = ?", keys)
        self.conn.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)", refs)
        self.conn.executemany("INSERT INTO defs VALUES (?, ?, ?)", defs)
        self.conn.executemany("INSERT INTO stores VALUES (?, ?)", stores)

    def clear_derived(self) -> None:
        for table in ("refs", "defs", "stores"):
            self.conn.execute(f"DELETE FROM {table}")

    def fill_derived(self, refs: Iterable[tuple[str, str, str, int]], defs: list[tuple[str, str, str]],
                     stores: list[tuple[str, str]]) -> None:
        """Replace every derived row (a full rebuild): the indexes are built once, after the inserts."""
        self.clear_derived()
        for index in _DERIVED_INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {index}")
        self.replace_derived([], refs, defs, stores)
        for statement in _SCHEMA.split(";"):
            if "CREATE INDEX" in statement:
                self.conn.execute(statement)

    def put_layout(self, key: str, data: bytes, modules: Mapping[str, list[str]]) -> None:
        """Keep the layout of the current file set only (it is rebuilt when files are added or removed); its
        module -> files map goes to a table of its own, read a module at a time."""
        self.conn.execute("DELETE FROM layouts WHERE key != ?", (key,))
        self.conn.execute("INSERT OR REPLACE INTO layouts VALUES (?, ?)", (key, data))
        self.conn.execute("DELETE FROM layout_modules")
        self.conn.executemany("INSERT INTO layout_modules VALUES (?, ?)",
                              ((m, "\0".join(paths)) for m, paths in modules.items()))

    def put_index(self, changes: dict[str, str | None], *, replace: bool = False) -> None:
        """Apply path -> sha (None: gone) to the stored index snapshot (`replace`: it is the whole snapshot)."""
        if replace:
            self.conn.execute("DELETE FROM index_files")
        self.conn.executemany("DELETE FROM index_files WHERE path = ?",
                              [(p,) for p, sha in changes.items() if sha is None])
        self.conn.executemany("INSERT OR REPLACE INTO index_files VALUES (?, ?)",
                              [(p, sha) for p, sha in changes.items() if sha is not None])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def gc_blobs(self) -> None:
        """Drop facts no file refers to, once they outnumber the files (old versions read from git)."""
        if self.count("blobs") > 2 * self.count("files") + 1000:
            self.conn.execute("DELETE FROM blobs WHERE sha NOT IN (SELECT sha FROM files)")


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _locked(path: Path) -> GraphError:
    return GraphError(f"the graph database {path} is locked by another process (another yantra running?); "
                      "wait for it to finish and retry")


def claim_database(path: Path) -> bool:
    """Make sure `path` may be used as Yantra's database; True when it is new (created now, or empty).

    Refused with a GraphError (nothing touched): a symbolic link at the path or at one of its journals,
    anything but a regular file, a file that is not a SQLite database, a SQLite database of someone else."""
    for suffix in _SIDE_FILES:
        side = Path(str(path) + suffix)
        if side.is_symlink():
            raise GraphError(f"{side} is a symbolic link; yantra never follows links for its database: remove it")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                     0o644)
    except FileExistsError:
        if not is_yantra_database(path):
            raise _not_ours(path) from None
        return os.lstat(path).st_size == 0
    except OSError as exc:
        raise GraphError(f"cannot create the graph database {path} ({exc.strerror})") from exc
    os.close(fd)
    return True


def is_yantra_database(path: Path) -> bool:
    """Whether the existing file at `path` is empty or a SQLite database carrying Yantra's application id
    (or, from before the id existed, Yantra's `meta` rows). Never follows a symbolic link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    if st.st_size == 0:
        return True
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        header = os.read(fd, 100)
    except OSError:
        return False
    finally:
        os.close(fd)
    if len(header) < 72 or not header.startswith(_SQLITE_MAGIC):
        return False
    app_id = int.from_bytes(header[68:72], "big")
    return app_id == APPLICATION_ID or (app_id == 0 and _legacy_meta(path))


def _legacy_meta(path: Path) -> bool:
    """A database written by a Yantra that did not set the application id yet: its meta names yantra."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except (sqlite3.Error, ValueError, OSError):
        return False
    try:
        keys = {r[0] for r in conn.execute("SELECT key FROM meta WHERE key IN ('yantra', 'parser', 'schema')")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return keys == {"yantra", "parser", "schema"}


def _adopt_legacy(conn: sqlite3.Connection, path: Path) -> None:
    if not _legacy_meta(path):
        raise _not_ours(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _not_ours(path: Path) -> GraphError:
    return GraphError(f"{path} exists and is not a Yantra graph database; yantra will not overwrite it: "
                      "move the file away or point [tool.yantra] db-path elsewhere")


def delete_database(path: Path) -> None:
    """Delete the Yantra database at `path` and its journals (a file that is not ours: GraphError)."""
    if not is_yantra_database(path):
        raise _not_ours(path)
    for suffix in ("", *_SIDE_FILES):
        with contextlib.suppress(OSError):
            Path(str(path) + suffix).unlink()
