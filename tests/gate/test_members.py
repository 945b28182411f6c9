"""`missing-member`: class and instance attributes judged through the MRO of repository classes, with the
silent side (anything that can provide an attribute no definition shows) next to each reported case."""

from __future__ import annotations

import textwrap

from support.gate_repo import Repo, rules

MODELS = {"pkg/__init__.py": "", "pkg/models.py": """
    class Base:
        kind = "base"

        def __init__(self, name):
            self.name = name

        def describe(self):
            return self.name


    class Order(Base):
        TAX = 0.2
        total: float

        def refund(self):
            return 1

        @property
        def price(self):
            return 2
    """}


def check(repo: Repo, files: dict[str, str]) -> list[tuple[str, str, int]]:
    repo.files(files)
    repo.commit()
    return rules(repo.check(all_files=True))


def test_class_and_instance_members_through_the_mro(repo: Repo) -> None:
    found = check(repo, {**MODELS, "app.py": """
        from pkg.models import Order
        from pkg import models


        def main():
            order = Order("x")
            order.refund(), order.describe(), order.kind, order.name, order.price, order.total
            order.removed_method()
            Order.TAX, Order.refund, Order.mro()
            Order.TAXES
            models.Order.describe
            models.Order.gone
        """})
    assert found == [("missing-member", "app.py", 8), ("missing-member", "app.py", 10),
                     ("missing-member", "app.py", 12)]


def test_self_and_super_members(repo: Repo) -> None:
    assert check(repo, {**MODELS, "pkg/shop.py": """
        from pkg.models import Order


        class Cart(Order):
            def checkout(self):
                return self.refund() + self.TAX + self.name + super().describe()

            def broken(self):
                return self.refnd() + super().refund_all()
        """}) == [("missing-member", "pkg/shop.py", 9), ("missing-member", "pkg/shop.py", 9)]


def test_silent_when_the_mro_is_not_all_plain_repository_classes(repo: Repo) -> None:
    assert check(repo, {**MODELS, "pkg/more.py": """
        import dataclasses
        import enum
        from collections import OrderedDict


        class FromDict(OrderedDict):
            pass


        class Dyn:
            def __getattr__(self, name):
                return name


        class Slotted:
            __slots__ = ("a",)


        class Meta(type):
            pass


        class WithMeta(metaclass=Meta):
            pass


        @dataclasses.dataclass
        class Data:
            x: int = 0


        class Color(enum.Enum):
            RED = 1


        class Setter:
            def __init__(self, **kw):
                for k, v in kw.items():
                    setattr(self, k, v)


        def use():
            FromDict().anything, Dyn().anything, Slotted().a, WithMeta().anything
            Data().anything, Color.RED, Color.BLUE, Setter(a=1).a
        """}) == []


def test_silent_when_the_attribute_is_put_on_objects_from_outside(repo: Repo) -> None:
    assert check(repo, {**MODELS, "pkg/plugins.py": """
        def install(order):
            order.discount = 0.1
        """, "app.py": """
        from pkg.models import Order
        from pkg.plugins import install


        def main():
            order = Order("x")
            install(order)
            if hasattr(order, "coupon"):
                order.coupon
            return order.discount
        """}) == []


def test_silent_unless_the_binding_is_certain(repo: Repo) -> None:
    assert check(repo, {**MODELS, "app.py": """
        from pkg.models import Order, Base


        def rebound(flag):
            order = Order("x")
            if flag:
                order = object()
            return order.anything


        def factory():
            order = make_order()
            return order.anything


        def make_order():
            return Order("y")


        def guarded():
            order = Order("z")
            try:
                return order.anything
            except AttributeError:
                return None
        """}) == []


def test_mixins_and_subclasses_from_elsewhere_keep_self_silent(repo: Repo) -> None:
    assert check(repo, {**MODELS, "pkg/views.py": """
        from threading import Thread


        class LoginMixin:
            def dispatch(self):
                return self.request


        class Plain:
            def run(self):
                return self.extra


        class Mixed(Plain, Thread):  # a class from outside the repository may provide anything
            pass
        """}) == []


