"""The configuration Yantra reads, as written, compared between two pictures of a repository.

In the Action a pull request is judged with its base commit's configuration (`bot.github.workspace`), never its
own: `[tool.yantra]` (the gate's keys and the `fix` table: test command, protected paths) and the target Python, `.pre-commit-config.yaml`'s top-level `files`/`exclude`, and the
linters' and black's exclusions (`bot.gate.linters`). `settings_changed` names those of them a pull request
changes, so the check output can say that the change takes effect once merged. Nothing here validates or
compiles the values: a pull request's patterns are compared as text, never searched.
"""

from __future__ import annotations

from bot.config import declared_settings
from bot.gate.linters import linter_settings
from bot.gate.scope import PRECOMMIT_CONFIG, precommit_filters
from bot.repo_files import RepoFiles


def scope_settings(files: RepoFiles) -> dict[str, object]:
    """Every setting that decides what the gate judges, as `files` has it, by where it is written."""
    given = declared_settings(files)
    given.update({f"{PRECOMMIT_CONFIG} top-level {key}": value for key, value in precommit_filters(files).items()})
    given.update(linter_settings(files))
    return given


def settings_changed(before: RepoFiles, after: RepoFiles) -> tuple[str, ...]:
    """The settings (`scope_settings`) whose value `after` changes from `before`'s, sorted."""
    old, new = scope_settings(before), scope_settings(after)
    return tuple(sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key)))
