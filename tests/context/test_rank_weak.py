"""Ranking beyond the direct evidence: a method of a reached class competes on its own, and a long
definition found by weak evidence gives way to a short one found as well (the budget holds relevance per token)."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph

from bot.context.rank import rank
from bot.context.targets import resolve_target

LONG_BODY = "\n".join(f"    alpha_{i} = value * {i}" for i in range(40))
FILES = {
    "pkg/__init__.py": "",
    "pkg/ledger.py": '''
        class Ledger:
            def __init__(self):
                self.balance = 0

            def post(self, amount):
                self.balance += amount

            def reconcile_overdraft(self):
                if self.balance < 0:
                    raise ValueError("cannot reconcile the overdraft")

            def close(self):
                self.balance = 0
        ''',
    "pkg/route.py": "def long_helper(value):\n" + LONG_BODY + "\n    return value\n\n\n"
                    "def tiny_helper(value):\n    return value\n\n\n"
                    "def route(value):\n    return long_helper(value) + tiny_helper(value)\n",
    "tests/__init__.py": "",
    "tests/test_pkg.py": '''
        from pkg.ledger import Ledger
        from pkg.route import route


        def test_post():
            ledger = Ledger()
            ledger.post(-5)
            assert ledger.balance == -5


        def test_route():
            assert route(1) == 2
        ''',
}
FAILURE = "E       ValueError: cannot reconcile the overdraft\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("weak") / "repo", FILES) as graph:
        yield graph


def _ranked(graph, target, failure=None):
    return rank(graph, resolve_target(graph, target), failure).items


def test_a_lexically_matching_method_of_a_reached_class_ranks_with_its_class(repo):
    ranked = _ranked(repo, "tests/test_pkg.py::test_post", FAILURE)
    items = {(i.path, i.qualname): i for i in ranked}
    method = items[("pkg/ledger.py", "Ledger.reconcile_overdraft")]
    assert method.distance == 2  # a member of Ledger, which the test builds (distance 1), not BM25 alone
    assert "member" in method.signals and "lexical" in method.signals
    assert method.reason.startswith("method of Ledger, which the graph reaches")
    order = [i.qualname for i in ranked]
    assert order.index("Ledger.reconcile_overdraft") < order.index("Ledger.close")  # the failure's words


def test_a_long_definition_found_by_weak_evidence_gives_way_to_a_short_one(repo):
    order = [i.qualname for i in _ranked(repo, "tests/test_pkg.py::test_route")]
    assert order.index("tiny_helper") < order.index("long_helper")  # both called by route (distance 2)
