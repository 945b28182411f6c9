"""Reading the repository's own configuration and metadata files without trusting them.

A checkout may hold a FIFO named `tox.ini` (opening it for reading would wait forever), a socket, a device, a
dangling or outward-pointing symbolic link (`requirements-dev.txt -> /proc/self/environ`), a directory named
`pyproject.toml`, or a file too large to be configuration. `read_bytes` opens only regular files inside the
repository, never blocks, and raises `FileSkipped` with the reason for anything else; `read_text_or_note`
turns that into a note the run reports (`take_notes`) and returns None.

`RepoFiles` reads those files from the picture of the repository that is judged (DESIGN §2): the working tree,
or, in pre-commit mode, the index — the commit's own configuration is the staged one, so an unstaged edit of
pyproject.toml must not change the verdict — or a pushed commit's tree. Git's listing of the few names asked
for is one `ls-files -s` (or `ls-tree`) call, made once; a file whose working-tree copy is byte-identical to
its staged blob (the usual case) is read from disk, any other from its blob.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import posixpath
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.git import Git

MAX_CONFIG_BYTES = 8_000_000  # no configuration or requirements file is this large

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_NOTES: list[str] = []


class FileSkipped(Exception):
    """A file that exists but is not read; str() is the reason ("is a FIFO")."""


# the configuration and build files at the top of a repository that a check may read: listed from git in one
# call the first time any of them is asked for
ROOT_FILES = ("pyproject.toml", "setup.cfg", ".pre-commit-config.yaml", "ruff.toml", ".ruff.toml", ".flake8",
              "tox.ini", "setup.py", "hatch.toml", "meson.build", "PKG-INFO")
_MODE_LINK, _MODE_DIR = "120000", "040000"
_MODE_FILES = ("100644", "100755")
_LINK_HOPS = 8


class RepoFiles:
    """The repository's configuration and metadata files as one picture of it has them: the working tree
    (`git` None), the index (`git` given, `commit` None), or `commit`'s tree. Paths are relative, "/"-separated."""

    def __init__(self, root: Path, git: Git | None = None, commit: str | None = None) -> None:
        self.root = Path(root)
        self.git = git
        self.commit = commit
        self._entries: dict[str, tuple[str, str] | None] = {}  # path -> (mode, sha) in git; None: absent
        self._memo: dict[str, bytes | FileSkipped | None] = {}

    def close(self) -> None:
        """End the git process a blob read started (the files read stay known)."""
        if self.git is not None:
            self.git.close()

    def read_bytes(self, rel: str) -> bytes | None:
        """The content of `rel`; None when the picture has no such file. FileSkipped when it is not a regular
        file (a FIFO, a link out of the repository, a submodule...) or is too large."""
        if rel not in self._memo:
            try:
                self._memo[rel] = read_bytes(self.root, rel) if self.git is None else self._from_git(rel, 0)
            except FileSkipped as exc:
                self._memo[rel] = exc
        got = self._memo[rel]
        if isinstance(got, FileSkipped):
            raise got
        return got

    def read_text(self, rel: str) -> str | None:
        data = self.read_bytes(rel)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read_text_or_note(self, rel: str) -> str | None:
        try:
            return self.read_text(rel)
        except FileSkipped as exc:
            note_skipped(rel, str(exc))
            return None

    def is_file(self, rel: str) -> bool:
        return self.any_file([rel])

    def any_file(self, paths: list[str]) -> bool:
        """Whether the picture holds a file at any of `paths` (at most one git call for those not yet known)."""
        if self.git is None:
            return any((self.root / rel).is_file() for rel in paths)
        self._list([p for p in paths if p not in self._entries])
        return any(e is not None and e[0] in (*_MODE_FILES, _MODE_LINK) for e in map(self._entries.get, paths))

    def is_dir(self, rel: str) -> bool:
        if self.git is None:
            return (self.root / rel).is_dir()
        if self.commit is None:
            return self.git.index_has_dir(rel)
        return any(mode == _MODE_DIR for mode, _, _ in self.git.tree_records_of(self.commit, [rel]))

    def paths_matching(self, *globs: str) -> list[str] | None:
        """The picture's paths matching git wildcard `globs` (`*` crosses "/"); None for the working tree (the
        caller walks it)."""
        if self.git is None:
            return None
        if self.commit is None:
            return self.git.index_paths_matching(*globs)
        from fnmatch import fnmatchcase

        return [e.path for e in self.git.tree_entries(self.commit) if any(fnmatchcase(e.path, g) for g in globs)]

    def words_in_files(self, words: list[str]) -> set[tuple[str, str]] | None:
        """(path, word) for the picture's Python files that hold one of `words` as a whole word (one `git grep`,
        `bot.git.Git.words_in_files`); None when it cannot be told (no git repository, git failed)."""
        if self.git is not None:
            return self.git.words_in_files(words, self.commit)
        if not (self.root / ".git").exists():
            return None
        from bot.git import Git

        with Git(self.root) as g:
            return g.words_in_files(words, index=False)

    def entries(self, paths: list[str]) -> list[tuple[str, str, str]]:
        """(path, mode, blob sha) of those of `paths` the picture holds, sorted: one git call (nothing for the
        working tree, whose files are not named by a blob)."""
        if self.git is None or not paths:
            return []
        records = (self.git.index_records_of(paths) if self.commit is None
                   else self.git.tree_records_of(self.commit, paths))
        return sorted((path, mode, sha) for mode, sha, path in records)

    def _entry(self, rel: str) -> tuple[str, str] | None:
        if rel not in self._entries:
            self._list([rel])
        return self._entries[rel]

    def _list(self, paths: list[str]) -> None:
        """Learn the entries of `paths` (with every top-level configuration file, the first time): one call."""
        if not paths:
            return
        wanted = paths if self._entries else [*paths, *(n for n in ROOT_FILES if n not in paths)]
        assert self.git is not None
        records = (self.git.index_records_of(wanted) if self.commit is None
                   else self.git.tree_records_of(self.commit, wanted))
        self._entries.update(dict.fromkeys(wanted))
        self._entries.update({path: (mode, sha) for mode, sha, path in records})

    def _from_git(self, rel: str, hops: int) -> bytes | None:
        entry = self._entry(rel)
        if entry is None:
            return None
        mode, sha = entry
        if mode == _MODE_LINK:
            return self._through_link(rel, sha, hops)
        if mode not in _MODE_FILES:
            raise FileSkipped("is a submodule, not a regular file" if mode == "160000" else "is not a regular file")
        try:  # the working-tree copy, when it is byte for byte the blob (no git process needed)
            data = read_bytes(self.root, rel)
        except FileSkipped:
            data = None
        if data is None or hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() != sha:
            assert self.git is not None
            data = self.git.read_blobs([sha]).get(sha)
            if data is None:
                raise FileSkipped("is missing from the repository's objects (a partial clone?)")
        if len(data) > MAX_CONFIG_BYTES:
            raise FileSkipped(f"is larger than {MAX_CONFIG_BYTES // 1_000_000} MB")
        return data

    def _through_link(self, rel: str, sha: str, hops: int) -> bytes | None:
        """A symbolic link committed in the picture: the file it points at in the same picture."""
        assert self.git is not None
        text = self.git.read_blobs([sha]).get(sha, b"").decode("utf-8", "surrogateescape")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), text))
        if text.startswith("/") or target == ".." or target.startswith("../"):
            raise FileSkipped("is a link to a file outside the repository")
        if hops >= _LINK_HOPS:
            raise FileSkipped("is a loop of symbolic links")
        data = self._from_git(target, hops + 1)
        if data is None:
            raise FileSkipped("is a dangling symbolic link")
        return data


