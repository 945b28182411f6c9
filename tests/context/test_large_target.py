"""A target far larger than its room: only as much of its code is compressed as the room can show, and the
cut falls exactly where compressing the whole definition would put it (the longest line prefix that fits)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.context import assemble_context, level_budgets
from bot.context.compress import compress_python
from bot.context.tokens import count_tokens
from bot.graph import open_graph

TRUNCATED = "# … truncated\n"


def _method(k: int, comment_lines: int, one_line: bool) -> str:
    comment = "".join(f"    # note {k}.{i}: this explains the next method at some length\n" for i in range(comment_lines))
    if one_line:  # one row once compressed
        return f"{comment}    def step_{k}(self, value): return value * {k}  # why {k}\n\n"
    return f"    def step_{k}(self, value):\n{comment}        total = value * {k} + self.base  # why {k}\n" \
           f"        return total\n\n"


def _repo(root: Path, comment_lines: int, one_line: bool = False) -> tuple[Path, str]:
    code = "class Engine:\n    base = 1  # the offset\n\n" + "".join(_method(k, comment_lines, one_line)
                                                                    for k in range(80))
    (root / "engine.py").write_text(code)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root, code


def _kept_rows(text: str) -> tuple[str, list[str], str]:
    """The level-1 heading, the target section's kept rows and its header line."""
    heading, rest = text.split("# ---- ", 1)
    section = ("# ---- " + rest).split(TRUNCATED, 1)[0]
    header, *rows = section.splitlines(keepends=True)
    return heading, rows, header


# (methods of one row once compressed, under long comments: the compressed prefix can end just past the cut,
# which then has to be settled on the whole class)
@pytest.mark.parametrize(("comment_lines", "one_line", "budget"), [
    (0, False, 600), (0, False, 2000), (12, False, 300), (12, False, 1200), (40, False, 200),
    (5, True, 100), (20, True, 100), (20, True, 137), (20, True, 900)])
def test_a_large_class_target_is_cut_where_its_whole_compressed_code_would_be(tmp_path: Path, comment_lines: int,
                                                                              one_line: bool, budget: int):
    root, code = _repo(tmp_path, comment_lines, one_line)
    graph = open_graph(root)
    try:
        ctx = assemble_context(graph, "Engine", budget)
    finally:
        graph.close()
    target = ctx.sections[0]
    assert target.symbol == "Engine" and target.truncated
    heading, rows, header = _kept_rows(ctx.text)
    whole = compress_python(code).text.splitlines(keepends=True)
    assert rows == whole[:len(rows)]  # a line prefix of the whole class, compressed
    one, two, _ = level_budgets(budget)
    room = one + two - count_tokens(heading + "```\n")
    assert count_tokens(header + "".join(rows) + TRUNCATED) == target.tokens <= room
    assert count_tokens(header + "".join(whole[:len(rows) + 1]) + TRUNCATED) > room  # the longest that fits


def test_a_target_that_fits_is_whole(tmp_path: Path):
    root, code = _repo(tmp_path, 0)
    graph = open_graph(root)
    try:
        ctx = assemble_context(graph, "Engine", 60_000)
    finally:
        graph.close()
    assert not ctx.sections[0].truncated
    assert compress_python(code).text in ctx.text
