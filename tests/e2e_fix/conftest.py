"""Fixtures of the end-to-end fix tests: a real repository and a local Anthropic Messages API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_fix.fixrepo import Project, make_project
from support.anthropic_server import AnthropicServer


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "repo")


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as srv:
        yield srv
