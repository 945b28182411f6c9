"""What the review says about a suggested fix: why it is only suggested, and the test files it edits."""

from __future__ import annotations

from bot.github.delivery import _outcome_md
from bot.pipeline.outcome import FixOutcome
from bot.verdict import Verdict


def outcome(**changes: object) -> FixOutcome:
    base: dict[str, object] = {"verdict": Verdict.SUGGESTED, "confidence": 0.6, "breakdown": {}, "commit_sha": None,
                               "patch": "--- a/x.py\n+++ b/x.py\n", "report_markdown": "", "session_id": "s1",
                               "attempts": 1, "reason": ""}
    return FixOutcome(**{**base, **changes})  # type: ignore[arg-type]


def test_a_fix_that_edits_tests_is_called_out_as_such() -> None:
    text = _outcome_md(outcome(test_files=("tests/test_x.py",), changed=("x.py", "tests/test_x.py")))
    assert "because it edits test files" in text and "`tests/test_x.py`" in text
    assert "tests not run" not in text


def test_a_statically_validated_fix_says_its_tests_did_not_run() -> None:
    text = _outcome_md(outcome())
    assert "validated statically (tests not run)" in text and "test files" not in text
