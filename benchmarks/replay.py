"""History replay: the last N `.py`-changing commits of public repositories, each checked as the commit it was.

A commit that maintainers kept is a correct commit, so every block (exit 1) is a claim to justify: either a
real break the maintainers committed (say how we know: e.g. the next commit fixes it) or a false positive of
the gate (a bug to report). Justifications are written by hand into `benchmarks/replay_justified.toml`
(`["owner/name"] "<full sha>" = "why this block is right"`); a block not listed there counts as unjustified.

For each repository the history comes from a bare mirror (`fetch` of the search tool puts them under
`/work/.mirror/<owner>+<name>/repo`); it is cloned once with `--shared` (no copy of the objects) into
`$BENCH_CACHE/replay/<owner>+<name>`, and for each commit C (no merges, the newest N in topological order, replayed oldest first):

    git checkout -f --detach C ; git clean -fdq ; git reset -q --soft C^

so HEAD is C's parent, and the index and the work tree hold C: exactly the state in which `git commit` runs
the pre-commit hook with everything staged. Then `yantra check --format json` (no paths: the gate reads the
index) and the exit code and findings are recorded. The graph database of the clone survives, so the runs
after the first are incremental, as on a developer's machine.

    python -m benchmarks.replay [--repos owner/name ...] [--limit 200] [--mirrors /work/.mirror]
    python -m benchmarks.replay --from-results benchmarks/results/replay-yantra.jsonl   # re-judge, run nothing

Prints a table per repository (commits replayed, blocked, justified, unjustified, seconds), writes the details
of every block to `benchmarks/results/replay-<owner>+<name>.md` and one JSON object per commit to
`benchmarks/results/replay-<tool>.jsonl`. The fetched code is only read; nothing of it is committed here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/replay.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from benchmarks.process import ProcessRun
from benchmarks.projects import BenchError, cache_dir, git
from benchmarks.report import RESULTS_DIR, ResultLog, table
from benchmarks.tool import Finding, Tool, ToolRun, add_tool_arguments, make_tool

# Public repositories in no benchmark set (see `UNSEEN_PROJECTS` in projects.py, which leaves them out).
DEFAULT_REPOS: tuple[str, ...] = ("pallets/click", "psf/requests", "pypa/packaging", "python-attrs/cattrs",
                                  "tiangolo/typer", "encode/httpx")
MIRRORS = Path("/work/.mirror")
JUSTIFIED = Path(__file__).resolve().parent / "replay_justified.toml"
TIP = "refs/remotes/origin/HEAD"  # the mirror's default branch, as the clone saw it (HEAD moves while replaying)


@dataclass(frozen=True)
class Replayed:
    repo: str
    sha: str
    subject: str
    files: tuple[str, ...]  # the .py files the commit changes
    run: ToolRun

    @property
    def blocked(self) -> bool:
        return self.run.process.exit_code == 1


def mirror_of(repo: str, mirrors: Path) -> Path:
    path = mirrors / repo.replace("/", "+") / "repo"
    if not (path / "HEAD").is_file() and not (path / ".git").is_dir():
        raise BenchError(f"no mirror of {repo} at {path}; bring it with the search tool's fetch "
                         f"(github:{repo}) or pass --mirrors")
    return path


def clone_of(repo: str, mirror: Path) -> Path:
    """A local clone sharing the mirror's objects (`--shared`), made once."""
    clone = cache_dir() / "replay" / repo.replace("/", "+")
    if (clone / ".git").is_dir():
        return clone
    clone.parent.mkdir(parents=True, exist_ok=True)
    tmp = clone.with_name(clone.name + ".tmp")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    git(clone.parent, "clone", "-q", "--shared", "--no-checkout", str(mirror), str(tmp))
    tmp.rename(clone)
    return clone


def python_commits(clone: Path, limit: int) -> list[tuple[str, str]]:
    """The last `limit` non-merge commits reachable from HEAD that change a `.py` file (the commits developers
    made, on any branch that was merged), oldest first, as (sha, subject). Root commits are left out (there is
    no parent to stage against). Not `--first-parent`: on a repository where pull requests are merged, that line
    holds mostly merges, and its few direct commits reach back years."""
    out = git(clone, "log", "--no-merges", "--topo-order", "--format=%H%x00%P%x00%s", TIP, "--", "*.py")
    commits = []
    for line in out.splitlines():
        sha, parents, subject = line.split("\0", 2)
        if parents.strip():  # a subject in another encoding than UTF-8 (celery's 2009 commits) is shown with U+FFFD
            commits.append((sha, subject.encode("utf-8", "surrogateescape").decode("utf-8", "replace")))
        if len(commits) == limit:
            break
    return commits[::-1]


