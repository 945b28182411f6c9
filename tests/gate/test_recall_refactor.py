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


def test_a_removed_reexport_used_inside_a_warnings_context_is_reported(repo: Repo) -> None:
    """`with pytest.warns(DeprecationWarning): pytest.yield_fixture` (pytest's deprecated_test.py): a context
    that records warnings lets an AttributeError through, so it shields nothing; `pytest.raises` still does."""
    repo.files({"lib/__init__.py": "from .fixtures import fixture, yield_fixture\n",
                "lib/fixtures.py": "def fixture(f):\n    return f\n\n\ndef yield_fixture(f):\n    return f\n",
                "test_lib.py": """
                    import warnings

                    import pytest

                    import lib


                    def test_deprecated():
                        with pytest.warns(DeprecationWarning):
                            lib.yield_fixture(print)
                        with warnings.catch_warnings():
                            lib.yield_fixture(print)
                        with pytest.raises(AttributeError):
                            lib.yield_fixture(print)
                    """})
    repo.commit()
    repo.write("lib/__init__.py", "from .fixtures import fixture\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "test_lib.py", 10), ("missing-attribute", "test_lib.py", 12)]


EMITTERS = {"emitters.py": """
    import pytest


    class Lifespan:
        SCOPES = ["module", "class"]

        def emit(self):
            return 1

        __call__ = emit

        @pytest.mark.parametrize("scope", SCOPES)
        def test_scope(self, scope, default=SCOPES):
            return scope


    class Request:
        SCOPES = ["function"]

        async def emit(self):
            return 2

        __call__ = emit

        @pytest.mark.parametrize("scope", [*SCOPES, "package"])
        def test_scope(self, scope):
            return scope
    """}


def test_a_name_only_another_class_body_binds_is_undefined_in_a_class_body(repo: Repo) -> None:
    """`__call__ = emit` and `@parametrize("scope", SCOPES)` in a class body read the class's own names; once
    the method or attribute is removed, the same name bound in a sibling class's body binds nothing here
    (falcon's ASGILifespanEventEmitter, pytest's TestDoctestNamespaceFixture)."""
    repo.files(EMITTERS)
    repo.commit()
    source = textwrap.dedent(EMITTERS["emitters.py"])
    repo.write("emitters.py", source.replace('    SCOPES = ["module", "class"]\n', "", 1).replace(
        "    def emit(self):\n        return 1\n\n", "", 1))
    repo.stage()
    assert rules(repo.check()) == [("undefined-name", "emitters.py", 6), ("undefined-name", "emitters.py", 8),
                                   ("undefined-name", "emitters.py", 9)]


def test_a_class_body_reading_its_own_names_stays_silent(repo: Repo) -> None:
    repo.files(EMITTERS)
    repo.commit()
    assert rules(repo.check(all_files=True)) == []


CONFIG = {"tox_config.py": """
    class Config:
        def __init__(self, root):
            self.root = root

        def get_env(self, name):
            return name

        def other(self):
            return 1
    """, "conftest.py": """
    from tox_config import Config


    def load(loader, conf):
        conf.extra = 1
        return loader


    def replace_one(tmp_path):
        config = Config(tmp_path)
        loader = config.get_env("py")
        return load(loader, conf=config)


    def after_the_call(tmp_path):
        config = Config(tmp_path)
        load(None, conf=config)
        return config.get_env("py")


    def in_a_loop(tmp_path):
        config = Config(tmp_path)
        for _ in range(2):
            config.get_env("py")
            load(None, config)
    """}


def test_a_read_before_any_call_is_given_the_instance_is_judged(repo: Repo) -> None:
    """`config = Config(...)`, `config.get_env("py")`, then `loader.load(conf=config)` (tox's conftest): the
    call that may give `config` attributes comes after the read; a read after it, or in a loop around it,
    stays silent."""
    repo.files(CONFIG)
    repo.commit()
    repo.write("tox_config.py", textwrap.dedent(CONFIG["tox_config.py"]).replace(
        "    def get_env(self, name):\n        return name\n\n", ""))
    repo.stage()
    assert rules(repo.check()) == [("missing-member", "conftest.py", 11)]
