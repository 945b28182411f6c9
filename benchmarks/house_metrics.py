"""The seams of issue 7, counted on the source: before (a revision) and after (the checkout).

    python -m benchmarks.house_metrics                 # 8e743ef (before issue 7) next to the checkout
    python -m benchmarks.house_metrics --rev REV ...   # any revisions; "." is the checkout

Every figure is read with `ast` from `bot/` (and `tests/` for the test helpers); nothing is run. A revision is
read with `git archive` into a temporary directory. Printed as a markdown table, one column per revision.

The git seam is `bot/git.py` and its named parts `bot/git_remote.py` and `bot/git_worktree.py` (files that did
not exist before issue 7, so for the old revision it is `bot/git.py` alone).

What each row counts:
- git command lines outside the seam: list/tuple literals whose first element is "git", outside the seam;
- modules running git outside the seam: modules other than the seam that hold such a literal, or import
  GitPython (`git`), or call `subprocess` with an argument list that names git;
- modules passing git subcommands: modules other than the seam that call a runner (`git(...)`, `.run(...)`,
  `.completed(...)`, ...) with a git subcommand literal ("status", "worktree", ...) as an argument or as the
  first element of an argument list: they decide git command lines even when the seam executes them;
- modules importing subprocess: any reason (the sandbox, semgrep and pytest runners legitimately do);
- `Any` in the gate<->graph seam: `Any` in annotations of `bot/gate/rules/__init__.py` (RuleContext) and of the
  graph's public `Graph` class module (`bot/graph/__init__.py`, `bot/graph/graph.py` when present);
- verdict string literals: comparisons (==, !=, in, not in) of an expression whose text names `verdict`
  against a string constant (or a tuple/set/list of them) of the verdict vocabulary, plus `verdict=` keyword
  arguments given a string constant, outside `bot/verdict.py`;
- import cycles: strongly connected components (more than one module) of the module import graph, imports
  inside functions included, `if TYPE_CHECKING:` imports excluded (the rule `tests/test_architecture.py` checks);
- function-level imports of the project's own modules;
- git helpers in tests: `def git(`/`def _git(` functions defined under `tests/`;
- importorskip of the project's own modules under `tests/`;
- regex over patch text for paths: `re` calls whose pattern names `diff --git` in `bot/`.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
BEFORE = "8e743ef"  # the last commit before the issue 7 work (2026-11-22)
VERDICTS = {"committed", "applied", "ready", "suggested", "escalated", "clean", "failed", "not-pushed", "pass",
            "fail", "skipped", "refused"}


@dataclass(frozen=True)
class Source:
    root: Path  # holds bot/ and tests/

    def files(self, under: str) -> Iterator[tuple[Path, ast.Module]]:
        for path in sorted((self.root / under).rglob("*.py")):
            try:
                yield path, ast.parse(path.read_text(encoding="utf-8"))
            except SyntaxError:
                continue

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


SEAM = {"bot/git.py", "bot/git_remote.py", "bot/git_worktree.py"}  # the git seam and its named parts


def git_list(node: ast.AST) -> bool:
    """`["git", ...]`: a git command line (also `tests/test_architecture.py`'s check)."""
    return (isinstance(node, ast.List | ast.Tuple) and bool(node.elts) and isinstance(node.elts[0], ast.Constant)
            and node.elts[0].value == "git")


def git_command_lines(src: Source) -> int:
    return sum(1 for path, tree in src.files("bot") if src.rel(path) not in SEAM
               for node in ast.walk(tree) if git_list(node))


def modules_running_git(src: Source) -> int:
    count = 0
    for path, tree in src.files("bot"):
        if src.rel(path) in SEAM:
            continue
        gitpython = any((isinstance(n, ast.Import) and any(a.name == "git" for a in n.names))
                        or (isinstance(n, ast.ImportFrom) and n.module == "git" and not n.level)
                        for n in ast.walk(tree))
        if gitpython or any(git_list(n) for n in ast.walk(tree)):
            count += 1
    return count


SUBCOMMANDS = {"add", "apply", "archive", "cat-file", "checkout", "commit", "config", "diff", "fetch", "log",
               "ls-files", "ls-tree", "push", "reset", "rev-parse", "show", "status", "worktree", "merge-base",
               "rev-list", "init", "clone", "branch", "symbolic-ref", "update-index", "read-tree", "write-tree"}
RUNNERS = {"git", "_git", "run", "run_text", "completed", "succeeds", "_run", "_once"}


def subcommand_call(node: ast.AST, runners: AbstractSet[str] = RUNNERS,
                    subcommands: AbstractSet[str] = SUBCOMMANDS) -> bool:
    """A call of a runner (`git(root, "status", ...)`, `Git(root).run(["diff", ...])`) with a git subcommand
    (the metric counts wider sets than `tests/test_architecture.py`, which passes its own)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in runners:
        return False
    for arg in node.args[:3]:
        first = arg.elts[0] if isinstance(arg, ast.List | ast.Tuple) and arg.elts else arg
        if isinstance(first, ast.Constant) and first.value in subcommands:
            return True
    return False


def modules_passing_subcommands(src: Source) -> int:
    return sum(1 for path, tree in src.files("bot") if src.rel(path) not in SEAM
               and any(subcommand_call(n) for n in ast.walk(tree)))


def modules_importing_subprocess(src: Source) -> int:
    return sum(1 for _, tree in src.files("bot")
               if any((isinstance(n, ast.Import) and any(a.name == "subprocess" for a in n.names))
                      or (isinstance(n, ast.ImportFrom) and n.module == "subprocess") for n in ast.walk(tree)))


def any_in_seam(src: Source) -> int:
    count = 0
    for rel in ("bot/gate/rules/__init__.py", "bot/graph/__init__.py", "bot/graph/graph.py"):
        path = src.root / rel
        if not path.is_file():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        annotations: list[ast.AST] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.AnnAssign):
                annotations.append(node.annotation)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                annotations += [a.annotation for a in (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs)
                                if a.annotation is not None]
                annotations += [node.returns] if node.returns is not None else []
        count += sum(1 for ann in annotations for n in ast.walk(ann)
                     if (isinstance(n, ast.Name) and n.id == "Any") or (isinstance(n, ast.Attribute) and n.attr == "Any"))
    return count


def _verdict_constants(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in VERDICTS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_verdict_constants(e) for e in node.elts)
    return False


def verdict_literals(src: Source) -> int:
    count = 0
    for path, tree in src.files("bot"):
        if src.rel(path) == "bot/verdict.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                named = any("verdict" in ast.unparse(s).lower() for s in sides)
                if named and any(_verdict_constants(s) for s in sides):
                    count += 1
            elif isinstance(node, ast.keyword) and node.arg == "verdict" and _verdict_constants(node.value):
                count += 1
    return count


def _module(src: Source, path: Path) -> str:
    parts = list(path.relative_to(src.root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_only(tree: ast.Module) -> set[int]:
    def is_tc(node: ast.AST) -> bool:
        return isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING"))
    return {id(n) for block in ast.walk(tree) if is_tc(block) and isinstance(block, ast.If)
            for stmt in block.body for n in ast.walk(stmt)}


def _imported(node: ast.AST, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        return [base, *(f"{base}.{a.name}" for a in node.names)]
    return []


def import_cycles(src: Source) -> int:
    files = {_module(src, p): (p, t) for p, t in src.files("bot")}
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(files)
    for module, (path, tree) in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        skip = _type_only(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            for target in _imported(node, package):
                if not target.startswith("bot"):
                    continue
                while target not in files and "." in target:
                    target = target.rpartition(".")[0]
                if target in files and target != module and not (
                        module.startswith(target + ".") and files[target][0].name == "__init__.py"):
                    g.add_edge(module, target)
    return sum(1 for c in nx.strongly_connected_components(g) if len(c) > 1)


def function_level_project_imports(src: Source) -> int:
    """Import statements of bot modules inside a function body (each statement once, nested functions too)."""
    count = 0
    for path, tree in src.files("bot"):
        module = _module(src, path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        inside: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                inside.update(id(n) for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom))
        for node in ast.walk(tree):
            if id(node) in inside:
                base = _imported(node, package)[:1]
                count += bool(base) and (base[0] == "bot" or base[0].startswith("bot."))
    return count


def test_git_helpers(src: Source) -> int:
    return sum(1 for _, tree in src.files("tests") for n in ast.walk(tree)
               if isinstance(n, ast.FunctionDef) and n.name in ("git", "_git"))


def own_importorskips(src: Source) -> int:
    return sum(1 for _, tree in src.files("tests") for n in ast.walk(tree)
               if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("importorskip") and n.args
               and isinstance(n.args[0], ast.Constant) and str(n.args[0].value).split(".")[0] == "bot")


def patch_path_regexes(src: Source) -> int:
    return sum(1 for _, tree in src.files("bot") for n in ast.walk(tree)
               if isinstance(n, ast.Call) and ast.unparse(n.func).startswith("re.")
               and any(isinstance(a, ast.Constant) and "diff --git" in str(a.value) for a in n.args))


ROWS: list[tuple[str, Callable[[Source], int]]] = [
    ("git command lines outside the git seam", git_command_lines),
    ("modules running git outside the git seam", modules_running_git),
    ("modules passing git subcommands to a runner, outside the git seam", modules_passing_subcommands),
    ("modules importing subprocess (any reason)", modules_importing_subprocess),
    ("`Any` in the gate<->graph seam (annotations)", any_in_seam),
    ("verdict string literals (comparisons, verdict=)", verdict_literals),
    ("import cycles among bot modules", import_cycles),
    ("function-level imports of bot modules", function_level_project_imports),
    ("regexes over patch text (`diff --git`) in bot/", patch_path_regexes),
    ("`def git`/`def _git` helpers in tests/", test_git_helpers),
    ("importorskip of bot modules in tests/", own_importorskips),
]


def _checkout(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", rev, "bot", "tests"],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", nargs="+", default=[BEFORE, "."], help='revisions to compare ("." = checkout)')
    args = parser.parse_args(argv)
    columns: list[dict[str, int]] = []
    with tempfile.TemporaryDirectory(prefix="house-metrics-") as tmp:
        for i, rev in enumerate(args.rev):
            root = REPO if rev == "." else _checkout(rev, Path(tmp) / str(i))
            src = Source(root)
            columns.append({name: count(src) for name, count in ROWS})
    names = ["checkout" if r == "." else r for r in args.rev]
    print("| seam | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---:" for _ in names) + " |")
    for name, _ in ROWS:
        print(f"| {name} | " + " | ".join(str(c[name]) for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
