"""The synthetic monorepo generator produces the shape the scale benchmark claims (issue 10): the module
count, packages of PER_PACKAGE modules, a hub imported by name from one module in HUB_EVERY, an acyclic
import graph of code that really runs under CPython, and one git commit. Nothing is timed here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root holds `benchmarks/`

from benchmarks.monorepo import HUB_EVERY, HUB_PATH, PER_PACKAGE, generate
from benchmarks.projects import BenchError

COUNT = 2 * HUB_EVERY + 50  # 850 modules: three hub callers (modules 0, 400 and 800)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return generate(tmp_path_factory.mktemp("mono") / "repo", COUNT, seed=3)


def _imports(source: str) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_module_count_packages_and_commit(repo) -> None:  # type: ignore[no-untyped-def]
    modules = sorted(p.relative_to(repo.root).as_posix() for p in repo.root.glob("p*/m*.py"))
    assert len(modules) == COUNT == len(repo.modules)
    assert sorted(repo.modules) == modules
    packages = sorted(p.name for p in repo.root.glob("p*") if p.is_dir())
    assert len(packages) == -(-COUNT // PER_PACKAGE)
    assert all((repo.root / p / "__init__.py").is_file() for p in packages)
    tracked = subprocess.run(["git", "ls-files"], cwd=repo.root, capture_output=True, text=True, check=True)
    assert set(modules) | {HUB_PATH} <= set(tracked.stdout.split())
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo.root, capture_output=True, text=True,
                            check=True)
    assert status.stdout == ""


def test_hub_imported_by_one_module_in_400(repo) -> None:  # type: ignore[no-untyped-def]
    importers = sorted(m for m in repo.modules
                       if "from hub.core import hub_call" in (repo.root / m).read_text(encoding="utf-8"))
    assert importers == sorted(repo.hub_callers)
    assert len(importers) == -(-COUNT // HUB_EVERY) == 3
    for m in importers:
        assert (repo.root / m).read_text(encoding="utf-8").count("hub_call(") == 1  # one call per caller


def test_modules_import_a_few_earlier_modules(repo) -> None:  # type: ignore[no-untyped-def]
    dotted = [m[:-3].replace("/", ".") for m in repo.modules]
    index = {d: i for i, d in enumerate(dotted)}
    counts = []
    for i, m in enumerate(repo.modules):
        deps = _imports((repo.root / m).read_text(encoding="utf-8")) - {"hub.core"}
        assert all(index[d] < i for d in deps)  # acyclic: only modules generated before
        counts.append(len(deps))
    assert counts[0] == 0 and max(counts) <= 3 and sum(counts) / len(counts) > 2


@pytest.mark.slow
def test_the_generated_code_runs(repo) -> None:  # type: ignore[no-untyped-def]
    """Every module imports (in order: each imports only earlier ones) and its `Thing(1).run()` returns an int.
    Each generated function is memoised as soon as its module is imported, before any later module imports it:
    the functions are pure, so every body still runs (at least once, with every argument pair it is called with)
    and returns what it would, but a call tree shared by hundreds of callers is not walked again for each
    (uncached, the calls grow exponentially with the depth: ~10 CPU-seconds at 850 modules)."""
    script = ("import functools, importlib\n"
              f"for i in range({COUNT}):\n"
              f"    p, m = divmod(i, {PER_PACKAGE})\n"
              "    mod = importlib.import_module(f'p{p:04d}.m{m:03d}')\n"
              "    name = f'fn_{p}_{m}'\n"
              "    setattr(mod, name, functools.cache(getattr(mod, name)))\n"
              "    assert isinstance(getattr(mod, f'Thing_{p}_{m}')(1).run(), int)\n")
    subprocess.run([sys.executable, "-c", script], cwd=repo.root, check=True)


def test_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(BenchError):
        generate(tmp_path, 10)
