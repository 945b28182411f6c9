"""Recall through the ways code reaches a definition: a package's re-exports, imports inside functions,
relative imports in test packages -- in pre-commit mode, where only dependents of the change are judged."""

from __future__ import annotations

from support.gate_repo import Repo, rules

REEXPORT = {
    "pkg/__init__.py": "from .mod import f, Cls\n",
    "pkg/mod.py": "def f(a, b=1, *, key=None):\n    return a\n\n\nclass Cls:\n    def __init__(self, x):\n"
                  "        self.x = x\n",
    "app.py": "import pkg\nfrom pkg import f\n\n\ndef main():\n    pkg.f(1, key=2)\n    f(1)\n    pkg.Cls(1)\n",
}


def test_resigned_function_is_judged_through_the_package_reexport(repo: Repo) -> None:
    repo.files(REEXPORT)
    repo.commit()
    repo.write("pkg/mod.py", REEXPORT["pkg/mod.py"].replace("b=1, *, key=None", "b, *, keys=None"))
    repo.stage()
    result = repo.check()
    assert rules(result) == [("arity-mismatch", "app.py", 6), ("arity-mismatch", "app.py", 7)]
    assert "unexpected keyword argument 'key'" in result.findings[0].message
    assert "missing required argument(s): 'b'" in result.findings[1].message


def test_unrelated_change_behind_a_reexport_reports_nothing(repo: Repo) -> None:
    repo.files({**REEXPORT, "app.py": "import pkg\n\npkg.f(1, 2, 3)\n"})  # broken before the change
    repo.commit()
    repo.write("pkg/mod.py", REEXPORT["pkg/mod.py"] + "\n\ndef g():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == []


def test_removed_reexport_blocks_its_importers(repo: Repo) -> None:
    repo.files(REEXPORT)
    repo.commit()
    repo.write("pkg/__init__.py", "from .mod import Cls\n")
    repo.stage()
    assert sorted(rules(repo.check())) == [("missing-attribute", "app.py", 6), ("missing-symbol", "app.py", 2)]


def test_imports_inside_functions_are_dependents_too(repo: Repo) -> None:
    repo.files({**REEXPORT, "app.py": """
        def main():
            from pkg.mod import f
            from pkg import mod
            return f(1) + mod.f(2)
        """})
    repo.commit()
    repo.write("pkg/mod.py", REEXPORT["pkg/mod.py"].replace("def f(", "def g("))
    repo.stage()
    assert sorted(rules(repo.check())) == [("missing-attribute", "app.py", 4), ("missing-symbol", "app.py", 2),
                                           ("missing-symbol", "pkg/__init__.py", 1)]


def test_relative_imports_in_a_test_package_are_dependents(repo: Repo) -> None:
    repo.files({"pkg/__init__.py": "", "tests/__init__.py": "",
                "tests/helpers.py": "def make(a):\n    return a\n",
                "tests/test_a.py": "from .helpers import make\nfrom . import helpers\n\n\ndef test_x():\n"
                                   "    make(1)\n    helpers.make(2)\n"})
    repo.commit()
    repo.write("tests/helpers.py", "def make(a, b):\n    return a\n")
    repo.stage()
    assert rules(repo.check()) == [("arity-mismatch", "tests/test_a.py", 6), ("arity-mismatch", "tests/test_a.py", 7)]
