"""Markdown for GitHub bodies that carry untrusted text (a pull request's code and test output, the model's
patch, names chosen by the model): code that cannot close its own fence, inline code that cannot end early,
and mentions that ping nobody.

A fence of three backticks around a patch ends at the first line of the patch that starts with three backticks
(a Python docstring with a code example does), and what follows renders as markdown: links, images, `@team`
mentions. CommonMark's rule is that a fence closes only on a run at least as long as the opening one, so the
fence here is longer than any backtick run in the text; an inline code span likewise. Mentions outside code get a
zero-width space after the `@`, as dependency bots do, so a hostile test name like `test_x[@org/admins]` notifies
no one; inside fences and code spans nothing is touched (GitHub does not notify from code, and a copied patch
must stay byte-exact). Untrusted prose (a failure message, a reason naming a test) goes through `plain`.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
_RUN = re.compile(r"`+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# `@name` where GitHub would link a user or team: not inside a word or an e-mail address, followed by a name.
_MENTION = re.compile(r"(?<![\w@./\\-])@(?=[A-Za-z0-9])")


def _longest_run(text: str) -> int:
    return max((len(m.group()) for m in _RUN.finditer(text)), default=0)


def fence_marks(text: str) -> str:
    """The backtick run that opens and closes a code block holding `text`: longer than any run inside it."""
    return "`" * max(3, _longest_run(text) + 1)


def fence(text: str, info: str = "") -> str:
    """`text` as a fenced code block that only its own closing line ends. `info` is the language (`diff`)."""
    marks = fence_marks(text)
    return f"{marks}{info}\n{text.rstrip(chr(10))}\n{marks}"


def code_span(text: str) -> str:
    """`text` on one line as inline code that no backtick inside it can end."""
    text = " ".join(text.splitlines())
    marks = "`" * (_longest_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{marks}{pad}{text}{pad}{marks}"


# What could open code, a link or an image, a tag or an autolink, a table cell, or undo an escape; emphasis and
# the like are left alone (harmless, and `test\_name` would read badly in the terminal, which shows this report).
_ACTIVE = re.compile(r"([\\`\[\]<>|])")


def plain(text: str) -> str:
    """`text` as literal markdown text on one line (CommonMark: a backslash before ASCII punctuation makes it
    literal), so a test id or a message cannot open code, a link, an image, a table cell or a tag."""
    return _ACTIVE.sub(r"\\\1", " ".join(text.split()))


def inert_mentions(body: str) -> str:
    """`body` with every `@mention` outside code made inert; code blocks and code spans unchanged."""
    out: list[str] = []
    closing: str | None = None  # the fence run that closes the open code block
    for line in body.splitlines(keepends=True):
        opened = _FENCE.match(line)
        if closing is not None:
            if opened and opened.group(1)[0] == closing[0] and len(opened.group(1)) >= len(closing) \
                    and not line[opened.end():].strip():
                closing = None
            out.append(line)
        elif opened and not (opened.group(1)[0] == "`" and "`" in line[opened.end():]):
            closing = opened.group(1)
            out.append(line)
        else:
            out.append(_outside_spans(line))
    return "".join(out)


def _outside_spans(line: str) -> str:
    """Mentions made inert in the parts of one line that are not inline code (a run of n backticks opens a span
    that the next run of exactly n closes; an unclosed run is literal text)."""
    parts: list[str] = []
    pos = 0
    while True:
        opening = _RUN.search(line, pos)
        if opening is None:
            break
        closing = next((m for m in _RUN.finditer(line, opening.end()) if len(m.group()) == len(opening.group())),
                       None)
        if closing is None:
            break
        parts.append(_MENTION.sub("@" + ZERO_WIDTH_SPACE, line[pos:opening.start()]))
        parts.append(line[opening.start():closing.end()])
        pos = closing.end()
    parts.append(_MENTION.sub("@" + ZERO_WIDTH_SPACE, line[pos:]))
    return "".join(parts)
