"""The fix pipeline's git work (part of the git seam, see `bot.git`): repository paths, the user's uncommitted
changes, scratch worktrees, patches, local commits, and the persisted checkout credential dropped while
repository code may run.

Every call runs through `bot.git.Git` (timeout, own process group, and the seam's one bounded wait for a lock
another git holds); a failure raises a `GitError` that carries the command, return code and output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.errors import GitError
from bot.git import Git

GIT_TIMEOUT = 120.0
WORKTREE_PREFIX = "yantra-wt-"


def git(root: Path, *args: str, input_text: str | None = None, check: bool = True,
        timeout: float = GIT_TIMEOUT, literal: bool = False) -> subprocess.CompletedProcess[str]:
    """Run git in `root`; a lock held by another git process is waited out by `bot.git.Git` (bounded).
    `literal`: the paths given are file names, never patterns or magic (`*`, `:(glob)**`, `:(top)`): a fix's
    paths are chosen by the model, and a file named like a pattern would otherwise stage the user's other files."""
    raw = Git(root, timeout=timeout).completed(
        ["-C", str(root), *args], stdin=input_text.encode("utf-8") if input_text is not None else None,
        env={"GIT_LITERAL_PATHSPECS": "1"} if literal else None)
    proc = subprocess.CompletedProcess(raw.args, raw.returncode, raw.stdout.decode("utf-8", "replace"),
                                       raw.stderr.decode("utf-8", "replace"))
    if check and proc.returncode != 0:
        raise GitError(f"`git -C {root} {' '.join(args)}` failed with exit code {proc.returncode}\n"
                       f"{proc.stdout.strip()}\n{proc.stderr.strip()}".rstrip())
    return proc


def toplevel(path: Path) -> Path:
    """The root of the working tree containing `path`."""
    try:
        out = git(path, "rev-parse", "--show-toplevel").stdout.strip()
    except GitError as exc:
        raise GitError(f"{path} is not inside a git repository; run `yantra fix` in a git checkout "
                       f"(or pass --repo DIR)") from exc
    return Path(out)


def git_dir(root: Path) -> Path:
    """This working tree's own git directory (a linked worktree has its own)."""
    return Path(git(root, "rev-parse", "--absolute-git-dir").stdout.strip())


def head_sha(root: Path) -> str:
    proc = git(root, "rev-parse", "--verify", "-q", "HEAD", check=False)
    if proc.returncode != 0:
        raise GitError(f"{root} has no commit yet; commit once before running `yantra fix`")
    return proc.stdout.strip()


def head_message(root: Path) -> str:
    """HEAD's commit message ("" without commits)."""
    return git(root, "log", "-1", "--format=%B", check=False).stdout


def local_changes(root: Path) -> tuple[list[str], list[str]]:
    """(paths modified or untracked, paths deleted) in the working tree relative to HEAD."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames").stdout
    changed: list[str] = []
    deleted: list[str] = []
    for entry in filter(None, out.split("\0")):
        status, path = entry[:2], entry[3:]
        (deleted if "D" in status and not (root / path).exists() else changed).append(path)
    return changed, deleted


def dirty_paths(root: Path) -> set[str]:
    """Paths with uncommitted work of the user's: staged or unstaged edits, deletions, untracked files."""
    changed, deleted = local_changes(root)
    return {*changed, *deleted}


CREDENTIAL_KEYS = r"^http\..*\.extraheader$"


def persisted_credentials(root: Path) -> list[tuple[str, str, str]]:
    """(file, key, value) of each `http.<url>.extraheader` the repository's own config holds, in `.git/config` or
    in a file it includes: actions/checkout v6 persists the credential in `$RUNNER_TEMP/git-credentials-*.config`,
    included by an `includeIf.gitdir:` entry, which `git config --local` alone does not read."""
    out = git(root, "config", "--local", "--includes", "--show-origin", "--null", "--get-regexp", CREDENTIAL_KEYS,
              check=False).stdout
    fields = out.split("\0")
    found: list[tuple[str, str, str]] = []
    for origin, entry in zip(fields[0::2], fields[1::2], strict=False):
        key, sep, value = entry.partition("\n")
        if sep and origin.startswith("file:"):
            found.append((origin.removeprefix("file:"), key, value))
    return found


