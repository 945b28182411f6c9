"""The git seam: every git call goes through `Git` here, and git command lines are built only in this module and
its two named parts — `bot.git_remote` (the Action's workspace: fetch, check out, commit as the bot, push with an
expected remote head) and `bot.git_worktree` (the fix pipeline: scratch worktrees, patches, local commits).
`tests/test_architecture.py` fails when another module builds one or hands a git subcommand to a runner.

`Git(root)` runs git in one repository: a timeout on every call, retries (bounded) while another git holds
a lock file (`index.lock`, a ref's or the config's), output read with `-z` where git offers it, blobs read
through one long-lived `git cat-file --batch`. A failing command raises `GitError` carrying the command, its
return code, stdout and stderr. GIT_INDEX_FILE (pre-commit sets it in some modes) is inherited, so "the index"
is the one git itself would commit. The module-level functions are the same calls for callers that hold no `Git`.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from bot.errors import GitError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40
TIMEOUT_S = 60.0
# Another git (an IDE, a status bar, a hook) holding a lock file for a moment: git says "Unable to create
# '<path>.lock': File exists" (the index, a ref) or "could not lock config file <path>: File exists". Such a run
# is retried with backoff for at most LOCK_WAIT_S of sleep in all (9 runs); a lock that stays is then the error.
LOCK_HELD = re.compile(rb"index\.lock|Unable to create '[^']*\.lock': File exists"
                       rb"|could not lock config file [^\n]*: File exists")
LOCK_WAIT_S = 2.5
MODE_FILE = ("100644", "100755")
MODE_LINK = "120000"
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256
_INDEX_RECORD = re.compile(r"(\d+) ([0-9a-f]+) 0\t([^\0]*)\0")  # `ls-files -s -z`, stage 0: mode, sha, path


@dataclass(frozen=True, slots=True)
class StagedChange:
    """One entry of `git diff --raw`: status letter A/M/D/R/C/T, paths, blob shas."""

    status: str
    path: str  # the path in the index (the new path of a rename)
    old_path: str  # the path in HEAD (equal to `path` unless renamed or copied)
    old_sha: str  # NULL_SHA when added
    new_sha: str  # NULL_SHA when deleted
    old_mode: str = ""  # "000000" when added; "100644", "120000" (link), "160000" (submodule)...
    new_mode: str = ""  # "000000" when deleted (and for an unmerged entry)


class Entry(NamedTuple):
    """One file of the index (`ls-files -s`) or of a commit's tree (`ls-tree -r`) (a tuple: an index of
    100,000 files is read on every check)."""

    path: str
    mode: str  # "100644", "100755", "120000" (symbolic link), "160000" (submodule)
    sha: str


class Git:
    """git in the work tree at `root` (see the module docstring)."""

    def __init__(self, root: Path, *, timeout: float = TIMEOUT_S) -> None:
        self.root = Path(root)
        self.timeout = timeout
        self._batch: _BatchReader | None = None

    # -- running ---------------------------------------------------------------------------------
    def run(self, args: Sequence[str], *, stdin: bytes | None = None, check: bool = True,
            literal_paths: bool = False, env: Mapping[str, str] | None = None) -> bytes:
        """`git ARGS` in the root; stdout. Retries while a lock is held; GitError on failure/timeout.
        `env` adds to the environment (an author identity, say)."""
        cmd = ["git", *args]
        proc = self._exec(cmd, stdin, literal_paths, env)
        if check and proc.returncode != 0:
            raise GitError(_describe(cmd, proc.returncode, proc.stdout, proc.stderr))
        return proc.stdout

    def completed(self, args: Sequence[str], *, stdin: bytes | None = None,
                  env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """`git ARGS` in the root, whatever its exit status (the caller judges it); lock retries, timeout."""
        return self._exec(["git", *args], stdin, False, env)

    def succeeds(self, args: Sequence[str], *, literal_paths: bool = False) -> bool:
        """Whether `git ARGS` exits 0 (for commands that answer with their exit status)."""
        return self._exec(["git", *args], None, literal_paths).returncode == 0

    def _exec(self, cmd: list[str], stdin: bytes | None, literal_paths: bool,
              extra: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """One run, run again while another git holds a lock (the only retry layer of the seam)."""
        env = {**_env(literal_paths), **(extra or {})}
        waited, pause = 0.0, 0.05
        while True:
            proc = self._once(cmd, stdin, env)
            if proc.returncode == 0 or not LOCK_HELD.search(proc.stderr) or waited + pause > LOCK_WAIT_S:
                return proc
            time.sleep(pause)
            waited, pause = waited + pause, pause * 1.5

    def _once(self, cmd: list[str], stdin: bytes | None, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
        """One run in its own process group, so a timeout also ends what git started (aliases, helpers)."""
        try:
            proc = subprocess.Popen(cmd, cwd=self.root, stdin=subprocess.PIPE if stdin is not None else
                                    subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                    start_new_session=True)
        except OSError as exc:
            raise GitError(f"could not run {' '.join(cmd)}: {exc}; is git installed?") from exc
        try:
            out, err = proc.communicate(stdin, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)
            raise GitError(f"`{' '.join(cmd)}` did not finish in {self.timeout:g} s") from exc
        except BaseException:
            _kill_group(proc)
            raise
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)

    def close(self) -> None:
        if self._batch is not None:
            self._batch.close()
            self._batch = None

    def __enter__(self) -> Git:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the repository ----------------------------------------------------------------------------
    def toplevel(self) -> Path | None:
        return self._rev_parse_path("--show-toplevel")

    def git_dir(self) -> Path | None:
        """The git directory (a linked worktree's own), or None outside a repository."""
        return self._rev_parse_path("--absolute-git-dir")

    def _rev_parse_path(self, option: str) -> Path | None:
        try:
            text = self.run(["rev-parse", option]).decode("utf-8", "surrogateescape").strip()
        except GitError:
            return None
        return Path(text) if text else None

    def commit(self, ref: str) -> str | None:
        """The commit `ref` names, or None (no such ref; HEAD of a repository without commits)."""
        if ref.startswith("-"):
            return None
        out = self.run(["rev-parse", "--verify", "-q", "--end-of-options", f"{ref}^{{commit}}"], check=False)
        return out.decode().strip() or None

    def head(self) -> str | None:
        return self.commit("HEAD")

    def parents(self, commit: str) -> list[str]:
        out = self.run(["rev-list", "--parents", "-n", "1", commit, "--"]).decode().split()
        return out[1:]

    def first_unpushed(self, commit: str) -> str | None:
        """The oldest ancestor of `commit` that no remote-tracking branch contains (None: all are pushed)."""
        out = self.run(["rev-list", "--topo-order", "--reverse", commit, "--not", "--remotes", "--"]).split()
        return out[0].decode() if out else None

    # -- listings ----------------------------------------------------------------------------------
    def index_entries(self) -> list[Entry]:
        """Every stage-0 entry of the index (merge conflicts, not committable, are left out)."""
        return [Entry(path, mode, sha) for mode, sha, path in self.index_records()]

    def index_records(self) -> list[tuple[str, str, str]]:
        """(mode, sha, path) of every stage-0 entry of the index, parsed by one regular expression over the
        whole listing (every check reads the index of every file)."""
        text = self.run(["ls-files", "-s", "-z", "--full-name"]).decode("utf-8", "surrogateescape")
        return _INDEX_RECORD.findall(text)

    def index_records_of(self, paths: Sequence[str]) -> list[tuple[str, str, str]]:
        """`index_records` for exactly `paths` (a directory of that name does not count): one `ls-files -s`
        with literal pathspecs, for the few paths a change touches."""
        if not paths:
            return []
        text = self.run(["ls-files", "-s", "-z", "--full-name", "--", *paths],
                        literal_paths=True).decode("utf-8", "surrogateescape")
        wanted = set(paths)
        return [r for r in _INDEX_RECORD.findall(text) if r[2] in wanted]

    def index_has_dir(self, rel: str) -> bool:
        """Whether the index holds a stage-0 file under the directory `rel`."""
        text = self.run(["ls-files", "-s", "-z", "--full-name", "--", rel],
                        literal_paths=True).decode("utf-8", "surrogateescape")
        return any(path.startswith(rel + "/") for _, _, path in _INDEX_RECORD.findall(text))

    def index_paths_matching(self, *globs: str) -> list[str]:
        """Paths of the index matching git's wildcard pathspecs (`*` also crosses `/`)."""
        return zsplit(self.run(["ls-files", "-z", "--full-name", "--", *globs]))

    def tree_records_of(self, commit: str, paths: Sequence[str]) -> list[tuple[str, str, str]]:
        """(mode, sha, path) of exactly `paths` in `commit`'s tree (directories too: mode 040000)."""
        if not paths:
            return []
        out = self.run(["ls-tree", "-z", "--full-tree", commit, "--", *paths], literal_paths=True)
        wanted = set(paths)
        return [(meta.split(" ")[0], meta.split(" ")[2], path) for meta, path in _records(out) if path in wanted]

    def head_tree(self) -> str | None:
        """HEAD's tree id, or None in a repository without commits."""
        out = self.run(["rev-parse", "--verify", "-q", "HEAD^{tree}"], check=False)
        return out.decode().strip() or None

    def head_and_tree(self) -> tuple[str | None, str | None]:
        """HEAD's commit and its tree id with one git process (the pre-commit path asks for both); (None, None)
        in a repository without commits. The trailing `--` keeps a file named like the revisions from making
        them ambiguous."""
        proc = self.completed(["rev-parse", "HEAD^{commit}", "HEAD^{tree}", "--"])
        words = proc.stdout.decode("ascii", "replace").split()
        if proc.returncode == 0 and len(words) == 3 and all(_OBJECT_ID.fullmatch(w) for w in words[:2]):
            return words[0], words[1]
        head = self.head()  # no commit yet (or an answer not understood): one question at a time, as before
        return head, self.head_tree() if head is not None else None

    def index_changes(self, tree: str) -> list[StagedChange]:
        """What the index changes relative to `tree` (HEAD's), renames found, with both sides' modes and shas:
        the pre-commit path's one reading of the change. Every path where the index differs from `tree` is a
        `path` or `old_path` of an entry (intent-to-add entries are additions of the empty blob, unmerged
        ones "U")."""
        out = self.run(["diff-index", "--cached", "-z", "-M", "--ita-visible-in-index", "--no-ext-diff",
                        "--no-textconv", "--no-abbrev", tree, "--"])
        return parse_raw_diff(out)

    def tree_changes(self, old: str, new: str) -> list[StagedChange]:
        """Every file entry that differs between trees `old` and `new` (recursively, no rename detection: a
        path's `new_sha`/`new_mode` is its entry in `new`, NULL_SHA when `new` has none)."""
        return parse_raw_diff(self.run(["diff-tree", "-r", "-z", "--no-renames", "--no-ext-diff", "--no-textconv",
                                        "--no-abbrev", old, new, "--"]))

    def tree_entries(self, commit: str) -> list[Entry]:
        """Every file of `commit`'s tree (recursively)."""
        out = self.run(["ls-tree", "-r", "-z", "--full-tree", commit, "--"])
        entries: list[Entry] = []
        for meta, path in _records(out):
            mode, kind, sha = meta.split(" ")
            if kind == "blob":
                entries.append(Entry(path, mode, sha))
        return entries

    def words_in_files(self, words: Sequence[str], commit: str | None = None, *, index: bool = True,
                       pathspec: str = "*.py") -> set[tuple[str, str]] | None:
        """(path, word) for the files matching `pathspec` that hold one of `words` (fixed strings) as a whole word
        (where two overlap, git may name only one): in `commit`'s tree, else in the index (`index`), else in the
        working tree (tracked and untracked files). None when git cannot tell."""
        if not words:
            return set()
        where = [commit] if commit else ["--cached"] if index else ["--untracked"]
        args = ["grep", "-o", "-H", "-z", "-w", "-F", "--full-name", "-f", "-", *where, "--", pathspec]
        # (the words on standard input, one a line: thousands of them would not fit on a command line)
        patterns = "".join(w + "\n" for w in words if w and "\n" not in w)
        proc = self.completed(args, stdin=patterns.encode("utf-8", "surrogateescape"))
        if proc.returncode not in (0, 1):
            return None
        prefix = f"{commit}:" if commit else ""
        out: set[tuple[str, str]] = set()
        for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
            path, sep, word = line.partition("\0")
            if sep:
                out.add((path.removeprefix(prefix), word))
        return out

    def untracked(self, *patterns: str) -> list[str]:
        """Files git does not track and does not ignore (matching the glob `patterns`, when given)."""
        return zsplit(self.run(["ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--",
                                *patterns]))

    def worktree_differs(self) -> set[str]:
        """Tracked paths whose working-tree copy may differ from the index (git's own stat check, ctime and
        racy timestamps included): a superset of the really modified files; the rest equal their index blob."""
        return set(zsplit(self.run(["diff-files", "-z", "--name-only", "--no-ext-diff"])))

    def config_origins(self) -> str:
        """Every configuration entry git sees here, with the file it comes from (`config --list --show-origin`);
        "" when git cannot read it."""
        return self.run(["config", "--list", "--show-origin"], check=False).decode("utf-8", "replace")

    def exclude_files(self) -> list[str]:
        """git's exclude files besides the `.gitignore`s: `info/exclude` where git keeps it (a linked worktree:
        the common git directory) and `core.excludesFile` (default `$XDG_CONFIG_HOME/git/ignore`); paths
        relative to the root or absolute."""
        out = self.run(["rev-parse", "--git-path", "info/exclude"], check=False).decode("utf-8", "surrogateescape")
        paths = [out.strip()] if out.strip() else []
        configured = self.run(["config", "--path", "--get", "core.excludesFile"], check=False)
        text = configured.decode("utf-8", "surrogateescape").strip()
        if not text:
            xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
            text = os.path.join(xdg, "git", "ignore")
        return [*paths, text]

    def ls_files(self, *paths: str) -> list[str]:
        return zsplit(self.run(["ls-files", "-z", "--", *paths], literal_paths=True))

    def is_ignored(self, rel: str) -> bool:
        """Whether .gitignore rules ignore `rel` (tracked or not)."""
        return self.succeeds(["check-ignore", "-q", "--no-index", "--", rel])

    # -- changes -----------------------------------------------------------------------------------
    def staged_changes(self) -> list[StagedChange]:
        """What the index changes relative to HEAD (the empty tree when there are no commits), renames found."""
        return self.staged_changes_from(self.head())

    def staged_changes_from(self, head: str | None) -> list[StagedChange]:
        """What the index changes relative to commit `head` (the caller's HEAD, already asked; None: no commits,
        the empty tree), renames found."""
        out = self.run(["diff-index", "--cached", "-z", "-M", "--no-ext-diff", "--no-textconv", "--no-abbrev",
                        head or EMPTY_TREE, "--"])
        return parse_raw_diff(out)

    def changes_since(self, base: str) -> list[StagedChange]:
        """What the working tree changes relative to commit `base` (a CI run's merge base), renames found."""
        commit = self._need_commit(base)
        out = self.run(["diff", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", "--no-textconv", commit, "--"])
        return parse_raw_diff(out)

    def changes_between(self, old: str, new: str) -> list[StagedChange]:
        """What commit `new` changes relative to `old` (a commit or EMPTY_TREE), renames found."""
        old = old if old == EMPTY_TREE else self._need_commit(old)
        out = self.run(["diff-tree", "-r", "-z", "-M", "--no-ext-diff", "--no-textconv", "--no-abbrev",
                        old, self._need_commit(new), "--"])
        return parse_raw_diff(out)

    def _need_commit(self, ref: str) -> str:
        commit = self.commit(ref)
        if commit is None:
            raise GitError(f"{ref!r} is not a commit in {self.root}; fetch it first (e.g. `git fetch --depth=50`)")
        return commit

    # -- blobs -------------------------------------------------------------------------------------
    def read_blobs(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The contents of blobs, read through one long-lived `git cat-file --batch` (missing ones left out)."""
        wanted = [s for s in dict.fromkeys(shas) if s and s != NULL_SHA]
        if not wanted:
            return {}
        if self._batch is None:
            self._batch = _BatchReader(self.root, self.timeout)
        out: dict[str, bytes] = {}
        for sha in wanted:
            data = self._batch.read(sha)
            if data is not None:
                out[sha] = data
        return out

    def blobs_at(self, commit: str | None, paths: Sequence[str]) -> dict[str, str]:
        """path -> blob sha in `commit` for the given paths (absent paths, and commit None: {})."""
        if not paths or commit is None:
            return {}
        out = self.run(["ls-tree", "-z", "--full-tree", commit, "--", *paths], literal_paths=True)
        return {path: meta.split(" ")[2] for meta, path in _records(out) if meta.split(" ")[1] == "blob"}

    def index_blobs(self, paths: Sequence[str]) -> dict[str, str]:
        if not paths:
            return {}
        out = self.run(["ls-files", "-s", "-z", "--", *paths], literal_paths=True)
        return {path: meta.split(" ")[1] for meta, path in _records(out) if meta.split(" ")[2] == "0"}


class _BatchReader:
    """One `git cat-file --batch` process: write a sha, read `<sha> blob <size>\\n<data>\\n`. Each answer
    must arrive within the timeout; a dead or stuck process raises GitError (and is replaced next time)."""

    def __init__(self, root: Path, timeout: float) -> None:
        self.timeout = timeout
        try:
            self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(False))
        except OSError as exc:
            raise GitError(f"could not run git cat-file --batch: {exc}; is git installed?") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.fd = self.proc.stdout.fileno()
        self.buf = b""

    def read(self, sha: str) -> bytes | None:
        try:
            self.stdin.write(sha.encode() + b"\n")
            self.stdin.flush()
        except OSError as exc:
            raise GitError(f"git cat-file --batch stopped: {exc}") from exc
        header = self._line().split()
        if len(header) < 3 or header[1] == b"missing":
            return None
        size = int(header[2])
        data = self._exactly(size + 1)
        return data[:size]

    def _line(self) -> bytes:
        while b"\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def _exactly(self, n: int) -> bytes:
        chunks = [self.buf]
        have = len(self.buf)
        while have < n:
            self.buf = b""
            self._fill()
            chunks.append(self.buf)
            have += len(self.buf)
        joined = b"".join(chunks)
        self.buf = joined[n:]
        return joined[:n]

    def _fill(self) -> None:
        ready, _, _ = select.select([self.fd], [], [], self.timeout)
        if not ready:
            self.close()
            raise GitError(f"git cat-file --batch did not answer in {self.timeout:.0f} s")
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.close()
            raise GitError("git cat-file --batch ended early; is the repository complete?")
        self.buf += chunk

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # (no process groups on Windows)
        proc.kill()
    proc.communicate()


def _env(literal_paths: bool) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    if literal_paths:
        env["GIT_LITERAL_PATHSPECS"] = "1"
    return env


def _describe(cmd: Sequence[str], code: int, out: bytes, err: bytes) -> str:
    def text(b: bytes) -> str:
        return b.decode("utf-8", "replace").strip() or "(none)"

    return f"command: {' '.join(cmd)}\nreturn code: {code}\nstdout: {text(out)}\nstderr: {text(err)}"


def zsplit(out: bytes) -> list[str]:
    """Split NUL-terminated git output into paths (decoded like git: utf-8, surrogateescape)."""
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def _records(out: bytes) -> list[tuple[str, str]]:
    """`-z` output of ls-files -s / ls-tree: (the fields before the tab, path)."""
    return [(meta, path) for meta, _, path in (e.partition("\t") for e in zsplit(out))]


def parse_raw_diff(out: bytes) -> list[StagedChange]:
    """Parse `git diff --raw -z` output: ':old_mode new_mode old_sha new_sha STATUS\\0path\\0[new_path\\0]'."""
    fields = out.split(b"\0")
    changes: list[StagedChange] = []
    i = 0
    while i < len(fields):
        head = fields[i]
        if not head.startswith(b":"):
            i += 1
            continue
        old_mode, new_mode, old_sha, new_sha, status = head[1:].decode().split(" ", 4)
        letter = status[:1]
        first = fields[i + 1].decode("utf-8", "surrogateescape")
        if letter in ("R", "C"):
            second = fields[i + 2].decode("utf-8", "surrogateescape")
            changes.append(StagedChange(letter, second, first, old_sha, new_sha, old_mode, new_mode))
            i += 3
        else:
            changes.append(StagedChange(letter, first, first, old_sha, new_sha, old_mode, new_mode))
            i += 2
    return changes


# -- the same calls for callers without a `Git` --------------------------------------------------------
def run(args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, check: bool = True,
        literal_paths: bool = False) -> bytes:
    return Git(cwd).run(args, stdin=stdin, check=check, literal_paths=literal_paths)


def repo_root(path: Path) -> Path | None:
    """The top of the work tree containing `path`, or None when `path` is not inside a git work tree."""
    return Git(path).toplevel()


def git_dir(root: Path) -> Path | None:
    return Git(root).git_dir()


def head_commit(root: Path) -> str | None:
    """HEAD's sha, or None in a repository without commits."""
    return Git(root).head()


def staged_changes(root: Path) -> list[StagedChange]:
    return Git(root).staged_changes()


def changes_since(root: Path, base: str) -> list[StagedChange]:
    return Git(root).changes_since(base)


def cat_blobs(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    with Git(root) as g:
        return g.read_blobs(shas)


def cat_blob(root: Path, sha: str) -> bytes:
    blob = cat_blobs(root, [sha]).get(sha)
    if blob is None:
        raise GitError(f"git object {sha} is missing in {root}; is the repository complete?")
    return blob


def ls_files(root: Path, *paths: str) -> list[str]:
    """Tracked paths in the index (relative to the root, "/" separators)."""
    return Git(root).ls_files(*paths)


def index_blobs(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob sha of the staged version, for the given paths that are in the index."""
    return Git(root).index_blobs(paths)


def head_blobs(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob sha in HEAD for the given paths (absent paths and repositories without commits: {})."""
    g = Git(root)
    return g.blobs_at(g.head(), paths)
