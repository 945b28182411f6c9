"""The tool-use loop: ask the model with tools offered, run the tools it calls, send their results back, and ask
again until it answers — within the run's budgets and deadline and the attempt's cap on tool calls.

Every request goes through `LLMClient.complete` (redaction, budgets, deadline, retries, failover). The loop
ends when the model answers without calling a tool; or with a final request (`tool_choice: none`, the tool
results telling it to answer now) once the tool cap or token budget is reached, the attempt's share of model
calls is one, the run's budget cannot pay for a tool turn and an answer after it, or the run's deadline is less
than `DEADLINE_MARGIN` away. A model that still calls
tools in its final turn gets no more turns: its text is the answer.

A `Journal` records each model turn and each tool result as they happen; a resumed run replays them in order
(the model is not asked again, no tool runs again) as long as the conversation is the same, and goes live from
the first step that differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from bot.llm.provider import LLMRequest, LLMResponse, ToolUse

if TYPE_CHECKING:
    from bot.context.tools import ContextTools, ToolResult
    from bot.llm.client import LLMClient

ANSWER_NOW = ("No more tool calls in this attempt ({why}). Answer now with your fix in the edit format, using "
              "what you have seen.")
REFUSED = "not run: no more tool calls in this attempt"
DEADLINE_MARGIN = 60.0  # seconds: closer to the run's deadline than this, the next model call is the answer


class Journal(Protocol):
    """Where one attempt's steps are recorded, in order (`seq` from 0)."""

    def steps(self) -> list[dict[str, Any]]: ...

    def save(self, seq: int, step: dict[str, Any]) -> None: ...

    def truncate(self, seq: int) -> None: ...


class MemoryJournal:
    """A journal held in memory (tests; runs without a session store)."""

    def __init__(self) -> None:
        self.recorded: list[dict[str, Any]] = []

    def steps(self) -> list[dict[str, Any]]:
        return list(self.recorded)

    def save(self, seq: int, step: dict[str, Any]) -> None:
        del self.recorded[seq:]
        self.recorded.append(step)

    def truncate(self, seq: int) -> None:
        del self.recorded[seq:]


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call as the evidence shows it."""

    turn: int
    name: str
    arguments: dict[str, Any]
    tokens: int
    is_error: bool
    seen: tuple[str, ...]
    replayed: bool

    def to_json(self) -> dict[str, Any]:
        return {"turn": self.turn, "name": self.name, "arguments": self.arguments, "tokens": self.tokens,
                "is_error": self.is_error, "seen": list(self.seen), "replayed": self.replayed}


@dataclass(frozen=True)
class Conversation:
    """The final answer, what all turns together cost, and the tool calls made on the way."""

    response: LLMResponse
    turns: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    calls: tuple[ToolCallRecord, ...]
    stopped: str = ""  # why tool use ended before the model chose to answer ("" when it chose)
    refused: int = 0  # tool calls answered "not run" because the cap or budget was reached

    @property
    def seen(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for c in self.calls for s in c.seen))


class _Replay:
    """The journal's recorded steps, consumed in order while the conversation matches them."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.recorded = journal.steps()
        self.seq = 0
        self.live = not self.recorded

    def take(self, kind: str, key: str) -> dict[str, Any] | None:
        if not self.live and self.seq < len(self.recorded):
            step = self.recorded[self.seq]
            if step.get("kind") == kind and step.get("key") == key:
                self.seq += 1
                return step
        if not self.live:
            self.live = True
            self.journal.truncate(self.seq)
        return None

    def save(self, step: dict[str, Any]) -> None:
        self.journal.save(self.seq, step)
        self.seq += 1


def converse(client: LLMClient, request: LLMRequest, tools: ContextTools, journal: Journal, *,
             max_turns: int, on_call: Callable[[ToolCallRecord], None] | None = None) -> Conversation:
    """Ask `request` with `tools` offered; at most `max_turns` model calls (the last one without tools)."""
    replay = _Replay(journal)
    schemas = tuple(tools.schemas)
    turns: list[dict[str, Any]] = []
    calls: list[ToolCallRecord] = []
    spent = [0, 0, 0.0]
    stopped = ""
    refused = 0
    for turn in range(max(1, max_turns)):
        final = bool(stopped) or turn == max_turns - 1
        ask = replace(request, tools=schemas, turns=tuple(turns), final=final)
        response = _ask(client, ask, replay)
        spent = [spent[0] + response.input_tokens, spent[1] + response.output_tokens, spent[2] + response.cost_usd]
        if final or response.stop_reason != "tool_use" or not response.tool_uses:
            if final and not stopped and response.tool_uses:
                stopped = f"the attempt's {max_turns} model call(s) are used"
            return Conversation(response, turn + 1, int(spent[0]), int(spent[1]), float(spent[2]), tuple(calls),
                                stopped, refused)
        results: list[dict[str, Any]] = []
        for use in response.tool_uses:
            result, replayed = _run(tools, use, replay)
            results.append({"type": "tool_result", "tool_use_id": use.id, "content": result.text,
                            "is_error": result.is_error})
            if not result.counted:
                refused += 1
                continue
            record = ToolCallRecord(turn + 1, use.name[:80], _shown(use.input), result.tokens, result.is_error,
                                    result.seen, replayed)
            calls.append(record)
            if on_call is not None:
                on_call(record)
        turns += [{"role": "assistant", "content": list(response.blocks)}, {"role": "user", "content": results}]
        stopped = _why_stop(client, tools, replace(ask, turns=tuple(turns)), turn, max_turns)
        if stopped:
            results.append({"type": "text", "text": ANSWER_NOW.format(why=stopped)})
    raise AssertionError("unreachable: the last turn is final")


