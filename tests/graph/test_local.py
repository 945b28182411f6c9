"""syntax-error and undefined-name, decided per file content by `local_issues`."""

from __future__ import annotations

import sys

import pytest

from bot.graph.python_local import local_issues

CURRENT = sys.version_info[:2]


def issues(source: str | bytes, target: tuple[int, int] = CURRENT) -> list[tuple[str, int, str]]:
    data = source.encode() if isinstance(source, str) else source
    return [(i.rule, i.line, i.name) for i in local_issues(data, target)]


def test_typo_in_function_is_undefined() -> None:
    src = "def foo():\n    pass\n\ndef bar():\n    return foo_typo()\n"
    assert issues(src) == [("undefined-name", 5, "foo_typo")]


@pytest.mark.parametrize("src", [
    "print(len([]), ExceptionGroup, aiter, anext, EncodingWarning)\n",  # builtins of several versions
    "print(WindowsError, unicode, basestring, xrange, reduce, long, raw_input, file, cmp)\n",
    "print(__file__, __name__, __spec__, __loader__, __builtins__, __debug__, __doc__)\n",
    "class A:\n    x = __qualname__, __module__\n    def f(self):\n        return __class__\n",
    "def f():\n    global late\n    late = 1\n\ndef g():\n    return late\n",
    "for i in range(3):\n    pass\nprint(i)\n",
    "def f():\n    return later\n\nlater = 1\n",
    "try:\n    gone\nexcept NameError:\n    gone = None\n",
    "try:\n    gone\nexcept Exception:\n    pass\n",
    "try:\n    gone\nexcept:\n    pass\n",
    "try:\n    shell = get_ipython().config\nexcept BaseException:\n    shell = None\n",
    "try:\n    print(1)\n    gone\nexcept (ValueError, NameError):\n    pass\n",
    "try:\n    try:\n        foo(0)\n    except:\n        foobarbaz\nexcept:\n    pass\n\ndef foo(a):\n    pass\n",
    "import sys\nif sys.version_info < (3,):\n    text = unicode(basestring)\n",  # Python 2 builtins
    "import sys\nif sys.platform == 'win32':\n    error = WindowsError\n",  # a platform builtin
    "def f(x):\n    y: OnlyLocalAnnotation = 1\n    return y\n",
    "from __future__ import annotations\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
    "    from decimal import Decimal\ndef f(x: Decimal) -> Later:\n    pass\nclass Later:\n    pass\n",
    "oldmod = sys.modules[__name__]\nsetattr(oldmod, 'made', 1)\nprint(made)\n",
    "import sys\nsys.modules[__name__].made = 1\nprint(made)\n",
    "import sys\nexec(code, sys.modules[__name__].__dict__)\nprint(made)\n",
    "from os.path import *\nprint(join_typo)\n",
    "globals()['made'] = 1\nprint(made)\n",
    "globals().update(made=1)\nprint(made)\n",
    "exec('made = 1')\nprint(made)\n",
    "print(eval(compile(source, 'f', 'exec')), made)\n",  # computed statements run in the module namespace
    "import sys\nsetattr(sys.modules[__name__], 'made', 1)\nprint(made)\n",
    "import builtins\nbuiltins.made = 1\nprint(made)\n",
    "print(_('translated'))\n",
    "x = [y for y in range(3)]\n",
    "import os.path\nprint(os.path)\n",
    "del undefined_but_deleted\n",
])
def test_never_reported(src: str) -> None:
    assert [i for i in issues(src) if i[0] == "undefined-name"] == []


@pytest.mark.parametrize("src, name", [
    ("print(eval('1'), made)\n", "made"),  # literal code: it binds nothing (only what it shows)
    ("exec('other = 1')\nprint(made)\n", "made"),
    ("import builtins\nbuiltins.other = 1\nprint(made)\n", "made"),
    ("def f(node):\n    return eval(node.expr)\n\nprint(made)\n", "made"),  # an expression, in a function
    ("import sys\neval(sys.argv[1])(sys.argv[2:])\nprint(made)\n", "made"),  # or at module level (Django's scripts)
    ("def f(obj):\n    return vars(obj)\n\nprint(made)\n", "made"),
])
def test_reported_despite_namespace_reads(src: str, name: str) -> None:
    assert [i[2] for i in issues(src) if i[0] == "undefined-name"] == [name]


@pytest.mark.parametrize("src", [
    "try:\n    print(1)\n    gone()\nexcept Exception:\n    pass\n",
    "try:\n    print(1)\n    x = gone\nexcept:\n    pass\n",
    "try:\n    for x in []:\n        print(gone)\nexcept Exception:\n    pass\n",
])
def test_a_broad_handler_shields_only_a_probe(src: str) -> None:
    """A broad handler around more than one simple statement catches failures, not a name probed on purpose;
    a name that is a whole statement there is raised on purpose (`test_never_reported`)."""
    assert [i[2] for i in issues(src) if i[0] == "undefined-name"] == ["gone"]


