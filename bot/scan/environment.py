"""The environment a scanned or tested project runs in: ours minus anything that looks like a secret.

Test suites and scanners execute code we do not control (the project's tests, a proposed patch), so they
never see API keys, tokens or CI credentials.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SECRET_WORDS: tuple[str, ...] = (
    "TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE", "SESSION", "PRIVATE",
)
SECRET_PREFIXES: tuple[str, ...] = ("GITHUB_", "ANTHROPIC_", "AWS_", "ACTIONS_", "GH_", "RUNNER_")


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS) or upper.startswith(SECRET_PREFIXES)


def scrubbed_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """`base` (default: os.environ) without secret-looking variables, plus `extra`."""
    source = os.environ if base is None else base
    env = {name: value for name, value in source.items() if not is_secret_name(name)}
    env.update(extra)
    return env
