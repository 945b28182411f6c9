"""The house rules of issue 7, checked on the source: layers point one way, no import cycles among the
project's modules, and git command lines are built only in the git seam.

Imports are read with `ast` (function-level imports included: a cycle hidden inside a function is a cycle);
cycles are found with networkx's strongly connected components.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import networkx as nx

from benchmarks.house_metrics import git_list, subcommand_call

BOT = Path(__file__).resolve().parent.parent / "bot"


def _module(path: Path) -> str:
    rel = path.relative_to(BOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _parsed(path: Path) -> ast.Module:
    """A module of `bot`, parsed once for every check of this file (parsing them all is ~1 s of CPU)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path, module: str) -> set[str]:
    tree = _parsed(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    type_only = {id(n) for block in ast.walk(tree) if _is_type_checking(block)
                 for stmt in block.body for n in ast.walk(stmt)}  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m == "bot" or m.startswith("bot.")}


def _is_type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` — imports that never run, so they cannot form an import cycle."""
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING"))


def _graph() -> nx.DiGraph:
    return _import_graph().copy()


@functools.cache
def _import_graph() -> nx.DiGraph:
    files = {_module(p): p for p in BOT.rglob("*.py")}
    g = nx.DiGraph()
    g.add_nodes_from(files)
    for module, path in files.items():
        for target in _imports(path, module):
            # `from bot.x import name` names a module when bot/x/name.py exists, else bot.x itself
            while target not in files and "." in target:
                target = target.rpartition(".")[0]
            if target in files and target != module and not (module.startswith(target + ".")
                                                               and files[target].name == "__init__.py"):
                g.add_edge(module, target)
    return g


def test_no_import_cycle_among_the_projects_modules() -> None:
    g = _graph()
    cycles = sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)
    assert cycles == [], f"import cycles: {cycles}"


def test_layers_point_one_way() -> None:
    g = _graph()
    reach = {m: nx.descendants(g, m) for m in g}
    graph_up = sorted(m for m in reach if m.startswith("bot.graph") for t in g.successors(m)
                      if t.startswith(("bot.gate", "bot.pipeline", "bot.github", "bot.context", "bot.commands")))
    assert graph_up == [], f"the graph imports layers above it: {graph_up}"
    base = {m for m in g if set(g.successors(m)) <= {"bot.errors"}}  # e.g. bot.rule_ids, bot.repo_regex
    leaves = {m for m in g if reach[m] <= base | {"bot.errors"}}  # and what reaches only those: bot.paths
    config_up = sorted(t for t in g.successors("bot.config") if t != "bot.errors" and t not in leaves)
    assert config_up == [], f"bot.config imports {config_up}"


SEAM = {BOT / "git.py", BOT / "git_remote.py", BOT / "git_worktree.py"}  # bot.git and its two named parts
GIT_SUBCOMMANDS = {"add", "apply", "branch", "cat-file", "check-ignore", "checkout", "clone", "commit", "config",
                   "diff", "diff-files", "diff-index", "diff-tree", "fetch", "init", "log", "ls-files", "ls-remote",
                   "ls-tree", "merge-base", "push", "read-tree", "reset", "rev-list", "rev-parse", "show", "status",
                   "symbolic-ref", "update-index", "worktree"}
RUNNERS = {"git", "_git", "run", "run_text", "completed", "succeeds"}


def _subcommand_call(node: ast.AST) -> bool:
    """A runner handed a git subcommand: `git(root, "status", ...)`, `Git(root).run(["diff", ...])`."""
    return subcommand_call(node, RUNNERS, GIT_SUBCOMMANDS)


def _git_offenders(files: list[Path]) -> list[str]:
    offenders = []
    for path in files:
        if path in SEAM:
            continue
        for node in ast.walk(_parsed(path)):
            if git_list(node) or _subcommand_call(node):
                offenders.append(f"{path.relative_to(BOT.parent)}:{node.lineno}")  # type: ignore[attr-defined]
    return offenders


def test_git_command_lines_only_in_the_git_seam() -> None:
    offenders = _git_offenders(sorted(BOT.rglob("*.py")))
    assert offenders == [], f"git command lines outside the git seam (bot/git.py and its parts): {offenders}"


def test_the_git_seam_check_sees_both_shapes(tmp_path: Path) -> None:
    """The check above can fail: a command line and a subcommand handed to a runner are both found."""
    source = tmp_path / "sample.py"
    source.write_text('import subprocess\nsubprocess.run(["git", "status"])\n'
                      'def f(g):\n    g.run(["rev-parse", "HEAD"])\n    git(g, "worktree", "list")\n'
                      'subprocess.run(["pytest", "-q"])\n', encoding="utf-8")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    found = [n.lineno for n in ast.walk(tree) if git_list(n) or _subcommand_call(n)]  # type: ignore[attr-defined]
    assert sorted(found) == [2, 4, 5], found