def test_eager_annotations_are_evaluated() -> None:
    src = "def f(x: Undefined) -> int:\n    y: Local = 1\n    return y\n\nz: AtModule = 1\n"
    assert issues(src, (3, 11)) == [("undefined-name", 1, "Undefined"), ("undefined-name", 5, "AtModule")]


def test_lazy_annotations_still_name_only_bound_names() -> None:
    """Lazily evaluated annotations are not run at import, but a name bound nowhere breaks
    `typing.get_type_hints` and every type checker: reported as well, with the same line numbers."""
    src = "def f(x: Undefined) -> int:\n    return 1\n"
    expected = [("undefined-name", 2, "Undefined")]
    assert issues("from __future__ import annotations\n" + src, (3, 11)) == expected
    assert issues("from __future__ import division, annotations\n" + src, (3, 11)) == expected
    assert issues(src, (3, 14)) == [("undefined-name", 1, "Undefined")]


def test_replacing_its_own_sys_modules_entry_keeps_the_module_judged() -> None:
    """pygments' lexers/formatters swap a wrapper into sys.modules after copying their dict: the functions
    still look names up in the original globals."""
    src = ("import sys\ndef f():\n    return nope\noldmod = sys.modules[__name__]\nnewmod = type(sys)('x')\n"
           "newmod.__dict__.update(oldmod.__dict__)\nsys.modules[__name__] = newmod\n")
    assert issues(src) == [("undefined-name", 3, "nope")]


def test_ordinary_conditions_are_not_environment_guards() -> None:
    src = "def f(pos, name):\n    if pos or name:\n        return point_between(pos)\n"
    assert issues(src) == [("undefined-name", 3, "point_between")]


def test_reading_globals_does_not_silence() -> None:
    assert issues("x = globals().get('a')\nprint(missing)\n") == [("undefined-name", 2, "missing")]


def test_class_body_and_module_level_uses() -> None:
    assert issues("class A:\n    x = nothing\n") == [("undefined-name", 2, "nothing")]


def test_return_outside_function_is_syntax_error() -> None:
    assert issues("return 1\n") == [("syntax-error", 1, "")]


def test_nonlocal_at_module_level_is_syntax_error() -> None:
    assert issues("nonlocal x\n") == [("syntax-error", 1, "")]


def test_plain_syntax_error_line() -> None:
    assert issues("x = 1\ndef broken(:\n    pass\n") == [("syntax-error", 2, "")]


def test_message_is_cpython_s() -> None:
    (issue,) = local_issues(b"x = (1,\n", CURRENT)
    assert issue.message.startswith("SyntaxError: ") and "never closed" in issue.message


@pytest.mark.parametrize("data", [b"x = 1\0\n", b"x = '\xff\xfe'\n", b"\xff" * 100, bytes(range(256)) * 40])
def test_hostile_bytes_are_syntax_errors_never_crashes(data: bytes) -> None:
    assert [i[0] for i in issues(data)] == ["syntax-error"]