def test_removed_method_blocks_in_dependents(repo: Repo) -> None:
    repo.files({**MODELS, "app.py": """
        from pkg.models import Order


        def main():
            order = Order("x")
            return order.refund() + Order.TAX
        """})
    repo.commit()
    repo.write("pkg/models.py", MODELS["pkg/models.py"].replace("def refund", "def refund_all")
               .replace("TAX = 0.2", "RATE = 0.2"))
    repo.stage()
    result = repo.check()
    assert rules(result) == [("missing-member", "app.py", 6), ("missing-member", "app.py", 6)]
    assert "did you mean `refund_all`?" in {f.suggestion for f in result.findings}


def test_precommit_reports_members_only_for_what_the_change_removed(repo: Repo) -> None:
    repo.files({**MODELS, "app.py": """
        from pkg.models import Order


        def main():
            return Order("x").refund() + Order.ALREADY_MISSING
        """})
    repo.commit()
    repo.write("pkg/models.py", textwrap.dedent(MODELS["pkg/models.py"]) + "\n\ndef unrelated():\n    return 1\n")
    repo.stage()
    assert rules(repo.check()) == []


def test_every_way_a_class_assigns_its_own_attributes_counts(repo: Repo) -> None:
    assert check(repo, {**MODELS, "pkg/kinds.py": """
        class Commented:
            def __init__(  # noqa: PLR0913
                self,
                x,
            ):
                self._x = x

            def get(self):
                return self._x


        class Closure:
            def run(self):
                def handler(title):
                    self.got_title = title
                return handler

            def check(self):
                return self.got_title


        class Registry:
            @classmethod
            def subscribe(cls, listener):
                cls.listener = listener

            def fire(self):
                return self.listener()


        class Bag:
            def __init__(self, **kw):
                self.__dict__.update(kw)

            def read(self):
                return self.anything


        def use():
            return Commented(1)._x, Closure().got_title, Registry().listener, Bag().anything
        """}) == []


def test_classes_that_change_what_their_instances_are_stay_silent(repo: Repo) -> None:
    assert check(repo, {**MODELS, "pkg/geo.py": """
        class Geometry:
            def __init__(self, kind):
                self.__class__ = KINDS[kind]


        class Polygon(Geometry):
            def add(self, ring):
                return ring


        KINDS = {"polygon": Polygon}


        class Factory:
            def __new__(cls, kind):
                return KINDS[kind](kind)


        def use():
            g = Geometry("polygon")
            f = Factory("polygon")
            return g.add(1), f.add(2)
        """}) == []


def test_a_member_of_a_fresh_instance(repo: Repo) -> None:
    assert check(repo, {**MODELS, "app.py": """
        from pkg import models


        def main():
            return models.Order("x").refund(), models.Order("y").refnd(), models.Order.__name__
        """}) == [("missing-member", "app.py", 5)]


def test_a_class_handed_to_a_module_level_call_may_gain_members(repo: Repo) -> None:
    # SQLAlchemy's classical mapping (`mapper(Page, pages)`) gives the class its columns as attributes: no
    # definition shows them. Handing a class to `isinstance`/`print` gives it nothing, so that is still judged.
    files = {
        "wiki/__init__.py": "",
        "wiki/db.py": "from sqlalchemy.orm import mapper\n\n\nclass Page:\n    def __init__(self, name):\n"
                      "        self.name = name\n\n\nclass Revision:\n    pass\n\n\nclass Paged(Page, Revision):\n"
                      "    pass\n\n\nmapper(Revision, 'revisions')\nprint(Page)\n",
        "wiki/mapping.py": "from sqlalchemy.orm import mapper\nfrom wiki.db import Page\n\nmapper(Page, 'pages')\n",
        "wiki/actions.py": "from wiki.db import Page, Paged, Revision\n\n\ndef show(name):\n"
                           "    page = Page(name)\n    rev = Revision()\n    both = Paged(name)\n"
                           "    return page.page_id, rev.revision_id, both.revision_id, Revision.query\n",
    }
    assert [r for r in check(repo, files) if r[0] == "missing-member"] == []
    found = check(repo, {"wiki/mapping.py": "from wiki.db import Page\n\nprint(isinstance(Page, type))\n"})
    assert [r for r in found if r[0] == "missing-member"] == [("missing-member", "wiki/actions.py", 8)]


