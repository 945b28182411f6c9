"""The model's tools over the graph: results redacted and counted, arguments checked, a per-attempt cap and a
token budget; one tool_use / tool_result round with the real SDK against the local Anthropic server."""

from __future__ import annotations

import json

import pytest
from support.graph_repo import opened_graph

from bot.context.tokens import count_tokens
from bot.context.tools import TOOL_SCHEMAS, ContextTools, ToolBudget

SECRET = "AKIAQ7X3LMNOPQRSTU2Z"
FILES = {
    "app/__init__.py": "",
    "app/settings.py": f'''
        def aws_client():
            """Build a client."""
            key = "{SECRET}"
            return connect(key)


        def connect(key):
            return key
        ''',
    "app/billing.py": '''
        from app.settings import connect


        def charge_invoice(invoice_total, currency):
            """Charge an invoice in its currency."""
            return connect(currency) + str(invoice_total)
        ''',
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    with opened_graph(tmp_path_factory.mktemp("tools") / "repo", FILES) as graph:
        yield graph


def test_show_symbol_is_redacted_and_counted(graph):
    tools = ContextTools(graph)
    result = tools.call("show_symbol", {"name": "aws_client"})
    assert not result.is_error
    assert "# ---- app/settings.py:1-4 aws_client" in result.text and "return connect(key)" in result.text
    assert SECRET not in result.text and "REDACTED" in result.text and result.redactions == 1
    assert result.tokens == count_tokens(result.text)
    assert tools.budget.calls == 1 and tools.budget.tokens == result.tokens
    assert tools.log[0][0].name == "show_symbol"


def test_read_lines_numbers_lines_and_stays_inside_the_repository(graph):
    tools = ContextTools(graph)
    text = tools.call("read_lines", {"path": "app/billing.py", "start": 4, "end": 5}).text
    assert text == ("    4 def charge_invoice(invoice_total, currency):\n"
                    '    5     """Charge an invoice in its currency."""\n')
    for path in ("../../etc/passwd", "/etc/passwd", ".git/config", "app/missing.py"):
        result = tools.call("read_lines", {"path": path, "start": 1, "end": 3})
        assert result.is_error and "not a Python file of the repository" in result.text
    assert tools.call("read_lines", {"path": "app/billing.py", "start": 5, "end": 2}).is_error


def test_dependents_callers_and_search(graph):
    tools = ContextTools(graph)
    assert tools.call("dependents", {"target": "app/settings.py"}).text == "app/billing.py\n"
    assert "app/billing.py:1 (from app.settings.connect)" in tools.call("dependents", {"target": "connect"}).text
    callers = tools.call("callers", {"name": "connect"}).text
    assert "app/billing.py:4 charge_invoice calls connect" in callers
    assert "app/settings.py:1 aws_client calls connect" in callers
    found = tools.call("search", {"query": "charging an invoice currency", "limit": 1}).text
    assert found.startswith("# app/billing.py:4-6 charge_invoice\ndef charge_invoice(invoice_total, currency):")
    missing = tools.call("show_symbol", {"name": "conect"})
    assert missing.is_error and "did you mean: connect" in missing.text


def test_bad_arguments_are_errors_for_the_model(graph):
    tools = ContextTools(graph)
    assert "missing ['path', 'start', 'end']" in tools.call("read_lines", {}).text
    assert "must be an integer" in tools.call("read_lines", {"path": "app/billing.py", "start": "1",
                                                             "end": 2}).text
    assert tools.call("run_tests", {"node_ids": []}).is_error  # needs the pipeline's sandbox: not here


def test_call_cap_and_token_budget(graph):
    capped = ContextTools(graph, ToolBudget(max_calls=2))
    for _ in range(2):
        assert not capped.call("callers", {"name": "connect"}).is_error
    third = capped.call("callers", {"name": "connect"})
    assert third.is_error and "tool-call cap of this attempt (2)" in third.text
    assert capped.budget.calls == 2
    tight = ContextTools(graph, ToolBudget(max_tokens=60))
    first = tight.call("read_lines", {"path": "app/settings.py", "start": 1, "end": 9})
    assert first.tokens <= 60 and first.text.endswith("(cut: the result was longer than 60 tokens)\n")
    assert tight.call("show_symbol", {"name": "connect"}).text.startswith("the tool token budget")


def test_schemas_drive_a_tool_use_round_with_the_real_sdk(graph):
    import anthropic  # a dependency of the package, never skipped
    from support.anthropic_server import AnthropicServer, Reply

    assert sorted(s["name"] for s in TOOL_SCHEMAS) == ["callers", "dependents", "read_lines", "search",
                                                        "show_symbol"]
    tool_use = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "show_symbol",
                             "input": {"name": "charge_invoice"}}],
                "stop_reason": "tool_use", "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 5}}
    tools = ContextTools(graph)
    with AnthropicServer() as server:
        server.script(Reply(raw=json.dumps(tool_use).encode()), Reply.answer("done"))
        client = anthropic.Anthropic(api_key="test-key", base_url=server.base_url, max_retries=0)
        messages = [{"role": "user", "content": "fix it"}]
        first = client.messages.create(model="claude-test", max_tokens=100, tools=TOOL_SCHEMAS, messages=messages)
        block = next(b for b in first.content if b.type == "tool_use")
        result = tools.call(block.name, dict(block.input))
        messages += [{"role": "assistant", "content": [block.model_dump()]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id,
                                                   "content": result.text, "is_error": result.is_error}]}]
        final = client.messages.create(model="claude-test", max_tokens=100, tools=TOOL_SCHEMAS, messages=messages)
        sent = server.message_requests[1].body
    assert final.content[0].text == "done"
    assert [t["name"] for t in sent["tools"]] == [s["name"] for s in TOOL_SCHEMAS]
    assert sent["messages"][2]["content"][0]["content"].startswith("# ---- app/billing.py:4-6 charge_invoice")


def test_results_name_the_definitions_shown_in_full(graph):
    tools = ContextTools(graph)
    assert tools.call("show_symbol", {"name": "connect"}).seen == ("app/settings.py:connect",)
    assert tools.call("read_lines", {"path": "app/settings.py", "start": 1, "end": 7}).seen == (
        "app/settings.py:aws_client",)  # connect (lines 7-8) is not whole in 1..7
    assert tools.call("search", {"query": "connect"}).seen == ()  # signatures only
    assert tools.call("show_symbol", {"name": "nothing_here"}).seen == ()
    cut = ContextTools(graph, ToolBudget(max_tokens=45)).call("read_lines", {"path": "app/settings.py", "start": 1,
                                                                             "end": 9})
    assert "(cut:" in cut.text and cut.seen == ()  # past a cut nothing counts as seen
