"""Facts extracted from single files."""

from __future__ import annotations

import sys

import pytest

from bot.graph.model import FileFacts
from bot.graph.python_parser import blob_sha, parse_python

TARGET = (3, 11)


def facts(src: str) -> FileFacts:
    return parse_python(src.encode(), TARGET)


def test_blob_sha_matches_git() -> None:
    assert blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_every_module_binding_form() -> None:
    f = facts(
        "import os.path\n"
        "import json as j\n"
        "from pkg import a as b, c\n"
        "def fn(): pass\n"
        "async def afn(): pass\n"
        "class K: pass\n"
        "x = y = 1\n"
        "p, (q, *r) = 1, (2, 3)\n"
        "s += 1\n"
        "t: int\n"
        "u: int = 2\n"
        "for i, k in []: pass\n"
        "with open('f') as fh, open('g') as (g1, g2): pass\n"
        "try:\n    pass\nexcept Exception as err:\n    pass\n"
        "if (w := 3): pass\n"
        "def setter():\n    global gl\n    gl = 1\n"
        "match x:\n    case [m1, *mrest]: pass\n    case {'k': mv}: pass\n    case Point(x=px) as pt: pass\n"
        "del x\n"
    )
    expected = {"os", "j", "b", "c", "fn", "afn", "K", "x", "y", "p", "q", "r", "s", "t", "u", "i", "k", "fh",
                "g1", "g2", "err", "w", "gl", "setter", "m1", "mrest", "mv", "px", "pt"}
    assert expected <= f.module_names
    assert "a" not in f.module_names and "pkg" not in f.module_names


def test_definitions_signatures_and_metadata() -> None:
    f = facts(
        "def f(a, b=1, /, c=2, *args, d, e=3, **kw):\n    '''First line.\n\n    More.'''\n"
        "@dec.x(1)\nasync def g(self, *, k: int = 2, t: str): ...\n"
        "def h(x: int, *rest: str, **opts: int): ...\n"
        "class C(Base, mod.B, metaclass=M):\n    '''Doc.'''\n    attr = 1\n    def m(self, y): ...\n"
        "    class Inner:\n        def deep(self): ...\n"
        "if X:\n    def cond(): ...\n"
    )
    by = {d.qualname: d for d in f.definitions}
    assert by["f"].signature is not None
    assert by["f"].signature.text() == "(a, b=..., /, c=..., *args, d, e=..., **kw)"
    assert by["f"].doc == "First line."
    assert by["g"].is_async and by["g"].decorators == ("dec.x(1)",)
    assert [p.kind for p in by["g"].signature.params] == ["normal", "kwonly", "kwonly"]  # type: ignore[union-attr]
    assert [p.kind for p in by["h"].signature.params] == ["normal", "vararg", "kwarg"]  # type: ignore[union-attr]
    assert by["C"].bases == ("Base", "mod.B") and by["C"].metaclass and by["C"].doc == "Doc."
    assert by["C.attr"].kind == "variable" and by["C.m"].kind == "function"
    assert by["C.Inner.deep"].kind == "function"
    assert by["cond"].conditional and not by["f"].conditional
    assert by["f"].line == 1 and by["g"].line == 5


def test_imports_scopes_and_guards() -> None:
    f = facts(
        "import a.b as c, d.e\n"
        "from ..m import x as y, z\n"
        "from . import *\n"
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n"
        "if TYPE_CHECKING:\n    from typing import Any\n"
        "if typing.TYPE_CHECKING:\n    import t1\n"
        "if sys.version_info >= (3, 11):\n    import tomllib\n"
        "if sys.platform == 'win32':\n    import winreg\n"
        "if PY2:\n    import urllib2\n"
        "if debug:\n    import plain\n"
        "def f():\n    import inner\n"
        "class K:\n    import in_class\n"
    )
    by = {(i.module, i.name): i for i in f.imports}
    assert by[("a.b", None)].alias == "c"
    assert by[("d.e", None)].alias is None
    assert by[("m", "x")].level == 2 and by[("m", "x")].alias == "y"
    assert by[("", "*")].level == 1
    for guarded in ("yaml", "t1", "tomllib", "winreg", "urllib2"):
        assert by[(guarded, None)].guarded, guarded
    assert by[("typing", "Any")].guarded
    assert not by[("plain", None)].guarded
    assert by[("inner", None)].scope == "function"
    assert by[("in_class", None)].scope == "class"
    assert by[("a.b", None)].scope == "module"


