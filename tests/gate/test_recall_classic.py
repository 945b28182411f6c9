"""Recall of the classic kinds (a definition or module removed or renamed, a required parameter added, an
undefined name) through the mechanisms that hid them on unseen releases: one minimal repository each."""

from __future__ import annotations

import pytest
from support.gate_repo import Repo, rules

VENDORED = {
    "pkg/__init__.py": "",
    "pkg/_vendor/lark/__init__.py": "from .lark import Lark\n",
    "pkg/_vendor/lark/utils.py": "class Memo:\n    pass\n\n\ndef helper():\n    return 1\n",
    "pkg/_vendor/lark/lark.py": "from .utils import Memo\nfrom . import utils\n\n\nclass Lark:\n"
                                "    def f(self):\n        return utils.helper(), Memo\n",
    "pkg/_vendor/lark/absolute.py": "from lark.utils import Memo\n",
}


def test_relative_imports_inside_a_package_below_no_import_root_are_judged(repo: Repo) -> None:
    """A vendored package (`pkg/_vendor/lark`, put on `sys.path` at run time) is not at an import root, so
    whether `import lark` finds it is unknowable; its relative imports name its own files wherever it is
    imported from."""
    repo.files(VENDORED)
    repo.commit()
    repo.write("pkg/_vendor/lark/utils.py", "def helper():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "pkg/_vendor/lark/lark.py", 1)]  # not absolute.py
    repo.git("reset", "-q", "--hard")
    repo.write("pkg/_vendor/lark/utils.py", "class Memo:\n    pass\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/_vendor/lark/lark.py", 7)]


