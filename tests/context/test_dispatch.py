"""Name-pattern dispatch: methods no call site names, reached through `getattr(self, prefix + name)`."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph, ranked_items

from bot.context.dispatch import lookups

FILES = {
    "tpl/__init__.py": '''
        from tpl.compiler import CodeGen
        from tpl.parser import Parser


        def render(source):
            return CodeGen().visit(Parser(source).parse())
        ''',
    "tpl/nodes.py": '''
        class Node:
            pass


        class Assign(Node):
            pass


        class Loop(Node):
            pass
        ''',
    "tpl/parser.py": '''
        from tpl import nodes


        class Parser:
            def __init__(self, source):
                self.tag = source.strip("{% }").split()[0]

            def parse(self):
                return getattr(self, f"parse_{self.tag}")()

            def parse_set(self):
                return nodes.Assign()

            def parse_for(self):
                return nodes.Loop()
        ''',
    "tpl/visitor.py": '''
        class NodeVisitor:
            def visit(self, node):
                handler = getattr(self, f"visit_{type(node).__name__}", None)
                return handler(node) if handler is not None else ""
        ''',
    "tpl/compiler.py": '''
        from tpl.visitor import NodeVisitor


        class CodeGen(NodeVisitor):
            def visit_Assign(self, node):
                return "x = 1"

            def visit_Loop(self, node):
                return "for x in y: pass"
        ''',
    "tests/__init__.py": "",
    "tests/test_tpl.py": '''
        from tpl import render


        def test_set():
            assert render("{% set x = 1 %}") == "x = 2"
        ''',
}


@pytest.fixture(scope="module")
def tpl(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("dispatch") / "repo", FILES) as graph:
        yield graph


def _ranked(graph, target):
    return ranked_items(graph, target)


def test_the_lookups_of_a_prefix_and_a_computed_name():
    source = ('f = getattr(self, f"visit_{type(node).__name__}", None)\n'
              'g = getattr(self, "do_" + command)\n'
              'h = getattr(self, "handle_%s" % kind)\n'
              'i = getattr(other, f"visit_{x}")\n')
    assert lookups(source) == [(1, "visit_", True), (2, "do_", False), (3, "handle_", False)]


def test_a_word_the_test_writes_reaches_the_method_dispatched_by_it(tpl):
    items = _ranked(tpl, "tests/test_tpl.py::test_set")
    parse_set = items[("tpl/parser.py", "Parser.parse_set")]
    assert "dispatch" in parse_set.signals and parse_set.distance == 1
    assert ("tpl/parser.py", "Parser.parse_for") not in items  # "for" is not written by the test


def test_a_visitor_method_of_a_subclass_ranks_with_the_class_it_handles(tpl):
    items = _ranked(tpl, "tests/test_tpl.py::test_set")
    visit = items[("tpl/compiler.py", "CodeGen.visit_Assign")]
    assert "dispatch" in visit.signals and "handles Assign" in visit.reason
    loop = items.get(("tpl/compiler.py", "CodeGen.visit_Loop"))  # Loop is only made by a method the test never reaches
    assert loop is None or (loop.distance, -loop.score) > (visit.distance, -visit.score)
