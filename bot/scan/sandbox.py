"""Run code we did not write (a repository's tests, a model's patch) where it cannot reach a secret.

Inside the sandbox: a clean environment (no tokens, keys or CI credentials), no network (a private network
namespace: not even the host's 127.0.0.1), a private process table (`/proc` shows only the sandbox, so no other
process's environment can be read), and a read-only view of the file system except the directories the run
must write (its working directory, a private temporary directory, and the report directory) — so the code cannot
plant anything in the interpreter, the home directory or the job's tools that would run later next to a secret.

Two mechanisms, tried in order: bubblewrap (`bwrap`) and util-linux `unshare` (user, network, PID and mount
namespaces; inside, a shell binds the writable directories onto themselves and remounts every other mount
read-only — any mount that cannot be made read-only stops the run, exit 125). `detect()` proves one works by
running `true` through it; where neither does, `Sandbox.available` is False and says why — callers then must not
run model-written code while a secret is reachable (see `reachable_secrets`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.git import Git
from bot.scan.environment import scrubbed_env
from bot.scan.process import ProcessResult, run_process


class SandboxKind(str, Enum):
    BUBBLEWRAP = "bubblewrap"
    UNSHARE = "unshare"
    NONE = "none"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Sandbox:
    kind: SandboxKind
    reason: str = ""  # why there is none

    @property
    def available(self) -> bool:
        return self.kind is not SandboxKind.NONE

    def describe(self) -> str:
        return str(self.kind) if self.available else f"unavailable ({self.reason})"


def detect(wanted: str = "auto") -> Sandbox:
    """The first sandbox that works here: `wanted` is "auto", "bubblewrap", "unshare" or "none"."""
    if wanted == "none":
        return Sandbox(SandboxKind.NONE, "disabled by the caller")
    order = [SandboxKind.BUBBLEWRAP, SandboxKind.UNSHARE] if wanted == "auto" else [SandboxKind(wanted)]
    problems: list[str] = []
    for kind in order:
        problem = _works(kind)
        if not problem:
            return Sandbox(kind)
        problems.append(problem)
    return Sandbox(SandboxKind.NONE, "; ".join(problems))


@functools.cache
def _works(kind: SandboxKind) -> str:
    """'' when `true` runs inside a `kind` sandbox here, else why not."""
    exe = shutil.which("bwrap" if kind is SandboxKind.BUBBLEWRAP else "unshare")
    if exe is None:
        return f"{'bwrap (bubblewrap)' if kind is SandboxKind.BUBBLEWRAP else 'unshare (util-linux)'} is not installed"
    with tempfile.TemporaryDirectory(prefix="yantra-sandbox-probe-") as work:  # as a run: a writable work tree
        argv = wrap(Sandbox(kind), ["true"], cwd=Path(work), writable=())
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=scrubbed_env(), cwd=work)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{kind} cannot start: {exc}"
    if proc.returncode != 0:
        return f"{kind} does not work here (exit {proc.returncode}: {proc.stderr.strip()[:200]})"
    return ""


def _interpreter_paths() -> list[str]:
    """Where the running interpreter and its packages live (a virtualenv, the base installation)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(p for p in paths if p and os.path.isdir(p))


def _under_tmp(paths: Sequence[str]) -> list[str]:
    """The paths the sandbox's private /tmp would hide (a virtualenv created under /tmp): shown read-only."""
    return [p for p in paths if os.path.realpath(p) == "/tmp" or os.path.realpath(p).startswith("/tmp/")]


# Runs as root of the new user and mount namespaces, before the program: `$1` writable directories follow, then
# `$1` paths inside them to keep read-only, then the program. mountinfo escapes a space in a mount point as \040,
# which printf %b turns back.
_READ_ONLY_SCRIPT = r"""
set -eu
n=$1; shift
keep=""
while [ "$n" -gt 0 ]; do
  mount --bind "$1" "$1"
  keep="$keep
$1"
  shift; n=$((n - 1))
done
n=$1; shift
while [ "$n" -gt 0 ]; do
  mount --bind "$1" "$1"
  mount -o remount,bind,ro "$1"
  shift; n=$((n - 1))
done
for raw in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
  mp=$(printf '%b' "$raw")
  if printf '%s\n' "$keep" | grep -Fxq -e "$mp"; then continue; fi
  if ! err=$(mount -o remount,bind,ro "$mp" 2>&1); then
    echo "yantra sandbox: cannot make $mp read-only ($err)" >&2
    exit 125
  fi
done
cd "$(pwd -P)"  # the working directory was entered before its bind mount: enter the writable one
exec "$@"
"""


