"""`LLMClient.complete`: the only way the pipeline talks to a model.

In order: redact secrets from everything sent, answer from the response cache if it can (free), check the
hard budgets and the run's deadline before every request, retry transient failures with backoff (honouring
retry-after), keep a circuit breaker per model, fail over to the fallback model, and report one event per attempt.

The cache is keyed by the session as well as the prompt, model and configuration: a resumed session gets its
own answers back without paying again, while a new session never replays an answer an earlier one rejected.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import FixConfig
from bot.errors import BudgetExceeded, LLMError
from bot.llm.cache import ResponseCache, cache_key
from bot.llm.policy import (
    BreakerPolicy,
    Budget,
    CircuitBreakers,
    RetryPolicy,
    Usage,
    UsageMeter,
    estimate_tokens,
)
from bot.llm.provider import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    AnthropicProvider,
    LLMRequest,
    LLMResponse,
    Provider,
    price_of,
)

Event = dict[str, Any]
CACHE_VERSION = "2"  # bump when the meaning of a cached answer changes (e.g. the edit format); 2: per session


class DeadlineExceeded(LLMError):
    """The run's overall deadline passed (across retries and failover): no further model call is made."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class LLMClient:
    def __init__(self, provider: Provider, *, model: str, fallback_model: str | None, budget: Budget,
                 cache: ResponseCache | None = None, config_hash: str = "",
                 retry: RetryPolicy | None = None, breaker: BreakerPolicy | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None,
                 deadline: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """`deadline`: seconds from now after which no model request starts and none may still be waited on."""
        self.provider = provider
        self.model = model
        self.fallback_model = fallback_model if fallback_model and fallback_model != model else None
        self.budget = budget
        self.cache = cache
        self.config_hash = config_hash
        self.retry = retry or RetryPolicy()
        self.breakers = CircuitBreakers(breaker or BreakerPolicy())
        self._on_event = on_event
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._meter = UsageMeter()
        self._clock = clock
        self.deadline = deadline
        self._ends = None if deadline is None else clock() + deadline

    @property
    def usage(self) -> Usage:
        return self._meter.totals

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def complete(self, request: LLMRequest) -> LLMResponse:
        """One answer. Raises BudgetExceeded before a request that could pass a budget, LLMError otherwise."""
        from bot.scan.secrets import redact

        system, n_system = redact(request.system)
        prompt, n_prompt = redact(request.prompt)
        turns, n_turns = _redact_turns(request.turns)
        clean = LLMRequest(system=system, prompt=prompt, max_tokens=request.max_tokens, tools=request.tools,
                           turns=turns, final=request.final)
        key = _key(clean, self.model, self.config_hash)
        base = {"redacted": n_system + n_prompt + n_turns}
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None:
            self._meter.add(cache_hits=1)
            self._emit(base, model=hit.model, attempt=0, outcome="cache-hit", response=hit)
            return hit
        failures: list[str] = []
        for model in (self.model, self.fallback_model):
            if model is None:
                continue
            try:
                response = self._try_model(model, clean, base)
            except BudgetExceeded:
                raise
            except LLMError as exc:
                if not exc.transient and getattr(exc, "status", None) != 404:
                    raise
                failures.append(str(exc))
                continue
            if self.cache is not None and not response.tool_uses:  # tool turns are replayed from the session
                self.cache.put(key, response)
            return response
        raise LLMError(f"no model answered ({'; '.join(failures)}); try again later", transient=True)

    def _try_model(self, model: str, request: LLMRequest, base: Event) -> LLMResponse:
        attempt = 0
        while True:
            attempt += 1
            if not self.breakers.allows(model):
                self._emit(base, model=model, attempt=attempt, outcome="breaker-open")
                raise LLMError(f"{model}: circuit breaker open after repeated failures; not calling it for "
                               f"{self.breakers.policy.cooldown:g}s", transient=True)
            self._check_budget(model, request, base, attempt)
            remaining = self._remaining(model, base, attempt)
            started = time.monotonic()
            try:
                response = self.provider.complete(request, model, timeout=remaining)
            except LLMError as exc:
                self._meter.add(calls=1)
                if exc.transient:
                    self.breakers.failure(model)
                last = (not exc.transient or attempt >= self.retry.attempts
                        or not self.breakers.allows(model))
                wait = None if last else self.retry.delay(attempt, getattr(exc, "retry_after", None), self._rng)
                self._emit(base, model=model, attempt=attempt, seconds=time.monotonic() - started,
                           outcome="transient-error" if exc.transient else "error",
                           status=getattr(exc, "status", None), retry_in=wait, message=str(exc))
                if wait is None:
                    raise
                if self._ends is not None and self._clock() + wait >= self._ends:
                    raise self._deadline_passed(model, base, attempt, f"after: {exc}") from exc
                self._sleep(wait)
                continue
            self.breakers.success(model)
            self._meter.add(tokens_in=response.input_tokens, tokens_out=response.output_tokens, calls=1,
                            dollars=response.cost_usd)
            self._emit(base, model=model, attempt=attempt, outcome="ok", status=200, response=response,
                       seconds=time.monotonic() - started)
            return response

    def _remaining(self, model: str, base: Event, attempt: int) -> float | None:
        if self._ends is None:
            return None
        left = self._ends - self._clock()
        if left <= 0:
            raise self._deadline_passed(model, base, attempt, "")
        return left

    def _deadline_passed(self, model: str, base: Event, attempt: int, detail: str) -> DeadlineExceeded:
        message = (f"the run's deadline of {self.deadline:g}s passed ([tool.yantra.fix] deadline)"
                   + (f" {detail}" if detail else "") + "; no further model call")
        self._emit(base, model=model, attempt=attempt, outcome="deadline", message=message)
        return DeadlineExceeded(message)

    def seconds_left(self) -> float | None:
        """Seconds until the run's deadline (None: no deadline)."""
        return None if self._ends is None else max(0.0, self._ends - self._clock())

    def affords(self, request: LLMRequest, calls: int) -> bool:
        """Whether the hard budgets allow `calls` more requests the size of `request` (each at its worst case)."""
        prompt_tokens = request_tokens(request)
        price, _ = price_of(self.model)
        cost = price.cost(prompt_tokens, request.max_tokens)
        used = self.usage
        before = Usage(used.tokens_in + (prompt_tokens + request.max_tokens) * (calls - 1), used.tokens_out,
                       used.calls + calls - 1, used.dollars + cost * (calls - 1))
        try:
            self.budget.check(before, prompt_tokens=prompt_tokens, max_tokens=request.max_tokens, max_cost=cost)
        except BudgetExceeded:
            return False
        return True

    def _check_budget(self, model: str, request: LLMRequest, base: Event, attempt: int) -> None:
        prompt_tokens = request_tokens(request)
        price, _ = price_of(model)
        try:
            self.budget.check(self.usage, prompt_tokens=prompt_tokens, max_tokens=request.max_tokens,
                              max_cost=price.cost(prompt_tokens, request.max_tokens))
        except BudgetExceeded as exc:
            self._emit(base, model=model, attempt=attempt, outcome="budget-exceeded", message=str(exc))
            raise

    def _emit(self, base: Event, *, model: str, attempt: int, outcome: str, status: int | None = None,
              response: LLMResponse | None = None, seconds: float = 0.0, retry_in: float | None = None,
              message: str = "") -> None:
        if self._on_event is None:
            return
        event: Event = {"event": "llm", "model": model, "attempt": attempt, "outcome": outcome, "status": status,
                        "input_tokens": response.input_tokens if response else 0,
                        "output_tokens": response.output_tokens if response else 0,
                        "cost_usd": response.cost_usd if response else 0.0,
                        "seconds": round(seconds, 3), **base}
        if response is not None and not response.price_known:
            event["note"] = f"no price known for {model}; cost charged at the most expensive known rate"
        if retry_in is not None:
            event["retry_in"] = round(retry_in, 3)
        if message:
            event["message"] = message
        self._on_event(event)


def request_tokens(request: LLMRequest) -> int:
    """A conservative size of everything a request sends: system, prompt, tool definitions and the turns."""
    size = estimate_tokens(request.system) + estimate_tokens(request.prompt)
    if request.tools or request.turns:
        size += estimate_tokens(json.dumps([request.tools, request.turns], default=str))
    return size


def _key(request: LLMRequest, model: str, config_hash: str) -> str:
    """The cache key; a request with tools or turns also keys on them (a plain request keeps its old key)."""
    key = cache_key(request, model, config_hash)
    if not (request.tools or request.turns or request.final):
        return key
    extra = json.dumps([request.tools, request.turns, request.final], sort_keys=True, default=str)
    return hashlib.sha256(f"{key}\0{extra}".encode()).hexdigest()


def _redact_turns(turns: tuple[dict[str, Any], ...]) -> tuple[tuple[dict[str, Any], ...], int]:
    """The turns with secrets redacted from every text they send (text blocks, tool results, tool inputs).

    All their strings are redacted in one pass (a model may send thousands of tool calls: one scan each would
    take minutes); should a secret span two of them, each is redacted on its own instead."""
    from bot.scan.secrets import redact

    strings: list[str] = []

    def walk(value: Any, replace: Callable[[str], str] | None = None) -> Any:
        if isinstance(value, str):
            if replace is None:
                strings.append(value)
                return value
            return replace(value)
        if isinstance(value, dict):
            return {k: walk(v, replace) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v, replace) for v in value]
        return value

    for turn in turns:
        walk(turn)
    if not strings:
        return turns, 0
    joined, count = redact(_SEPARATOR.join(strings))
    parts = joined.split(_SEPARATOR)
    if len(parts) != len(strings):
        results = [redact(text) for text in strings]
        parts, count = [r[0] for r in results], sum(r[1] for r in results)
    cleaned = iter(parts)
    return tuple(walk(turn, lambda _: next(cleaned)) for turn in turns), count


