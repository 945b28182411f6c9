import pytest

from bot.context import assemble_context, level_budgets, render_context
from bot.context.compress import compress_python
from bot.context.signatures import signature_text
from bot.context.tokens import count_tokens
from bot.errors import ContextError

DEPOSIT_FAILURE = '''
    def test_deposit(self):
>       assert Account("x").deposit(3) == 3

tests/test_core.py:13:
calc/core.py:29: in __init__
    self.owner = normalize(owner)
calc/util.py:13: in normalize
    return name.strip().lower() + "#"
E   AttributeError: 'int' object has no attribute 'strip'
'''


def _level(ctx, n):
    return next(u for u in ctx.levels if u.level == n)


@pytest.mark.parametrize("budget", [60, 150, 300, 600, 2000, 10000])
@pytest.mark.parametrize("target", ["tests/test_core.py::test_add", "calc/core.py", "clamp", "Account"])
def test_budgets_are_never_exceeded(graph, failure, target, budget):
    ctx = assemble_context(graph, target, budget, failure=failure)
    one, two, reserved = level_budgets(budget)
    assert ctx.level_budgets == (one, two, reserved)
    assert one + two + reserved == budget
    assert ctx.tokens == count_tokens(ctx.text)
    assert ctx.tokens <= one + two
    assert _level(ctx, 1).used + _level(ctx, 2).used <= one + two  # floors, not caps: level 1 may take more
    assert len(ctx.sections) == _level(ctx, 1).items + _level(ctx, 2).items
    assert bool(ctx.sections) == (budget > 60), ctx.notes  # 60 tokens hold nothing whole; the notes say why
    for section in ctx.sections:
        assert section.tokens > 0


def test_level_budget_shares():
    assert level_budgets(1000) == (400, 300, 300)
    assert level_budgets(12_000) == (4800, 3600, 3600)


def test_failing_test_then_code_under_test_then_its_dependencies(graph, failure):
    ctx = assemble_context(graph, "tests/test_core.py::test_add", 2000, failure=failure)
    full = [(s.path, s.symbol) for s in ctx.sections if s.level == 1]
    assert full[:2] == [("tests/test_core.py", "test_add"), ("calc/core.py", "add")]
    reasons = {s.symbol: s.reason for s in ctx.sections}
    assert reasons["clamp"] == "called by add" and reasons["check"] == "called by clamp"
    assert ctx.text.index("def test_add():") < ctx.text.index("def add(a, b):")
    assert ctx.dropped == ()


def test_floors_are_not_caps_unused_budget_flows_to_full_code(graph, failure):
    """Level 2 needs little here: what it leaves flows to level 1, and more definitions are in full."""
    ctx = assemble_context(graph, "tests/test_core.py::test_add", 500, failure=failure)
    one, two, _ = level_budgets(500)
    assert _level(ctx, 1).used > one
    assert ctx.tokens <= one + two
    full = {s.symbol for s in ctx.sections if s.level == 1 and s.form == "full"}
    assert {"test_add", "add", "clamp"} <= full
    tight = assemble_context(graph, "tests/test_core.py::test_add", 250, failure=failure)
    assert [s.symbol for s in tight.sections if s.level == 1][:2] == ["test_add", "add"]
    assert tight.tokens <= sum(level_budgets(250)[:2])
    shown = {(s.path, s.symbol) for s in tight.sections}
    assert all((d.path, d.symbol) not in shown for d in tight.dropped)


def test_traceback_frames_rank_first(graph):
    ctx = assemble_context(graph, "tests/test_core.py::TestAccount::test_deposit", 2000, failure=DEPOSIT_FAILURE)
    order = [(s.path, s.symbol) for s in ctx.sections]
    assert order[0] == ("tests/test_core.py", "TestAccount.test_deposit")
    assert order[1] == ("calc/util.py", "normalize")  # named in the traceback, innermost frame
    assert ctx.sections[1].reason == "in the failure traceback (calc/util.py:13)"
    assert ("calc/core.py", "Account.__init__") in order[:4] or ("calc/core.py", "Account") in order[:4]


def test_without_failure_callees_come_before_callers(graph):
    ctx = assemble_context(graph, "clamp", 2000)
    assert [(s.symbol, s.reason) for s in ctx.sections[:3]] == [
        ("clamp", "target"), ("check", "called by clamp"), ("add", "calls clamp")]


def test_fixtures_of_a_test_are_direct_dependencies(graph):
    ctx = assemble_context(graph, "tests/test_core.py::test_mean", 2000)
    reasons = {(s.path, s.symbol): s.reason for s in ctx.sections if s.level == 1}
    assert reasons[("tests/conftest.py", "values")] == "fixture used by test_mean"
    assert reasons[("calc/core.py", "mean")] == "called by test_mean"


def test_node_id_forms(graph):
    param = assemble_context(graph, "tests/test_core.py::test_add[2-2]", 1000)
    assert param.sections[0].symbol == "test_add"
    method = assemble_context(graph, "tests/test_core.py::TestAccount::test_deposit", 1000)
    assert method.sections[0].symbol == "TestAccount.test_deposit"
    with pytest.raises(ContextError, match=r"no test 'test_ad' in tests/test_core.py; did you mean: "
                                           r"tests/test_core.py::test_add"):
        assemble_context(graph, "tests/test_core.py::test_ad", 1000)
    with pytest.raises(ContextError, match="unknown test file"):
        assemble_context(graph, "tests/test_nope.py::test_add", 1000)


