"""Recall of `missing-member` through the shapes of class hierarchies that hid removed members on unseen
releases: a method defined in a branch of the class body, a subclass nested in a test class, a subclass of a
third-party class of the same name. Each next to the case that must keep the rule silent."""

from __future__ import annotations

import textwrap

import pytest
from support.gate_repo import Repo, rules

from bot.gate.change import unchanged_lines


def _remove(repo: Repo, files: dict[str, str], path: str, old: str) -> list[tuple[str, str, int]]:
    repo.files(files)
    repo.commit()
    source = textwrap.dedent(files[path])
    assert old in source
    repo.write(path, source.replace(old, "", 1))
    repo.stage()
    return rules(repo.check())


LOCAL_PATH = {"paths.py": """
    import os


    class LocalPath:
        def __init__(self, path):
            self.strpath = path

        def common(self, other):
            return os.path.commonpath([self.strpath, other])

        if os.name != "nt":
            def link_to(self, value):
                return self.common(value)
        else:
            def link_to(self, value):
                raise NotImplementedError
    """}


def test_a_method_defined_in_a_branch_of_the_class_body_is_judged(repo: Repo) -> None:
    """`if os.name != "nt": def link_to(self): ... self.common(...)` (pytest's `LocalPath.mksymlinkto`): a def in
    an `if`/`try`/`with` block of the class body is a method of the class all the same."""
    old = "    def common(self, other):\n        return os.path.commonpath([self.strpath, other])\n\n"
    assert _remove(repo, LOCAL_PATH, "paths.py", old) == [("missing-member", "paths.py", 10)]


EXTENSIONS = {
    "lib/__init__.py": "from lib.ext import Extension\n",
    "lib/ext.py": """
        class Extension:
            def __init__(self, **options):
                self.set_configs(options)

            def set_configs(self, options):
                self.options = options
        """,
    "tests/test_ext.py": """
        import lib


        class TestExtension:
            class NoConfig(lib.Extension):
                def __init__(self):
                    self.options = {}

            def test_it(self):
                assert self.NoConfig().options == {}
        """,
}


def test_a_subclass_nested_in_a_test_class_is_followed_to_its_base(repo: Repo) -> None:
    """`class TestX: class NoConfig(lib.Extension): ...` (markdown's test_apis): a nested class's base that the
    enclosing class body does not bind names what it names at module level, so the hierarchy under
    `Extension` stays known and its own `self.set_configs(...)` breaks when the method goes."""
    old = "    def set_configs(self, options):\n        self.options = options\n"
    assert _remove(repo, EXTENSIONS, "lib/ext.py", old) == [("missing-member", "lib/ext.py", 3)]


@pytest.mark.parametrize("binding", ["Extension = make_extension()", "from plugins import Extension",
                                     "for Extension in [make_extension()]: pass"])
def test_a_nested_base_the_enclosing_class_body_binds_keeps_the_rule_silent(repo: Repo, binding: str) -> None:
    """The enclosing class body binds the base's name itself (an assignment, an import, a loop target): the
    nested class derives from that, not from the module's class that lacks the member."""
    repo.files({"plugins.py": "def make_extension():\n    return type('E', (), {'helper': print})\n\n\n"
                              "Extension = make_extension()\n",
                "lib.py": "class Extension:\n    pass\n"})
    repo.commit()
    repo.write("tests.py", textwrap.dedent(f"""
        from lib import Extension
        from plugins import make_extension


        class TestPlugins:
            {binding}

            class Plugin(Extension):
                def run(self):
                    return self.helper()
        """))
    repo.stage()
    assert rules(repo.check()) == []


RESPONSES = {
    "web/__init__.py": "",
    "web/responses.py": """
        class Response:
            charset = "utf-8"

            def render(self, content):
                return content.encode(self.charset)
        """,
    "web/testclient.py": """
        import httpx

        from web.errors import Disconnect


        class DenialResponse(httpx.Response, Disconnect):
            pass
        """,
    "web/errors.py": "class Disconnect(Exception):\n    pass\n",
}


