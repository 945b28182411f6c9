"""The language adapter registry: suffixes pick the adapter, and the snapshot lists what adapters parse."""

from __future__ import annotations

from bot.graph.languages import ALL_SUFFIXES, LANGUAGES, Language, language_of
from bot.graph.snapshot import SUFFIXES


def test_suffixes_pick_the_adapter() -> None:
    python = LANGUAGES["python"]
    assert language_of("pkg/mod.py") is python and language_of("pkg/mod.pyi") is python
    assert language_of("web/app.ts") is None and language_of("README.md") is None


def test_snapshot_lists_every_registered_suffix() -> None:
    assert set(SUFFIXES) == set(ALL_SUFFIXES) >= {".py", ".pyi"}


def test_an_adapter_turns_bytes_into_facts_and_never_raises() -> None:
    python: Language = LANGUAGES["python"]
    facts = python.parse(b"import os\n\ndef f(a, b=1):\n    return os.sep\n", (3, 11))
    assert [d.qualname for d in facts.definitions] == ["f"] and facts.parse_ok
    broken = python.parse(b"def (:\n\x00\xff", (3, 11))
    assert [i.rule for i in broken.issues] == ["syntax-error"]
