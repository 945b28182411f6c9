"""LLMClient end to end: the real SDK against a local Messages API server, scripted per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from support.anthropic_server import AnthropicServer, Reply

from bot.config import FixConfig
from bot.errors import BudgetExceeded, LLMError
from bot.llm.client import LLMClient, make_client
from bot.llm.policy import BreakerPolicy, Budget, CircuitBreakers, RetryPolicy
from bot.llm.provider import AnthropicProvider, LLMRequest

PRIMARY, FALLBACK = "claude-sonnet-4-5", "claude-haiku-4-5"
CONFIG = FixConfig(model=PRIMARY, fallback_model=FALLBACK, max_tokens=100_000, max_calls=20, max_dollars=5.0)
FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, max_retry_after=0.05)
REQUEST = LLMRequest(system="You fix bugs.", prompt="tests/test_x.py::test_y fails: assert 1 == 2",
                     max_tokens=1000)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK warns about older model ids


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as running:
        yield running


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.waits: list[float] = []

    def outcomes(self) -> list[tuple[str, str]]:
        return [(e["model"], e["outcome"]) for e in self.events]


def client(server: AnthropicServer, tmp_path: Path, recorder: Recorder | None = None, *,
           config: FixConfig = CONFIG, retry: RetryPolicy = FAST,
           breaker: BreakerPolicy | None = None, session: str = "s1") -> LLMClient:
    rec = recorder or Recorder()
    return make_client(config, api_key="test-key", base_url=server.base_url, state_dir=tmp_path / "state",
                       session=session, on_event=rec.events.append, retry=retry, breaker=breaker)


def recording_client(server: AnthropicServer, recorder: Recorder, **kw: Any) -> LLMClient:
    """A client whose waits are recorded instead of slept (the delays themselves are the behaviour)."""
    return LLMClient(AnthropicProvider("test-key", base_url=server.base_url, timeout=10.0), model=PRIMARY,
                     fallback_model=FALLBACK, budget=Budget(100_000, 20, 5.0), on_event=recorder.events.append,
                     sleep=recorder.waits.append, **kw)


def test_no_api_key_is_a_permanent_error(tmp_path: Path) -> None:
    for key in (None, "", "  "):
        with pytest.raises(LLMError, match="no ANTHROPIC_API_KEY set") as caught:
            make_client(CONFIG, api_key=key, base_url=None, state_dir=tmp_path, session="s1")
        assert not caught.value.transient


def test_success_reports_usage_and_one_event(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.answer("fixed", input_tokens=2000, output_tokens=100))
    rec = Recorder()
    llm = client(server, tmp_path, rec)
    response = llm.complete(REQUEST)
    assert response.text == "fixed" and not response.cached
    assert response.cost_usd == pytest.approx(2000 * 3e-6 + 100 * 15e-6)
    usage = llm.usage
    assert (usage.tokens_in, usage.tokens_out, usage.calls) == (2000, 100, 1)
    assert usage.dollars == pytest.approx(response.cost_usd)
    [event] = rec.events
    assert {"model", "status", "input_tokens", "output_tokens", "cost_usd", "seconds", "outcome"} <= set(event)
    assert (event["model"], event["status"], event["outcome"], event["input_tokens"]) == (PRIMARY, 200, "ok", 2000)


def test_rate_limit_honours_retry_after_then_succeeds(server: AnthropicServer) -> None:
    server.script(Reply.rate_limited(retry_after=7), "fixed")
    rec = Recorder()
    llm = recording_client(server, rec, retry=RetryPolicy(base_delay=0.001, max_retry_after=30.0))
    assert llm.complete(REQUEST).text == "fixed"
    assert [r.model for r in server.requests] == [PRIMARY, PRIMARY]
    assert rec.waits == [7.0]  # the server's retry-after, not the 1 ms base delay
    assert rec.outcomes() == [(PRIMARY, "transient-error"), (PRIMARY, "ok")]
    assert rec.events[0]["status"] == 429 and rec.events[0]["retry_in"] == 7.0


def test_retry_after_is_capped(server: AnthropicServer) -> None:
    server.script(Reply.rate_limited(retry_after=3600), "fixed")
    rec = Recorder()
    llm = recording_client(server, rec, retry=RetryPolicy(max_retry_after=20.0))
    llm.complete(REQUEST)
    assert rec.waits == [20.0]


def test_backoff_grows_exponentially_without_retry_after(server: AnthropicServer) -> None:
    server.script(Reply.server_error(), Reply.server_error(), Reply.server_error(), "fixed")
    rec = Recorder()
    llm = recording_client(server, rec, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=100.0,
                                                          jitter=0.25),
                           breaker=BreakerPolicy(threshold=10))
    assert llm.complete(REQUEST).text == "fixed"
    assert len(server.requests) == 4
    assert [round(w) for w in rec.waits] in ([1, 2, 4], [1, 2, 5], [1, 3, 4], [1, 3, 5], [1, 2, 3], [1, 3, 3])
    assert all(0.75 * 2 ** k <= w <= 1.25 * 2 ** k for k, w in enumerate(rec.waits))


def test_server_error_then_success(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.server_error(), "fixed")
    rec = Recorder()
    assert client(server, tmp_path, rec).complete(REQUEST).text == "fixed"
    assert [r.model for r in server.requests] == [PRIMARY, PRIMARY]
    assert rec.outcomes() == [(PRIMARY, "transient-error"), (PRIMARY, "ok")]


def test_overloaded_primary_fails_over_to_the_fallback(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.overloaded(), Reply.overloaded(), Reply.overloaded(),
                  lambda req: f"answer from {req.model}")
    rec = Recorder()
    llm = client(server, tmp_path, rec, breaker=BreakerPolicy(threshold=3, cooldown=3600))
    response = llm.complete(REQUEST)
    assert response.text == f"answer from {FALLBACK}" and response.model == FALLBACK
    assert [r.model for r in server.requests] == [PRIMARY, PRIMARY, PRIMARY, FALLBACK]
    assert [e["status"] for e in rec.events] == [529, 529, 529, 200]
    assert llm.usage.calls == 4


def test_retries_exhausted_fail_over_even_with_a_closed_breaker(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.server_error(), Reply.server_error(), "from fallback")
    llm = client(server, tmp_path, retry=replace(FAST, attempts=2), breaker=BreakerPolicy(threshold=10))
    assert llm.complete(REQUEST).text == "from fallback"
    assert [r.model for r in server.requests] == [PRIMARY, PRIMARY, FALLBACK]


def test_open_breaker_skips_the_primary_on_later_calls(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.overloaded(), Reply.overloaded(), "first", "second")
    rec = Recorder()
    llm = client(server, tmp_path, rec, breaker=BreakerPolicy(threshold=2, cooldown=3600))
    assert llm.complete(REQUEST).text == "first"
    assert llm.breakers.state(PRIMARY) == "open"
    assert llm.complete(replace(REQUEST, prompt="another question")).text == "second"
    assert [r.model for r in server.requests] == [PRIMARY, PRIMARY, FALLBACK, FALLBACK]
    assert (PRIMARY, "breaker-open") in rec.outcomes()


def test_breaker_half_opens_after_the_cooldown() -> None:
    now = [0.0]
    breakers = CircuitBreakers(BreakerPolicy(threshold=2, cooldown=10.0), clock=lambda: now[0])
    breakers.failure("m")
    assert breakers.state("m") == "closed"
    breakers.failure("m")
    assert breakers.state("m") == "open" and not breakers.allows("m")
    now[0] = 10.0
    assert breakers.state("m") == "half-open" and breakers.allows("m")
    breakers.failure("m")  # the trial request failed: open again
    assert breakers.state("m") == "open"
    now[0] = 25.0
    breakers.success("m")
    assert breakers.state("m") == "closed"


def test_every_model_failing_is_a_transient_error(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = Reply.overloaded()
    llm = client(server, tmp_path, retry=replace(FAST, attempts=2), breaker=BreakerPolicy(threshold=5))
    with pytest.raises(LLMError, match="no model answered") as caught:
        llm.complete(REQUEST)
    assert caught.value.transient
    assert PRIMARY in str(caught.value) and FALLBACK in str(caught.value)
    assert [r.model for r in server.requests] == [PRIMARY, PRIMARY, FALLBACK, FALLBACK]


def test_rejected_key_is_permanent_with_no_retry_or_failover(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.unauthorized())
    with pytest.raises(LLMError, match="the Anthropic API key was rejected") as caught:
        client(server, tmp_path).complete(REQUEST)
    assert not caught.value.transient
    assert len(server.requests) == 1


def test_unknown_model_fails_over(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.error(404, "not_found_error", "model: claude-sonnet-4-5"), "from fallback")
    assert client(server, tmp_path).complete(REQUEST).text == "from fallback"
    assert [r.model for r in server.requests] == [PRIMARY, FALLBACK]


def test_identical_call_is_answered_from_the_cache(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.answer("fixed", input_tokens=500, output_tokens=50))
    rec = Recorder()
    llm = client(server, tmp_path, rec)
    first = llm.complete(REQUEST)
    second = llm.complete(REQUEST)
    assert len(server.requests) == 1
    assert second.cached and second.cost_usd == 0.0 and second.text == first.text == "fixed"
    assert (llm.usage.calls, llm.usage.tokens_in, llm.usage.cache_hits) == (1, 500, 1)
    assert rec.outcomes()[-1] == (PRIMARY, "cache-hit")
    # a resumed run (a new client over the same state directory) does not pay again either
    assert client(server, tmp_path).complete(REQUEST).cached
    assert len(server.requests) == 1


def test_cache_key_covers_prompt_and_model(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = lambda req: f"{req.model}: {len(req.text)}"
    client(server, tmp_path).complete(REQUEST)
    client(server, tmp_path).complete(replace(REQUEST, prompt=REQUEST.prompt + "!"))
    client(server, tmp_path).complete(replace(REQUEST, max_tokens=999))
    client(server, tmp_path, config=replace(CONFIG, model="claude-opus-4-1")).complete(REQUEST)
    assert len(server.requests) == 4
    # budgets are not part of the key: raising one and resuming reuses the answers
    assert client(server, tmp_path, config=replace(CONFIG, max_dollars=50.0)).complete(REQUEST).cached


def test_answers_from_the_fallback_are_cached_for_the_request(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.overloaded(), "from fallback")
    client(server, tmp_path, retry=replace(FAST, attempts=1)).complete(REQUEST)
    again = client(server, tmp_path).complete(REQUEST)
    assert again.cached and again.model == FALLBACK and len(server.requests) == 2


def test_call_budget_stops_before_sending(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = "fixed"
    rec = Recorder()
    llm = client(server, tmp_path, rec, config=replace(CONFIG, max_calls=1))
    llm.complete(REQUEST)
    with pytest.raises(BudgetExceeded, match=r"call budget exhausted: 1 of 1 calls used") as caught:
        llm.complete(replace(REQUEST, prompt="a second question"))
    assert not caught.value.transient
    assert len(server.requests) == 1
    assert rec.outcomes()[-1] == (PRIMARY, "budget-exceeded")


def test_token_budget_stops_before_the_first_call(server: AnthropicServer, tmp_path: Path) -> None:
    llm = client(server, tmp_path, config=replace(CONFIG, max_tokens=1000))
    with pytest.raises(BudgetExceeded, match=r"token budget exhausted: 0 of 1,000 tokens used .* max-tokens"):
        llm.complete(REQUEST)
    assert server.requests == []


def test_dollar_budget_stops_before_the_call(server: AnthropicServer, tmp_path: Path) -> None:
    llm = client(server, tmp_path, config=replace(CONFIG, max_dollars=0.001))
    with pytest.raises(BudgetExceeded, match=r"dollar budget exhausted: \$0\.0000 of \$0\.00"):
        llm.complete(REQUEST)
    assert server.requests == []


def test_retries_count_against_the_call_budget(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = Reply.server_error()
    llm = client(server, tmp_path, config=replace(CONFIG, max_calls=3), breaker=BreakerPolicy(threshold=10))
    with pytest.raises(BudgetExceeded, match="call budget"):
        llm.complete(REQUEST)
    assert len(server.requests) == 3


PLANTED = {
    "aws": "AKIAZ7QW3RT5YU8IO2PA",
    "github": "ghp_Xr4nd0mT0k3nV4lu3F0rT3st1ngXYZ123456",
    "anthropic": "sk-ant-api03-Qm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5",
    "password": "Tr0ub4dor&3-horse",
    "key_body": "MIIEowIBAAKCAQEAx3kq9ZTf0aQ1bRsT",
}


def test_planted_secrets_never_reach_the_server(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = "fixed"
    prompt = (f"settings.py:\nAWS_ACCESS_KEY_ID = \"{PLANTED['aws']}\"\nGITHUB_TOKEN = '{PLANTED['github']}'\n"
              f"client = Anthropic(api_key=\"{PLANTED['anthropic']}\")\n"
              f"DB_PASSWORD = \"{PLANTED['password']}\"\n"
              f"-----BEGIN RSA PRIVATE KEY-----\n{PLANTED['key_body']}\n-----END RSA PRIVATE KEY-----\n"
              "def test_y():\n    assert 1 == 2\n")
    rec = Recorder()
    llm = client(server, tmp_path, rec)
    llm.complete(LLMRequest(system=f"token {PLANTED['github']}", prompt=prompt))
    [sent] = server.requests
    for value in PLANTED.values():
        assert value not in sent.raw.decode("utf-8")
    assert "«REDACTED:" in sent.text and "assert 1 == 2" in sent.text
    assert rec.events[-1]["redacted"] >= 6
    # the cache holds only the redacted prompt's answer: a second identical call is a hit
    llm.complete(LLMRequest(system=f"token {PLANTED['github']}", prompt=prompt))
    assert len(server.requests) == 1


@dataclass(frozen=True)
class TunedConfig(FixConfig):
    retry_attempts: int = 1
    retry_base_delay: float = 0.001
    breaker_threshold: int = 1
    breaker_cooldown: float = 3600.0


def test_make_client_reads_optional_retry_settings_from_the_config(server: AnthropicServer, tmp_path: Path) -> None:
    server.script(Reply.server_error(), "from fallback", "again from fallback")
    tuned = TunedConfig(model=PRIMARY, fallback_model=FALLBACK)
    llm = make_client(tuned, api_key="test-key", base_url=server.base_url, state_dir=tmp_path, session="s1")
    assert llm.complete(REQUEST).text == "from fallback"
    assert llm.breakers.state(PRIMARY) == "open"
    assert llm.complete(replace(REQUEST, prompt="next")).text == "again from fallback"
    assert [r.model for r in server.requests] == [PRIMARY, FALLBACK, FALLBACK]
