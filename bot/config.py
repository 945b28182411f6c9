"""`[tool.yantra]` of pyproject.toml, parsed and validated once into typed, frozen objects.

The configuration comes from the repository, which may be hostile or simply wrong, so every value is checked
against the schema below: a wrong type, an unknown key, an unknown rule or level, a negative budget or a bad glob
is a `ConfigError` whose one-line message names the file and the key. Nothing is coerced: `python-version = 3.10`
(a TOML float, 3.1) is an error that says to quote it, `true` is not an integer, `"tests/*"` is not a list.

`parse_config(root, pyproject_text, setup_cfg_text)` parses given texts (for configuration read from the index
or from a trusted base branch); `load_config(root, files)` reads the files of `root` as `files` has them (the
working tree by default, the index in pre-commit mode: `bot.repo_files.RepoFiles`) and calls it. This module imports
nothing of the project above it (the rule ids live in the leaf `bot.rule_ids`).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from bot.errors import ConfigError
from bot.lazy_re import lazy
from bot.paths import PatternError, compile_patterns
from bot.repo_files import FileSkipped, RepoFiles
from bot.rule_ids import LEVELS, RULES, Level

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"


@dataclass(frozen=True)
class GateConfig:
    """The gate's settings (`[tool.yantra]`)."""

    exclude: tuple[str, ...] = ()  # gitignore-style globs (bot.paths), relative to the root
    severity: dict[str, Level] = field(default_factory=dict)  # rule id -> "error" | "warning" | "off"
    python_version: tuple[int, int] | None = None  # target version; default: requires-python lower bound
    roots: tuple[str, ...] = ()  # extra import roots (besides ".", "src" and detected ones)
    db_path: str | None = None  # default: <git-dir>/yantra/graph.sqlite; must stay inside <git-dir>/yantra


@dataclass(frozen=True)
class FixConfig:
    """`[tool.yantra.fix]`. `protected_paths` ADDS globs to the pipeline's built-in protected set (it can
    never remove one); the default adds nothing."""

    model: str = "claude-sonnet-4-6"
    fallback_model: str = "claude-haiku-4-5"
    max_attempts: int = 3
    max_tokens: int = 200_000  # per run, prompt + completion
    max_calls: int = 8
    max_dollars: float = 2.0
    context_budget: int = 12_000
    test_command: tuple[str, ...] = ()  # default: pytest over the repository
    test_timeout: float = 600.0
    protected_paths: tuple[str, ...] = ()  # added to the built-in protected set (bot.pipeline)
    retry_attempts: int = 4  # LLM requests per model (the first included) before failing over
    retry_base_delay: float = 1.0  # seconds before the first LLM retry; doubled each retry
    retry_max_delay: float = 30.0  # cap on one computed LLM retry wait
    max_retry_after: float = 60.0  # a server's retry-after is honoured up to this many seconds
    llm_timeout: float = 180.0  # seconds per LLM request
    embeddings: bool = True  # similar past failures by embeddings when the `ml` extra is installed
    commit_no_verify: bool = False  # `git commit --no-verify` for fix commits (skips the repo's hooks)
    deadline: float = 900.0  # seconds for all model calls of one run, across retries and failover
    cache: bool = True  # replay stored model answers within a session (`yantra fix --no-cache`: off)
    tools: bool = True  # offer the model tools (show_symbol, read_lines, search, …, run_tests) while it fixes
    max_tool_calls: int = 12  # tool calls per attempt (0: no tools)
    trace: bool = True  # run the failing tests' files once more, recording what they ran, to rank the context


@dataclass(frozen=True)
class Config:
    """A repository's configuration: the gate's and the fix pipeline's settings and what they were read from."""

    root: Path
    gate: GateConfig = field(default_factory=GateConfig)
    fix: FixConfig = field(default_factory=FixConfig)
    requires_python: str | None = None
    pyproject: dict[str, Any] = field(default_factory=dict)  # the whole parsed pyproject.toml
    # the commit the rest of the configuration that decides what the gate judges is read from (the top-level
    # `files`/`exclude` of .pre-commit-config.yaml, the linters' and black's exclusions) when it is not the
    # judged picture: the Action's trusted base commit (`bot.github.workspace.trusted_config`); never set from
    # a repository's files
    settings_commit: str | None = None


