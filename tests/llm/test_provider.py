"""AnthropicProvider against a real local HTTP server speaking the Messages API, through the real SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.anthropic_server import AnthropicServer, Reply

from bot.errors import LLMError
from bot.llm.provider import UNKNOWN_MODEL_PRICE, AnthropicProvider, LLMRequest, price_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK warns about older model ids


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as running:
        yield running


REQUEST = LLMRequest(system="You fix Python bugs.", prompt="Fix the failing test.", max_tokens=512)


def provider_for(server: AnthropicServer, **kw: float) -> AnthropicProvider:
    return AnthropicProvider("test-key", base_url=server.base_url, timeout=kw.get("timeout", 10.0))


def test_success_reads_usage_and_prices_it(server: AnthropicServer) -> None:
    server.script(Reply.answer("the fix", input_tokens=1000, output_tokens=500))
    response = provider_for(server).complete(REQUEST, "claude-sonnet-4-5")
    assert (response.text, response.model, response.cached) == ("the fix", "claude-sonnet-4-5", False)
    assert (response.input_tokens, response.output_tokens) == (1000, 500)
    assert response.cost_usd == pytest.approx(1000 * 3 / 1e6 + 500 * 15 / 1e6)
    assert response.stop_reason == "end_turn" and response.price_known
    [sent] = server.requests
    assert sent.body["model"] == "claude-sonnet-4-5" and sent.body["max_tokens"] == 512
    assert sent.body["system"] == REQUEST.system
    assert sent.body["messages"] == [{"role": "user", "content": REQUEST.prompt}]
    assert sent.headers.get("anthropic-version")
    assert "test-key" in (sent.headers.get("x-api-key", "") + sent.headers.get("authorization", ""))


def test_unknown_model_is_priced_conservatively(server: AnthropicServer) -> None:
    server.script(Reply.answer("ok", input_tokens=100, output_tokens=10))
    response = provider_for(server).complete(REQUEST, "claude-unheard-of-9")
    assert not response.price_known
    assert response.cost_usd == pytest.approx(UNKNOWN_MODEL_PRICE.cost(100, 10))


def test_dated_model_ids_use_their_family_price() -> None:
    assert price_of("claude-sonnet-4-5-20250929") == price_of("claude-sonnet-4-5")
    assert price_of("claude-haiku-4-5")[0].input_per_mtok < price_of("claude-opus-4-1")[0].input_per_mtok


@pytest.mark.parametrize(("reply", "status"), [
    (Reply.overloaded(retry_after=3), 529),
    (Reply.rate_limited(retry_after=2), 429),
    (Reply.server_error(), 500),
    (Reply.server_error(503), 503),
])
def test_overload_rate_limit_and_server_errors_are_transient(server: AnthropicServer, reply: Reply,
                                                             status: int) -> None:
    server.script(reply)
    with pytest.raises(LLMError) as caught:
        provider_for(server).complete(REQUEST, "claude-sonnet-4-5")
    assert caught.value.transient
    assert getattr(caught.value, "status", None) == status
    assert getattr(caught.value, "retry_after", None) == (float(reply.retry_after) if reply.retry_after else None)
    assert len(server.requests) == 1  # the SDK's own retries are off


@pytest.mark.parametrize(("status", "kind", "words"), [
    (401, "authentication_error", "the Anthropic API key was rejected"),
    (400, "invalid_request_error", "rejected as invalid"),
    (403, "permission_error", "not allowed"),
    (404, "not_found_error", "not found"),
])
def test_client_errors_are_permanent(server: AnthropicServer, status: int, kind: str,
                                     words: str) -> None:
    server.script(Reply.error(status, kind, "nope"))
    with pytest.raises(LLMError) as caught:
        provider_for(server).complete(REQUEST, "claude-sonnet-4-5")
    assert not caught.value.transient
    assert words in str(caught.value)
    assert len(server.requests) == 1


def test_wrong_key_is_rejected_by_the_server(server: AnthropicServer) -> None:
    server.api_key = "the-right-key"
    with pytest.raises(LLMError, match="API key was rejected") as caught:
        provider_for(server).complete(REQUEST, "claude-sonnet-4-5")
    assert not caught.value.transient


def test_connection_refused_is_transient() -> None:
    server = AnthropicServer()
    url = server.base_url
    server.close()  # nothing listens on that port any more
    with pytest.raises(LLMError, match="could not connect") as caught:
        AnthropicProvider("test-key", base_url=url, timeout=5.0).complete(REQUEST, "claude-sonnet-4-5")
    assert caught.value.transient


def test_timeout_is_transient(server: AnthropicServer) -> None:
    server.script(Reply(text="too late", delay=1.0))
    with pytest.raises(LLMError, match=r"within 0\.2s") as caught:
        provider_for(server, timeout=0.2).complete(REQUEST, "claude-sonnet-4-5")
    assert caught.value.transient


def test_unscripted_requests_are_answered_with_an_error(server: AnthropicServer) -> None:
    with pytest.raises(LLMError, match="unscripted request"):
        provider_for(server).complete(REQUEST, "claude-sonnet-4-5")


def test_server_validates_requests(server: AnthropicServer) -> None:
    import json
    import urllib.error
    import urllib.request

    def post(body: dict, headers: dict[str, str]) -> tuple[int, dict]:
        req = urllib.request.Request(server.base_url + "/v1/messages", json.dumps(body).encode(),
                                     headers={"content-type": "application/json", **headers}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    good = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    auth = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    server.default = "fine"
    assert post(good, {"anthropic-version": "2023-06-01"})[0] == 401
    assert post(good, {"x-api-key": "k"})[0] == 400
    assert post({**good, "max_tokens": 0}, auth)[0] == 400
    status, body = post({**good, "messages": []}, auth)
    assert status == 400 and body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    status, body = post(good, auth)
    assert status == 200 and body["content"] == [{"type": "text", "text": "fine"}]
    assert body["type"] == "message" and body["usage"]["output_tokens"] >= 1
