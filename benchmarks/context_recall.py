"""Does the context contain the fix? Recall of real bug fixes' changed definitions, against a BM25 baseline.

Cases are mined from the git history of public projects (fetched into `/work/.mirror/<owner>+<name>/repo`
with the search tool's `fetch` verb; never committed here): a non-merge commit that modifies existing
definitions in package code (at most `MAX_SRC_FILES` files) and adds a test function. At the parent commit,
with the commit's version of the test file in place, we ask `assemble_context` for the new test's node id and
check which of the definitions the fix changed (as they were at the parent) are in the context in full code.

The failure text is the new test's real pytest output at the parent (`benchmarks/context_failures.py`: a
virtualenv per project with its test dependencies, the test run at the parent and at the fix; a case counts
only when it fails at the parent and passes at the fix, the others are excluded from both sides and counted
by reason). Candidates are tried newest first until `--cases` of them reproduce (at most `MAX_CANDIDATES`
per project), with the same rules for every project. `--failure synthetic` keeps the old stand-in for
comparison (the newest `--cases` candidates): the test's source plus its first assertion line as an `E` line.

Projects come in two sets: `tuned` (the context ranking was tuned on them) and `heldout` (chosen before any
tuning and never to be tuned on: `HELD_OUT`). `--reproduce-only` only runs the tests, filling the failure cache
(`~/.cache/yantra-bench/ctx/failures.json`) so that a later run costs the context assembly alone.

The baseline ranks definition-sized chunks (functions, methods, classes not inside a function) of the
non-test files, compressed like the context's code (comments out, docstrings folded), by BM25 against the
same failure text and takes them greedily up to the number of tokens
the context used for that case (equal tokens). Nothing of the fix is given to either side.

    python -m benchmarks.context_recall [--set tuned|heldout|all | --projects click attrs] [--cases 30]
                                        [--budgets 12000 4000] [--failure pytest|synthetic]
                                        [--reproduce-only] [--trace] [--label before]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.context_failures import Failures
    from bot.scan.trace import Trace

if __package__ in (None, ""):  # run as `python benchmarks/context_recall.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MIRROR = Path("/work/.mirror")
RESULTS = Path(__file__).resolve().parent / "results"
# Chosen before any tuning: pure-Python projects with pytest suites and a habit of regression tests.
PROJECTS: dict[str, tuple[str, str]] = {
    "click": ("pallets+click", "CLI library: decorators building commands, a parser, many small fixes"),
    "werkzeug": ("pallets+werkzeug", "WSGI toolkit: large modules (datastructures, routing), big classes"),
    "marshmallow": ("marshmallow-code+marshmallow", "serialization: class registry, fields reached by name"),
    "attrs": ("python-attrs+attrs", "class decorators, `_make.py` of 3k lines, star re-exports in __init__"),
    "jinja": ("pallets+jinja", "template engine: compiler/visitor dispatch, lexer, runtime classes"),
}
# Held out: chosen before any tuning and NEVER to be tuned on (no study of their misses, no mechanism added
# because of one of their cases). flask was chosen with the five above; structlog, cattrs and webargs were chosen
# on 2026-12-02 (issue 11), in this order from the brief's list (structlog, cattrs, webargs, pluggy, itsdangerous:
# the first three that reproduce >= 30 cases), before any context run on them. Reported separately as unseen.
HELD_OUT: dict[str, tuple[str, str]] = {
    "flask": ("pallets+flask", "web framework: app/blueprint/context classes, thin layer over werkzeug"),
    "structlog": ("hynek+structlog", "logging: processor chains, renderers, bound loggers, stdlib bridge"),
    "cattrs": ("python-attrs+cattrs", "(un)structuring: converters dispatching on types, generated code"),
    "webargs": ("marshmallow-code+webargs", "request parsing: a core parser subclassed per web framework"),
}
SETS: dict[str, tuple[str, ...]] = {"tuned": tuple(PROJECTS), "heldout": tuple(HELD_OUT),
                                    "all": (*PROJECTS, *HELD_OUT)}
MAX_SRC_FILES = 4
MAX_SCAN = 3000  # commits looked at per project, newest first
MAX_CANDIDATES = 120  # mined candidates run through pytest per project at most, newest first
TARGET = (3, 12)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_TEST_DEF = re.compile(r"^\+\s*(?:async\s+)?def (test\w*)\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class Case:
    project: str
    commit: str
    parent: str
    subject: str
    test_path: str
    node: str
    changed: tuple[tuple[str, str], ...]  # (path, qualname) at the parent


@dataclass
class Outcome:
    case: Case
    budget: int
    tokens: int
    found: int
    bm25_found: int
    bm25_tokens: int
    bm25_share_found: int = 0  # BM25 given the whole context share (70 % of the budget)
    missing: list[str] = field(default_factory=list)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def git_bytes(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={repo}", *args], check=True, capture_output=True).stdout


def is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or path.startswith(("tests/", "test/", "testing/")) or "/tests/" in path)


def is_source(path: str) -> bool:
    return (path.endswith(".py") and not is_test(path)
            and not path.startswith(("docs/", "doc/", "examples/", "scripts/", "benchmarks/", "artwork/"))
            and path != "setup.py")


def defs_of(data: bytes) -> list[tuple[str, str, int, int]]:
    from bot.graph.python_parser import parse_python

    facts = parse_python(data, TARGET)
    return [(d.qualname, d.kind, d.line, d.end_line) for d in facts.definitions if d.kind != "variable"]


def innermost(defs: list[tuple[str, str, int, int]], line: int) -> str | None:
    spans = [d for d in defs if d[2] <= line <= d[3]]
    return min(spans, key=lambda d: d[3] - d[2])[0] if spans else None


def changed_defs(repo: Path, parent: str, commit: str, path: str) -> set[str]:
    """Definitions of `path` at the parent whose lines the commit changes (insertions: the enclosing one)."""
    diff = git(repo, "diff", "-U0", parent, commit, "--", path)
    defs = defs_of(git_bytes(repo, "show", f"{parent}:{path}"))
    out: set[str] = set()
    for m in _HUNK.finditer(diff):
        start, count = int(m[1]), int(m[2] or "1")
        lines = range(start, start + count) if count else [start, start + 1]
        names = [innermost(defs, n) for n in lines]
        if count == 0 and names[0] != names[1]:
            continue  # inserted between definitions: a new definition, not a change of one
        out.update(n for n in names if n)
    return out


def mirror(project: str) -> Path:
    return MIRROR / {**PROJECTS, **HELD_OUT}[project][0] / "repo"


def candidates(project: str, repo: Path) -> Iterator[Case]:
    """The project's candidate cases, newest first, under the same rules for every project."""
    log = git(repo, "log", "--no-merges", f"-{MAX_SCAN}", "--format=%H %P%x09%s", "HEAD")
    for row in log.splitlines():
        head, _, subject = row.partition("\t")
        shas = head.split()
        if len(shas) != 2:
            continue
        commit, parent = shas
        case = _case(project, repo, commit, parent, subject)
        if case is not None:
            yield case


