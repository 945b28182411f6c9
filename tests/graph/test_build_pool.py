"""A cold build parses in a process pool; killing its parent (a ^C'd hook, a CI timeout) must not leave
workers behind holding the parent's pipes open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.graph.build import POOL_THRESHOLD, refresh
from bot.graph.snapshot import Source, take_snapshot
from bot.graph.store import Store

FILES = 400


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie is dead (nobody may be reaping in a container)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_parent_of_a_cold_build_kills_its_workers(tmp_path: Path) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: the build does not use a pool")
    root = tmp_path / "repo"
    root.mkdir()
    body = "".join(f"def f{i}(a, b=1, *c, d, **e):\n    return g{i}(a) + [x for x in c if x]\n\n\n"
                   for i in range(150))
    for n in range(FILES):
        (root / f"m{n}.py").write_text(f"import m{(n + 1) % FILES}\n\n{body}", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    script = ("import sys; from pathlib import Path; from bot.graph import open_graph; "
              "open_graph(Path(sys.argv[1]), db_path=Path(sys.argv[2]))")
    parent = subprocess.Popen([sys.executable, "-c", script, str(root), str(tmp_path / "g.sqlite")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and parent.poll() is None:
        workers = [p for p in _children(parent.pid) if _alive(p) and _is_python(p)]
        if len(workers) >= 2:
            break
        time.sleep(0.02)
    assert workers, "the build finished before its pool was seen; make the files bigger"
    time.sleep(0.2)  # the workers are parsing
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.05)
    survivors = [p for p in workers if _alive(p)]
    for pid in survivors:  # (do not leave them running when the test fails)
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "pool workers outlived their killed parent"


def _is_python(pid: int) -> bool:
    try:
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _tables(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(store.conn.execute(f"SELECT * FROM {t}").fetchall()) for t in ("files", "refs", "defs", "stores")}


def test_a_package_init_vanishing_while_a_pooled_build_reads_gives_the_edges_of_a_clean_build(tmp_path: Path) -> None:
    """The pool's workers are forked (with the layout of the listed files) before the sources are read; when
    a listed file is gone by the time it is read, their edges are not used and the final layout decides."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: the build does not use a pool")
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("from .m0 import f0\n", encoding="utf-8")
    n = POOL_THRESHOLD + 20
    for i in range(n):
        (root / "pkg" / f"m{i}.py").write_text(
            f"from . import m{(i + 1) % n}\nfrom .m{(i + 2) % n} import f{(i + 2) % n}\n\n\n"
            f"def f{i}(a):\n    return m{(i + 1) % n}.f{(i + 1) % n}(a) + f{(i + 2) % n}(a)\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)  # (files git's stat check trusts are read late)
    meta = {"schema": "test"}
    racing = Store.open(tmp_path / "racing.sqlite", meta)
    snapshot = take_snapshot(root, Source.WORKTREE)
    (root / "pkg" / "__init__.py").unlink()  # listed, gone when read
    _, _, report = refresh(racing, snapshot, (), (3, 11))
    assert report.deleted_during_build == ["pkg/__init__.py"]
    assert report.parsed == n
    clean = Store.open(tmp_path / "clean.sqlite", meta)
    refresh(clean, take_snapshot(root, Source.WORKTREE), (), (3, 11))
    racing_rows, clean_rows = _tables(racing), _tables(clean)
    assert len(clean_rows["refs"]) > 3 * n
    assert racing_rows == clean_rows