def test_relative_import_from_a_namespace_directory_stays_silent(repo: Repo) -> None:
    """Without `__init__.py` the directory is a namespace portion: another portion may provide the name."""
    repo.files({"pkg/__init__.py": "", "plugins/sub/helpers.py": "def make():\n    return 1\n",
                "plugins/sub/run.py": "from .helpers import make\n"})
    repo.commit()
    repo.write("plugins/sub/helpers.py", "def other():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == []


LIB_LAYOUT = {
    "lib/alchemy/__init__.py": "from .result import result_tuple\n",
    "lib/alchemy/result.py": "def result_tuple(fields):\n    return fields\n",
    "test/test_result.py": "from alchemy import result\n\n\ndef test_x():\n    result.result_tuple([])\n",
}


def test_a_package_directory_declared_by_setup_cfg_is_an_import_root(repo: Repo) -> None:
    repo.files({**LIB_LAYOUT, "setup.cfg": "[options]\npackages = find:\npackage_dir =\n    =lib\n\n"
                                           "[options.packages.find]\nwhere = lib\n"})
    repo.commit()
    repo.write("lib/alchemy/result.py", "def result_tuple2(fields):\n    return fields\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "lib/alchemy/__init__.py", 1),
                                   ("missing-attribute", "test/test_result.py", 5)]


def test_a_package_directory_declared_by_pyproject_is_an_import_root(repo: Repo) -> None:
    repo.files({**LIB_LAYOUT, "pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["lib"]\n'})
    repo.commit()
    repo.write("lib/alchemy/result.py", "def result_tuple2(fields):\n    return fields\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "lib/alchemy/__init__.py", 1),
                                   ("missing-attribute", "test/test_result.py", 5)]


def test_an_undeclared_package_directory_stays_unsure(repo: Repo) -> None:
    """Nothing says `lib/` is where `alchemy` is imported from: an installed `alchemy` may be the one the tests
    use (only the package's own relative import is sure)."""
    repo.files(LIB_LAYOUT)
    repo.commit()
    repo.write("lib/alchemy/result.py", "def result_tuple2(fields):\n    return fields\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "lib/alchemy/__init__.py", 1)]


IMPORT_HOOK = """
import sys


class _ImportRedirect(object):
    def __init__(self, name):
        self.name = name
        sys.meta_path.append(self)

    def find_module(self, fullname, path=None):
        return self if fullname.startswith(self.name + ".") else None


ext = _ImportRedirect("bottle.ext" if __name__ == "__main__" else __name__ + ".ext")


class ConfigDict(dict):
    pass


def touni(s):
    return str(s)
"""


def test_an_import_hook_in_a_plain_module_does_not_hide_its_names(repo: Repo) -> None:
    """A `sys.meta_path` finder serves modules: it can add submodules to a package, never names to a plain
    module (`from bottle import X` cannot import a submodule of a module that is not a package)."""
    repo.files({"bottle.py": IMPORT_HOOK,
                "test/test_config.py": "from bottle import ConfigDict, touni\n\n\ndef test_x():\n"
                                       "    touni(ConfigDict())\n"})
    repo.commit()
    repo.write("bottle.py", IMPORT_HOOK.replace("class ConfigDict", "class ConfigDict2")
               .replace("def touni(s)", "def touni(s, enc)"))
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "test/test_config.py", 1),
                                   ("arity-mismatch", "test/test_config.py", 5)]


def test_an_import_hook_in_a_package_makes_its_names_unsure(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": IMPORT_HOOK, "app.py": "from pkg import ConfigDict, vendored\n"})
    repo.commit()
    repo.write("pkg/__init__.py", IMPORT_HOOK.replace("class ConfigDict", "class ConfigDict2"))
    repo.stage()
    assert rules(repo.check()) == []


PY2_COMPAT = """
import sys

if sys.version_info >= (3,):
    def _raise(*a):
        raise a[0](a[1]).with_traceback(a[2])
else:
    eval(compile('def _raise(*a): raise a[0], a[1], a[2]', '<py3fix>', 'exec'))
    exec("HELPER = 1\\nclass Old: pass")


def touni(s):
    return str(s)


def tob(s):
    return touni(s).encode(), HELPER, Old
"""


def test_exec_of_literal_code_binds_what_the_literal_binds(repo: Repo) -> None:
    """`eval(compile('def _raise...', ...))` (Python 2 syntax kept in a string) binds `_raise` and nothing
    else: the rest of the file is still judged for undefined names."""
    repo.files({"compat.py": PY2_COMPAT})
    repo.commit()
    assert rules(repo.check(all_files=True)) == []
    repo.write("compat.py", PY2_COMPAT.replace("def touni(s)", "def touni2(s)"))
    repo.stage()
    assert rules(repo.check()) == [("undefined-name", "compat.py", 16)]


def test_exec_of_computed_code_still_silences_the_file(repo: Repo) -> None:
    repo.files({"dyn.py": "CODE = open('x').read()\nexec(CODE)\n\n\ndef f():\n    return made_by_exec()\n"})
    repo.commit()
    assert rules(repo.check(all_files=True)) == []


def test_a_bare_noqa_written_before_the_change_does_not_hide_the_break(repo: Repo) -> None:
    """`from .more import *  # noqa` silences flake8's F403; deleting `more.py` breaks the line anyway."""
    repo.files({"pkg/__init__.py": "from .more import *  # noqa\nfrom .recipes import *  # noqa\n",
                "pkg/more.py": "def first(it):\n    return next(iter(it))\n",
                "pkg/recipes.py": "def take(n, it):\n    return list(it)[:n]\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/more.py")
    assert rules(repo.check()) == [("missing-module", "pkg/__init__.py", 1)]
    assert rules(repo.check(all_files=True)) == []  # the whole repository: the comment still speaks for its line


def test_a_bare_noqa_on_a_line_the_change_writes_still_silences(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/more.py": "def first(it):\n    return next(iter(it))\n"})
    repo.commit()
    repo.write("app.py", "from pkg.more import last  # noqa\n")
    repo.stage()
    assert rules(repo.check()) == []


NAMESPACE_READERS = """
import builtins
import math


def show(value):
    builtins._ = value  # what the REPL does: binds `_` in builtins, nothing else


def evaluate(node):
    return eval(node.get("buffered", "False"))  # an expression, in a function: binds no global


def constants():
    return {k: v for k, v in vars(math).items()}  # another module's namespace


def registered(name):
    ns = globals()
    return name in ns and ns[name] is not None  # the module's namespace, only read


def main():
    return show(_), helper()
"""


def test_namespace_reads_do_not_silence_undefined_names(repo: Repo) -> None:
    """`import builtins` with only `builtins.x = ...` writes, `eval` of an expression inside a function,
    `vars(obj)`, and a read-only alias of `globals()` bind nothing unseen: `helper` is still undefined."""
    repo.files({"mod.py": NAMESPACE_READERS})
    assert rules(repo.check(all_files=True)) == [("undefined-name", "mod.py", 23)]


@pytest.mark.parametrize("writer", [
    "builtins.__dict__.update(extra)",
    "setattr(builtins, name, value)",
    "exec(code)",
    "ns = globals()\n    ns[name] = value",
    "globals()[name] = value",
])
def test_namespace_writes_still_silence_undefined_names(repo: Repo, writer: str) -> None:
    repo.files({"mod.py": f"import builtins\n\n\ndef install(name, value, extra, code):\n    {writer}\n\n\n"
                          "def main():\n    return helper()\n"})
    assert rules(repo.check(all_files=True)) == []


def test_deleting_the_module_the_repository_distributes_is_reported(repo: Repo) -> None:
    """`bottle.py` in bottle's own repository: a known PyPI name, but installed it is this very file."""
    repo.files({"setup.py": "from setuptools import setup\nsetup(name='bottle', py_modules=['bottle'])\n",
                "bottle.py": "def route():\n    pass\n",
                "test/test_route.py": "import bottle\n\n\ndef test_x():\n    bottle.route()\n"})
    repo.commit()
    repo.git("rm", "-q", "bottle.py")
    assert rules(repo.check()) == [("missing-module", "test/test_route.py", 1)]


def test_a_nested_project_with_its_own_build_file_has_its_own_import_root(repo: Repo) -> None:
    """`examples/celery/` with a pyproject.toml and `src/task_app/`: its `make_celery.py` imports `task_app`."""
    repo.files({"src/flask/__init__.py": "", "examples/celery/pyproject.toml": '[project]\nname = "task-app"\n',
                "examples/celery/src/task_app/__init__.py": "def create_app():\n    return 1\n",
                "examples/celery/make_celery.py": "from task_app import create_app\n",
                "plugins/other/src/task_app2/__init__.py": "def create_app():\n    return 1\n",
                "plugins/other/run.py": "from task_app2 import create_app\n"})
    repo.commit()
    repo.write("examples/celery/src/task_app/__init__.py", "def make_app():\n    return 1\n")
    repo.write("plugins/other/src/task_app2/__init__.py", "def make_app():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "examples/celery/make_celery.py", 1)]  # not plugins/other


def test_a_call_under_a_feature_test_is_judged(repo: Repo) -> None:
    """`if hasattr(action, "default"): get_env_var(key)` runs wherever the object has the attribute, and the
    repository function has one signature everywhere; a version test may be dead code, so it still shields."""
    repo.files({"pkg/__init__.py": "", "pkg/env.py": "def get_env_var(key):\n    return key\n",
                "pkg/parser.py": "import sys\n\nfrom .env import get_env_var\n\n\ndef fix(action):\n"
                                 "    if hasattr(action, 'default'):\n        get_env_var(action.dest)\n"
                                 "    if sys.version_info < (3,):\n        get_env_var(action.dest)\n"})
    repo.commit()
    repo.write("pkg/env.py", "def get_env_var(key, of_type):\n    return key\n")
    repo.stage()
    assert rules(repo.check()) == [("arity-mismatch", "pkg/parser.py", 8)]


def test_attributes_of_a_repository_module_under_a_platform_test_are_judged(repo: Repo) -> None:
    """`elif sys.platform == "win32": from . import win_openssh; win_openssh.can_talk_to_agent()`: the module
    is the repository's, and its names are the same on every platform; a `hasattr` test still shields."""
    repo.files({"pkg/__init__.py": "", "pkg/win_openssh.py": "def can_talk_to_agent():\n    return True\n",
                "pkg/agent.py": "import sys\n\n\ndef connect():\n    if sys.platform == 'win32':\n"
                                "        from . import win_openssh\n        return win_openssh.can_talk_to_agent()\n",
                "pkg/probe.py": "from . import win_openssh as w\n\nif hasattr(w, 'can_talk_to_agent'):\n"
                                "    w.can_talk_to_agent()\n"})
    repo.commit()
    repo.write("pkg/win_openssh.py", "def can_talk():\n    return True\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/agent.py", 7)]


def test_the_test_of_an_environment_if_is_judged(repo: Repo) -> None:
    """`if man_pages.is_available(name):` reads like a feature test, but the test itself always runs."""
    repo.files({"pkg/__init__.py": "", "pkg/man_pages.py": "def is_available(name):\n    return True\n",
                "pkg/cli.py": "def manual(name):\n    from pkg import man_pages\n\n"
                              "    if man_pages.is_available(name):\n        return man_pages.is_available(name)\n"})
    repo.commit()
    repo.write("pkg/man_pages.py", "def available(name):\n    return True\n")
    repo.stage()  # the guarded call runs wherever the test passes (`bot.gate.guards`: only probes shield)
    assert rules(repo.check()) == [("missing-attribute", "pkg/cli.py", 4), ("missing-attribute", "pkg/cli.py", 5)]


def test_an_attribute_stored_on_a_module_through_a_rebound_global_is_not_claimed_missing(repo: Repo) -> None:
    """sqlalchemy's plugin: `config = None` at module level, then `global config; from pkg import config` and
    `config.bootstrapped = True` in a function: the module gets the attribute at run time."""
    repo.files({"pkg/__init__.py": "", "pkg/config.py": "db = None\n",
                "pkg/plugin.py": "config = None\n\n\ndef setup():\n    global config\n"
                                 "    from pkg import config\n    config.bootstrapped = True\n",
                "pkg/engines.py": "from pkg import config\n\n\ndef make():\n    return config.bootstrapped, "
                                  "config.missing\n"})
    repo.commit()
    assert rules(repo.check(all_files=True)) == [("missing-attribute", "pkg/engines.py", 5)]


def test_module_imports_above_the_files_first_sys_path_mention_are_judged(repo: Repo) -> None:
    """flask's `tests/test_cli.py` restores `sys.path` inside a test function: its module-level imports ran
    long before, so they are judged; an import after the mention, or inside a function, may be served by the
    edited path and stays silent."""
    repo.files({"pkg/__init__.py": "", "pkg/cli.py": "def find_best_app():\n    return 1\n",
                "tests/test_cli.py": "import sys\n\nfrom pkg.cli import find_best_app\n\n\ndef test_x():\n"
                                     "    saved = sys.path[:]\n    sys.path[:] = saved\n"
                                     "    from pkg.cli import find_best_app as again\n",
                "tests/test_late.py": "import sys\n\nsys.path.insert(0, 'vendor')\nfrom pkg.cli import find_best_app\n"})
    repo.commit()
    repo.write("pkg/cli.py", "def find_best_app_renamed():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "tests/test_cli.py", 3)]


def test_attributes_under_a_feature_test_are_judged_unless_the_test_probes_them(repo: Repo) -> None:
    """`if man_pages.is_available(name): man_pages.display_for(name)` (httpie) runs wherever the feature is
    there, and the repository module has the same names everywhere; what `hasattr`/`getattr` probes (and its
    fallback branch) and what a version test guards stay silent."""
    repo.files({"pkg/__init__.py": "", "pkg/man_pages.py": "def is_available(name):\n    return True\n\n\n"
                                                        "def display_for(name):\n    return name\n",
                "pkg/cli.py": "import sys\n\nfrom pkg import man_pages\n\n\ndef manual(name):\n"
                              "    if man_pages.is_available(name):\n        man_pages.display_for(name)\n"
                              "    if sys.version_info < (3,):\n        man_pages.display_for(name)\n",
                "pkg/probe.py": "from pkg import man_pages\n\n\ndef manual(name):\n"
                                "    if getattr(man_pages, 'display', None):\n        man_pages.display(name)\n"
                                "    else:\n        man_pages.display_for(name)\n"})
    repo.commit()
    repo.write("pkg/man_pages.py", "def is_available(name):\n    return True\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/cli.py", 8)]


def test_a_relative_import_under_a_platform_test_is_judged(repo: Repo) -> None:
    """tox: `if sys.platform == "win32": from .read_via_thread_windows import ReadViaThreadWindows`: the
    relative import names a repository file, which is there on every system; an absolute import there may be
    a module of that system only, so it stays silent."""
    repo.files({"pkg/__init__.py": "", "pkg/win.py": "class Reader:\n    pass\n",
                "pkg/run.py": "import sys\n\nif sys.platform == 'win32':\n    import winreg_helpers\n"
                              "    from .win import Reader\nelse:\n    Reader = None\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/win.py")
    assert rules(repo.check()) == [("missing-module", "pkg/run.py", 5)]


def test_a_relative_import_under_a_feature_test_is_judged(repo: Repo) -> None:
    """httpie's colors formatter: `if use_auto_style or not has_256_colors: ... else: from ..lexers.http import
    SimplifiedHTTPLexer`: whichever features the terminal has, the relative import names a repository file;
    an absolute import under a feature test may be of an optional distribution, so it stays silent."""
    repo.files({"pkg/__init__.py": "", "pkg/lexers.py": "class Lexer:\n    pass\n",
                "pkg/colors.py": "def lexer(has_256_colors):\n    if not has_256_colors:\n        import pygments_x\n"
                                 "        return pygments_x\n    else:\n        from .lexers import Lexer\n"
                                 "        return Lexer\n"})
    repo.commit()
    repo.git("mv", "pkg/lexers.py", "pkg/lexers_renamed.py")
    assert rules(repo.check()) == [("missing-module", "pkg/colors.py", 6)]

def test_an_entry_appended_to_sys_path_cannot_serve_a_repository_packages_module(repo: Repo) -> None:
    """falcon's `bench/create.py` appends a directory to `sys.path` (and deletes it again) in one function;
    `from falcon.bench.queues import api` in another still finds `falcon` where it did, and `api` in its
    `__path__`. A top-level module may come from the appended entry, and an insert may shadow anything."""
    repo.files({"pkg/__init__.py": "", "pkg/queues/__init__.py": "", "pkg/queues/api.py": "def create():\n    pass\n",
                "top.py": "def create():\n    pass\n",
                "pkg/create.py": "import os\nimport sys\n\n\ndef nuts():\n    sys.path.append(os.getcwd())\n"
                                 "    del sys.path[-1]\n\n\ndef ext():\n    from pkg.queues import api\n"
                                 "    import top\n    return api, top\n",
                "pkg/insert.py": "import sys\n\n\ndef nuts():\n    sys.path.insert(0, 'x')\n\n\ndef ext():\n"
                                 "    from pkg.queues import api\n    return api\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/queues/api.py", "top.py")
    assert rules(repo.check()) == [("missing-symbol", "pkg/create.py", 11)]


def test_a_module_only_the_declared_target_rejects_still_provides_its_names(repo: Repo) -> None:
    """falcon declares Python 3.5 and ships 3.6+ code in `falcon/asgi/`: `app.py` is a syntax error under the
    target, yet the parser reads it whole, so `from .app import App` is judged when `App` is renamed."""
    repo.files({"setup.cfg": "[options]\npython_requires = >=3.5\n", "pkg/__init__.py": "",
                "pkg/app.py": "class App:\n    def name(self):\n        return f'{self}'\n",
                "pkg/run.py": "from .app import App\n"})
    repo.commit()
    repo.write("pkg/app.py", "class App_renamed:\n    def name(self):\n        return f'{self}'\n")
    repo.stage()
    assert rules(repo.check()) == [("syntax-error", "pkg/app.py", 3), ("missing-symbol", "pkg/run.py", 1)]


def test_a_module_named_in_a_type_checker_table_is_not_built_by_it(repo: Repo) -> None:
    """sphinx's pyproject names `sphinx.builders._epub_base` in `[[tool.mypy.overrides]]`: mypy reads modules,
    it builds none, so deleting the file breaks `from sphinx.builders import _epub_base`. A build table naming
    a module (a generated or compiled one) still silences."""
    repo.files({"pyproject.toml": '[project]\nname = "pkg"\n\n[[tool.mypy.overrides]]\nmodule = ["pkg._epub_base"]\n'
                                  'strict = true\n\n[tool.setuptools]\next-modules = [{name = "pkg._speedups", '
                                  'sources = ["x.c"]}]\n',
                "pkg/__init__.py": "", "pkg/_epub_base.py": "X = 1\n", "pkg/_speedups.py": "Y = 1\n",
                "pkg/epub3.py": "from pkg import _epub_base\nfrom pkg import _speedups\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/_epub_base.py", "pkg/_speedups.py")
    assert rules(repo.check()) == [("missing-symbol", "pkg/epub3.py", 1)]


CYTHON_SETUP = """
from setuptools import Extension, setup

modules_to_exclude = [
    'pkg.util.sync',
]
ext_modules = [
    Extension(
        'pkg.util.fast',
        sources=['src/fast.c'],
    ),
]
setup(ext_modules=ext_modules)
"""


def test_a_deleted_module_named_only_in_a_build_list_is_reported(repo: Repo) -> None:
    """falcon's setup.py Cython-compiles every `*.py` of a package but those in `modules_to_exclude =
    ['falcon.util.sync', ...]`: naming the module there builds nothing, so deleting `sync.py` breaks its
    importers. An extension built from other sources (`Extension('pkg.util.fast', sources=['src/fast.c'])`)
    still provides the module its deleted pure-Python twin was."""
    repo.files({"setup.py": CYTHON_SETUP, "pkg/__init__.py": "", "pkg/util/__init__.py": "",
                "pkg/util/sync.py": "def run():\n    return 1\n", "pkg/util/fast.py": "def go():\n    return 1\n",
                "pkg/app.py": "from pkg.util.sync import run\nfrom pkg.util.fast import go\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/util/sync.py", "pkg/util/fast.py")
    assert rules(repo.check()) == [("missing-module", "pkg/app.py", 1)]



EXCLUDED_FROM_COMPILING = {
    "setup.py": "# NOTE: it is pointless to cythonize reader.py, the C build uses reader.pyx.\n"
                "with open('pkg/_version.py', 'w') as f:\n    f.write('v = 1')\n",
    "pyproject.toml": '[tool.hatch.build.targets.wheel.hooks.mypyc]\nexclude = [\n  "/pkg/output.py",\n]\n',
    "pkg/__init__.py": "", "pkg/reader.py": "class Reader:\n    pass\n", "pkg/output.py": "def out():\n    pass\n",
    "pkg/_version.py": "v = 1\n",
    "pkg/app.py": "from pkg.reader import Reader\nfrom pkg.output import out\nfrom pkg._version import v\n",
}


def test_a_deleted_module_whose_file_a_build_config_only_mentions_is_reported(repo: Repo) -> None:
    """black's pyproject lists `/src/black/debug.py` in hatch-mypyc's `exclude`, falcon's setup.py says in a
    comment that it is "pointless to cythonize reader.py": once the `.py` file is deleted, no build compiles
    it, so its importers break. A file the build writes (`open('pkg/_version.py', 'w')`) still provides it."""
    repo.files(EXCLUDED_FROM_COMPILING)
    repo.commit()
    repo.git("mv", "pkg/reader.py", "pkg/reader_renamed.py")
    repo.git("rm", "-q", "pkg/output.py", "pkg/_version.py")
    assert rules(repo.check()) == [("missing-module", "pkg/app.py", 1), ("missing-module", "pkg/app.py", 2)]

VERSION_BRANCHES = {
    "pkg/__init__.py": "", "pkg/zipp.py": "class Path:\n    pass\n", "pkg/old.py": "class Path:\n    pass\n",
    "pkg/compat.py": "import sys\n\nif sys.version_info >= (3, 10):\n    from zipfile import Path as ZipPath\n"
                     "else:\n    from .zipp import Path as ZipPath\n\nif sys.version_info < (3,):\n"
                     "    from .old import Path as OldPath\n",
}


@pytest.mark.parametrize("requires, found", [(">=3.8", [("missing-module", "pkg/compat.py", 6)]), (">=3.10", [])])
def test_a_relative_import_in_a_version_branch_that_runs_is_judged(repo: Repo, requires: str,
                                                                   found: list[tuple[str, str, int]]) -> None:
    """setuptools' vendored `importlib_resources/_compat.py`: `if sys.version_info >= (3, 10): from zipfile
    import Path else: from ..zipp import Path`, in a project for Python 3.8: the `else` runs on 3.8 and 3.9, and
    a relative import names a repository file, the same on every version. A branch dead on every supported
    Python (`< (3,)`, or the `else` for a 3.10 project) stays silent."""
    repo.files({**VERSION_BRANCHES, "pyproject.toml": f'[project]\nname = "pkg"\nrequires-python = "{requires}"\n'})
    repo.commit()
    repo.git("rm", "-q", "pkg/zipp.py", "pkg/old.py")
    assert rules(repo.check()) == found


def test_an_xfail_that_expects_one_exception_does_not_hide_an_undefined_name(repo: Repo) -> None:
    """jinja's `@pytest.mark.xfail(is_pypy, raises=TypeError)`: the test may fail with a `TypeError` (on PyPy);
    a `NameError` fails it everywhere. A plain `xfail` still expects any failure."""
    repo.files({"tests/test_x.py": "import pytest\n\n\ndef loader():\n    return 1\n\n\n"
                                   "@pytest.mark.xfail(False, raises=TypeError)\ndef test_a():\n"
                                   "    assert loader_typo() == 1\n\n\n"
                                   "@pytest.mark.xfail(reason='x')\ndef test_b():\n    assert loader_gone() == 1\n"})
    assert rules(repo.check(all_files=True)) == [("undefined-name", "tests/test_x.py", 10)]


OWN_TREE_PATH = ("import sys\nfrom pathlib import Path\n\nif __name__ == '__main__':\n"
                 "    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n\n"
                 "from pkg.helpers import make\n")


def test_a_sys_path_edit_to_the_repository_root_leaves_imports_judged(repo: Repo) -> None:
    """docutils' tests run as scripts put the repository root first on `sys.path`
    (`sys.path.insert(0, str(Path(__file__).resolve().parents[1]))`): an import root the graph resolves from,
    so `from pkg.helpers import make` still means the repository's module. A directory above the repository
    (`parents[2]` of `tests/test_b.py`) could hold anything: silent."""
    repo.files({"pkg/__init__.py": "", "pkg/helpers.py": "def make():\n    return 1\n",
                "tests/test_a.py": OWN_TREE_PATH, "tests/test_b.py": OWN_TREE_PATH.replace("parents[1]", "parents[2]")})
    repo.commit()
    repo.git("rm", "-q", "pkg/helpers.py")
    assert rules(repo.check()) == [("missing-module", "tests/test_a.py", 7)]


def test_a_handler_that_always_raises_or_exits_does_not_shield_undefined_names(repo: Repo) -> None:
    """bottle's `run()`: `try: ... load_app(app) ... except: if not reloader: raise; print_exc(); sys.exit(3)`:
    the failure stays a failure. A handler that carries on (`except NameError: unicode = str`) still shields."""
    repo.files({"mod.py": "import sys\n\n\ndef run(reloader):\n    try:\n        return load_app_typo()\n"
                          "    except:\n        if not reloader:\n            raise\n        sys.exit(3)\n\n\n"
                          "def text():\n    try:\n        return unicode\n    except NameError:\n        return str\n"})
    assert rules(repo.check(all_files=True)) == [("undefined-name", "mod.py", 6)]


def test_a_broad_handler_around_a_longer_body_does_not_shield_undefined_names(repo: Repo) -> None:
    """black's `reformat_one`: `try: ... format_file_in_place(...) ... except Exception as exc:
    report.failed(src, str(exc))`: a misspelt name there fails on every run and is reported as a failure. A
    broad handler around one simple statement is still a probe (`try: shell = get_ipython() except: ...`)."""
    repo.files({"mod.py": "def work(x):\n    return x\n\n\ndef run(src, report):\n    try:\n"
                          "        changed = False\n        if work_typo(src):\n            changed = True\n"
                          "        report.done(src, changed)\n    except Exception as exc:\n"
                          "        report.failed(src, str(exc))\n\n\n"
                          "def shell():\n    try:\n        return get_ipython().config\n    except Exception:\n"
                          "        return None\n"})
    assert rules(repo.check(all_files=True)) == [("undefined-name", "mod.py", 8)]


def test_a_with_that_only_records_warnings_does_not_shield_an_import(repo: Repo) -> None:
    """sympy: `with warns_deprecated_sympy(): import sympy.testing.randtest`; celery: `with pytest.warns(W):
    control.flatten_reply(reply)`: the manager expects a warning; a missing module or attribute raises through
    it. `pytest.raises(ImportError)` still expects the failure."""
    repo.files({"pkg/__init__.py": "", "pkg/randtest.py": "X = 1\n",
                "pkg/control.py": "def flatten_reply(reply):\n    return reply\n",
                "tests/test_dep.py": "import pytest\n\nfrom pkg import control, warns_deprecated\n\n\ndef test_x():\n"
                                     "    with warns_deprecated():\n        import pkg.randtest\n"
                                     "    with pytest.raises(ImportError):\n        import pkg.randtest as again\n"
                                     "    with pytest.warns(UserWarning):\n        control.flatten_reply(1)\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/randtest.py")
    repo.write("pkg/control.py", "def other(reply):\n    return reply\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-module", "tests/test_dep.py", 8),
                                   ("missing-attribute", "tests/test_dep.py", 12)]


def test_setattr_on_another_modules_entry_leaves_the_module_judged(repo: Repo) -> None:
    """celery's `t/unit/conftest.py` fakes modules with `setattr(sys.modules[parent], attr, module)`: that
    writes other modules, not its own; `conftest.sys_platform` removed from it is reported where it is used.
    `setattr(sys.modules[__name__], ...)` still makes the module's names unknowable."""
    repo.files({"t/__init__.py": "", "t/unit/__init__.py": "",
                "t/unit/conftest.py": "import sys\n\n\ndef module_exists(parent, attr, module):\n"
                                      "    setattr(sys.modules[parent], attr, module)\n\n\n"
                                      "def sys_platform(value=None):\n    return value\n",
                "t/unit/own.py": "import sys\n\nsetattr(sys.modules[__name__], 'extra', 1)\n\n\n"
                                 "def sys_platform(value=None):\n    return value\n",
                "t/unit/test_app.py": "from t.unit import conftest, own\n\n\ndef test_x():\n"
                                      "    return conftest.sys_platform('java'), own.sys_platform('java')\n"})
    repo.commit()
    repo.write("t/unit/conftest.py", "import sys\n\n\ndef module_exists(parent, attr, module):\n"
                                     "    setattr(sys.modules[parent], attr, module)\n")
    repo.write("t/unit/own.py", "import sys\n\nsetattr(sys.modules[__name__], 'extra', 1)\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "t/unit/test_app.py", 5)]


VENDORED_RUFF = {"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["pkg/_vendor"]\n'
                                   '[tool.ruff.lint.per-file-ignores]\n"pkg/_vendor/meant.py" = ["F821"]\n',
                 "pkg/__init__.py": "", "pkg/_vendor/__init__.py": "",
                 "pkg/_vendor/core.py": "def combining(c):\n    return c\n\n\ndef check(label):\n"
                                        "    return combining(label), py2_only_name\n",
                 "pkg/_vendor/meant.py": "def helper():\n    return 1\n\n\ndef run():\n    return helper()\n"}


def test_a_name_the_commit_unbinds_in_linter_excluded_code_is_reported(repo: Repo) -> None:
    """pip's `_vendor/idna/core.py` is outside ruff's scope, and its old unbound names (`py2_only_name`) are not
    the commit's doing; a name the commit itself unbinds there is. A per-file ignore of F821 says the file's
    undefined names are meant, and a new file has no earlier content to compare with: both stay quiet."""
    repo.files(VENDORED_RUFF)
    repo.commit()
    repo.write("pkg/_vendor/core.py", "def combining(c):\n    return c\n\n\ndef check(label):\n"
                                      "    return combining_typo(label), py2_only_name\n")
    repo.write("pkg/_vendor/meant.py", "def helper():\n    return 1\n\n\ndef run():\n    return helper_typo()\n")
    repo.write("pkg/_vendor/added.py", "def run():\n    return new_unbound()\n")
    repo.stage()
    assert rules(repo.check()) == [("undefined-name", "pkg/_vendor/core.py", 6)]
    assert [f.message for f in repo.check().findings] == ["undefined name 'combining_typo'"]
    assert rules(repo.check(all_files=True)) == []  # the whole tree: the linter's scope is the project's


def test_locals_in_a_class_body_or_a_function_leaves_the_module_names_judged(repo: Repo) -> None:
    """setuptools' `AbstractSandbox` fills its class namespace with `locals()[name] = wrapper`; `format(
    **locals())` reads a function's. Neither binds a module name, so a typo elsewhere in the file is reported.
    `locals()` written at module level is the module's namespace: silent."""
    body = ("import os\n\n\nclass Sandbox:\n    for name in ('rename', 'link'):\n        locals()[name] = name\n\n\n"
            "def override_temp(path):\n    return '{path}'.format(**locals())\n\n\n"
            "def setup_context(path):\n    return override_temp(path)\n")
    repo.files({"sandbox.py": body, "module_level.py": "locals()['made'] = 1\n\n\ndef f():\n    return made\n"})
    repo.commit()
    repo.write("sandbox.py", body.replace("return override_temp(", "return override_temp_typo("))
    repo.write("module_level.py", "locals()['made'] = 1\n\n\ndef f():\n    return made, made_typo\n")
    repo.stage()
    assert rules(repo.check()) == [("undefined-name", "sandbox.py", 14)]


def test_a_membership_test_of_sys_path_is_no_edit(repo: Repo) -> None:
    """sanic's loader: `if path not in sys.path: sys.path.append(path)`, then `from sanic.simple import
    create_simple_server` in the same function. Appending cannot shadow the repository's regular package, and
    a membership test only reads; an insert at the front still could (silent)."""
    loader = ("import sys\n\n\ndef load(path):\n    if path not in sys.path:\n        sys.path.append(path)\n"
              "    from pkg.simple import create_simple_server\n    return create_simple_server(path)\n")
    repo.files({"pkg/__init__.py": "", "pkg/simple.py": "def create_simple_server(d):\n    return d\n",
                "pkg/loader.py": loader,
                "pkg/front.py": loader.replace("sys.path.append(path)", "sys.path.insert(0, path)")})
    repo.commit()
    repo.write("pkg/simple.py", "def create_simple_server_renamed(d):\n    return d\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "pkg/loader.py", 7)]


def test_names_are_judged_in_a_file_with_syntax_newer_than_the_target(repo: Repo) -> None:
    """falcon declares Python 3.5 while its ASGI tests use f-strings: the syntax error for the target is
    reported, and the file's names are still judged as this interpreter reads it (a typo is reported too)."""
    test = 'def conductor(x):\n    return x\n\n\ndef test_ws():\n    return conductor(f"{1}")\n'
    repo.files({"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.5"\n', "tests/test_ws.py": test})
    repo.commit()
    repo.write("tests/test_ws.py", test.replace("return conductor(", "return conductor_typo("))
    repo.stage()
    assert sorted(rules(repo.check())) == [("syntax-error", "tests/test_ws.py", 6),
                                           ("undefined-name", "tests/test_ws.py", 6)]


def test_an_attribute_stored_on_a_local_or_on_another_module_is_not_the_modules(repo: Repo) -> None:
    """mkdocs' tests set `page.meta = ...` on a local `page`; setuptools' `monkey.py` sets
    `distutils.core.Command = setuptools.Command`. Neither object is the module they import, so removing
    `meta` (a submodule) or `Command` from the package is reported. A store on a name the importer rebinds to
    the module by a `global` import inside a function may well be on it: silent."""
    repo.files({"pkg/__init__.py": "class Command:\n    pass\n", "pkg/utils/__init__.py": "",
                "pkg/utils/meta.py": "def get_data(s):\n    return s, {}\n",
                "pkg/pages.py": "from pkg.utils import meta\n\n\ndef read(page, src):\n"
                                "    page.markdown, page.meta = meta.get_data(src)\n",
                "pkg/monkey.py": "import distutils.core\n\nimport pkg\n\n\ndef patch():\n"
                                 "    distutils.core.Command = pkg.Command\n",
                "pkg/cmd.py": "from pkg import Command\n\n\nclass Rotate(Command):\n    pass\n"})
    repo.commit()
    repo.write("pkg/__init__.py", "")
    repo.git("rm", "-q", "pkg/utils/meta.py")
    repo.stage()
    assert sorted(rules(repo.check())) == [("missing-attribute", "pkg/monkey.py", 7),
                                           ("missing-symbol", "pkg/cmd.py", 1), ("missing-symbol", "pkg/pages.py", 1)]


def test_a_store_on_a_name_rebound_to_the_module_keeps_it_unsure(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "pkg/config.py": "bootstrapped = False\n",
                "pkg/boot.py": "config = None\n\n\ndef load():\n    global config\n    from pkg import config\n\n\n"
                               "def start():\n    config.bootstrapped = True\n",
                "pkg/use.py": "from pkg.config import bootstrapped\n"})
    repo.commit()
    repo.write("pkg/config.py", "other = False\n")
    repo.stage()
    assert rules(repo.check()) == []


def test_a_lookup_through_globals_is_a_read(repo: Repo) -> None:
    """sympy's `pde.py` finds its solvers with `solvefunc = globals()["pde_" + hint]`: a read of the module's
    namespace, which adds no name, so `pdsolve` renamed is reported where it is imported. A module that keeps
    `ns = globals()` and writes through it may bind anything: silent."""
    pde = 'def pde_linear(eq):\n    return eq\n\n\ndef pdsolve(eq, hint="linear"):\n' \
          '    solvefunc = globals()[\n        "pde_" + hint]\n    return solvefunc(eq)\n'
    writer = 'def pdsolve(eq):\n    return eq\n\n\nns = globals()\nns["late"] = 1\n'
    repo.files({"pkg/__init__.py": "", "pkg/pde.py": pde, "pkg/writer.py": writer,
                "pkg/use.py": "from pkg.pde import pdsolve\nfrom pkg.writer import pdsolve as other\n"})
    repo.commit()
    repo.write("pkg/pde.py", pde.replace("def pdsolve(", "def pdsolve_renamed("))
    repo.write("pkg/writer.py", writer.replace("def pdsolve(", "def pdsolve_renamed("))
    repo.stage()
    assert rules(repo.check()) == [("missing-symbol", "pkg/use.py", 1)]


def test_what_a_with_expects_is_read_before_the_manager_is_entered(repo: Repo) -> None:
    """docutils: `with self.assertRaises(statemachine.TransitionPatternNotFound):` reads the attribute before
    the manager exists, so no expected exception can catch its absence; the body stays shielded, and so does
    a later item of the same `with`, evaluated inside the first manager."""
    repo.files({"pkg/__init__.py": "", "pkg/statemachine.py": "class PatternNotFound(Exception):\n    pass\n",
                "tests/test_sm.py": "import pytest\n\nfrom pkg import statemachine\n\n\ndef test_x():\n"
                                    "    with pytest.raises(statemachine.PatternNotFound):\n"
                                    "        statemachine.PatternNotFound\n"
                                    "    with pytest.raises(AttributeError), statemachine.PatternNotFound():\n"
                                    "        pass\n"})
    repo.commit()
    repo.write("pkg/statemachine.py", "class Other(Exception):\n    pass\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "tests/test_sm.py", 7)]


def test_a_bare_type_ignore_written_before_the_change_does_not_hide_the_break(repo: Repo) -> None:
    """alembic: `return sqla_compat.url_render_as_string(u, hide_password=True)  # type: ignore` quiets a typing
    complaint about the call, written while the function existed; deleting it breaks the line anyway. On a
    line the change writes, and over the whole tree, the comment still speaks for its line."""
    repo.files({"pkg/__init__.py": "", "pkg/compat.py": "def render(u, hide=True):\n    return u\n",
                "pkg/messaging.py": "from . import compat\n\n\ndef show(u):\n"
                                    "    return compat.render(u, hide=True)  # type: ignore\n"})
    repo.commit()
    repo.write("pkg/compat.py", "def other(u):\n    return u\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/messaging.py", 5)]
    repo.write("pkg/messaging.py", "from . import compat\n\n\ndef show(u):\n"
                                   "    return compat.render(u)  # type: ignore\n")
    repo.stage()
    assert rules(repo.check()) == []
    assert rules(repo.check(all_files=True)) == []


def test_a_lazy_package_that_keeps_its_own_path_still_lacks_a_deleted_submodule(repo: Repo) -> None:
    """celery replaces itself with a lazy module, `local.recreate_module(__name__, ..., __path__=__path__)`:
    the new module finds submodules where the package did, so `from celery.beat import Scheduler` breaks once
    `beat.py` is deleted. What the lazy module serves by attribute (`from celery import beat`) stays unsure."""
    repo.files({"pkg/__init__.py": "from pkg import local\n\nold, new = local.recreate_module(\n"
                                   "    __name__, by_module={'pkg.app': ['App']}, __path__=__path__)\n",
                "pkg/local.py": "import sys\n\n\ndef recreate_module(name, by_module=None, **attrs):\n"
                                "    old = sys.modules[name]\n    new = type(old)(name)\n"
                                "    new.__dict__.update(attrs)\n    sys.modules[name] = new\n    return old, new\n",
                "pkg/beat.py": "class Scheduler:\n    pass\n",
                "pkg/apps.py": "from pkg.beat import Scheduler\nfrom pkg import beat\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/beat.py")
    assert rules(repo.check()) == [("missing-module", "pkg/apps.py", 1)]


@pytest.mark.parametrize("section, reported", [
    ("[mypy]\nfiles =\n\tpkg/abstract.py,\n\tpkg/exceptions.py\n", True),  # kombu: a type checker only reads it
    ("[tool:pytest]\naddopts = --doctest-modules pkg/exceptions.py\n", True),
    ("[versioneer]\nversionfile_source = pkg/exceptions.py\n", False),  # a tool that writes the file
])
def test_a_module_named_only_by_a_read_only_tools_setup_cfg_section_is_not_built(
        repo: Repo, section: str, reported: bool) -> None:
    repo.files({"setup.cfg": "[metadata]\nname = pkg\n\n" + section, "pkg/__init__.py": "",
                "pkg/exceptions.py": "class NotBound(Exception):\n    pass\n",
                "pkg/abstract.py": "from .exceptions import NotBound\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/exceptions.py")
    assert rules(repo.check()) == ([("missing-module", "pkg/abstract.py", 1)] if reported else [])


def test_a_profiler_running_a_literal_expression_in_the_module_namespace_binds_nothing(repo: Repo) -> None:
    """scrapy's cmdline: `p.runctx("cmd.run(args, opts)", globals(), loc)` runs an expression, which binds no
    name: `execute` removed is reported where it is imported, a typo in the file too. Literal statements run
    there (`"x = 1"`) may bind anything: silent."""
    body = ("import cProfile\n\n\ndef execute(argv=None):\n    return _print_header(argv)\n\n\n"
            "def _print_header(argv):\n    return argv\n\n\ndef _run_profiled(cmd, args, opts):\n    loc = locals()\n"
            "    p = cProfile.Profile()\n    p.runctx(\"cmd.run(args, opts)\", globals(), loc)\n")
    stmt = body.replace("cmd.run(args, opts)", "x = 1")
    repo.files({"pkg/__init__.py": "", "pkg/cmdline.py": body, "pkg/stmt.py": stmt,
                "pkg/__main__.py": "from pkg.cmdline import execute\nfrom pkg.stmt import execute as other\n"})
    repo.commit()
    repo.write("pkg/cmdline.py", body.replace("def execute(", "def execute_renamed(").replace(
        "return _print_header(", "return _print_header_typo("))
    repo.write("pkg/stmt.py", stmt.replace("def execute(", "def execute_renamed(").replace(
        "return _print_header(", "return _print_header_typo("))
    repo.stage()
    assert sorted(rules(repo.check())) == [("missing-symbol", "pkg/__main__.py", 1),
                                           ("undefined-name", "pkg/cmdline.py", 5)]


def test_a_hasattr_test_on_another_object_leaves_the_modules_attributes_judged(repo: Repo) -> None:
    """falcon: `if hasattr(stream, "read"): iterable = helpers.CloseableStreamIterator(stream, size)` probes the
    stream, not the repository module: the block runs wherever streams can be read, and `helpers` has the same
    names there. What the test probes (`hasattr(helpers, "Closeable")`) stays silent."""
    repo.files({"pkg/__init__.py": "", "pkg/helpers.py": "class Closeable:\n    pass\n\n\ndef other():\n    return 1\n",
                "pkg/app.py": "from pkg import helpers\n\n\ndef body(stream):\n    if hasattr(stream, 'read'):\n"
                              "        return helpers.Closeable(stream)\n    return helpers.other()\n",
                "pkg/probe.py": "from pkg import helpers\n\nif hasattr(helpers, 'Closeable'):\n"
                                "    helpers.Closeable()\n"})
    repo.commit()
    repo.write("pkg/helpers.py", "def other():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/app.py", 6)]


def test_an_absolute_import_of_the_files_own_package_under_a_platform_test_is_judged(repo: Repo) -> None:
    """rich's console: `if WINDOWS: from rich._windows_renderer import legacy_windows_render`. Whichever `rich`
    runs the file is the package holding it, and its files are there on every system, as for a relative
    import. Another top-level module there (`import winreg_helpers`, `from other import x`) may be one of
    that system only, and an import an `except ImportError` also shields stays silent."""
    repo.files({"pkg/__init__.py": "", "pkg/win.py": "class Reader:\n    pass\n",
                "other/__init__.py": "", "other/win.py": "class Reader:\n    pass\n",
                "pkg/run.py": "import sys\n\nWINDOWS = sys.platform == 'win32'\n\n\ndef render():\n"
                              "    if WINDOWS:\n        import winreg_helpers\n        from pkg.win import Reader\n"
                              "        from other.win import Reader as Other\n        return Reader, Other\n",
                "pkg/shielded.py": "import sys\n\nif sys.platform == 'win32':\n    try:\n"
                                   "        from pkg.win import Reader\n    except ImportError:\n"
                                   "        Reader = None\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/win.py", "other/win.py")
    assert rules(repo.check()) == [("missing-module", "pkg/run.py", 9)]


def test_a_deleted_main_module_imported_by_name_is_reported(repo: Repo) -> None:
    """mkdocs' tests: `from mkdocs import __main__ as cli`. `__main__` is a dunder name, but no module gets it
    for free (unlike `__name__` or `__file__`): it is the package's `__main__.py`, and without it the import
    fails."""
    repo.files({"pkg/__init__.py": "", "pkg/__main__.py": "def cli():\n    return 1\n",
                "tests/test_cli.py": "from pkg import __main__ as cli\nfrom pkg import __file__ as where\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/__main__.py")
    assert [(path, line) for _rule, path, line in rules(repo.check())] == [("tests/test_cli.py", 1)]


@pytest.mark.parametrize("config, found", [
    ('[tool.hatch.build.targets.wheel.hooks.mypyc]\nexclude = [\n  "/src/pkg/files.py",\n]\n',
     [("missing-module", "src/pkg/app.py", 1)]),
    ('[tool.hatch.build.hooks.vcs]\nversion-file = "src/pkg/files.py"\n', []),
])
def test_a_deleted_module_whose_file_a_build_list_names_is_reported(repo: Repo, config: str,
                                                                    found: list[tuple[str, str, int]]) -> None:
    """black's mypyc hook compiles every module but `exclude = ["/src/black/files.py", ...]`: naming the file
    there builds nothing from other sources, so deleting `files.py` breaks its importers. A file the build
    writes (`version-file`, `write_to`) is still provided once the project is built."""
    repo.files({"pyproject.toml": config, "src/pkg/__init__.py": "", "src/pkg/files.py": "def find():\n    return 1\n",
                "src/pkg/app.py": "from pkg.files import find\n"})
    repo.commit()
    repo.git("rm", "-q", "src/pkg/files.py")
    assert rules(repo.check()) == found


def test_deleting_from_globals_binds_nothing(repo: Repo) -> None:
    """setuptools' `depends.py` drops names on some platforms with `del globals()[name]` (or `.pop(name)`): a
    deletion adds no name, so a name bound nowhere is still undefined there. A write through `globals()`
    may bind anything: silent."""
    deleter = "def close(f):\n    return f\n\n\ndef use(f):\n    return close_typo(f)\n\n\n" \
              "def _update():\n    for name in ('close',):\n        del globals()[name]\n        globals().pop(name)\n"
    writer = "def use(f):\n    return close_typo(f)\n\n\nglobals()['close_typo'] = len\n"
    repo.files({"pkg/__init__.py": "", "pkg/depends.py": deleter, "pkg/writer.py": writer})
    repo.commit()
    assert rules(repo.check(all_files=True)) == [("undefined-name", "pkg/depends.py", 6)]


def test_a_write_through_globals_under_a_literal_name_binds_that_name_only(repo: Repo) -> None:
    """setuptools' `easy_install.py` runs `globals().setdefault('load_entry_point', f)`: it binds that one name,
    so `ei.ScriptWriter` of a removed class is still reported, `ei.load_entry_point` is not, and in the file a
    name bound nowhere is still undefined. A write under a computed name may bind anything: silent."""
    ei = "class ScriptWriter:\n    pass\n\n\ndef _patch(f):\n    globals().setdefault('load_entry_point', f)\n" \
         "    globals()['other'] = f\n\n\ndef run():\n    return load_entry_point, other, writer_typo\n"
    computed = "class ScriptWriter:\n    pass\n\n\ndef _patch(name, f):\n    globals().setdefault(name, f)\n"
    repo.files({"pkg/__init__.py": "", "pkg/ei.py": ei, "pkg/computed.py": computed,
                "pkg/use.py": "from pkg import computed, ei\n\nei.ScriptWriter, ei.load_entry_point, ei.other\n"
                              "computed.ScriptWriter\n"})
    repo.commit()
    assert rules(repo.check(all_files=True)) == [("undefined-name", "pkg/ei.py", 11)]
    repo.write("pkg/ei.py", ei.replace("class ScriptWriter:\n    pass\n", "X = 1\n"))
    repo.write("pkg/computed.py", computed.replace("class ScriptWriter:\n    pass\n", "X = 1\n"))
    repo.stage()
    assert rules(repo.check()) == [("undefined-name", "pkg/ei.py", 10), ("missing-attribute", "pkg/use.py", 3)]


def test_a_mock_patch_shields_only_what_it_patches(repo: Repo) -> None:
    """sanic's CLI tests run `main()` inside `with patch.object(InspectorClient, "request"):` and
    `with patch("sys.argv", [...]):`: the mocks replace `request` and `argv`, not `main`, whose signature is
    the repository's. A use of what is patched (`patch("pkg.cli.main")`), or of anything under a patch whose
    target cannot be read, stays silent."""
    repo.files({"pkg/__init__.py": "", "pkg/cli.py": "class Client:\n    def request(self):\n        pass\n\n\n"
                                                  "def main(args=None):\n    return args\n",
                "tests/test_cli.py": "from unittest.mock import patch\n\nfrom pkg.cli import Client, main\n\n\n"
                                     "def test_x(target):\n    with patch.object(Client, 'request'):\n"
                                     "        with patch('sys.argv', ['x']):\n            main()\n"
                                     "    with patch('pkg.cli.main'):\n        main()\n"
                                     "    with patch(target):\n        main()\n"})
    repo.commit()
    repo.write("pkg/cli.py", "class Client:\n    def request(self):\n        pass\n\n\n"
                             "def main(args, extra):\n    return args\n")
    repo.stage()
    assert rules(repo.check()) == [("arity-mismatch", "tests/test_cli.py", 9)]


def test_an_exec_of_a_template_in_a_function_binds_nothing_in_the_module(repo: Repo) -> None:
    """pydantic's tests: `exec(f"def testing_function({', '.join(fields)}): ...")` inside a test function runs in
    that function's namespace, so a name bound nowhere is still undefined elsewhere in the file. A template
    with `global` in it, or an exec given the module's namespace, may bind anything: silent."""
    local = "def make(fields):\n    exec(f\"def tf({', '.join(fields)}): return 1\")\n    return locals()['tf']\n\n\n" \
            "def use():\n    return Model_typo()\n"
    repo.files({"pkg/__init__.py": "", "pkg/local.py": local,
                "pkg/glob.py": local.replace("def tf(", "global tf; def tf("),
                "pkg/ns.py": local.replace("return 1\")", "return 1\", globals())")})
    repo.commit()
    assert rules(repo.check(all_files=True)) == [("undefined-name", "pkg/local.py", 7)]


def test_imports_of_the_files_own_package_under_a_feature_test_are_judged(repo: Repo) -> None:
    """rich's console: `if use_legacy_windows_render: from rich._windows_renderer import legacy_windows_render`.
    The test reads like a feature's availability, but the module is the file's own package's (or named
    relatively), there wherever the block runs; another top-level module there may be optional: silent."""
    repo.files({"pkg/__init__.py": "", "pkg/win.py": "class Reader:\n    pass\n", "pkg/win2.py": "X = 1\n",
                "other/__init__.py": "", "other/win.py": "class Reader:\n    pass\n",
                "pkg/console.py": "def render(legacy):\n    use_legacy_render = legacy\n    if use_legacy_render:\n"
                                  "        from pkg.win import Reader\n        from .win2 import X\n"
                                  "        from other.win import Reader as Other\n        return Reader, X, Other\n"})
    repo.commit()
    repo.git("rm", "-q", "pkg/win.py", "pkg/win2.py", "other/win.py")
    assert rules(repo.check()) == [("missing-module", "pkg/console.py", 4), ("missing-module", "pkg/console.py", 5)]



def test_a_name_bound_to_globals_and_only_read_through_is_no_write(repo: Repo) -> None:
    """sqlalchemy's `exc.py`: `glob = globals()`, then `if name in glob and issubclass(glob[name], DBAPIError)`:
    reads of the module's namespace, so `exc.DatabaseError` of a removed class is reported. A module that
    writes through its alias (`ns["late"] = 1`) or hands `globals()` on may bind anything: silent."""
    reader = "class DBAPIError(Exception):\n    pass\n\n\nclass DatabaseError(DBAPIError):\n    pass\n\n\n" \
             "def lookup(name):\n    glob = globals()\n    if name in glob and issubclass(glob[name], DBAPIError):\n" \
             "        return glob[name]\n    return None\n"
    repo.files({"pkg/__init__.py": "", "pkg/exc.py": reader,
                "pkg/handed.py": reader.replace("glob = globals()", "glob = dict(ns=globals())"),
                "pkg/use.py": "from pkg import exc, handed\n\nexc.DatabaseError, handed.DatabaseError\n"})
    repo.commit()
    repo.write("pkg/exc.py", reader.replace("class DatabaseError(DBAPIError):\n    pass\n", "X = 1\n"))
    repo.write("pkg/handed.py", reader.replace("class DatabaseError(DBAPIError):\n    pass\n", "X = 1\n")
               .replace("glob = globals()", "glob = dict(ns=globals())"))
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/use.py", 3)]


def test_reading_a_resource_of_the_module_by_its_name_does_not_replace_it(repo: Repo) -> None:
    """setuptools' `easy_install.py`: `text = pkg_resources.resource_string(__name__, "script.tmpl")` hands
    the module's name to a resource reader of a dynamic module: it reads a file beside the module, it does not
    replace the module, so `ei.ScriptWriter` of a removed class is reported. An unknown helper handed
    `__name__` (`recreate_module(__name__, ...)`) may replace it: silent."""
    res = "globals().update(dict(x=1))\n\n\ndef resource_string(name, path):\n    return path\n\n\n" \
          "def recreate(name):\n    return name\n"
    ei = "from pkg import res\n\n\nclass ScriptWriter:\n    pass\n\n\ndef template():\n" \
         "    text = res.resource_string(__name__, 'script.tmpl')\n    return text\n"
    repo.files({"pkg/__init__.py": "", "pkg/res.py": res, "pkg/ei.py": ei,
                "pkg/lazy.py": ei.replace("text = res.resource_string(__name__, 'script.tmpl')",
                                          "text = res.recreate(__name__)"),
                "pkg/use.py": "from pkg import ei, lazy\n\nei.ScriptWriter, lazy.ScriptWriter\n"})
    repo.commit()
    for name in ("pkg/ei.py", "pkg/lazy.py"):
        source = (repo.root / name).read_text()
        repo.write(name, source.replace("class ScriptWriter:\n    pass\n", "X = 1\n"))
    repo.stage()
    assert rules(repo.check()) == [("missing-attribute", "pkg/use.py", 3)]
