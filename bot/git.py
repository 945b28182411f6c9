"""Every git call of the gate goes through here; the rest of the code never builds a git command line.

Output is read with `-z` where git offers it; a failing command raises `GitError` carrying the command,
its return code, stdout and stderr.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import GitError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40


@dataclass(frozen=True, slots=True)
class StagedChange:
    """One entry of `git diff --cached --raw`: status letter A/M/D/R/C/T, paths, blob shas."""

    status: str
    path: str  # the path in the index (the new path of a rename)
    old_path: str  # the path in HEAD (equal to `path` unless renamed or copied)
    old_sha: str  # NULL_SHA when added
    new_sha: str  # NULL_SHA when deleted


def run(args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, check: bool = True,
        literal_paths: bool = False) -> bytes:
    """Run `git ARGS` in `cwd` and return stdout; raise GitError when it fails.

    GIT_INDEX_FILE (pre-commit may set it) is inherited. `literal_paths`: pathspecs are paths, never globs."""
    cmd = ["git", *args]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if literal_paths:
        env["GIT_LITERAL_PATHSPECS"] = "1"
    try:
        proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, env=env, check=False)
    except OSError as exc:
        raise GitError(f"could not run {' '.join(cmd)}: {exc}; is git installed?") from exc
    if check and proc.returncode != 0:
        raise GitError(_describe(cmd, proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


def _describe(cmd: Sequence[str], code: int, out: bytes, err: bytes) -> str:
    def text(b: bytes) -> str:
        return b.decode("utf-8", "replace").strip() or "(none)"

    return f"command: {' '.join(cmd)}\nreturn code: {code}\nstdout: {text(out)}\nstderr: {text(err)}"


def zsplit(out: bytes) -> list[str]:
    """Split NUL-terminated git output into paths (decoded like git: utf-8, surrogateescape)."""
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def repo_root(path: Path) -> Path | None:
    """The top of the work tree containing `path`, or None when `path` is not inside a git work tree."""
    try:
        out = run(["rev-parse", "--show-toplevel"], path)
    except GitError:
        return None
    text = out.decode("utf-8", "surrogateescape").strip()
    return Path(text) if text else None


def git_dir(root: Path) -> Path:
    out = run(["rev-parse", "--absolute-git-dir"], root).decode("utf-8", "surrogateescape").strip()
    return Path(out)


def head_commit(root: Path) -> str | None:
    """HEAD's sha, or None in a repository without commits."""
    out = run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], root, check=False).strip()
    return out.decode() if out else None


def staged_changes(root: Path) -> list[StagedChange]:
    """What the index changes relative to HEAD (the empty tree when there are no commits), renames found."""
    base = head_commit(root) or EMPTY_TREE
    out = run(["diff", "--cached", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", "--no-textconv",
               base, "--"], root)
    return parse_raw_diff(out)


