"""The fix pipeline called in-process: the test runs of the projects it fixes inherit this process's environment,
so they get PYTEST_ENV here (none of the suite's own pytest plugins: support.pytest_env)."""

from __future__ import annotations

import pytest
from support.pytest_env import PYTEST_ENV


@pytest.fixture(autouse=True)
def _fixed_projects_load_no_suite_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PYTEST_ENV.items():
        monkeypatch.setenv(name, value)
