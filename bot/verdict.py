"""The one vocabulary of outcomes shared by the fix pipeline, the CLI and the Action.

A `Verdict` is a `str` subclass, so it serialises to JSON and action outputs as its value; code compares
against members, never against string literals.
"""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    # the fix pipeline (`yantra fix`) and the Action's delivery of its result
    COMMITTED = "committed"  # a fix commit was made (and, in the Action, pushed)
    APPLIED = "applied"  # the fix was applied to the working tree, not committed
    READY = "ready"  # the fix passed every check and went back to the caller to land (push, suggestions)
    SUGGESTED = "suggested"  # the fix is offered as a patch / review suggestions, nothing changed
    ESCALATED = "escalated"  # no confident fix: a person should look, with the evidence
    CLEAN = "clean"  # nothing to fix
    FAILED = "failed"  # the run could not do its work (a reason says why)
    NOT_PUSHED = "not-pushed"  # a fix was ready but could not be pushed (branch moved, commit limit)
    # the Action's pull-request checks
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"  # nothing was run (loop guard, label, no permission)
    REFUSED = "refused"  # the requester may not trigger the bot

    def __str__(self) -> str:
        return self.value

    @property
    def succeeded(self) -> bool:
        """The run did what it should: a fix landed or was offered, or there was nothing to do."""
        return self in (Verdict.COMMITTED, Verdict.APPLIED, Verdict.READY, Verdict.SUGGESTED, Verdict.CLEAN,
                        Verdict.PASS)
