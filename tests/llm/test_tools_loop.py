"""The tool-use loop against the local Messages API server with the real SDK: tools offered, tool calls run
through ContextTools and answered with tool_result blocks, the cap and the budget ending tool use with a final
request, hostile tool calls answered as errors, and a journal that lets a resumed run replay the conversation."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.anthropic_server import AnthropicServer, Reply

from bot.context.tools import ContextTools, ToolBudget
from bot.errors import LLMError
from bot.llm.client import LLMClient
from bot.llm.policy import Budget
from bot.llm.provider import AnthropicProvider, LLMRequest
from bot.llm.tools_loop import MemoryJournal, converse

OUTSIDE_SECRET = "outside-the-repository-4f1c9a"
FILES = {
    "app/__init__.py": "",
    "app/billing.py": '''
        def charge_invoice(invoice_total, currency):
            """Charge an invoice in its currency."""
            return str(invoice_total) + currency


        def refund(invoice_total):
            return -invoice_total
        ''',
    "tests/test_billing.py": '''
        from app.billing import charge_invoice


        def test_charge():
            assert charge_invoice(2, "EUR") == "2 EUR"
        ''',
}
REQUEST = LLMRequest(system="You fix code.", prompt="test_charge fails: fix it", max_tokens=500)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from bot.graph import open_graph

    base = tmp_path_factory.mktemp("loop")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(f'TOKEN = "{OUTSIDE_SECRET}"\n\n\ndef leaked_helper():\n'
                                       f'    """{OUTSIDE_SECRET}"""\n')
    root = base / "repo"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    os.symlink(outside / "secret.py", root / "app" / "leak.py")  # a link out of the repository
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    g = open_graph(root)
    yield g
    g.close()


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as srv:
        yield srv


def client_for(server: AnthropicServer, calls: int = 20) -> LLMClient:
    return LLMClient(AnthropicProvider("test-key", base_url=server.base_url), model="claude-sonnet-4-6",
                     fallback_model=None, budget=Budget(200_000, calls, 5.0), sleep=lambda _: None)


def test_show_symbol_then_an_answer(graph, server: AnthropicServer) -> None:
    server.script(Reply.tool_use(("show_symbol", {"name": "charge_invoice"}), text="Let me read it."),
                  Reply.answer("the fix"))
    talk = converse(client_for(server), REQUEST, ContextTools(graph), MemoryJournal(), max_turns=5)

    assert talk.response.text == "the fix" and talk.turns == 2 and not talk.stopped
    assert [c.name for c in talk.calls] == ["show_symbol"]
    assert talk.seen == ("app/billing.py:charge_invoice",)
    first, second = server.message_requests
    assert [t["name"] for t in first.tools] == ["show_symbol", "read_lines", "dependents", "callers", "search"]
    assert "tool_choice" not in first.body and "tool_choice" not in second.body
    echoed = second.body["messages"][1]
    assert echoed["role"] == "assistant" and echoed["content"][0] == {"type": "text", "text": "Let me read it."}
    (result,) = second.tool_results
    assert result["tool_use_id"] == echoed["content"][1]["id"] and result["is_error"] is False
    assert result["content"].startswith("# ---- app/billing.py:1-3 charge_invoice\ndef charge_invoice(")
    assert talk.input_tokens == sum(len(r.text) // 4 + 1 for r in (first, second))


def test_the_cap_refuses_further_calls_and_asks_for_the_answer(graph, server: AnthropicServer) -> None:
    tools = ContextTools(graph, ToolBudget(max_calls=2))
    server.script(Reply.tool_use(*[("callers", {"name": "charge_invoice"})] * 3), Reply.answer("final"))
    talk = converse(client_for(server), REQUEST, tools, MemoryJournal(), max_turns=6)

    assert talk.response.text == "final" and len(talk.calls) == 2 and talk.refused == 1
    assert "tool-call cap of this attempt (2)" in talk.stopped
    final = server.message_requests[1]
    assert final.body["tool_choice"] == {"type": "none"}
    assert [r["is_error"] for r in final.tool_results] == [False, False, True]
    assert final.tool_results[2]["content"] == "not run: no more tool calls in this attempt"
    assert "No more tool calls in this attempt" in final.body["messages"][-1]["content"][-1]["text"]


def test_thousands_of_tool_calls_run_at_most_the_cap(graph, server: AnthropicServer) -> None:
    tools = ContextTools(graph)
    server.script(Reply.tool_use(*[("search", {"query": f"invoice {n}"}) for n in range(2000)]),
                  Reply.answer("final"))
    talk = converse(client_for(server), REQUEST, tools, MemoryJournal(), max_turns=6)

    assert talk.response.text == "final" and len(server.message_requests) == 2
    assert tools.budget.calls <= tools.budget.max_calls and len(talk.calls) == tools.budget.calls
    assert talk.refused == 2000 - tools.budget.calls
    assert len(server.message_requests[1].tool_results) == 2000  # every tool_use answered, most "not run"


def test_hostile_tool_calls_are_error_results(graph, server: AnthropicServer) -> None:
    hostile = [("rm_rf", {"path": "/"}), ("read_lines", {"path": 5, "start": 1, "end": 2}),
               ("read_lines", "not an object"), ("read_lines", {"path": "../../etc/passwd", "start": 1, "end": 9}),
               ("read_lines", {"path": "/etc/passwd", "start": 1, "end": 9}),
               ("read_lines", {"path": "app/leak.py", "start": 1, "end": 9}),
               ("show_symbol", {"name": "TOKEN"}), ("show_symbol", {"name": "app/leak.py:TOKEN"}),
               ("search", {"query": "TOKEN", "limit": "all"}),
               ("read_lines", {"path": "app/billing.py", "start": 10**12, "end": 10**13}),
               ("read_lines", {"path": "app/billing.py", "start": True, "end": 2})]
    tools = ContextTools(graph, ToolBudget(max_calls=20))
    server.script(Reply.tool_use(*hostile), Reply.answer("final"))
    talk = converse(client_for(server), REQUEST, tools, MemoryJournal(), max_turns=3)

    # the graph does not read a link out of the repository (tests/graph/test_snapshot_links.py): every call
    # about it below is an error that shows nothing of the target
    assert "app/leak.py" not in graph.files()
    results = server.message_requests[1].tool_results
    assert [r["is_error"] for r in results] == [True] * len(hostile), [r["content"] for r in results]
    assert "unknown tool 'rm_rf'" in results[0]["content"]
    assert "must be a string" in results[1]["content"] and "object of named arguments" in results[2]["content"]
    assert all(OUTSIDE_SECRET not in r.text for r in server.message_requests)
    assert talk.response.text == "final"
    assert tools.call("show_symbol", {"name": "leaked_helper"}).is_error
    for query in ("TOKEN", "leaked_helper", "outside repository leaked helper"):
        found = tools.call("search", {"query": query})
        assert "app/leak.py" not in found.text and OUTSIDE_SECRET not in found.text
    huge = tools.call("read_lines", {"path": "app/billing.py", "start": 1, "end": 10**9})
    assert not huge.is_error and huge.text.count("\n") == 7  # the range is clipped to the file


def test_a_model_that_keeps_calling_tools_gets_no_more_turns(graph, server: AnthropicServer) -> None:
    server.default = Reply.tool_use(("show_symbol", {"name": "refund"}), text="still looking")
    talk = converse(client_for(server), REQUEST, ContextTools(graph), MemoryJournal(), max_turns=3)

    assert len(server.message_requests) == 3 and talk.turns == 3
    assert "tool_choice" not in server.message_requests[1].body
    assert server.message_requests[2].body["tool_choice"] == {"type": "none"}
    assert talk.response.text == "still looking" and "leaves only the answer" in talk.stopped


def test_the_run_budget_makes_the_next_call_the_final_one(graph, server: AnthropicServer) -> None:
    server.script(Reply.tool_use(("show_symbol", {"name": "refund"})), Reply.answer("final"))
    talk = converse(client_for(server, calls=2), REQUEST, ContextTools(graph), MemoryJournal(), max_turns=8)

    assert talk.response.text == "final" and "one more model call" in talk.stopped
    assert server.message_requests[1].body["tool_choice"] == {"type": "none"}


def test_a_near_deadline_makes_the_next_call_the_final_one(graph, server: AnthropicServer) -> None:
    server.script(Reply.tool_use(("show_symbol", {"name": "refund"})), Reply.answer("final"))
    client = LLMClient(AnthropicProvider("test-key", base_url=server.base_url), model="claude-sonnet-4-6",
                       fallback_model=None, budget=Budget(200_000, 20, 5.0), deadline=30.0)
    talk = converse(client, REQUEST, ContextTools(graph), MemoryJournal(), max_turns=8)

    assert talk.response.text == "final" and "deadline" in talk.stopped
    assert server.message_requests[1].body["tool_choice"] == {"type": "none"}


def test_a_resumed_conversation_replays_turns_and_tool_results(graph, server: AnthropicServer) -> None:
    ran: list[list[str]] = []

    def runner(node_ids: list[str]) -> str:
        ran.append(node_ids)
        return "status: failed\nfailed   tests/test_billing.py::test_charge\n"

    journal = MemoryJournal()
    server.script(Reply.tool_use(("run_tests", {"node_ids": ["tests/test_billing.py::test_charge"]}),
                                 ("show_symbol", {"name": "charge_invoice"})),
                  Reply.error(400, "invalid_request_error", "killed here"))
    with pytest.raises(LLMError):
        converse(client_for(server), REQUEST, ContextTools(graph, run_tests=runner), journal, max_turns=5)
    assert len(ran) == 1 and [s["kind"] for s in journal.steps()] == ["model", "tool", "tool"]

    server.script(Reply.answer("final"))
    talk = converse(client_for(server), REQUEST, ContextTools(graph, run_tests=runner), journal, max_turns=5)

    assert talk.response.text == "final" and len(ran) == 1  # the tests did not run again
    assert len(server.message_requests) == 3  # only the answer was asked for
    assert [c.replayed for c in talk.calls] == [True, True]
    assert server.message_requests[2].tool_results == server.message_requests[1].tool_results
    other = LLMRequest(system=REQUEST.system, prompt="another prompt", max_tokens=500)
    server.script(Reply.answer("fresh"))
    assert converse(client_for(server), other, ContextTools(graph), journal, max_turns=5).response.text == "fresh"
    assert [s["kind"] for s in journal.steps()] == ["model"]  # a different conversation replaced the record


def test_run_tests_node_ids_never_pass_an_option_or_a_path_outside(graph) -> None:
    ran: list[list[str]] = []
    tools = ContextTools(graph, ToolBudget(max_calls=30), run_tests=lambda ids: ran.append(ids) or "ok\n")
    bad = [["--co"], ["-p", "plugin"], ["tests/test_billing.py", "--pdb"], ["/etc/passwd"], ["../x.py"],
           ["tests/../../x.py"], ["tests/missing.py"], ["app/leak.py"], ["tests"], [], ["x"] * 51,
           ["-ptests/test_billing.py"], ["tests/test_billing.py\n-p evil"], [7]]
    for ids in bad:
        result = tools.call("run_tests", {"node_ids": ids})
        assert result.is_error, ids
    assert ran == []
    good = tools.call("run_tests", {"node_ids": ["tests/test_billing.py::test_charge[a-b]", "tests/test_billing.py"]})
    assert not good.is_error and ran == [["tests/test_billing.py::test_charge[a-b]", "tests/test_billing.py"]]
    assert "run_tests" not in [s["name"] for s in ContextTools(graph).schemas]
    assert ContextTools(graph).call("run_tests", {"node_ids": ["tests/test_billing.py"]}).is_error


def test_tool_results_are_redacted_in_what_is_sent(graph, server: AnthropicServer, tmp_path: Path) -> None:
    secret = "AKIAQ7X3LMNOPQRSTU2Z"
    server.script(Reply.tool_use(("run_tests", {"node_ids": ["tests/test_billing.py"]})), Reply.answer("final"))
    tools = ContextTools(graph, run_tests=lambda ids: f"status: failed\nkey = {secret}\n")
    converse(client_for(server), REQUEST, tools, MemoryJournal(), max_turns=4)

    assert secret not in server.message_requests[1].raw.decode()
    assert "REDACTED" in server.message_requests[1].tool_results[0]["content"]