def mine(project: str, want: int) -> list[Case]:
    """The newest `want` candidates (no pytest run: the synthetic failure text's cases)."""
    return list(itertools.islice(candidates(project, mirror(project)), want))


@dataclass
class Reproduced:
    """The candidates tried newest first until `want` reproduced (failed at the parent, passed at the fix):
    the cases with their failure texts, and the others counted by reason."""

    mined: int = 0
    cases: list[tuple[Case, str]] = field(default_factory=list)
    excluded: Counter[str] = field(default_factory=Counter)


def reproduced(project: str, repo: Path, want: int, failures: Failures,
               limit: int = MAX_CANDIDATES) -> Reproduced:
    from benchmarks.context_failures import Status

    out = Reproduced()
    for case in itertools.islice(candidates(project, repo), limit):
        if len(out.cases) >= want:
            break
        out.mined += 1
        found = failures.get(repo, project, case.commit, case.parent, case.test_path, case.node)
        if found.status is Status.FAILS:
            out.cases.append((case, found.text))
        else:
            out.excluded[found.status.value] += 1
    return out


def _case(project: str, repo: Path, commit: str, parent: str, subject: str) -> Case | None:
    status = git(repo, "diff-tree", "-r", "--no-commit-id", "--name-status", parent, commit).split("\n")
    rows = [r.split("\t") for r in status if r]
    sources = [r[1] for r in rows if r[0] == "M" and is_source(r[1])]
    tests = [r[-1] for r in rows if r[0] in ("M", "A") and r[-1].endswith(".py") and is_test(r[-1])
             and not r[-1].endswith("conftest.py")]
    if not sources or len(sources) > MAX_SRC_FILES or not tests:
        return None
    for test_path in tests:
        added = _TEST_DEF.findall(git(repo, "diff", "-U0", parent, commit, "--", test_path))
        if not added:
            continue
        new_defs = defs_of(git_bytes(repo, "show", f"{commit}:{test_path}"))
        old = {d[0] for d in defs_of(git_bytes(repo, "show", f"{parent}:{test_path}"))} if rows and any(
            r[0] == "M" and r[-1] == test_path for r in rows) else set()
        quals = [d[0] for d in new_defs if d[0].rsplit(".", 1)[-1] == added[0] and d[0] not in old]
        if len(quals) != 1:
            continue
        changed = tuple(sorted((p, q) for p in sources for q in changed_defs(repo, parent, commit, p)))
        if not changed:
            return None
        node = test_path + "::" + quals[0].replace(".", "::")
        return Case(project, commit, parent, subject[:80], test_path, node, changed)
    return None