def test_coding_cookie_is_honoured() -> None:
    assert issues(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n") == []


@pytest.mark.parametrize("src", ["x = " + "(" * 5000 + ")" * 5000 + "\n", "x = " + "-" * 100000 + "1\n",
                                 "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n"])
def test_deep_nesting_is_a_syntax_error_not_a_crash(src: str) -> None:
    assert [i[0] for i in issues(src)] == ["syntax-error"]


def test_match_statement_rejected_for_older_target_only() -> None:
    src = "def f(x):\n    match x:\n        case 1:\n            return 1\n"
    assert issues(src, (3, 8)) == [("syntax-error", 3, "")] or issues(src, (3, 8))[0][0] == "syntax-error"
    assert issues(src, (3, 10)) == []


def test_parenthesized_with_single_name_is_valid_everywhere() -> None:
    src = "import threading\nlock = threading.Lock()\nwith (lock):\n    pass\n"
    assert issues(src, (3, 8)) == []


def test_parenthesized_context_managers_need_3_9() -> None:
    src = "with (open('a') as f, open('b') as g):\n    pass\n"
    assert [i[0] for i in issues(src, (3, 8))] == ["syntax-error"]
    assert issues(src, (3, 9)) == []


def test_walrus_is_fine_for_3_8() -> None:
    assert issues("if (n := 10) > 5:\n    print(n)\n", (3, 8)) == []


@pytest.mark.skipif(CURRENT >= (3, 12), reason="needs an interpreter older than 3.12")
def test_newer_syntax_than_interpreter_is_silent_for_newer_target() -> None:
    src = "type Point = tuple[float, float]\n"
    assert issues(src, (3, 12)) == []
    assert [i[0] for i in issues("def broken(:\n", (3, 12))] == ["syntax-error"]


def test_self_documenting_fstring_is_newer_than_a_37_target() -> None:
    src = 'x = 1\ns = f"A({x=}, {x=!r:>10})"\n'
    assert [(rule, line) for rule, line, _ in issues(src, (3, 7))] == [("syntax-error", 2)]
    assert issues(src, (3, 8)) == []


# Python 3.15's forms (PEP 810 lazy imports, PEP 798 unpacking in comprehensions): neither an older CPython nor
# tree-sitter-python 0.25 reads them. They are syntax newer than an older target, and valid for a 3.15 target.
NEXT_ONLY = pytest.mark.skipif(CURRENT >= (3, 15), reason="this interpreter reads Python 3.15's syntax itself")
PY315 = {
    "lazy-import": "lazy import json\nlazy from os import path as p\nprint(json, p)\n",
    "list": "def flat(its):\n    return [*it for it in its]\n",
    "set": "def union(its):\n    return {*it for it in its}\n",
    "dict": "def merged(dicts):\n    return {**d for d in dicts}\n",
    "generator": "def chained(its):\n    return (*it for it in its)\n",
    "several": "a = [*x for x in y1]\nb = [*x for x in y2]\nlazy import os\n",
}


@NEXT_ONLY
@pytest.mark.parametrize("src", PY315.values(), ids=PY315.keys())
def test_python_315_syntax_is_newer_than_an_older_target_and_valid_for_315(src: str) -> None:
    found = local_issues(src.encode(), (3, 10))
    assert [i.rule for i in found if i.rule == "syntax-error"] == ["syntax-error"]
    assert found[0].message.endswith("(target Python 3.10)")
    assert [i for i in local_issues(src.encode(), (3, 15)) if i.rule == "syntax-error"] == []


@NEXT_ONLY
def test_names_of_a_python_315_file_are_still_judged() -> None:
    src = "lazy import json\nprint(json, jsn)\nx = [*it for it in its]\n"
    assert issues(src, (3, 15)) == [("undefined-name", 2, "jsn"), ("undefined-name", 3, "its")]
    assert issues(src, (3, 10))[1:] == [("undefined-name", 2, "jsn"), ("undefined-name", 3, "its")]


@NEXT_ONLY
@pytest.mark.parametrize(("src", "line"), [
    ("lazy import json\ndef broken(:\n    pass\n", 2),  # 3.15's syntax and an error no Python accepts: there
    ("x = (*a)\nlazy import os\n", 1),  # a starred expression outside any comprehension or display
    ("lazy = import_it\nlazy import(os)\n", 2),  # `lazy` must start an import statement
    ("lazy import os\ndef f():\n    from os.path import *\n", 3),
], ids=["broken-def", "lone-star", "lazy-call", "star-import-in-function"])
def test_python_315_syntax_does_not_excuse_another_error(src: str, line: int) -> None:
    found = [i for i in local_issues(src.encode(), (3, 15)) if i.rule == "syntax-error"]
    assert [(i.line, "(target Python" in i.message) for i in found] == [(line, False)]


def test_lazy_as_a_name_is_no_import() -> None:
    assert issues("lazy = 1\nlazy.import_ = 2\nprint(lazy)\n", (3, 10)) == []


@NEXT_ONLY
def test_the_finding_names_the_python_315_form_the_target_lacks() -> None:
    src = b"import os\n\nif os.sep:\n    lazy from json import dumps\n\ndef merged(ds):\n    return {**d for d in ds}\n"
    assert [(i.line, i.col, i.message) for i in local_issues(src, (3, 10)) if i.rule == "syntax-error"] == [
        (4, 4, "SyntaxError: a lazy import (PEP 810) needs Python 3.15 (target Python 3.10)")]
    assert [(i.line, i.col, i.message) for i in local_issues(src[src.index(b"def"):], (3, 12))] == [
        (2, 12, "SyntaxError: unpacking in a comprehension (PEP 798) needs Python 3.15 (target Python 3.12)")]


@NEXT_ONLY
def test_a_file_of_thousands_of_unpackings_is_judged_as_written_not_rewritten_without_end() -> None:
    """Each comprehension unpacking costs one compile of the whole file: a hostile file full of them is judged as
    CPython reads it once the rewrites would cost too much, instead of compiling it thousands of times."""
    few = b"def f(ds):\n    return {**d for d in ds}\n" * 5
    assert [i for i in local_issues(few, (3, 15)) if i.rule == "syntax-error"] == []
    many = b"x = {**d for d in ds}\n" * 20_000
    found = [i for i in local_issues(many, (3, 15)) if i.rule == "syntax-error"]
    assert [(i.line, i.message) for i in found] == [(1, "SyntaxError: dict unpacking cannot be used in dict comprehension")]