def test_an_instance_bound_once_in_its_function(repo: Repo) -> None:
    # each test function binds `order` once: the whole file binding it many times does not matter
    assert check(repo, {**MODELS, "tests/test_orders.py": """
        from pkg.models import Order


        def test_one():
            order = Order("x")
            assert order.refund() and order.refnd()


        def test_two():
            order = Order("y")
            assert order.describe() and order.describ()


        def test_rebound(flag):
            order = Order("z")
            for order in [object()]:
                pass
            return order.anything


        def test_closure():
            order = Order("w")

            def inner():
                order = object()
                return order

            return order.anything, inner()


        def test_parameter(order=None):
            order = Order("v")
            return order.anything
        """}) == [("missing-member", "tests/test_orders.py", 6), ("missing-member", "tests/test_orders.py", 11)]


def test_a_class_the_function_defines_is_not_the_module_class_of_that_name(repo: Repo) -> None:
    """scrapy's `tests/test_item.py`: the module's `class TestItem` holds tests, and each test defines its own
    `class TestItem(Item)`; `i = TestItem()` there is the local class (with its `get_name`), not the module's.
    A function-level import of a class still names the module-level class, and is judged."""
    assert check(repo, {**MODELS, "tests/test_item.py": """
        from pkg.models import Base


        class TestItem:
            def test_custom_methods(self):
                class TestItem(Base):
                    def get_name(self):
                        return self.name

                i = TestItem("x")
                return i.get_name(), TestItem("y").get_name()

            def test_parameter(self, Order):
                return Order().anything

            def test_lambda(self):
                make = lambda TestItem: TestItem().anything
                return make

            def test_imported_here(self):
                from pkg.models import Order

                order = Order("z")
                return order.refnd()
        """}) == [("missing-member", "tests/test_item.py", 24)]


def test_a_class_of_the_same_file_read_by_name(repo: Repo) -> None:
    assert check(repo, {"flags.py": """
        import functools


        class Flags:
            FROZEN = 0
            NEST = 1

            def check(self, flag):
                return flag in (Flags.FROZEN, Flags.NEST, Flags.NESTED)


        @functools.total_ordering
        class Decorated:
            A = 1


        class Rebound:
            A = 1


        Rebound = dict


        def use():
            return Flags.FROZEN, Flags.MISSING, Flags.mro(), Decorated.B, Rebound.B


        if use:
            class Conditional:
                A = 1

            print(Conditional.B)
        """}) == [("missing-member", "flags.py", 9), ("missing-member", "flags.py", 25)]


def test_builtin_bases_have_known_members(repo: Repo) -> None:
    assert check(repo, {"conf.py": """
        class Config(dict):
            def load(self, name):
                self.update(name=name)
                return self.from_object(name)


        class Failure(ValueError):
            def show(self):
                return self.args, self.add_note, self.with_traceback, self.detail


        def use():
            c = Config()
            return c.keys(), c.get("a"), c.from_objct(), Failure().show()
        """, "shadow.py": """
        from collections import OrderedDict as dict


        class Shadowed(dict):
            def load(self):
                return self.move_to_end, self.anything
        """, "star.py": """
        from os import *


        class Starred(list):
            def load(self):
                return self.anything
        """}) == [("missing-member", "conf.py", 4), ("missing-member", "conf.py", 9),
                  ("missing-member", "conf.py", 14)]


SESSIONS = {"web/__init__.py": "", "web/sessions.py": """
    class SessionInterface:
        pass


    class CookieSessionInterface(SessionInterface):
        salt = "cookie-session"
        digest = "sha1"

        def signer(self):
            return (self.salt, self.digest)


    class Other:
        salt = "other"
    """, "web/dispatch.py": """
    from web.sessions import CookieSessionInterface


    class Dispatching(CookieSessionInterface):
        def run(self):
            return self.digest
    """}


def test_a_member_the_change_removed_is_judged_for_self(repo: Repo) -> None:
    # `salt` is still a member of another class and the class is named like an interface: in a clean tree
    # that keeps `self.salt` silent, but this commit removed `CookieSessionInterface.salt` while its own
    # method still reads it, and a subclass in another module still reads `digest`
    repo.files(SESSIONS)
    repo.commit()
    repo.write("web/sessions.py", textwrap.dedent(SESSIONS["web/sessions.py"])
               .replace('    salt = "cookie-session"\n', "").replace('    digest = "sha1"\n', ""))
    repo.stage()
    assert rules(repo.check()) == [("missing-member", "web/dispatch.py", 6), ("missing-member", "web/sessions.py", 8),
                                   ("missing-member", "web/sessions.py", 8)]