def checkout(repo: Path, case: Case, dest: Path) -> None:
    data = git_bytes(repo, "archive", "--format=tar", case.parent)
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    test = dest / case.test_path
    test.parent.mkdir(parents=True, exist_ok=True)
    test.write_bytes(git_bytes(repo, "show", f"{case.commit}:{case.test_path}"))


def synthetic_failure(root: Path, case: Case) -> str:
    """The old stand-in: the test's source and its first assertion line, as a pytest failure would show them."""
    data = (root / case.test_path).read_bytes()
    qual = case.node.split("::", 1)[1].replace("::", ".")
    span = next(((a, b) for q, _k, a, b in defs_of(data) if q == qual), (1, 1))
    lines = data.decode("utf-8", "replace").splitlines()[span[0] - 1:span[1]]
    assertion = next((ln.strip() for ln in lines if ln.strip().startswith(("assert", "with pytest.raises"))), "")
    return (f"_____ {qual} _____\n" + "\n".join(lines) + f"\nE       {assertion}\n"
            f"{case.test_path}:{span[0]}: AssertionError\nFAILED {case.node}\n")


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def words(text: str) -> list[str]:
    out: list[str] = []
    for w in _WORD.findall(text):
        low = w.lower()
        out.append(low)
        parts = [p.lower() for p in _PARTS.findall(w)]
        if len(parts) > 1:
            out.extend(parts)
    return out


class Chunks:
    """Definition-sized chunks of a checkout's non-test files, with their tokens (cached by content)."""

    cache: dict[tuple[str, str], tuple[int, list[str]]] = {}

    def __init__(self, root: Path, graph: object) -> None:
        from bot.context.compress import compress_python, fold_docstrings
        from bot.context.tokens import count_tokens

        self.items: list[tuple[str, str, int, int, Counter[str], int]] = []  # path, qual, start, end, tf, tok
        for path in graph.files():  # type: ignore[attr-defined]
            if not is_source(path):
                continue
            facts = graph.facts(path)  # type: ignore[attr-defined]
            if facts is None:
                continue
            lines = graph.source(path).splitlines(keepends=True)  # type: ignore[attr-defined]
            funcs = [d for d in facts.definitions if d.kind == "function"]
            for d in facts.definitions:
                if d.kind == "variable" or any(f.line < d.line and d.end_line <= f.end_line for f in funcs):
                    continue
                key = (facts.sha, d.qualname)
                if key not in self.cache:
                    # the same compression as the context's: comments out, long docstrings folded
                    code = compress_python(fold_docstrings("".join(lines[d.line - 1:d.end_line]))[0]).text
                    header = f"# ---- {path}:{d.line}-{d.end_line} {d.qualname}\n"
                    self.cache[key] = (count_tokens(header + code), words(code))
                tokens, ws = self.cache[key]
                self.items.append((path, d.qualname, d.line, d.end_line, Counter(ws), tokens))
        self.avg = sum(sum(i[4].values()) for i in self.items) / max(1, len(self.items))
        self.df: Counter[str] = Counter()
        for item in self.items:
            self.df.update(item[4].keys())

    def ranked(self, query: str) -> list[int]:
        n, k1, b = len(self.items), 1.2, 0.75
        q = set(words(query))
        scores = []
        for i, (_p, _q, _a, _b, tf, _t) in enumerate(self.items):
            length = sum(tf.values())
            s = 0.0
            for w in q & tf.keys():
                idf = math.log(1 + (n - self.df[w] + 0.5) / (self.df[w] + 0.5))
                s += idf * tf[w] * (k1 + 1) / (tf[w] + k1 * (1 - b + b * length / self.avg))
            scores.append((-s, i))
        return [i for s, i in sorted(scores) if s < 0]

    def take(self, order: list[int], tokens: int) -> tuple[set[tuple[str, str]], int]:
        """Chunks in order while they fit `tokens`; the (path, qualname) covered in full, tokens used."""
        used, full = 0, set()
        for i in order:
            path, qual, _a, _b, _tf, tok = self.items[i]
            if (path, qual) in full or used + tok > tokens:
                continue
            used += tok
            full.add((path, qual))
            full.update((p, q) for p, q, *_ in self.items if p == path and q.startswith(qual + "."))
        return full, used


