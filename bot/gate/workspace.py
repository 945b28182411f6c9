"""A small in-memory view of the repository with the Graph interface the gate uses.

Used only when `bot.graph.open_graph` is not available in this build: files are parsed on demand with the
graph's own Python adapter; a file's module name follows its `__init__.py` chain (flat and `src/` layouts).
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.graph.model import FileFacts

_SKIP_DIRS = {".git", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__", ".eggs", ".mypy_cache"}


class WorkspaceGraph:
    def __init__(self, root: Path, target: tuple[int, int]) -> None:
        self.root = root
        self.target = target
        self.parsed = 0
        self._facts: dict[str, FileFacts | None] = {}
        self._files = _python_files(root)
        self._modules: dict[str, list[str]] = {p: module_names_for(root, p) for p in self._files}
        self._paths: dict[str, list[str]] = {}
        for path, mods in self._modules.items():
            for m in mods:
                self._paths.setdefault(m, []).append(path)

    def files(self) -> list[str]:
        return list(self._files)

    def facts(self, path: str) -> FileFacts | None:
        if path not in self._facts:
            from bot.graph.python_parser import parse_python

            try:
                data = (self.root / path).read_bytes()
            except OSError:
                self._facts[path] = None
            else:
                self.parsed += 1
                self._facts[path] = parse_python(data, self.target)
        return self._facts[path]

    def source(self, path: str) -> str:
        try:
            return (self.root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def modules_of(self, path: str) -> list[str]:
        return self._modules.get(path) or module_names_for(self.root, path)

    def paths_of(self, module: str) -> list[str]:
        return list(self._paths.get(module, ()))

    def close(self) -> None:
        self._facts.clear()


def _python_files(root: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        rel = os.path.relpath(dirpath, root)
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                out.append(fn if rel == "." else f"{rel}/{fn}".replace(os.sep, "/"))
    return out


def module_names_for(root: Path, path: str) -> list[str]:
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if not parts or not all(p.isidentifier() for p in parts[-1:]):
        return []
    names = [parts[-1]]
    i = len(parts) - 1
    while i > 0 and (root / "/".join(parts[:i]) / "__init__.py").is_file():
        names.insert(0, parts[i - 1])
        i -= 1
    if names[-1] == "__init__":
        names = names[:-1]
    if not names or not all(n.isidentifier() for n in names):
        return []
    return [".".join(names)]
