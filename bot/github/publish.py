"""Everything the Action shows: the sticky comment, annotations, SARIF, step summary, outputs, reactions,
escalation and suggestion reviews. The only module that writes to GitHub or to the runner's files.

Redaction: the GitHub client redacts what it sends; the step summary is redacted here; stdout and stderr (the
job's log, workflow commands, annotations) go through `RedactingStream`, installed by the Action's entry point.
Files: the SARIF is created fresh in a private directory (never a path inside the checkout, never through a
link); GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are the runner's own files and are only appended to, never when
they lie inside the checkout.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.errors import ConfigError
from bot.github.api import GitHubClient, ReviewComment
from bot.github.state import BotState, parse_state, render_marker
from bot.report.markdown import fence
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.gate.result import CheckResult
    from bot.scan.results import ScanResult

SARIF_NAME = "yantra.sarif"
ICONS = {Verdict.PASS: "✅", Verdict.COMMITTED: "✅", Verdict.SUGGESTED: "💡", Verdict.CLEAN: "✅",
         Verdict.FAIL: "❌", Verdict.ESCALATED: "⚠️", Verdict.FAILED: "❌", Verdict.NOT_PUSHED: "⏸️",
         Verdict.SKIPPED: "⏭️", Verdict.REFUSED: "🚫"}


@dataclass(frozen=True)
class Sticky:
    comment_id: int | None
    state: BotState


def find_sticky(client: GitHubClient, number: int, bot_login: str) -> Sticky:
    """The bot's summary comment on the PR (by its hidden marker, written by the bot's login)."""
    for c in client.comments(number):
        if c.author.lower() == bot_login.lower():
            state = parse_state(c.body)
            if state is not None:
                return Sticky(c.id, state)
    return Sticky(None, BotState())


def sticky_body(title: str, verdict: Verdict, body_md: str, state: BotState) -> str:
    return (f"### {ICONS.get(verdict, '•')} Yantra: {title}\n\n{body_md.strip()}\n\n"
            f"<sub>head `{state.head_sha[:12]}` · updated in place by Yantra</sub>\n{render_marker(state)}\n")


def upsert_sticky(client: GitHubClient, number: int, sticky: Sticky, body: str) -> int:
    if sticky.comment_id is None:
        return client.create_comment(number, body).id
    client.edit_comment(sticky.comment_id, body)
    return sticky.comment_id


def already_replied(client: GitHubClient, number: int, bot_login: str, marker: str) -> bool:
    return any(c.author.lower() == bot_login.lower() and marker in c.body for c in client.comments(number))


def escalation_review(client: GitHubClient, number: int, head_sha: str, title: str, report_md: str) -> int:
    body = f"### ⚠️ Yantra: {title}\n\n{report_md.strip()}\n"
    return client.create_review(number, head_sha, body)


def suggestion_review(client: GitHubClient, number: int, head_sha: str, intro: str,
                      comments: list[ReviewComment], leftover_diff: str, note: str = "") -> int:
    body = f"### 💡 Yantra: {intro}\n" + (f"\n{note.strip()}\n" if note.strip() else "")
    if leftover_diff.strip():
        body += ("\nSome changes fall outside this pull request's diff, so they cannot be suggestions:\n\n"
                 f"<details><summary>the rest of the fix</summary>\n\n{fence(leftover_diff.strip(), 'diff')}\n"
                 "</details>\n")
    return client.create_review(number, head_sha, body, comments)


# ---- redaction of the log ----------------------------------------------------------------------------------
_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
MAX_HELD_LINES = 400  # a key block is far shorter; past this the held text is redacted and written as it is


class RedactingStream:
    """A text stream that redacts each complete line before passing it on (the rest waits for its newline).

    Lines are not enough for a private key printed a line at a write: its base64 lines alone look like nothing
    in particular. From a `BEGIN ... PRIVATE KEY` line to its `END` line the stream holds the text and redacts the
    block whole."""

    def __init__(self, inner: TextIO, redact: Callable[[str], str]) -> None:
        self.inner = inner
        self.redact = redact
        self._pending = ""
        self._held = ""  # complete lines of an open private key block

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self._emit(complete + "\n")
        return len(text)

    def _emit(self, lines: str) -> None:
        held = self._held + lines
        begins = list(_KEY_BEGIN.finditer(held))
        still_open = bool(begins) and not _KEY_END.search(held, begins[-1].end())
        if still_open and held.count("\n") < MAX_HELD_LINES:
            self._held = held
            return
        self._held = ""
        self.inner.write(self.redact(held))

    def flush(self) -> None:
        self.inner.flush()

    def close_pending(self) -> None:
        if self._pending or self._held:
            self.inner.write(self.redact(self._held + self._pending))
            self._pending = self._held = ""
        self.inner.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> object:  # encoding, fileno, ... of the real stream
        return getattr(self.inner, name)


# ---- the runner's files -----------------------------------------------------------------------------------
def write_outputs(path: Path | None, values: dict[str, str], workspace: Path | None = None) -> None:
    """Append step outputs in GITHUB_OUTPUT's heredoc format (safe for multi-line values)."""
    if path is None:
        return
    text = ""
    for name, value in values.items():
        delim = f"yantra_{secrets.token_hex(8)}"
        text += f"{name}<<{delim}\n{value}\n{delim}\n"
    _append_runner_file(path, text, workspace)


def append_summary(path: Path | None, markdown: str, redact: Callable[[str], str],
                   workspace: Path | None = None) -> None:
    if path is None:
        return
    _append_runner_file(path, redact(markdown.rstrip() + "\n"), workspace)


def _append_runner_file(path: Path, text: str, workspace: Path | None) -> None:
    """Append to a file the runner gave us (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY): trusted, but never one that
    lies in the checkout (whose files a pull request controls)."""
    if workspace is not None and _inside(path, workspace):
        raise ConfigError(f"{path} lies inside the checkout {workspace}; the runner's files never do")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(text)


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def private_file(name: str, text: str) -> Path:
    """A new file in a new private directory (RUNNER_TEMP when the runner has one): created with O_EXCL and
    O_NOFOLLOW, so nothing a pull request put in the checkout (a symlink called yantra.sarif) is followed."""
    base = os.environ.get("RUNNER_TEMP") or None
    directory = Path(tempfile.mkdtemp(prefix="yantra-", dir=base if base and Path(base).is_dir() else None))
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def annotate(result: CheckResult) -> None:
    """Gate findings as workflow-command annotations on stdout (the runner turns them into annotations)."""
    from bot.report import render

    sys.stdout.write(render(result, "github"))
    sys.stdout.flush()


def annotate_security(results: Sequence[ScanResult]) -> None:
    """Security findings as annotations too (error for high severity, warning otherwise)."""
    from bot.report.github import escape_data, escape_property

    for r in results:
        for f in r.findings:
            level = "error" if f.severity == "high" else "warning"
            where = f"file={escape_property(f.path)},line={max(f.line, 1)}," if f.path else ""
            print(f"::{level} {where}title={escape_property(f'yantra {f.scanner} {f.rule}')}::"
                  f"{escape_data(f.message)}", flush=True)


def write_sarif(result: CheckResult, redact: Callable[[str], str]) -> Path:
    """The gate's findings as SARIF, in a private directory (its path is the `sarif-file` output)."""
    from bot.report import render

    return private_file(SARIF_NAME, redact(render(result, "sarif")))


def notice(message: str) -> None:
    print(f"::notice title=Yantra::{_escape(message)}", flush=True)


def error(message: str) -> None:
    print(f"::error title=Yantra::{_escape(message)}", flush=True)


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
