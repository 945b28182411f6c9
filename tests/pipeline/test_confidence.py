import textwrap

import pytest

from bot.errors import PipelineError
from bot.pipeline.confidence import (
    WEIGHTS,
    Confidence,
    Factors,
    GateInputs,
    breakdown_table,
    changed_functions,
    complexity_factor,
    cyclomatic_complexity,
    decide,
    hard_gates,
    impact_factor,
    llm_factor,
    max_complexity,
    pass_rate_factor,
    score,
)


def _clean_gates(**overrides):
    base = dict(new_gate_errors=(), regressions=(), new_high_findings=(), secrets_in_diff=())
    base.update(overrides)
    return GateInputs(**base)


def test_weights_are_the_design_weights():
    assert WEIGHTS == {"llm": 0.30, "tests": 0.25, "history": 0.25, "complexity": 0.10, "impact": 0.10}


def test_score_formula():
    f = Factors(llm=0.9, tests=1.0, history=0.5, complexity=0.2, impact=0.1)
    expected = 0.30 * 0.9 + 0.25 * 1.0 + 0.25 * 0.5 + 0.10 * (1 - 0.2) + 0.10 * (1 - 0.1)
    assert score(f).score == pytest.approx(expected)
    assert score(Factors(1, 1, 1, 0, 0)).score == pytest.approx(1.0)
    assert score(Factors(0, 0, 0, 1, 1)).score == pytest.approx(0.0)


def test_factor_out_of_range_is_an_error():
    with pytest.raises(PipelineError, match="llm"):
        score(Factors(llm=1.5, tests=1, history=0.5, complexity=0, impact=0))


@pytest.mark.parametrize(("cc", "value"), [(0, 0.0), (1, 0.0), (10, 1.0), (25, 1.0), (4, 1 / 3)])
def test_complexity_mapping(cc, value):
    assert complexity_factor(cc) == pytest.approx(value)


@pytest.mark.parametrize(("n", "value"), [(0, 0.0), (1, 0.0), (20, 1.0), (40, 1.0), (11, 10 / 19)])
def test_impact_mapping(n, value):
    assert impact_factor(n) == pytest.approx(value)


def test_tests_not_run_count_as_zero_with_a_reason():
    value, note = pass_rate_factor(None, "pytest not installed")
    assert value == 0.0
    assert note == "tests not run: pytest not installed"
    assert pass_rate_factor(0.75) == (0.75, "")


def test_thresholds():
    high = score(Factors(1, 1, 0.8, 0, 0))
    mid = score(Factors(0.6, 0.8, 0.5, 0.5, 0.5))
    low = score(Factors(0.1, 0.2, 0.5, 1, 1))
    assert high.score >= 0.8 and 0.5 <= mid.score < 0.8 and low.score < 0.5
    assert decide(high, 1).action == "commit"
    assert decide(mid, 1).action == "retry"
    assert decide(mid, 2).action == "retry"
    assert decide(mid, 3).action == "escalate"
    assert "attempts exhausted" in decide(mid, 3).reasons[0]
    assert decide(low, 1).action == "escalate"


def test_boundaries_are_inclusive_below():
    at_commit = score(Factors(llm=1, tests=1, history=0.2, complexity=0, impact=0))  # 0.3+0.25+0.05+0.2 = 0.8
    assert at_commit.score == pytest.approx(0.8)
    assert decide(at_commit, 1).action == "commit"


def test_hard_gates_block_commit_whatever_the_score():
    gates = hard_gates(_clean_gates(regressions=("tests/test_a.py::test_x",)))
    conf = score(Factors(1, 1, 1, 0, 0), gates)
    assert conf.score == pytest.approx(1.0)
    assert decide(conf, 1).action == "retry"
    final = decide(conf, 3)
    assert final.action == "escalate"
    assert any("test regressions: tests/test_a.py::test_x" in r for r in final.reasons)


def test_each_gate_and_not_checked_inputs_fail():
    assert hard_gates(_clean_gates()) == ()
    assert hard_gates(_clean_gates(new_gate_errors=("src/a.py:3 missing-import",)))[0].startswith("new gate errors")
    assert "new high-severity" in hard_gates(_clean_gates(new_high_findings=("sql injection",)))[0]
    assert "secrets in the diff" in hard_gates(_clean_gates(secrets_in_diff=("AWS key",)))[0]
    assert hard_gates(_clean_gates(secrets_in_diff=None)) == ("secrets in the diff: not checked",)
    assert hard_gates(_clean_gates(regressions=None)) == ("test regressions: not checked",)


