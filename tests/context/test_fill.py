"""What the budget is spent on: the failure's own files pull in their lexical matches the graph did not reach,
and level 2's signatures are for the target's direct dependencies only (a lexical match far from the graph is
worth showing as code or not at all)."""

from __future__ import annotations

import pytest
from support.graph_repo import opened_graph

from bot.context import assemble_context, level_budgets
from bot.context.rank import rank
from bot.context.targets import resolve_target

NOISE = "\n\n".join(
    f"def stream_close_helper_{i}(stream):\n    '''Close helper {i} of a stream.'''\n"
    f"    stream.flush()\n    value = stream.getvalue() * {i}\n    return value + stream.closed\n"
    for i in range(30))
FILES = {
    "pkg/__init__.py": "",
    "pkg/pager.py": '''
        class KeepOpen:
            """A borrowed stream that must stay open."""

            def __init__(self, stream):
                self.stream = stream

            def close(self):
                """Closes the borrowed stream too."""
                self.stream.close()


        def get_pager(stream):
            return _wrap(stream)


        def _wrap(stream):
            return stream
        ''',
    "pkg/other.py": '''
        def close_borrowed_stream_closed(stream):
            """Close a borrowed stream: closed stream, closed borrowed stream."""
            stream.close()
            return stream.closed
        ''',
    "pkg/noise.py": NOISE + "\n",
    "tests/__init__.py": "",
    "tests/test_pager.py": '''
        import io

        from pkg.pager import get_pager


        def test_close_keeps_borrowed_stream():
            stream = io.StringIO()
            get_pager(stream).close()
            assert not stream.closed
        ''',
}
FAILURE = '''
_______________________ test_close_keeps_borrowed_stream _______________________

    def test_close_keeps_borrowed_stream():
        stream = io.StringIO()
        get_pager(stream).close()
>       assert not stream.closed
E       assert not True
E        +  where True = <_io.StringIO object at 0x7f>.closed

tests/test_pager.py:9: AssertionError
'''
NODE = "tests/test_pager.py::test_close_keeps_borrowed_stream"


@pytest.fixture(scope="module")
def pager(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("fill") / "repo", FILES) as graph:
        yield graph


def test_a_lexical_match_in_the_failures_own_file_ranks_above_one_elsewhere(pager):
    """`get_pager` (called by the test) lives in pkg/pager.py: `KeepOpen.close`, which the graph does not reach,
    outranks the lexically closer `close_borrowed_stream_closed` of another file."""
    items = rank(pager, resolve_target(pager, NODE), FAILURE).items
    order = [(i.path, i.qualname) for i in items]
    assert ("pkg/pager.py", "get_pager") in order
    keep, other = ("pkg/pager.py", "KeepOpen.close"), ("pkg/other.py", "close_borrowed_stream_closed")
    assert items[order.index(keep)].signals == ("lexical",)
    assert order.index(keep) < order.index(other)
    assert items[order.index(other)].score < items[order.index(keep)].score


def test_level_two_holds_signatures_of_direct_dependencies_only(pager):
    budget = 900
    ctx = assemble_context(pager, NODE, budget, failure=FAILURE)
    signatures = [s for s in ctx.sections if s.level == 2]
    assert all(not s.reason.startswith("lexical match") for s in signatures)
    dropped = {d.symbol for d in ctx.dropped}
    assert any(name.startswith("stream_close_helper_") for name in dropped)  # lexical only: code or nothing
    full = {s.symbol for s in ctx.sections if s.level == 1 and s.form == "full"}
    assert {"test_close_keeps_borrowed_stream", "get_pager"} <= full
    assert any(name.startswith("stream_close_helper_") for name in full)  # the unused floor flowed to code
    one, two, _ = level_budgets(budget)
    assert ctx.tokens <= one + two
