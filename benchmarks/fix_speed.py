"""Time of one `yantra fix` run on a ten-file repository, model latency excluded (issue 10: <= 8 s per attempt).

A small shop package (seven modules importing each other, three test files) with one failing test; the local
Anthropic Messages API server of the test suite (`tests/support/anthropic_server.py`) answers with the correct
fix, so the run is baseline -> context -> generate -> validate -> security -> tests -> confidence -> applied.
Each run works on a fresh copy of the same repository (its graph built once by `yantra check --all`, as the
pre-commit hook leaves it; `--cold` copies it without a graph). The table shows the median over N runs of each
phase the JSON log reports (`phase` events) and, where the log has them, the finer steps (`timings` events:
model, apply, gate, secrets, semgrep, safety, tests...). "model latency" is the time the server spent on the
requests (its scripted answers take ~0 s, so the total is what Yantra itself costs).

    python -m benchmarks.fix_speed [--runs 5] [--cold] [--sandbox auto|none|bubblewrap|unshare]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python benchmarks/fix_speed.py`
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the local Messages API server lives with the test support code

from support.anthropic_server import AnthropicServer, RecordedRequest, Reply  # noqa: E402

TARGET_SECONDS = 8.0
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}

PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"
requires-python = ">=3.10"

[tool.pytest.ini_options]
pythonpath = ["."]

[tool.yantra.fix]
model = "claude-sonnet-4-6"
fallback-model = "claude-haiku-4-5"
embeddings = false
"""

FILES = {
    "shop/__init__.py": '"""A small shop."""\n',
    "shop/money.py": '''\
from decimal import Decimal


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_cents(value: int) -> Decimal:
    return Decimal(value) / 100
''',
    "shop/catalog.py": '''\
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal


CATALOG = {
    "apple": Product("apple", "Apple", Decimal("0.50")),
    "pear": Product("pear", "Pear", Decimal("0.75")),
}


def lookup(sku: str) -> Product:
    return CATALOG[sku]
''',
    "shop/cart.py": '''\
from decimal import Decimal

from shop.catalog import lookup
from shop.money import cents


class Cart:
    def __init__(self) -> None:
        self.lines: dict[str, int] = {}

    def add(self, sku: str, quantity: int = 1) -> None:
        lookup(sku)
        self.lines[sku] = self.lines.get(sku, 0) + quantity

    def subtotal(self) -> Decimal:
        total = Decimal(0)
        for sku, quantity in self.lines.items():
            total += lookup(sku).price
        return total

    def subtotal_cents(self) -> int:
        return cents(self.subtotal())
''',
    "shop/discounts.py": '''\
from decimal import Decimal


def percent_off(amount: Decimal, percent: int) -> Decimal:
    return amount * (Decimal(100 - percent) / 100)
''',
    "shop/tax.py": '''\
from decimal import Decimal

RATE = Decimal("0.20")


def with_tax(amount: Decimal) -> Decimal:
    return amount * (1 + RATE)
''',
    "shop/checkout.py": '''\
from decimal import Decimal

from shop.cart import Cart
from shop.discounts import percent_off
from shop.tax import with_tax


def total(cart: Cart, discount: int = 0) -> Decimal:
    return with_tax(percent_off(cart.subtotal(), discount))
''',
    "tests/test_cart.py": '''\
from decimal import Decimal

from shop.cart import Cart


def test_empty_cart():
    assert Cart().subtotal() == 0


def test_quantities_count():
    cart = Cart()
    cart.add("apple", 3)
    assert cart.subtotal() == Decimal("1.50")
''',
    "tests/test_checkout.py": '''\
from decimal import Decimal

from shop.cart import Cart
from shop.checkout import total


def test_total_with_tax():
    cart = Cart()
    cart.add("pear")
    assert total(cart) == Decimal("0.90")
''',
    "tests/test_money.py": '''\
from decimal import Decimal

from shop.money import cents, from_cents


def test_round_trip():
    assert from_cents(cents(Decimal("1.25"))) == Decimal("1.25")
''',
}

