"""Doubts: scoped guards and the mechanisms that make a name's absence uncertain, each a minimal repository,
with the side that must still be reported next to the side that must stay silent."""

from __future__ import annotations

import pytest
from support.gate_repo import Repo, rules

from bot.graph.python_doubts import doubts_of

PKG = {"pkg/__init__.py": "", "pkg/helpers.py": "def verify_payment(amount):\n    return amount\n"}


def check(repo: Repo, files: dict[str, str]) -> list[tuple[str, str, int]]:
    repo.files(files)
    repo.commit()
    return rules(repo.check(all_files=True))


# -- scoped doubts -----------------------------------------------------------------------------------

def test_except_import_error_shields_only_what_the_try_body_imports(repo: Repo) -> None:
    assert check(repo, {**PKG, "app.py": """
        try:
            from pkg.helpers import optional_thing
        except ImportError:
            optional_thing = None
            fallback_helper()
        """}) == [("undefined-name", "app.py", 5)]


def test_platform_guard_shields_what_it_binds_not_names_bound_nowhere(repo: Repo) -> None:
    assert check(repo, {**PKG, "app.py": """
        import sys
        WIN = sys.platform == "win32"
        if WIN:
            import winreg
            handle = winreg.HKEY_CURRENT_USER
            error = WindowsError
            bad = win_only_typo()
        else:
            handle = None
        if sys.version_info >= (3, 11):
            also_bad = tomllib_typo
        """}) == [("undefined-name", "app.py", 7), ("undefined-name", "app.py", 11)]


def test_except_name_error_shields_only_its_own_try_body(repo: Repo) -> None:
    assert check(repo, {**PKG, "app.py": """
        try:
            text = unicode_or_what
        except NameError:
            text = str

        def later():
            return missing_everywhere
        """}) == [("undefined-name", "app.py", 7)]


def test_a_try_shields_only_the_errors_its_handlers_catch(repo: Repo) -> None:
    assert check(repo, {**PKG, "app.py": """
        from pkg import helpers
        try:
            from pkg.helpers import gone_a
        except KeyError:
            pass
        try:
            helpers.gone_b()
        except ValueError:
            pass
        try:
            helpers.verify_payment(1, 2)
        except OSError:
            pass
        """}) == [("missing-symbol", "app.py", 3), ("missing-attribute", "app.py", 7),
                  ("arity-mismatch", "app.py", 11)]


def test_a_try_that_catches_the_error_or_anything_unknown_is_silent(repo: Repo) -> None:
    assert check(repo, {**PKG, "app.py": """
        from pkg import helpers
        from pkg.errors import OptionalDependencyMissing
        try:
            from pkg.helpers import gone_a
        except OptionalDependencyMissing:
            pass
        try:
            helpers.gone_b()
        except AttributeError:
            pass
        try:
            helpers.verify_payment(1, 2)
        except (ValueError, TypeError):
            pass
        try:
            from pkg.helpers import gone_c
        except:
            pass
        """, "pkg/errors.py": "class OptionalDependencyMissing(ImportError):\n    pass\n"}) == []


# -- false-claim mechanisms --------------------------------------------------------------------------

LAZY_HELPER = """
import sys
import types


class LazyModule(types.ModuleType):
    def __init__(self, name, structure):
        super().__init__(name)
        self._structure = structure


def recreate_module(name, structure):
    sys.modules[name] = LazyModule(name, structure)
"""


def test_package_rebuilt_as_a_lazy_module_by_a_helper_is_unknowable(repo: Repo) -> None:
    assert check(repo, {"pkg/_lazy.py": LAZY_HELPER, "pkg/__init__.py": """
        from pkg._lazy import recreate_module

        recreate_module(__name__, {"sub": ["thing"]})
        """, "app.py": "from pkg import thing\nimport pkg\npkg.other_thing()\n"}) == []


def test_transformers_style_lazy_module_is_unknowable(repo: Repo) -> None:
    assert check(repo, {"pkg/__init__.py": """
        import sys
        from typing import TYPE_CHECKING

        _import_structure = {"models": ["Model"]}
        if TYPE_CHECKING:
            from .models import Model
        else:
            from .utils import _LazyModule

            sys.modules[__name__] = _LazyModule(__name__, globals()["__file__"], _import_structure)
        """, "pkg/models.py": "class Model:\n    pass\n",
        "pkg/utils.py": "import types\n\nclass _LazyModule(types.ModuleType):\n    pass\n",
        "app.py": "from pkg import Model, Tokenizer\n"}) == []


def test_a_helper_handed_the_module_name_that_replaces_nothing_is_no_doubt(repo: Repo) -> None:
    assert check(repo, {"pkg/_log.py": "import logging\n\ndef setup(name):\n    logging.getLogger(name)\n",
                        "pkg/__init__.py": "from pkg._log import setup\n\nsetup(__name__)\n",
                        "app.py": "from pkg import missing\n"}) == [("missing-symbol", "app.py", 1)]


