"""Syntax errors only CPython's code generator reports, found without running it on clean files.

The parser decides syntax with CPython's symbol table (parser, `__future__` and scope checks) and compiles
only files `codegen_suspect` cannot clear: every code-generation-only error class must make a file suspect,
and the issue the parser reports must be exactly the one `compile` gives (message, line, column).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from bot.graph.python_codegen import codegen_suspect
from bot.graph.python_local import local_issues
from bot.graph.python_parser import _machinery, parse_python, python_source

CURRENT = sys.version_info[:2]

# One source per class of error `compile` reports after the symbol table accepted the file (CPython 3.10-3.13),
# with the words of CPython's message.
CODEGEN_ERRORS = [
    ("return 1\n", "'return' outside function"),
    ("def f():\n    class A:\n        return 1\n", "'return' outside function"),
    ("async def f():\n    yield 1\n    return 2\n", "'return' with value in async generator"),
    ("yield 1\n", "'yield' outside function"),
    ("class A:\n    yield 1\n", "'yield' outside function"),
    ("def f(x=(yield)): pass\n", "'yield' outside function"),
    ("lambda x=(yield): 1\n", "'yield' outside function"),
    ("x: (yield) = 1\n", "'yield' outside function"),
    ("async def f():\n    yield from x\n", "'yield from' inside async function"),
    ("await x\n", "'await' outside function"),
    ("def f():\n    await x\n", "'await' outside async function"),
    ("async def f():\n    lambda: await x\n", "'await' outside async function"),
    ("async def f():\n    class A:\n        await x\n", "'await' outside function"),
    ("def f():\n    async for x in y: pass\n", "'async for' outside async function"),
    ("def f():\n    async with x: pass\n", "'async with' outside async function"),
    ("def f():\n    return [x async for x in y]\n", "asynchronous comprehension outside"),
    ("def f():\n    return [await x for x in y]\n", "asynchronous comprehension outside"),
    ("break\n", "'break' outside loop"),
    ("if x:\n    continue\n", "'continue' not properly in loop"),
    ("for x in y:\n    def f():\n        break\n", "'break' outside loop"),
    ("while x:\n    class A:\n        continue\n", "'continue' not properly in loop"),
    ("for x in y:\n    pass\nelse:\n    break\n", "'break' outside loop"),
    ("try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n", "default 'except:' must be last"),
    ("try:\n    pass\nexcept:  # all\n    pass\nexcept ValueError:\n    pass\n", "default 'except:' must be last"),
    ("*a, *b = c\n", "multiple starred expressions in assignment"),
    ("[1 for (*a, *b) in c]\n", "multiple starred expressions in assignment"),
    ("with x as (*a, *b): pass\n", "multiple starred expressions in assignment"),
    ("*a = b\n", "starred assignment target must be in a list or tuple"),
    ("for *a in b: pass\n", "starred assignment target must be in a list or tuple"),
    ("with x as *a: pass\n", "starred assignment target must be in a list or tuple"),
    ("x = *a\n", "can't use starred expression here"),
    ("def f():\n    return *a\n", "can't use starred expression here"),
    ("def f():\n    yield *a\n", "can't use starred expression here"),
    ("*a\n", "can't use starred expression here"),
    ("x += *a\n", "can't use starred expression here"),
    ("".join(f"a{i}, " for i in range(260)) + "*b = c\n", "too many expressions in star-unpacking assignment"),
    ("f(a=1, b=2, a=3)\n", "keyword argument repeated"),
    ("class A(b=1, b=2): pass\n", "keyword argument repeated"),
    ("@d(a=1, a=2)\ndef f(): pass\n", "keyword argument repeated"),
    ("__debug__ = 1\n", "cannot assign to __debug__"),
    ("def f(__debug__): pass\n", "cannot assign to __debug__"),
    ("f(__debug__=1)\n", "cannot assign to __debug__"),
    ("import x as __debug__\n", "cannot assign to __debug__"),
    ("del __debug__\n", "cannot delete __debug__"),
    ("match x:\n    case y: pass\n    case 1: pass\n", "makes remaining patterns unreachable"),
    ("match x:\n    case [a, a]: pass\n", "multiple assignments to name 'a' in pattern"),
    ("match x:\n    case [a] | [b]: pass\n", "alternative patterns bind different names"),
    ("match x:\n    case {1: a, 1: b}: pass\n", "mapping pattern checks duplicate key"),
    ("match x:\n    case C(a=1, a=2): pass\n", "attribute name repeated in class pattern"),
    ("match x:\n    case [*a, *b]: pass\n", "multiple starred names in sequence pattern"),
    ("x = 1\nfrom __future__ import annotations\n", "from __future__ imports must occur at the beginning"),
    ("'''doc'''\nimport os\nfrom __future__ import annotations\n", "from __future__ imports must occur"),
    ("def f():\n    from __future__ import annotations\n", "from __future__ imports must occur"),
    ("".join("    " * i + "for x in y:\n" for i in range(21)) + "    " * 21 + "pass\n",
     "too many statically nested blocks"),
    ("with " + ", ".join(f"a{i}" for i in range(25)) + ": pass\n", "too many statically nested blocks"),
]
if CURRENT >= (3, 11):
    CODEGEN_ERRORS += [
        ("for x in y:\n    try: pass\n    except* E:\n        break\n", "in an except* block"),
        ("def f():\n    try: pass\n    except* E:\n        return\n", "in an except* block"),
    ]
if CURRENT >= (3, 12):
    CODEGEN_ERRORS += [("f'{*a}'\n", "can't use starred expression here")]

# Valid code of the shapes the checks look at: cleared, so the parser does not compile it.
CLEAN = [
    "def f():\n    for x in y:\n        if x:\n            break\n        continue\n    return x\n",
    "def f():\n    yield 1\n    yield from g()\n    return 2\n",
    "g = lambda: (yield)\n",
    "def outer():\n    def inner(x=(yield)):\n        return x\n",
    "async def f():\n    async for x in y:\n        await x\n    async with a, b:\n        pass\n"
    "    return [x async for x in y] + [await z for z in w]\n",
    "while True:\n    try:\n        pass\n    finally:\n        break\n",
    "for a in b:\n    for x in y:\n        pass\n    else:\n        break\n",
    "class A:\n    def f(self):\n        return [*self.a, *self.b]\n",
    "f(*a, *b, **c, **d)\nx = *a, *b\ny = {*a, *b}\nz = (*a,)\nfor q in *a, *b:\n    pass\n",
    "a, *b = c\n[d, *e] = f\nfor g, *h in i:\n    pass\n(j, *k), l = m\n",
    "def f(*args, key=None, **kwargs):\n    return lambda *a, **k: (args, a)\n",
    "f(a=1, b=2, **c)\nclass A(B, metaclass=M, flag=True):\n    pass\n",
    "'''Doc.'''\n# comment\nfrom __future__ import annotations\nfrom __future__ import division\nimport os\n",
    "try:\n    pass\nexcept ValueError:\n    pass\nexcept:\n    pass\n",
    "with open(a) as f, open(b) as g:\n    pass\nwith x as (a, b):\n    pass\n",
    "def f():\n" + "".join("    " * (i + 1) + "for x in y:\n" for i in range(8)) + "    " * 9 + "pass\n",
]


def _suspect(source: str) -> bool:
    data = python_source(source.encode())
    parser, query = _machinery()
    from tree_sitter import QueryCursor

    tree = parser.parse(data)
    caps: dict[str, list[Any]] = QueryCursor(query).captures(tree.root_node)
    return codegen_suspect(data, tree.root_node, caps)


def _compiled_issue(source: str) -> tuple[str, int, int, str] | None:
    (issue, *_) = local_issues(source.encode(), CURRENT) or (None,)  # `compile` decides (nothing cleared)
    if issue is None or issue.rule != "syntax-error":
        return None
    return issue.rule, issue.line, issue.col, issue.message


@pytest.mark.parametrize("source, words", CODEGEN_ERRORS)
def test_every_codegen_error_makes_the_file_suspect_and_is_reported_as_cpython_does(source: str, words: str) -> None:
    expected = _compiled_issue(source)
    assert expected is not None and words in expected[3]  # the table is right: `compile` rejects it
    assert _suspect(source)
    facts = parse_python(source.encode(), CURRENT)
    assert [(i.rule, i.line, i.col, i.message) for i in facts.issues] == [expected]
    assert not facts.parse_ok


@pytest.mark.parametrize("source", CLEAN)
def test_valid_code_is_cleared_and_has_no_syntax_error(source: str) -> None:
    assert _compiled_issue(source) is None
    assert not _suspect(source)
    facts = parse_python(source.encode(), CURRENT)
    assert facts.parse_ok
    assert [i for i in facts.issues if i.rule == "syntax-error"] == []


@pytest.mark.parametrize("source", [
    "x = (1,\n",  # the parser's errors: the symbol table raises, `compile` words them
    "def f(a, a): pass\n",  # a scope error
    "nonlocal x\n",
    "from __future__ import nope\n",
    "x = 1\0\n",
    "def f():\n    x = 1\n    global x\n",
])
def test_errors_before_code_generation_are_cpythons(source: str) -> None:
    expected = _compiled_issue(source)
    assert expected is not None
    facts = parse_python(source.encode(), CURRENT)
    assert [(i.rule, i.line, i.col, i.message) for i in facts.issues] == [expected]


def test_cleared_file_still_gets_its_undefined_names() -> None:
    source = b"def f():\n    return missing_name\n"
    facts = parse_python(source, CURRENT)
    assert [(i.rule, i.name) for i in facts.issues] == [("undefined-name", "missing_name")]
    assert facts.issues == local_issues(source, CURRENT)


@pytest.mark.parametrize("source", [s for s, _ in CODEGEN_ERRORS] + CLEAN)
def test_the_light_query_gives_the_facts_of_the_full_one(source: str) -> None:
    """Without the code-generation patterns nothing is cleared and `compile` decides: the same facts."""
    from bot.graph.codec import encode

    data = source.encode()
    assert encode(parse_python(data, CURRENT, light=True)) == encode(parse_python(data, CURRENT, light=False))
