"""Which picture of the repository the graph is built from, and the bytes of its files.

- `Source.INDEX`: what `git commit` would record (pre-commit mode): the staged blob of every tracked file,
  deletions and renames applied, untracked files absent. Listed with one `git ls-files -s` (or, with a stored
  snapshot, brought up to date from one `git diff-index` of the index against HEAD, `bot.graph.staged`); bytes
  of blobs the store has never parsed are read from the working-tree copy when it hashes to the blob (a
  staged change usually: no git process), else from blobs (one `cat-file --batch`). No stat cache at all.
- `Source.COMMIT`: a commit's tree (pre-push: the pushed tip), listed with `ls-tree -r`, read from blobs.
- `Source.WORKTREE`: the checked-out files plus untracked ones (CI `--base`, the fix pipeline). A tracked file
  git's own stat check (ctime and racy timestamps included) finds unchanged is its index blob; every other
  file is read and hashed. Outside a git repository every file is read and hashed.

Facts are keyed by blob SHA-1 of the content in every mode, never by mtime or size.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, MutableMapping
from enum import Enum
from pathlib import Path

from bot.errors import GitError
from bot.git import MODE_FILE, MODE_LINK, Entry, Git, StagedChange
from bot.graph.languages import ALL_SUFFIXES
from bot.graph.staged import IndexDelta, StoredShas, index_delta
from bot.graph.store import Store, blob_sha
from bot.repo_files import FileSkipped, RepoFiles, open_regular

SKIP_DIRS = {".git", ".hg", ".svn", "venv", ".venv", ".tox", ".nox", "build", "dist", "node_modules",
             "__pycache__", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".yantra", "site-packages"}
SUFFIXES = ALL_SUFFIXES  # every registered language's sources and stubs
WORKTREE_READS = 64  # at most this many blobs to read (a change, not a build): try their working-tree copies first


class Source(Enum):
    WORKTREE = "worktree"
    INDEX = "index"
    COMMIT = "commit"


class Snapshot:
    """path -> blob sha of the Python sources (.py and .pyi) in scope, and their bytes on demand.

    An index snapshot is taken in two steps: `take_snapshot` asks git only what the index changes relative to
    HEAD's tree; `settle(store)` then applies that to the store's last index snapshot (`bot.graph.staged`), or
    lists the whole index when the store has none it can vouch for (also on first use of `shas` unsettled)."""

    def __init__(self, root: Path, source: Source, git: Git | None, shas: MutableMapping[str, str] | None,
                 data: dict[str, bytes], tracked: Iterable[str] | None = ()) -> None:
        self.root = root
        self.source = source
        self.git = git
        self._shas = shas
        self._data = data  # sha -> bytes already read (working-tree files, blobs read this run)
        self._tracked = tracked  # every path of the index/tree (for directories of non-Python files); None: ask git
        self._dirs: set[str] | None = None
        self._dir_memo: dict[str, bool] = {}
        self.vanished: list[str] = []  # listed, but gone (or unreadable) when read
        self.tree: str | None = None  # index mode: HEAD's tree id
        self.head: str | None = None  # index mode: HEAD's commit (asked with the tree: one git process)
        self.staged: list[str] | None = None  # index mode, unsettled: where the index differs from `tree`
        self.changes: list[StagedChange] | None = None  # index mode: git's entries of that difference (renames found)
        self.has_links = False  # a symbolic link in scope (its sha is its target's)
        # the configuration and metadata files as this picture has them (`take_snapshot` sets the index's or the
        # commit's; `open_graph` may hand over the ones the configuration was read from)
        self.files = RepoFiles(root)

    @property
    def shas(self) -> MutableMapping[str, str]:
        if self._shas is None:
            self._list_index()
        assert self._shas is not None
        return self._shas

    def settle(self, store: Store, roots: tuple[str, ...]) -> IndexDelta | None:
        """Index mode: bring `shas` up to date from the store's last index snapshot and git's diff (the
        delta); None when the whole index was listed instead (or this is not an index snapshot)."""
        if self.source is not Source.INDEX or self.tree is None or self.staged is None:
            return None
        delta = None
        if self.git is not None and self.changes is not None:
            delta = index_delta(store, self.git, self.tree, self.changes, roots, in_scope)
        if delta is None:
            self._list_index()
            return None
        self._shas = StoredShas(store, dict(delta.overlay))
        self._tracked = None
        return delta

    def _list_index(self) -> None:
        assert self.git is not None
        full = _from_records(self.root, self.source, self.git, self.git.index_records())
        self._shas, self._tracked, self.has_links = full._shas, full._tracked, full.has_links
        self._data.update(full._data)

    # -- contents ---------------------------------------------------------------------------------
    def load(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The bytes of `paths`. A working-tree file is hashed as read (its sha in `shas` follows)."""
        paths = [p for p in paths if p in self.shas]
        out: dict[str, bytes] = {}
        if self.source is Source.WORKTREE:
            for p in paths:
                data = self._data.get(self.shas[p])
                if data is None:
                    data = _read_regular(self.root / p, self.root)
                if data is None:
                    self.vanished.append(p)
                    del self.shas[p]
                    continue
                self.shas[p] = blob_sha(data)
                out[p] = data
            return out
        assert self.git is not None
        missing = {self.shas[p]: p for p in paths if self.shas[p] not in self._data}
        if len(missing) <= WORKTREE_READS:
            self._data.update(self._same_on_disk(missing))
        self._data.update(self.git.read_blobs([sha for sha in missing if sha not in self._data]))
        for p in paths:
            if self.shas[p] in self._data:
                out[p] = self._data[self.shas[p]]
            else:  # a blob the repository lacks (a partial clone): the file cannot be judged
                self.vanished.append(p)
                del self.shas[p]
        return out

    def data(self, path: str) -> bytes | None:
        """The bytes of one file of the snapshot (None when it is not in it)."""
        if path not in self.shas:
            return None
        sha = self.shas[path]
        if sha in self._data:
            return self._data[sha]
        if self.source is Source.WORKTREE:
            return _read_regular(self.root / path, self.root)
        assert self.git is not None
        data = self._same_on_disk({sha: path}).get(sha)
        return data if data is not None else self.git.read_blobs([sha]).get(sha)

    def _same_on_disk(self, wanted: dict[str, str]) -> dict[str, bytes]:
        """sha -> bytes of those blobs (sha -> path) whose working-tree copy is byte for byte the blob (its
        SHA-1 says so): the staged content of a change, read with no git process."""
        out: dict[str, bytes] = {}
        for sha, path in wanted.items():
            data = _read_regular(self.root / path, self.root)
            if data is not None and blob_sha(data) == sha:
                out[sha] = data
        return out

    def forget_contents(self) -> None:
        """Drop the bytes held in memory (after a build has parsed them)."""
        self._data.clear()

    def is_dir(self, rel: str) -> bool:
        """`rel` is a directory of the snapshot (with any file in it: a namespace package or data dir)."""
        if self.source is Source.WORKTREE:
            return (self.root / rel).is_dir()
        if self._tracked is None:  # a settled index snapshot: ask the index about this one directory
            assert self.git is not None
            if rel not in self._dir_memo:
                self._dir_memo[rel] = self.git.index_has_dir(rel)
            return self._dir_memo[rel]
        if self._dirs is None:
            self._dirs = {d for p in self._tracked for d in _parents(p)}
        return rel in self._dirs

    def close(self) -> None:
        if self.git is not None:
            self.git.close()


