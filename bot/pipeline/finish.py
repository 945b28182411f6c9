"""The fix's commit message: a bounded conventional message with the `Yantra-Session:` trailer (every landing
uses it; `bot.pipeline.landing` applies or commits a fix locally)."""

from __future__ import annotations

import re

SUBJECT_LIMIT = 72  # the whole subject line, "fix: " included
BODY_LIMIT = 4096  # bytes of the message body, trailers included
SUBJECT_PREFIX = "fix: "


def commit_message(*, summary: str, explanation: str, score: float, session_id: str) -> str:
    """`fix: <subject>` (at most 72 characters), the explanation (the body capped at 4 KB, with a note when
    it was cut), the confidence and the `Yantra-Session:` trailer."""
    subject = summary_line(inert_directives(summary))
    trailer = f"Confidence: {score:.2f}\n\n{TRAILER}: {session_id}\n"
    body = inert_directives(explanation).strip()
    parts = [f"{SUBJECT_PREFIX}{subject}", ""]
    if body and body != subject:
        parts += [capped(body, BODY_LIMIT - len(trailer.encode()) - 2), ""]
    return "\n".join(parts) + "\n" + trailer


# What CI systems read in a commit message as "do not run for this commit": GitHub Actions' `[skip ci]`,
# `[ci skip]`, `[no ci]`, `[skip actions]`, `[actions skip]` and a `skip-checks: true` trailer; GitLab's, CircleCI's
# and Travis's `[skip ci]` / `[skip travis]`; Azure Pipelines' `[skip azp]` and `***NO_CI***`.
_SKIP_BRACKET = re.compile(r"\[(\s*(?:skip[\s_-]+[\w.-]+|[\w.-]+[\s_-]+skip|no[\s_-]+ci)\s*)\]", re.IGNORECASE)
_NO_CI = re.compile(r"\*\*\*\s*(NO_CI)\s*\*\*\*", re.IGNORECASE)
_SKIP_CHECKS = re.compile(r"^(\s*skip-checks)\s*:", re.IGNORECASE | re.MULTILINE)


def inert_directives(text: str) -> str:
    """The model's words (which a pull request can steer) with every CI skip directive made inert — `(skip ci)`
    for `[skip ci]` — so the fix commit is never the one commit CI does not run on."""
    text = _SKIP_BRACKET.sub(r"(\1)", text)
    text = _NO_CI.sub(r"\1", text)
    return _SKIP_CHECKS.sub(r"\1 =", text)


def capped(text: str, limit: int) -> str:
    """`text` cut at a line boundary to at most `limit` UTF-8 bytes, with a note saying how much was left out."""
    data = text.encode()
    if len(data) <= limit:
        return text
    note = "[explanation truncated: {} of {} characters shown; the full text is in the session report]"
    room = max(0, limit - len(note.format(len(text), len(text)).encode()) - 2)
    cut = data[:room].decode("utf-8", errors="ignore")
    cut = cut.rsplit("\n", 1)[0] if "\n" in cut else cut
    return f"{cut.rstrip()}\n\n{note.format(len(cut.rstrip()), len(text))}"


def summary_line(text: str) -> str:
    """The first line of `text` as a subject: lower-cased first letter, no final period, and short enough that
    `fix: ` plus it fits in 72 characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "make the failing checks pass")
    line = line.rstrip(".")
    if line[:1].isupper() and not line[1:2].isupper():
        line = line[0].lower() + line[1:]
    room = SUBJECT_LIMIT - len(SUBJECT_PREFIX)
    return line if len(line) <= room else line[: room - 1].rstrip() + "…"


TRAILER = "Yantra-Session"