def test_meta_path_vendor_importer_serves_extern_packages(repo: Repo) -> None:
    assert check(repo, {"pkg/__init__.py": "", "pkg/_vendor/packaging/__init__.py": "def version():\n    pass\n",
                        "pkg/extern/__init__.py": """
        import sys


        class VendorImporter:
            def __init__(self, root_name, vendored_names=(), vendor_pkg=None):
                self.root_name = root_name
                self.vendored_names = set(vendored_names)

            def install(self):
                if self not in sys.meta_path:
                    sys.meta_path.append(self)


        VendorImporter(__name__, ("packaging",), "pkg._vendor").install()
        """, "app.py": """
        from pkg.extern import packaging
        from pkg.extern.packaging import version
        import pkg.extern.packaging
        from pkg.gone import x
        """}) == [("missing-module", "app.py", 4)]


def test_data_only_directory_imports_as_a_namespace_package(repo: Repo) -> None:
    assert check(repo, {"pkg/__init__.py": "", "pkg/data01/readme.txt": "data\n",
                        "pkg/data01/table.json": "{}\n", "pkg/res.py": "from . import data01\n",
                        "pkg/use.py": "from . import data02\n"}) == [("missing-symbol", "pkg/use.py", 1)]


def test_names_a_host_program_injects_into_the_files_it_executes(repo: Repo) -> None:
    assert check(repo, {"docs/conf.py": "if tags.has('internal'):\n    exclude_patterns = []\n",
                        "jupyter_server_config.py": "c.ServerApp.port = 8888\n",
                        "app.py": "print(tags)\n"}) == [("undefined-name", "app.py", 1)]


def test_plugin_named_like_the_installed_module_it_imports(repo: Repo) -> None:
    assert check(repo, {"toml.py": "import toml\n\n\ndef load(path):\n    return toml.loads(path)\n",
                        "plugins/user.py": "from toml import loads\n",
                        "pkg/__init__.py": "import pkg.helpers\n",
                        "pkg/helpers.py": "import pkg\n\npkg.gone()\n"}) == [("missing-attribute", "pkg/helpers.py", 3)]


def test_relative_imports_in_a_test_package(repo: Repo) -> None:
    assert check(repo, {**PKG, "tests/__init__.py": "", "tests/helpers.py": "def make(a):\n    return a\n",
                        "tests/test_a.py": """
        from .helpers import make, nothere
        from . import helpers

        def test_x():
            make(1, 2)
            helpers.gone()
        """}) == [("missing-symbol", "tests/test_a.py", 1), ("arity-mismatch", "tests/test_a.py", 5),
                  ("missing-attribute", "tests/test_a.py", 6)]


# -- the facts themselves ------------------------------------------------------------------------------

def test_doubts_are_facts_of_the_source() -> None:
    d = doubts_of(b"def __getattr__(name):\n    if name == 'a':\n        return 1\n    raise AttributeError(name)\n")
    assert d.may_provide("a") and not d.may_provide("b")
    assert doubts_of(b"__getattr__ = make(__name__)\n").may_provide("anything")
    assert doubts_of(b"if hasattr(mod, 'feature'):\n    pass\n").probes("feature")
    assert doubts_of(b"import sys\nsys.path.insert(0, 'x')\n").edits_sys_path
    assert doubts_of(b"recreate_module(__name__, {})\n").name_handoffs == ("recreate_module",)
    assert doubts_of(b"import logging\nlog = logging.getLogger(__name__)\n").name_handoffs == ()
    assert doubts_of(b"x = 1\n") == doubts_of(b"")


def test_only_code_edits_sys_path_and_its_line_is_pythons() -> None:
    """A comment naming `sys.path` edits nothing; the first edit's line is counted as Python counts lines
    (a form feed or a vertical tab does not end one)."""
    assert not doubts_of(b"# add these directories to sys.path here\nimport os  # sys.path unchanged\n").edits_sys_path
    d = doubts_of(b"import sys\n\x0c\nx = '#'  # sys.path\x0b below\nsys.path.append('x')  # sys.path.insert\n")
    assert (d.sys_path_line, d.sys_path_appends_only) == (4, True)
    assert doubts_of(b"x = 'sys.path # quoted'\n").sys_path_line == 1  # (a string is not a comment)


def test_modules_sphinx_autodoc_mocks_for_the_files_it_documents(repo: Repo) -> None:
    assert check(repo, {**PKG, "docs/conf.py": "autodoc_mock_imports = ['pkg.missing', 'numpy']\n",
                        "docs/target/m.py": "import pkg.missing\nfrom pkg.missing import thing\n"
                                            "import pkg\npkg.missing.call()\n",
                        "tests/roots/target/m2.py": "import pkg.faked\n",
                        "tests/test_autodoc.py": "def test(app):\n    app.config.autodoc_mock_imports = ['pkg.faked']\n",
                        "app.py": "import pkg.not_mocked\n"}) == [("missing-module", "app.py", 1)]


def test_package_attribute_shadowing_its_submodule(repo: Repo) -> None:
    assert check(repo, {"pkg/__init__.py": "from .common import Helper as common\n",
                        "pkg/common.py": "class Helper:\n    integer = 1\n\n\ndef f():\n    pass\n",
                        "app.py": "import pkg\n\npkg.common.integer\npkg.common.nothing\n",
                        "other.py": "from pkg import common\n\ncommon.integer\ncommon.f()\n"}) == [
        ("missing-member", "app.py", 4), ("missing-member", "other.py", 4)]