def test_a_subclass_of_a_third_party_class_of_the_same_name_is_not_in_the_hierarchy(repo: Repo) -> None:
    """`class WebSocketDenialResponse(httpx.Response, ...)` (starlette's testclient): subclasses are found by
    the last name of their bases; a base imported from a module that is not the repository's is another
    class, so it does not open `web.responses.Response`'s hierarchy."""
    assert _remove(repo, RESPONSES, "web/responses.py", '    charset = "utf-8"\n\n') == [
        ("missing-member", "web/responses.py", 3)]


def test_a_base_imported_from_a_module_the_repository_may_provide_keeps_the_rule_silent(repo: Repo) -> None:
    """`import httpx` where the repository has an `httpx` module somewhere (`compat/httpx.py`, importable as
    `httpx` once a conftest puts `compat/` on `sys.path`): the base may be the repository's own class, which
    may define the member."""
    files = {**RESPONSES, "compat/__init__.py": "", "compat/httpx.py": "from web.responses import Response\n",
             "web/testclient.py": RESPONSES["web/testclient.py"].replace("    pass", "    charset = 'latin-1'")}
    assert _remove(repo, files, "web/responses.py", '    charset = "utf-8"\n\n') == []


MACRO = {"macros.py": """
    class Macro:
        def __init__(self, is_async):
            self.is_async = is_async

        async def _async_invoke(self, arguments):
            return arguments

        def _invoke(self, arguments):
            if self.is_async:
                return self._async_invoke(arguments)  # type: ignore
            return arguments
    """}
ASYNC_INVOKE = "    async def _async_invoke(self, arguments):\n        return arguments\n\n"


def test_a_type_ignore_on_a_line_the_change_left_as_it_was_does_not_hide_what_it_removed(repo: Repo) -> None:
    """jinja2's `return self._async_invoke(arguments, autoescape)  # type: ignore`: the comment was written while
    the method existed, about another typing complaint (the awaitable returned as `str`), so removing the
    method elsewhere in the same file is still reported on that untouched line."""
    assert _remove(repo, MACRO, "macros.py", ASYNC_INVOKE) == [("missing-member", "macros.py", 7)]


def test_a_type_ignore_the_change_writes_on_the_line_still_silences_it(repo: Repo) -> None:
    """The same call edited by the change, its `# type: ignore` written with it: the author saw the complaint."""
    repo.files(MACRO)
    repo.commit()
    source = textwrap.dedent(MACRO["macros.py"]).replace(ASYNC_INVOKE, "")
    repo.write("macros.py", source.replace("self._async_invoke(arguments)", "self._async_invoke(arguments, 1)"))
    repo.stage()
    assert rules(repo.check()) == []


@pytest.mark.parametrize(("old", "new", "kept"), [
    ("a b c", "a b c", {1, 2, 3}),
    ("a b c", "a x c", {1, 3}),
    ("a b c d", "a c d", {1, 2, 3}),
    ("a b c", "x a b c", {2, 3, 4}),
    ("a b c", "a c", {1, 2}),
    ("", "a", set()),
])
def test_unchanged_lines_are_those_the_new_text_kept_from_the_old(old: str, new: str, kept: set[int]) -> None:
    assert unchanged_lines(old.split(), new.split()) == kept


def test_a_middle_too_long_to_match_counts_as_changed_but_head_and_tail_stay_kept() -> None:
    """A hostile file of one line repeated would make line matching quadratic: past the cap the changed middle is
    not matched (its lines read as edited) and the common head and tail still count as kept."""
    old = ["head"] + ["pass"] * 9000 + ["tail"]
    new = ["head"] + ["x = 1"] + ["pass"] * 4500 + ["y = 2"] + ["pass"] * 4500 + ["z"] + ["tail"]
    kept = unchanged_lines(old, new)
    assert kept == {1, len(new)}


