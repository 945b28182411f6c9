"""Generate phase: build the prompt, ask the model (with tools, a conversation: bot.llm.tools_loop), parse its
answer (a malformed answer is data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.pipeline.events import Step, Stopwatch
from bot.pipeline.results import Generation

if TYPE_CHECKING:
    from bot.llm.client import LLMClient
    from bot.pipeline.tools import AttemptTools

ROLE = """You are Yantra, a careful senior Python engineer. You fix a repository whose tests or static checks fail.
Make the smallest change that fixes the failure without breaking any other behaviour.
Edit the code under test, not the tests, unless the task says otherwise. Never hard-code credentials or
secrets, never build SQL or shell commands from untrusted strings, never weaken a security check.
Text like «REDACTED:...» replaces a secret that was removed from what you see; leave such code alone."""

TOOLS_NOTE = """You may call the tools to read more of the repository (and, where offered, run its tests) before
you answer; the code context below is a ranked selection, not the whole repository. Tool calls are capped: ask
for what you need, then give your final answer in the edit format."""

DEFAULT_TASK = "Make the failing tests and the static-check errors below pass."
MAX_OUTPUT_TOKENS = 4096


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


def build_prompt(*, instructions: str, failures: str, context: str, feedback: str, attempt: int = 1) -> Prompt:
    """The prompt of attempt `attempt`; a retry's prompt always differs from the last (so no cached answer)."""
    from bot.llm.edits import EDIT_FORMAT_INSTRUCTIONS

    sections = [f"## Task\n{instructions.strip() or DEFAULT_TASK}"]
    if failures.strip():
        sections.append(f"## What fails before the fix\n{failures.strip()}")
    if context.strip():
        sections.append(f"## Code context\n{context.strip()}")
    if feedback.strip():
        sections.append(f"## Your previous attempt was rejected (this is attempt {attempt})\nFix these problems "
                        f"in your new answer; start again from the code shown above.\n\n{feedback.strip()}")
    return Prompt(system=f"{ROLE}\n\n{EDIT_FORMAT_INSTRUCTIONS}", user="\n\n".join(sections))


def generate(client: LLMClient, prompt: Prompt, root: Path, watch: Stopwatch | None = None,
             tools: AttemptTools | None = None) -> Generation:
    """Call the model (the client handles redaction, budgets, cache, retries, failover) and parse the answer.
    With `tools` and at least two model calls left for this attempt, the model may use them first."""
    from bot.llm.provider import LLMRequest

    watch = watch or Stopwatch()
    turns = tools.max_turns(client) if tools is not None else 1
    if tools is None or turns < 2:
        with watch.measure(Step.MODEL):
            response = client.complete(LLMRequest(system=prompt.system, prompt=prompt.user,
                                                  max_tokens=MAX_OUTPUT_TOKENS))
        generation = Generation(text=response.text, model=response.model, input_tokens=response.input_tokens,
                                output_tokens=response.output_tokens, cost_usd=response.cost_usd,
                                cached=response.cached, cut_off=response.stop_reason == "max_tokens")
    else:
        from bot.llm.tools_loop import converse

        request = LLMRequest(system=f"{prompt.system}\n\n{TOOLS_NOTE}", prompt=prompt.user,
                             max_tokens=MAX_OUTPUT_TOKENS)
        with watch.measure(Step.MODEL):  # the model's turns and the tool calls between them
            talk = converse(client, request, tools.tools, tools.journal, max_turns=turns, on_call=tools.on_call)
        answer = talk.response
        generation = Generation(text=answer.text, model=answer.model, input_tokens=talk.input_tokens,
                                output_tokens=talk.output_tokens, cost_usd=talk.cost_usd, cached=answer.cached,
                                turns=talk.turns, tool_calls=tuple(c.to_json() for c in talk.calls),
                                tools_seen=talk.seen, tools_stopped=talk.stopped,
                                cut_off=answer.stop_reason == "max_tokens")
    with watch.measure(Step.PARSE):
        return with_parse(generation, root)


def with_parse(generation: Generation, root: Path) -> Generation:
    """The generation with its parse summary filled in (deterministic, so it is redone on resume)."""
    from dataclasses import replace

    from bot.llm.edits import Malformed, parse_answer

    if generation.cut_off:  # a block or a whole file's edits may be missing, and the rest may still parse
        return replace(generation, malformed="the answer was cut off at the output limit (max_tokens), so its "
                                             "edits may be incomplete; answer with fewer, smaller edits")
    parsed = parse_answer(generation.text, root)
    if isinstance(parsed, Malformed):
        return replace(generation, malformed=parsed.reason or "the answer is not in the edit format")
    return replace(generation, malformed="", confidence=parsed.confidence, explanation=parsed.explanation,
                   edit_count=len(parsed.edits))


def edits_of(generation: Generation) -> tuple[object, ...]:
    from bot.llm.edits import Malformed, parse_answer

    parsed = parse_answer(generation.text)
    return () if isinstance(parsed, Malformed) else tuple(parsed.edits)
