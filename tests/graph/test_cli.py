"""`yantra graph ...` through the real command line entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli

FILES: dict[str, str | bytes] = {
    "shop/__init__.py": "",
    "shop/payments.py": "def verify_payment(amount, *, currency='EUR'):\n    '''Check a payment.'''\n\n"
                        "class Gateway(Base):\n    def charge(self): ...\n",
    "app.py": "from shop.payments import verify_payment\nimport shop.payments as p\n"
              "def main():\n    verify_payment(1)\n    p.Gateway()\n",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), standalone_mode=False)
    code = result.return_value if isinstance(result.return_value, int) else result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return code, result.stdout, result.stderr


def test_build_stats_show_dependents(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    code, out, _ = run("graph", "build", "--repo", str(root))
    assert code == 0 and "3 files, 3 parsed" in out
    code, out, _ = run("graph", "stats", "--repo", str(root), "--format", "json")
    stats = json.loads(out)
    assert stats["files"] == 3 and stats["definitions"] >= 4 and stats["edges"] > 0 and stats["db_bytes"] > 0
    code, out, _ = run("graph", "show", "verify_payment", "--repo", str(root))
    assert code == 0
    assert "shop.payments.verify_payment" in out and "(amount, *, currency=...)" in out
    assert "Check a payment." in out and "app.py:1 (from)" in out and "app.py:4 (call)" in out
    code, out, _ = run("graph", "show", "shop.payments.Gateway", "--repo", str(root), "--format", "json")
    [item] = json.loads(out)
    assert item["bases"] == ["Base"] and item["members"] == ["Gateway.charge"]
    code, out, _ = run("graph", "dependents", "shop/payments.py", "--repo", str(root), "--format", "json")
    assert {(d["path"], d["kind"]) for d in json.loads(out)} >= {("app.py", "from"), ("app.py", "import")}
    code, out, _ = run("graph", "dependents", "shop.payments.Gateway", "--repo", str(root))
    assert "app.py:5: attr shop.payments.Gateway" in out


def test_unknown_symbol_suggests_and_exits_1(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    code, _out, err = run("graph", "show", "verify_paymnt", "--repo", str(root))
    assert code == 1 and "did you mean verify_payment" in err


def test_rebuild_from_the_installed_entry_point(make_repo: Callable[..., Path]) -> None:
    root = make_repo(FILES)
    proc = subprocess.run([sys.executable, "-m", "bot", "graph", "build", "--rebuild", "--repo", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "3 parsed" in proc.stdout and "Traceback" not in proc.stderr


def test_graph_commands_find_the_root_from_a_subfolder(make_repo: Callable[..., Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({**FILES, "docs/notes.txt": "notes\n"})
    monkeypatch.chdir(root / "docs")
    code, out, _ = run("graph", "stats", "--format", "json")
    assert code == 0 and json.loads(out)["files"] == 3
    code, out, _ = run("graph", "dependents", "verify_payment")
    assert code == 0 and "app.py:1: from shop.payments.verify_payment" in out


def test_dependents_lists_each_use_once_under_a_src_layout(make_repo: Callable[..., Path]) -> None:
    # `src/pkg/__init__.py` is importable both as `pkg` and as `src.pkg`: its re-export is one place.
    root = make_repo({"src/pkg/mod.py": "def f(x):\n    return x\n", "src/pkg/__init__.py": "from .mod import f\n",
                      "app.py": "from pkg.mod import f\nimport pkg\nf(1)\npkg.f(2)\n"})
    code, out, _ = run("graph", "dependents", "pkg.mod.f", "--repo", str(root), "--format", "json")
    places = [(d["path"], d["line"], d["kind"]) for d in json.loads(out)]
    assert len(places) == len(set(places))
    assert ("src/pkg/__init__.py", 1, "from") in places and ("app.py", 4, "attr") in places
    code, out, _ = run("graph", "show", "pkg.mod.f", "--repo", str(root), "--format", "json")
    assert code == 0
    used = [(u["path"], u["line"], u["kind"]) for item in json.loads(out) for u in item["used_by"]]
    assert len(used) == len(set(used))


def test_check_leaves_the_garbage_collector_as_it_found_it(make_repo: Callable[..., Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`check` turns the cyclic collector off while it runs (`bot.cli`); a caller in a longer process gets it back."""
    import gc

    from bot.cli import main

    root = make_repo({"a.py": "x = 1\n"})
    assert gc.isenabled()
    assert main(["check", "--all", "--format", "json", "--repo", str(root)]) == 0
    assert gc.isenabled()
    assert json.loads(capsys.readouterr().out)["stats"]["files_checked"] == 1
    gc.disable()
    try:
        assert main(["check", "--all", "--format", "json", "--repo", str(root)]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
