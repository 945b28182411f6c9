from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.pytest_env import PYTEST_ENV

WriteFiles = Callable[[dict[str, str]], Path]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteFiles:
    """Write {relative path: source} under tmp_path/project and return the project root. Its test runs inherit
    PYTEST_ENV (none of the suite's own pytest plugins: support.pytest_env)."""
    for name, value in PYTEST_ENV.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "project"
    root.mkdir()

    def write(files: dict[str, str]) -> Path:
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write
