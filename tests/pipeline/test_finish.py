"""Commit hygiene: a short subject, a capped body, the trailer always there."""

from __future__ import annotations

from bot.pipeline.finish import BODY_LIMIT, SUBJECT_LIMIT, TRAILER, commit_message


def test_a_long_first_line_gives_a_subject_of_at_most_72_characters() -> None:
    message = commit_message(summary="Use the configured timeout " * 5, explanation="", score=0.9,
                             session_id="s1")
    subject = message.splitlines()[0]
    assert subject.startswith("fix: use the configured timeout") and subject.endswith("…")
    assert len(subject) == SUBJECT_LIMIT


def test_a_huge_explanation_is_cut_with_a_note_and_the_trailer_kept() -> None:
    explanation = "\n".join(f"line {i}: " + "why " * 30 for i in range(20_000))  # ~2.5 MB
    message = commit_message(summary="fix add", explanation=explanation, score=0.9, session_id="s1")
    body = message.split("\n", 2)[2]
    assert len(body.encode()) <= BODY_LIMIT
    assert "[explanation truncated:" in body and "the full text is in the session report" in body
    assert message.endswith(f"{TRAILER}: s1\n")


def test_a_short_message_is_left_as_is() -> None:
    message = commit_message(summary="Fix add.", explanation="Fix add.\n\nIt subtracted.", score=0.9,
                             session_id="s1")
    assert message == "fix: fix add\n\nFix add.\n\nIt subtracted.\n\nConfidence: 0.90\n\nYantra-Session: s1\n"


def test_ci_skip_directives_of_the_model_are_made_inert() -> None:
    message = commit_message(summary="Fix add [skip ci]", explanation="Fix add [skip ci].\n\n[CI Skip] [no ci] "
                             "[skip actions] [actions skip] [skip azp] [skip travis] ***NO_CI***\nskip-checks: true",
                             score=0.9, session_id="s1")
    assert message.startswith("fix: fix add (skip ci)\n")
    assert "[" not in message and "***" not in message and "skip-checks =" in message
    assert message.endswith(f"{TRAILER}: s1\n")
