"""The bot's memory on a pull request: JSON in a hidden HTML comment of its one sticky summary comment.

    <!-- yantra:state {"v": 1, "handled": ["comment:42", "pull_request:<sha>"], ...} -->

Only comments written by the bot's own login are trusted, so nobody can forge the state from a comment.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

MARKER_RE = re.compile(r"<!-- yantra:state (\{.*?\}) -->", re.DOTALL)
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

    def is_handled(self, key: str | None) -> bool:
        return key is not None and key in self.handled

    def with_run(self, key: str | None, **changes: Any) -> BotState:
        handled = self.handled if key is None or key in self.handled else (*self.handled, key)[-MAX_KEYS:]
        entry = {"key": key, "verdict": changes.get("verdict", self.verdict),
                 "head": changes.get("head_sha", self.head_sha)}
        return replace(self, handled=handled, history=(*self.history, entry)[-20:], **changes)


def parse_state(body: str) -> BotState | None:
    match = MARKER_RE.search(body)
    if match is None:
        return None
    try:
        raw = json.loads(match.group(1))
    except ValueError:
        return BotState()  # a damaged marker: start afresh rather than fail the run
    if not isinstance(raw, dict):
        return BotState()
    conf = raw.get("confidence")
    return BotState(handled=tuple(str(k) for k in raw.get("handled", ())), head_sha=str(raw.get("head_sha", "")),
                    bot_commits=int(raw.get("bot_commits", 0)), verdict=str(raw.get("verdict", "")),
                    confidence=float(conf) if isinstance(conf, (int, float)) else None,
                    commit_sha=raw.get("commit_sha"), history=tuple(raw.get("history", ())))


def render_marker(state: BotState) -> str:
    data = {"v": 1, **asdict(state)}
    # Still valid JSON: `-->` would end the comment, and an `@` would be made inert on the way out (api.py).
    text = json.dumps(data, sort_keys=True, separators=(",", ":")).replace("-->", "--\\u003e").replace("@", "\\u0040")
    return f"<!-- yantra:state {text} -->"
