"""`yantra action`: the GitHub Action's entry point. Parses settings and the event, runs the flow, and turns
every failure into a message, an `::error::` annotation and an exit code (0 done or skipped, 1 findings /
escalation when fail-on-findings is set or a run failure, 2 configuration error). Never a traceback.

Before anything is printed, stdout and stderr are wrapped so every line of the job's log is redacted (the run's
own secrets and whatever the secret scanner finds)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import GitHubError, UsageError, YantraError
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.github.redact import Redactor


def main(argv: Sequence[str] | None = None) -> int:
    from bot.github.publish import RedactingStream
    from bot.github.redact import Redactor, environment_secrets

    workspace = os.environ.get("GITHUB_WORKSPACE")
    redactor = Redactor(environment_secrets(), root=_work_tree(workspace))
    out, err = RedactingStream(sys.stdout, redactor), RedactingStream(sys.stderr, redactor)
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        return _main(redactor)
    finally:
        out.close_pending()
        err.close_pending()
        sys.stdout, sys.stderr = real


def _main(redactor: Redactor) -> int:
    from bot.github.events import Ignored, load_event
    from bot.github.publish import error, write_outputs
    from bot.github.settings import load_settings

    try:
        settings = load_settings(os.environ)
    except UsageError as exc:
        error(f"configuration: {exc}")
        return 2
    try:
        event = load_event(settings.event_name, settings.event_path)
        from bot.github.flows import ActionRun, skip

        if isinstance(event, Ignored):
            return skip(event.reason, settings.output_path)

        return ActionRun(settings, redactor).handle(event)
    except UsageError as exc:
        error(f"configuration: {exc}")
        return 2
    except GitHubError as exc:
        error(str(exc) + (" (a temporary problem: re-run the job)" if exc.transient else ""))
        write_outputs(settings.output_path, {"verdict": Verdict.FAILED.value})
        return 1
    except YantraError as exc:
        error(str(exc))
        write_outputs(settings.output_path, {"verdict": Verdict.FAILED.value})
        return 1
    except Exception as exc:  # the last line of defence: one line and a log file, never a traceback
        error(f"yantra: an unexpected error has occurred: {type(exc).__name__}: {exc}")
        print(f"the traceback is in {_crash_log(exc, redactor)}", file=sys.stderr)
        return 2


def _crash_log(exc: BaseException, redact: Redactor) -> Path:
    """The traceback, redacted, in a new file of a private directory (never a path a checkout controls)."""
    import traceback

    from bot import __version__
    from bot.github.publish import private_file

    text = f"yantra {__version__}\n\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return private_file("yantra-crash.log", redact(text))


def _work_tree(workspace: str | None) -> Path | None:
    return Path(workspace) if workspace and Path(workspace).is_dir() else None