_SEPARATOR = "\n\x1e\x1e yantra-separator \x1e\x1e\n"


def config_hash(config: FixConfig, session: str = "") -> str:
    """What in the configuration changes an answer (budgets and timeouts do not)."""
    data = {"version": CACHE_VERSION, "model": config.model, "fallback": config.fallback_model,
            "session": session}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def make_client(config: FixConfig, *, api_key: str | None, base_url: str | None, state_dir: Path,
                session: str, on_event: Callable[[Event], None] | None = None, retry: RetryPolicy | None = None,
                breaker: BreakerPolicy | None = None, timeout: float | None = None) -> LLMClient:
    """The client for one run of session `session` (its answers are cached for that session only). Optional
    FixConfig fields (if present) tune retries: retry_attempts, retry_base_delay, retry_max_delay,
    max_retry_after, breaker_threshold, breaker_cooldown, llm_timeout; `deadline` (seconds, default 900)
    bounds all model calls of the run; `cache = false` (`yantra fix --no-cache`) neither reads nor writes it."""
    if not api_key or not api_key.strip():
        raise LLMError("no ANTHROPIC_API_KEY set: set it in the environment (a repository secret for the "
                       "GitHub Action) so Yantra can ask a model for a fix; the checks run without it",
                       transient=False)
    provider = AnthropicProvider(api_key.strip(), base_url=base_url,
                                 timeout=timeout or float(getattr(config, "llm_timeout", DEFAULT_TIMEOUT)))
    return LLMClient(provider, model=config.model, fallback_model=config.fallback_model,
                     budget=Budget(config.max_tokens, config.max_calls, config.max_dollars),
                     cache=ResponseCache(state_dir / "llm-cache.sqlite") if getattr(config, "cache", True) else None,
                     config_hash=config_hash(config, session), retry=retry or _retry_from(config),
                     breaker=breaker or _breaker_from(config), on_event=on_event,
                     deadline=float(getattr(config, "deadline", DEFAULT_DEADLINE)) or None)


def _retry_from(config: FixConfig) -> RetryPolicy:
    d = RetryPolicy()
    return RetryPolicy(attempts=int(getattr(config, "retry_attempts", d.attempts)),
                       base_delay=float(getattr(config, "retry_base_delay", d.base_delay)),
                       max_delay=float(getattr(config, "retry_max_delay", d.max_delay)),
                       max_retry_after=float(getattr(config, "max_retry_after", d.max_retry_after)))


def _breaker_from(config: FixConfig) -> BreakerPolicy:
    d = BreakerPolicy()
    return BreakerPolicy(threshold=int(getattr(config, "breaker_threshold", d.threshold)),
                         cooldown=float(getattr(config, "breaker_cooldown", d.cooldown)))
