"""Methods through the MRO: a base method the test reaches runs as the override of the subclass it builds."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph, ranked_items

FILES = {
    "fields/__init__.py": "",
    "fields/base.py": '''
        class Field:
            def serialize(self, value):
                return self._serialize(value)

            def _serialize(self, value):
                return value
        ''',
    "fields/kinds.py": '''
        from fields.base import Field

        class Enum(Field):
            def __init__(self, enum):
                self.enum = enum

            def _serialize(self, value):
                return value.name

            def unrelated(self):
                return 1

        class Other(Field):
            def _serialize(self, value):
                return str(value)
        ''',
    "tests/test_kinds.py": '''
        from fields.kinds import Enum

        def test_enum_by_name():
            field = Enum(object)
            assert field.serialize(object) == "object"
        ''',
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("overrides") / "repo", FILES) as graph:
        yield graph


def test_the_override_of_a_base_method_in_the_class_the_test_builds(repo):
    items = ranked_items(repo, "tests/test_kinds.py::test_enum_by_name")
    assert ("fields/base.py", "Field.serialize") in items
    override = items[("fields/kinds.py", "Enum._serialize")]
    assert "override" in override.signals
    assert override.reason == "overrides Field._serialize for Enum"
    # a sibling subclass the test never reaches is not an override of anything the test runs
    assert "override" not in getattr(items.get(("fields/kinds.py", "Other._serialize")), "signals", ())
