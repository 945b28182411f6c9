"""`yantra action`: run as a step of a GitHub Actions workflow (see action.yml); reads its inputs from the
environment, never from arguments, so nothing from an event can reach a command line."""

from __future__ import annotations

import click


@click.command("action")
def action() -> int:
    """Handle the current GitHub Actions event (pull_request, /agent fix comment, workflow_dispatch)."""
    from bot.github.action import main

    return main()