def in_full(ctx: object, path: str, qual: str) -> bool:
    """`qual` is in level 1 as code: its own section or its enclosing definition's, in full form (a class's
    skeleton in level 1 lists signatures, not code, and does not count)."""
    for s in ctx.sections:  # type: ignore[attr-defined]
        if s.level != 1 or s.path != path or s.truncated or s.form != "full":
            continue
        if s.symbol in ("", qual) or qual.startswith(s.symbol + "."):
            return True
    return False


def why_missing(ctx: object, path: str, qual: str) -> str:
    """Where a changed definition ended up in the context: a signature, a skeleton, dropped at its rank
    for lack of budget, or never ranked."""
    for s in ctx.sections:  # type: ignore[attr-defined]
        if (s.path, s.symbol) == (path, qual):
            return f"{s.form} at rank {s.rank}: {s.reason}"
    for d in ctx.dropped:  # type: ignore[attr-defined]
        if (d.path, d.symbol) == (path, qual):
            return f"dropped at rank {d.rank}: {d.reason}"
    return "not ranked"


def run_case(case: Case, budgets: Sequence[int], db: Path, failure: str | None,
             trace: Trace | None = None) -> list[Outcome]:
    """The case at each budget; `failure` is the real pytest output, or None for the synthetic stand-in;
    `trace` what the test's file ran at the parent (`--trace`)."""
    from bot.context import assemble_context
    from bot.graph import open_graph

    repo = mirror(case.project)
    out: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="yantra-recall-") as tmp:
        root = Path(tmp)
        checkout(repo, case, root)
        if failure is None:
            failure = synthetic_failure(root, case)
        graph = open_graph(root, db_path=db)
        try:
            chunks = Chunks(root, graph)
            order = chunks.ranked(failure)
            for budget in budgets:
                ctx = assemble_context(graph, case.node, budget, failure=failure, trace=trace)
                got = [c for c in case.changed if in_full(ctx, *c)]
                full, used = chunks.take(order, ctx.tokens)
                share, _ = chunks.take(order, sum(ctx.level_budgets[:2]))
                out.append(Outcome(case, budget, ctx.tokens, len(got), sum(c in full for c in case.changed), used,
                                   sum(c in share for c in case.changed),
                                   [f"{p}:{q} ({why_missing(ctx, p, q)})" for p, q in case.changed
                                    if (p, q) not in got]))
        finally:
            graph.close()
    return out


