"""The event log: JSON lines for CI, readable text by default, and every event handed to the sink."""

from __future__ import annotations

import io
import json
from typing import Any

from bot.pipeline.events import EventLog, Step, Stopwatch


def test_json_format_writes_one_object_per_line() -> None:
    out = io.StringIO()
    seen: list[dict[str, Any]] = []
    log = EventLog("json", stream=out, sink=seen.append)
    log.session = "s1"
    log.emit("phase", phase="test", attempt=2, status="failed", duration=1.25, tokens=0, cost=0.0)
    log.llm_event({"event": "llm", "model": "m", "outcome": "ok", "input_tokens": 10})
    lines = out.getvalue().splitlines()
    assert [json.loads(ln)["event"] for ln in lines] == ["phase", "llm"]
    first = json.loads(lines[0])
    assert (first["session"], first["phase"], first["attempt"], first["status"]) == ("s1", "test", 2, "failed")
    assert seen[1]["model"] == "m"


def test_text_format_is_readable_and_shows_no_progress_off_a_terminal() -> None:
    out = io.StringIO()
    log = EventLog("text", stream=out)
    log.session = "s1"
    log.phase_started("generate", 1)
    log.emit("phase", phase="generate", attempt=1, status="ok", duration=2.0, tokens=1500, cost=0.0123,
             detail="1 edit(s)")
    log.phase_finished()
    text = out.getvalue()
    assert text == "yantra fix: attempt 1 generate ok (2.0s, 1500 tokens, $0.0123): 1 edit(s)\n"


def test_progress_line_is_drawn_when_asked_for() -> None:
    out = io.StringIO()
    log = EventLog("text", stream=out, progress=True)
    log.phase_started("baseline", 0)
    log.emit("phase", phase="baseline", attempt=0, status="ok", duration=0.1)
    log.close()
    assert "yantra fix: baseline ok" in out.getvalue()
    assert "\x1b[2K" in out.getvalue()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_stopwatch_sums_steps_per_attempt_and_reports_wall_time() -> None:
    clock = FakeClock()
    watch = Stopwatch(clock)
    watch.begin(1)
    with watch.measure(Step.SEMGREP):  # started first, still running while the tests run
        with watch.measure(Step.TESTS):
            clock.now += 2.0
        clock.now += 0.5
    with watch.measure(Step.GATE):
        clock.now += 0.25
    with watch.measure(Step.GATE):
        clock.now += 0.25
    times = watch.end()
    assert times.attempt == 1
    assert times.seconds == {Step.TESTS: 2.0, Step.SEMGREP: 2.5, Step.GATE: 0.5}
    assert times.wall == 3.0  # less than the sum: semgrep overlapped the tests
    assert watch.end().seconds == {}  # the watch starts over


def test_timings_event_in_json_and_text() -> None:
    clock = FakeClock()
    watch = Stopwatch(clock)
    watch.begin(2)
    with watch.measure(Step.MODEL):
        clock.now += 1.5
    out, text = io.StringIO(), io.StringIO()
    EventLog("json", stream=out).timings(watch.end())
    event = json.loads(out.getvalue())
    assert event["event"] == "timings" and event["attempt"] == 2
    assert event["seconds"] == {"model": 1.5} and event["wall"] == 1.5
    watch.begin(0)
    with watch.measure(Step.BASELINE):
        clock.now += 3.0
    EventLog("text", stream=text).timings(watch.end())
    assert text.getvalue() == "yantra fix: before the first attempt took 3.0s (baseline 3.00s)\n"
