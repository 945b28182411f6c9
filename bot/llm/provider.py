"""The one seam between Yantra and a language model: `Provider.complete(request, model)`.

`AnthropicProvider` calls the Messages API through the official `anthropic` SDK with the SDK's own retries
disabled (the client's retry policy decides), an explicit timeout, usage read from the response and cost
from `PRICES`. SDK exceptions become `ProviderError` (an `LLMError`) marked transient or permanent.

Any response body is data: a body the SDK cannot parse (truncated JSON, an HTML page with status 200, invalid
UTF-8), a message of the wrong shape, or text that cannot be stored (a lone surrogate) is a transient
`ProviderError` of kind "malformed" — retried, then failed over, then reported with the reason — never a crash.
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Protocol, cast

from bot.errors import LLMError

DEFAULT_TIMEOUT = 180.0  # seconds per request
DEFAULT_DEADLINE = 900.0  # seconds for all model calls of one run (retries and failover included)


@dataclass(frozen=True)
class Price:
    input_per_mtok: float  # dollars per million input tokens
    output_per_mtok: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000


# List prices when this was written (verify on anthropic.com/pricing before relying on them for billing).
# Longest matching prefix wins, so dated ids ("claude-sonnet-4-5-20250929") use their family's price.
PRICES: dict[str, Price] = {
    "claude-opus-4-6": Price(5.0, 25.0),
    "claude-sonnet-4-6": Price(3.0, 15.0),
    "claude-opus-4-5": Price(5.0, 25.0),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-opus-4": Price(15.0, 75.0),
    "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-sonnet-4": Price(3.0, 15.0),
    "claude-3-7-sonnet": Price(3.0, 15.0),
    "claude-3-5-sonnet": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
    "claude-3-haiku": Price(0.25, 1.25),
}
# Unknown models are charged at the most expensive known rate, so budgets stay conservative.
UNKNOWN_MODEL_PRICE = Price(15.0, 75.0)


def price_of(model: str, prices: dict[str, Price] | None = None) -> tuple[Price, bool]:
    """(price, known): the price of the longest known prefix of `model`, else the conservative default."""
    table = PRICES if prices is None else prices
    matches = [name for name in table if model == name or model.startswith(name + "-")]
    if not matches:
        return UNKNOWN_MODEL_PRICE, False
    return table[max(matches, key=len)], True


@dataclass(frozen=True)
class LLMRequest:
    """One request. With tools (Anthropic tool use): `tools` are the tool definitions offered, `turns` the
    conversation after the first user prompt (assistant tool_use turns and user tool_result turns, as Messages
    API dicts), and `final` forbids further tool calls (`tool_choice: none`): the model must answer."""

    system: str
    prompt: str
    max_tokens: int = 4096
    tools: tuple[dict[str, Any], ...] = ()
    turns: tuple[dict[str, Any], ...] = ()
    final: bool = False

    def messages(self) -> list[dict[str, Any]]:
        return [{"role": "user", "content": self.prompt}, *self.turns]


@dataclass(frozen=True)
class ToolUse:
    """A tool call the model asked for; `input` is whatever it sent (checked by the tool, not trusted)."""

    id: str
    name: str
    input: Any


@dataclass(frozen=True)
class LLMResponse:
    text: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cached: bool
    stop_reason: str = ""  # "end_turn", "max_tokens" (answer cut off), "tool_use", ...
    price_known: bool = True  # False: cost uses UNKNOWN_MODEL_PRICE
    tool_uses: tuple[ToolUse, ...] = ()
    blocks: tuple[dict[str, Any], ...] = ()  # the answer's text and tool_use blocks, to send back as its turn


class ProviderError(LLMError):
    """A failed model call: `status` is the HTTP status (None for connection errors and timeouts),
    `retry_after` the server's requested wait in seconds, if it gave one."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None,
                 retry_after: float | None = None, kind: str = "error") -> None:
        super().__init__(message, transient=transient)
        self.status = status
        self.retry_after = retry_after
        self.kind = kind


class Provider(Protocol):
    def complete(self, request: LLMRequest, model: str, *, timeout: float | None = None) -> LLMResponse: ...


_TRANSIENT_STATUS = {408, 409, 425, 429}
_PERMANENT_HINTS = {
    400: "the request was rejected as invalid",
    401: "the Anthropic API key was rejected; check ANTHROPIC_API_KEY",
    403: "the Anthropic API key is not allowed to use this model or endpoint",
    404: "the model or endpoint was not found; check [tool.yantra.fix] model / fallback-model",
    413: "the prompt is too large; lower [tool.yantra.fix] context-budget",
}


def preload_sdk() -> threading.Thread:
    """Import the `anthropic` SDK (about 2 s of CPU) in a background thread, so that the import overlaps work that
    waits on a subprocess, such as the baseline's test run. A request made before it finishes waits for it on
    the import lock; an SDK that is missing or broken fails then, on the request, as it would without this."""

    def load() -> None:
        try:
            importlib.import_module("anthropic")
        except Exception:  # reported by the request's own import, with its real cause
            return

    thread = threading.Thread(target=load, name="yantra-import-anthropic", daemon=True)
    thread.start()
    return thread