_GATE_KEYS = ("db-path", "exclude", "fix", "python-version", "roots", "severity")
_FIX_KEYS = {f.name.replace("_", "-"): f.name for f in fields(FixConfig)}
_POSITIVE = frozenset({"max_attempts", "context_budget", "test_timeout", "retry_attempts", "llm_timeout"})
_GLOBS = frozenset({"protected_paths"})
_VERSION = lazy(r"3\.\d{1,2}")


def load_config(root: Path, files: RepoFiles | None = None) -> Config:
    """Read `pyproject.toml` and `setup.cfg` of `root` as `files` has them (default: the working tree; missing:
    defaults) and validate them.

    A pyproject.toml that exists but cannot be read (a directory, a FIFO, a dangling link, no permission) is a
    ConfigError: guessing the configuration of a repository that has one would be wrong."""
    files = files or RepoFiles(root)
    try:
        pyproject = files.read_text(PYPROJECT)
    except FileSkipped as exc:
        raise ConfigError(f"{PYPROJECT}: it {exc}; yantra reads its configuration from it") from exc
    return parse_config(root, pyproject, files.read_text_or_note(SETUP_CFG))


def declared_settings(files: RepoFiles) -> dict[str, object]:
    """`[tool.yantra]`, its `fix` table and the declared target Python as `files` has them, unvalidated (by
    where they are written): to tell whether two pictures of a repository differ in them."""
    try:
        data = _toml(files.read_text_or_note(PYPROJECT) or "")
    except ConfigError:
        return {PYPROJECT: "not valid TOML"}
    tool, project = data.get("tool"), data.get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(requires, str):
        requires = _setup_cfg_requires(files.read_text_or_note(SETUP_CFG))
    section = tool.get("yantra") if isinstance(tool, dict) else None
    fix = section.get("fix") if isinstance(section, dict) else None
    gate = {k: v for k, v in section.items() if k != "fix"} if isinstance(section, dict) else section
    return {f"{PYPROJECT} [tool.yantra]": gate, f"{PYPROJECT} [tool.yantra.fix]": fix, "requires-python": requires}


def parse_config(root: Path, pyproject_text: str | None, setup_cfg_text: str | None) -> Config:
    """The configuration in the given texts (None: that file does not exist)."""
    data = _toml(pyproject_text) if pyproject_text is not None else {}
    tool = data.get("tool")
    section = tool.get("yantra", {}) if isinstance(tool, dict) else {}
    table = _Table("[tool.yantra]", section)
    table.require_table()
    table.reject_unknown(_GATE_KEYS, "key")
    project = data.get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(requires, str):
        requires = _setup_cfg_requires(setup_cfg_text)
    return Config(root=root, gate=_gate(table), fix=_fix(_Table("[tool.yantra.fix]", section.get("fix", {}))),
                  requires_python=requires, pyproject=data)


class _TomlFloat(float):
    """A TOML float that remembers how it was written (`3.10`, which float() would print as 3.1)."""

    text: str

    def __new__(cls, text: str) -> _TomlFloat:
        value = super().__new__(cls, text)
        value.text = text
        return value


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text, parse_float=_TomlFloat)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{PYPROJECT}: not valid TOML ({_one_line(str(exc))}); fix it") from exc
    except RecursionError as exc:
        raise ConfigError(f"{PYPROJECT}: its values are nested too deeply to read; fix it") from exc


def _setup_cfg_requires(text: str | None) -> str | None:
    """`[options] python_requires` of setup.cfg, for projects that declare it there and not in pyproject."""
    if text is None:
        return None
    import configparser  # only for a setup.cfg: not on every check's path

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None  # an unparsable setup.cfg only means: no declared target
    value = parser.get("options", "python_requires", fallback=None)
    return value.strip() if value and value.strip() else None


