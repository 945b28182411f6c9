"""Any response body is data (issue 9.9): through the real `anthropic` SDK against the local Messages API server,
a body the SDK cannot parse, an answer of the wrong shape, or text that cannot be stored is a failed call that is
retried, failed over and reported with its reason — never a crash; the cache never chokes on it; one deadline
bounds a run's model calls; the cache never replays an answer to a new session; `cache = false` bypasses it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.anthropic_server import AnthropicServer, Reply

from bot.config import FixConfig
from bot.errors import LLMError
from bot.llm.cache import ResponseCache
from bot.llm.client import DeadlineExceeded, LLMClient, make_client
from bot.llm.policy import RetryPolicy
from bot.llm.provider import AnthropicProvider, LLMRequest, LLMResponse, ProviderError

PRIMARY, FALLBACK = "claude-sonnet-4-6", "claude-haiku-4-5"
CONFIG = FixConfig(model=PRIMARY, fallback_model=FALLBACK, max_tokens=100_000, max_calls=40, max_dollars=5.0)
FAST = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.01, max_retry_after=0.05)
REQUEST = LLMRequest(system="You fix bugs.", prompt="test_add fails: assert -1 == 5", max_tokens=1000)
HOSTILE = ("truncated_json", "html", "invalid_utf8", "lone_surrogate", "no_content")


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as running:
        yield running


def client(server: AnthropicServer, tmp_path: Path, *, config: FixConfig = CONFIG, session: str = "s1",
           events: list[dict[str, object]] | None = None) -> LLMClient:
    return make_client(config, api_key="test-key", base_url=server.base_url, state_dir=tmp_path / "state",
                       session=session, retry=FAST, on_event=None if events is None else events.append)


@pytest.mark.parametrize("body", HOSTILE)
def test_the_provider_turns_each_hostile_body_into_a_transient_error(server: AnthropicServer, body: str) -> None:
    server.script(getattr(Reply, body)())
    provider = AnthropicProvider("test-key", base_url=server.base_url, timeout=10.0)
    with pytest.raises(ProviderError) as caught:
        provider.complete(REQUEST, PRIMARY)
    assert caught.value.transient and caught.value.kind == "malformed"
    assert "not a Messages API response" in str(caught.value)
    str(caught.value).encode("utf-8")  # the message itself can be printed and stored


@pytest.mark.parametrize("body", HOSTILE)
def test_a_hostile_body_is_retried_and_the_good_answer_used(server: AnthropicServer, tmp_path: Path,
                                                            body: str) -> None:
    server.script(getattr(Reply, body)(), "the fix")
    events: list[dict[str, object]] = []
    answer = client(server, tmp_path, events=events).complete(REQUEST)
    assert answer.text == "the fix" and len(server.message_requests) == 2
    assert [e["outcome"] for e in events] == ["transient-error", "ok"]


def test_only_hostile_bodies_end_in_one_error_naming_the_reason(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = Reply.html()
    with pytest.raises(LLMError, match="not a Messages API response") as caught:
        client(server, tmp_path).complete(REQUEST)
    assert caught.value.transient  # a resumable failure of the run, not a crash
    assert [r.model for r in server.message_requests] == [PRIMARY, PRIMARY, FALLBACK, FALLBACK]


def test_the_cache_refuses_text_it_cannot_store(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache.sqlite")
    bad = LLMResponse(text="a\ud800b", model=PRIMARY, input_tokens=1, output_tokens=1, cost_usd=0.0, cached=False)
    assert cache.put("k", bad) is False and cache.get("k") is None
    good = replace(bad, text="fine")
    assert cache.put("k", good) is True and cache.get("k") is not None


def test_a_new_session_never_gets_an_earlier_sessions_answer(server: AnthropicServer, tmp_path: Path) -> None:
    server.script("rejected answer", "fresh answer")
    assert client(server, tmp_path, session="first").complete(REQUEST).text == "rejected answer"
    again = client(server, tmp_path, session="first").complete(REQUEST)  # a resume of the same session
    assert again.cached and again.text == "rejected answer"
    fresh = client(server, tmp_path, session="second").complete(REQUEST)
    assert not fresh.cached and fresh.text == "fresh answer" and len(server.message_requests) == 2


def test_cache_off_neither_reads_nor_writes(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = "answer"
    off = replace(CONFIG, cache=False)
    client(server, tmp_path, config=off).complete(REQUEST)
    assert not client(server, tmp_path, config=off).complete(REQUEST).cached
    assert not (tmp_path / "state" / "llm-cache.sqlite").exists()
    assert len(server.message_requests) == 2


def test_one_deadline_bounds_retries_and_failover(server: AnthropicServer, tmp_path: Path) -> None:
    server.default = Reply(text="too late", delay=2.0)  # every request hangs past what is left
    events: list[dict[str, object]] = []
    llm = client(server, tmp_path, config=replace(CONFIG, deadline=1.0, llm_timeout=60.0), events=events)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"deadline of 1s passed") as caught:
        llm.complete(REQUEST)
    assert time.monotonic() - started < 1.9  # the request was cut at the deadline, not at llm-timeout
    assert not caught.value.transient  # no failover after the deadline
    assert events[-1]["outcome"] == "deadline"
    assert {r.model for r in server.message_requests} == {PRIMARY}


def test_a_body_nested_deeper_than_the_parser_goes_is_a_malformed_answer(server: AnthropicServer,
                                                                         tmp_path: Path) -> None:
    """Before: json's RecursionError passed every handler ("an unexpected error has occurred: RecursionError",
    exit 2), instead of a transient failure that is retried and failed over."""
    deep = (b'{"id": "m", "type": "message", "role": "assistant", "model": "m", "content": '
            + b"[" * 10_000 + b"]" * 10_000 + b"}")
    server.script(Reply(raw=deep), "the fix")
    events: list[dict[str, object]] = []
    answer = client(server, tmp_path, events=events).complete(REQUEST)
    assert answer.text == "the fix"
    assert [e["outcome"] for e in events] == ["transient-error", "ok"]


def test_negative_usage_is_a_malformed_answer_not_a_refund(server: AnthropicServer, tmp_path: Path) -> None:
    """Before: `input_tokens: -1000000` was added to the run's totals, paying the token and dollar budgets back."""
    server.script(Reply.answer("cheap", input_tokens=-1_000_000, output_tokens=-1), "the fix")
    llm = client(server, tmp_path)
    answer = llm.complete(REQUEST)
    assert answer.text == "the fix"
    assert llm.usage.tokens_in >= 0 and llm.usage.dollars >= 0
