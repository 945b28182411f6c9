"""The failure text's own evidence: failing statements (`>`), object reprs, pytest's introspection and
exception messages name the code under test; the ranking follows them through the graph."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph, ranked_items

from bot.context.evidence import Clue, failing_lines, named
from bot.context.rank import rank
from bot.context.targets import resolve_target

FILES = {
    "src/pay/__init__.py": "from pay.gateway import Gateway\n",
    "src/pay/gateway.py": '''
        class Gateway:
            def __init__(self, key):
                self.key = key

            def charge(self, amount):
                return amount * 100

            def refund(self, amount):
                return -amount
        ''',
    "src/pay/money.py": '''
        def money(cents):
            return f"{cents / 100:.2f}"


        def parse_money(text):
            return int(float(text) * 100)
        ''',
    "src/pay/audit.py": '''
        class Trail:
            def record(self, event):
                return event


        def audit_setup():
            return Trail()


        def retention_days():
            return 30
        ''',
    "src/pay/bag.py": '''
        class Base:
            def __or__(self, other):
                return Bag(self.items + other.items)


        class Bag(Base):
            def __init__(self, items):
                self.items = items

            def __str__(self):
                return ",".join(self.items)

            def __len__(self):
                return len(self.items)

            def __hash__(self):
                return 0
        ''',
    "src/pay/render.py": '''
        def do_upper(value):
            return value.upper()


        def do_money(value):
            return f"{value:.2f}"


        FILTERS = {"upper": do_upper, "money": do_money}


        def render(template, value):
            name = template.split("|")[1].strip(" }")
            return FILTERS[name](value)
        ''',
    "tests/test_render.py": '''
        from pay.render import render


        def test_money_filter():
            assert render("{{ x|money }}", 5) == "5.00"
        ''',
    "tests/test_refund.py": '''
        import pytest
        from pay import Gateway
        from pay.money import parse_money


        def test_refund_rejects_negative():
            with pytest.raises(ValueError):
                Gateway(parse_money("1")).refund(-5)
        ''',
    "src/pay/tax.py": '''
        def tax(cents):
            """Tax on an amount.

            The rate is the standard rate of the
            country the gateway was opened in.
            """
            return cents // 5
        ''',
    "tests/test_tax.py": '''
        from pay.tax import tax


        def test_tax():
            """The tax of 100.

            Regression test for the rounding
            of small amounts.
            """
            assert tax(100) == 20
        ''',
    "tests/test_bag.py": '''
        from pay.bag import Bag


        def test_union_prints_both():
            assert str(Bag(["a"]) | Bag(["b"])) == "a,b"
        ''',
    "tests/test_pay.py": '''
        from pay import Gateway
        from pay.audit import audit_setup, retention_days
        from pay.money import money, parse_money


        def test_charge_formats():
            trail = audit_setup()
            assert retention_days() == 30
            assert parse_money("1") == 100
            gw = Gateway("k")
            assert money(gw.charge(5)) == "5.00"
        ''',
}

FAILURE = """\
________________________________ test_charge_formats ________________________________

    def test_charge_formats():
        trail = audit_setup()
        assert retention_days() == 30
        assert parse_money("1") == 100
        gw = Gateway("k")
>       assert money(gw.charge(5)) == "5.00"
E       AssertionError: assert '500.00' == '5.00'
E        +  where '500.00' = money(500)
E        +    where 500 = <bound method Gateway.charge of <pay.gateway.Gateway object at 0x7f3c1d2e8f10>>(5)

