"""A real HTTP server on 127.0.0.1 speaking the Anthropic Messages API, scripted per test.

Point the real `anthropic` SDK (or `yantra fix` via ANTHROPIC_BASE_URL / FixRequest.base_url) at it:

    from support.anthropic_server import AnthropicServer, Reply

    with AnthropicServer() as server:                     # or the `anthropic_server` pytest fixture
        server.script(
            Reply.overloaded(),                            # 529 overloaded_error
            Reply.rate_limited(retry_after=0.01),          # 429 rate_limit_error + retry-after header
            Reply.server_error(),                          # 500 api_error
            Reply.error(401, "authentication_error", "invalid x-api-key"),
            "a plain string is a text answer",
            Reply.answer("answer", input_tokens=1200, output_tokens=300),
            lambda req: Reply.text(f"you asked {req.model}"),   # computed from the RecordedRequest
        )
        client = anthropic.Anthropic(api_key="test-key", base_url=server.base_url, max_retries=0)
        ...
        server.requests            # list[RecordedRequest]: every request received, in order
        server.requests[0].body    # parsed JSON body (dict) or None
        server.requests[0].model   # body["model"]; .headers (lower-case keys); .text (system + messages)
        server.pending             # replies still queued
        server.message_requests    # only the POST /v1/messages requests

Each POST /v1/messages takes the next scripted reply. With the queue empty it answers `server.default`
(a Reply, str or callable; None — the default — answers HTTP 500 "unscripted request" so a test notices).
Requests are validated like the real API: no `x-api-key` / `Authorization: Bearer` header -> 401
authentication_error; no `anthropic-version` header or a body without model / positive integer max_tokens /
non-empty messages -> 400 invalid_request_error (these do not consume a scripted reply). Set
`server.api_key = "..."` to also reject any other key with 401. Usage tokens default to ~len/4 of the
request text and of the answer. `Reply(delay=...)` sleeps before answering (to exercise client timeouts);
`Reply(raw=...)` sends a raw body (e.g. invalid JSON) as is, with `content_type`. Hostile bodies with status 200:
`Reply.truncated_json()`, `Reply.html()`, `Reply.invalid_utf8()`, `Reply.lone_surrogate()`, `Reply.no_content()`.

Tool use: `Reply.tool_use(("show_symbol", {"name": "add"}), ("read_lines", {...}), text="let me look")` answers
with `tool_use` blocks (ids `toolu_<message>_<n>`) and stop_reason "tool_use"; a scripted callable can read what
came back with `request.tool_results` (the tool_result blocks of the last user turn) and `request.tools`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None when the body was not JSON
    raw: bytes

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools", [])) if isinstance(self.body, dict) else []

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last message (the user turn answering the model's tool calls)."""
        messages = self.body.get("messages", []) if isinstance(self.body, dict) else []
        content = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else None
        return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"] \
            if isinstance(content, list) else []

    @property
    def text(self) -> str:
        """The system prompt and every message's text, joined: what a model would read."""
        if not isinstance(self.body, dict):
            return self.raw.decode("utf-8", "replace")
        parts = [_flatten(self.body.get("system", ""))]
        parts += [_flatten(m.get("content", "")) for m in self.body.get("messages", []) if isinstance(m, dict)]
        return "\n".join(parts)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    text: str = ""
    error_type: str = ""
    message: str = ""
    retry_after: float | str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str = "end_turn"
    model: str | None = None  # default: echo the requested model
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    raw: bytes | None = None
    content_type: str = "application/json"
    tool_calls: tuple[tuple[str, Any], ...] = ()  # (name, input) of each tool_use block

    @classmethod
    def tool_use(cls, *calls: tuple[str, Any], text: str = "", output_tokens: int | None = None) -> Reply:
        """An answer that calls tools: `calls` are (tool name, input) pairs, answered in the next request."""
        return cls(text=text, tool_calls=tuple(calls), stop_reason="tool_use", output_tokens=output_tokens)

    # ---- hostile answers with status 200 (what a broken proxy or gateway sends) ----
    @classmethod
    def truncated_json(cls) -> Reply:
        whole = json.dumps(_message(cls(text="a complete answer"), _EMPTY, "msg_truncated")).encode()
        return cls(raw=whole[: len(whole) // 2])

    @classmethod
    def html(cls) -> Reply:
        return cls(raw=b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
                   content_type="text/html; charset=utf-8")

    @classmethod
    def invalid_utf8(cls) -> Reply:
        whole = json.dumps(_message(cls(text="caf\u00e9 answer"), _EMPTY, "msg_bad_utf8"), ensure_ascii=False)
        return cls(raw=whole.encode("utf-8").replace("\u00e9".encode(), b"\xff\xfe"))

    @classmethod
    def lone_surrogate(cls) -> Reply:
        """Valid JSON whose text holds an unpaired surrogate (\\ud800): Python decodes it into a str that
        cannot be encoded as UTF-8 (so it cannot be stored in SQLite or printed)."""
        whole = json.dumps(_message(cls(text="before SURROGATE after"), _EMPTY, "msg_surrogate"))
        return cls(raw=whole.replace("SURROGATE", "\\ud800").encode())

    @classmethod
    def no_content(cls) -> Reply:
        return cls(raw=json.dumps({"id": "msg_x", "type": "message", "role": "assistant", "model": "m"}).encode())

    @classmethod
    def answer(cls, text: str, *, input_tokens: int | None = None, output_tokens: int | None = None,
               stop_reason: str = "end_turn") -> Reply:
        return cls(text=text, input_tokens=input_tokens, output_tokens=output_tokens, stop_reason=stop_reason)

    @classmethod
    def error(cls, status: int, error_type: str, message: str = "", *,
              retry_after: float | str | None = None) -> Reply:
        return cls(status=status, error_type=error_type, message=message or error_type,
                   retry_after=retry_after)

    @classmethod
    def overloaded(cls, retry_after: float | str | None = None) -> Reply:
        return cls.error(529, "overloaded_error", "Overloaded", retry_after=retry_after)

    @classmethod
    def rate_limited(cls, retry_after: float | str | None = None) -> Reply:
        return cls.error(429, "rate_limit_error", "Number of requests has exceeded your rate limit",
                         retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        return cls.error(status, "api_error", "Internal server error")

    @classmethod
    def unauthorized(cls) -> Reply:
        return cls.error(401, "authentication_error", "invalid x-api-key")


Script = Reply | str | Callable[[RecordedRequest], Reply | str]


class AnthropicServer:
    """See the module docstring."""

    def __init__(self, default: Script | None = None, api_key: str | None = None) -> None:
        self.default = default
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Script] = deque()
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="anthropic-server", daemon=True)
        self._started = False
        self._ids = 0

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Script) -> AnthropicServer:
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def message_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path.startswith("/v1/messages")]

    def start(self) -> AnthropicServer:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def close(self) -> None:
        if self._started:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
        self._httpd.server_close()

    def __enter__(self) -> AnthropicServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            item = self._queue.popleft() if self._queue else self.default
            self._ids += 1
        if item is None:
            return Reply.error(500, "api_error", f"unscripted request #{len(self.requests)} to the test server")
        if callable(item) and not isinstance(item, Reply):
            item = item(request)
        return Reply(text=item) if isinstance(item, str) else item

    def _message_id(self) -> str:
        return f"msg_test_{self._ids:06d}"


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client gave up (e.g. a timeout test): not the server's problem
        super().handle_error(request, client_address)


