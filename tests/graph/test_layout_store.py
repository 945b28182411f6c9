"""The module layout is stored by file set: reused while only contents change, rebuilt when files come or go."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from bot.graph import open_graph
from bot.graph.layout import Layout, build_layout, paths_key
from bot.graph.snapshot import Source, in_scope, take_snapshot

FILES: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/a.py": "def fa(): ...\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/b.py": "from pkg.a import fa\n",
    "tests/helpers/util.py": "import pkg.sub.b\n",
    "src/lib/core.py": "def f(): ...\n",
    "top.py": "import pkg.sub.b\n",
}


def _same(stored: Layout, built: Layout) -> None:
    """Every field a stored layout carries answers as the layout built from the paths does."""
    assert dict(stored.names_of) == dict(built.names_of)
    for name in ("roots", "modules", "packages", "children", "top_names", "top_packages", "dirs", "init_dirs"):
        assert getattr(stored, name) == getattr(built, name), name


def _layouts(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT key FROM layouts")]
    finally:
        conn.close()


def test_an_unchanged_file_set_reuses_the_stored_layout(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    paths = [p for p in FILES if p.endswith(".py")]
    with open_graph(root, db_path=db) as g:
        _same(g.layout, build_layout(paths))
    assert _layouts(db) == [paths_key(paths, ())]
    (root / "pkg" / "a.py").write_text("def fa(): ...\ndef fb(): ...\n")  # content only: same file set
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 1
        _same(g.layout, build_layout(paths))
        assert g.modules_of("tests/helpers/util.py") == ["util", "tests.helpers.util"]
        assert g.modules_of("not/there.py") == []
    assert _layouts(db) == [paths_key(paths, ())]


def test_an_added_package_or_a_removed_file_rebuilds_the_layout(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db, source=Source.INDEX).close()
    (root / "tests" / "helpers" / "__init__.py").write_text("")
    (root / "top.py").unlink()
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    with open_graph(root, db_path=db, source=Source.INDEX) as g:
        paths = sorted(g.files())
        assert "top.py" not in paths and "tests/helpers/__init__.py" in paths
        _same(g.layout, build_layout(paths))
        assert g.modules_of("tests/helpers/util.py") == ["helpers.util", "tests.helpers.util"]
        assert g.dependents_of_path("pkg/sub/b.py") == ["tests/helpers/util.py"]
    assert _layouts(db) == [paths_key(paths, ())]


def test_configured_roots_are_part_of_the_key(make_repo: Callable[..., Path]) -> None:
    paths = [p for p in FILES if p.endswith(".py")]
    assert paths_key(paths, ()) != paths_key(paths, ("tests",))
    assert paths_key(paths, ()) == paths_key(reversed(paths), ())


def test_a_damaged_stored_layout_is_rebuilt(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE layouts SET data = ?", (b"\x00not marshal",))
    conn.commit()
    conn.close()
    paths = [p for p in FILES if p.endswith(".py")]
    with open_graph(root, db_path=db) as g:
        _same(g.layout, build_layout(paths))
        assert g.resolver.resolve_import("top.py", g.facts("top.py").imports[0]).found  # type: ignore[union-attr]


def test_the_index_listing_keeps_python_files_outside_tool_directories(make_repo: Callable[..., Path]) -> None:
    files: dict[str, str | bytes] = {
        "pkg/__init__.py": "", "pkg/venv_tools.py": "", "docs/build.py": "", "venv/lib.py": "",
        "build/gen.py": "", "pkg/sub/node_modules/x.py": "", "notes.txt": "", "stubs/m.pyi": "",
    }
    root = make_repo(files)
    wanted = {"pkg/__init__.py", "pkg/venv_tools.py", "docs/build.py", "stubs/m.pyi"}
    assert set(take_snapshot(root, Source.INDEX).shas) == wanted  # tool directories listed: paths checked
    plain = make_repo({"pkg/__init__.py": "", "pkg/build_tools.py": "", "venv.py": "", "x.txt": ""}, name="plain")
    assert set(take_snapshot(plain, Source.INDEX).shas) == {"pkg/__init__.py", "pkg/build_tools.py", "venv.py"}
    (root / "ünï").mkdir()
    (root / "ünï" / "mod.py").write_text("")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    snap = take_snapshot(root, Source.INDEX)  # a non-ASCII name: every path checked one by one
    assert set(snap.shas) == wanted | {"ünï/mod.py"}
    assert all(in_scope(p) for p in snap.shas)
