"""Suite-wide settings: the `slow` marker for the inner loop (`python -m pytest -q -m "not slow"`).

Tests that run whole processes end to end — the fix pipeline against the local Anthropic server, the Action
against the local GitHub server, the real pre-commit framework, semgrep — are slow by nature; they are marked
here by where they live, so a new test in those folders is marked without anyone remembering to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SLOW_PLACES = ("e2e_fix", "github", "hook", "scan/test_semgrep.py", "scan/test_security.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            rel = item.path.resolve().relative_to(HERE).as_posix()
        except ValueError:
            continue
        if any(rel == place or rel.startswith(place.rstrip("/") + "/") for place in SLOW_PLACES):
            item.add_marker(pytest.mark.slow)