def changes_since(root: Path, base: str) -> list[StagedChange]:
    """What the working tree changes relative to commit `base` (a CI run's merge base), renames found."""
    commit = run(["rev-parse", "--verify", "-q", f"{base}^{{commit}}"], root, check=False).decode().strip()
    if not commit:
        raise GitError(f"{base!r} is not a commit in {root}; fetch it first (e.g. `git fetch --depth=50`)")
    out = run(["diff", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", "--no-textconv", commit, "--"], root)
    return parse_raw_diff(out)


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
        _, _, old_sha, new_sha, status = head[1:].decode().split(" ", 4)
        letter = status[:1]
        first = fields[i + 1].decode("utf-8", "surrogateescape")
        if letter in ("R", "C"):
            second = fields[i + 2].decode("utf-8", "surrogateescape")
            changes.append(StagedChange(letter, second, first, old_sha, new_sha))
            i += 3
        else:
            changes.append(StagedChange(letter, first, first, old_sha, new_sha))
            i += 2
    return changes


def cat_blobs(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """The contents of several blobs in one `git cat-file --batch` call (missing objects are left out)."""
    wanted = [s for s in dict.fromkeys(shas) if s and s != NULL_SHA]
    if not wanted:
        return {}
    out = run(["cat-file", "--batch"], root, stdin="".join(s + "\n" for s in wanted).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[sha] = out[pos:pos + size]
        pos += size + 1
    return blobs


def cat_blob(root: Path, sha: str) -> bytes:
    blob = cat_blobs(root, [sha]).get(sha)
    if blob is None:
        raise GitError(f"git object {sha} is missing in {root}; is the repository complete?")
    return blob


def ls_files(root: Path, *paths: str) -> list[str]:
    """Tracked paths in the index (relative to the root, "/" separators)."""
    return zsplit(run(["ls-files", "-z", "--", *paths], root, literal_paths=True))


def index_blobs(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob sha of the staged version, for the given paths that are in the index."""
    if not paths:
        return {}
    out = run(["ls-files", "-s", "-z", "--", *paths], root, literal_paths=True)
    return {path: meta[1] for path, meta in _entries(out) if len(meta) >= 3 and meta[2] == "0"}  # stage 0


def head_blobs(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob sha in HEAD for the given paths (absent paths and repositories without commits: {})."""
    if not paths or head_commit(root) is None:
        return {}
    out = run(["ls-tree", "-z", "--full-tree", "HEAD", "--", *paths], root, literal_paths=True)
    return {path: meta[2] for path, meta in _entries(out) if len(meta) >= 3 and meta[1] == "blob"}


def _entries(out: bytes) -> list[tuple[str, list[str]]]:
    """`-z` output of ls-files -s / ls-tree: (path, the fields before the tab)."""
    return [(path, meta.split()) for meta, _, path in (e.partition("\t") for e in zsplit(out))]


# ---- the Action's workspace (bot/github) ---------------------------------------------------------------------
# Small module-level functions for the GitHub Action: fetch a pull request, check out, commit as the bot, push
# only while the remote branch is still where the run started. Kept at the end of this module on purpose.

NETWORK_TIMEOUT = 300.0  # seconds for fetch / push / ls-remote


def run_text(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float | None = None) -> str:
    """`git ARGS` in `root` with extra environment; stdout as text. Raises GitError (with stderr) on failure."""
    cmd = ["git", *args]
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, env=full_env, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"`{' '.join(cmd)}` did not finish within {timeout:g}s") from exc
    except OSError as exc:
        raise GitError(f"could not run {' '.join(cmd)}: {exc}; is git installed?") from exc
    if proc.returncode != 0:
        raise GitError(_describe(cmd, proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout.decode("utf-8", "replace")


def is_work_tree(root: Path) -> bool:
    try:
        return run_text(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def fetch_refspecs(root: Path, remote: str, refspecs: Sequence[str]) -> None:
    run_text(root, "fetch", "--no-tags", "--quiet", remote, *refspecs, timeout=NETWORK_TIMEOUT)


def checkout_detached(root: Path, commit: str) -> None:
    """Check out `commit` detached, discarding changes to tracked files."""
    run_text(root, "checkout", "--quiet", "--force", "--detach", commit)


def checkout_branch(root: Path, branch: str) -> None:
    run_text(root, "checkout", "--quiet", "--force", branch)


def current_branch(root: Path) -> str | None:
    """The branch HEAD points at (`main`), or None when HEAD is detached."""
    try:
        name = run_text(root, "symbolic-ref", "-q", "--short", "HEAD").strip()
    except GitError:
        return None
    return name or None


def has_commit(root: Path, rev: str) -> bool:
    try:
        run_text(root, "cat-file", "-e", f"{rev}^{{commit}}")
    except GitError:
        return False
    return True


def rev_parse(root: Path, rev: str) -> str:
    return run_text(root, "rev-parse", "--verify", "-q", rev).strip()


def diff_text(root: Path, *revs: str, paths: Sequence[str] = (), context: int = 3) -> str:
    """`git diff` of revisions (or the working tree against one) as text; no colour, no external diff."""
    return run_text(root, "diff", "--no-color", "--no-ext-diff", "--no-textconv", f"-U{context}", *revs, "--",
                    *paths)


def show_file(root: Path, rev: str, path: str) -> str | None:
    """The text of `path` at `rev`, or None when it does not exist there (a blob only: never a symlink target)."""
    try:
        kind = run_text(root, "cat-file", "-t", f"{rev}:{path}").strip()
    except GitError:
        return None
    if kind != "blob":
        return None
    mode = run_text(root, "ls-tree", rev, "--", path).split(" ", 1)[0]
    if mode == "120000":  # a symlink: its "content" is a path, not the file
        return None
    return run_text(root, "cat-file", "blob", f"{rev}:{path}")


def drop_extraheaders(root: Path) -> list[str]:
    """Remove every `http.<url>.extraheader` of the local config (the credential actions/checkout persists);
    return the names removed."""
    try:
        out = run_text(root, "config", "--local", "--name-only", "--get-regexp", r"^http\..*\.extraheader$")
    except GitError:
        return []  # none set
    names = sorted(set(out.split()))
    for name in names:
        run_text(root, "config", "--local", "--unset-all", name)
    return names


def remote_branch_sha(root: Path, remote: str, branch: str) -> str | None:
    out = run_text(root, "ls-remote", remote, f"refs/heads/{branch}", timeout=NETWORK_TIMEOUT)
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return None


def commit_paths(root: Path, paths: Sequence[str], message: str, *, name: str, email: str,
                 no_verify: bool = True) -> str:
    """Stage `paths` (changed, added or deleted) and commit them as `name <email>`; return the new sha."""
    run_text(root, "add", "--all", "--", *paths, env={"GIT_LITERAL_PATHSPECS": "1"})
    who = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email}
    _commit_message_stdin(root, message, who, no_verify)
    return rev_parse(root, "HEAD")


def _commit_message_stdin(root: Path, message: str, env: dict[str, str], no_verify: bool) -> None:
    cmd = ["git", "commit", "--quiet", *(["--no-verify"] if no_verify else []), "-F", "-"]
    proc = subprocess.run(cmd, cwd=root, input=message.encode("utf-8"), capture_output=True, check=False,
                          env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **env})
    if proc.returncode != 0:
        raise GitError(_describe(cmd, proc.returncode, proc.stdout, proc.stderr))


def push_expecting(root: Path, remote: str, branch: str, expected: str) -> None:
    """Push HEAD to `branch` only if the remote branch is still at `expected` (atomically, with a lease), and
    only as a fast-forward of `expected`: never a force push."""
    ref = f"refs/heads/{branch}"
    try:
        run_text(root, "merge-base", "--is-ancestor", expected, "HEAD")
    except GitError as exc:
        raise GitError(f"HEAD does not descend from {expected}: refusing a push that is not a fast-forward") \
            from exc
    run_text(root, "push", "--quiet", "--porcelain", f"--force-with-lease={ref}:{expected}", remote,
             f"HEAD:{ref}", timeout=NETWORK_TIMEOUT)


def apply_patch_file(root: Path, patch_file: Path) -> None:
    run_text(root, "apply", "--whitespace=nowarn", str(patch_file))


def is_tracked(root: Path, path: str) -> bool:
    return bool(run_text(root, "ls-files", "--", path, env={"GIT_LITERAL_PATHSPECS": "1"}).strip())


def last_message(root: Path, rev: str) -> str:
    return run_text(root, "log", "-1", "--format=%B", rev)


def has_object(root: Path, sha: str) -> bool:
    """Whether the repository holds the object `sha` (any type)."""
    try:
        run_text(root, "cat-file", "-e", sha)
    except GitError:
        return False
    return True
