"""The `yantra` command line: parse arguments, dispatch, map errors to exit codes. No logic here.

Arguments are parsed by click (`bot.cli_commands`), whose subcommands live in `bot.commands.<name>` and are
imported only when invoked. The pre-commit hook's own command lines (`yantra check`, well formed) are parsed to
the same values without importing click (`bot.commands.check_run.hook_args`): the hook runs on every commit and
click costs about a tenth of it. Messages and exit codes are the same on both paths.

`check` runs with the cyclic garbage collector off (restored after, for callers in a longer process): its
imports and data are short-lived and acyclic, and the collections that allocation alone triggers cost the hook
a few per cent for nothing (`run_check` keeps it off while judging anyway). When a process that ran `check`
ends, the interpreter's last collections would trace every object left only to free memory the exit frees
anyway: at exit, what is left is frozen (`gc.freeze`) first. (Only after `check`, which leaves no file open
for writing: a cyclic object's finalizer is then not run at exit. The other commands exit as usual.)
"""

from __future__ import annotations

import atexit
import errno
import functools
import gc
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot.console import echo
from bot.errors import UsageError, YantraError


class _Aborted(Exception):
    """^C (or end of input) while a command ran: click's `Abort`, on either path."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    collecting = gc.isenabled()
    if args[:1] == ["check"]:  # (see the module docstring)
        gc.disable()
        _freeze_at_exit()
    try:
        return _main(args)
    finally:
        if collecting:
            gc.enable()


@functools.cache
def _freeze_at_exit() -> None:
    """At interpreter exit (before its own last collections), move every object to the permanent generation."""
    atexit.register(gc.freeze)


def _main(args: list[str]) -> int:
    try:
        call = _hook_call(args)
        result = _with_click(args) if call is None else _as_click_runs(call)
    except (_Aborted, KeyboardInterrupt):
        echo("Interrupted (^C)", err=True)
        return 130
    except UsageError as exc:  # configuration included: one line that names the file and the key
        echo(f"yantra: error: {' '.join(str(exc).split())}", err=True)
        return 2
    except YantraError as exc:
        echo(f"yantra: error: {exc}", err=True)
        return 2
    except Exception as exc:  # the last line of defence: never a traceback on the terminal
        from bot.errors_handler import unexpected_error_message

        echo(unexpected_error_message(exc), err=True)
        return 2
    return int(result or 0)


def _hook_call(args: list[str]) -> Callable[[], Any] | None:
    """`check_run.run` with the hook's arguments, or None: click parses the command line."""
    if not args or args[0] != "check":
        return None
    from bot.commands.check_run import hook_args, run

    kwargs = hook_args(args)
    if kwargs is None:
        return None
    return lambda: run(**kwargs)


def _as_click_runs(call: Callable[[], Any]) -> Any:
    """Run `call` as click's `Command.main(standalone_mode=False)` runs a command: ^C or end of input ends the
    line and aborts, a closed stdout (EPIPE) exits 1 quietly."""
    try:
        return call()
    except (EOFError, KeyboardInterrupt) as exc:
        echo("", err=True)
        raise _Aborted from exc
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        from click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)


def _with_click(args: list[str]) -> Any:
    import click

    from bot.cli_commands import cli

    try:
        return cli.main(args=args, prog_name="yantra", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort as exc:
        raise _Aborted from exc


def __getattr__(name: str) -> Any:
    """`bot.cli.cli`, the click group (it lives in `bot.cli_commands`, imported on first use)."""
    if name == "cli":
        from bot.cli_commands import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    raise SystemExit(main())
