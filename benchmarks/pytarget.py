"""A release's target Python version, and which of its files CPython of that version rejects (ground truth).

The target is the lower bound of `requires-python`, read from the release's own metadata in this order:
pyproject.toml `[project] requires-python`, setup.cfg `[options] python_requires`, setup.py
`python_requires=`, PKG-INFO `Requires-Python`. Yantra itself reads `[tool.yantra] python-version` or
pyproject's `requires-python` only; `yantra_target` says what it would use.

Ground truth compiles every file with the interpreter of the target's minor version (pyenv:
`$PYENV_ROOT/versions/X.Y.*/bin/python`, default `/root/.pyenv`); without one it is "unavailable".
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Version = tuple[int, int]

_CLAUSE = re.compile(r"^\s*(>=|>|~=|==|===)\s*(\d+)\.(\d+)")


@dataclass(frozen=True)
class Target:
    version: Version | None
    spec: str  # the requires-python text as found
    source: str  # where it was found ("" when nowhere)
    yantra_version: Version | None  # what Yantra reads (pyproject, then setup.cfg); None: Yantra's own default
    yantra_source: str

    def label(self) -> str:
        return f"{fmt(self.version)} ({self.source or 'not declared'})"


def fmt(version: Version | None) -> str:
    return f"{version[0]}.{version[1]}" if version else "?"


def lower_bound(spec: str) -> Version | None:
    """The smallest X.Y the specifier allows: '>=3.8, <4' -> (3, 8); '~=3.7' -> (3, 7); '!=3.0' -> None."""
    bounds = [(int(m.group(2)), int(m.group(3))) for m in map(_CLAUSE.match, spec.split(",")) if m]
    return max(bounds) if bounds else None


def read_target(root: Path) -> Target:
    pyproject_spec, yantra_version = "", None
    yantra_source = "the version of the interpreter running it (pyproject.toml and setup.cfg declare none)"
    if (root / "pyproject.toml").is_file():
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8", errors="replace"))
        pyproject_spec = str(data.get("project", {}).get("requires-python") or "")
        explicit = data.get("tool", {}).get("yantra", {}).get("python-version")
        if explicit is not None:
            major, minor = str(explicit).split(".")[:2]
            yantra_version, yantra_source = (int(major), int(minor)), "[tool.yantra] python-version"
        elif pyproject_spec:
            yantra_version, yantra_source = lower_bound(pyproject_spec), "pyproject requires-python"
    if yantra_version is None and _setup_cfg(root):  # bot.config falls back to setup.cfg python_requires
        yantra_version, yantra_source = lower_bound(_setup_cfg(root)), "setup.cfg python_requires"
    for spec, source in ((pyproject_spec, "pyproject.toml"), (_setup_cfg(root), "setup.cfg"),
                         (_setup_py(root), "setup.py"), (_pkg_info(root), "PKG-INFO")):
        if spec:
            return Target(lower_bound(spec), spec, source, yantra_version, yantra_source)
    return Target(None, "", "", yantra_version, yantra_source)


def _setup_cfg(root: Path) -> str:
    path = root / "setup.cfg"
    if not path.is_file():
        return ""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return ""
    return parser.get("options", "python_requires", fallback="").strip()


def _setup_py(root: Path) -> str:
    path = root / "setup.py"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    match = re.search(r"python_requires\s*=\s*[\"']([^\"']+)[\"']", text)
    return match.group(1) if match else ""


def _pkg_info(root: Path) -> str:
    path = root / "PKG-INFO"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    match = re.search(r"^Requires-Python:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else ""


def interpreter_for(version: Version | None) -> Path | None:
    if version is None:
        return None
    versions = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
    found = sorted(versions.glob(f"{version[0]}.{version[1]}.*/bin/python")) if versions.is_dir() else []
    return found[-1] if found else None


# Runs under the target interpreter (3.6+): keep it free of newer syntax.
_COMPILE_ALL = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
bad = {}
for path in sys.stdin.read().split("\0"):
    if not path:
        continue
    try:
        with open(path, "rb") as fh:
            compile(fh.read(), path, "exec", dont_inherit=True)
    except Exception as exc:
        bad[path] = "%s: %s" % (type(exc).__name__, exc)
sys.stdout.write(json.dumps(bad))
"""


def rejected_files(interpreter: Path, root: Path, files: Sequence[str]) -> dict[str, str]:
    """{path: error} for each of `files` (relative to `root`) that `interpreter` refuses to compile."""
    proc = subprocess.run([str(interpreter), "-c", _COMPILE_ALL], cwd=root, input="\0".join(files),
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{interpreter} failed to compile the files of {root}: {proc.stderr[-500:]}")
    result: dict[str, str] = json.loads(proc.stdout)
    return result
