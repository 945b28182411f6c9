"""Real pytest failures for the context-recall cases: the new test run at the parent and at the fix.

Per project, one virtualenv under `~/.cache/yantra-bench/ctx/<project>` holds pytest and the project's test
dependencies (`ensure_venv` creates it from PyPI; the project itself is never installed: the checkout is
put first on `PYTHONPATH`, `src/` when the tree has one). For each case the new test is run with
`pytest -x -q --tb=long <node id>` twice: at the parent with the commit's test file in place, and at the fix
commit itself. A case counts only when the test fails at the parent (a failure or an error at collection
or setup) and passes at the fix; its parent output (tracebacks with frames) is the failure text. Anything
else is an exclusion with a reason, counted in the benchmark's table:

- `passes-at-parent`: the test does not detect the bug in this environment;
- `fails-at-fix`: the test fails at the fix too (a dependency, platform or interpreter difference);
- `not-collected`: pytest collected nothing for the node id (rc 5);
- `timeout`, `usage` (an environment error at the parent: a conftest or third-party module that does not
  import, an internal error of pytest). A project may list fallback environments (older dependency
  versions, `FALLBACK_ENVS`) that such a case is tried in before it is excluded.

Results are cached in `~/.cache/yantra-bench/ctx/failures.json` keyed by commit and node id.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from enum import Enum
from io import BytesIO
from pathlib import Path

CACHE = Path.home() / ".cache" / "yantra-bench" / "ctx"
PYTHON = "python3.11"
TIMEOUT = 120  # seconds per pytest run
MAX_TEXT = 16_000  # characters of pytest output kept as the failure text (head and tail)
# Test dependencies per project (the projects' own `tests` dependency groups, minus coverage/xdist tools).
# pytest 8 where the projects' older suites trip pytest 9's new deprecations under `filterwarnings = error`;
# attrs configures pytest in `[tool.pytest]`, which only pytest 9 reads.
TEST_DEPS: dict[str, tuple[str, ...]] = {
    "click": ("pytest<9", "typing_extensions"),
    "werkzeug": ("pytest<9", "pytest-timeout", "pytest-xprocess", "cffi", "cryptography", "ephemeral-port-reserve", "watchdog",
                 "markupsafe", "typing_extensions"),
    "marshmallow": ("pytest<9", "simplejson", "packaging", "pytz", "python-dateutil"),
    "attrs": ("pytest", "cloudpickle", "hypothesis", "pympler"),
    "jinja": ("pytest<9", "pytest-timeout", "trio", "markupsafe", "typing_extensions"),
    # held out: flask's dependencies (werkzeug, jinja2, click...) are the newest releases, so an old case
    # may fail at its fix commit too and be excluded as such.
    "flask": ("pytest<9", "werkzeug", "jinja2", "itsdangerous", "click", "blinker", "markupsafe", "asgiref",
              "python-dotenv", "greenlet", "typing_extensions"),
    # the older cases of a project whose suite needs its dependencies' older major versions
    "flask-old": ("pytest<8", "werkzeug<3", "jinja2<3.2", "itsdangerous<2.2", "click<8.2", "blinker<1.8",
                  "markupsafe<3", "asgiref", "python-dotenv", "greenlet", "typing_extensions"),
}
# A case whose test cannot run in the project's environment (an environment error, not a failure) is
# tried again in these, in order.
FALLBACK_ENVS: dict[str, tuple[str, ...]] = {"flask": ("flask-old",)}


class Status(Enum):
    FAILS = "fails"  # fails at the parent, passes at the fix: a case
    PASSES_AT_PARENT = "passes-at-parent"
    FAILS_AT_FIX = "fails-at-fix"
    NOT_COLLECTED = "not-collected"
    TIMEOUT = "timeout"
    USAGE = "usage"


@dataclass(frozen=True)
class Reproduction:
    status: Status
    text: str  # the parent's pytest output (the failure text when status is FAILS)
    seconds: float


def ensure_venv(project: str) -> Path:
    """The project's test virtualenv's python, created (pip from PyPI) when missing."""
    venv = CACHE / project
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *TEST_DEPS[project]], check=True)
        (venv / ".complete").write_text("ok\n")
    return python


def _extract(git_dir: Path, commit: str, dest: Path) -> None:
    data = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")


def run_pytest(python: Path, root: Path, node: str) -> tuple[int | None, str]:
    """pytest's return code (None on timeout) and output for one node id in the tree at `root`."""
    paths = [str(root / "src")] if (root / "src").is_dir() else []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=os.pathsep.join([*paths, str(root)]), PYTHONDONTWRITEBYTECODE="1",
               PYTHONHASHSEED="0", COLUMNS="120")
    cmd = [str(python), "-m", "pytest", "-x", "-q", "--tb=long", "-p", "no:randomly",
           "--color=no", node]
    with subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True) as proc:
        try:
            out, _ = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the test's own children too (an editor, a server)
            out, _ = proc.communicate()
            return None, out
    return proc.returncode, out


