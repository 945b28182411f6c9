"""The click group of the `yantra` command line: its subcommands, imported only when invoked, so `yantra check`
never imports the fix pipeline or the GitHub client. `bot.cli.main` runs it and maps errors to exit codes."""

from __future__ import annotations

import importlib

import click

from bot import __version__

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