def test_an_expected_exception_shields_only_what_raises_it(repo: Repo) -> None:
    assert check(repo, {**PKG, "test_app.py": """
        import contextlib

        import pytest
        from pkg import helpers


        def test_it():
            with pytest.raises(ValueError):
                helpers.verify_payment(1, 2)
            with pytest.raises(TypeError):
                helpers.verify_payment(1, 2)
            with pytest.raises((AttributeError, KeyError), match="x") as err:
                helpers.gone()
            with contextlib.suppress(ImportError):
                from pkg.helpers import optional
            with pytest.warns(UserWarning):  # records warnings; calls stay shielded (a deprecation shim may
                helpers.verify_payment()     # accept what its signature does not show), imports do not
        """}) == [("arity-mismatch", "test_app.py", 9)]


def test_newer_syntax_in_files_pytest_never_collects(repo: Repo) -> None:
    assert check(repo, {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n',
                        "tests/conftest.py": "import sys\n\nif sys.version_info < (3, 10):\n"
                                             "    collect_ignore_glob = ['*_310.py']\n",
                        "tests/test_x_310.py": "def f(x):\n    match x:\n        case 1:\n            return 1\n",
                        "tests/test_y.py": "def f(x):\n    match x:\n        case 1:\n            return 1\n"}) == [
        ("syntax-error", "tests/test_y.py", 4)]


def test_syntax_newer_than_the_interpreter_in_files_pytest_never_collects(repo: Repo) -> None:
    # PEP 695 (3.12) under a 3.8 target, in test files a conftest skips before 3.12 (cattrs' layout): whichever
    # interpreter runs the hook, those files are never imported where the syntax is too new. A real syntax error
    # in such a file, and the new syntax in a collected file, are still reported.
    assert check(repo, {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n',
                        "tests/conftest.py": "import sys\n\ncollect_ignore_glob = []\n"
                                             "if sys.version_info < (3, 12):\n"
                                             "    collect_ignore_glob.append('*_695.py')\n",
                        "tests/test_pep_695.py": "type X = int\n\n\nclass A[T]:\n    pass\n",
                        "tests/test_broken_695.py": "def f(:\n    pass\n",
                        "tests/test_z.py": "class A[T]:\n    pass\n"}) == [
        ("syntax-error", "tests/test_broken_695.py", 1), ("syntax-error", "tests/test_z.py", 1)]


def test_newer_syntax_in_test_data_a_harness_loads_by_name(repo: Repo) -> None:
    # pdoc's layout: test/testdata/misc_py312.py uses PEP 695 under a 3.8 target; test/test_snapshot.py loads it by
    # name only when sys.version_info >= (3, 12). Nothing imports it, pytest never collects it: no claim. The same
    # syntax in test data a collected test imports, a real syntax error in test data, and the new syntax in a
    # collected test file are still reported.
    assert check(repo, {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n',
                        "tests/__init__.py": "", "tests/testdata/__init__.py": "",
                        "tests/testdata/misc_py312.py": "type MyType = int\n",
                        "tests/testdata/imported_py312.py": "type Other = int\n",
                        "tests/testdata/broken.py": "def f(:\n    pass\n",
                        "tests/testdata/stray.py": "return 1\n",  # no Python accepts it: no newer syntax
                        "tests/test_snapshot.py": "import importlib, sys\n\n\ndef test_snapshots():\n"
                                                 "    if sys.version_info >= (3, 12):\n"
                                                 "        importlib.import_module('tests.testdata.misc_py312')\n",
                        "tests/test_other.py": "from tests.testdata import imported_py312\n",
                        "tests/test_new.py": "type Mine = int\n"}) == [
        ("syntax-error", "tests/test_new.py", 1), ("syntax-error", "tests/testdata/broken.py", 1),
        ("syntax-error", "tests/testdata/imported_py312.py", 1), ("syntax-error", "tests/testdata/stray.py", 1)]


@pytest.mark.parametrize("source, ups", [
    (b"import sys\nfrom pathlib import Path\nsys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n", (1,)),
    (b"import os, sys\nsys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n", (1,)),
    (b"import os, sys\nHERE = os.path.dirname(__file__)\nROOT = os.path.join(HERE, '..', '..')\n"
     b"if ROOT not in sys.path:\n    sys.path.append(ROOT)\n", (2,)),
    (b"import sys\nfrom pathlib import Path\nsys.path.append(str(Path(__file__).parent))\n", (0,)),
    (b"import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib'))\n", ()),  # not an ancestor
    (b"import sys\nsys.path.insert(0, __file__)\n", ()),  # the file itself
    (b"import sys\nsys.path = ['x']\nprint(__file__)\n", ()),  # replaced
    (b"import sys\nsys.path.insert(0, 'x')\nprint(__file__)\n", ()),
])
def test_sys_path_edits_within_the_files_own_tree(source: bytes, ups: tuple[int, ...]) -> None:
    assert doubts_of(source).sys_path_ups == ups
