"""Cross-file resolution over real repositories (found / missing / unknown)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.graph import Graph, open_graph
from bot.graph.model import AttrUse, CallSite, ImportFact


def graph_of(make_repo: Callable[..., Path], files: dict[str, str | bytes]) -> Graph:
    root = make_repo(files)
    return open_graph(root, db_path=root.parent / "graph.sqlite")


def imp(g: Graph, path: str, name: str | None = None, module: str | None = None) -> ImportFact:
    facts = g.facts(path)
    assert facts is not None
    for i in facts.imports:
        if (name is None or i.name == name) and (module is None or i.module == module):
            return i
    raise AssertionError(f"no import {module} {name} in {path}")


def status(g: Graph, path: str, name: str | None = None, module: str | None = None) -> str:
    return g.resolver.resolve_import(path, imp(g, path, name, module)).status


def attr(g: Graph, path: str, attrs: tuple[str, ...]) -> AttrUse:
    facts = g.facts(path)
    assert facts is not None
    return next(u for u in facts.attr_uses if u.attrs == attrs)


def call(g: Graph, path: str, callee: str) -> CallSite:
    facts = g.facts(path)
    assert facts is not None
    return next(c for c in facts.calls if c.callee == callee)


def test_flat_layout_found_missing_and_suggestions(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "pkg/__init__.py": "",
        "pkg/helpers.py": "def verify_payment(x): ...\nVALUE = 1\n",
        "pkg/notifications.py": "def send_email(to): ...\n",
        "app.py": "from pkg.helpers import verify_payment, verify_paymnt, send_email, VALUE\n"
                  "from pkg import helpers\nimport pkg.nothere\nimport requests\nfrom os import path\n",
    })
    with g:
        assert status(g, "app.py", "verify_payment") == "found"
        assert status(g, "app.py", "VALUE") == "found"
        assert status(g, "app.py", "helpers") == "found"
        r = g.resolver.resolve_import("app.py", imp(g, "app.py", "verify_paymnt"))
        assert r.missing and r.module == "pkg.helpers" and r.name == "verify_paymnt"
        assert r.suggestions == ("verify_payment",)
        moved = g.resolver.resolve_import("app.py", imp(g, "app.py", "send_email"))
        assert moved.missing and moved.moved_to == ("pkg.notifications",)
        gone = g.resolver.resolve_import("app.py", imp(g, "app.py", None, "pkg.nothere"))
        assert gone.missing and gone.kind == "module" and gone.module == "pkg.nothere"
        assert status(g, "app.py", None, "requests") == "unknown"  # third-party: never missing
        assert status(g, "app.py", "path") == "unknown"  # stdlib


def test_src_layout_and_extra_roots(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "src/lib/__init__.py": "from .core import run\n",
        "src/lib/core.py": "def run(): ...\n",
        "tools/scripts/tool.py": "from lib import run, nope\nimport lib.core\nimport lib.absent\n",
        "pyproject.toml": "[tool.yantra]\nroots = ['tools']\n",
    })
    from bot.config import load_config

    with open_graph(root, load_config(root), db_path=root.parent / "g.sqlite") as g:
        assert g.modules_of("src/lib/core.py")[0] == "lib.core"
        assert "scripts.tool" in g.modules_of("tools/scripts/tool.py")
        assert status(g, "tools/scripts/tool.py", "run") == "found"
        assert status(g, "tools/scripts/tool.py", "nope") == "missing"
        assert status(g, "tools/scripts/tool.py", None, "lib.core") == "found"
        assert status(g, "tools/scripts/tool.py", None, "lib.absent") == "missing"


def test_relative_imports_and_init_reexports(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "pkg/__init__.py": "from .sub.impl import Engine as Motor\nfrom . import sub\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/impl.py": "class Engine: ...\n",
        "pkg/sub/user.py": "from .impl import Engine\nfrom ..sub.impl import Engine as E2\nfrom . import gone\n"
                           "from .. import Motor, Car\nfrom ... import beyond\n",
        "main.py": "from pkg import Motor\nimport pkg\npkg.Motor\npkg.Missing\npkg.sub.impl.Engine\npkg.sub.impl.Gone\n",
    })
    with g:
        u = "pkg/sub/user.py"
        assert status(g, u, "Engine", "impl") == "found"
        assert status(g, u, "Engine", "sub.impl") == "found"  # `from ..sub.impl import Engine as E2`
        assert status(g, u, "gone") == "missing"
        assert status(g, u, "Motor") == "found"
        assert status(g, u, "Car") == "missing"
        assert status(g, u, "beyond") == "unknown"  # beyond the top-level package
        assert status(g, "main.py", "Motor") == "found"
        assert g.resolver.resolve_attr("main.py", attr(g, "main.py", ("Motor",))).found
        missing = g.resolver.resolve_attr("main.py", attr(g, "main.py", ("Missing",)))
        assert missing.missing and missing.kind == "attribute" and missing.module == "pkg"
        assert g.resolver.resolve_attr("main.py", attr(g, "main.py", ("sub", "impl", "Engine"))).found
        assert g.resolver.resolve_attr("main.py", attr(g, "main.py", ("sub", "impl", "Gone"))).missing


def test_all_and_star_imports(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "pkg/__init__.py": "from .a import *\nfrom .b import *\n",
        "pkg/a.py": "__all__ = ['public']\ndef public(): ...\ndef hidden(): ...\n",
        "pkg/b.py": "def other(): ...\ndef _private(): ...\n",
        "pkg/c.py": "from .a import *\nfrom external_lib import *\n",
        "use.py": "from pkg import public, hidden, other, _private, nothing\nfrom pkg.c import whatever\n",
    })
    with g:
        assert status(g, "use.py", "public") == "found"
        assert status(g, "use.py", "other") == "found"
        assert status(g, "use.py", "hidden") == "missing"  # not in a's __all__
        assert status(g, "use.py", "_private") == "missing"
        assert status(g, "use.py", "nothing") == "missing"
        assert status(g, "use.py", "whatever") == "unknown"  # third-party star import


def test_star_import_cycle_terminates(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "p/__init__.py": "",
        "p/x.py": "from .y import *\ndef fx(): ...\n",
        "p/y.py": "from .x import *\ndef fy(): ...\n",
        "use.py": "from p.x import fy, nope\n",
    })
    with g:
        assert status(g, "use.py", "fy") == "found"
        assert status(g, "use.py", "nope") in ("missing", "unknown")


def test_dynamic_modules_are_unknown(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "pkg/__init__.py": "",
        "pkg/lazy.py": "def __getattr__(name): ...\n",
        "pkg/globs.py": "for k in ['made']:\n    globals()[k] = 1\n",
        "pkg/broken.py": "def f(:\n",
        "pkg/ext.py": "from .lazy import anything\n",
        "ns/inner.py": "X = 1\n",
        "use.py": "from pkg.lazy import x\nfrom pkg.globs import made\nfrom pkg.broken import f\n"
                  "from ns import other\nfrom ns.inner import X, Y\nimport pkg.lazy\npkg.lazy.anything\n",
    })
    with g:
        assert status(g, "use.py", "x") == "unknown"
        assert status(g, "use.py", "made") == "unknown"
        assert status(g, "use.py", "f") == "unknown"
        assert status(g, "use.py", "other") == "unknown"  # namespace package
        assert status(g, "use.py", "X") == "found"
        assert status(g, "use.py", "Y") == "missing"
        assert g.resolver.resolve_attr("use.py", attr(g, "use.py", ("lazy", "anything"))).status == "unknown"


def test_guarded_and_outside_assignments(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "mod.py": "x = 1\n",
        "setup_mod.py": "import mod\nmod.injected = 2\n",
        "use.py": "import mod\nmod.injected\nmod.__file__\nmod.absent\n",
    })
    with g:
        assert g.resolver.resolve_attr("use.py", attr(g, "use.py", ("injected",))).found
        assert g.resolver.resolve_attr("use.py", attr(g, "use.py", ("__file__",))).found
        assert g.resolver.resolve_attr("use.py", attr(g, "use.py", ("absent",))).missing


def test_calls_resolve_to_unique_definitions(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "lib/__init__.py": "from .impl import work\n",
        "lib/impl.py": "def work(a, b): ...\n@deco\ndef wrapped(a): ...\nclass K:\n    def m(self): ...\n"
                       "def twice(): ...\ntwice = wrap(twice)\nif X:\n    def cond(): ...\n",
        "app.py": "from lib import work\nfrom lib.impl import wrapped, K, twice, cond\nimport lib.impl as li\n"
                  "def main():\n    work(1)\n    wrapped(1)\n    K()\n    twice()\n    cond()\n    li.work(1, 2)\n"
                  "    li.K.m(k)\n",
    })
    with g:
        target = g.resolver.resolve_call("app.py", call(g, "app.py", "work"))
        assert target is not None and target.path == "lib/impl.py" and target.definition.qualname == "work"
        assert target.definition.signature is not None
        assert target.definition.signature.rejects(call(g, "app.py", "work"))
        assert g.resolver.resolve_call("app.py", call(g, "app.py", "wrapped")) is None  # decorated
        k = g.resolver.resolve_call("app.py", call(g, "app.py", "K"))
        assert k is not None and k.definition.kind == "class"
        assert g.resolver.resolve_call("app.py", call(g, "app.py", "twice")) is None  # rebound
        assert g.resolver.resolve_call("app.py", call(g, "app.py", "cond")) is None  # conditional
        li = g.resolver.resolve_call("app.py", call(g, "app.py", "li.work"))
        assert li is not None and li.definition.qualname == "work"
        m = g.resolver.resolve_call("app.py", call(g, "app.py", "li.K.m"))
        assert m is not None and m.definition.qualname == "K.m"


def test_inherited_members(make_repo: Callable[..., Path]) -> None:
    from bot.graph import UNKNOWN

    g = graph_of(make_repo, {
        "base.py": "class Base:\n    def __init__(self, a): ...\n",
        "child.py": "from base import Base\nimport thirdparty\nclass Child(Base): ...\n"
                    "class Other(thirdparty.X): ...\nclass Plain: ...\n",
        "use.py": "from child import Child, Other, Plain\nChild(1)\nOther()\nPlain()\n",
    })
    with g:
        child = g.resolver.resolve_call("use.py", call(g, "use.py", "Child"))
        assert child is not None
        init = g.resolver.resolve_member(child, "__init__")
        assert init is not UNKNOWN and init is not None and init.path == "base.py"  # type: ignore[union-attr]
        other = g.resolver.resolve_call("use.py", call(g, "use.py", "Other"))
        assert other is not None and g.resolver.resolve_member(other, "__init__") is UNKNOWN
        plain = g.resolver.resolve_call("use.py", call(g, "use.py", "Plain"))
        assert plain is not None and g.resolver.resolve_member(plain, "__init__") is None


def test_script_dirs_and_ambiguous_modules(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "tests/helpers.py": "def h(): ...\n",
        "tests/test_a.py": "from helpers import h, nope\n",
        "other/helpers.py": "def different(): ...\n",
        "tests/admin/__init__.py": "",
        "tests/admin/models.py": "class M: ...\n",
        "tests/test_b.py": "from admin.models import M, Gone\n",
    })
    with g:
        assert g.modules_of("tests/admin/models.py") == ["admin.models", "tests.admin.models"]
        assert status(g, "tests/test_a.py", "h") == "unknown"  # two files claim `helpers`, disagreeing
        assert status(g, "tests/test_b.py", "M") == "found"
        assert status(g, "tests/test_b.py", "Gone") == "missing"


def test_dependents_and_references(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "pkg/__init__.py": "from .core import api\n",
        "pkg/core.py": "def api(): ...\ndef other(): ...\n",
        "a.py": "from pkg import api\napi()\n",
        "b.py": "import pkg.core\npkg.core.other()\n",
        "c.py": "import json\n",
    })
    with g:
        assert g.dependents_of_path("pkg/core.py") == ["b.py", "pkg/__init__.py"]
        assert g.dependencies_of_path("b.py") == ["pkg/core.py"]
        from bot.graph.queries import uses_of_symbol

        uses = {(u.path, u.kind) for u in uses_of_symbol(g, "pkg.core", "api")}
        assert ("pkg/__init__.py", "from") in uses and ("a.py", "from") in uses and ("a.py", "call") in uses
        [api] = g.find_symbol("pkg.core.api")
        assert [r.qualname for r in g.find_symbol("api")] == ["api"]
        assert g.find_symbol("pkg/core.py:other")[0].definition.line == 2
        callers = g.callers(api)
        assert callers == []  # called at module level only
        assert [r.qualname for r in g.callees(g.find_symbol("b.py:other") or api)] == []


def test_importers_of_uses_every_alias(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "src/pkg/__init__.py": "",
        "src/pkg/core.py": "def f(): ...\n",
        "src/pkg/user.py": "from .core import f\n",
        "tests/test_x.py": "from pkg import core\ncore.f()\n",
        "tools/t.py": "import src.pkg.core\n",
        "other.py": "import json\n",
    })
    with g:
        assert g.importers_of(["pkg.core"]) == ["src/pkg/user.py", "tests/test_x.py", "tools/t.py"]
        assert g.importers_of(["pkg"]) == ["src/pkg/user.py", "tests/test_x.py", "tools/t.py"]


def test_plain_directories_are_namespace_packages(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "pkg/__init__.py": "",
        "pkg/templates/page.html": "<p></p>",
        "ns/sub/mod.py": "",
        "ns/sub/data/x.txt": "",
        "use.py": "from pkg import templates, missing\nimport pkg.templates\nfrom ns.sub import data, gone\n",
    })
    with g:
        assert g.layout.dirs["pkg"] == {"pkg"} and g.layout.dirs["ns.sub"] == {"ns/sub"}
        assert status(g, "use.py", "templates") == "unknown"
        assert status(g, "use.py", "missing") == "missing"
        assert status(g, "use.py", None, "pkg.templates") == "unknown"
        assert status(g, "use.py", "data") == "unknown"
        assert status(g, "use.py", "gone") == "unknown"  # ns.sub is a namespace package


def test_calls_into_stubbed_modules_are_not_judged(make_repo: Callable[..., Path]) -> None:
    g = graph_of(make_repo, {
        "lib/__init__.py": "from ._impl import work\n",
        "lib/__init__.pyi": "def work(a: int, **kw: object) -> None: ...\n",
        "lib/_impl.py": "def work(a): ...\n",
        "plain.py": "def work(a): ...\n",
        "typed/__init__.py": "def strict(a): ...\n",
        "typed/__init__.pyi": "def strict(a: int) -> None: ...\n",
        "use.py": "import lib\nimport plain\nimport typed\nlib.work(1, extra=2)\nplain.work(1, 2)\n"
                  "typed.strict(1, 2)\n",
    })
    with g:
        assert g.resolver.resolve_call("use.py", call(g, "use.py", "lib.work")) is None  # the stub accepts it
        assert g.resolver.resolve_call("use.py", call(g, "use.py", "lib.work"), trust_stubs=False) is not None
        strict = g.resolver.resolve_call("use.py", call(g, "use.py", "typed.strict"))
        assert strict is not None  # code and stub both reject the call
        assert g.resolver.resolve_call("use.py", call(g, "use.py", "plain.work")) is not None
        assert "lib/__init__.pyi" not in g.files()


def test_callers_up_to_a_limit_are_the_first_of_all_callers(make_repo: Callable[..., Path]) -> None:
    files = {"core.py": "def api(): ...\n"}
    for i in range(6):  # m0 has two callers, one defined above the other in reverse order of their calls
        files[f"m{i}.py"] = ("from core import api\ndef g():\n    api()\ndef f():\n    api()\n" if i == 0 else
                             f"from core import api\ndef f{i}():\n    return api()\n")
    g = graph_of(make_repo, files)
    with g:
        [api] = g.find_symbol("core.api")
        every = g.callers(api)
        assert [(r.path, r.qualname) for r in every] == [("m0.py", "g"), ("m0.py", "f"),
                                                          *[(f"m{i}.py", f"f{i}") for i in range(1, 6)]]
        for limit in range(8):
            assert g.callers(api, limit=limit) == every[:limit]
        assert g.callers(api, files=1) == every[:2]  # the callers of m0.py only
        assert g.callers(api, limit=1, files=3) == every[:1]
