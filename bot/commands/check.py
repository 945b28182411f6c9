"""`yantra check` (being built; see the issue tracker)."""

from __future__ import annotations

import click

from bot.errors import YantraError


@click.command("check")
def check() -> None:
    """Not available yet."""
    raise YantraError("`yantra check` is not available in this build yet")
