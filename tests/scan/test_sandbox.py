"""The sandbox for code we did not write: a spy run through `run_untrusted` from a parent process that holds a
token finds nothing inside a sandbox, and (the control) finds it without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_fix.spy import Listener, spy_source

from bot.scan.sandbox import Sandbox, SandboxKind, detect, reachable_secrets, wrap

TOKEN = "ghs_sandboxspy0123456789abcdefABCDEF"
DRIVER = """\
import json, sys
from pathlib import Path
from bot.scan.sandbox import Sandbox, SandboxKind, run_untrusted
kind, work, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
result = run_untrusted([sys.executable, "spy.py"], cwd=work, sandbox=Sandbox(SandboxKind(kind)), timeout=60,
                       writable=[out.parent])
print(json.dumps({"code": result.returncode, "stderr": result.stderr}))
"""
WORKING = [k for k in (SandboxKind.BUBBLEWRAP, SandboxKind.UNSHARE) if detect(k.value).kind is k]


def _spy_run(kind: SandboxKind, tmp_path: Path) -> tuple[str, int]:
    work, out = tmp_path / "work", tmp_path / "out" / "found.txt"
    work.mkdir()
    out.parent.mkdir()
    with Listener() as listener:
        (work / "spy.py").write_text(spy_source(TOKEN, listener.port, [str(out)]))
        env = {**os.environ, "GITHUB_TOKEN": TOKEN, "ANTHROPIC_API_KEY": TOKEN}
        proc = subprocess.run([sys.executable, "-c", DRIVER, kind.value, str(work), str(out)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert result["code"] == 0, result["stderr"]
        return out.read_text(), listener.connections


def test_without_a_sandbox_the_spy_finds_the_token(tmp_path: Path) -> None:
    """The control: a scrubbed environment alone is not enough — /proc shows the parent's and the network is open."""
    found, connections = _spy_run(SandboxKind.NONE, tmp_path)
    assert "environ GITHUB_TOKEN" not in found  # the environment is scrubbed ...
    assert "/proc/" in found  # ... but the parent's environment can be read
    assert "network" in found and connections == 1


@pytest.mark.skipif(not WORKING, reason="no sandbox works on this machine (install bubblewrap)")
@pytest.mark.parametrize("kind", WORKING, ids=str)
def test_inside_the_sandbox_the_spy_finds_nothing(kind: SandboxKind, tmp_path: Path) -> None:
    found, connections = _spy_run(kind, tmp_path)
    assert found == "nothing"
    assert connections == 0


def test_detect_reports_why_there_is_none() -> None:
    none = detect("none")
    assert not none.available and none.describe() == "unavailable (disabled by the caller)"
    assert wrap(none, ["pytest"], cwd=Path("/"), writable=()) == ["pytest"]


def test_reachable_secrets_name_the_environment_and_git_credentials(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "http.https://github.com/.extraheader",
                    f"AUTHORIZATION: basic {TOKEN}"], check=True)
    found = reachable_secrets(tmp_path, environ={"GITHUB_TOKEN": TOKEN, "PATH": "/usr/bin", "EMPTY_TOKEN": ""})
    assert found[0] == "$GITHUB_TOKEN"
    assert any("http.https://github.com/.extraheader" in f for f in found)
    assert TOKEN not in " ".join(found)  # says where, never what
    assert Sandbox(SandboxKind.NONE, "x").describe() == "unavailable (x)"


@pytest.mark.skipif(SandboxKind.BUBBLEWRAP not in WORKING, reason="bubblewrap does not work on this machine")
def test_a_program_under_tmp_is_still_visible_inside_the_private_tmp(tmp_path: Path) -> None:
    # bubblewrap gives the sandbox a fresh /tmp; an interpreter in a virtualenv created under /tmp (a CI job's
    # checkout, a pytest tmp_path) must still be there, read-only, or no test could start.
    from bot.scan.sandbox import run_untrusted

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    work = tmp_path / "work"
    work.mkdir()
    probe = "import sys, pathlib; pathlib.Path(sys.prefix, 'x').write_text('1')"
    result = run_untrusted([str(venv / "bin" / "python"), "-c", f"print(1)\ntry:\n    {probe}\nexcept OSError:\n"
                            "    print('read-only')"], cwd=work, sandbox=Sandbox(SandboxKind.BUBBLEWRAP), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "read-only"]


PROBE = """\
import pathlib, sys, tempfile
def attempt(path):
    try:
        pathlib.Path(path).write_text("planted")
        return "wrote"
    except OSError:
        return "refused"
print(attempt("own.txt"), attempt(tempfile.gettempdir() + "/scratch"), *[attempt(p) for p in sys.argv[1:]])
"""


@pytest.mark.skipif(not WORKING, reason="no sandbox works on this machine (install bubblewrap)")
@pytest.mark.parametrize("kind", WORKING, ids=str)
def test_code_in_the_sandbox_writes_only_its_work_tree_and_temporary_files(kind: SandboxKind, tmp_path: Path) -> None:
    """What a hostile test would plant to run later next to a secret — in the interpreter's packages, beside the
    work tree, in the home directory — is refused; the work tree and the temporary directory stay writable."""
    from bot.scan.sandbox import run_untrusted

    work, beside = tmp_path / "work", tmp_path / "beside"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    beside.mkdir()
    config = (work / ".git" / "config").read_text()
    targets = [str(Path(sys.prefix) / "yantra-planted.pth"), str(beside / "planted.py"),
               str(Path.home() / "yantra-planted"), str(work / ".git" / "config"),
               str(work / ".git" / "hooks" / "post-checkout")]
    result = run_untrusted([sys.executable, "-c", PROBE, *targets], cwd=work, sandbox=Sandbox(kind), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wrote", "wrote", *["refused"] * 5]
    assert (work / ".git" / "config").read_text() == config  # no core.fsmonitor for the bot's next git call
    targets = targets[:3] + targets[4:]
    assert not [t for t in targets if Path(t).exists()]
    assert (work / "own.txt").read_text() == "planted"
