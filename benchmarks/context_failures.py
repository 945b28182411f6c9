"""Real pytest failures for the context-recall cases: the new test run at the parent and at the fix.

Per project, one virtualenv under `~/.cache/yantra-bench/ctx/<project>` holds pytest and the project's test
dependencies (`ensure_venv` creates it from PyPI; the project itself is never installed: the checkout is
put first on `PYTHONPATH`, `src/` when the tree has one, then a metadata-only `.dist-info` with the name
`pyproject.toml` declares, for packages that read their own version at import; the version module
setuptools_scm would write at build time is written into the checkout when its configuration names one). For each case the new test is run with
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

Results are cached in `~/.cache/yantra-bench/ctx/failures.json` keyed by commit and node id; runs sharing the
cache merge their new entries into it under a lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import Enum
from io import BytesIO
from pathlib import Path

from bot.scan.trace import PLUGIN, PLUGIN_MODULE, TraceError, read_trace

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
    # flask 1.x: jinja2 2 (`jinja2.Markup`, `jinja2.escape`) and werkzeug 1 (`BaseResponse`)
    "flask-1": ("pytest<8", "werkzeug<2", "jinja2<3", "itsdangerous<2", "click<8", "markupsafe<2.1", "blinker<1.8",
                "python-dotenv", "greenlet"),
    # jinja 2.x: markupsafe before 2.1 (`soft_unicode`)
    "jinja-2": ("pytest<8", "markupsafe<2.1"),
    # held out, chosen 2026-12-02 before any run on them (their `tests` dependency groups, plus the optional
    # modules their suites import when present; `mock` is the older webargs suites' own test dependency)
    "structlog": ("pytest", "pytest-asyncio", "simplejson", "time-machine", "freezegun", "pretend", "rich",
                  "better-exceptions", "colorama", "greenlet", "twisted"),
    "cattrs": ("pytest", "hypothesis", "pytest-benchmark", "immutables", "attrs", "typing_extensions", "ujson",
               "orjson", "msgpack", "pyyaml", "tomlkit", "cbor2", "pymongo", "msgspec", "tomli-w"),
    "webargs": ("pytest<9", "pytest-asyncio", "mock", "marshmallow<4", "packaging", "flask", "django", "bottle",
                "tornado", "pyramid", "falcon", "aiohttp", "webtest==3.0.1", "webtest-aiohttp==2.0.0",
                "pytest-aiohttp"),
}
# A case whose test cannot run in the project's environment (an environment error, not a failure) is
# tried again in these, in order.
FALLBACK_ENVS: dict[str, tuple[str, ...]] = {"flask": ("flask-old", "flask-1"), "jinja": ("jinja-2",)}


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


def metadata_stub(root: Path, dest: Path) -> Path | None:
    """A `.dist-info` with the project's name and version for the tree at `root`, written under `dest`, so that
    a package that reads its own installed metadata (`importlib.metadata.version("pkg")` at import) imports
    from the checkout as it would installed. None when `pyproject.toml` declares no `[project]` name."""
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        return None
    version = project.get("version")
    version = version if isinstance(version, str) and re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version) else "0.0.0"
    info = dest / f"{re.sub(r'[-.]+', '_', name)}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return dest


_SCM_FILE = re.compile(r"""["']?(?:write_to|version_file)["']?\s*[:=]\s*["']([\w./-]+\.py)["']""")


def scm_version_file(root: Path) -> Path | None:
    """The version module setuptools_scm writes at build time (`write_to` / `version_file` in pyproject.toml or
    setup.py), written into the tree at `root` when it is missing there (a checkout is not a build), so that a
    package importing it (`from ._version import version`) imports. The file written, or None."""
    for config in ("pyproject.toml", "setup.py"):
        try:
            text = (root / config).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        m = _SCM_FILE.search(text)
        if m is None or ".." in m[1].split("/") or m[1].startswith("/"):
            continue
        target = root / m[1]
        if target.exists() or not target.parent.is_dir():
            return None
        target.write_text('version = __version__ = "0.0.0"\nversion_tuple = __version_tuple__ = (0, 0, 0)\n')
        return target
    return None


