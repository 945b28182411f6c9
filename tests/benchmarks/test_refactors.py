"""The refactor mutator on a tiny synthetic project: every mutation it keeps really breaks, and the
refactors that would not break (a default the caller passes anyway, an attribute the base class still
provides, a re-export nobody imports) are dropped.

Each kept mutation is applied to a copy of the project and the program is run with CPython: it must fail
with the kind's exception, with a traceback frame on an expected path and inside the expected line range.
Nothing is downloaded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root holds `benchmarks/`

from benchmarks.mutations import Mutation, apply
from benchmarks.refactors import REFACTOR_KINDS, binds, collect_refactors, signature_of

INIT = "from .helpers import greet, shout\n"

HELPERS = '''\
def greet(name, punct="!"):
    return "hi " + name + punct


def shout(text, *, times=1):
    return text.upper() * times


def polite(name, punct="."):
    return name + punct


def flexible(a, **kw):
    return a


class Base:
    colour = "red"
    kind = "base"

    def size(self):
        return 1


class Box(Base):
    label = "box"
    kind = "box"
    shape = "cube"
    tag = shape + "!"

    def open(self):
        return self.label + str(self.size())

    def close(self):
        return "closed"
'''

TOOLS = '''\
import os


def twice(x):
    return 2 * x + len(os.sep) - 1
'''

APP = '''\
from pkg import greet
from pkg.helpers import shout, Box, flexible, polite
from pkg import tools


def main():
    b = Box()
    print(greet(name="w"), shout("a", times=2), flexible(1, z=3), polite("w", "?"))
    print(Box.label, Box.kind, b.close(), b.open(), tools.twice(2))
'''

RUN = "import pkg.app\n\npkg.app.main()\n"

EXPECTED_ERROR = {"keyword_rename": ("TypeError",), "default_removed": ("TypeError",),
                  "kwonly_inserted": ("TypeError",), "reexport_removed": ("ImportError",),
                  "def_moved": ("ImportError", "AttributeError"), "method_removed": ("AttributeError", "NameError"),
                  "class_attr_removed": ("AttributeError", "NameError"),
                  "module_renamed": ("ImportError", "ModuleNotFoundError")}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    files = {"pkg/__init__.py": INIT, "pkg/helpers.py": HELPERS, "pkg/tools.py": TOOLS, "pkg/app.py": APP,
             "run.py": RUN}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    proc = subprocess.run([sys.executable, "run.py"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr  # the clean project runs
    return root


def run_broken(project: Path, mutation: Mutation, tmp_path: Path) -> str:
    copy = tmp_path / f"copy-{mutation.id.replace(':', '-')}"
    shutil.copytree(project, copy)
    apply(copy, mutation)
    proc = subprocess.run([sys.executable, "run.py"], cwd=copy, capture_output=True, text=True)
    assert proc.returncode != 0, f"{mutation.id} ({mutation.note}) did not break the program"
    return proc.stderr


def test_every_refactor_kind_is_generated_and_really_breaks_at_an_expected_site(project: Path,
                                                                                tmp_path: Path) -> None:
    mutations = collect_refactors(project, "demo", 10, 7)
    assert {m.kind for m in mutations} == set(REFACTOR_KINDS)
    for m in mutations:
        stderr = run_broken(project, m, tmp_path)
        frames = [(Path(p).relative_to(tmp_path).parts[1:], int(n))
                  for p, n in re.findall(r'File "([^"]+)", line (\d+)', stderr) if p.startswith(str(tmp_path))]
        assert any("/".join(parts) == e.path and e.line <= line <= e.end_line
                   for parts, line in frames for e in m.expect), (m.id, m.note, m.expect, stderr)
        last = stderr.strip().splitlines()[-1]
        assert any(err in last for err in EXPECTED_ERROR[m.kind]), (m.id, m.note, stderr)


def test_refactors_that_would_not_break_are_dropped(project: Path) -> None:
    notes = {m.note for m in collect_refactors(project, "demo", 50, 7)}
    # the only call passes `punct`: removing its default breaks nobody
    assert not any("'punct' in pkg.helpers.polite" in n for n in notes)
    # Base still provides `kind` when Box's is removed, and Box overrides Base's
    assert not any(n.endswith(".kind") for n in notes)
    # nobody reads `colour`, nobody imports `shout` from the package
    assert not any(n.endswith(".colour") for n in notes)
    assert "remove re-export pkg.shout" not in notes
    # the kept ones, for contrast
    assert "remove the default of 'punct' in pkg.helpers.greet" in notes
    assert "remove class attribute pkg.helpers.Box.label" in notes
    assert "remove re-export pkg.greet" in notes
    assert "remove method pkg.helpers.Base.size" in notes  # used as self.size() in the subclass
    assert "remove class attribute pkg.helpers.Box.shape" in notes  # read by the class body itself


def test_same_seed_same_refactors_and_seeds_differ(project: Path) -> None:
    assert collect_refactors(project, "demo", 1, 7) == collect_refactors(project, "demo", 1, 7)
    picks = {tuple(m.note for m in collect_refactors(project, "demo", 1, seed)) for seed in range(8)}
    assert len(picks) > 1


def test_deleted_module_is_staged_but_not_passed(project: Path) -> None:
    renamed = [m for m in collect_refactors(project, "demo", 10, 7) if m.kind == "module_renamed"]
    assert renamed
    for m in renamed:
        assert [e.action for e in m.edits] == ["delete", "write"]
        assert m.staged == (m.edits[1].path,)


def test_binding_against_the_signature() -> None:
    import ast

    fn = ast.parse("def f(a, b=1, *, c, **kw): pass").body[0]
    assert isinstance(fn, ast.FunctionDef)
    sig = signature_of(fn)

    def call(src: str) -> ast.Call:
        node = ast.parse(src).body[0]
        assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        return node.value

    assert binds(sig, call("f(1, c=2)")) is True
    assert binds(sig, call("f(1, 2, 3, c=2)")) is False
    assert binds(sig, call("f(1)")) is False
    assert binds(sig, call("f(1, c=2, z=3)")) is True
    assert binds(sig, call("f(*xs)")) is None


def test_refactors_that_cannot_be_proven_to_break_are_dropped(tmp_path: Path) -> None:
    """A module `__getattr__` under an `if` may still serve a removed re-export (falcon.util), another module
    may assign the name on the package (urllib3's `util.IS_PYOPENSSL = True`), and a class that writes
    `self.__dict__.update(settings)` gets any attribute a caller passes (pyramid's view_config with
    `venusian=...`): none of these removals is certain to break, so none is kept."""
    files = {"lib/__init__.py": "import sys\nfrom .impl import run, stop\n\nif sys.version_info >= (3, 7):\n"
                                "    def __getattr__(name):\n        raise AttributeError(name)\n",
             "lib/impl.py": "def run():\n    return 1\n\n\ndef stop():\n    return 0\n",
             "lib/conf.py": "class Config:\n    hook = print\n    mode = 'x'\n\n    def __init__(self, **kw):\n"
                            "        self.__dict__.update(kw)\n\n    def go(self):\n        return self.hook(self.mode)\n",
             "inj/__init__.py": "from .impl import start\n", "inj/impl.py": "def start():\n    return 1\n",
             "inj/pyopenssl.py": "import inj\n\n\ndef inject():\n    inj.start = print\n",
             "app.py": "from lib import run\nimport lib\nfrom lib.conf import Config\nfrom inj import start\n\n\n"
                       "def main():\n    return run(), lib.stop(), Config().go(), start()\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    notes = {m.note for m in collect_refactors(tmp_path, "demo", 50, 7)}
    assert not any(n.startswith(("remove re-export", "remove class attribute")) for n in notes), notes


def test_a_removed_class_attribute_is_not_expected_on_its_own_line(tmp_path: Path) -> None:
    """pyramid: `BadTicket = BadTicket  # for tests` in a class body reads the module's `BadTicket`; deleting the
    statement deletes that read too, so its line is no place a break can be reported. `self.BadTicket` in a
    method is."""
    (tmp_path / "auth.py").write_text("class BadTicket(Exception):\n    pass\n\n\nclass Helper:\n"
                                      "    BadTicket = BadTicket\n    now = None\n\n    def check(self):\n"
                                      "        return self.BadTicket\n")
    removed = [m for m in collect_refactors(tmp_path, "demo", 10, 7, ("class_attr_removed",))
               if m.note.endswith("Helper.BadTicket")]
    assert removed
    for m in removed:
        assert [(e.path, e.line) for e in m.expect] == [("auth.py", 9)]  # `self.BadTicket`, moved up a line


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_members_of_a_class_handed_to_a_call_or_to_type_are_not_removed(tmp_path: Path) -> None:
    """`mapper(Entry, table)` at module level may give the class any attribute (werkzeug's examples map their
    models classically), and `type(name, (FunctionFilter,), {"function": f})` builds subclasses that provide
    the member (pygments' `simplefilter`): neither removal is certain to break, so neither is kept; the same
    member of a class nobody hands off is."""
    _write(tmp_path, {
        "models.py": "def mapper(cls, table):\n    return cls\n\n\nclass Entry:\n    query = None\n    size = 1\n\n"
                     "    def first(self):\n        return self.query\n\n\nmapper(Entry, 'entries')\n",
        "filters.py": "def simplefilter(f):\n    return type(f.__name__, (FunctionFilter,), {'function': f})\n\n\n"
                      "class FunctionFilter:\n    function = None\n    other = None\n\n"
                      "    def filter(self, stream):\n        return self.function(stream), self.other\n",
        "plain.py": "class Plain:\n    query = None\n    size = 1\n\n    def first(self):\n        return self.query\n"})
    notes = {m.note for m in collect_refactors(tmp_path, "demo", 50, 7, ("class_attr_removed",))}
    assert "remove class attribute plain.Plain.query" in notes
    assert not any(n.startswith(("remove class attribute models.", "remove class attribute filters."))
                   for n in notes), notes


def test_self_reads_in_async_methods_are_expected_places(tmp_path: Path) -> None:
    """starlette's `StreamingResponse.stream_response` is an `async def`: its `self.charset` breaks like a
    plain method's once `Response.charset` goes, so it is an expected place too."""
    _write(tmp_path, {"responses.py": "class Response:\n    charset = 'utf-8'\n    media = None\n\n"
                                      "    def render(self, s):\n        return s.encode(self.charset)\n\n\n"
                                      "class Streaming(Response):\n    async def stream(self, s):\n"
                                      "        return s.encode(self.charset)\n"})
    removed = [m for m in collect_refactors(tmp_path, "demo", 10, 7, ("class_attr_removed",))
               if m.note.endswith("Response.charset")]
    assert [[(e.path, e.line) for e in m.expect] for m in removed] == [[("responses.py", 5), ("responses.py", 10)]]


def test_a_read_after_the_object_was_handed_to_a_call_that_may_store_the_name_is_no_expected_place(
        tmp_path: Path) -> None:
    """pyramid's tween tests: `request = DummyRequest(); tween(request); request.exception`, where the tween may
    set `request.__dict__['exception']`: once the object went to such a call the read is not certain to break.
    The read before the call still is."""
    _write(tmp_path, {"tweens.py": "def tween(request):\n    request.__dict__['exception'] = None\n",
                      "test_tweens.py": "from tweens import tween\n\n\nclass DummyRequest:\n    exception = None\n"
                                        "    other = None\n\n\ndef test_it():\n    request = DummyRequest()\n"
                                        "    assert request.exception is None\n    tween(request)\n"
                                        "    assert request.exception is None\n"})
    removed = [m for m in collect_refactors(tmp_path, "demo", 10, 7, ("class_attr_removed",))
               if m.note.endswith("DummyRequest.exception")]
    assert [[(e.path, e.line) for e in m.expect] for m in removed] == [[("test_tweens.py", 10)]]


def test_a_member_of_a_class_subclassed_through_an_unresolved_base_is_not_removed(tmp_path: Path) -> None:
    """poetry-core's `class WheelBuilder(Builder)` imports `Builder` by a path the project model does not
    resolve (the `poetry` namespace package), and sets `format = "wheel"`: `self.format` in `Builder`'s
    methods may be the subclass's. A member that subclass does not provide (`size`), or a member of a class
    nobody subclasses that way, is removed all the same."""
    _write(tmp_path, {"core/builder.py": "class Builder:\n    format = None\n    size = 1\n\n"
                                         "    def build(self):\n        return self.format, self.size\n",
                      "core/wheel.py": "from poetry.core.builder import Builder\n\n\n"
                                       "class WheelBuilder(Builder):\n    format = 'wheel'\n",
                      "core/plain.py": "class Plain:\n    format = None\n    size = 1\n\n"
                                       "    def build(self):\n        return self.format\n"})
    notes = {m.note for m in collect_refactors(tmp_path, "demo", 50, 7, ("class_attr_removed",))}
    assert any(n.endswith("Plain.format") for n in notes), notes
    assert any(n.endswith("Builder.size") for n in notes), notes  # (the subclass does not provide it)
    assert not any(n.endswith("Builder.format") for n in notes), notes