def reproduce(git_dir: Path, project: str, commit: str, parent: str, test_path: str, node: str) -> Reproduction:
    """The case run in the project's environment, then (after an environment error) in its fallbacks."""
    found = Reproduction(Status.USAGE, "", 0.0)
    for env in (project, *FALLBACK_ENVS.get(project, ())):
        found = _reproduce(git_dir, env, commit, parent, test_path, node)
        if found.status is not Status.USAGE:
            break
    return found


def _reproduce(git_dir: Path, project: str, commit: str, parent: str, test_path: str, node: str) -> Reproduction:
    python = ensure_venv(project)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="yantra-repro-") as tmp:
        at_parent, at_fix = Path(tmp) / "parent", Path(tmp) / "fix"
        _extract(git_dir, parent, at_parent)
        test = at_parent / test_path
        test.parent.mkdir(parents=True, exist_ok=True)
        test.write_bytes(subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{test_path}"],
                                        check=True, capture_output=True).stdout)
        rc, text = run_pytest(python, at_parent, node)
        status = _parent_status(rc, text, at_parent)
        if status is Status.FAILS:
            _extract(git_dir, commit, at_fix)
            fix_rc, _ = run_pytest(python, at_fix, node)
            status = (Status.TIMEOUT if fix_rc is None else Status.FAILS if fix_rc == 0
                      else Status.NOT_COLLECTED if fix_rc == 5 else Status.FAILS_AT_FIX)
    return Reproduction(status, _clip(text.replace(tmp + "/parent/", "")), time.perf_counter() - t0)


def _parent_status(rc: int | None, text: str, root: Path) -> Status:
    if rc is None:
        return Status.TIMEOUT
    if rc == 0:
        return Status.PASSES_AT_PARENT
    if rc == 5:
        return Status.NOT_COLLECTED
    if _environment_error(text, root):
        return Status.USAGE
    if rc == 1 or (rc in (2, 4) and "ERROR collecting" in text):  # a failure, or the test module fails to import
        return Status.FAILS
    return Status.USAGE


_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


def _environment_error(text: str, root: Path) -> bool:
    """A failure of the environment, not of the code: an internal error of pytest, a conftest that does
    not import, or a third-party module that is not installed (a missing module of the project's own is
    the code's failure)."""
    if "INTERNALERROR>" in text or "ImportError while loading conftest" in text:
        return True
    for name in _MISSING.findall(text):
        top = name.split(".")[0]
        if not any((base / top).exists() or (base / f"{top}.py").exists() for base in (root, root / "src")):
            return True
    return False


def _clip(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT // 2] + "\n[… output clipped …]\n" + text[-MAX_TEXT // 2:]


class Failures:
    """The cached reproductions (json), keyed by commit and node id."""

    def __init__(self, path: Path = CACHE / "failures.json") -> None:
        self.path = path
        self.data: dict[str, dict[str, object]] = json.loads(path.read_text()) if path.exists() else {}

    def get(self, git_dir: Path, project: str, commit: str, parent: str, test_path: str,
            node: str) -> Reproduction:
        key = f"{commit}::{node}"
        if key not in self.data:
            found = reproduce(git_dir, project, commit, parent, test_path, node)
            self.data[key] = {**asdict(found), "status": found.status.value}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=1))
            tmp.replace(self.path)
            print(f"  {project} {commit[:8]} {node}: {found.status.value} ({found.seconds:.1f} s)", file=sys.stderr)
        row = self.data[key]
        return Reproduction(Status(str(row["status"])), str(row["text"]), float(row["seconds"]))  # type: ignore[arg-type]