def changed_python_files(clone: Path, sha: str) -> tuple[str, ...]:
    out = git(clone, "diff", "--name-only", "-z", f"{sha}^", sha, "--", "*.py")
    return tuple(p for p in out.split("\0") if p)


def stage_commit(clone: Path, sha: str, absent: set[str] | None = None) -> None:
    """HEAD at sha's parent; index and work tree at sha: the moment before `git commit`.

    A mirror may lack the blobs of its largest files (data sets, binaries). When the checkout fails for that,
    those paths are left out of the work tree (sparse checkout; `absent` collects them): they stay in the index
    with their object ids, which is all the gate reads of a file that is not Python or configuration. A commit
    whose Python or configuration blob is absent is not staged (the error stands)."""
    absent = set() if absent is None else absent
    try:
        git(clone, "checkout", "-q", "-f", "--detach", sha)
    except BenchError:
        missing = absent_blobs(clone, sha)
        if not missing - absent or any(p.endswith((".py", ".toml", ".cfg", ".ini", ".yaml")) for p in missing):
            raise
        absent |= missing
        git(clone, "sparse-checkout", "set", "--no-cone", "/*", *(f"!/{_glob_escape(p)}" for p in sorted(absent)))
        git(clone, "checkout", "-q", "-f", "--detach", sha)
    git(clone, "clean", "-fdq")  # untracked leftovers of the previous commit (never .git/yantra)
    git(clone, "reset", "-q", "--soft", f"{sha}^")


def absent_blobs(clone: Path, sha: str) -> set[str]:
    """Paths of sha's tree whose blobs the (mirror's) object store does not have."""
    entries = [line.split("\t", 1) for line in git(clone, "ls-tree", "-r", "-z", sha).split("\0") if "\t" in line]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == "blob"]
    proc = subprocess.run(["git", "cat-file", "--batch-check=%(objectname)"], cwd=clone, capture_output=True,
                          text=True, input="".join(f"{oid}\n" for oid, _ in blobs))
    answers = proc.stdout.splitlines()
    return {path for (_, path), answer in zip(blobs, answers, strict=True) if answer.endswith(" missing")}


def _glob_escape(path: str) -> str:
    return "".join("\\" + ch if ch in "*?[\\!#" else ch for ch in path)


def load_justified(path: Path = JUSTIFIED) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {repo: {str(k): str(v) for k, v in table_.items()} for repo, table_ in data.items()
            if isinstance(table_, dict)}


def replay_repo(repo: str, mirrors: Path, tool: Tool, limit: int, timeout: float,
                log: ResultLog) -> tuple[list[Replayed], float]:
    clone = clone_of(repo, mirror_of(repo, mirrors))
    commits = python_commits(clone, limit)
    print(f"{repo}: replaying {len(commits)} commits", file=sys.stderr)
    started = time.monotonic()
    done: list[Replayed] = []
    absent: set[str] = set()
    for i, (sha, subject) in enumerate(commits, 1):
        known = len(absent)
        stage_commit(clone, sha, absent)
        if len(absent) > known:
            print(f"{repo}: blobs absent from the mirror, left out of the work tree (still in the index): "
                  f"{', '.join(sorted(absent))}", file=sys.stderr)
        run = tool.check(clone, [], timeout=timeout)
        r = Replayed(repo, sha, subject, changed_python_files(clone, sha), run)
        done.append(r)
        log.write({"repo": repo, "sha": sha, "subject": subject, "files": list(r.files),
                   "exit": run.process.exit_code, "seconds": round(run.seconds, 3), "problem": run.problem,
                   "errors": [f.short() for f in run.errors]})
        if r.blocked or run.problem:
            print(f"{repo} {i}/{len(commits)} {sha[:10]}: exit {run.process.exit_code} "
                  f"{run.problem or '; '.join(f.short() for f in run.errors[:3])}", file=sys.stderr)
        elif i % 25 == 0:
            print(f"{repo} {i}/{len(commits)}", file=sys.stderr)
    git(clone, "checkout", "-q", "-f", "--detach", TIP)  # leave the clone clean, at the mirror's tip
    seconds = time.monotonic() - started
    log.write({"repo_done": repo, "seconds": round(seconds, 1)})
    return done, seconds


def from_results(path: Path) -> dict[str, tuple[list[Replayed], float]]:
    """The replays recorded in a results file (`--from-results`): tables and block details are rebuilt with the
    current justifications, nothing is run. Seconds: the repository's wall time when recorded, else the sum
    of its checks."""
    out: dict[str, tuple[list[Replayed], float]] = {}
    walls: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if "repo_done" in r:
            walls[r["repo_done"]] = float(r["seconds"])
            continue
        findings = tuple(_finding_from_short(text) for text in r.get("errors", []))
        run = ToolRun(ProcessRun((), int(r["exit"]), "", "", float(r["seconds"]), 0, 0, False), findings,
                      str(r.get("problem", "")))
        done, _ = out.setdefault(r["repo"], ([], 0.0))
        done.append(Replayed(r["repo"], r["sha"], r["subject"], tuple(r.get("files", [])), run))
    return {repo: (done, walls.get(repo, sum(x.run.seconds for x in done))) for repo, (done, _) in out.items()}