@contextmanager
def credentials_dropped(root: Path) -> Iterator[list[tuple[str, str]]]:
    """Remove the credentials `actions/checkout` persists (`http.<url>.extraheader`, in the repository's own
    config or the file it includes) from the files that hold them for the block, so no code run inside it can
    read them — the sandbox shows the whole file system read-only, the runner's temporary directory too; put
    them back after (the caller pushes after the block). Yields what was dropped."""
    held = persisted_credentials(root)
    places = list(dict.fromkeys((file, key) for file, key, _ in held))
    for file, key in places:
        git(root, "config", "--file", file, "--unset-all", key, check=False)
    try:
        yield [(key, value) for _, key, value in held]
    finally:
        for file, key in places:
            git(root, "config", "--file", file, "--unset-all", key, check=False)
        for file, key, value in held:
            git(root, "config", "--file", file, "--add", key, value)


def tracked_python_files(root: Path) -> list[str]:
    out = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py").stdout
    return sorted({p for p in out.split("\0") if p and (root / p).is_file()})


@contextmanager
def scratch_worktree(root: Path) -> Iterator[Path]:
    """A detached worktree of HEAD holding the working tree's current contents, staged.

    After the block `git diff` inside it shows exactly what the block changed. Always removed.
    """
    parent = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
    tree = parent / "tree"
    try:
        git(root, "worktree", "add", "--detach", "--quiet", str(tree), "HEAD")
        _copy_local_state(root, tree)
        yield tree
    finally:
        remove_worktree(root, tree)
        shutil.rmtree(parent, ignore_errors=True)


def remove_worktree(root: Path, tree: Path) -> None:
    git(root, "worktree", "remove", "--force", str(tree), check=False)
    shutil.rmtree(tree, ignore_errors=True)
    git(root, "worktree", "prune", check=False)


def _copy_local_state(root: Path, tree: Path) -> None:
    changed, deleted = local_changes(root)
    for path in changed:
        src, dst = root / path, tree / path
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    for path in deleted:
        (tree / path).unlink(missing_ok=True)
    git(tree, "add", "-A", "--", ".")


def diff(tree: Path, paths: Sequence[str] = ()) -> str:
    """Working tree vs index inside `tree`, including files the edits created."""
    new = [p for p in paths if (tree / p).is_file()]
    if new:
        git(tree, "add", "-N", "--", *new, literal=True)
    return git(tree, "diff", "--no-color", "--no-ext-diff", "--", *paths, literal=True).stdout


def apply_patch(root: Path, patch: str) -> None:
    """Apply `patch` to the working tree; a no-op when it is already applied."""
    if not patch.strip():
        return
    if git(root, "apply", "--check", "-", input_text=patch, check=False).returncode == 0:
        git(root, "apply", "-", input_text=patch)
        return
    if git(root, "apply", "--reverse", "--check", "-", input_text=patch, check=False).returncode == 0:
        return
    raise GitError("the fix no longer applies to the working tree (it changed during the run); "
                   "run `yantra fix` again")


def commit(root: Path, paths: Sequence[str], message: str, *, no_verify: bool = False) -> str:
    """Commit `paths` as they are in the working tree with `message`; returns the new commit sha."""
    git(root, "add", "--", *paths, literal=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write(message)
        msg_file = fh.name
    try:
        args = ["commit", "--quiet", "-F", msg_file, *(["--no-verify"] if no_verify else []), "--", *paths]
        git(root, *args, timeout=600.0, literal=True)
    finally:
        os.unlink(msg_file)
    return head_sha(root)
