"""One error base for everything a user may see; one subclass per layer.

Only `bot.cli.main` and the Action entry point turn these into exit codes and messages.
"""

from __future__ import annotations


class YantraError(Exception):
    """A failure with a message meant for the user (say what happened and what to do)."""


class UsageError(YantraError):
    """The command line or configuration is wrong (exit 2)."""


class ConfigError(UsageError):
    """`[tool.yantra]` or another configuration source is invalid."""


class GitError(YantraError):
    """A git command failed; the message carries the command, return code and output."""


class GraphError(YantraError):
    """The dependency graph could not be built, stored or read."""


class ContextError(YantraError):
    """Prompt context could not be assembled (unknown target, budget too small)."""


class LLMError(YantraError):
    """A model call failed. `transient` says whether retrying may help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class BudgetExceeded(LLMError):
    """A hard per-run budget (tokens, calls, dollars) would be exceeded by the next call."""


class ScanError(YantraError):
    """A test run or security scanner failed in a way that is not a finding."""


class PipelineError(YantraError):
    """The fix session could not continue."""


class GitHubError(YantraError):
    """The GitHub API or the event payload could not be used. `transient` as for LLMError."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
