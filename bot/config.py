"""`[tool.yantra]` of pyproject.toml, parsed once into typed objects.

Each stage owns a section dataclass here; unknown keys are an error so typos do not silently do nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class GateConfig:
    exclude: tuple[str, ...] = ()  # glob patterns (gitignore-ish, "**" allowed), relative to the root
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> "error" | "warning" | "off"
    python_version: tuple[int, int] | None = None  # target version; default: requires-python lower bound
    roots: tuple[str, ...] = ()  # extra import roots (besides ".", "src" and detected ones)
    db_path: str | None = None  # default: .git/yantra/graph.sqlite


@dataclass(frozen=True)
class FixConfig:
    model: str = "claude-sonnet-4-6"
    fallback_model: str = "claude-haiku-4-5"
    max_attempts: int = 3
    max_tokens: int = 200_000  # per run, prompt + completion
    max_calls: int = 8
    max_dollars: float = 2.0
    context_budget: int = 12_000
    test_command: tuple[str, ...] = ()  # default: pytest over the repository
    test_timeout: float = 600.0
    protected_paths: tuple[str, ...] = (".github/workflows/**",)
    retry_attempts: int = 4  # LLM requests per model (the first included) before failing over
    retry_base_delay: float = 1.0  # seconds before the first LLM retry; doubled each retry
    retry_max_delay: float = 30.0  # cap on one computed LLM retry wait
    max_retry_after: float = 60.0  # a server's retry-after is honoured up to this many seconds
    llm_timeout: float = 180.0  # seconds per LLM request
    embeddings: bool = True  # similar past failures by embeddings when the `ml` extra is installed
    commit_no_verify: bool = False  # `git commit --no-verify` for fix commits (skips the repo's hooks)
    deadline: float = 900.0  # seconds for all model calls of one run, across retries and failover
    cache: bool = True  # replay stored model answers within a session (`yantra fix --no-cache`: off)


@dataclass(frozen=True)
class Config:
    root: Path
    gate: GateConfig = field(default_factory=GateConfig)
    fix: FixConfig = field(default_factory=FixConfig)
    requires_python: str | None = None
    pyproject: dict[str, Any] = field(default_factory=dict)  # the whole parsed pyproject.toml


_GATE_KEYS = {"exclude", "severity", "python-version", "roots", "db-path"}
_FIX_KEYS = {f.name.replace("_", "-") for f in fields(FixConfig)}


def load_config(root: Path) -> Config:
    """Read `root/pyproject.toml` (missing file: defaults)."""
    path = root / "pyproject.toml"
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix it or remove [tool.yantra]") from exc
    section = data.get("tool", {}).get("yantra", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.yantra] must be a table")
    fix_section = section.get("fix", {})
    gate_keys = {k: v for k, v in section.items() if k != "fix"}
    unknown = set(gate_keys) - _GATE_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [tool.yantra]: {', '.join(sorted(unknown))}; "
                          f"known: {', '.join(sorted(_GATE_KEYS | {'fix'}))}")
    requires = data.get("project", {}).get("requires-python")
    if not isinstance(requires, str):
        requires = _setup_cfg_requires(root / "setup.cfg")
    return Config(root=root, gate=_gate(gate_keys, path), fix=_fix(fix_section, path),
                  requires_python=requires, pyproject=data)


def _setup_cfg_requires(path: Path) -> str | None:
    """`[options] python_requires` of setup.cfg, for projects that declare it there and not in pyproject."""
    if not path.is_file():
        return None
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except (configparser.Error, OSError):
        return None  # an unreadable setup.cfg only means: no declared target
    value = parser.get("options", "python_requires", fallback=None)
    return value.strip() if value and value.strip() else None


def _gate(raw: dict[str, Any], path: Path) -> GateConfig:
    version = raw.get("python-version")
    parsed: tuple[int, int] | None = None
    if version is not None:
        try:
            major, minor = str(version).split(".")[:2]
            parsed = (int(major), int(minor))
        except ValueError as exc:
            raise ConfigError(f"{path}: [tool.yantra] python-version must look like \"3.11\", got {version!r}") from exc
    severity = raw.get("severity", {})
    from bot.gate.findings import RULES

    for rule, level in severity.items():
        if rule not in RULES or level not in ("error", "warning", "off"):
            raise ConfigError(f"{path}: [tool.yantra.severity] {rule} = {level!r}: rules are "
                              f"{', '.join(RULES)}; levels are error, warning, off")
    return GateConfig(exclude=tuple(raw.get("exclude", ())), severity=dict(severity), python_version=parsed,
                      roots=tuple(raw.get("roots", ())), db_path=raw.get("db-path"))


def _fix(raw: dict[str, Any], path: Path) -> FixConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [tool.yantra.fix] must be a table")
    unknown = set(raw) - _FIX_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [tool.yantra.fix]: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {k.replace("-", "_"): (tuple(v) if isinstance(v, list) else v) for k, v in raw.items()}
    try:
        return FixConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"{path}: [tool.yantra.fix]: {exc}") from exc
