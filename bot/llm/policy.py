"""How the client spends and waits: retry backoff, per-model circuit breakers, hard per-run budgets."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.errors import BudgetExceeded


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # requests per model (first try included) before failing over
    base_delay: float = 1.0  # seconds; doubled each retry
    max_delay: float = 30.0
    max_retry_after: float = 60.0  # a server's retry-after is honoured up to this
    jitter: float = 0.25  # +- fraction of the delay

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        raw = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return max(0.0, raw * (1 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 3  # consecutive transient failures that open a model's breaker
    cooldown: float = 60.0  # seconds before an open breaker lets one trial request through


@dataclass
class _BreakerState:
    failures: int = 0
    opened_at: float | None = None


class CircuitBreakers:
    """One breaker per model: closed -> open (after `threshold` failures) -> half-open (after `cooldown`)."""

    def __init__(self, policy: BreakerPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._states: dict[str, _BreakerState] = {}

    def state(self, model: str) -> str:
        st = self._states.get(model)
        if st is None or st.opened_at is None:
            return "closed"
        return "half-open" if self._clock() - st.opened_at >= self.policy.cooldown else "open"

    def allows(self, model: str) -> bool:
        return self.state(model) != "open"

    def success(self, model: str) -> None:
        self._states[model] = _BreakerState()

    def failure(self, model: str) -> None:
        st = self._states.setdefault(model, _BreakerState())
        half_open = self.state(model) == "half-open"
        st.failures += 1
        if half_open or st.failures >= self.policy.threshold:
            st.opened_at = self._clock()


@dataclass(frozen=True)
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0  # requests sent (failed ones included)
    dollars: float = 0.0
    cache_hits: int = 0

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out


@dataclass(frozen=True)
class Budget:
    max_tokens: int
    max_calls: int
    max_dollars: float

    def check(self, used: Usage, *, prompt_tokens: int, max_tokens: int, max_cost: float) -> None:
        """Raise BudgetExceeded if one more call (at its worst case) could pass a hard limit."""
        if used.calls + 1 > self.max_calls:
            raise BudgetExceeded(f"call budget exhausted: {used.calls} of {self.max_calls} calls used; "
                                 f"raise [tool.yantra.fix] max-calls to allow more", transient=False)
        need = prompt_tokens + max_tokens
        if used.tokens + need > self.max_tokens:
            raise BudgetExceeded(
                f"token budget exhausted: {used.tokens:,} of {self.max_tokens:,} tokens used and the next call "
                f"may use up to {need:,} (prompt ~{prompt_tokens:,} + max_tokens {max_tokens:,}); raise "
                f"[tool.yantra.fix] max-tokens or lower context-budget", transient=False)
        if used.dollars + max_cost > self.max_dollars:
            raise BudgetExceeded(
                f"dollar budget exhausted: ${used.dollars:.4f} of ${self.max_dollars:.2f} spent and the next "
                f"call may cost up to ${max_cost:.4f}; raise [tool.yantra.fix] max-dollars", transient=False)


def estimate_tokens(text: str) -> int:
    """A conservative prompt size: one token per three characters (real tokenizers average ~4)."""
    return len(text) // 3 + 1


@dataclass
class UsageMeter:
    """Running totals for one run."""

    totals: Usage = field(default_factory=Usage)

    def add(self, *, tokens_in: int = 0, tokens_out: int = 0, calls: int = 0, dollars: float = 0.0,
            cache_hits: int = 0) -> None:
        t = self.totals
        self.totals = Usage(t.tokens_in + tokens_in, t.tokens_out + tokens_out, t.calls + calls,
                            t.dollars + dollars, t.cache_hits + cache_hits)
