"""`yantra check [--all] [--format ...] [--repo DIR] [--output FILE] [--base REF] [-- PATHS...]`: run the gate.

The click command: its options and help; what it does is `bot.commands.check_run.run` (what is judged, exit
status). File names belong after `--`; a name that starts with "-" given before it is refused, never taken as an
option (there is no short option to mistake it for). The hook's exact command lines are parsed without click
(`check_run.hook_args`, to the same values), so the pre-commit path does not import it.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.commands.check_run import run
from bot.report import FORMATS


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--all", "all_files", is_flag=True, help="Check every Python file of the repository.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Repository to check (default: the one containing the current directory).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to FILE instead of stdout.")
@click.option("--base", default=None, metavar="REF",
              help="Check the working tree's change since commit REF (e.g. a pull request's base) instead "
                   "of the staged change.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="With --all: judge every file again instead of serving unchanged files' earlier findings.")
def check(paths: tuple[Path, ...], all_files: bool, fmt: str, repo: Path | None, output: Path | None,
          base: str | None, no_cache: bool) -> int:
    """Check the staged change (or the pushed range, or --all) for breaking cross-file changes and syntax
    errors; file names, if any, after `--`."""
    return run(paths, all_files=all_files, fmt=fmt, repo=repo, output=output, base=base, no_cache=no_cache)
