"""What a definition costs: its size is what the context shows of it (comments, blank lines and long
docstrings out)."""

from __future__ import annotations

from support.graph_repo import opened_graph, ranked_items

from bot.context.rank import shown_lines


def test_a_definitions_size_is_the_lines_its_context_code_shows():
    source = '''def documented(value):  # a comment after the colon
    """Summary line.

    A long explanation
    over many lines.
    """
    # a comment line

    return value


class Short:
    """One line."""
    text = """not a docstring:
    a string value, shown whole"""
'''.splitlines()
    assert shown_lines(source[:9]) == 3  # the def line, the docstring folded to one line, the return
    assert shown_lines(source[11:]) == 4  # the class line, its one-line docstring, the string's two lines
    assert shown_lines(source) == 7


def test_a_long_docstring_does_not_make_a_weakly_found_definition_long(tmp_path):
    doc = "\n".join(f"    step {i} of the explanation" for i in range(40))
    body = "\n".join(f"    total_{i} = value * {i}" for i in range(14))
    files = {
        "pkg/__init__.py": "",
        "pkg/route.py": f'def documented(value):\n    """Summary.\n\n{doc}\n    """\n    return value\n\n\n'
                        f"def plain(value):\n{body}\n    return value\n\n\n"
                        "def route(value):\n    return documented(value) + plain(value)\n",
        "tests/__init__.py": "",
        "tests/test_route.py": "from pkg.route import route\n\n\ndef test_route():\n    assert route(1) == 2\n",
    }
    with opened_graph(tmp_path / "repo", files) as graph:
        items = ranked_items(graph, "tests/test_route.py::test_route")
    documented, plain = items[("pkg/route.py", "documented")], items[("pkg/route.py", "plain")]
    assert documented.distance == plain.distance == 2  # both called by route, which the test calls
    assert documented.score > plain.score  # 3 lines shown against 16, though it spans 46