FIX = """Each line's price must be multiplied by its quantity.

shop/cart.py
<<<<<<< SEARCH
            total += lookup(sku).price
=======
            total += lookup(sku).price * quantity
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""


@dataclass
class RunTimes:
    wall: float
    verdict: str
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds (summed over attempts)
    steps: dict[str, float] = field(default_factory=dict)  # finer steps from `timings` events
    attempts: int = 0
    model_latency: float = 0.0
    cpu: float = 0.0  # user + system seconds of the run's process tree (steadier than wall on a busy machine)
    attempt_wall: float | None = None  # the attempts' wall time from the `timings` events, when the log has them


class TimedServer(AnthropicServer):
    """The test server, noting how long it spent producing each answer (the 'model latency')."""

    def __init__(self) -> None:
        self.latency = 0.0
        super().__init__(default=self._answer)

    def _answer(self, request: RecordedRequest) -> Reply:
        started = time.perf_counter()
        reply = Reply.answer(FIX)
        self.latency += time.perf_counter() - started + reply.delay
        return reply


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def make_template(root: Path, *, warm: bool) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "shop")
    if warm:  # the graph the pre-commit hook leaves behind
        subprocess.run([sys.executable, "-m", "bot", "check", "--all", "--repo", str(root)], check=False,
                       capture_output=True)


def yantra_env(server: AnthropicServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(GIT_ENV, ANTHROPIC_API_KEY="bench-key", ANTHROPIC_BASE_URL=server.base_url)
    return env


def one_run(template: Path, work: Path, sandbox: str) -> RunTimes:
    repo = work / "repo"
    shutil.copytree(template, repo, symlinks=True)
    with TimedServer() as server:
        argv = [sys.executable, "-m", "bot", "fix", "--log-format", "json", "--sandbox", sandbox]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=yantra_env(server), timeout=600)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        latency = server.latency
    shutil.rmtree(repo, ignore_errors=True)
    events: list[dict[str, Any]] = [json.loads(ln) for ln in proc.stderr.splitlines() if ln.startswith("{")]
    outcome: dict[str, Any] = next((e for e in events if e.get("event") == "outcome"), {})
    times = RunTimes(wall=wall, verdict=str(outcome.get("verdict", f"exit {proc.returncode}")),
                     attempts=int(outcome.get("attempts") or 0), model_latency=latency,
                     cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    for event in events:
        if event.get("event") == "phase" and not event.get("resumed"):
            name = str(event["phase"])
            times.phases[name] = times.phases.get(name, 0.0) + float(event.get("duration") or 0.0)
        if event.get("event") == "timings" and event.get("attempt"):
            times.attempt_wall = (times.attempt_wall or 0.0) + float(event.get("wall") or 0.0)
        if event.get("event") == "timings":
            for step, seconds in dict(event.get("seconds", {})).items():
                times.steps[step] = times.steps.get(step, 0.0) + float(seconds)
    if times.verdict != "applied":
        print(f"warning: the run ended {times.verdict}:\n{proc.stdout}\n{proc.stderr[-3000:]}", file=sys.stderr)
    return times


def median_of(runs: Sequence[RunTimes], pick: str) -> dict[str, float]:
    names = list(dict.fromkeys(n for r in runs for n in getattr(r, pick)))
    return {n: statistics.median(getattr(r, pick).get(n, 0.0) for r in runs) for n in names}


def table(runs: Sequence[RunTimes]) -> str:
    lines = ["| phase | median s |", "|---|---:|"]
    lines += [f"| {name} | {secs:.2f} |" for name, secs in median_of(runs, "phases").items()]
    steps = median_of(runs, "steps")
    if steps:
        lines += ["", "| step (timings event) | median s |", "|---|---:|"]
        lines += [f"| {name} | {secs:.2f} |" for name, secs in steps.items()]
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    latency = statistics.median(r.model_latency for r in runs)
    phases = median_of(runs, "phases")
    walls = [r.attempt_wall for r in runs if r.attempt_wall is not None]
    # Without `timings` events (an older Yantra) the attempt is the sum of its phases, which ran one by one.
    attempt = statistics.median(walls) if walls else sum(
        phases.get(p, 0.0) for p in ("generate", "validate", "security", "test", "confidence", "commit"))
    net = wall - latency
    lines += ["", f"runs: {len(runs)}; verdicts: {', '.join(sorted({r.verdict for r in runs}))}; "
                  f"attempts: {', '.join(str(r.attempts) for r in runs)}",
              f"whole run (process wall, median): {wall:.2f} s; model latency (server): {latency:.3f} s; "
              f"CPU of the process tree (user + sys, median): {cpu:.2f} s",
              f"whole run minus model latency: {net:.2f} s "
              f"({'within' if net <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:g} s target)",
              f"one attempt (generate .. commit, wall): {attempt:.2f} s "
              f"({'within' if attempt <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:g} s target)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="no graph in the repository before the run")
    ap.add_argument("--sandbox", default="auto", choices=["auto", "bubblewrap", "unshare", "none"])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="yantra-fix-speed-") as tmp:
        template = Path(tmp) / "template"
        make_template(template, warm=not args.cold)
        runs = []
        for i in range(args.runs):
            work = Path(tmp) / f"run{i}"
            work.mkdir()
            runs.append(one_run(template, work, args.sandbox))
            print(f"run {i + 1}/{args.runs}: {runs[-1].wall:.2f} s ({runs[-1].verdict})", file=sys.stderr)
    print(table(runs))
    return 0 if all(r.verdict == "applied" for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
