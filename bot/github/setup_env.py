"""`python -m bot.github.setup_env`: install the project's test dependencies before the Action runs its tests.

Run by action.yml with Yantra's own virtual environment; installs into the project's interpreter (the one
actions/setup-python provides, `YANTRA_PROJECT_PYTHON`), which Yantra's venv sees through system site-packages.
What to install comes from the trusted side, the base commit, never from a pull request's files:

1. the `setup-command` input, when given (the workflow author's own command, run with bash);
2. else the requirement lines of the base's pyproject extras `test`, `tests`, `dev`, and of its
   `requirements-test*.txt` / `requirements-dev*.txt` files (requirement specifiers only: `-e`, `-r`, URLs and
   paths are skipped with a note, so nothing from the checkout is built or run).

It prints what it installed (or why nothing), and exits 0 unless an install failed (1) — the tests would then
fail for a reason the log already shows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot import git, git_remote
from bot.errors import GitError

EXTRAS = ("test", "tests", "dev")
REQUIREMENT_FILES = re.compile(r"^requirements[-_](test|tests|dev)[\w.-]*\.txt$")


@dataclass(frozen=True)
class Plan:
    requirements: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())


def base_commit(root: Path, env: Mapping[str, str]) -> str | None:
    """The trusted commit: a pull request's base (fetched if needed), else the checked-out HEAD (the default
    branch for issue_comment and workflow_dispatch events)."""
    event: dict[str, object] = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path and Path(path).is_file():
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
            event = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            event = {}
    pr = event.get("pull_request")
    if env.get("GITHUB_EVENT_NAME", "").startswith("pull_request") and isinstance(pr, dict):
        sha = str((pr.get("base") or {}).get("sha") or "")
        if sha and not git_remote.has_commit(root, sha):
            try:
                git_remote.fetch_refspecs(root, "origin", ["--depth=1", sha])
            except GitError:
                return None
        return sha if sha and git_remote.has_commit(root, sha) else None
    return git.head_commit(root)


def plan_from(root: Path, commit: str) -> Plan:
    from packaging.requirements import InvalidRequirement, Requirement

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    reqs: list[str] = []
    sources: list[str] = []
    skipped: list[str] = []
    text = git_remote.show_file(root, commit, "pyproject.toml")
    project: dict[str, object] = {}
    if text is not None:
        try:
            project = tomllib.loads(text).get("project", {}) or {}
        except tomllib.TOMLDecodeError as exc:
            skipped.append(f"pyproject.toml: not valid TOML ({exc})")
    name = str(project.get("name") or "").lower().replace("_", "-")
    extras = project.get("optional-dependencies") or {}
    for extra in EXTRAS:
        lines = extras.get(extra) if isinstance(extras, dict) else None
        if isinstance(lines, list) and lines:
            sources.append(f"pyproject.toml [project.optional-dependencies] {extra}")
            reqs += [str(line) for line in lines]
    listing = git_remote.tree_names(root, commit)
    for file in sorted(f for f in listing if REQUIREMENT_FILES.match(f)):
        body = git_remote.show_file(root, commit, file)
        if body is None:
            continue
        sources.append(file)
        reqs += [ln.split(" #")[0].strip() for ln in body.splitlines()
                 if ln.strip() and not ln.lstrip().startswith("#")]
    kept: list[str] = []
    for line in reqs:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            skipped.append(f"{line!r}: not a requirement specifier (options, paths and URLs are not installed)")
            continue
        if req.url or req.name.lower().replace("_", "-") == name:
            skipped.append(f"{line!r}: the project itself or a URL (install it with the setup-command input)")
            continue
        if line not in kept:
            kept.append(line)
    return Plan(tuple(kept), tuple(sources), tuple(skipped))


def install(python: str, requirements: Sequence[str]) -> int:
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", *requirements]
    return subprocess.run(cmd, check=False).returncode


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    root = Path(env.get("GITHUB_WORKSPACE") or ".")
    python = env.get("YANTRA_PROJECT_PYTHON") or "python"
    command = env.get("YANTRA_SETUP_COMMAND", "").strip()
    if command:
        print(f"yantra: installing the project's test dependencies with the setup-command input: {command}")
        return 0 if subprocess.run(["bash", "-c", command], cwd=root, check=False).returncode == 0 else 1
    try:
        commit = base_commit(root, env)
        if commit is None:
            print("yantra: test dependencies not installed: the base commit is not available in the checkout")
            return 0
        plan = plan_from(root, commit)
    except GitError as exc:
        print(f"yantra: test dependencies not installed: {exc}")
        return 0
    for note in plan.skipped:
        print(f"yantra: skipped {note}")
    if not plan.requirements:
        print(f"yantra: no test dependencies declared at {commit[:12]} (extras {', '.join(EXTRAS)}, "
              "requirements-test*.txt, requirements-dev*.txt); give the setup-command input if the tests need some")
        return 0
    print(f"yantra: installing test dependencies from {', '.join(plan.sources)} at {commit[:12]} into {python}:")
    for req in plan.requirements:
        print(f"  {req}")
    code = install(python, plan.requirements)
    print("yantra: installed." if code == 0 else f"yantra: pip failed (exit {code}); the tests may not import")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