def take_snapshot(root: Path, source: Source, *, commit: str | None = None) -> Snapshot:
    """The files of `root` as `source` sees them (`commit` for Source.COMMIT)."""
    root = Path(root)
    git = Git(root) if (root / ".git").exists() else None
    if git is None:
        if source is not Source.WORKTREE:
            raise GitError(f"{root} is not a git repository: there is no index or commit to read")
        return _walked(root)
    if source is Source.WORKTREE:
        return _worktree(root, git)
    if source is Source.INDEX:
        snap = Snapshot(root, source, git, None, {})
        snap.files = RepoFiles(root, git)
        snap.head, snap.tree = git.head_and_tree()
        if snap.tree is not None:
            try:
                snap.changes = git.index_changes(snap.tree)
            except GitError:  # (a git without --ita-visible-in-index): the whole listing it is
                return snap
            snap.staged = sorted({p for c in snap.changes for p in (c.path, c.old_path)})
        return snap
    assert commit is not None
    snap = _from_records(root, source, git, [(e.mode, e.sha, e.path) for e in git.tree_entries(commit)])
    snap.files = RepoFiles(root, git, commit)
    return snap


def _from_records(root: Path, source: Source, git: Git, records: list[tuple[str, str, str]]) -> Snapshot:
    """The snapshot of a listing's (mode, sha, path) records: one pass, no object per record (an index of
    100,000 files is read on every check)."""
    shas: dict[str, str] = {}
    links: list[Entry] = []
    paths = [r[2] for r in records]
    plain = _plain("\0".join(paths))
    for mode, sha, path in records:
        if not path.endswith(SUFFIXES) or not (plain or in_scope(path)):
            continue
        if mode in MODE_FILE:
            shas[path] = sha
        elif mode == MODE_LINK:
            links.append(Entry(path, mode, sha))
    snap = Snapshot(root, source, git, shas, {}, paths)
    snap.has_links = bool(links)
    if links:
        _resolve_links(snap, links, {path: Entry(path, mode, sha) for mode, sha, path in records})
    return snap


