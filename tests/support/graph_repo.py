"""A small repository on disk, written from a {path: source} table (sources dedented), under git, with its graph
open: what the context tests rank and assemble over."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def written_repo(root: Path, files: Mapping[str, str]) -> Path:
    """`files` written under `root` (dedented), in a git repository (nothing committed)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@contextmanager
def opened_graph(root: Path, files: Mapping[str, str]) -> Iterator[Any]:
    from bot.graph import open_graph

    graph = open_graph(written_repo(root, files))
    try:
        yield graph
    finally:
        graph.close()


def ranked_items(graph: Any, target: str, failure: str | None = None) -> dict[tuple[str, str], Any]:
    """The context ranking's items for `target`, by (path, qualname)."""
    from bot.context.rank import rank
    from bot.context.targets import resolve_target

    return {(i.path, i.qualname): i for i in rank(graph, resolve_target(graph, target), failure).items}
