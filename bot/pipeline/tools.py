"""The model's tools in one fix attempt: the graph's tools (bot.context.tools), `run_tests` through the same
sandboxed test runner and rule as the pipeline's own test runs, and a journal in the session store so a resumed
run replays the tool conversation instead of repeating it.

`run_tests` runs the repository as it is (the model has not edited anything yet) in the run's sandbox. Where
there is no sandbox and a secret is reachable it refuses, unless the run allows unsandboxed code
(`--allow-unsandboxed`); a run that never runs tests (fork code) does not offer it at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.report.markdown import code_span
from bot.scan.sandbox import Sandbox

if TYPE_CHECKING:
    from bot.context.tools import ContextTools
    from bot.graph import Graph
    from bot.llm.client import LLMClient
    from bot.llm.tools_loop import ToolCallRecord
    from bot.pipeline.state import SessionStore

MIN_TEST_SECONDS = 10.0  # below this much time to the run's deadline, run_tests refuses
RESERVED_CALLS = 2  # model calls kept for each later attempt (its answer, and a retry of it)


@dataclass
class StoreJournal:
    """An attempt's tool conversation, step by step, in the session store."""

    store: SessionStore
    session: str
    attempt: int

    def steps(self) -> list[dict[str, Any]]:
        return self.store.tool_steps(self.session, self.attempt)

    def save(self, seq: int, step: dict[str, Any]) -> None:
        self.store.save_tool_step(self.session, self.attempt, seq, step)

    def truncate(self, seq: int) -> None:
        self.store.truncate_tool_steps(self.session, self.attempt, seq)


@dataclass
class AttemptTools:
    tools: ContextTools
    journal: StoreJournal
    attempt: int
    max_attempts: int
    on_call: Callable[[ToolCallRecord], None] | None = None

    def max_turns(self, client: LLMClient) -> int:
        """This attempt's share of the run's model calls: all that are left, less a reserve for later attempts."""
        left = client.budget.max_calls - client.usage.calls
        later = max(0, self.max_attempts - self.attempt)
        return max(1, left - RESERVED_CALLS * later)


def attempt_tools(*, graph: Graph | None, root: Path, config: Config, store: SessionStore, session: str,
                  attempt: int, sandbox: Sandbox, run_tests: bool, allow_unsandboxed: bool,
                  seconds_left: Callable[[], float | None],
                  on_call: Callable[[ToolCallRecord], None] | None = None) -> AttemptTools | None:
    """The tools of attempt `attempt`, or None when none are offered (switched off, or no graph to ask)."""
    from bot.context.tools import ContextTools, ToolBudget

    fix = config.fix
    if not fix.tools or fix.max_tool_calls <= 0 or graph is None:
        return None
    runner = tests_runner(root, config, sandbox, allow_unsandboxed, seconds_left) if run_tests else None
    tools = ContextTools(graph, ToolBudget(max_calls=fix.max_tool_calls), run_tests=runner)
    return AttemptTools(tools, StoreJournal(store, session, attempt), attempt, fix.max_attempts, on_call)


def tests_runner(root: Path, config: Config, sandbox: Sandbox, allow_unsandboxed: bool,
                 seconds_left: Callable[[], float | None]) -> Callable[[list[str]], str]:
    """`run_tests` for the model: checked node ids (bot.context.tools) -> a short report of their outcomes."""
    from bot.context.tools import ToolError
    from bot.scan.sandbox import reachable_secrets
    from bot.scan.tests import is_pytest_command, run_tests

    def run(node_ids: list[str]) -> str:
        command = config.fix.test_command
        if command and not is_pytest_command(command):
            raise ToolError("run_tests: the configured test command is not pytest, so it cannot select tests")
        if not sandbox.available and not allow_unsandboxed:
            secrets = reachable_secrets(root)
            if secrets:
                raise ToolError(f"run_tests: no sandbox here ({sandbox.reason}) and a secret is reachable, so "
                                f"no test runs before the fix is checked")
        left = seconds_left()
        timeout = config.fix.test_timeout if left is None else min(config.fix.test_timeout, left - 5.0)
        if timeout < MIN_TEST_SECONDS:
            raise ToolError("run_tests: the run's deadline leaves no time to run tests")
        return report(run_tests(root, select=node_ids, command=command, timeout=timeout, sandbox=sandbox))

    return run


def report(run: Any) -> str:
    """A TestRun as the model reads it: status, each selected test's outcome, and the failures' excerpts."""
    lines = [f"status: {run.status}" + (f" ({run.reason.splitlines()[0]})" if run.reason else "")]
    lines += [f"{outcome:8} {nodeid}" for nodeid, outcome in sorted(run.outcomes.items())[:60]]
    if len(run.outcomes) > 60:
        lines.append(f"… and {len(run.outcomes) - 60} more tests")
    for failure in run.failures[:5]:
        lines += ["", f"FAILED {failure.nodeid}: {failure.message}", failure.excerpt.rstrip()]
    return "\n".join(lines).rstrip() + "\n"


def tool_event(record: ToolCallRecord) -> dict[str, Any]:
    """The JSON log's fields for one tool call."""
    return {"turn": record.turn, "name": record.name, "arguments": record.arguments, "tokens": record.tokens,
            "error": record.is_error, "seen": list(record.seen), "replayed": record.replayed}


def summary(calls: Sequence[dict[str, Any]], seen: Sequence[str]) -> str:
    """One line for the review: how many tool calls, of which tools, their tokens, and what they showed."""
    if not calls:
        return ""
    names: dict[str, int] = {}
    for call in calls:
        names[str(call["name"])] = names.get(str(call["name"]), 0) + 1
    kinds = ", ".join(f"{code_span(n)} x{k}" if k > 1 else code_span(n) for n, k in names.items())  # model-chosen
    errors = sum(1 for c in calls if c.get("is_error"))
    tokens = sum(int(c.get("tokens", 0)) for c in calls)
    shown = f"; definitions seen: {', '.join(code_span(s) for s in seen[:10])}" if seen else ""
    more = f" and {len(seen) - 10} more" if len(seen) > 10 else ""
    return (f"tools: {len(calls)} call(s) ({kinds}), {tokens} tokens"
            + (f", {errors} error(s)" if errors else "") + shown + more)