def _plain(listing: str) -> bool:
    """The usual listing (paths joined by NUL): ASCII names, no tool or environment directory on the way, so a
    Python suffix is all `in_scope` would ask of each path."""
    if not listing.isascii():
        return False
    return not any(listing.startswith(d + "/") or f"/{d}/" in listing or f"\0{d}/" in listing for d in SKIP_DIRS)


def _resolve_links(snap: Snapshot, links: list[Entry], by_path: dict[str, Entry]) -> None:
    """A symbolic link to a file of the same snapshot is that file; any other link is read through the
    working tree (a module must not look missing because it is a link)."""
    assert snap.git is not None
    targets = snap.git.read_blobs([e.sha for e in links])
    for e in links:
        text = targets.get(e.sha, b"").decode("utf-8", "surrogateescape")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(e.path), text))
        hit = by_path.get(target)
        if hit is not None and hit.mode in MODE_FILE:
            snap.shas[e.path] = hit.sha
            continue
        data = _read_regular(snap.root / e.path, snap.root)
        if data is not None:
            sha = blob_sha(data)
            snap.shas[e.path] = sha
            snap._data[sha] = data


def _worktree(root: Path, git: Git) -> Snapshot:
    entries = git.index_entries()
    differs = git.worktree_differs()
    shas: dict[str, str] = {}
    data: dict[str, bytes] = {}
    to_read = [p for p in git.untracked("*.py", "*.pyi") if in_scope(p)]
    for e in entries:
        if not in_scope(e.path):
            continue
        if e.mode in MODE_FILE and e.path not in differs:
            shas[e.path] = e.sha
        elif e.mode in MODE_FILE or e.mode == MODE_LINK:
            to_read.append(e.path)
    for p in to_read:
        content = _read_regular(root / p, root)
        if content is not None:
            sha = blob_sha(content)
            shas[p] = sha
            data[sha] = content
    return Snapshot(root, Source.WORKTREE, git, shas, data)


def _walked(root: Path) -> Snapshot:
    shas: dict[str, str] = {}
    data: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        for name in filenames:
            if not in_scope(prefix + name):
                continue
            content = _read_regular(Path(dirpath) / name, root)
            if content is not None:
                sha = blob_sha(content)
                shas[prefix + name] = sha
                data[sha] = content
    return Snapshot(root, Source.WORKTREE, None, shas, data)


_SKIPPED = re.compile("(?:^|/)(?:" + "|".join(re.escape(d) for d in sorted(SKIP_DIRS)) + ")/")


def in_scope(path: str) -> bool:
    """A Python source (.py/.pyi) outside tool and environment directories, with a UTF-8 name."""
    if not path.endswith(SUFFIXES) or _SKIPPED.search(path):  # a directory (not the file) named like one
        return False
    if path.isascii():
        return True
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False  # not representable in the store (and not importable as a module)
    return True


def _read_regular(full: Path, root: Path) -> bytes | None:
    """The bytes of a regular file inside `root` (`bot.repo_files.open_regular` judges it); None for anything
    else: a hostile checkout can commit `app/x.py -> ~/.config/secrets.py`, and what it points at is not the
    repository's code (it must never be parsed, quoted or sent to the model)."""
    try:
        fd = open_regular(root, full)
    except (FileSkipped, ValueError):
        return None
    if fd is None:
        return None
    try:
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _parents(path: str) -> Iterable[str]:
    parts = path.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        yield "/".join(parts[:i])
