"""`undeclared-dependency`: a third-party import whose distribution the project does not declare.

Silent when the project has no readable metadata, for guarded or function-level (optional) imports, for
test/docs/tooling files, and when the import name cannot be mapped to a distribution with certainty.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from bot.gate.rules import Hit, RuleContext, make
from bot.graph.model import FileFacts
from bot.repo_files import RepoFiles

# Import names whose distribution is named differently (like deptry's mapping), for environments where the
# distribution is not installed.
KNOWN = {
    "yaml": ("PyYAML",), "PIL": ("Pillow",), "bs4": ("beautifulsoup4",), "sklearn": ("scikit-learn",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python"),
    "dateutil": ("python-dateutil",), "attr": ("attrs",), "jwt": ("PyJWT",), "OpenSSL": ("pyOpenSSL",),
    "Crypto": ("pycryptodome", "pycrypto"), "dotenv": ("python-dotenv",), "git": ("GitPython",),
    "github": ("PyGithub",), "serial": ("pyserial",), "zmq": ("pyzmq",), "docx": ("python-docx",),
    "multipart": ("python-multipart",), "slugify": ("python-slugify",), "magic": ("python-magic",),
    "jose": ("python-jose",), "MySQLdb": ("mysqlclient",), "psycopg2": ("psycopg2", "psycopg2-binary"),
    "skimage": ("scikit-image",), "Levenshtein": ("python-Levenshtein", "Levenshtein"),
}
_NEVER = frozenset({"__future__", "setuptools", "pkg_resources", "distutils", "_pytest", "google"})
_TOOLING_DIRS = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "scripts",
                           "benchmarks", "benchmark", "bench", "tools", "ci", "tasks", "extras", "contrib"})
_TOOLING_FILES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py", "manage.py",
                            "conf.py", "__main__.py", "runtests.py"})


def dependency_rules(ctx: RuleContext, path: str, facts: FileFacts) -> Iterator[Hit]:
    if not facts.parse_ok or _tooling(path):
        return
    seen: set[str] = set()
    for imp in facts.imports:
        if imp.level or imp.guarded or imp.scope != "module":
            continue
        top = imp.module.split(".")[0]
        if not top or top in seen or top in _NEVER or top in _stdlib() or _first_party(ctx, top):
            continue
        seen.add(top)
        # the project's metadata (a walk of the repository for requirements files) only for a file that
        # imports a third-party name at all: a commit touching first-party code never pays for it
        declared = _declared(ctx.graph.snapshot.files)
        if declared is None:
            return
        if normalize(top) in declared or any(normalize(d) in declared for d in KNOWN.get(top, ())):
            continue
        dists = distributions_of(top)
        if not dists or any(normalize(d) in declared for d in dists):
            continue
        yield Hit(make("undeclared-dependency", path, imp.line, imp.col, imp.end_line,
                       f"`{top}` is imported but its distribution `{dists[0]}` is not declared in the project's "
                       f"dependencies", f"add `{dists[0]}` to [project] dependencies"), top, None)


def _tooling(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (bool(_TOOLING_DIRS & set(parts[:-1])) or name in _TOOLING_FILES or name.startswith("test_")
            or name.endswith("_test.py"))


def _first_party(ctx: RuleContext, top: str) -> bool:
    if ctx.graph.paths_of(top):
        return True
    root: Path = ctx.graph.root
    return any((root / base / name).exists() for base in (".", "src", "lib")
               for name in (top, top + ".py", top + ".pyi"))


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions_of(top: str) -> tuple[str, ...]:
    return _installed().get(top) or KNOWN.get(top, ())


@lru_cache(maxsize=1)
def _installed() -> dict[str, tuple[str, ...]]:
    from importlib.metadata import packages_distributions

    try:
        return {k: tuple(v) for k, v in packages_distributions().items()}
    except Exception:  # a broken installed distribution must not break the gate
        return {}


@lru_cache(maxsize=1)
def _stdlib() -> frozenset[str]:
    return frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)


@lru_cache(maxsize=8)
def _declared(files: RepoFiles) -> frozenset[str] | None:
    """The declared distributions of `files` (one run's picture of the repository: read once per run)."""
    from bot.gate.metadata import declared_distributions

    return declared_distributions(files)