def read_bytes(root: Path, rel: str, *, max_bytes: int = MAX_CONFIG_BYTES) -> bytes | None:
    """The content of the regular file `root/rel`; None when nothing exists there (not even a link)."""
    fd = open_regular(root, Path(root) / rel)
    if fd is None:
        return None
    try:
        if os.fstat(fd).st_size > max_bytes:
            raise FileSkipped(f"is larger than {max_bytes // 1_000_000} MB")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise FileSkipped(f"is larger than {max_bytes // 1_000_000} MB")
        return b"".join(chunks)
    except OSError as exc:
        raise FileSkipped(f"cannot be read ({exc.strerror})") from exc
    finally:
        os.close(fd)


_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


def open_regular(root: Path, path: Path) -> int | None:
    """A descriptor open for reading on the regular file `path`, which must lie inside `root` once every symbolic
    link is resolved (of the file itself or of a directory on its way); None when nothing exists there, not even
    a link. Raises FileSkipped with the reason for anything else: a FIFO (never waited on), a socket, a device, a
    directory, a dangling link, a file outside the repository. Type and place are judged on the opened
    descriptor, so a file or directory swapped for a FIFO or a link after a look is not read either. The one
    place that judges whether a file of the checkout may be read (configuration, metadata and source alike)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno != errno.ELOOP:  # ELOOP: the file itself is a link (O_NOFOLLOW); follow it once, judged below
            raise _unreadable(path, exc) from exc
        try:
            fd = os.open(os.path.realpath(path), _READ_FLAGS)
        except FileNotFoundError:
            raise FileSkipped("is a dangling symbolic link") from None
        except OSError as exc2:
            raise _unreadable(path, exc2) from exc2
    try:
        _require_regular(os.fstat(fd))
        base = _real_root(str(root))
        if os.path.commonpath([_opened_path(fd) or os.path.realpath(path), base]) != base:
            raise FileSkipped("is a link to a file outside the repository")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unreadable(path: Path, exc: OSError) -> FileSkipped:
    """Why `path` could not be opened: its kind when it is not a regular file (a socket cannot be opened)."""
    try:
        _require_regular(os.stat(path))
    except FileSkipped as kind:
        return kind
    except OSError:
        pass
    return FileSkipped(f"cannot be read ({exc.strerror})")


def _opened_path(fd: int) -> str | None:
    """Where the file open as `fd` is, every link resolved (Linux's /proc); None where that cannot be asked."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


@functools.lru_cache(maxsize=8)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def read_text(root: Path, rel: str) -> str | None:
    """`read_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
    data = read_bytes(root, rel)
    return None if data is None else data.decode("utf-8", errors="replace")


def read_text_or_note(root: Path, rel: str) -> str | None:
    """`read_text`, with a skipped file recorded as a note and read as absent."""
    try:
        return read_text(root, rel)
    except FileSkipped as exc:
        note_skipped(rel, str(exc))
        return None


def note_skipped(rel: str, reason: str) -> None:
    note = f"skipped {rel}: it {reason}"
    if note not in _NOTES:
        _NOTES.append(note)


def take_notes() -> list[str]:
    """The notes recorded since the last call (each once), for the run's report."""
    notes = list(_NOTES)
    _NOTES.clear()
    return notes


def _require_regular(st: os.stat_result) -> None:
    if stat.S_ISREG(st.st_mode):
        return
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise FileSkipped(f"is {kind}, not a regular file")
    raise FileSkipped("is not a regular file")


def parse_toml(text: str | None) -> dict[str, Any] | None:
    """A configuration file's TOML as the tool reading it would take it: None when there is no text or the tool
    could not read it either (invalid, or nested too deeply)."""
    if text is None:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
