"""`yantra check [PATHS...] [--all] [--format ...] [--repo DIR] [--output FILE]`: run the validation gate.

Exit status: 0 no error findings, 1 error findings, 2 usage error or internal failure (raised, mapped by
`bot.cli`). Imports stay light: this is the pre-commit path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from bot import git
from bot.config import load_config
from bot.errors import UsageError
from bot.gate import run_check
from bot.report import FORMATS, render


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--all", "all_files", is_flag=True, help="Check every Python file of the repository.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Repository to check (default: the one containing the current directory).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to FILE instead of stdout.")
@click.option("--base", default=None, metavar="REF",
              help="Check the working tree's change since commit REF (e.g. a pull request's base) instead "
                   "of the staged change.")
def check(paths: tuple[Path, ...], all_files: bool, fmt: str, repo: Path | None, output: Path | None,
          base: str | None) -> int:
    """Check staged changes (or PATHS, or --all) for breaking cross-file changes and syntax errors."""
    if all_files and (paths or base):
        raise UsageError("--all checks everything: do not combine it with PATHS or --base")
    start = (repo or Path.cwd()).resolve()
    if not start.is_dir():
        raise UsageError(f"--repo {start}: not a directory")
    root = git.repo_root(start) or start
    if not (root / ".git").exists() and not all_files and (not paths or base):
        raise UsageError(f"{root} is not a git repository: give the files to check or use --all")
    config = load_config(root)
    rel = [_relative(p, root) for p in paths]
    result = run_check(root, [r for r in rel if r is not None] if paths else None, all_files=all_files,
                       config=config, base=base)
    text = render(result, fmt, color=fmt == "text" and output is None and _tty())
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from exc
    else:
        click.echo(text, nl=False)
    return 1 if result.errors else 0


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