def table(outcomes: list[Outcome], budgets: Sequence[int]) -> str:
    rows = ["| project | budget | cases | defs | Yantra defs in full | Yantra all-in-full cases | Yantra tokens "
            "(mean) | BM25 defs in full (equal tokens) | BM25 all-in-full cases | ratio | BM25 defs in full (70 % "
            "of budget) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for project in dict.fromkeys(o.case.project for o in outcomes):
        for budget in budgets:
            mine_ = [o for o in outcomes if o.case.project == project and o.budget == budget]
            defs = sum(len(o.case.changed) for o in mine_)
            ours, theirs = sum(o.found for o in mine_), sum(o.bm25_found for o in mine_)
            all_ours = sum(o.found == len(o.case.changed) for o in mine_)
            all_theirs = sum(o.bm25_found == len(o.case.changed) for o in mine_)
            mean = sum(o.tokens for o in mine_) / max(1, len(mine_))
            ratio = f"{ours / theirs:.2f}" if theirs else "n/a"
            rows.append(f"| {project} | {budget} | {len(mine_)} | {defs} | {ours / max(1, defs):.0%} | "
                        f"{all_ours / max(1, len(mine_)):.0%} | {mean:.0f} | {theirs / max(1, defs):.0%} | "
                        f"{all_theirs / max(1, len(mine_)):.0%} | {ratio} | "
                        f"{sum(o.bm25_share_found for o in mine_) / max(1, defs):.0%} |")
    return "\n".join(rows)


def excluded_table(excluded: dict[str, Counter[str]], mined: Counter[str]) -> str:
    reasons = sorted({r for c in excluded.values() for r in c})
    rows = ["| project | mined | reproduced | " + " | ".join(f"excluded: {r}" for r in reasons) + " |",
            "| --- | ---: | ---: |" + " ---: |" * len(reasons)]
    for project, n in mined.items():
        gone = excluded.get(project, Counter())
        rows.append(f"| {project} | {n} | {n - gone.total()} | " + " | ".join(str(gone[r]) for r in reasons) + " |")
    return "\n".join(rows)


def _trace(case: Case) -> Trace | None:
    from benchmarks.context_failures import traced
    from bot.scan.trace import read_trace

    path = traced(mirror(case.project), case.project, case.commit, case.parent, case.test_path, case.node)
    return read_trace(path) if path is not None else None


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.context_failures import Failures

    every = {**PROJECTS, **HELD_OUT}
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=list(SETS), default="tuned",
                    help="tuned (the ranking was tuned on them), heldout (never tuned on) or all")
    ap.add_argument("--projects", nargs="+", choices=list(every), help="these projects instead of a --set")
    ap.add_argument("--cases", type=int, default=30,
                    help="cases per project: reproduced ones with --failure pytest (up to "
                         f"{MAX_CANDIDATES} candidates tried), mined ones with --failure synthetic")
    ap.add_argument("--budgets", nargs="+", type=int, default=[12_000, 4_000])
    ap.add_argument("--failure", choices=["pytest", "synthetic"], default="pytest")
    ap.add_argument("--reproduce-only", action="store_true", help="only run the tests (fill the failure cache)")
    ap.add_argument("--trace", action="store_true",
                    help="also give the context what the test's file ran at the parent (Yantra's pytest trace "
                         "plugin, one more run per case, cached)")
    ap.add_argument("--label", default="run")
    args = ap.parse_args(argv)
    projects: list[str] = args.projects or list(SETS[args.set])
    outcomes: list[Outcome] = []
    excluded: dict[str, Counter[str]] = {}
    mined: Counter[str] = Counter()
    failures = Failures()
    t0 = time.perf_counter()
    for project in projects:
        repo = mirror(project)
        if not repo.is_dir():
            print(f"{project}: no mirror at {repo.parent}; fetch github:{every[project][0].replace('+', '/')} first",
                  file=sys.stderr)
            return 2
        if args.failure == "pytest":
            got = reproduced(project, repo, args.cases, failures)
            mined[project], excluded[project] = got.mined, got.excluded
            cases: list[tuple[Case, str | None]] = list(got.cases)
            print(f"{project}: {len(cases)} cases reproduced of {got.mined} mined", file=sys.stderr)
        else:
            cases = [(case, None) for case in mine(project, args.cases)]
            mined[project] = len(cases)
            print(f"{project}: {len(cases)} cases", file=sys.stderr)
        traces = {case: _trace(case) for case, _text in cases} if args.trace else {}
        if args.trace:
            print(f"{project}: {sum(t is not None for t in traces.values())} of {len(cases)} cases traced",
                  file=sys.stderr)
        if args.reproduce_only:
            continue
        with tempfile.TemporaryDirectory(prefix="yantra-recall-db-") as tmp:
            for case, text in cases:
                outcomes += run_case(case, args.budgets, Path(tmp) / "graph.sqlite", text, traces.get(case))
    how = ("the new test's real pytest output at the parent (cases whose test does not fail at the parent and "
           "pass at the fix are excluded from both sides)" if args.failure == "pytest"
           else "the new test's source + its first assertion line (synthetic, no pytest run)")
    held = [p for p in projects if p in HELD_OUT]
    text = (f"Context recall on real fixes ({args.label}); failure text = {how}\n"
            + (f"held out (never tuned on): {', '.join(held)}\n" if held else "") + "\n"
            + table(outcomes, args.budgets)
            + ("\n\n" + excluded_table(excluded, mined) if args.failure == "pytest" else "")
            + f"\n\n{time.perf_counter() - t0:.0f} s")
    print(text)
    if args.reproduce_only:
        return 0
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"context_recall_{args.label}.md").write_text(text + "\n")
    (RESULTS / f"context_recall_{args.label}.json").write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
