"""`yantra fix` (being built; see the issue tracker)."""

from __future__ import annotations

import click

from bot.errors import YantraError


@click.command("fix")
def fix() -> None:
    """Not available yet."""
    raise YantraError("`yantra fix` is not available in this build yet")
