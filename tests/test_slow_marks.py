"""The slow places named in tests/conftest.py exist, so a renamed test does not silently join the inner loop."""

from __future__ import annotations

import re

import pytest
from conftest import HERE, SLOW_PLACES


def test_every_slow_place_names_a_real_folder_file_or_test() -> None:
    for place in SLOW_PLACES:
        path, _, test = place.partition("::")
        assert (HERE / path).exists(), place
        if test:
            source = (HERE / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {re.escape(test)}\(", source, re.MULTILINE), place


def test_the_slow_tests_run_first(request: pytest.FixtureRequest) -> None:
    """In the collected session (the whole suite, or any part of it), no slow test comes after a quick one."""
    slow = [item.get_closest_marker("slow") is not None for item in request.session.items]
    assert slow == sorted(slow, reverse=True)
