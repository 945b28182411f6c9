"""Recall of the refactor kinds (a method, a class attribute or a re-export removed) through the mechanisms that
hid them on unseen releases: one minimal repository each, next to the case that keeps the rule silent."""

from __future__ import annotations

import textwrap

from support.gate_repo import Repo, rules

MANAGER = {
    "workers/__init__.py": "",
    "workers/manager.py": """
        class Manager:
            THRESHOLD = 300

            def __init__(self, n):
                self.n = n

            def wait_for_ack(self):
                return self.n

            def run(self):
                self.wait_for_ack()
                return self.THRESHOLD
        """,
    "tests/__init__.py": "",
    "tests/test_manager.py": """
        from unittest.mock import Mock

        from workers.manager import Manager


        def test_run():
            manager = Manager(2)
            manager.wait_for_ack = Mock()
            Manager.THRESHOLD = 1
            assert manager.run() == 1
        """,
}


def _remove_members(repo: Repo, files: dict[str, str]) -> list[tuple[str, str, int]]:
    repo.files(files)
    repo.commit()
    source = textwrap.dedent(files["workers/manager.py"])
    repo.write("workers/manager.py", source.replace("    THRESHOLD = 300\n", "").replace(
        "    def wait_for_ack(self):\n        return self.n\n\n", ""))
    repo.stage()
    return rules(repo.check())


def test_what_a_test_stores_on_objects_does_not_provide_members_to_library_code(repo: Repo) -> None:
    """A test that mocks a method on an instance (`manager.wait_for_ack = Mock()`) or sets a class attribute
    (`Manager.THRESHOLD = 1`) gives nothing to the objects the library itself creates: the library's own
    `self.wait_for_ack()` breaks when the method goes."""
    assert _remove_members(repo, MANAGER) == [("missing-member", "workers/manager.py", 7),
                                              ("missing-member", "workers/manager.py", 8)]


def test_what_library_code_stores_on_objects_still_keeps_the_rule_silent(repo: Repo) -> None:
    files = {**MANAGER, "workers/setup.py": """
        def configure(manager):
            manager.wait_for_ack = print
            manager.THRESHOLD = 5
        """}
    assert _remove_members(repo, files) == []
