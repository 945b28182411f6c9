"""`yantra context TARGET [--budget N] [--repo DIR] [--failure-file F] [--trace-file T] [--changed PATH]...
[--format text|json]`.

Prints the prompt context the fix pipeline would build around TARGET (a path, a symbol such as `name`,
`Cls.meth` or `pkg.mod.name`, or a pytest node id), followed by its exact token accounting. `--format json`
reports every section (level, form, why it was chosen: its signals, its tokens) and what was dropped.
`--trace-file` takes what the tests ran, as Yantra's pytest plugin records it
(`python -m pytest -p bot.scan.pytest_trace --yantra-trace=T tests/test_x.py`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import click

from bot.errors import UsageError


@click.command("context")
@click.argument("target")
@click.option("--budget", type=click.IntRange(min=1), default=None,
              help="Token budget (default: [tool.yantra.fix] context-budget, 12000).")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Repository (default: the one containing the current directory).")
@click.option("--failure-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A file with the failure text (pytest output, traceback) used to rank the context.")
@click.option("--trace-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="What the tests ran, written by `pytest -p bot.scan.pytest_trace --yantra-trace=FILE`: the "
                   "code the failing tests ran ranks higher.")
@click.option("--changed", "changed", multiple=True, metavar="PATH",
              help="A file changed on the branch (repeatable): its definitions rank higher.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def context(target: str, budget: int | None, repo: Path | None, failure_file: Path | None,
            trace_file: Path | None, changed: tuple[str, ...], fmt: str) -> int:
    """Show the token-budgeted context around TARGET and its token accounting."""
    from bot import git
    from bot.config import load_config
    from bot.context import assemble_context, render_context
    from bot.graph import open_graph
    from bot.scan.trace import TraceError, read_trace

    start = (repo or Path.cwd()).resolve()
    if not start.is_dir():
        raise UsageError(f"--repo {start}: not a directory")
    root = git.repo_root(start) or start
    failure = _read(failure_file) if failure_file is not None else None
    try:
        trace = read_trace(trace_file) if trace_file is not None else None
    except TraceError as exc:
        raise UsageError(f"--trace-file {exc}") from exc
    config = load_config(root)
    graph = open_graph(root, config)
    try:
        ctx = assemble_context(graph, _repo_relative(target, root), budget or config.fix.context_budget,
                               failure=failure, changed_paths=[_repo_relative(c, root) for c in changed],
                               trace=trace)
    finally:
        graph.close()
    click.echo(json.dumps(asdict(ctx), indent=2) if fmt == "json" else render_context(ctx), nl=fmt == "json")
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"--failure-file {path}: {exc.strerror}") from exc


def _repo_relative(target: str, root: Path) -> str:
    """A path (or the file part of a node id) given relative to the current directory, made repo-relative."""
    from bot.context.targets import split_node_id

    file_part, *rest_parts = split_node_id(target)
    sep, rest = ("::", "::".join(rest_parts)) if rest_parts else ("", "")
    if not file_part.endswith(".py") or not Path(file_part).is_file():
        return target
    try:
        rel = Path(os.path.abspath(file_part)).relative_to(root).as_posix()
    except ValueError:
        return target
    return rel + sep + rest