def test_symbol_forms(graph):
    for target in ("clamp", "calc.util.clamp", "calc/util.py:clamp"):
        ctx = assemble_context(graph, target, 1000)
        assert (ctx.sections[0].path, ctx.sections[0].symbol) == ("calc/util.py", "clamp"), target
    assert assemble_context(graph, "Account.deposit", 1000).sections[0].symbol == "Account.deposit"


def test_unknown_target_says_did_you_mean(graph):
    with pytest.raises(ContextError, match=r"unknown target 'clamb'.*did you mean: clamp"):
        assemble_context(graph, "clamb", 1000)
    with pytest.raises(ContextError, match=r"did you mean: calc/core.py"):
        assemble_context(graph, "calc/cor.py", 1000)
    with pytest.raises(ContextError, match="positive"):
        assemble_context(graph, "clamp", 0)


def test_code_is_compressed_but_strings_are_kept(graph):
    ctx = assemble_context(graph, "calc/core.py", 2000)
    assert "the sum is clamped" not in ctx.text  # a comment
    assert "\n\n" not in ctx.text
    assert 'return name.strip().lower() + "#"' in ctx.text  # a "#" inside a string


def test_whole_file_target_is_truncated_at_a_line_boundary(graph, repo):
    ctx = assemble_context(graph, "calc/core.py", 200)
    first = ctx.sections[0]
    assert first.path == "calc/core.py" and first.symbol == "" and first.truncated
    assert "# … truncated\n" in ctx.text
    body = ctx.text.split("(target)\n", 1)[1].split("# … truncated\n", 1)[0]
    compressed = compress_python((repo / "calc/core.py").read_text()).text
    assert compressed.startswith(body) and body.endswith("\n")
    assert ctx.tokens <= 80 + 60


def test_items_that_do_not_fit_are_demoted_or_dropped_never_cut(graph, repo):
    ctx = assemble_context(graph, "tests/test_core.py::test_add", 120)
    for section in ctx.sections:
        if section.reason != "target":
            assert not section.truncated
    demoted = [s for s in ctx.sections if s.level == 2 and "no room for its full code" in s.reason]
    assert demoted or ctx.dropped
    assert ctx.tokens <= 48 + 36


def test_class_signature_shows_init(graph, repo):
    facts = graph.facts("calc/core.py")
    account = next(d for d in facts.definitions if d.qualname == "Account")
    text = signature_text((repo / "calc/core.py").read_text(), account, facts)
    assert text == ('class Account(Ledger):\n    """A bank account."""\n'
                    "    def __init__(self, owner: str, balance: int = 0) -> None:\n        ...\n")
    render = graph.facts("calc/fmt.py").definitions[0]
    assert signature_text((repo / "calc/fmt.py").read_text(), render, None) == (
        'def render(value, *, width: int = 10, fill: str = " ") -> str:\n    """Render value."""\n    ...\n')
    clamp = next(d for d in graph.facts("calc/util.py").definitions if d.qualname == "clamp")
    assert signature_text((repo / "calc/util.py").read_text(), clamp, None) == (
        'def clamp(x: int, *, limit: int = LIMIT) -> int:\n    """Clamp x to the limit."""\n    ...\n')


def test_render_context_prints_text_and_accounting(graph, failure):
    ctx = assemble_context(graph, "tests/test_core.py::test_add", 1000, failure=failure)
    out = render_context(ctx)
    assert out.startswith(ctx.text.rstrip("\n"))
    assert "| 1 full code | 400 | " in out
    assert "| 2 signatures | 300 | " in out
    assert "| reserved (instructions + answer) | 300 | | |" in out
    assert f"| total | 1000 | {ctx.tokens} | {len(ctx.sections)} |" in out
    assert "dropped for lack of budget: 0 item(s)" in out


def test_base_classes_are_direct_dependencies(graph):
    ctx = assemble_context(graph, "Account", 2000)
    reasons = {(s.path, s.symbol): s.reason for s in ctx.sections}
    assert reasons[("calc/core.py", "Ledger")] == "base class of Account"
    assert reasons[("calc/util.py", "normalize")] == "called by Account"


def test_calls_through_imported_modules_are_followed(graph):
    ctx = assemble_context(graph, "tests/test_util.py::test_clamp_and_check", 2000)
    full = {(s.path, s.symbol) for s in ctx.sections if s.level == 1}
    assert {("calc/util.py", "clamp"), ("calc/limits.py", "check")} <= full


def test_imports_of_the_target_file_close_level_one(graph):
    ctx = assemble_context(graph, "Account.deposit", 2000)
    level1 = [s for s in ctx.sections if s.level == 1]
    assert (level1[-1].path, level1[-1].symbol, level1[-1].reason) == (
        "calc/core.py", "(imports)", "imports of the target's file")
    assert "# ---- calc/core.py:2-2 (imports of the target's file)\nfrom calc.util import clamp, normalize\n" in ctx.text
    tight = assemble_context(graph, "Account.deposit", 200)
    assert all(s.symbol != "(imports)" for s in tight.sections)
    assert "no room for the imports of calc/core.py" in tight.notes


def test_a_budget_too_small_for_the_target_says_so(graph):
    ctx = assemble_context(graph, "calc/core.py", 30)
    assert ctx.tokens <= 12 + 9
    assert any("does not fit in level 1 even truncated" in n for n in ctx.notes)


def test_target_and_top_ranked_code_under_test_in_full_beyond_the_level_one_floor(graph, failure):
    ctx = assemble_context(graph, "tests/test_core.py::test_add", 150, failure=failure)
    one, two, _ = level_budgets(150)
    assert [(s.symbol, s.form) for s in ctx.sections[:2]] == [("test_add", "full"), ("add", "full")]
    assert _level(ctx, 1).used > one and ctx.tokens <= one + two
