"""`yantra context` (being built; see the issue tracker)."""

from __future__ import annotations

import click

from bot.errors import YantraError


@click.command("context")
def context() -> None:
    """Not available yet."""
    raise YantraError("`yantra context` is not available in this build yet")
