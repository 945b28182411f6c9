"""`yantra action` (being built; see the issue tracker)."""

from __future__ import annotations

import click

from bot.errors import YantraError


@click.command("action")
def action() -> None:
    """Not available yet."""
    raise YantraError("`yantra action` is not available in this build yet")
