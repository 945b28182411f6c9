"""The Action's git work in GITHUB_WORKSPACE (part of the git seam, see `bot.git`): fetch a pull request, check
out, read files at a revision, commit as the bot, push only while the remote branch is still where the run
started. Every call runs through `bot.git.Git` (timeouts, index.lock retries, own process group).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.errors import GitError
from bot.git import Git, zsplit

NETWORK_TIMEOUT = 300.0  # seconds for fetch / push / ls-remote
LOCAL_TIMEOUT = 600.0  # seconds for local commands (a commit may run the repository's hooks)


def run_text(root: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None) -> str:
    """`git ARGS` in `root` with extra environment; stdout as text. Raises GitError (with stderr) on failure."""
    out = Git(root, timeout=timeout or LOCAL_TIMEOUT).run(args, env=env)
    return out.decode("utf-8", "replace")


def _run_bytes(root: Path, *args: str) -> bytes:
    return Git(root, timeout=LOCAL_TIMEOUT).run(args)


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


def merge_base(root: Path, a: str, b: str) -> str:
    """The best common ancestor of commits `a` and `b` (where a pull request forked from its base)."""
    return run_text(root, "merge-base", a, b).strip()


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
    """Remove every `http.<url>.extraheader` of the local config or a file it includes (the credential
    actions/checkout persists: v6 keeps it in `$RUNNER_TEMP/git-credentials-*.config`, included by an
    `includeIf.gitdir:` entry); return the names removed."""
    try:
        out = run_text(root, "config", "--local", "--includes", "--show-origin", "--null", "--get-regexp",
                       r"^http\..*\.extraheader$")
    except GitError:
        return []  # none set
    fields = out.split("\0")
    places = sorted({(origin.removeprefix("file:"), entry.partition("\n")[0])
                     for origin, entry in zip(fields[0::2], fields[1::2], strict=False)
                     if origin.startswith("file:")})
    for file, name in places:
        run_text(root, "config", "--file", file, "--unset-all", name)
    return sorted({name for _, name in places})


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
    Git(root, timeout=LOCAL_TIMEOUT).run(["commit", "--quiet", *(["--no-verify"] if no_verify else []), "-F", "-"],
                                         stdin=message.encode("utf-8"), env=who)
    return rev_parse(root, "HEAD")


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


def tree_names(root: Path, rev: str) -> list[str]:
    """Names of the entries at the top of `rev`'s tree."""
    return zsplit(_run_bytes(root, "ls-tree", "-z", "--name-only", rev))
