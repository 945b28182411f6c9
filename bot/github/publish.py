"""Everything the Action shows: the sticky comment, annotations, SARIF, step summary, outputs, reactions,
escalation and suggestion reviews. The only module that writes to GitHub or to the runner's files."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.github.api import GitHubClient, ReviewComment
from bot.github.state import BotState, parse_state, render_marker

if TYPE_CHECKING:
    from bot.gate.result import CheckResult
    from bot.scan.results import ScanResult

SARIF_NAME = "yantra.sarif"
ICONS = {"pass": "✅", "committed": "✅", "suggested": "💡", "clean": "✅", "fail": "❌", "escalated": "⚠️",
         "failed": "❌", "not-pushed": "⏸️", "skipped": "⏭️", "refused": "🚫"}


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


def sticky_body(title: str, verdict: str, body_md: str, state: BotState) -> str:
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
                 f"<details><summary>the rest of the fix</summary>\n\n```diff\n{leftover_diff.strip()}\n```\n"
                 "</details>\n")
    return client.create_review(number, head_sha, body, comments)


# ---- the runner's files -----------------------------------------------------------------------------------
def write_outputs(path: Path | None, values: dict[str, str]) -> None:
    """Append step outputs in GITHUB_OUTPUT's heredoc format (safe for multi-line values)."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as out:
        for name, value in values.items():
            delim = f"yantra_{secrets.token_hex(8)}"
            out.write(f"{name}<<{delim}\n{value}\n{delim}\n")


def append_summary(path: Path | None, markdown: str) -> None:
    if path is None:
        return
    with path.open("a", encoding="utf-8") as out:
        out.write(markdown.rstrip() + "\n")


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


def write_sarif(workspace: Path, result: CheckResult) -> Path:
    from bot.report import render

    path = workspace / SARIF_NAME
    path.write_text(render(result, "sarif"), encoding="utf-8")
    return path


def notice(message: str) -> None:
    print(f"::notice title=Yantra::{_escape(message)}", flush=True)


def error(message: str) -> None:
    print(f"::error title=Yantra::{_escape(message)}", flush=True)


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
