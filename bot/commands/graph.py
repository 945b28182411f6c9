"""`yantra graph build | stats | show SYMBOL | dependents SYMBOL`: look inside the dependency graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.queries import Use

_REPO = click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Repository (default: the one containing the current directory).")
_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _root(repo: Path | None) -> Path:
    """The top of the git work tree containing `repo` (default: the current directory), as `check` finds it."""
    from bot import git
    from bot.errors import UsageError

    start = (repo or Path.cwd()).resolve()
    if not start.is_dir():
        raise UsageError(f"--repo {start}: not a directory")
    return git.repo_root(start) or start


def _open(repo: Path | None, *, progress: bool = False, rebuild: bool = False) -> Graph:
    from bot.config import load_config
    from bot.graph import open_graph
    from bot.graph.store import database_path, delete_database

    root = _root(repo)
    config = load_config(root)
    given = _given_db()
    db = given.resolve() if given is not None else database_path(root, config.gate.db_path)
    if rebuild:
        delete_database(db)
    return open_graph(root, config, progress=progress, db_path=db)


def _given_db() -> Path | None:
    """`yantra graph --db PATH ...`: a path the user typed is trusted (not confined like the repository's)."""
    parent = click.get_current_context().parent
    value = parent.params.get("db") if parent is not None else None
    return value if isinstance(value, Path) else None


@click.group("graph")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The graph database file (trusted as given; [tool.yantra] db-path must stay in .git/yantra).")
def graph(db: Path | None) -> None:
    """Build and query the repository's dependency graph."""


@graph.command("build")
@_REPO
@click.option("--rebuild", is_flag=True, help="Discard the stored graph and parse every file again.")
def build(repo: Path | None, rebuild: bool) -> int:
    """Build or refresh the graph (only changed files are parsed)."""
    g = _open(repo, progress=True, rebuild=rebuild)
    with g:
        r = g.report
        click.echo(f"{r.files} files, {r.parsed} parsed, {r.removed} removed in {r.seconds:.2f}s "
                   f"({g.store.path})")
    return 0


@graph.command("stats")
@_REPO
@_FORMAT
def stats(repo: Path | None, fmt: str) -> int:
    """Counts: files, modules, definitions, imports, edges, database size, last build time."""
    with _open(repo) as g:
        data = _stats(g)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        for key, value in data.items():
            click.echo(f"{key.replace('_', ' ')}: {value}")
    return 0


def _stats(g: Graph) -> dict[str, Any]:
    files = g.files()
    g.preload(files)
    definitions = imports = 0
    for p in files:
        f = g.facts(p)
        if f is not None:
            definitions += len(f.definitions)
            imports += len(f.imports)
    size = sum(Path(str(g.store.path) + s).stat().st_size for s in ("", "-wal")
               if Path(str(g.store.path) + s).exists())
    return {"files": len(files), "modules": len(g.layout.modules), "definitions": definitions, "imports": imports,
            "edges": g.store.count("refs"), "db_bytes": size, "db_path": str(g.store.path),
            "last_build_seconds": float(g.store.meta("last_build_seconds") or 0.0),
            "this_refresh_seconds": round(g.report.seconds, 3)}


@graph.command("show")
@click.argument("symbol")
@_REPO
@_FORMAT
def show(symbol: str, repo: Path | None, fmt: str) -> int:
    """Where SYMBOL is defined, its signature, docstring, bases, members, and who uses it."""
    from bot.graph.queries import uses_of_symbol

    with _open(repo) as g:
        found = _lookup(g, symbol)
        if found is None:
            return 1
        items: list[dict[str, Any]] = []
        for ref in found:
            d = ref.definition
            facts = g.facts(ref.path)
            members = [m.qualname for m in (facts.definitions if facts else ())
                       if m.qualname.startswith(ref.qualname + ".") and m.qualname.count(".") == ref.qualname.count(".") + 1]
            uses = once_per_place(uses_of_symbol(g, ref.module, ref.qualname))
            items.append({"symbol": f"{ref.module}.{ref.qualname}" if ref.module else ref.qualname,
                          "kind": d.kind, "path": ref.path, "line": d.line, "end_line": d.end_line,
                          "signature": d.signature.text() if d.signature else None,
                          "decorators": list(d.decorators), "bases": list(d.bases), "doc": d.doc,
                          "members": members, "conditional": d.conditional,
                          "used_by": [{"path": u.path, "line": u.line, "kind": u.kind} for u in uses]})
    if fmt == "json":
        click.echo(json.dumps(items, indent=2))
        return 0
    for it in items:
        click.echo(f"{it['symbol']}  ({it['kind']})  {it['path']}:{it['line']}-{it['end_line']}")
        if it["signature"]:
            click.echo(f"  signature: {it['signature']}")
        for label in ("decorators", "bases", "members"):
            if it[label]:
                click.echo(f"  {label}: {', '.join(it[label])}")
        if it["doc"]:
            click.echo(f"  doc: {it['doc']}")
        click.echo(f"  used by ({len(it['used_by'])}):")
        for u in it["used_by"]:
            click.echo(f"    {u['path']}:{u['line']} ({u['kind']})")
    return 0


def _lookup(g: Graph, symbol: str) -> list[SymbolRef] | None:
    from bot.graph.queries import suggest_symbols

    refs = g.find_symbol(symbol)
    if refs:
        return refs
    hint = suggest_symbols(g, symbol)
    click.echo(f"yantra: no symbol {symbol!r} in the graph" + (f"; did you mean {', '.join(hint)}?" if hint else ""),
               err=True)
    return None


@graph.command("dependents")
@click.argument("symbol")
@_REPO
@_FORMAT
def dependents(symbol: str, repo: Path | None, fmt: str) -> int:
    """Files and lines that import, call or use SYMBOL (a symbol, a module, or a file path)."""
    from bot.graph.queries import uses_of_module, uses_of_symbol

    with _open(repo) as g:
        uses: list[Use] = []
        path = symbol.replace("\\", "/")
        if path in g.files():
            for module in g.modules_of(path):
                uses.extend(uses_of_module(g, module))
        elif symbol in g.layout.modules or symbol in g.layout.packages:
            uses = uses_of_module(g, symbol)
        else:
            found = _lookup(g, symbol)
            if found is None:
                return 1
            for ref in found:
                uses.extend(uses_of_symbol(g, ref.module, ref.qualname))
        uses = once_per_place(uses)
    if fmt == "json":
        click.echo(json.dumps([{"path": u.path, "line": u.line, "kind": u.kind, "name": u.dotted} for u in uses],
                              indent=2))
    else:
        for u in uses:
            click.echo(f"{u.path}:{u.line}: {u.kind} {u.dotted}")
        click.echo(f"{len({u.path for u in uses})} file(s), {len(uses)} reference(s)", err=True)
    return 0


def once_per_place(uses: list[Use]) -> list[Use]:
    """Each use once: the same line of the same file reached under several import names (`pkg.mod.f` and
    `src.pkg.mod.f` for a `src/` layout, or through a re-export) is one place; its shortest name is shown."""
    best: dict[tuple[str, int, str], Use] = {}
    for u in uses:
        key = (u.path, u.line, u.kind)
        if key not in best or (len(u.dotted), u.dotted) < (len(best[key].dotted), best[key].dotted):
            best[key] = u
    return sorted(best.values(), key=lambda u: (u.path, u.line, u.kind))