def test_attribute_chains_and_rebinding() -> None:
    f = facts(
        "import os\nimport pkg.mod\nimport json\nimport shadow\nfrom pkg import sub\n"
        "os.path.join('a')\n"
        "pkg.mod.helper\n"
        "sub.thing = 1\n"
        "def f(json):\n    return json.dumps(1)\n"
        "for shadow in []: pass\n"
        "shadow.x\n"
        "try:\n    os.missing\nexcept AttributeError:\n    pass\n"
        "with pytest.raises(AttributeError):\n    os.gone\n"
    )
    uses = {(u.base, u.attrs): u for u in f.attr_uses}
    assert ("os", ("path", "join")) in uses
    assert ("pkg", ("mod", "helper")) in uses
    assert uses[("sub", ("thing",))].store
    assert not any(u.base in ("json", "shadow") for u in f.attr_uses)
    assert uses[("os", ("missing",))].guarded
    assert uses[("os", ("gone",))].guarded
    assert not uses[("os", ("path", "join"))].guarded


def test_calls() -> None:
    f = facts(
        "from m import f\nimport mod\n"
        "def local(a): pass\n"
        "class C:\n    def meth(self):\n        f(1, 2, k=3)\n        mod.g(*a, **kw)\n"
        "local(x for x in y)\n"
        "C.meth(c)\n"
        "len([])\n"
    )
    calls = {c.callee: c for c in f.calls}
    assert calls["f"].n_positional == 2 and calls["f"].keywords == ("k",) and calls["f"].caller == "C.meth"
    assert calls["mod.g"].star and calls["mod.g"].starstar
    assert calls["local"].n_positional == 1 and calls["local"].caller == ""
    assert "C.meth" in calls
    assert "len" not in calls


def test_backslash_continuation_is_not_an_argument() -> None:
    f = facts("import m\nm.f(1, \\\n  2)\nm.g(a, \\\n  b=3)\nm.h('a\\\\n', 2)\n")
    calls = {c.callee: c for c in f.calls}
    assert calls["m.f"].n_positional == 2
    assert calls["m.g"].n_positional == 1 and calls["m.g"].keywords == ("b",)
    assert calls["m.h"].n_positional == 2


def test_keyword_naming_a_positional_only_parameter() -> None:
    from bot.graph.model import CallSite, Param, Signature

    def call(n_positional: int, *keywords: str) -> CallSite:
        return CallSite("f", 1, 0, 1, n_positional, keywords, False, False)

    with_kwargs = Signature((Param("a", "posonly", False), Param("kw", "kwarg", False)))
    assert with_kwargs.rejects(call(1, "a")) is None  # `a=` lands in **kw
    assert "missing" in (with_kwargs.rejects(call(0, "a")) or "")
    plain = Signature((Param("a", "posonly", False),))
    assert "positional-only" in (plain.rejects(call(1, "a")) or "")
    normal = Signature((Param("a", "normal", False),))
    assert "multiple values" in (normal.rejects(call(1, "a")) or "")


def test_class_member_shadows_an_import_only_in_the_class_body() -> None:
    f = facts(
        "import locale\n"
        "class C:\n"
        "    def locale(self):\n"
        "        return locale.x1()\n"
        "    x = locale.x2()\n"
        "    y = lambda: locale.x3()\n"
        "def f():\n"
        "    return locale.x4()\n"
    )
    assert [u.attrs[0] for u in f.attr_uses] == ["x1", "x3", "x4"]


def test_all_and_dynamic() -> None:
    assert facts("__all__ = ['a', 'b']\na = b = 1\n").all_names == ("a", "b")
    extended = facts("__all__ = ['a']\n__all__ += ['b']\n")
    assert extended.all_names is None and extended.all_dynamic
    assert facts("__all__ = ['a']\n__all__.extend(x)\n").all_dynamic
    assert facts("__all__ = names()\n").all_names is None
    assert facts("def __getattr__(name): ...\n").dynamic
    assert facts("for k in 'xy':\n    globals()[k] = 1\n").dynamic
    literal = facts("globals()['x'] = 1\nglobals().setdefault('y', 2)\n")  # binds those names only
    assert not literal.dynamic and not literal.doubts.self_writing and {"x", "y"} <= literal.module_names
    assert facts("globals().update(d)\n").dynamic
    assert facts("import sys\nsys.modules[__name__] = X()\n").dynamic
    assert facts("__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n").path_dynamic
    assert not facts("def f():\n    return dict(locals())\n").dynamic
    assert not facts("x = 1\n").dynamic