def _handler(server: AnthropicServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            request = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                      body, raw)
            server._record(request)
            if self.command != "POST" or self.path.split("?")[0] != "/v1/messages":
                self._send_reply(Reply.error(404, "not_found_error", f"no route {self.command} {self.path}"),
                                 request)
                return
            problem = _invalid(request, server.api_key)
            self._send_reply(problem or server._next(request), request)

        def _send_reply(self, reply: Reply, request: RecordedRequest) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.raw is not None:
                payload = reply.raw
            elif reply.status >= 400:
                payload = json.dumps({"type": "error", "error": {"type": reply.error_type or "api_error",
                                                                 "message": reply.message}}).encode()
            else:
                payload = json.dumps(_message(reply, request, server._message_id())).encode()
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(payload)))
            self.send_header("request-id", f"req_test_{len(server.requests):06d}")
            if reply.retry_after is not None:
                self.send_header("retry-after", str(reply.retry_after))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _invalid(request: RecordedRequest, api_key: str | None) -> Reply | None:
    headers = request.headers
    key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not key:
        return Reply.error(401, "authentication_error", "x-api-key header is required")
    if api_key is not None and key != api_key:
        return Reply.error(401, "authentication_error", "invalid x-api-key")
    if not headers.get("anthropic-version"):
        return Reply.error(400, "invalid_request_error", "anthropic-version header is required")
    body = request.body
    if not isinstance(body, dict):
        return Reply.error(400, "invalid_request_error", "the body must be a JSON object")
    max_tokens = body.get("max_tokens")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return Reply.error(400, "invalid_request_error", "model: field required")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        return Reply.error(400, "invalid_request_error", "max_tokens: must be a positive integer")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ("user", "assistant") and "content" in m for m in messages):
        return Reply.error(400, "invalid_request_error", "messages: a non-empty list of {role, content}")
    return None


_EMPTY = RecordedRequest("POST", "/v1/messages", {}, {"model": "claude-sonnet-4-6"}, b"")


def _message(reply: Reply, request: RecordedRequest, message_id: str) -> dict[str, Any]:
    input_tokens = reply.input_tokens if reply.input_tokens is not None else len(request.text) // 4 + 1
    output_tokens = reply.output_tokens if reply.output_tokens is not None else len(reply.text) // 4 + 1
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text or not reply.tool_calls else []
    content += [{"type": "tool_use", "id": f"toolu_{message_id[-6:]}_{n}", "name": name, "input": data}
                for n, (name, data) in enumerate(reply.tool_calls)]
    return {"id": message_id, "type": "message", "role": "assistant",
            "content": content,
            "model": reply.model or request.model, "stop_reason": reply.stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}


def _flatten(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_flatten(part.get("content", "")) if isinstance(part, dict) and part.get("type") ==
                         "tool_result" else str(part.get("text", "")) if isinstance(part, dict) else str(part)
                         for part in content)
    return ""


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    """A started AnthropicServer, closed after the test. Importing a fixture by name trips ruff F811; a
    module-local fixture (`with AnthropicServer() as server: yield server`) avoids that."""
    with AnthropicServer() as server:
        yield server


__all__ = ["AnthropicServer", "RecordedRequest", "Reply", "Script", "anthropic_server"]
