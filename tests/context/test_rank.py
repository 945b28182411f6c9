"""Ranking from the evidence: the mechanisms that hide code under test from a strict resolution
(decorators, star re-exports, a module importing itself, registries), large classes, lexical similarity."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph, ranked_items

from bot.context import assemble_context

BIG_METHODS = "\n".join(
    f"    def step_{i}(self, value):\n        '''Step {i}.'''\n        total = value * {i} + {i}\n"
    f"        return self.adjust(total, {i})\n" for i in range(60))
FILES = {
    "shop/__init__.py": "from shop.models import *\nfrom shop.cache import *\n",
    "shop/models.py": '''
        from dataclasses import dataclass

        __all__ = ["Item"]


        @dataclass
        class Item:
            name: str
            price: int

            def total(self, qty):
                return self.price * qty
        ''',
    "shop/cache.py": '''
        from functools import lru_cache

        RATES = {"eu": 1.2}


        @lru_cache(maxsize=None)
        def rate(code):
            return RATES[code]
        ''',
    "shop/handlers.py": '''
        class CsvExporter:
            def export(self, rows):
                return ",".join(rows)


        class JsonExporter:
            def export(self, rows):
                return "[" + ",".join(rows) + "]"


        EXPORTERS = {"csv": CsvExporter, "json": JsonExporter}


        def export(kind, rows):
            return EXPORTERS[kind]().export(rows)
        ''',
    "shop/tool.py": '''
        class Runner:
            def run(self):
                return 1


        if __name__ == "__main__":
            from shop.tool import Runner

            Runner().run()
        ''',
    "shop/big.py": "class Big:\n    '''Many steps.'''\n\n    def adjust(self, total, i):\n"
                   "        return total - i\n\n" + BIG_METHODS + "\n    def checksum(self, values):\n"
                   "        return sum(values) % 7\n",
    "shop/noise.py": '''
        def unrelated_parse_header(line):
            return line.split(":")


        def checksum_of_invoice_lines(invoice_lines):
            """Checksum over invoice lines."""
            return sum(len(line) for line in invoice_lines) % 97
        ''',
    "tests/__init__.py": "",
    "tests/test_shop.py": '''
        import shop
        from shop.big import Big
        from shop.handlers import export
        from shop.tool import Runner


        def test_total():
            assert shop.Item("a", 2).total(3) == 6


        def test_rate():
            assert shop.rate("eu") == 1.2


        def test_export():
            assert export("json", ["a"]) == "[a]"


        def test_runner():
            assert Runner().run() == 1


        def test_checksum():
            assert Big().checksum([1, 2]) == 3
        ''',
    "tests/test_lexical.py": '''
        def test_invoice_checksum(make_invoice):
            invoice_lines = make_invoice()
            assert checksum_value(invoice_lines) == 12
        ''',
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("rank") / "repo", FILES) as graph:
        yield graph


def _ranked(graph, target, failure=None):
    return ranked_items(graph, target, failure)


def test_a_dataclass_through_a_star_reexport_and_its_member_used_by_the_test(shop):
    items = _ranked(shop, "tests/test_shop.py::test_total")
    assert items[("shop/models.py", "Item")].distance == 1
    assert items[("shop/models.py", "Item.total")].distance == 1
    assert "member" in items[("shop/models.py", "Item.total")].signals


def test_an_lru_cache_function_through_a_star_reexport(shop):
    items = _ranked(shop, "tests/test_shop.py::test_rate")
    assert items[("shop/cache.py", "rate")].distance == 1
    assert items[("shop/cache.py", "rate")].reason == "called by test_rate as shop.rate"


def test_classes_of_a_registry_reached_by_subscript(shop):
    items = _ranked(shop, "tests/test_shop.py::test_export")
    assert items[("shop/handlers.py", "export")].distance == 1
    for cls in ("CsvExporter", "JsonExporter"):
        assert "registry" in items[("shop/handlers.py", cls)].signals
    assert items[("shop/handlers.py", "CsvExporter")].distance == 2  # through export's EXPORTERS[kind]
    assert items[("shop/handlers.py", "JsonExporter")].distance == 1  # and its key "json" is in the test


def test_a_module_importing_itself_under_main_still_shows_its_class(shop):
    items = _ranked(shop, "tests/test_shop.py::test_runner")
    assert items[("shop/tool.py", "Runner")].distance == 1
    assert items[("shop/tool.py", "Runner.run")].distance == 1


def test_a_method_of_a_large_class_in_full_with_the_class_skeleton(shop):
    ctx = assemble_context(shop, "tests/test_shop.py::test_checksum", 2000)
    forms = {s.symbol: s.form for s in ctx.sections}
    assert forms["Big.checksum"] == "full"
    assert forms["Big"] == "skeleton"
    assert "def checksum(self, values):\n        return sum(values) % 7" in ctx.text
    skeleton = ctx.text.split("Big (skeleton;", 1)[1].split("# ----", 1)[0]
    assert "def adjust(self, total, i): ..." in skeleton and "def step_3(self, value): ..." in skeleton
    assert "more members" in skeleton and "total = value" not in skeleton  # signatures, not bodies


def test_lexical_similarity_is_one_signal_among_the_graphs(shop):
    failure = "E       assert checksum_value(invoice_lines) == 12\nE       NameError: checksum_value"
    items = _ranked(shop, "tests/test_lexical.py::test_invoice_checksum", failure)
    lexical = items[("shop/noise.py", "checksum_of_invoice_lines")]
    assert lexical.signals == ("lexical",) and lexical.reason.startswith("lexical match with the failure")
    assert ("shop/noise.py", "unrelated_parse_header") not in items


def test_the_skeleton_around_a_method_in_full_stays_compact(shop):
    small = assemble_context(shop, "tests/test_shop.py::test_checksum", 4000)
    skeleton = next(s for s in small.sections if s.symbol == "Big")
    assert skeleton.form == "skeleton" and skeleton.tokens < 100  # about 1.5 % of the 2,800-token context share
    assert "more members" in small.text and "Big.checksum" in {s.symbol for s in small.sections}
