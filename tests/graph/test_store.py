"""Persistence: incremental refresh, schema versions, corrupt and locked databases, odd repositories."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import ConfigError, GraphError
from bot.graph import open_graph
from bot.graph.codec import decode
from bot.graph.store import APPLICATION_ID, database_path, default_db_path, delete_database

FILES: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/a.py": "def fa(): ...\n",
    "pkg/b.py": "from pkg.a import fa\n",
    "top.py": "import pkg.b\n",
}


def test_default_location_is_inside_git_dir(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    with open_graph(root) as g:
        assert g.store.path == root / ".git" / "yantra" / "graph.sqlite"
        assert g.files() == ["pkg/__init__.py", "pkg/a.py", "pkg/b.py", "top.py"]
    assert (root / ".git" / "yantra" / "graph.sqlite").is_file()


def test_worktree_and_plain_directory_locations(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo(FILES)
    wt = tmp_path / "wt"
    subprocess.run(["git", "worktree", "add", "-q", str(wt)], cwd=root, check=True, capture_output=True)
    assert (wt / ".git").is_file()
    assert default_db_path(wt).parent.parent.is_dir()
    assert ".git" in default_db_path(wt).parts
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "m.py").write_text("x = 1\n")
    (plain / "venv").mkdir()
    (plain / "venv" / "skip.py").write_text("x = 1\n")
    with open_graph(plain) as g:
        assert g.store.path == plain / ".yantra" / "graph.sqlite"
        assert g.files() == ["m.py"]


def test_only_changed_files_are_parsed(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 4
    with open_graph(root, db_path=db) as g:
        assert (g.report.parsed, g.report.read) == (0, 0)
    (root / "pkg" / "a.py").write_text("def fa(): ...\ndef fb(): ...\n")
    (root / "new.py").write_text("from pkg.a import fb\n")
    (root / "top.py").unlink()
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 2 and g.report.removed == 1
        assert "top.py" not in g.files()
        assert g.resolver.resolve_import("new.py", g.facts("new.py").imports[0]).found  # type: ignore[union-attr]
        assert g.dependents_of_path("pkg/a.py") == ["new.py", "pkg/b.py"]
    # touching without changing content re-reads but does not re-parse
    (root / "pkg" / "a.py").write_text("def fa(): ...\ndef fb(): ...\n")
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 0


def test_layout_change_recomputes_edges(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"lib/core.py": "def f(): ...\n", "app.py": "from lib.core import f\n"})
    db = root.parent / "g.sqlite"
    with open_graph(root, db_path=db) as g:
        assert g.modules_of("lib/core.py") == ["core", "lib.core"]
    (root / "lib" / "__init__.py").write_text("")
    with open_graph(root, db_path=db) as g:
        assert g.modules_of("lib/core.py") == ["lib.core"]
        assert g.report.parsed == 1  # only the new file
        assert g.dependents_of_path("lib/core.py") == ["app.py"]


def test_schema_version_change_rebuilds(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
    conn.execute("DROP TABLE refs")
    conn.commit()
    conn.close()
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 4
        assert g.dependents_of_path("pkg/a.py") == ["pkg/b.py"]


def test_damaged_yantra_database_is_rebuilt(make_repo: Callable[..., Path],
                                            capfd: pytest.CaptureFixture[str]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db).close()
    data = bytearray(db.read_bytes())
    assert data.startswith(b"SQLite format 3\0") and int.from_bytes(data[68:72], "big") == APPLICATION_ID
    for i in range(200, min(len(data), 8000)):  # damage the pages, keep the header
        data[i] = 0xA5
    db.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with open_graph(root, db_path=db) as g:
        assert len(g.files()) == 4 and g.report.parsed == 4
    err = capfd.readouterr().err
    assert "rebuilding" in err and "Traceback" not in err


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b"SQLite format 3\0" + b"\x01" * 200])
def test_a_file_that_is_not_a_yantra_database_is_never_touched(make_repo: Callable[..., Path],
                                                               content: bytes) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    db.write_bytes(content)
    with pytest.raises(GraphError, match=r"is not a Yantra graph database.*move the file"):
        open_graph(root, db_path=db)
    with pytest.raises(GraphError, match="not a Yantra graph database"):
        delete_database(db)
    assert db.read_bytes() == content
    assert not Path(str(db) + "-wal").exists()


def test_another_programs_sqlite_database_is_never_touched(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "places.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema', '3')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(GraphError, match="not a Yantra graph database"):
        open_graph(root, db_path=db)
    assert db.read_bytes() == before


def test_database_written_before_the_application_id_is_adopted(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id = 0")
    conn.commit()
    conn.close()
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 0
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 0
    assert int.from_bytes(db.read_bytes()[68:72], "big") == APPLICATION_ID


@pytest.mark.parametrize("suffix", ["", "-wal", "-journal"])
def test_a_symbolic_link_in_place_of_the_database_is_refused(make_repo: Callable[..., Path], tmp_path: Path,
                                                             suffix: str) -> None:
    root = make_repo(FILES)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    db = root.parent / "g.sqlite"
    Path(str(db) + suffix).symlink_to(victim)
    with pytest.raises(GraphError, match=r"symbolic link|not a Yantra"):
        open_graph(root, db_path=db)
    assert victim.read_text() == "precious\n"


def test_configured_db_path_is_confined_to_the_git_dir(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo(FILES)
    inside = database_path(root, ".git/yantra/custom.sqlite")
    assert inside == (root / ".git" / "yantra" / "custom.sqlite").resolve()
    for bad in ("../x", str(tmp_path / "x.sqlite"), ".git/config", ".git/yantra", "app.sqlite",
                ".git/yantra/../index"):
        with pytest.raises(ConfigError, match="db-path"):
            database_path(root, bad)
    (root / ".git" / "yantra").mkdir(exist_ok=True)
    (root / ".git" / "yantra" / "out").symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="resolves outside"):
        database_path(root, ".git/yantra/out/g.sqlite")
    assert database_path(root, None) == default_db_path(root)


def test_flipped_byte_in_stored_facts_makes_the_file_parse_again(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db).close()
    conn = sqlite3.connect(db)
    sha, data = conn.execute("SELECT b.sha, b.data FROM blobs b JOIN files f ON f.sha = b.sha "
                             "WHERE f.path = 'pkg/b.py'").fetchone()
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    conn.execute("UPDATE blobs SET data = ? WHERE sha = ?", (bytes(flipped), sha))
    conn.commit()
    conn.close()
    assert decode(bytes(flipped)) is None
    with open_graph(root, db_path=db) as g:
        facts = g.facts("pkg/b.py")
        assert facts is not None and [i.name for i in facts.imports] == ["fa"]
        assert g.store.parsed == 1
    with open_graph(root, db_path=db) as g:  # the damaged blob was replaced
        assert g.facts("pkg/b.py") is not None and g.store.parsed == 0


def test_locked_database_is_a_graph_error(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    db = root.parent / "g.sqlite"
    open_graph(root, db_path=db).close()
    (root / "pkg" / "a.py").write_text("def changed(): ...\n")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(GraphError, match="locked"):
            open_graph(root, db_path=db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_graph(root, db_path=db) as g:
        assert g.report.parsed == 1


def test_repo_without_commits_and_odd_paths(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"with space/mod ule.py": "x = 1\n", "ünï/côde.py": "def f(): ...\n",
                      "ünï/__init__.py": "", "use.py": "from ünï.côde import f, g\n"}, commit=False)
    with open_graph(root) as g:
        assert set(g.files()) == {"with space/mod ule.py", "ünï/côde.py", "ünï/__init__.py", "use.py"}
        facts = g.facts("use.py")
        assert facts is not None
        statuses = [g.resolver.resolve_import("use.py", i).status for i in facts.imports]
        assert statuses == ["found", "missing"]
        assert g.source("ünï/côde.py") == "def f(): ...\n"


def test_files_deleted_or_unreadable_are_skipped(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    (root / "pkg" / "a.py").unlink()  # still in the index, gone from the tree
    (root / "binary.py").write_bytes(b"\x00\xff\xfe" * 100)
    with open_graph(root) as g:
        assert "pkg/a.py" not in g.files()
        f = g.facts("binary.py")
        assert f is not None and not f.parse_ok
        facts = g.facts("pkg/b.py")
        assert facts is not None
        assert g.resolver.resolve_import("pkg/b.py", facts.imports[0]).status == "missing"


def test_parse_blob_caches_by_sha(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    with open_graph(root) as g:
        before = g.store.parsed
        old = g.parse_blob(b"def old_version(a): ...\n")
        again = g.parse_blob(b"def old_version(a): ...\n")
        assert old == again and g.store.parsed == before + 1
        assert old.top_level()["old_version"].signature is not None


def test_db_given_on_the_command_line_is_trusted(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    import sys

    root = make_repo(FILES)
    (root / "pyproject.toml").write_text('[tool.yantra]\ndb-path = "../x.sqlite"\n')

    def yantra(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=root, capture_output=True, text=True,
                              timeout=120)

    refused = yantra("graph", "build")
    assert refused.returncode == 2 and "db-path" in refused.stderr
    given = tmp_path / "elsewhere" / "graph.sqlite"
    ok = yantra("graph", "--db", str(given), "build", "--rebuild")
    assert ok.returncode == 0, ok.stderr
    assert given.is_file() and str(given) in ok.stdout
    assert not (root.parent / "x.sqlite").exists()
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    refused = yantra("graph", "--db", str(notes), "build", "--rebuild")
    assert refused.returncode == 2 and "not a Yantra graph database" in refused.stderr
    assert notes.read_text() == "mine\n"


def test_fingerprint_covers_every_graph_module_the_facts_depend_on() -> None:
    """A changed parser never serves stale facts: every `bot.graph` module the parser or the codec imports,
    transitively (imports inside functions included), is hashed into the database's fingerprint."""
    import ast

    import bot
    from bot.graph.store import _FINGERPRINT_FILES

    base = Path(bot.__file__).parent
    seen: set[str] = set()
    todo = ["graph/python_parser.py", "graph/codec.py"]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        for node in ast.walk(ast.parse((base / rel).read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            todo.extend(n.removeprefix("bot.").replace(".", "/") + ".py" for n in names if n.startswith("bot.graph."))
    assert "graph/python_codegen.py" in seen
    assert sorted(seen - set(_FINGERPRINT_FILES)) == []
