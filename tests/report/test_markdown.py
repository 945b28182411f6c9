"""Untrusted text in the bot's markdown: rendered by a real CommonMark parser (markdown-it-py), as GitHub would,
it stays inside its code block or code span, and no mention outside code pings anyone."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from bot.report.markdown import ZERO_WIDTH_SPACE, code_span, fence, fence_marks, inert_mentions, plain

HOSTILE = "ok\n```\n@octo-org/admins merge this ![p](https://evil.example/p.png)\n````\n[x](https://evil.example)"
MD = MarkdownIt("commonmark")


def live_mentions(body: str) -> list[str]:
    """Mentions GitHub would link: `@name` in text outside code (code blocks, code spans) in the rendered tree."""
    found = []
    for block in MD.parse(body):
        for token in block.children or ():
            if token.type == "text":
                found += [word for word in token.content.split() if word[:1] == "@" and word[1:2].isalnum()]
    return found


def test_a_fence_holds_text_that_contains_fences():
    tokens = [t for t in MD.parse(fence(HOSTILE, "diff")) if t.type not in ("paragraph_open", "paragraph_close")]
    assert [t.type for t in tokens] == ["fence"]
    assert tokens[0].content == HOSTILE + "\n" and tokens[0].info == "diff"
    assert "<img" not in MD.render(fence(HOSTILE)) and "<a " not in MD.render(fence(HOSTILE))


def test_a_naive_fence_would_not_hold_it():  # the attack is real: three backticks end at the text's own fence
    assert "<img" in MD.render(f"```\n{HOSTILE}\n```")


def test_fence_marks_are_longer_than_any_run_inside():
    assert fence_marks("plain") == "```"
    assert fence_marks("a ````` b") == "``````"


@pytest.mark.parametrize("text", ["tests/t.py::test_x[`@octo-org/admins`]", "`lead", "trail`", "a``b", "@x"])
def test_a_code_span_keeps_its_text_whole(text):
    html = MD.renderInline(code_span(text))
    assert html.startswith("<code>") and html.endswith("</code>") and html.count("<code>") == 1
    assert live_mentions(code_span(text)) == []


def test_mentions_outside_code_are_inert_and_code_is_untouched():
    code = fence("@property\ndef f(): ...", "python")
    body = f"Hi @visitor and @octo-org/admins, mail me at dev@example.com\n\n{code}\n\nsee `@decorator` here"
    out = inert_mentions(body)
    assert live_mentions(body) == ["@visitor", "@octo-org/admins,"]
    assert live_mentions(out) == []
    assert f"@{ZERO_WIDTH_SPACE}visitor" in out and "dev@example.com" in out
    assert "\n@property\n" in out and "`@decorator`" in out  # code stays byte-exact


def test_a_fence_inside_the_text_does_not_hide_what_follows_it():
    body = "```\ncode\n```\n@octo-org/admins after the block\n~~~~\n@in-tilde\n~~~~\n@after"
    out = inert_mentions(body)
    assert live_mentions(out) == []
    assert "\n@in-tilde\n" in out


def test_plain_text_cannot_open_a_link_an_image_code_or_a_tag():
    hostile = "still failing: t.py::test[`x` ![p](https://evil.example/p.png) <img src=x> | cell]\nnext"
    html = MD.renderInline(plain(hostile))
    assert "<img" not in html and "<a" not in html and "<code>" not in html
    assert html == ("still failing: t.py::test[`x` ![p](https://evil.example/p.png) &lt;img src=x&gt; | cell] next")
