"""The two seeds of the mutation benchmarks.

The gate is developed against the mutations of the TUNING seed; the figures the README reports come from the
REPORTING seed, which picks other mutations of the same kinds on the same releases, so a number quoted there
says how the gate does on changes nobody looked at while fixing misses. Do not look at, or fix from, the misses
of the reporting seed: file them (`/work/briefs/bench-findings.md`) and fix the mechanism, then re-measure.
"""

from __future__ import annotations

TUNING_SEED = 7
# 2026 was the reporting seed until its misses were studied to fix mechanisms (stop 13), and 4817 until stop 14
# did the same: both are tuning seeds now, like 7. A reporting seed is replaced as soon as anyone looks at its
# misses; 97178 was drawn at random after the last gate change of stop 14 and first run on that gate.
BURNED_SEEDS = (2026, 4817)
REPORTING_SEED = 97178
NAMED = {"tuning": TUNING_SEED, "reporting": REPORTING_SEED}


def parse_seed(text: str) -> int:
    """`--seed` value: an integer, or `tuning` / `reporting`."""
    if text in NAMED:
        return NAMED[text]
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"seed {text!r} must be an integer, 'tuning' ({TUNING_SEED}) or 'reporting' "
                         f"({REPORTING_SEED})") from None
