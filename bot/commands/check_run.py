"""What `yantra check` does once its arguments are known: find the repository, load its configuration, run the
gate, render the report. No click here: the pre-commit hook's command line is parsed by `hook_args` (its exact,
well-formed shapes only) and everything else by the click command of `bot.commands.check`, which calls `run`.

What is judged (DESIGN §2):
- in a git repository, the index: the staged change and its dependents (or, with `--all`, every file as
  staged); PATHS add files of the index to check in full;
- at pre-push (pre-commit sets PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF): the pushed range, on the tree of the
  pushed commit read from git objects. A new branch (FROM_REF all zeros) is checked from the parent of its
  oldest commit that no remote-tracking branch has; a history the remote has none of (pre-commit then sets
  only PRE_COMMIT_LOCAL_BRANCH / PRE_COMMIT_REMOTE_BRANCH) is checked in full on its tip;
- with `--base REF` (CI): the checked-out working tree against REF;
- outside a git repository: the given files (or `--all`) on disk.

The configuration is the judged picture's own (the index's pyproject.toml in pre-commit mode). Run by the
pre-commit framework outside a commit (`pre-commit run [--all-files | --files ...]`: PRE_COMMIT is set, git's
GIT_INDEX_FILE is not) with no Python change staged, it judges every file of the index, as `--all` does: a user
running it in CI expects the repository judged, and pre-commit passes the gate no file names. The summary line
says what was judged.

Exit status: 0 no error findings, 1 error findings, 2 usage error or internal failure (raised, mapped by
`bot.cli`). Imports stay light: the pre-commit path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import git
from bot.console import echo, plain_streams
from bot.errors import UsageError
from bot.gate import run_check
from bot.gate.check import Pushed
from bot.graph.snapshot import Source
from bot.report import FORMATS, render

_FLAGS = {"--all": "all_files", "--no-cache": "no_cache"}
_VALUED = {"--format": "fmt", "--base": "base"}


def run(paths: Sequence[Path], *, all_files: bool = False, fmt: str = "text", repo: Path | None = None,
        output: Path | None = None, base: str | None = None, no_cache: bool = False) -> int:
    """`yantra check` with parsed arguments: the exit status (errors are raised, see the module docstring)."""
    if all_files and (paths or base):
        raise UsageError("--all checks everything: do not combine it with PATHS or --base")
    start = (repo or Path.cwd()).resolve()
    if not start.is_dir():
        raise UsageError(f"--repo {start}: not a directory")
    root = _top_of(start)
    in_git = (root / ".git").exists()
    if not in_git and not all_files and (not paths or base):
        raise UsageError(f"{root} is not a git repository: give the files to check or use --all")
    rel = [_relative(p, root) for p in paths]
    pushed = _pushed(root, os.environ) if in_git and base is None and not paths else None
    manual = os.environ.get("PRE_COMMIT") == "1" and "GIT_INDEX_FILE" not in os.environ
    result = run_check(root, [r for r in rel if r is not None] if paths else None,
                       all_files=all_files, base=base, source=Source.INDEX if in_git else Source.WORKTREE,
                       pushed=pushed, findings_cache=not no_cache, all_if_unstaged=manual and pushed is None)
    text = render(result, fmt, color=fmt == "text" and output is None and _tty())
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from exc
    else:
        echo(text, nl=False)
    return 1 if result.errors else 0


def hook_args(args: Sequence[str]) -> dict[str, Any] | None:
    """The keyword arguments of `run` for `check` command lines click would parse to exactly these values, with
    no message of its own: `check [--all] [--no-cache] [--format F] [--base REF] [PATHS...] [-- PATHS...]` (the
    hook's `yantra check`, a benchmark's `check --format json FILE`). None for anything else (help, another
    subcommand or option, a value click would refuse, an unreadable path, shell completion, streams click would
    re-wrap): click parses those, with its own messages and exit codes. `tests/gate/test_cli.py` compares the
    two parsers on a table of command lines."""
    if not args or args[0] != "check" or "_YANTRA_COMPLETE" in os.environ or not plain_streams():
        return None
    out: dict[str, Any] = {}
    paths: list[str] = []
    rest = list(args[1:])
    while rest:
        token = rest.pop(0)
        if token == "--":
            paths.extend(rest)
            break
        if not token.startswith("-"):
            paths.append(token)
            continue
        name, eq, value = token.partition("=")
        if name in _FLAGS and not eq:
            out[_FLAGS[name]] = True
        elif name in _VALUED and (eq or rest):
            out[_VALUED[name]] = value if eq else rest.pop(0)
        else:
            return None
    if out.get("fmt", "text") not in FORMATS:
        return None
    converted = [_click_path(p) for p in paths]
    if any(p is None for p in converted):
        return None
    out["paths"] = tuple(converted)
    return out


def _click_path(value: str) -> Path | None:
    """`click.Path(path_type=Path)` of one argument (it must be readable when it exists); None where click
    would refuse it."""
    try:
        os.stat(value)
    except OSError:
        return Path(value)
    except ValueError:  # (a NUL in the name: click's own error)
        return None
    return Path(value) if os.access(value, os.R_OK) else None


def _pushed(root: Path, env: os._Environ[str] | dict[str, str]) -> Pushed | None:
    """The range pre-commit's pre-push stage (or `pre-commit run --from-ref --to-ref`) asks to check."""
    g = git.Git(root)
    to_ref, from_ref = env.get("PRE_COMMIT_TO_REF", ""), env.get("PRE_COMMIT_FROM_REF", "")
    if not to_ref:
        local = env.get("PRE_COMMIT_LOCAL_BRANCH", "")
        if not local or not env.get("PRE_COMMIT_REMOTE_BRANCH"):
            return None
        to_ref, from_ref = local, git.EMPTY_TREE  # the remote has none of this history: check all of it
    tip = g.commit(to_ref)
    if tip is None:
        raise UsageError(f"PRE_COMMIT_TO_REF={to_ref!r} is not a commit in {root}")
    if from_ref in ("", git.NULL_SHA):
        first = g.first_unpushed(tip)
        parents = g.parents(first) if first else [tip]
        return Pushed(parents[0] if parents else git.EMPTY_TREE, tip)
    if from_ref == git.EMPTY_TREE:
        return Pushed(from_ref, tip)
    base = g.commit(from_ref)
    if base is None:
        raise UsageError(f"PRE_COMMIT_FROM_REF={from_ref!r} is not a commit in {root}; fetch it first")
    return Pushed(base, tip)


def _top_of(start: Path) -> Path:
    """The top of the work tree holding `start` (itself outside a repository). Pre-commit runs hooks at the top:
    a `start` that holds the repository itself needs no git process to say so (unless GIT_DIR/GIT_WORK_TREE
    point git elsewhere)."""
    dot = start / ".git"
    if "GIT_DIR" not in os.environ and "GIT_WORK_TREE" not in os.environ and (
            (dot / "HEAD").is_file() or (dot.is_file() and _gitdir_file(dot))):
        return start
    return git.repo_root(start) or start


def _gitdir_file(dot: Path) -> bool:
    """`.git` is a linked worktree's or submodule's pointer file (`gitdir: ...`)."""
    try:
        with dot.open("rb") as fh:
            return fh.read(8) == b"gitdir: "
    except OSError:
        return False


def _relative(path: Path, root: Path) -> str | None:
    """PATH (relative to the current directory) as a repository-relative "/" path; None outside the root."""
    full = Path(os.path.abspath(path))
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        try:
            return full.resolve().relative_to(root).as_posix()
        except ValueError:
            return None


def _tty() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
