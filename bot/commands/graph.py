"""`yantra graph` (being built; see the issue tracker)."""

from __future__ import annotations

import click

from bot.errors import YantraError


@click.command("graph")
def graph() -> None:
    """Not available yet."""
    raise YantraError("`yantra graph` is not available in this build yet")
