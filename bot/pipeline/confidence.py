"""The confidence score of a candidate fix, its hard gates, and the commit / retry / escalate decision.

score = 0.30·llm + 0.25·tests + 0.25·history + 0.10·(1-complexity) + 0.10·(1-impact)  (DESIGN.md §3)

Hard gates come first: a new gate error, a test regression, a new high-severity security finding, a secret
in the diff or an edit to a protected path means no commit, whatever the score. A check that did not run
never counts as passing: tests that could not run give tests = 0, and a gate whose input is unknown fails.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.errors import PipelineError

WEIGHTS: dict[str, float] = {"llm": 0.30, "tests": 0.25, "history": 0.25, "complexity": 0.10, "impact": 0.10}
COMMIT_AT = 0.8
RETRY_AT = 0.5
MAX_ATTEMPTS = 3
# The model's own number may not carry a fix over the threshold: it is capped by the evidence.
LLM_CAP_TEST_FILES = 0.5  # the fix edits the tests that judge it


@dataclass(frozen=True)
class Factors:
    """Each factor in [0, 1]. complexity and impact are costs (they enter the score as 1 - value)."""

    llm: float
    tests: float
    history: float
    complexity: float
    impact: float
    notes: tuple[str, ...] = ()  # why a factor has its value ("tests not run: ...")

    def values(self) -> dict[str, float]:
        return {"llm": self.llm, "tests": self.tests, "history": self.history,
                "complexity": self.complexity, "impact": self.impact}


@dataclass(frozen=True)
class Confidence:
    score: float
    factors: Factors
    weights: dict[str, float]
    gates_failed: tuple[str, ...] = ()

    def contributions(self) -> dict[str, float]:
        values = self.factors.values()
        return {name: self.weights[name] * (1.0 - v if name in ("complexity", "impact") else v)
                for name, v in values.items()}

    def breakdown(self) -> dict[str, float]:
        """Factor values plus the score, for reports and logs."""
        return {**self.factors.values(), "score": self.score}

    @classmethod
    def from_breakdown(cls, breakdown: Mapping[str, float], gates_failed: Sequence[str] = (),
                       notes: Sequence[str] = ()) -> Confidence:
        """The confidence that `breakdown()` was taken from (e.g. after a round trip through JSON)."""
        factors = Factors(**{name: float(breakdown[name]) for name in WEIGHTS}, notes=tuple(notes))
        return score(factors, gates_failed)


@dataclass(frozen=True)
class Decision:
    action: Literal["commit", "retry", "escalate"]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class GateInputs:
    """What the hard gates look at. None means "not checked", which fails that gate."""

    new_gate_errors: Sequence[str] | None
    regressions: Sequence[str] | None
    new_high_findings: Sequence[str] | None
    secrets_in_diff: Sequence[str] | None
    protected: Sequence[str] = ()  # protected edits found (bot.pipeline.protected)


@dataclass(frozen=True)
class ChangedFunction:
    qualname: str
    complexity: int


def score(factors: Factors, gates_failed: Sequence[str] = ()) -> Confidence:
    for name, value in factors.values().items():
        if not 0.0 <= value <= 1.0:
            raise PipelineError(f"confidence factor {name} = {value} is outside [0, 1]")
    conf = Confidence(0.0, factors, dict(WEIGHTS), tuple(gates_failed))
    total = sum(conf.contributions().values())
    return Confidence(round(total, 6), factors, dict(WEIGHTS), tuple(gates_failed))


def decide(confidence: Confidence, attempt: int, max_attempts: int = MAX_ATTEMPTS) -> Decision:
    """attempt is 1-based; the errors behind a "retry" are fed back to the next attempt."""
    left = attempt < max_attempts
    s = confidence.score
    if confidence.gates_failed:
        reasons = tuple(f"hard gate: {g}" for g in confidence.gates_failed)
        if left:
            return Decision("retry", (*reasons, f"attempt {attempt} of {max_attempts}: retrying"))
        return Decision("escalate", (*reasons, f"attempts exhausted ({attempt} of {max_attempts})"))
    if s >= COMMIT_AT:
        return Decision("commit", (f"score {s:.2f} >= {COMMIT_AT}",))
    if s < RETRY_AT:
        return Decision("escalate", (f"score {s:.2f} < {RETRY_AT}",))
    if left:
        return Decision("retry", (f"score {s:.2f} in [{RETRY_AT}, {COMMIT_AT}): retrying "
                                  f"(attempt {attempt} of {max_attempts})",))
    return Decision("escalate", (f"score {s:.2f} < {COMMIT_AT} and attempts exhausted ({attempt} of {max_attempts})",))


def hard_gates(inputs: GateInputs) -> tuple[str, ...]:
    """The names and evidence of the hard gates that fail; empty when all pass."""
    failed: list[str] = []
    checks = (("new gate errors", inputs.new_gate_errors), ("test regressions", inputs.regressions),
              ("new high-severity security findings", inputs.new_high_findings),
              ("secrets in the diff", inputs.secrets_in_diff))
    for name, items in checks:
        if items is None:
            failed.append(f"{name}: not checked")
        elif items:
            failed.append(f"{name}: " + ", ".join(list(items)[:5]) + (" …" if len(items) > 5 else ""))
    if inputs.protected:
        failed.append("edit to a protected path: " + ", ".join(inputs.protected))
    return tuple(failed)


def llm_factor(reported: float, *, tests: float | None, test_files_changed: bool,
               weakened: bool) -> tuple[float, str]:
    """The model's self-reported confidence, capped by the evidence so it cannot lift a fix by itself: never
    above the tests' pass rate (0 when the tests were not run or were weakened), at most 0.5 when the fix edits
    test files."""
    value = max(0.0, min(1.0, reported))
    cap, why = 1.0, ""
    if tests is None:
        cap, why = 0.0, "the tests were not run"
    elif weakened:
        cap, why = 0.0, "the fix weakens tests"
    elif tests < cap:
        cap, why = tests, f"the tests pass at {tests:.2f}"
    if test_files_changed and cap > LLM_CAP_TEST_FILES:
        cap, why = LLM_CAP_TEST_FILES, "the fix edits test files"
    if value <= cap:
        return value, ""
    return cap, f"model confidence {value:.2f} capped at {cap:.2f}: {why}"


def pass_rate_factor(pass_rate: float | None, reason: str = "") -> tuple[float, str]:
    """The tests factor and its note: tests that could not run count as 0, never as passing."""
    if pass_rate is None:
        return 0.0, f"tests not run: {reason or 'no reason given'}"
    return max(0.0, min(1.0, pass_rate)), ""


def complexity_factor(max_complexity: int) -> float:
    """Cyclomatic complexity 1 → 0 … 10 → 1, clamped."""
    return max(0.0, min(1.0, (max_complexity - 1) / 9))


def impact_factor(n_dependents: int) -> float:
    """Dependent files 1 → 0 … 20 → 1, clamped (0 dependents → 0)."""
    return max(0.0, min(1.0, (n_dependents - 1) / 19))


def breakdown_table(conf: Confidence) -> str:
    """A markdown table of factor, value, weight and contribution, with the score and any failed gates."""
    rows = ["| factor | value | weight | contribution |", "| --- | ---: | ---: | ---: |"]
    contributions = conf.contributions()
    for name, value in conf.factors.values().items():
        shown = f"1 - {value:.2f}" if name in ("complexity", "impact") else f"{value:.2f}"
        rows.append(f"| {name} | {shown} | {conf.weights[name]:.2f} | {contributions[name]:.3f} |")
    rows.append(f"| **score** | | | **{conf.score:.3f}** |")
    lines = rows + [f"- note: {n}" for n in conf.factors.notes]
    lines += [f"- hard gate failed: {g}" for g in conf.gates_failed]
    return "\n".join(lines) + "\n"


def cyclomatic_complexity(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """1 + decision points of the function's own body (nested defs and classes are their own functions)."""
    total = 1
    stack: list[ast.AST] = [*func.body, *func.args.defaults, *func.args.kw_defaults]  # type: ignore[list-item]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        total += _decisions(node)
        stack.extend(ast.iter_child_nodes(node))
    return total