def test_protected_edits_fail_the_gate():
    gates = hard_gates(_clean_gates(protected=(".github/workflows/release.yml (protected path)",)))
    assert gates == ("edit to a protected path: .github/workflows/release.yml (protected path)",)


def test_model_confidence_is_capped_by_the_evidence():
    assert llm_factor(0.9, tests=1.0, test_files_changed=False, weakened=False) == (0.9, "")
    value, note = llm_factor(0.95, tests=None, test_files_changed=False, weakened=False)
    assert value == 0.0 and "not run" in note
    assert llm_factor(0.9, tests=0.5, test_files_changed=False, weakened=False)[0] == 0.5
    assert llm_factor(0.9, tests=1.0, test_files_changed=True, weakened=False)[0] == 0.5
    assert llm_factor(0.9, tests=1.0, test_files_changed=False, weakened=True)[0] == 0.0


def test_the_model_number_alone_cannot_reach_the_commit_threshold():
    """Tests not run: even a self-reported 1.0 with the best history and smallest change stays below 0.8."""
    llm, _ = llm_factor(1.0, tests=None, test_files_changed=False, weakened=False)
    best = score(Factors(llm=llm, tests=0.0, history=1.0, complexity=0.0, impact=0.0))
    assert best.score < 0.8
    llm, _ = llm_factor(1.0, tests=0.5, test_files_changed=False, weakened=False)
    assert score(Factors(llm=llm, tests=0.5, history=0.5, complexity=0.0, impact=0.0)).score < 0.8


def _cc(src: str) -> int:
    import ast

    return cyclomatic_complexity(ast.parse(textwrap.dedent(src)).body[0])


def test_cyclomatic_complexity_counts_decisions():
    assert _cc("def f():\n    return 1\n") == 1
    assert _cc("""
        def f(x, ys):
            if x and ys:              # if +1, and +1
                return [y for y in ys if y]   # comprehension if +1
            elif x:                   # +1
                pass
            for y in ys:              # +1
                while y:              # +1
                    y -= 1
                else:                 # not counted
                    pass
            with open(x) as f:        # not counted
                pass
            try:
                pass
            except ValueError:        # +1
                pass
            except KeyError:          # +1
                pass
            return 1 if x or ys or f else 2   # ternary +1, two "or" +2
        """) == 12


def test_match_cases_count_and_nested_functions_do_not():
    assert _cc("""
        def f(x):
            match x:
                case 1:
                    return 1
                case _:
                    return 2
            def inner(y):
                if y:
                    return y
        """) == 3


def test_changed_functions():
    before = "def a():\n    return 1\n\nclass C:\n    def m(self):\n        return 2\n"
    after = ("def a():\n    # reformatted only\n    return 1\n\nclass C:\n    def m(self):\n"
             "        if self:\n            return 3\n        return 2\n\ndef b():\n    return 4\n")
    changed = changed_functions(before, after)
    assert [(c.qualname, c.complexity) for c in changed] == [("C.m", 2), ("b", 1)]
    assert max_complexity(changed) == 2
    assert max_complexity([]) == 1
    assert [c.qualname for c in changed_functions(None, "def z():\n    pass\n")] == ["z"]
    with pytest.raises(PipelineError, match="does not parse"):
        changed_functions(before, "def broken(:\n")


def test_breakdown_table():
    conf = score(Factors(0.9, 1.0, 0.5, 0.2, 0.1, notes=("history: 2 similar failures",)))
    table = breakdown_table(conf)
    lines = table.splitlines()
    assert lines[0] == "| factor | value | weight | contribution |"
    assert "| llm | 0.90 | 0.30 | 0.270 |" in lines
    assert "| complexity | 1 - 0.20 | 0.10 | 0.080 |" in lines
    assert f"| **score** | | | **{conf.score:.3f}** |" in lines
    assert "- note: history: 2 similar failures" in lines
    assert conf.breakdown()["score"] == conf.score
    again = Confidence.from_breakdown(conf.breakdown(), ("x",), conf.factors.notes)
    assert again.score == conf.score and again.gates_failed == ("x",)
    assert breakdown_table(again) == table + "- hard gate failed: x\n"