def test_a_removal_in_a_large_repetitive_file_is_still_judged(repo: Repo) -> None:
    """A file of thousands of repeated lines, edited in two far places (a method removed near the top, the last
    line changed): the check ends, and the untouched `# type: ignore` line above the removal is still kept, so
    the use of the removed method there is reported."""
    source = textwrap.dedent("""
        class Macro:
            def __init__(self, is_async):
                self.is_async = is_async

            def _invoke(self, arguments):
                if self.is_async:
                    return self._async_invoke(arguments)  # type: ignore
                return arguments

            async def _async_invoke(self, arguments):
                return arguments
        """) + "x = 0\n" * 6000
    repo.files({"macros.py": source})
    repo.commit()
    edited = source.replace(ASYNC_INVOKE.rstrip("\n") + "\n", "")
    assert edited != source
    repo.write("macros.py", edited[: -len("x = 0\n")] + "x = 1\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-member", "macros.py", 7)]


DEPRECATING = """
    import sys

    _DEPRECATED = {"OldBuilder": object}


    class Builder:
        def init(self):
            self.init_highlighter()

        def init_highlighter(self):
            self.highlighter = None


    def __getattr__(name):
        if name not in _DEPRECATED:
            raise AttributeError(name)
        return _DEPRECATED[name]
    """


@pytest.mark.parametrize("rewrites, found", [("", [("missing-member", "lib/html.py", 8)]),
                                             ("sys.modules[__name__].__dict__.update(_DEPRECATED)\n", [])])
def test_a_class_in_a_module_with_a_module_getattr_is_judged(repo: Repo, rewrites: str,
                                                             found: list[tuple[str, str, int]]) -> None:
    """sphinx's `builders/html/__init__.py` ends with a module-level `__getattr__` serving deprecated names: it
    answers only names the module lacks, so `StandaloneHTMLBuilder` is the class written there (also for the
    subclass `EpubBuilder` importing it) and its own `self.init_highlighter()` breaks when the method goes. A module that also rewrites its namespace at run
    time (`sys.modules[__name__].__dict__.update(...)`) may hold another class by that name: silent."""
    old = "    def init_highlighter(self):\n        self.highlighter = None\n"
    files = {"lib/__init__.py": "", "lib/html.py": textwrap.dedent(DEPRECATING) + rewrites,
             "lib/epub.py": "from lib.html import Builder\n\n\nclass Epub(Builder):\n    pass\n"}
    assert _remove(repo, files, "lib/html.py", old) == found


BUILDERS = {
    "lib/__init__.py": "",
    "lib/html.py": """
        class HTMLBuilder:
            scaled_image_link = True

            def post_process(self, node):
                return self.scaled_image_link and node
        """,
    "lib/epub.py": """
        from lib.html import HTMLBuilder


        class EpubBuilder(HTMLBuilder):
            scaled_image_link = False
        """,
}


@pytest.mark.parametrize("test, found", [
    ("from lib.html import HTMLBuilder\n\n\ndef test_it():\n    assert HTMLBuilder().post_process(1)\n",
     [("missing-member", "lib/html.py", 3)]),
    ("from lib.epub import EpubBuilder\n\n\ndef test_it():\n    assert not EpubBuilder().post_process(1)\n", [])])
def test_a_member_removed_from_a_class_that_is_itself_constructed_is_judged(
        repo: Repo, test: str, found: list[tuple[str, str, int]]) -> None:
    """sphinx: `StandaloneHTMLBuilder.html_scaled_image_link` removed, while the subclass `EpubBuilder` sets its
    own: `self` in the base's methods may be an `EpubBuilder`, but the tests build a `StandaloneHTMLBuilder`
    itself, whose `self.html_scaled_image_link` then breaks. When only the subclass is ever built: silent."""
    old = "    scaled_image_link = True\n\n"
    assert _remove(repo, {**BUILDERS, "tests/test_html.py": test}, "lib/html.py", old) == found
