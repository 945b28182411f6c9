"""The bot's memory on a pull request: JSON in a hidden HTML comment of its one sticky summary comment.

    <!-- yantra:state {"v": 1, "handled": ["comment:42", "pull_request:<sha>"], ...} -->

Only comments written by the bot's own login are trusted, so nobody can forge the state from a comment. Nor from
inside the bot's own comment, which quotes text a pull request controls (test output, patches, in code fences
that do not change the source text): the state is the LAST marker of the body, which `sticky_body` writes after
everything else, read from its opening to its own end; the JSON of a marker holds no `<` (escaped), so no quoted
text can come after it or join with it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

MARKER_OPEN = "<!-- yantra:state "
MARKER_CLOSE = " -->"
MAX_KEYS = 100  # keep the comment small: the oldest handled keys are dropped first


@dataclass(frozen=True)
class BotState:
    handled: tuple[str, ...] = ()
    head_sha: str = ""
    bot_commits: int = 0
    verdict: str = ""
    confidence: float | None = None
    commit_sha: str | None = None
    history: tuple[dict[str, Any], ...] = field(default=())  # one line per run: key, verdict, sha
    # the commits the bot pushed to this pull request: the loop guard's only proof that a commit is the bot's (a
    # commit's trailer, author and e-mail are whatever its author wrote)
    pushed: tuple[str, ...] = ()

    def is_handled(self, key: str | None) -> bool:
        return key is not None and key in self.handled

    def was_pushed(self, sha: str) -> bool:
        """Whether the bot recorded pushing `sha` (older states name it as a committed run's head only)."""
        return bool(sha) and (sha in self.pushed or sha == self.commit_sha or any(
            entry.get("verdict") == "committed" and entry.get("head") == sha for entry in self.history))

    def with_run(self, key: str | None, **changes: Any) -> BotState:
        handled = self.handled if key is None or key in self.handled else (*self.handled, key)[-MAX_KEYS:]
        entry = {"key": key, "verdict": changes.get("verdict", self.verdict),
                 "head": changes.get("head_sha", self.head_sha)}
        return replace(self, handled=handled, history=(*self.history, entry)[-20:], **changes)


def parse_state(body: str) -> BotState | None:
    start = body.rfind(MARKER_OPEN)
    if start == -1:
        return None
    end = body.find(MARKER_CLOSE, start)
    try:
        raw = json.loads(body[start + len(MARKER_OPEN):end] if end != -1 else "")
    except ValueError:
        return BotState()  # a damaged marker: start afresh rather than fail the run
    if not isinstance(raw, dict):
        return BotState()
    conf, commit, commits = raw.get("confidence"), raw.get("commit_sha"), raw.get("bot_commits")
    return BotState(handled=_strings(raw.get("handled")), head_sha=str(raw.get("head_sha", "")),
                    bot_commits=commits if isinstance(commits, int) else 0, verdict=str(raw.get("verdict", "")),
                    confidence=float(conf) if isinstance(conf, (int, float)) else None,
                    commit_sha=commit if isinstance(commit, str) else None,
                    history=tuple(e for e in raw.get("history") or () if isinstance(e, dict))
                    if isinstance(raw.get("history"), list) else (),
                    pushed=_strings(raw.get("pushed")))


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def render_marker(state: BotState) -> str:
    data = {"v": 1, **asdict(state)}
    # Still valid JSON: `-->` would end the comment, an `@` would be made inert on the way out (api.py), and
    # without `<` no marker opening can be inside it (`parse_state` reads the last opening)
    text = json.dumps(data, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c").replace(
        ">", "\\u003e").replace("@", "\\u0040")
    return f"{MARKER_OPEN}{text}{MARKER_CLOSE}"