class AnthropicProvider:
    """Anthropic Messages API. `base_url` (or ANTHROPIC_BASE_URL) points it at another host, e.g. a test server."""

    def __init__(self, api_key: str, *, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 prices: dict[str, Price] | None = None) -> None:
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com"
        self.timeout = timeout
        self._prices = prices
        self._api_key = api_key
        self._client: Any = None  # the SDK client, made on the first request (importing the SDK takes ~2 s)

    def _sdk(self) -> Any:
        if self._client is None:
            import anthropic

            self._client = anthropic.Anthropic(api_key=self._api_key, base_url=self.base_url,
                                               timeout=self.timeout, max_retries=0)
        return self._client

    def complete(self, request: LLMRequest, model: str, *, timeout: float | None = None) -> LLMResponse:
        """One request; `timeout` (seconds) may shorten this provider's own, e.g. to meet a run's deadline."""
        client = self._sdk()
        import anthropic

        wait = self.timeout if timeout is None else min(self.timeout, timeout)
        try:
            extra: dict[str, Any] = {}
            if request.tools:
                extra["tools"] = list(request.tools)
                if request.final:
                    extra["tool_choice"] = {"type": "none"}
            message = client.messages.create(
                model=model, max_tokens=request.max_tokens, system=request.system,
                messages=cast(Any, request.messages()), timeout=wait, **extra)
        except anthropic.APITimeoutError as exc:
            raise ProviderError(f"{model}: no answer from {self.base_url} within {wait:g}s", transient=True,
                                kind="timeout") from exc
        except anthropic.AnthropicError as exc:
            raise self._error(exc, model) from exc
        # the SDK could not parse the body (RecursionError: JSON nested deeper than the parser's recursion)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise malformed(model, self.base_url, f"{type(exc).__name__}: {exc}") from exc
        try:
            return self._response(message, model)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise malformed(model, self.base_url, f"{type(exc).__name__}: {exc}") from exc

    def _response(self, message: Any, model: str) -> LLMResponse:
        content = message.content
        if not isinstance(content, list):
            raise TypeError(f"the answer has no list of content blocks (got {type(content).__name__})")
        text = "".join(str(getattr(block, "text", "") or "") for block in content
                       if getattr(block, "type", "") == "text")
        text.encode("utf-8")  # a lone surrogate cannot be stored, logged or applied: UnicodeEncodeError
        usage = message.usage
        input_tokens = int(usage.input_tokens or 0) + int(getattr(usage, "cache_read_input_tokens", 0) or 0) \
            + int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
        output_tokens = int(usage.output_tokens or 0)
        if input_tokens < 0 or output_tokens < 0:  # would pay back the token and dollar budgets
            raise ValueError(f"negative token counts in usage ({input_tokens} in, {output_tokens} out)")
        price, known = price_of(model, self._prices)
        answered = str(message.model or model)
        answered.encode("utf-8")
        uses, blocks = _tool_blocks(content)
        return LLMResponse(text=text, model=answered, input_tokens=input_tokens,
                           output_tokens=output_tokens, cost_usd=price.cost(input_tokens, output_tokens),
                           cached=False, stop_reason=str(message.stop_reason or ""), price_known=known,
                           tool_uses=uses, blocks=blocks)

    def _error(self, exc: Any, model: str) -> ProviderError:
        import anthropic

        if isinstance(exc, anthropic.APITimeoutError):
            return ProviderError(f"{model}: no answer from {self.base_url} within {self.timeout:g}s",
                                 transient=True, kind="timeout")
        if isinstance(exc, anthropic.APIConnectionError):
            return ProviderError(f"{model}: could not connect to {self.base_url} ({exc})",
                                 transient=True, kind="connection")
        if isinstance(exc, anthropic.APIStatusError):
            return _status_error(exc, model)
        if isinstance(exc, anthropic.APIResponseValidationError):
            return malformed(model, self.base_url, str(exc))
        return ProviderError(f"{model}: unexpected answer from {self.base_url}: {exc}", transient=False)


def _tool_blocks(content: list[Any]) -> tuple[tuple[ToolUse, ...], tuple[dict[str, Any], ...]]:
    """The tool calls of an answer, and its text and tool_use blocks as the assistant turn to send back."""
    uses: list[ToolUse] = []
    blocks: list[dict[str, Any]] = []
    for block in content:
        kind = getattr(block, "type", "")
        if kind == "text" and getattr(block, "text", ""):  # the API refuses empty text blocks
            blocks.append({"type": "text", "text": str(block.text)})
        elif kind == "tool_use":
            use = ToolUse(str(getattr(block, "id", "")), str(getattr(block, "name", "")), getattr(block, "input", None))
            uses.append(use)
            sent_back = use.input if isinstance(use.input, dict) else {}  # a bad input is answered as an error
            blocks.append({"type": "tool_use", "id": use.id, "name": use.name, "input": sent_back})
    return tuple(uses), tuple(blocks)


def malformed(model: str, base_url: str, detail: str) -> ProviderError:
    """An answer that is not a usable Messages API response (a transient failure: retried, then failed over)."""
    detail = " ".join(detail.encode("utf-8", "backslashreplace").decode("utf-8").split())
    if len(detail) > 200:
        detail = detail[:200] + "…"
    return ProviderError(f"{model}: {base_url} sent an answer that is not a Messages API response ({detail})",
                         transient=True, kind="malformed")


def _status_error(exc: Any, model: str) -> ProviderError:
    status = int(exc.status_code)
    detail = getattr(exc, "api_message", None) or str(exc)
    kind = str(getattr(exc, "type", None) or "error")
    retry_after = _retry_after(exc.response.headers)
    if status in _TRANSIENT_STATUS or status >= 500:
        label = {429: "rate limited", 529: "overloaded"}.get(status, "server error")
        return ProviderError(f"{model}: {label} (HTTP {status}): {detail}", transient=True, status=status,
                             retry_after=retry_after, kind=kind)
    hint = _PERMANENT_HINTS.get(status, "the request was refused")
    return ProviderError(f"{model}: {hint} (HTTP {status}): {detail}", transient=False, status=status,
                         kind=kind)


def _retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (numeric forms only)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None
