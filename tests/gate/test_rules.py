"""Each cross-file rule, positive and negative, through `run_check(--all)` on real repositories."""

from __future__ import annotations

from support.gate_repo import Repo, rules

PKG = {"pkg/__init__.py": "", "pkg/helpers.py": """
    def verify_payment(amount, currency="EUR"):
        return amount

    class Plain:
        def __init__(self, a, b=1):
            self.a = a
    """}


def test_clean_repository_has_no_findings(repo: Repo) -> None:
    repo.files({**PKG, "app.py": """
        from pkg.helpers import verify_payment, Plain
        from pkg import helpers
        import pkg.helpers

        def main():
            verify_payment(1)
            verify_payment(1, currency="USD")
            Plain(1)
            helpers.verify_payment(2, "EUR")
            pkg.helpers.Plain(a=1, b=2)
        """})
    repo.commit()
    assert rules(repo.check(all_files=True)) == []


def test_missing_symbol_with_did_you_mean(repo: Repo) -> None:
    repo.files({**PKG, "app.py": "from pkg.helpers import verify_paymnt\n"})
    result = repo.check(all_files=True)
    assert rules(result) == [("missing-symbol", "app.py", 1)]
    assert result.findings[0].suggestion == "did you mean `verify_payment`?"


def test_missing_symbol_moved_elsewhere(repo: Repo) -> None:
    repo.files({**PKG, "pkg/notifications.py": "def send_email(to):\n    pass\n",
                "app.py": "from pkg.helpers import send_email\n"})
    (f,) = repo.check(all_files=True).findings
    assert f.rule == "missing-symbol" and "pkg/notifications.py" in f.suggestion


def test_missing_module(repo: Repo) -> None:
    repo.files({**PKG, "app.py": "import pkg.helperz\nfrom pkg.gone import x\n"})
    assert rules(repo.check(all_files=True)) == [("missing-module", "app.py", 1), ("missing-module", "app.py", 2)]


def test_generated_or_compiled_modules_are_not_missing(repo: Repo) -> None:
    repo.files({**PKG, ".gitignore": "pkg/_build_info.py\n", "pkg/_speedups.c": "/* C */\n",
                "pyproject.toml": '[tool.setuptools_scm]\nwrite_to = "pkg/_version.py"\n'
                                  '[project.entry-points.x]\ny = "pkg.gone:main"\n',
                "setup.py": 'from setuptools import Extension\nExtension("pkg._fast", ["csrc/fast.c"])\n',
                "app.py": "from pkg._version import version\nfrom pkg._speedups import fast\n"
                          "from pkg._build_info import when\nfrom pkg._fast import x\nfrom pkg.gone import main\n"})
    assert rules(repo.check(all_files=True)) == [("missing-module", "app.py", 5)]


def test_missing_attribute(repo: Repo) -> None:
    repo.files({**PKG, "app.py": "from pkg import helpers\n\ndef f():\n    return helpers.verify(1)\n"})
    assert rules(repo.check(all_files=True)) == [("missing-attribute", "app.py", 4)]


def test_missing_attribute_through_an_import_a_method_name_shadows_in_its_class(repo: Repo) -> None:
    repo.files({**PKG, "app.py": """
        from pkg import helpers

        class View:
            def helpers(self):
                return helpers.verify(1)
            other = helpers.nothing

        def f():
            return helpers.verify(2)
        """})
    assert rules(repo.check(all_files=True)) == [("missing-attribute", "app.py", 5), ("missing-attribute", "app.py", 9)]


def test_arity_mismatch_function_and_class(repo: Repo) -> None:
    repo.files({**PKG, "app.py": """
        from pkg.helpers import verify_payment, Plain

        verify_payment()
        verify_payment(1, "EUR", 3)
        verify_payment(1, colour=2)
        Plain()
        """})
    assert rules(repo.check(all_files=True)) == [
        ("arity-mismatch", "app.py", 3), ("arity-mismatch", "app.py", 4), ("arity-mismatch", "app.py", 5),
        ("arity-mismatch", "app.py", 6)]


