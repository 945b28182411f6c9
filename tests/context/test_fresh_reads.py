"""What one context reads it reads once (files, per-file indexes of the ranking), and only for that context:
the next context, after an edit, is built from the new text."""

from __future__ import annotations

from pathlib import Path

from support.graph_repo import written_repo

from bot.context import assemble_context
from bot.graph import open_graph

FILES = {
    "shop/__init__.py": "",
    "shop/prices.py": '''
        from shop.rates import RATES, rate


        def total(items, region):
            """The total price with the region's tax."""
            return sum(items) * (1 + rate(region)) + RATES["fee"]
        ''',
    "shop/rates.py": '''
        RATES = {"fee": 2}


        def rate(region):
            return 0.2 if region == "eu" else 0.1
        ''',
}


def _context(root: Path, target: str) -> str:
    graph = open_graph(root)
    try:
        return assemble_context(graph, target, 4000).text
    finally:
        graph.close()


def test_the_next_context_reads_the_edited_files_again(tmp_path: Path):
    root = written_repo(tmp_path, FILES)
    before = _context(root, "total")
    assert "return 0.2 if region == \"eu\" else 0.1" in before  # the callee, read through the ranking's lookups
    rates = root / "shop/rates.py"
    rates.write_text(rates.read_text().replace("0.2 if", "0.25 if"))
    prices = root / "shop/prices.py"
    prices.write_text(prices.read_text().replace("* (1 + rate(region))", "* (1 + rate(region)) * 1"))
    after = _context(root, "total")
    assert "return 0.25 if region == \"eu\" else 0.1" in after and "0.2 if" not in after
    assert "* (1 + rate(region)) * 1" in after


def test_the_same_context_twice_is_the_same(tmp_path: Path):
    root = written_repo(tmp_path, FILES)
    graph = open_graph(root)
    try:
        first = assemble_context(graph, "total", 4000)
        second = assemble_context(graph, "total", 4000)
    finally:
        graph.close()
    assert first == second