@dataclass(frozen=True)
class _Table:
    """One TOML table of the schema and where it is, for messages that name the file and the key."""

    name: str
    values: Any

    def error(self, key: str, wanted: str, value: object) -> ConfigError:
        return ConfigError(f"{PYPROJECT}: {self.name} {key} must be {wanted}, got {describe(value)}")

    def require_table(self) -> None:
        if not isinstance(self.values, dict):
            raise ConfigError(f"{PYPROJECT}: {self.name} must be a table, got {describe(self.values)}")

    def reject_unknown(self, known: Any, what: str) -> None:
        unknown = sorted(set(self.values) - set(known))
        if unknown:
            raise ConfigError(f"{PYPROJECT}: unknown {what} {_quote(unknown[0])} in {self.name}; "
                              f"known {what}s: {', '.join(sorted(known))}")

    def string(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, "a string", value)
        return value

    def strings(self, key: str, *, globs: bool = False) -> tuple[str, ...] | None:
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "a list of strings", value)
        if globs:
            try:
                compile_patterns(value)
            except PatternError as exc:
                raise ConfigError(f"{PYPROJECT}: {self.name} {key}: {exc}") from exc
        return tuple(value)

    def number(self, key: str, integer: bool, positive: bool) -> int | float | None:
        value = self.values.get(key)
        if value is None:
            return None
        kind = "an integer" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            raise self.error(key, kind, value)
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise self.error(key, f"{kind} {'above' if positive else 'of at least'} 0", value)
        return value if integer else float(value)

    def boolean(self, key: str) -> bool | None:
        value = self.values.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.error(key, "true or false", value)
        return value


def _gate(table: _Table) -> GateConfig:
    values: dict[str, Any] = {}
    for key, name in (("exclude", "exclude"), ("roots", "roots")):
        got = table.strings(key, globs=key == "exclude")
        if got is not None:
            values[name] = got
    values["db_path"] = table.string("db-path")
    values["python_version"] = _python_version(table)
    severity = _Table("[tool.yantra.severity]", table.values.get("severity", {}))
    severity.require_table()
    severity.reject_unknown(RULES, "rule")
    for rule, level in severity.values.items():
        if level not in LEVELS:
            raise severity.error(rule, f"one of {', '.join(LEVELS)}", level)
    return GateConfig(severity=dict(severity.values), **values)


def _python_version(table: _Table) -> tuple[int, int] | None:
    value = table.values.get("python-version")
    if value is None:
        return None
    if isinstance(value, float):
        text = getattr(value, "text", repr(value))
        raise ConfigError(f"{PYPROJECT}: [tool.yantra] python-version must be a string: {text} is a TOML "
                          f"number (it would read as {float(value)!r}); quote it: python-version = \"{text}\"")
    if not isinstance(value, str) or not _VERSION.fullmatch(value.strip()):
        raise table.error("python-version", 'a version string such as "3.11"', value)
    major, minor = value.strip().split(".")
    return int(major), int(minor)


def _fix(table: _Table) -> FixConfig:
    table.require_table()
    table.reject_unknown(_FIX_KEYS, "key")
    values: dict[str, Any] = {}
    for key, name in _FIX_KEYS.items():
        if table.values.get(key) is None:
            continue  # (a key not given: the default; TOML has no null)
        kind = _fix_types()[name]
        got: Any
        if kind is str:
            got = table.string(key)
        elif kind is bool:
            got = table.boolean(key)
        elif kind in (int, float):
            got = table.number(key, kind is int, name in _POSITIVE)
        else:  # tuple[str, ...]
            got = table.strings(key, globs=name in _GLOBS)
        if got is not None:
            values[name] = got
    return FixConfig(**values)


@functools.cache
def _fix_types() -> dict[str, Any]:
    """The types of FixConfig's fields, evaluated when a `[tool.yantra.fix]` key is first read (evaluating the
    annotations costs more than the rest of this module's import, on every check)."""
    return get_type_hints(FixConfig)


def describe(value: object) -> str:
    """`a string "tests/*"`, `a boolean true`, `a list`: how a TOML value reads in a message."""
    if isinstance(value, bool):
        return f"a boolean {'true' if value else 'false'}"
    if isinstance(value, str):
        return f"a string {_quote(value)}"
    if isinstance(value, int):
        return f"an integer {value}"
    if isinstance(value, float):
        return f"a float {getattr(value, 'text', repr(value))}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


def _quote(text: str) -> str:
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:56] + '..."'


def _one_line(text: str) -> str:
    return " ".join(text.split())