def test_suppressions() -> None:
    f = facts("a = 1  # yantra: ignore\nb = 2  # yantra: ignore[missing-symbol, arity-mismatch]\n")
    assert f.suppressions == ((1, ()), (2, ("missing-symbol", "arity-mismatch")))


def test_parse_ok_follows_cpython() -> None:
    assert facts("x = 1\n").parse_ok
    bad = facts("def f(:\n")
    assert not bad.parse_ok
    assert any(i.rule == "syntax-error" for i in bad.issues)


def test_hostile_inputs_never_raise() -> None:
    import random

    rnd = random.Random(7)
    inputs = [
        b"",
        bytes(rnd.getrandbits(8) for _ in range(20_000)),
        b"\xff\xfe\x00garbage\x80\x81",
        b"x = '\xe9'\n",
        b"(" * 5000 + b")" * 5000 + b"\n",
        b"if x:\n" + b"".join(b" " * i + b"if x:\n" for i in range(1, 1000)) + b" " * 1000 + b"pass\n",
        b"class A:\n" + b"".join(b" " * i + b"class A:\n" for i in range(1, 300)) + b" " * 300 + b"pass\n",
        b"# filler line\n" * 800_000,  # ~10 MB
        b"x = 1\x00\n",
    ]
    for data in inputs:
        f = parse_python(data, TARGET)
        assert f.sha == blob_sha(data)
    huge = parse_python(b"x = 1\n" * 400_000, TARGET)
    assert huge.dynamic and huge.path_dynamic and huge.all_dynamic  # not analysed: rules stay silent


def test_module_getattr_serving_literal_names_is_not_dynamic() -> None:
    served = facts("def __getattr__(name):\n    import warnings\n    if name == '__version__':\n        return 1\n"
                   "    if name in ('a', \"b\"):\n        return 2\n    raise AttributeError(name)\n")
    assert not served.dynamic and {"__version__", "a", "b"} <= served.module_names
    assert facts("def __getattr__(name):\n    if name in LAZY:\n        return 1\n    raise AttributeError\n").dynamic
    assert facts("def __getattr__(name):\n    return lookup(name)\n").dynamic


def test_every_getattr_the_module_binds_is_judged_once_and_a_classs_is_not_the_modules() -> None:
    """One judgement (`python_doubts`) decides for the module's names and for its doubts alike: a `__getattr__`
    defined under a version test or a `try`, answering names joined by `or`, is closed; one assigned or imported
    answers anything; a class's own `__getattr__` (defined or assigned) is not the module's."""
    guarded = facts("import sys\nif sys.version_info >= (3, 7):\n    def __getattr__(name):\n"
                    "        if name == 'OLD' or name in ('A', 'B'):\n            return 1\n"
                    "        raise AttributeError(name)\n")
    assert not guarded.dynamic and not guarded.doubts.getattr_open
    assert {"OLD", "A", "B"} <= guarded.module_names and guarded.doubts.getattr_names == ("A", "B", "OLD")
    opened = facts("try:\n    import x\nexcept ImportError:\n    def __getattr__(name):\n        return name\n")
    assert opened.dynamic and opened.doubts.getattr_open
    for source in ("from ._impl import __getattr__\n", "__getattr__ = make_getattr(__name__)\n",
                   "if True:\n    __getattr__ = make_getattr(__name__)\n"):
        assert facts(source).dynamic and facts(source).doubts.getattr_open, source
    for source in ("class Proxy:\n    def __getattr__(self, name):\n        return name\n",
                   "class Proxy:\n    __getattr__ = dict.__getitem__\n"):
        assert not facts(source).dynamic and not facts(source).doubts.getattr_open, source


def test_local_rebinding_only_shadows_its_own_scope() -> None:
    f = facts(
        "from pkg import base, util\n"
        "def g(util):\n    return util.inner\n"
        "def h():\n    base = 1\n    return base.local\n"
        "class K(base.Outer):\n    def util(self): ...\n    x = util.in_class\n"
        "names = [base.c for base in items]\n"
        "base.kept\nutil.kept\n"
        "def k():\n    return base.kept_in_function()\n"
    )
    got = {(u.base, u.attrs) for u in f.attr_uses}
    assert ("base", ("Outer",)) in got and ("base", ("kept",)) in got and ("util", ("kept",)) in got
    assert ("base", ("kept_in_function",)) in got
    assert not {("util", ("inner",)), ("base", ("local",)), ("util", ("in_class",)), ("base", ("c",))} & got
    assert [c.callee for c in f.calls] == ["base.kept_in_function"]