def test_a_removed_member_a_subclass_still_provides_is_silent(repo: Repo) -> None:
    files = {**SESSIONS, "web/secure.py": """
        from web.sessions import CookieSessionInterface


        class Secure(CookieSessionInterface):
            salt = "secure"
        """}
    repo.files(files)
    repo.commit()
    repo.write("web/sessions.py", textwrap.dedent(SESSIONS["web/sessions.py"]).replace('    salt = "cookie-session"\n', ""))
    repo.stage()
    assert rules(repo.check()) == []


def test_a_removed_member_of_a_class_reached_through_a_package_reexport(repo: Repo) -> None:
    repo.files({"match/__init__.py": "from .tokens import Expect\n",
                "match/tokens.py": "class Expect:\n    RAW = 1\n    BODY = 2\n",
                "test_tokens.py": "from match import Expect\n\n\ndef test_raw():\n    assert Expect.RAW\n"})
    repo.commit()
    repo.write("match/tokens.py", "class Expect:\n    BODY = 2\n")
    repo.stage()
    assert rules(repo.check()) == [("missing-member", "test_tokens.py", 5)]


def test_subclasses_of_another_class_with_the_same_name_do_not_count(repo: Repo) -> None:
    # subclasses are indexed by the base's name: `Writer(writers.Writer)` in another package, and its
    # subclasses defining `manifest`, say nothing about `odt.Writer`
    files = {"writers/__init__.py": "class Writer:\n    def manifest(self):\n        return 1\n",
             "writers/html.py": "from writers import Writer as Base\n\n\nclass Writer(Base):\n    pass\n",
             "odt.py": "from writers import html\n\n\nclass Writer(html.Writer):\n    def write(self):\n"
                       "        return self.meta()\n\n    def meta(self):\n        return 1\n",
             "local-writer.py": "import odt\n\n\nclass Writer(odt.Writer):\n    pass\n",
             "other.py": "class Writer:\n    pass\n\n\nclass Fancy(Writer):\n    def meta(self):\n        return 2\n"}
    repo.files(files)
    repo.commit()
    repo.write("odt.py", files["odt.py"].replace("    def meta(self):\n        return 1\n", ""))
    repo.stage()
    assert rules(repo.check()) == [("missing-member", "odt.py", 6)]


def test_an_instance_handed_to_a_call_may_gain_attributes(repo: Repo) -> None:
    # `set_property(foo, worker)` gives `foo` a property named after the function (it swaps the class)
    assert check(repo, {"helpers.py": """
        class Dummy:
            pass


        def set_property(obj, func):
            cls = type(obj)
            obj.__class__ = type(cls.__name__, (cls,), {func.__name__: property(func)})


        def test_callable():
            def worker(obj):
                return 1

            foo = Dummy()
            set_property(foo, worker)
            return foo.worker


        def test_looked_at_only():
            foo = Dummy()
            print(foo, isinstance(foo, Dummy))
            return foo.worker
        """}) == [("missing-member", "helpers.py", 22)]


def test_a_class_whose_bases_are_unpacked_has_an_open_mro(repo: Repo) -> None:
    """`class Error(*bases)` (bases chosen at import: aiohttp's `*cert_errors_bases`, an ssl class or ValueError)
    and `class Model(**options)` (a metaclass may be among them) derive from classes no statement names: their
    members are unknown, never missing. A class with a plain base list is still judged."""
    found = check(repo, {"pkg/__init__.py": "", "pkg/errors.py": """
        class ConnectorError(Exception):
            @property
            def os_error(self):
                return None


        CHOSEN = (ConnectorError, OSError)
        OPTIONS = {}


        class CertificateError(*CHOSEN):
            pass


        class Configured(**OPTIONS):
            pass


        class Plain(ConnectorError):
            pass
        """, "app.py": """
        from pkg.errors import CertificateError, Configured, Plain


        def main():
            err = CertificateError()
            err.os_error, err.errno, err.strerror
            Configured().anything
            Plain().os_error
            Plain().gone
        """})
    assert found == [("missing-member", "app.py", 9)]
