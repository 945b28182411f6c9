"""A syntax error that no Python version accepts is never "newer syntax" (issue 8, `bot.graph.legacy_syntax`).

tree-sitter's grammar reads Python 2, so a Python 2 file looked like syntax of a newer Python than the
interpreter: forgiven in files the project's linter excludes or that only a harness loads (test data), and not
reported at all when the target is newer than the interpreter. Each form below is a minimal real repository.
"""

from __future__ import annotations

import pytest
from support.gate_repo import Repo, rules

from bot.gate import run_check
from bot.graph.snapshot import Source

PYTHON2 = {
    "ur-prefix": 'x = ur"abc"\n',
    "print-statement": 'print "hello"\n',
    "backquotes": "x = `1`\n",
    "old-octal": "x = 0777\n",
    "long-suffix": "x = 10L\n",
    "not-equal": "x = 1 <> 2\n",
    "exec-statement": 'exec "x = 1" in {}\n',
    "raise-tuple": 'raise ValueError, "msg"\n',
    "tuple-parameter": "def f(a, (b, c)):\n    return a\n",
    "lambda-tuple-parameter": "f = lambda (a, b): a\n",
    "mixed-tabs": "if True:\n        a = 1\n\tb = 2\n",
    # not Python 2 either, but no Python 3 reads it: a starred expression alone in parentheses
    "starred-alone": "x = (*a)\n",
    "starred-alone-argument": "f((*a))\n",
    "starred-alone-subscripted": "x = (*a)[0]\n",
    "starred-alone-target": "(*a) = b\n",
}
NEWER = {  # syntax of Pythons newer than 3.8 that the grammar reads: forgiven where the project says so
    "match": "def f(x):\n    match x:\n        case 1:\n            return 1\n",
    "type-alias": "type Point = tuple[int, int]\n",
    "generic-function": "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
    "nested-f-string-quotes": 'x = f"{"a"}"\n',
    "except-without-parentheses": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",  # 3.14
    "type-alias-of-a-starred-tuple": "type Pair = tuple[int, int]\nx = (*range(2),)\n",  # `(*a,)` is a tuple
}
PYPROJECT = '[project]\nname = "p"\nrequires-python = ">=3.8"\n\n[tool.ruff]\nextend-exclude = ["examples"]\n'


def _staged(repo: Repo, files: dict[str, str]) -> list[tuple[str, str, int]]:
    repo.files({"pyproject.toml": PYPROJECT, "app.py": "x = 1\n"})
    repo.commit()
    repo.files(files)
    repo.stage()
    return rules(run_check(repo.root, None, source=Source.INDEX))


@pytest.mark.parametrize("form", sorted(PYTHON2))
def test_python2_in_a_linter_excluded_file_is_a_syntax_error(repo: Repo, form: str) -> None:
    (found,) = _staged(repo, {"examples/old.py": PYTHON2[form]})
    assert found[:2] == ("syntax-error", "examples/old.py")


@pytest.mark.parametrize("form", sorted(PYTHON2))
def test_python2_test_data_is_a_syntax_error(repo: Repo, form: str) -> None:
    (found,) = _staged(repo, {"tests/data/old.py": PYTHON2[form]})
    assert found[:2] == ("syntax-error", "tests/data/old.py")


@pytest.mark.parametrize("form", sorted(PYTHON2))
def test_python2_is_an_error_for_a_target_newer_than_the_interpreter(repo: Repo, form: str) -> None:
    repo.files({"pyproject.toml": '[tool.yantra]\npython-version = "3.99"\n', "app.py": "x = 1\n"})
    repo.commit()
    repo.write("app.py", PYTHON2[form])
    repo.stage()
    (found,) = rules(run_check(repo.root, None, source=Source.INDEX))
    assert found[:2] == ("syntax-error", "app.py")


@pytest.mark.parametrize("form", sorted(NEWER))
def test_newer_syntax_in_a_linter_excluded_file_stays_forgiven(repo: Repo, form: str) -> None:
    assert _staged(repo, {"examples/new.py": NEWER[form]}) == []
    assert _staged_outside(repo, NEWER[form])[0][:2] == ("syntax-error", "app.py")


def _staged_outside(repo: Repo, text: str) -> list[tuple[str, str, int]]:
    repo.write("app.py", text)
    repo.stage()
    return rules(run_check(repo.root, None, source=Source.INDEX))


def test_a_python3_print_to_a_file_beside_newer_syntax_stays_newer_syntax(repo: Repo) -> None:
    """`print >>f, x` is a Python 3 expression too (a tuple): not a Python 2 form."""
    text = 'import sys\nprint >>sys.stderr, "x"\ntype Point = tuple[int, int]\n'
    assert _staged(repo, {"examples/new.py": text}) == []


BLACK = ('[project]\nname = "p"\nrequires-python = ">=3.8"\n\n[tool.black]\ntarget-version = ["py38"]\n'
         "extend-exclude = '''\n/(\n  \\.venv\n  | scripts/generate_schema.py  # Uses match syntax\n)\n'''\n")


def test_newer_syntax_in_a_file_the_formatter_is_told_not_to_read_is_forgiven(repo: Repo) -> None:
    """black's own repository: `scripts/generate_schema.py` uses `match` under `target-version = py39` and
    requires-python >= 3.9, and `[tool.black] extend-exclude` (a verbose regex) says so. The formatter judges no
    names, so an undefined name there and newer syntax anywhere else are still reported; so is Python 2."""
    repo.files({"pyproject.toml": BLACK, "app.py": "x = 1\n"})
    repo.commit()
    repo.files({"scripts/generate_schema.py": NEWER["match"]})
    repo.stage()
    assert rules(run_check(repo.root, None, source=Source.INDEX)) == []
    repo.files({"scripts/generate_schema.py": NEWER["match"] + "print(undefined_here)\n",
                "scripts/other.py": NEWER["match"]})
    repo.stage()
    assert {r[:2] for r in rules(run_check(repo.root, None, source=Source.INDEX))} == {
        ("syntax-error", "scripts/other.py"), ("undefined-name", "scripts/generate_schema.py")}
    repo.files({"scripts/generate_schema.py": PYTHON2["print-statement"], "scripts/other.py": "x = 1\n"})
    repo.stage()
    assert [r[:2] for r in rules(run_check(repo.root, None, source=Source.INDEX))] == [
        ("syntax-error", "scripts/generate_schema.py")]


def test_a_formatter_pattern_that_does_not_compile_declares_nothing(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.8"\n[tool.black]\nexclude = "scripts/(["\n'
                                  'force-exclude = 3\n', "app.py": "x = 1\n"})
    repo.commit()
    repo.files({"scripts/new.py": NEWER["match"]})
    repo.stage()
    found = rules(run_check(repo.root, None, source=Source.INDEX))
    assert [r[:2] for r in found] == [("syntax-error", "scripts/new.py")]