def _git_dirs(directories: Sequence[Path]) -> list[str]:
    """The `.git` of each writable directory (a directory, or the file of a worktree that names its git
    directory): written by the code, its config (`core.fsmonitor`, hooks, aliases) or its pointer would run a
    command in the next git call the bot makes — outside the sandbox, next to the token."""
    return [os.path.realpath(d / ".git") for d in directories if os.path.lexists(d / ".git")]


def wrap(sandbox: Sandbox, argv: Sequence[str], *, cwd: Path, writable: Sequence[Path]) -> list[str]:
    """`argv` as run inside `sandbox`: writable are `cwd` and `writable`, except their `.git`."""
    directories = list(dict.fromkeys([cwd, *writable]))
    if sandbox.kind is SandboxKind.BUBBLEWRAP:
        binds: list[str] = []
        for path in directories:
            binds += ["--bind", str(path), str(path)]
        for git_dir in _git_dirs(directories):
            binds += ["--ro-bind", git_dir, git_dir]
        shown: list[str] = []  # the interpreter, when it lives under the /tmp the sandbox replaces
        program = [str(Path(argv[0]).parent.parent)] if argv and os.path.isabs(argv[0]) else []
        for hidden in _under_tmp(sorted({*_interpreter_paths(), *program})):
            shown += ["--ro-bind", hidden, hidden]
        return ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/", "/",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", *shown, *binds, "--chdir", str(cwd),
                "--", *argv]
    if sandbox.kind is SandboxKind.UNSHARE:
        keep = [os.path.realpath(p) for p in directories]
        frozen = _git_dirs(directories)
        return ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--mount", "--mount-proc",
                "--", "sh", "-c", _READ_ONLY_SCRIPT, "yantra-sandbox", str(len(keep)), *keep, str(len(frozen)),
                *frozen, *argv]
    return list(argv)


def run_untrusted(argv: Sequence[str], *, cwd: Path, sandbox: Sandbox, timeout: float,
                  writable: Sequence[Path] = (), extra_env: Mapping[str, str] | None = None) -> ProcessResult:
    """Run `argv` in `cwd` inside `sandbox` (as is when there is none) with a scrubbed environment.

    Every run of a repository's code — baseline and candidate tests alike — goes through here.
    Raises OSError when the program cannot start.
    """
    env = {**scrubbed_env(), **(extra_env or {})}
    if sandbox.kind is not SandboxKind.UNSHARE:  # bubblewrap mounts a private /tmp itself
        return run_process(wrap(sandbox, argv, cwd=cwd, writable=writable), cwd=cwd, env=env, timeout=timeout)
    with tempfile.TemporaryDirectory(prefix="yantra-sandbox-tmp-") as private:  # /tmp itself is read-only
        env.update(TMPDIR=private, TMP=private, TEMP=private)
        return run_process(wrap(sandbox, argv, cwd=cwd, writable=[*writable, Path(private)]), cwd=cwd, env=env,
                           timeout=timeout)


SECRET_NAME_WORDS = ("TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "COOKIE")


def holds_secret(name: str) -> bool:
    """A variable whose value is a secret by its name (narrower than what the scrubbed environment drops)."""
    upper = name.upper().replace("-", "_")
    return any(word in upper.split("_") or upper.endswith(word) for word in SECRET_NAME_WORDS)


def reachable_secrets(root: Path, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Where a secret sits that unsandboxed code run in `root` could read: our environment's secret-looking
    variables, and credentials in the repository's git config (an `http.*.extraheader`, a `credential.*`
    setting, a remote URL with a password)."""
    env = os.environ if environ is None else environ
    found = [f"${name}" for name, value in sorted(env.items()) if value and holds_secret(name)]
    listing = Git(root).config_origins()
    for line in listing.splitlines():
        origin, _, setting = line.partition("\t")
        key, _, value = setting.partition("=")
        key = key.lower()
        if (key.startswith("http.") and key.endswith(".extraheader")) or key.startswith("credential."):
            found.append(f"git config {key} ({origin})")
        elif key.startswith("remote.") and key.endswith(".url") and "://" in value and "@" in value.split("://", 1)[1]:
            found.append(f"git config {key} has credentials in its URL ({origin})")
    return found
