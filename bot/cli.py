"""The `yantra` command line: parse arguments, dispatch, map errors to exit codes. No logic here.

Subcommands live in `bot.commands.<name>` and are imported only when invoked, so `yantra check`
(the pre-commit path) never imports the fix pipeline or the GitHub client.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from bot import __version__
from bot.errors import UsageError, YantraError

COMMANDS = {
    "check": "bot.commands.check:check",
    "graph": "bot.commands.graph:graph",
    "context": "bot.commands.context:context",
    "fix": "bot.commands.fix:fix",
    "action": "bot.commands.action:action",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="yantra")
def cli() -> None:
    """Yantra: a dependency-graph validation gate and fix bot for Python repositories."""


def main(argv: Sequence[str] | None = None) -> int:
    from bot.errors_handler import unexpected_error_message

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="yantra", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("Interrupted (^C)", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Interrupted (^C)", err=True)
        return 130
    except UsageError as exc:  # configuration included: one line that names the file and the key
        click.echo(f"yantra: error: {' '.join(str(exc).split())}", err=True)
        return 2
    except YantraError as exc:
        click.echo(f"yantra: error: {exc}", err=True)
        return 2
    except Exception as exc:  # the last line of defence: never a traceback on the terminal
        click.echo(unexpected_error_message(exc), err=True)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