MEMBERS = '''
from pkg.mod import Cls


class A(Base):
    def __init__(  # a comment before self
            self, x):
        self.x = x
        setattr(self, "y", 1)

    def run(self):
        def later():
            self.late = 1
        return self.x + self.helper() + super().run()

    @staticmethod
    def st(other):
        return other.nothing


def f():
    obj = Cls(1)
    obj.method()
    obj.attr = 2
    return obj.gone


def g():
    thing = Cls()
    thing = None
    return thing.x
'''


def test_member_facts() -> None:
    f = facts(MEMBERS)
    assert [(u.kind, u.owner, u.name, u.line) for u in f.member_uses] == [
        ("self", "A", "x", 14), ("self", "A", "helper", 14), ("super", "A", "run", 14),
        ("instance", "Cls", "method", 23), ("instance", "Cls", "gone", 25)]
    assert f.assigned_on_instances("A") == ("late", "x", "y")
    assert "attr" in f.doubts.attr_stores


def test_facts_survive_the_cache_encoding() -> None:
    from bot.graph.codec import decode, encode

    for src in (MEMBERS, "def __getattr__(name):\n    return name\nrecreate_module(__name__)\n", "x = 1\n"):
        f = facts(src)
        assert decode(encode(f)) == f


def test_decoded_facts_are_ordinary_frozen_instances() -> None:
    """Decoding builds the fact objects without their `__init__` (`bot.graph.codec._Builder`): they are still
    exactly the model's classes, equal, hashable and immutable as ones made by `__init__`."""
    import dataclasses

    from bot.graph.codec import _Builder, decode, encode
    from bot.graph.model import MemberUse, Param

    f = facts(MEMBERS + "def g(a, b=1, *c, d, **e):\n    return helper(a)\n")
    back = decode(encode(f))
    assert back is not None
    objects = [*back.definitions, *back.imports, *back.attr_uses, *back.calls, *back.member_uses,
               *(p for d in back.definitions if d.signature for p in d.signature.params)]
    assert {type(o).__name__ for o in objects} >= {"Definition", "ImportFact", "CallSite", "MemberUse", "Param"}
    for made, again in zip(objects, [*f.definitions, *f.imports, *f.attr_uses, *f.calls, *f.member_uses], strict=False):
        assert type(made) is type(again) and made == again and hash(made) == hash(again) and repr(made) == repr(again)
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.calls[0].line = 0  # type: ignore[misc]
    assert _Builder(Param).build("x", "normal", True) == Param("x", "normal", True)
    assert _Builder(MemberUse).build("self", "A", "x", 1, 0, 1) == MemberUse("self", "A", "x", 1, 0, 1)  # a default

    @dataclasses.dataclass(frozen=True)
    class Loose:
        a: int

    with pytest.raises(TypeError):
        _Builder(Loose)


@pytest.mark.skipif(sys.version_info >= (3, 15), reason="this interpreter reads Python 3.15's syntax itself")
@pytest.mark.parametrize("target", [(3, 10), (3, 15)])
def test_a_python_315_file_has_whole_facts(target: tuple[int, int]) -> None:
    """tree-sitter's grammar stops at lazy imports and comprehension unpacking; the facts come from the file
    written for an older Python, with the same lines and columns: its imports, definitions and calls."""
    f = parse_python(b"lazy import json\nlazy from pkg.util import helper as h\n\n"
                     b"def flat(its):\n    return [*it for it in its]\n\n"
                     b"class Box:\n    def merged(self, dicts):\n        return {**d for d in dicts}\n\n"
                     b"h(json.dumps(flat([[1]])))\n", target)
    assert f.parse_ok
    assert [(i.module, i.name, i.alias, i.line, i.col) for i in f.imports] == [
        ("json", None, None, 1, 0), ("pkg.util", "helper", "h", 2, 0)]
    assert {d.qualname for d in f.definitions} >= {"flat", "Box", "Box.merged"}
    assert {"h", "flat", "json.dumps"} <= {c.callee for c in f.calls}
    assert [i.message.endswith("(target Python 3.10)") for i in f.issues] == ([True] if target < (3, 15) else [])