tests/test_pay.py:11: AssertionError
FAILED tests/test_pay.py::test_charge_formats - AssertionError: assert '500.00' == '5.00'
"""


@pytest.fixture(scope="module")
def pay(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("evidence") / "repo", FILES) as graph:
        yield graph


def test_failing_lines_belong_to_the_frame_that_follows_them():
    text = ("    def f():\n>       g(1)\n\nsrc/a.py:3: \n_ _ _\n\n    def g(x):\n>       raise ValueError(x)\n"
            "E       ValueError: 1\n\nsrc/b.py:9: ValueError\n")
    assert failing_lines(text) == [("src/a.py", "g(1)"), ("src/b.py", "raise ValueError(x)")]


def test_names_shown_by_reprs_introspection_and_exception_messages():
    text = "\n".join([
        "E       +  where 18 = <click._termui_impl.ProgressBar object at 0x7f88e9a22090>.pos",
        "E       +  where ['-h'] = get_help_option_names(<click.core.Context object at 0x7f>)",
        "E       TypeError: Parameter.__init__() got an unexpected keyword argument 'help'",
        "E       AttributeError: 'Rule' object has no attribute 'merge_slashes'",
        "E   ImportError: cannot import name 'DuplicateRuleError' from 'werkzeug.routing.exceptions' (src/x.py)",
        "E       assert <function <lambda> at 0x7f> is None",
        "E       TypeError: optional.<locals>.optional_converter() takes 1 positional argument but 3 were given",
    ])
    shown = {(".".join(n.chain), n.clue) for n in named(text)}
    assert {("click._termui_impl.ProgressBar", Clue.SHOWN), ("get_help_option_names", Clue.SHOWN),
            ("click.core.Context", Clue.SHOWN), ("Parameter.__init__", Clue.SHOWN), ("Rule", Clue.SHOWN),
            ("Rule.merge_slashes", Clue.SHOWN), ("werkzeug.routing.exceptions", Clue.MODULE),
            ("optional", Clue.SHOWN)} <= shown
    assert not any(chain.endswith("lambda") for chain, _ in shown)


def test_strings_in_a_failing_line_are_not_names():
    found = named('>       assert render("audit_setup value") == x.total\nsrc/a.py:3: AssertionError\n')
    assert {".".join(n.chain) for n in found} == {"render", "x.total"}


def test_what_the_failing_line_and_the_reprs_name_outranks_the_rest_of_the_test(pay):
    items = rank(pay, resolve_target(pay, "tests/test_pay.py::test_charge_formats"), FAILURE).items
    order = [(i.path, i.qualname) for i in items if i.distance != 0]
    place = {key: n for n, key in enumerate(order)}
    charge, money = ("src/pay/gateway.py", "Gateway.charge"), ("src/pay/money.py", "money")
    for other in (("src/pay/audit.py", "audit_setup"), ("src/pay/audit.py", "retention_days"),
                  ("src/pay/money.py", "parse_money")):
        assert place[charge] < place[other] and place[money] < place[other]
    signals = {(i.path, i.qualname): i.signals for i in items}
    assert "failing line" in signals[money] and "failure" in signals[charge]


def test_without_a_failure_text_there_is_no_failure_evidence(pay):
    items = rank(pay, resolve_target(pay, "tests/test_pay.py::test_charge_formats"), None).items
    assert not any({"failing line", "failure"} & set(i.signals) for i in items)
    assert ("src/pay/money.py", "money") in {(i.path, i.qualname) for i in items}


def test_special_methods_reached_by_the_tests_operations_through_the_bases(pay):
    items = ranked_items(pay, "tests/test_bag.py::test_union_prints_both")
    for method in ("Bag.__str__", "Base.__or__"):
        hit = items[("src/pay/bag.py", method)]
        assert hit.distance == 1 and "protocol" in hit.signals
    assert "protocol" not in items.get(("src/pay/bag.py", "Bag.__hash__"), items[("src/pay/bag.py", "Bag")]).signals


def test_protocol_methods_of_operations():
    from bot.context.links import protocol_methods

    found = protocol_methods("def t(a, b):\n    a |= b\n    del a[1]\n    with a:\n        return [x for x in a]")
    assert {"__ior__", "__or__", "__delitem__", "__enter__", "__exit__", "__iter__"} <= found
    assert "__str__" not in found and protocol_methods("def broken(:") == set()


def test_a_registry_entry_whose_key_the_test_writes_in_a_string(pay):
    items = ranked_items(pay, "tests/test_render.py::test_money_filter")
    money = items[("src/pay/render.py", "do_money")]
    assert money.distance == 1 and "registry" in money.signals
    assert money.score > items[("src/pay/render.py", "do_upper")].score


def test_a_class_shown_in_full_after_its_skeleton_appears_once(pay):
    from bot.context import assemble_context

    ctx = assemble_context(pay, "tests/test_pay.py::test_charge_formats", 12000, failure=FAILURE)
    gateway = [s for s in ctx.sections if (s.path, s.symbol) == ("src/pay/gateway.py", "Gateway")]
    assert [s.form for s in gateway] == ["full"]
    assert ctx.text.count("class Gateway") == 1


RAISES_FAILURE = """\
    def test_refund_rejects_negative():
>       with pytest.raises(ValueError):
E       Failed: DID NOT RAISE <class 'ValueError'>

tests/test_refund.py:7: Failed
"""


def test_did_not_raise_points_at_the_expectation_blocks_body(pay):
    items = ranked_items(pay, "tests/test_refund.py::test_refund_rejects_negative", RAISES_FAILURE)
    refund = items[("src/pay/gateway.py", "Gateway.refund")]
    assert "failing line" in refund.signals and refund.reason.startswith("called in the failing expectation")
    assert "failing line" in items[("src/pay/money.py", "parse_money")].signals
    charge = items.get(("src/pay/gateway.py", "Gateway.charge"))
    assert charge is None or charge.score < refund.score


def test_docstrings_fold_around_the_target_but_not_in_it(pay):
    from bot.context import assemble_context

    ctx = assemble_context(pay, "tests/test_tax.py::test_tax", 4000)
    assert "Regression test for the rounding" in ctx.text  # the target as written
    assert '"""Tax on an amount. …"""' in ctx.text and "standard rate" not in ctx.text