def _decisions(node: ast.AST) -> int:
    """Branch points: if/elif, for, while, each except, each extra operand of and/or, each comprehension
    if, each match case, each conditional expression. (`with` does not branch; loop/try `else` is not
    counted.)"""
    if isinstance(node, ast.If | ast.IfExp | ast.match_case | ast.For | ast.AsyncFor | ast.While
                  | ast.ExceptHandler):
        return 1
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.comprehension):
        return len(node.ifs)
    return 0


def changed_functions(before_src: str | None, after_src: str) -> list[ChangedFunction]:
    """Functions of `after_src` that are new or differ (ignoring formatting and comments) from `before_src`."""
    after = _functions(after_src, "the patched file")
    before = _functions(before_src, "the original file") if before_src is not None else {}
    return [ChangedFunction(name, cyclomatic_complexity(node)) for name, node in after.items()
            if name not in before or ast.dump(before[name]) != ast.dump(node)]


def max_complexity(changed: Sequence[ChangedFunction]) -> int:
    return max((c.complexity for c in changed), default=1)


def _functions(source: str, what: str) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        raise PipelineError(f"cannot measure complexity: {what} does not parse ({exc})") from exc
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[prefix + node.name] = node
                walk(node.body, f"{prefix}{node.name}.<locals>.")
            elif isinstance(node, ast.ClassDef):
                walk(node.body, f"{prefix}{node.name}.")
            else:  # defs under if/try/with/match at any depth
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        walk([child], prefix)
                    elif isinstance(child, ast.ExceptHandler | ast.match_case):
                        walk(child.body, prefix)

    walk(tree.body, "")
    return found