def _finding_from_short(text: str) -> Finding:
    """Inverse of `Finding.short()`: "path:line rule message"."""
    place, _, rest = text.partition(" ")
    path, _, line = place.rpartition(":")
    rule, _, message = rest.partition(" ")
    return Finding(rule, "error", path, int(line) if line.isdigit() else 0, int(line) if line.isdigit() else 0,
                   message)


def block_details(repo: str, replayed: list[Replayed], justified: dict[str, str], tool: str) -> str:
    blocks = [r for r in replayed if r.blocked or r.run.problem]
    lines = [f"# Replay of {repo}: blocks of `{tool}`", "",
             f"{len(replayed)} commits replayed (the last `.py`-changing ones, oldest first), {len(blocks)} blocked "
             f"or not usable. Each block is justified in `benchmarks/replay_justified.toml` or counts as a false "
             f"positive of the gate.", ""]
    for r in blocks:
        why = justified.get(r.sha)
        lines += [f"## {r.sha[:12]} {r.subject}", "",
                  f"- https://github.com/{repo}/commit/{r.sha}",
                  f"- changed .py files: {', '.join(r.files) or '(none)'}",
                  f"- exit {r.run.process.exit_code}, {r.run.seconds:.2f} s" + (f", problem: {r.run.problem}"
                                                                               if r.run.problem else ""),
                  f"- verdict: {'JUSTIFIED: ' + why if why else 'UNJUSTIFIED (a false positive until shown otherwise)'}",
                  "", "```"]
        lines += [f.short() for f in r.run.errors[:40]]
        if len(r.run.errors) > 40:
            lines.append(f"... {len(r.run.errors) - 40} more")
        lines += ["```", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", nargs="+", default=list(DEFAULT_REPOS), metavar="OWNER/NAME")
    parser.add_argument("--limit", type=int, default=200, help="commits per repository (default 200)")
    parser.add_argument("--mirrors", type=Path, default=MIRRORS, help=f"where the mirrors are (default {MIRRORS})")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines file (default benchmarks/results/)")
    parser.add_argument("--from-results", type=Path, default=None, metavar="JSONL",
                        help="run nothing: rebuild the table and block details from a results file with the "
                             "current justifications")
    add_tool_arguments(parser)
    args = parser.parse_args(argv)
    tool = make_tool(args.tool, args.yantra)
    recorded = from_results(args.from_results) if args.from_results else None
    log = ResultLog(f"replay-{tool.name}", args.out) if recorded is None else None
    justified = load_justified()
    rows: list[list[object]] = []
    unjustified_total = 0
    for repo in args.repos:
        try:
            if recorded is not None:
                if repo not in recorded:
                    raise BenchError(f"{args.from_results} has no commit of {repo}")
                replayed, seconds = recorded[repo]
            else:
                assert log is not None
                replayed, seconds = replay_repo(repo, args.mirrors, tool, args.limit, args.timeout, log)
        except BenchError as exc:
            print(f"{repo}: not replayed: {exc}", file=sys.stderr)
            rows.append([repo, 0, "-", "-", "-", "-", "-", f"not replayed: {exc}"])
            continue
        mine = justified.get(repo, {})
        blocked = [r for r in replayed if r.blocked]
        ok = [r for r in blocked if r.sha in mine]
        unusable = [r for r in replayed if r.run.problem]
        unjustified_total += len(blocked) - len(ok)
        report = (args.out.parent if args.out else RESULTS_DIR) / f"replay-{repo.replace('/', '+')}.md"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(block_details(repo, replayed, mine, tool.name), encoding="utf-8")
        times = sorted(r.run.seconds for r in replayed)
        rows.append([repo, len(replayed), len(blocked), len(ok), len(blocked) - len(ok), len(unusable),
                     f"{seconds:.0f}", f"{times[len(times) // 2]:.2f}" if times else "-"])
    print(f"History replay through `{tool.name}` in pre-commit mode (last {args.limit} .py-changing commits)\n")
    print(table(["repository", "commits replayed", "blocked", "justified", "unjustified", "not usable",
                 "seconds", "median s/commit"], rows))
    print(f"\nunjustified blocks: {unjustified_total} (target 0); details: "
          f"{(args.out.parent if args.out else RESULTS_DIR)}/replay-*.md; "
          f"results: {log.path if log else args.from_results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