def _ask(client: LLMClient, request: LLMRequest, replay: _Replay) -> LLMResponse:
    key = _request_key(request)
    step = replay.take("model", key)
    if step is not None:
        return _response_from_json(step["response"])
    response = client.complete(request)
    replay.save({"kind": "model", "key": key, "response": _response_to_json(response)})
    return response


def _run(tools: ContextTools, use: ToolUse, replay: _Replay) -> tuple[ToolResult, bool]:
    from bot.context.tools import ToolCall, ToolResult

    stop = tools.budget.exhausted()
    if stop is not None:  # refused without running: free, deterministic, not journaled
        result = ToolResult(use.name[:80], REFUSED, 0, is_error=True, counted=False)
        tools.record(ToolCall(use.name, _shown(use.input)), result)
        return result, False
    key = _digest([use.id, use.name, use.input])
    step = replay.take("tool", key)
    if step is not None:
        result = ToolResult.from_json(step["result"])
        tools.record(ToolCall(use.name, _shown(use.input)), result)
        return result, True
    result = tools.call(use.name, use.input)
    replay.save({"kind": "tool", "key": key, "result": result.to_json()})
    return result, False


def _why_stop(client: LLMClient, tools: ContextTools, next_request: LLMRequest, turn: int, max_turns: int) -> str:
    """Why the next model call must be the final one ("" when tools may still be used)."""
    stop = tools.budget.exhausted()
    if stop is not None:
        return stop
    if turn + 2 >= max_turns:
        return f"this attempt's share of the run's model calls ({max_turns}) leaves only the answer"
    if not client.affords(next_request, 2):
        return "the run's budget leaves room for one more model call only"
    left = client.seconds_left()
    if left is not None and left < DEADLINE_MARGIN:
        return f"the run's deadline is {left:.0f} s away"
    return ""


def _shown(arguments: object) -> dict[str, Any]:
    """The arguments as the log shows them (a non-object input is shown as its type)."""
    if isinstance(arguments, dict):
        return {str(k)[:40]: _clip(v) for k, v in list(arguments.items())[:8]}
    return {"<input>": type(arguments).__name__}


def _clip(value: object) -> object:
    if isinstance(value, str):
        return value[:200]
    if isinstance(value, list):
        return [_clip(v) for v in value[:20]] + ([f"… {len(value) - 20} more"] if len(value) > 20 else [])
    return value if isinstance(value, int | float | bool) or value is None else type(value).__name__


def _request_key(request: LLMRequest) -> str:
    return _digest([request.system, request.prompt, request.max_tokens, list(request.tools), list(request.turns),
                    request.final])


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _response_to_json(response: LLMResponse) -> dict[str, Any]:
    return {"text": response.text, "model": response.model, "input_tokens": response.input_tokens,
            "output_tokens": response.output_tokens, "cost_usd": response.cost_usd,
            "stop_reason": response.stop_reason, "price_known": response.price_known,
            "tool_uses": [{"id": u.id, "name": u.name, "input": u.input} for u in response.tool_uses],
            "blocks": list(response.blocks)}


def _response_from_json(data: dict[str, Any]) -> LLMResponse:
    """A recorded answer: replayed at no cost (it was paid for when recorded)."""
    return LLMResponse(text=data["text"], model=data["model"], input_tokens=int(data["input_tokens"]),
                       output_tokens=int(data["output_tokens"]), cost_usd=0.0, cached=True,
                       stop_reason=data["stop_reason"], price_known=bool(data["price_known"]),
                       tool_uses=tuple(ToolUse(str(u["id"]), str(u["name"]), u["input"]) for u in data["tool_uses"]),
                       blocks=tuple(data["blocks"]))