def run_pytest(python: Path, root: Path, node: str, *, trace: Path | None = None) -> tuple[int | None, str]:
    """pytest's return code (None on timeout) and output for one node id in the tree at `root` (the tree's
    `src/` and the tree first on the path, then its metadata stub). With `trace`, the node is a test file
    run whole (no `-x`) with Yantra's trace plugin writing what each test ran to that file."""
    paths = [str(root / "src")] if (root / "src").is_dir() else []
    meta = metadata_stub(root, root.parent / f"{root.name}-metadata")
    scm_version_file(root)
    paths += [str(root)] + ([str(meta)] if meta else [])
    if trace is not None:
        plugin = root.parent / f"{root.name}-plugin"
        plugin.mkdir(exist_ok=True)
        (plugin / f"{PLUGIN_MODULE}.py").write_bytes(PLUGIN.read_bytes())
        paths.insert(0, str(plugin))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1",
               PYTHONHASHSEED="0", COLUMNS="120")
    options = ["-x"] if trace is None else ["-p", PLUGIN_MODULE, f"--yantra-trace={trace}",
                                            "-p", "no:cacheprovider"]
    cmd = [str(python), "-m", "pytest", *options, "-q", "--tb=long", "-p", "no:randomly",
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


def reproduce(git_dir: Path, project: str, commit: str, parent: str, test_path: str, node: str,
              python_for: Callable[[str], Path] = ensure_venv) -> Reproduction:
    """The case run in the project's environment, then (after an environment error) in its fallbacks;
    `python_for` gives an environment's interpreter."""
    found = Reproduction(Status.USAGE, "", 0.0)
    for env in (project, *FALLBACK_ENVS.get(project, ())):
        found = _reproduce(git_dir, python_for(env), commit, parent, test_path, node)
        if found.status is not Status.USAGE:
            break
    return found


def _reproduce(git_dir: Path, python: Path, commit: str, parent: str, test_path: str, node: str) -> Reproduction:
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
    """The cached reproductions (json), keyed by commit and node id. Several runs may share the cache: each
    new entry is added to the file as it is then, under a lock, so no run drops another's entries (and an
    entry removed from the file by hand stays removed)."""

    def __init__(self, path: Path = CACHE / "failures.json",
                 python_for: Callable[[str], Path] = ensure_venv) -> None:
        self.path = path
        self.python_for = python_for
        self.data: dict[str, dict[str, object]] = self._load()

    def _load(self) -> dict[str, dict[str, object]]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def _store(self, key: str, row: dict[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.data = {**self._load(), key: row}  # the file as it is now (others' entries) plus this one
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.data, indent=1))
            tmp.replace(self.path)

    def get(self, git_dir: Path, project: str, commit: str, parent: str, test_path: str,
            node: str) -> Reproduction:
        key = f"{commit}::{node}"
        if key not in self.data:
            found = reproduce(git_dir, project, commit, parent, test_path, node, self.python_for)
            self._store(key, {**asdict(found), "status": found.status.value})
            print(f"  {project} {commit[:8]} {node}: {found.status.value} ({found.seconds:.1f} s)", file=sys.stderr)
        row = self.data[key]
        return Reproduction(Status(str(row["status"])), str(row["text"]), float(row["seconds"]))  # type: ignore[arg-type]


def trace_file(commit: str, node: str) -> Path:
    return CACHE / "traces" / f"{commit[:12]}-{hashlib.sha1(node.encode()).hexdigest()[:12]}.json"


def traced(git_dir: Path, project: str, commit: str, parent: str, test_path: str, node: str,
           python_for: Callable[[str], Path] = ensure_venv) -> Path | None:
    """The trace of the case's test file run whole at the parent (the commit's test file in place), in the
    first of the project's environments where the case's test fails; cached. None when it fails in none."""
    out = trace_file(commit, node)
    if out.exists():
        return out if out.stat().st_size > 0 else None
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for env in (project, *FALLBACK_ENVS.get(project, ())):
        with tempfile.TemporaryDirectory(prefix="yantra-trace-") as tmp:
            at_parent = Path(tmp) / "parent"
            _extract(git_dir, parent, at_parent)
            test = at_parent / test_path
            test.parent.mkdir(parents=True, exist_ok=True)
            test.write_bytes(subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{test_path}"],
                                            check=True, capture_output=True).stdout)
            written = Path(tmp) / "trace.json"
            run_pytest(python_for(env), at_parent, test_path, trace=written)
            try:
                found = read_trace(written)
            except TraceError:
                continue
            if any(_same_test(t.nodeid, node) for t in found.failing):
                out.write_bytes(written.read_bytes())
                print(f"  traced {commit[:8]} {node} in {env} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
                return out
    out.write_text("")
    print(f"  not traced {commit[:8]} {node}: the test does not fail in a whole-file run", file=sys.stderr)
    return None


def _same_test(nodeid: str, node: str) -> bool:
    """`nodeid` is the case's test or one of its parametrizations."""
    return nodeid == node or nodeid.startswith(node + "[")