def test_arity_positional_only_names_and_line_continuations(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/m.py": """
        def takes_kwargs(a, /, **kw):
            pass

        def strict(a, /):
            pass

        def two(a, b):
            pass
        """, "app.py": """
        from pkg.m import takes_kwargs, strict, two

        takes_kwargs(1, a=2)
        strict(1, a=2)
        two(1, \\
            2)
        two(1, \\
            2, 3)
        """})
    assert rules(repo.check(all_files=True)) == [("arity-mismatch", "app.py", 4), ("arity-mismatch", "app.py", 7)]


def test_arity_silent_when_unsure(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/m.py": """
        import functools
        from dataclasses import dataclass

        def deco(f):
            return f

        @deco
        def decorated(a):
            pass

        def variadic(*args, **kwargs):
            pass

        def plain(a):
            pass

        @dataclass
        class Data:
            x: int

        class Meta(type):
            pass

        class WithMeta(metaclass=Meta):
            def __init__(self, a):
                pass

        class WithNew:
            def __new__(cls, *a):
                return object.__new__(cls)
            def __init__(self, a):
                pass

        class FromExternal(dict):
            def __init__(self, a):
                pass

        import sys
        if sys.version_info > (3, 8):
            def conditional(a):
                pass
        else:
            def conditional(a, b):
                pass
        """, "app.py": """
        from pkg.m import decorated, variadic, plain, Data, WithMeta, WithNew, FromExternal, conditional

        args = (1, 2)
        decorated()
        variadic(1, 2, x=3)
        plain(*args)
        plain(**{"a": 1})
        Data()
        WithMeta()
        WithNew()
        FromExternal()
        conditional()
        try:
            plain()
        except TypeError:
            pass
        """})
    assert rules(repo.check(all_files=True)) == []


def test_silent_cases_for_imports(repo: Repo) -> None:
    repo.files({**PKG, "pkg/dyn.py": "def __getattr__(name):\n    return name\n",
                "pkg/star.py": "from pkg.helpers import *\n",
                "pkg/stored.py": "x = 1\n",
                "setter.py": "import pkg.stored\npkg.stored.injected = 1\n",
                "app.py": """
        import sys
        from typing import TYPE_CHECKING
        from pkg.dyn import anything
        from pkg.star import verify_payment
        from pkg.stored import injected
        try:
            from pkg.helpers import optional_thing
        except ImportError:
            optional_thing = None
        if TYPE_CHECKING:
            from pkg.helpers import only_for_types
        import requests
        from os import path_that_does_not_exist
        """})
    assert rules(repo.check(all_files=True)) == []


def test_expected_failures_and_dead_code_are_quiet(repo: Repo) -> None:
    repo.files({**PKG, "test_app.py": """
        import pytest

        def test_raises():
            with pytest.raises(ImportError):
                from pkg.helpers import gone

        def test_dead():
            if True:
                return
            from pkg.helpers import gone_too
        """})
    assert rules(repo.check(all_files=True)) == []


def test_expected_failure_must_catch_the_right_exception(repo: Repo) -> None:
    repo.files({**PKG, "test_app.py": """
        import pytest
        from unittest import mock
        from pkg.helpers import verify_payment, Plain

        def test_name_error_expected():
            with pytest.raises((KeyError, NameError)):
                undefined_one()

        def test_name_error_not_expected():
            with pytest.raises(TypeError):
                undefined_two()

        def test_type_error_expected():
            with pytest.raises(TypeError):
                verify_payment()

        def test_patched_init():
            with mock.patch.object(Plain, "__init__", return_value=None):
                Plain()
        """})
    assert rules(repo.check(all_files=True)) == [("undefined-name", "test_app.py", 11)]


def test_more_places_where_the_gate_stays_silent(repo: Repo) -> None:
    repo.files({**PKG, "pkg/_native.c": "/* built at install time */\n", "pkg/filled.py": """
        NAMES = ["alpha", "beta"]
        for _name in NAMES:
            vars()[_name] = _name.upper()
        """, "user.py": """
        import pytest
        from pkg import helpers, filled
        from pkg import _native
        from pkg.helpers import verify_payment, Plain
        from pkg.filled import alpha

        def raises(exc, fn):
            pass

        def test_lambda():
            raises(TypeError, lambda: verify_payment())

        @pytest.mark.xfail
        def test_known_broken():
            from pkg.helpers import not_yet

        def is_fbcode():
            return False

        def in_fbcode():
            if is_fbcode():  # (the test itself always runs: `helpers.is_fbcode()` would be judged)
                from pkg.internal_only import thing

        def probe():
            if hasattr(helpers, "maybe"):
                return helpers.maybe
            return getattr(helpers, "perhaps", None) or filled.beta

        verify_payment(1, \\
                       "EUR")
        """})
    assert rules(repo.check(all_files=True)) == []


def test_undefined_name_and_syntax_error_through_the_gate(repo: Repo) -> None:
    repo.files({"a.py": "def f():\n    return verify_paymnt()\n\ndef verify_payment():\n    pass\n",
                "b.py": "def broken(:\n"})
    result = repo.check(all_files=True)
    assert rules(result) == [("undefined-name", "a.py", 2), ("syntax-error", "b.py", 1)]
    assert result.findings[0].suggestion == "did you mean `verify_payment`?"


def test_undefined_name_assigned_from_another_module_is_silent(repo: Repo) -> None:
    repo.files({"conf.py": "def get():\n    return injected\n", "main.py": "import conf\nconf.injected = 1\n"})
    assert rules(repo.check(all_files=True)) == []


def test_syntax_error_for_target_version(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n',
                "m.py": "def f(x):\n    match x:\n        case 1:\n            return 1\n"})
    assert [r[0] for r in rules(repo.check(all_files=True))] == ["syntax-error"]
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.10"\n')
    assert rules(repo.check(all_files=True)) == []


def test_undeclared_dependency(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["click>=8"]\n',
                "x/__init__.py": "", "x/core.py": """
        import click
        import yaml
        try:
            import jwt
        except ImportError:
            jwt = None

        def later():
            import PIL
        """, "tests/test_core.py": "import yaml\n"})
    result = repo.check(all_files=True)
    assert rules(result) == [("undeclared-dependency", "x/core.py", 2)]
    assert result.findings[0].severity == "warning" and "PyYAML" in result.findings[0].message
    assert result.errors == []


def test_undeclared_dependency_declared_in_extras_groups_and_requirements(repo: Repo) -> None:
    repo.files({"pyproject.toml": """
        [project]
        name = "x"
        version = "1"
        dependencies = []
        [project.optional-dependencies]
        img = ["pillow"]
        [dependency-groups]
        dev = ["beautifulsoup4>=4"]
        """, "requirements-extra.txt": "PyYAML==6.0\n", "x/__init__.py": "import PIL\nimport bs4\nimport yaml\n"})
    assert rules(repo.check(all_files=True)) == []


def test_undeclared_dependency_silent_without_metadata(repo: Repo) -> None:
    repo.files({"x/__init__.py": "import yaml\n"})
    assert rules(repo.check(all_files=True)) == []
