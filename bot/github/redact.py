"""What the Action publishes is redacted first, with the scanner that redacts prompts (`bot.scan.secrets`).

On top of the scanner's shapes, the run's own secrets (the GitHub token, the Anthropic key, whatever the
environment holds under a secret's name) are replaced wherever they occur, so a token too short or too plain for
any detector is still never echoed. Git object ids the repository knows (commit links, the sticky comment's
state) are public and kept: the scanner would otherwise take a 40-hex SHA for a high-entropy secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from bot import git_remote
from bot.errors import GitError

MIN_SECRET = 8  # shorter values would redact ordinary words
SECRET_ENV = ("YANTRA_GITHUB_TOKEN", "YANTRA_ANTHROPIC_API_KEY", "GITHUB_TOKEN", "ANTHROPIC_API_KEY",
              "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
_HEX40 = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{40}(?![0-9a-fA-F])")
_KNOWN = "«REDACTED:{}»"


class Redactor:
    """`redactor(text)`: `text` safe to publish. `root` (a git work tree) tells public object ids apart."""

    def __init__(self, secrets: Iterable[str | None] = (), root: Path | None = None) -> None:
        values = {s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET}
        self._secrets = sorted(values, key=len, reverse=True)  # longest first: a secret containing another
        self._root = root
        self._public: set[str] = set()
        self._not_objects: set[str] = set()

    def add_public(self, *shas: str | None) -> None:
        self._public.update(s for s in shas if s)

    def __call__(self, text: str) -> str:
        from bot.scan.secrets import redact

        if not text:
            return text
        for value in self._secrets:
            text = text.replace(value, _KNOWN.format("secret of this run"))
        shas = sorted(set(_HEX40.findall(text)))
        keep = [s for s in shas if s in self._public or self._known_object(s)]
        holders = {f"@@yantra-object-{i}@@": sha for i, sha in enumerate(keep)}
        for holder, sha in holders.items():
            text = text.replace(sha, holder)
        text = redact(text)[0]
        for holder, sha in holders.items():
            text = text.replace(holder, sha)
        return text

    def _known_object(self, sha: str) -> bool:
        if self._root is None or sha in self._not_objects:
            return False
        try:
            known = git_remote.has_object(self._root, sha)
        except GitError:
            known = False
        (self._public if known else self._not_objects).add(sha)
        return known


def environment_secrets(env: dict[str, str] | None = None) -> list[str]:
    import os

    source = os.environ if env is None else env
    return [source[name] for name in SECRET_ENV if source.get(name)]
