"""Mechanisms behind false blocks found by replaying public histories (`benchmarks/replay.py`), each as a
minimal repository judged in pre-commit mode (`yantra check` reading the index), the side that must stay
silent next to the side that must still be reported. The hook's command runs through the CLI's own entry point
in the test process (`Repo.cli_here`): these tests are about what the gate judges; the command as a process (its
imports, its arguments parsed with and without click) is tested in tests/gate/test_cli.py and
tests/gate/test_hook_process_loading.py."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from support.gate_repo import Repo, rules

PKG = {"pkg/__init__.py": "", "pkg/helpers.py": "def verify_payment(amount):\n    return amount\n"}

# Fixture scripts a test runs in a subprocess: one fails on purpose (`bar` is never evaluated: `... + 1` raises
# first), one uses syntax newer than the declared Python and is run only on interpreters that have it.
FIXTURES = {
    "tests/exceptions/source/diagnose/attributes.py": """
        def foo():
            return ... + 1 + bar(2)
        """,
    "tests/exceptions/source/modern/positional_only.py": """
        def foo(a, /, b):
            return a + b
        """,
}


def staged_findings(repo: Repo, files: dict[str, str]) -> list[tuple[str, str, int]]:
    """Commit nothing but the repository's skeleton, stage `files`, run the hook's command."""
    repo.files(files)
    repo.stage()
    done = repo.cli_here("check", "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return sorted((f["rule"], f["path"], f["line"]) for f in json.loads(done.stdout)["findings"])


@pytest.mark.parametrize("config", [
    {"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.5"\n'
                       '[tool.ruff]\nexclude = ["tests/exceptions/source/*"]\n'},
    {"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.5"\n',
     "ruff.toml": 'extend-exclude = ["./tests/exceptions/source/"]\n'},
], ids=["pyproject-tool-ruff", "ruff-toml"])
def test_files_the_projects_ruff_excludes_get_no_file_local_claims(repo: Repo, config: dict[str, str]) -> None:
    repo.files({**PKG, **config})
    repo.commit()
    repo.write("pkg/helpers.py", "def verify(amount):\n    return amount\n")  # verify_payment removed
    assert staged_findings(repo, {
        **FIXTURES,
        "tests/exceptions/source/others/uses_helper.py": "from pkg.helpers import verify_payment\n",
        "tests/exceptions/source/others/broken.py": "def broken(:\n    pass\n",
        "pkg/app.py": "def run():\n    return bar(2)\n",
    }) == [("missing-symbol", "tests/exceptions/source/others/uses_helper.py", 1),  # cross-file: still judged
           ("syntax-error", "tests/exceptions/source/others/broken.py", 1),  # no Python compiles it
           ("undefined-name", "pkg/app.py", 2)]


def test_flake8_exclude_and_per_file_ignores_quiet_only_what_they_name(repo: Repo) -> None:
    repo.files({**PKG, "pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.5"\n',
                "setup.cfg": "[flake8]\nexclude = .git,source\nper-file-ignores =\n"
                             "    docs/*.py: F821\n    examples/*.py: E501\n"})
    repo.commit()
    assert staged_findings(repo, {
        **FIXTURES,
        "docs/conf.py": "html_theme = theme_from_sphinx\n",
        "examples/demo.py": "print(undefined_in_example)\n",
    }) == [("undefined-name", "examples/demo.py", 1)]


@pytest.mark.parametrize("hostile", ["fifo", "garbage", "wrong-types", "escaping", "nested-fifo", "nested-garbage",
                                     "nested-wrong-types", "nested-escaping"])
def test_a_hostile_linter_configuration_quiets_nothing_and_hangs_nothing(repo: Repo, hostile: str) -> None:
    """The linter settings come from the checkout: a FIFO named ruff.toml, TOML that does not parse, values of the
    wrong type, patterns reaching outside the repository. None of them hangs the check, crashes it, or quiets
    anything: the undefined name is still reported."""
    import os

    config = {"garbage": {"ruff.toml": "exclude = [[[\n", ".flake8": "[flake8\nexclude = pkg\n"},
              "wrong-types": {"ruff.toml": 'exclude = "pkg"\nper-file-ignores = ["pkg/*"]\n'
                                           '[lint]\nper-file-ignores = 5\n'},
              "escaping": {"ruff.toml": 'exclude = ["/", "../", "../../*", "/pkg"]\n'},
              # a ruff configuration below the root (`bot.gate.linters.ProjectLinters`), read the same way
              "nested-garbage": {"pkg/ruff.toml": "exclude = [[[\n"},
              "nested-wrong-types": {"pkg/.ruff.toml": 'extend-exclude = "app.py"\nignore = "F821"\n'
                                                       'per-file-target-version = ["py315"]\n[lint]\nextend-ignore = 5\n'},
              "nested-escaping": {"pkg/ruff.toml": 'exclude = ["../pkg/app.py", "/pkg", ".."]\n'}}.get(hostile, {})
    repo.files({**PKG, **config})
    if hostile in ("fifo", "nested-fifo"):
        os.mkfifo(repo.root / ("pkg/ruff.toml" if hostile == "nested-fifo" else "ruff.toml"))
    repo.commit()
    done = repo.cli_here("check", "--format", "json")  # nothing staged yet: must not wait on the FIFO either
    assert done.returncode in (0, 1), done.stderr
    assert staged_findings(repo, {"pkg/app.py": "def run():\n    return bar(2)\n"}) == [
        ("undefined-name", "pkg/app.py", 2)]


def test_a_globstar_in_the_linters_exclude_also_matches_no_directory(repo: Repo) -> None:
    """pylint's `extend-exclude = ["tests/**/functional/"]` (ruff's globs: `**/` is zero or more directories) puts
    `tests/functional/` itself out of ruff's scope: its test data reads names on purpose. Its old unbound names
    are no claim when a commit edits the file; a file beside the excluded directory is still judged."""
    repo.files({**PKG, "pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\n'
                                         'extend-exclude = ["tests/**/functional/", "**/fixtures"]\n',
                "tests/functional/u/undefined.py": "print(undefined_on_purpose)\n",
                "fixtures/case.py": "print(undefined_in_fixture)\n",
                "tests/functional_checks.py": "print(undefined_here)\n"})
    repo.commit()
    assert staged_findings(repo, {
        "tests/functional/u/undefined.py": "print(undefined_on_purpose)\nprint(1)\n",
        "fixtures/case.py": "print(undefined_in_fixture)\nprint(2)\n",
        "tests/functional_checks.py": "print(undefined_here)\nprint(3)\n",
    }) == [("undefined-name", "tests/functional_checks.py", 1)]


def test_a_deleted_module_another_file_still_provides_is_not_gone(repo: Repo) -> None:
    """pylint's docs examples: hundreds of `bad.py`, each run from its own folder (no packages), so one top-level
    module name has many files. Turning one `bad.py` into a folder `bad/` takes nothing from the others: their
    old findings (`add(1)` on purpose) are no claim about the change. Deleting a module no other file provides is
    still reported in its importers."""
    repo.files({"doc/messages/no-value/bad.py": "def add(x, y):\n    return x + y\n\n\nadd(1)\n",
                "doc/messages/no-member/bad.py": "class Fruit:\n    pass\n\n\nFruit().flavor\n",
                "tools/helpers.py": "def verify_payment(amount):\n    return amount\n",
                "tools/run.py": "from helpers import verify_payment\n"})
    repo.commit()
    repo.git("rm", "-q", "doc/messages/no-member/bad.py", "tools/helpers.py")
    assert staged_findings(repo, {"doc/messages/no-member/bad/fruit.py": "class Fruit:\n    pass\n"}) == [
        ("missing-module", "tools/run.py", 1)]


def test_old_findings_of_a_linter_excluded_file_are_not_the_commits_doing(repo: Repo) -> None:
    """pylint's `tests/functional/a/arguments.py` (ruff: excluded) calls functions wrongly on purpose, for
    pylint's own tests. A commit that appends a case leaves those lines as they were: not its doing, and, the
    file being its harness's data, neither is a wrong call of its own function it writes there (the tests
    above). A wrong call its re-signed function makes of a kept line is; and a file the linter judges is judged
    whole."""
    repo.files({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["tests/**/functional/"]\n',
                "pkg/__init__.py": "", "pkg/helpers.py": "def verify(amount):\n    return amount\n",
                "tests/functional/arguments.py": "from pkg.helpers import verify\n\n\ndef one(a):\n    return a\n\n\n"
                                                 "one()\nverify(1)\n",
                "tests/test_judged.py": "def one(a):\n    return a\n\n\none()\n"})
    repo.commit()
    assert staged_findings(repo, {
        "tests/functional/arguments.py": "from pkg.helpers import verify\n\n\ndef one(a):\n    return a\n\n\n"
                                         "one()\nverify(1)\none(1, 2)\n",
        "tests/test_judged.py": "def one(a):\n    return a\n\n\none()\nprint()\n",
    }) == [("arity-mismatch", "tests/test_judged.py", 5)]
    repo.commit()
    assert staged_findings(repo, {"pkg/helpers.py": "def verify(amount, currency):\n    return amount\n",
                                  "tests/functional/arguments.py": "from pkg.helpers import verify\n\n\n"
                                                                   "def one(a):\n    return a\n\n\n"
                                                                   "one()\nverify(1)\none(1)\n"}) == [
        ("arity-mismatch", "tests/functional/arguments.py", 9)]


def test_a_syntax_error_a_linter_excluded_file_already_had_is_not_the_commits_doing(repo: Repo) -> None:
    """pylint's `tests/functional/u/use/use_yield_from.py` has `yield` outside a function on purpose (pylint's
    test data); a commit editing it did not make it uncompilable. One that makes CPython's parser reject a file,
    there or in a judged file, is reported (errors only the compiler finds, in a harness's data: the test above)."""
    repo.files({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["tests/**/functional/"]\n',
                "tests/functional/yield_at_top.py": "yield 1\n",
                "tests/functional/fine.py": "x = 1\n",
                "tests/test_judged.py": "yield 1\n"})
    repo.commit()
    assert staged_findings(repo, {"tests/functional/yield_at_top.py": "yield 1\nx = 2\n",
                                  "tests/functional/fine.py": "x = 1\ndef f(:\n    return x\n",
                                  "tests/test_judged.py": "yield 1\nx = 2\n"}) == [
        ("syntax-error", "tests/functional/fine.py", 2), ("syntax-error", "tests/test_judged.py", 1)]


def test_a_name_a_commit_unbinds_in_linter_excluded_code_nothing_imports_is_still_reported(repo: Repo) -> None:
    """A file the project's linter excludes and no module imports may still be code that runs: pyramid's
    `tests/pkgs/*` are packages its tests load by name (`config.include("tests.pkgs.x")`), pylint's
    `tests/functional/*` are data its harness reads. A NameError in the first is a break (stop 19: quieting it
    lost 3 of 102 undefined-name mutations on the unseen releases, pyramid's and pip's vendored tests): the
    dotted name in a string tells it apart (`bot.graph.doubts.named_elsewhere`)."""
    repo.files({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["tests/pkgs/"]\n',
                "tests/__init__.py": "", "tests/pkgs/__init__.py": "",
                "tests/test_config.py": 'def test_include(config):\n    config.include("tests.pkgs.includeapp")\n',
                "tests/pkgs/includeapp.py": "def includeme(config):\n    config.add_view(aview)\n\n"
                                            "def aview(request):\n    return request\n"})
    repo.commit()
    assert staged_findings(repo, {"tests/pkgs/includeapp.py": "def includeme(config):\n    config.add_view(aview_typo)\n\n"
                                                              "def aview(request):\n    return request\n"}) == [
        ("undefined-name", "tests/pkgs/includeapp.py", 2)]


def test_an_extension_a_subprojects_build_configuration_builds_is_no_missing_module(repo: Repo) -> None:
    """hypothesis keeps its package in `hypothesis/` of the repository, with its own `pyproject.toml` where maturin
    builds the Rust extension `hypothesis._native`: no `.py` file provides it, the build does. A module no build
    configuration names is still missing."""
    repo.files({"pyproject.toml": '[tool.ruff]\nline-length = 99\n',
                "proj/pyproject.toml": '[build-system]\nrequires = ["maturin>=1.7"]\nbuild-backend = "maturin"\n'
                                       '[project]\nname = "pkg"\n[tool.maturin]\npython-source = "src"\n'
                                       'module-name = "pkg._native"\n',
                "proj/src/pkg/__init__.py": "", "proj/src/pkg/helpers.py": "def helper():\n    return 1\n",
                "proj/src/pkg/core.py": "from pkg.helpers import helper\n"})
    repo.commit()
    assert staged_findings(repo, {"proj/src/pkg/core.py": "from pkg.helpers import helper\n"
                                                          "from pkg._native import fast\nfrom pkg._gone import slow\n"}) == [
        ("missing-module", "proj/src/pkg/core.py", 3)]


PY315_DATA = {  # pylint's functional tests of Python 3.15's syntax (PEP 810 lazy imports, PEP 798 unpacking)
    "tests/functional/i/import_itself_py315.py": "lazy import import_itself_py315  # [import-self]\n",
    "tests/functional/u/unnecessary_comprehension_py315.py": "ITEMS = [[1], [2]]\nFLAT = [*x for x in ITEMS]\n",
}


@pytest.mark.skipif(sys.version_info >= (3, 15), reason="this interpreter reads Python 3.15's syntax itself")
def test_python_315_syntax_in_files_the_linter_excludes_is_no_break(repo: Repo) -> None:
    """Python 3.15 (PEP 810, PEP 798) is newer than the interpreter and than tree-sitter's grammar: in a project
    targeting 3.10, its syntax is newer than the target — quiet where the project's linter excludes the file (test
    data for a newer Python), reported where it does not; a file no Python compiles is reported everywhere."""
    repo.files({**PKG, "pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.10"\n'
                                         '[tool.ruff]\nextend-exclude = ["tests/**/functional/"]\n'})
    repo.commit()
    assert staged_findings(repo, {
        **PY315_DATA,
        "tests/functional/b/broken.py": "lazy import os\ndef broken(:\n    pass\n",
        "pkg/flat.py": "def flat(its):\n    return [*it for it in its]\n",
    }) == [("syntax-error", "pkg/flat.py", 2), ("syntax-error", "tests/functional/b/broken.py", 2)]


@pytest.mark.skipif(sys.version_info >= (3, 15), reason="this interpreter reads Python 3.15's syntax itself")
def test_a_project_targeting_python_315_may_use_its_syntax_and_is_still_judged(repo: Repo) -> None:
    repo.files({**PKG, "pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.15"\n'})
    repo.commit()
    assert staged_findings(repo, {
        "pkg/app.py": "lazy from pkg.helpers import verify_payment\nlazy import json\n\n"
                      "def run(orders):\n    return json.dumps({**o for o in orders}) + verify_payment(1, 2)\n",
        "pkg/other.py": "lazy from pkg.helpers import verify\n\ndef go(xs):\n    return [*x for x in xz]\n",
    }) == [("arity-mismatch", "pkg/app.py", 5), ("missing-symbol", "pkg/other.py", 1),
           ("undefined-name", "pkg/other.py", 4)]


@pytest.mark.skipif(sys.version_info >= (3, 15), reason="this interpreter reads Python 3.15's syntax itself")
def test_a_nested_ruff_configuration_governs_the_files_under_it(repo: Repo) -> None:
    """pylint's `doc/data/ruff.toml`: ruff's configuration in a directory governs the files below it, with
    patterns relative to that directory: its `extend-exclude` and its `per-file-target-version` (an example
    written for Python 3.15 in a project targeting 3.10). The same files elsewhere, and a file no Python
    compiles, are still reported."""
    repo.files({**PKG, "pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.10"\n[tool.ruff]\nline-length = 99\n',
                "doc/data/ruff.toml": 'extend-exclude = ["messages/s/syntax-error/bad.py", "bad_newer.py"]\n'
                                      '[per-file-target-version]\n"messages/u/unpacking/bad.py" = "py315"\n'
                                      '"messages/u/old/bad.py" = "py39"\n'})
    repo.commit()
    newer = "FLAT = [*x for x in [[1], [2]]]\n"
    assert staged_findings(repo, {
        "doc/data/messages/u/unpacking/bad.py": newer,  # per-file target 3.15: valid
        "doc/data/messages/u/old/bad.py": newer,  # per-file target 3.9: older than the syntax
        "doc/data/messages/s/syntax-error/bad.py": "lazy import os\nprint(undefined_example)\n",  # excluded
        "doc/data/messages/x/deep/bad_newer.py": "lazy import os\n",  # a name pattern: at any depth below doc/data
        "doc/data/messages/b/broken/bad.py": "def broken(:\n",  # no Python compiles it
        "docs/messages/u/unpacking/bad.py": newer,  # not under doc/data: the root's scope
        "messages/s/syntax-error/bad.py": "lazy import os\n",  # the nested patterns are relative to doc/data
    }) == [("syntax-error", "doc/data/messages/b/broken/bad.py", 1),
           ("syntax-error", "doc/data/messages/u/old/bad.py", 1),
           ("syntax-error", "docs/messages/u/unpacking/bad.py", 1),
           ("syntax-error", "messages/s/syntax-error/bad.py", 1)]


@pytest.mark.parametrize(("config", "quiet"), [
    ({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff.lint]\nignore = ["E501", "F821"]\n'}, True),
    ({"ruff.toml": 'extend-ignore = ["F8"]\n'}, True),
    ({".flake8": "[flake8]\nextend-ignore = E203,F821\n"}, True),
    ({"ruff.toml": '[lint]\nignore = ["F"]\nextend-select = ["F821"]\n'}, False),  # the more specific selector wins
    ({"ruff.toml": '[lint]\nignore = ["F841"]\n'}, False),
    ({"ruff.toml": '[lint]\nselect = ["E501", "I"]\n'}, True),  # `select` replaces ruff's default rules
    ({"ruff.toml": 'select = ["E", "F"]\n'}, False),
    ({"ruff.toml": '[lint]\nextend-select = ["I"]\n'}, False),  # added to the default rules, F among them
], ids=["ruff-ignore", "ruff-prefix", "flake8", "selected-back", "another-code", "selected-without-it",
        "selected-with-it", "extended"])
def test_a_project_that_ignores_undefined_names_everywhere_gets_only_those_the_commit_unbinds(
        repo: Repo, config: dict[str, str], quiet: bool) -> None:
    """IPython ignores F821 for every file (its tests use the `ip` and `_ip` its harness injects): undefined names
    the commit did not make — old ones in a file it edits, the injected ones in a new test — are the project's
    declared business; a name the commit unbinds is still its break."""
    repo.files({**PKG, **config, "pkg/shell.py": "import os\n\ndef run():\n    return _ip.run(os.sep)\n"})
    repo.commit()
    repo.write("pkg/shell.py", "def run():\n    return _ip.run(os.sep)\n")  # `import os` removed: `os` unbound
    found = staged_findings(repo, {"tests/test_shell.py": "def test_run():\n    assert ip.run('x')\n"})
    old_and_injected = [("undefined-name", "pkg/shell.py", 2), ("undefined-name", "tests/test_shell.py", 2)]
    assert found == sorted([("undefined-name", "pkg/shell.py", 2), *([] if quiet else old_and_injected)])


def test_names_a_conftest_stores_into_builtins_are_bound_below_it(repo: Repo) -> None:
    """IPython's tests/conftest.py does `builtins.ip = get_ipython()`: pytest runs a conftest before it imports
    the modules under its directory, so there the name is bound. Outside that directory, and for any other
    name, an unbound name is still reported."""
    repo.files({**PKG, "tests/conftest.py": "import builtins\n\n\ndef pytest_configure(config):\n"
                                            "    builtins.ip = object()\n    setattr(builtins, '_ip', builtins.ip)\n"})
    repo.commit()
    assert staged_findings(repo, {
        "tests/core/test_shell.py": "def test_run():\n    assert ip and _ip\n",
        "tests/core/test_typo.py": "def test_run():\n    assert ipx\n",
        "pkg/app.py": "def run():\n    return ip\n",
    }) == [("undefined-name", "pkg/app.py", 2), ("undefined-name", "tests/core/test_typo.py", 2)]


def test_a_plain_module_whose_getattr_answers_any_name_may_serve_submodules(repo: Repo) -> None:
    """dask's `dask/distributed.py` answers every missing name from the `distributed` package, `__path__` included,
    so `from dask.distributed.protocol import dumps` imports `distributed/protocol`: a plain module whose namespace
    answers any name may have submodules no file shows. A plain module without one, a module whose `__getattr__`
    answers only literal names, and a package (whose `__path__` is its directory) have none beyond their files."""
    shim = ("def __getattr__(name):\n    import json\n    return getattr(json, name)\n")
    closed = ('def __getattr__(name):\n    if name == "OLD":\n        return 1\n'
              '    raise AttributeError(name)\n')
    repo.files({"pkg/__init__.py": "", "pkg/shim.py": shim, "pkg/plain.py": "X = 1\n", "pkg/closed.py": closed,
                "lazy/__init__.py": shim, "app.py": "X = 1\n"})
    repo.commit()
    assert staged_findings(repo, {"app.py": (
        "from pkg.shim.decoder import JSONDecoder\n"  # served through shim's __getattr__('__path__')
        "from pkg.plain.decoder import JSONDecoder as D2\n"
        "from pkg.closed.decoder import JSONDecoder as D3\n"
        "import lazy.decoder\n")}) == [
        ("missing-module", "app.py", 2), ("missing-module", "app.py", 3), ("missing-module", "app.py", 4)]


LAZY = "from __future__ import annotations\n\nfrom typing import TypedDict\n\n\n"


def test_an_old_unbound_name_in_an_annotation_never_evaluated_is_not_the_commits_break(repo: Repo) -> None:
    """textual's `RulesMap` TypedDict annotates a field with `ScrollbarVisibility`, which `styles.py` never imports,
    under `from __future__ import annotations`: the running code never evaluates it. A commit editing another part
    of the file did not make that name unbound, nor made it break anything at run time. The same name read where
    the code runs, a new unbound name in an annotation, and an annotation Python evaluates are still reported."""
    repo.files({"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.8"\n', "pkg/__init__.py": "",
                "pkg/styles.py": LAZY + "class RulesMap(TypedDict):\n    visibility: Visibility\n\n\n"
                                        "def main() -> Screen:\n    return 1\n",
                "pkg/eager.py": "class Rules:\n    visibility: Visibility\n"})
    repo.commit()
    assert staged_findings(repo, {
        "pkg/styles.py": LAZY + "class RulesMap(TypedDict):\n    visibility: Visibility\n    width: int\n\n\n"
                                "def main() -> Screen:\n    return 2\n"}) == []
    assert staged_findings(repo, {  # the same old name, now read by the running code
        "pkg/styles.py": LAZY + "class RulesMap(TypedDict):\n    visibility: Visibility\n\n\n"
                                "def main() -> Screen:\n    return Visibility\n"}) == [
        ("undefined-name", "pkg/styles.py", 11)]
    assert staged_findings(repo, {  # a name the commit leaves unbound in a new annotation is its own mistake
        "pkg/styles.py": LAZY + "class RulesMap(TypedDict):\n    visibility: Visibility\n    size: Size\n\n\n"
                                "def main() -> Screen:\n    return 1\n"}) == [("undefined-name", "pkg/styles.py", 8)]
    assert staged_findings(repo, {  # evaluated when the class body runs: an old NameError is still one
        "pkg/styles.py": LAZY + "class RulesMap(TypedDict):\n    visibility: Visibility\n\n\n"
                                "def main() -> Screen:\n    return 1\n",
        "pkg/eager.py": "class Rules:\n    visibility: Visibility\n    width: int\n"}) == [
        ("undefined-name", "pkg/eager.py", 2)]


def test_annotations_of_a_project_for_python_314_are_deferred(repo: Repo) -> None:
    """PEP 649: from Python 3.14 annotations are evaluated only when asked for, so a project whose every interpreter
    defers them has the same unevaluated annotations without the future import."""
    repo.files({"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.14"\n', "pkg/__init__.py": "",
                "pkg/app.py": "def main() -> Screen:\n    return 1\n"})
    repo.commit()
    assert staged_findings(repo, {"pkg/app.py": "def main() -> Screen:\n    return 2\n"}) == []
    assert staged_findings(repo, {"pkg/app.py": "def main() -> Screen:\n    return Screen\n"}) == [
        ("undefined-name", "pkg/app.py", 2)]


PYLINT_LIKE = {"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["tests/**/functional/"]\n',
               "pkg/__init__.py": "", "pkg/helpers.py": "def verify_payment(amount):\n    return amount\n",
               # the harness: reads every file under functional/ by its path and lints it, never imports it
               "tests/test_functional.py": "from pathlib import Path\n\nFUNCTIONAL = Path(__file__).parent / "
                                           '"functional"\n',
               "tests/functional/__init__.py": "", "tests/functional/n/__init__.py": "",
               "tests/functional/n/nan_check.py": 'x = float("nan")\np0 = x == 1\n',
               "tests/functional/a/uses_helper.py": "from pkg.helpers import verify_payment\n\nverify_payment(1)\n",
               # data naming another data package, for pylint to report: names nothing that runs
               "tests/functional/i/import_error.py": "import functional.n.missing  # [import-error]\n"}


def test_findings_about_a_harness_data_file_itself_are_not_the_commits_break(repo: Repo) -> None:
    """pylint's functional tests: files its harness reads by their path and lints (`tests/test_functional.py`),
    excluded from ruff, imported and collected by nothing. A commit adds, on purpose, a call of an unbound name
    (`nan_comparison_check.py`), `import *` inside a function (`used_before_assignment.py`: no Python compiles
    it), an attribute its own class lacks: none is a break, and another data file naming the package
    (`import_error.py`) loads nothing. What the data file uses of a module the commit changes is still judged."""
    repo.files(PYLINT_LIKE)
    repo.commit()
    repo.write("pkg/helpers.py", "def verify(amount):\n    return amount\n")  # verify_payment removed
    assert staged_findings(repo, {
        "tests/functional/n/nan_check.py": 'x = float("nan")\np0 = x == 1\n'
                                           'p1 = x == undefined_callee("nan")  # [undefined-variable]\n',
        "tests/functional/u/used_before.py": "def f():\n    from os.path import *\n    return join\n",
        "tests/functional/a/slots.py": "class Fruit:\n    color = 1\n\n\nprint(Fruit().flavor)  # [no-member]\n",
    }) == [("missing-symbol", "tests/functional/a/uses_helper.py", 1)]


def test_a_docs_harness_data_the_nested_ruff_configuration_judges_no_names_in(repo: Repo) -> None:
    """pylint's `doc/data/ruff.toml` selects only `E501` and `I`: ruff judges no names in the docs examples, which
    `doc/test_messages_documentation.py` (a pytest module above them) reads by their path. `no-member/bad/fruit.py`
    uses an attribute its class lacks on purpose; `from fruit import Fruit` in another example's folder imports
    that folder's own `fruit.py`. The same code in the docs' Sphinx extension, which ruff judges, is reported."""
    code = "class Cucumber:\n    color = 1\n\n\nprint(Cucumber().flavor)  # [no-member]\n"
    repo.files({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nline-length = 99\n',
                "doc/data/ruff.toml": 'line-length = 103\n[lint]\nignore = []\nselect = ["E501", "I"]\n',
                "doc/test_messages_documentation.py": "from pathlib import Path\n\nDATA = Path(__file__).parent / "
                                                      '"data" / "messages"\n',
                "doc/data/messages/d/duplicate-code/good/fruit.py": "class Fruit:\n    pass\n",
                "doc/data/messages/d/duplicate-code/good/apple.py": "from fruit import Fruit\n\n\nFruit()\n"})
    repo.commit()
    assert staged_findings(repo, {"doc/data/messages/n/no-member/bad/fruit.py": code,
                                  "doc/exts/messages_ext.py": code}) == [
        ("missing-member", "doc/exts/messages_ext.py", 5)]


@pytest.mark.parametrize("layout", ["imported-vendored", "imported-helper", "collected", "collected-by-config",
                                    "collected-by-pytest-toml", "doctest-modules", "loaded-by-name", "nested-project"])
def test_excluded_code_that_runs_is_still_judged_whole(repo: Repo, layout: str) -> None:
    """What tells a harness's data from code that runs, each on its own: vendored code the linter excludes but a
    module imports; a test helper tests import; a
    script pytest collects, by its default names, by the project's `python_files`, or every module under
    `--doctest-modules`; a package a framework imports by its dotted name (pyramid's `config.include`); a project
    nested under tests that the tests build and install (pip's `tests/data/src`). A name the commit unbinds
    there, and an attribute its own class lacks, are reported."""
    target, extra = {
        "imported-vendored": ("tests/_vendor/compat.py", {"tests/test_api.py": "from tests._vendor.compat import run\n"}),
        "imported-helper": ("tests/helpers/factory.py",
                            {"tests/test_models.py": "from tests.helpers.factory import run\n"}),
        "collected": ("tests/data/test_loader.py", {}),
        "collected-by-config": ("tests/data/check_loader.py",
                                {"pytest.ini": "[pytest]\npython_files = check_*.py test_*.py\n"}),
        "collected-by-pytest-toml": ("tests/data/check_loader.py",  # pytest 9's own file, read before the others
                                     {"pytest.toml": '[pytest]\npython_files = ["check_*.py", "test_*.py"]\n',
                                      "pytest.ini": "[pytest]\npython_files = test_*.py\n"}),
        "doctest-modules": ("tests/data/sample.py", {"tox.ini": "[pytest]\naddopts = --doctest-modules\n"}),
        "loaded-by-name": ("tests/pkgs/includeapp.py",
                           {"tests/test_config.py": 'def test_include(config):\n'
                                                    '    config.include("tests.pkgs.includeapp")\n'}),
        "nested-project": ("tests/data/src/simple/simple.py",
                           {"tests/data/src/simple/setup.py": "from setuptools import setup\n\nsetup()\n"}),
    }[layout]
    repo.files({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["tests/*/"]\n',
                "tests/__init__.py": "", "tests/pkgs/__init__.py": "", "tests/helpers/__init__.py": "", **extra,
                target: "def run():\n    return helper()\n\n\ndef helper():\n    return 1\n"})
    repo.commit()
    assert staged_findings(repo, {target: "def run():\n    return helper_typo()\n\n\nclass Fruit:\n    color = 1\n\n\n"
                                          "def use():\n    return Fruit().flavor\n"}) == [
        ("missing-member", target, 10), ("undefined-name", target, 2)]


def test_every_file_checked_in_the_working_tree_tells_data_from_code_loaded_by_name(repo: Repo) -> None:
    """`check --all` on the working tree (as in CI): the same judgement, the dotted names read from the tracked
    and untracked files. pyramid's test package that a test includes by name is judged; pylint-like data is not."""
    fruit = "class Fruit:\n    color = 1\n\n\nprint(Fruit().flavor)\n"
    repo.files({"pyproject.toml": '[project]\nname = "p"\n[tool.ruff]\nextend-exclude = ["tests/pkgs/", '
                                  '"tests/functional/"]\n',
                "tests/__init__.py": "", "tests/pkgs/__init__.py": "", "tests/pkgs/includeapp.py": fruit,
                "tests/functional/no_member.py": fruit,
                "tests/test_config.py": 'def test_include(config):\n    config.include("tests.pkgs.includeapp")\n'})
    repo.commit()
    repo.write("tests/functional/untracked_too.py", fruit)
    assert rules(repo.check(all_files=True)) == [("missing-member", "tests/pkgs/includeapp.py", 5)]


MESON_ROOT = {"pyproject.toml": '[build-system]\nbuild-backend = "mesonpy"\nrequires = ["meson-python"]\n'
                                '[project]\nname = "pkg"\n',
              "meson.build": "project('pkg', 'c')\npy3 = import('python').find_installation()\nsubdir('src/pkg')\n",
              "src/pkg/__init__.py": "", "src/pkg/helpers.py": "def helper():\n    return 1\n",
              "src/pkg/_fast_pythran.py": "def fast(x):\n    return x\n"}


def test_an_extension_a_meson_build_installs_into_the_package_is_no_missing_module(repo: Repo) -> None:
    """scikit-image's `src/skimage/feature/meson.build` has pythran turn `_hessian_det_appx_pythran.py` into C++
    and installs `py3.extension_module('_hessian_det_appx', ..., subdir: 'skimage/feature')`: meson-python puts an
    extension module into `subdir` of the Python's install directory, so `skimage.feature._hessian_det_appx` has
    no source of its own name and exists. A name from a loop (`foreach`) counts when the file quotes it; an
    extension installed into another package, or a module no call builds, is still missing."""
    repo.files({**MESON_ROOT, "src/pkg/meson.build": (
        "_fast_cpp = custom_target('_fast_cpp', output: ['_fast.cpp'], input: '_fast_pythran.py',\n"
        "  command: [pythran, '-E', '@INPUT@', '-o', '@OUTPUT@'])\n"
        "py3.extension_module('_fast',  # (the name, then the sources)\n  [_fast_cpp],\n"
        "  dependencies: [py3_dep, dependency('np', required: false)],\n  install: true,\n"
        "  subdir: 'pkg'  # Folder relative to site-packages to install to\n)\n"
        "py3.extension_module('_joined', 'j.c', install: true, subdir: 'pkg' / '')\n"
        "foreach name : ['_looped', '_other']\n"
        "  py3.extension_module(name, name + '_src.c', install: true, subdir: 'pkg')\nendforeach\n"
        "py3.extension_module('_elsewhere', 'e.c', install: true, subdir: 'other/pkg')\n"
        "py3.extension_module('_top', 't.c', install: true)\n")})
    repo.commit()
    assert staged_findings(repo, {"src/pkg/core.py": (
        "from pkg.helpers import helper\nfrom pkg._fast import fast\nfrom pkg._joined import joined\n"
        "from pkg._looped import looped\nfrom pkg import _other\nfrom pkg._elsewhere import far\n"
        "from pkg._top import top\nfrom pkg._gone import slow\n")}) == [
        ("missing-module", "src/pkg/core.py", 6), ("missing-module", "src/pkg/core.py", 7),
        ("missing-module", "src/pkg/core.py", 8)]


def test_a_module_that_puts_another_object_in_sys_modules_under_its_own_name_has_unknowable_names(repo: Repo) -> None:
    """bokeh's `bokeh/tile_providers.py` ends with `sys.modules['bokeh.tile_providers'] = _mod`, an instance of a
    `types.ModuleType` subclass whose methods and class attributes (`get_provider`, `Vendors`) are what importers
    get: the file's own bindings are not its names. A module that registers an object under another name, and
    a module that does nothing of the kind, are judged by what they bind."""
    repo.files({"pkg/__init__.py": "",
                "pkg/shim.py": "import sys\nimport types\n\n\nclass _Mod(types.ModuleType):\n"
                               "    Vendors = ('OSM',)\n\n    def get_provider(self, name):\n        return name\n\n\n"
                               "_mod = _Mod('pkg.shim')\nsys.modules['pkg.shim'] = _mod\ndel _mod, sys, types\n",
                "pkg/other.py": "import sys\nimport types\n\nsys.modules['pkg.fake'] = types.ModuleType('pkg.fake')\n",
                "pkg/plain.py": "X = 1\n"})
    repo.commit()
    assert staged_findings(repo, {"app.py": (
        "import pkg.shim\nimport pkg.other\nimport pkg.plain\nfrom pkg.shim import Vendors\n"
        "print(pkg.shim.get_provider('OSM'), Vendors)\nprint(pkg.other.get_provider)\nprint(pkg.plain.get_provider)\n"
        "from pkg.other import Vendors as V2\n")}) == [
        ("missing-attribute", "app.py", 6), ("missing-attribute", "app.py", 7), ("missing-symbol", "app.py", 8)]


@pytest.mark.parametrize("binding", [
    "__getattr__, __dir__, __doc__ = _shim(__name__)\n",  # bokeh's bokeh/sampledata/stocks.py
    "(__getattr__, __dir__) = _shim(__name__)[:2]\n",
    "if True:\n    [__getattr__, __dir__] = _shim(__name__)[:2]\n",
    "from pkg._base import forward as __getattr__\n",
], ids=["tuple", "parenthesized", "list-in-if", "import-as"])
def test_a_module_getattr_bound_by_any_statement_may_answer_any_name(repo: Repo, binding: str) -> None:
    """bokeh's `bokeh/sampledata/stocks.py` is `__getattr__, __dir__, __doc__ = _create_sampledata_shim(__name__)`:
    a module `__getattr__` that forwards every name to another package (`bokeh_sampledata.stocks`), bound by tuple
    unpacking rather than `def`. Its names are unknowable, whatever statement binds it; `__getattr__` bound only
    inside a function or a class, or a `__getattr__` method, answers nothing for the module."""
    shim = ("def _shim(name):\n    import importlib\n    mod = importlib.import_module('json')\n"
            "    return (lambda n: getattr(mod, n)), (lambda: dir(mod)), mod.__doc__\n\n\n"
            "def forward(name):\n    return name\n")
    repo.files({"pkg/__init__.py": "", "pkg/_base.py": shim,
                "pkg/stocks.py": "from pkg._base import _shim\n\n" + binding,
                "pkg/local.py": "from pkg._base import _shim\n\n\ndef f():\n    __getattr__, __dir__, __doc__ = _shim(__name__)\n"
                                "\n\nclass C:\n    __getattr__ = _shim\n\n    def __getattr__(self, name):\n        return name\n"})
    repo.commit()
    assert staged_findings(repo, {"app.py": "from pkg.stocks import AAPL\nimport pkg.stocks\nimport pkg.local\n"
                                            "print(pkg.stocks.MSFT, pkg.local.AAPL)\nfrom pkg.local import GOOG\n"}) == [
        ("missing-attribute", "app.py", 4), ("missing-symbol", "app.py", 5)]


def test_a_comment_naming_sys_path_edits_nothing(repo: Repo) -> None:
    """pipenv's `docs/conf.py` starts with Sphinx's template comment "add these directories to sys.path here",
    then imports `pipenv.vendor.click`: when the vendored package is deleted, the import is a break. A comment
    runs nothing, so only a real `sys.path` edit before an import keeps it unsure."""
    repo.files({"pkg/__init__.py": "", "pkg/vendor/__init__.py": "", "pkg/vendor/click/__init__.py": "Command = 1\n",
                "docs/conf.py": "# If extensions are in another directory, add these directories to sys.path here.\n"
                                "import os  # (sys.path is not edited)\n\nimport pkg.vendor.click\n\n"
                                "print(os.sep, pkg.vendor.click.Command)\n",
                "docs/edits.py": "import sys\n\nsys.path.insert(0, '/elsewhere')\nimport pkg.vendor.click\n"})
    repo.commit()
    shutil.rmtree(repo.root / "pkg/vendor/click")
    assert staged_findings(repo, {}) == [("missing-attribute", "docs/conf.py", 6),
                                         ("missing-module", "docs/conf.py", 4)]


def test_a_sys_modules_write_under_a_literal_name_serves_that_name_only(repo: Repo) -> None:
    """pipenv's `pipenv/__init__.py` puts its patched pip in `sys.modules["pip"]`: that makes `pip` (and what is
    below it) importable with no file, and says nothing of `pipenv`'s own submodules, so importing one the
    change deleted is a break. A literal write of a name below the package (`sys.modules["pkg.compat"]`), or a
    write under a computed name, still leaves those names unknowable."""
    repo.files({"pkg/__init__.py": "import sys\nimport types\n\nsys.modules['pip'] = types.ModuleType('pip')\n"
                                   "sys.modules[\"pkg.compat\"] = types.ModuleType('pkg.compat')\n",
                "pkg/gone.py": "X = 1\n", "pkg/kept.py": "Y = 1\n",
                "other/__init__.py": "import sys\n\nfor name in ('other.a', 'other.b'):\n"
                                     "    sys.modules[name] = sys.modules[__name__]\n",
                "other/gone.py": "X = 1\n"})
    repo.commit()
    (repo.root / "pkg/gone.py").unlink()
    (repo.root / "other/gone.py").unlink()
    assert staged_findings(repo, {"app.py": (
        "import pkg.gone\nfrom pkg import gone\nimport pkg.compat\nimport pkg.compat.inner\nfrom pkg import compat\n"
        "from pkg.compat import shim\nimport pkg.kept\nimport other.gone\nfrom other import gone as g2\n"
        "print(gone, compat, shim, g2)\n")}) == [("missing-module", "app.py", 1), ("missing-symbol", "app.py", 2)]
