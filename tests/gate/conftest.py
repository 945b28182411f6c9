"""Fixtures of the gate tests: a fresh git repository per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.gate_repo import Repo, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)
