"""The Action's inputs and the runner's environment, parsed once into a typed, frozen object.

`action.yml` passes every input as a `YANTRA_*` environment variable (never `${{ }}` in a script); the runner
sets the `GITHUB_*` ones. Empty strings mean "not given": the repository's `[tool.yantra.fix]` then applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

MODES = ("check", "autofix", "command")
DEFAULT_BOT_LOGIN = "github-actions[bot]"
DEFAULT_BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

# Every environment variable the Action reads. tests/github/test_action_yml.py checks that action.yml sets each
# YANTRA_* one and that the GITHUB_* ones are the runner's own.
INPUT_VARS = {
    "github-token": "YANTRA_GITHUB_TOKEN",
    "anthropic-api-key": "YANTRA_ANTHROPIC_API_KEY",
    "anthropic-base-url": "YANTRA_ANTHROPIC_BASE_URL",
    "mode": "YANTRA_MODE",
    "model": "YANTRA_MODEL",
    "fallback-model": "YANTRA_FALLBACK_MODEL",
    "max-attempts": "YANTRA_MAX_ATTEMPTS",
    "budget-tokens": "YANTRA_BUDGET_TOKENS",
    "budget-calls": "YANTRA_BUDGET_CALLS",
    "budget-dollars": "YANTRA_BUDGET_DOLLARS",
    "protected-paths": "YANTRA_PROTECTED_PATHS",  # added to the built-in protected set
    "unprotect-paths": "YANTRA_UNPROTECT_PATHS",  # removed from the built-in protected set
    "setup-command": "YANTRA_SETUP_COMMAND",  # read by bot.github.setup_env in its own step
    "python-version": "YANTRA_PYTHON_VERSION",
    "max-bot-commits": "YANTRA_MAX_BOT_COMMITS",
    "allow-bots": "YANTRA_ALLOW_BOTS",
    "fail-on-findings": "YANTRA_FAIL_ON_FINDINGS",
    "bot-login": "YANTRA_BOT_LOGIN",
    "bot-name": "YANTRA_BOT_NAME",
    "bot-email": "YANTRA_BOT_EMAIL",
    "safety-db": "YANTRA_SAFETY_DB",  # read by bot.scan.deps itself; checked here
    "fork-fixes": "YANTRA_FORK_FIXES",
}
FORK_FIXES = ("off", "suggest")
RUNNER_VARS = ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_API_URL", "GITHUB_REPOSITORY",
               "GITHUB_WORKSPACE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL")


@dataclass(frozen=True)
class Settings:
    github_token: str
    anthropic_api_key: str | None
    anthropic_base_url: str | None
    mode: str
    model: str | None
    fallback_model: str | None
    max_attempts: int | None
    budget_tokens: int | None
    budget_calls: int | None
    budget_dollars: float | None
    protected_paths: tuple[str, ...] | None
    unprotect_paths: tuple[str, ...]
    python_version: str | None
    max_bot_commits: int
    allow_bots: tuple[str, ...]  # logins; "*" allows every bot
    fail_on_findings: bool
    bot_login: str
    bot_name: str
    bot_email: str
    safety_db: Path | None
    fork_fixes: str  # "suggest" (default: static validation, review suggestions) | "off" (never fix forks)
    event_name: str
    event_path: Path
    api_url: str
    repository: str
    workspace: Path
    output_path: Path | None
    step_summary_path: Path | None
    server_url: str

    def __repr__(self) -> str:  # never show the secrets in a log
        return f"Settings(mode={self.mode!r}, repository={self.repository!r}, event={self.event_name!r})"

    @property
    def owner_repo(self) -> tuple[str, str]:
        owner, _, name = self.repository.partition("/")
        return owner, name

    def bot_allowed(self, login: str) -> bool:
        return "*" in self.allow_bots or login.lower() in {b.lower() for b in self.allow_bots}


def load_settings(env: Mapping[str, str]) -> Settings:
    """Parse the environment once; every bad value is a ConfigError naming the input and what is expected."""
    def inp(name: str) -> str:
        return env.get(INPUT_VARS[name], "").strip()

    token = inp("github-token")
    if not token:
        raise ConfigError("input github-token is empty: pass `github-token: ${{ secrets.GITHUB_TOKEN }}` "
                          f"(environment variable {INPUT_VARS['github-token']})")
    mode = inp("mode") or "check"
    if mode not in MODES:
        raise ConfigError(f"input mode must be one of {', '.join(MODES)}, got {mode!r}")
    repository = _runner(env, "GITHUB_REPOSITORY")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        raise ConfigError(f"GITHUB_REPOSITORY must look like owner/name, got {repository!r}")
    python_version = inp("python-version") or None
    if python_version and not re.fullmatch(r"\d+\.\d+(\.\d+)?", python_version):
        raise ConfigError(f"input python-version must look like 3.11, got {python_version!r}")
    bot_login = inp("bot-login") or DEFAULT_BOT_LOGIN
    fork_fixes = inp("fork-fixes") or "suggest"
    if fork_fixes not in FORK_FIXES:
        raise ConfigError(f"input fork-fixes must be one of {', '.join(FORK_FIXES)}, got {fork_fixes!r}")
    safety_db = Path(inp("safety-db")) if inp("safety-db") else None
    if safety_db is not None and not safety_db.is_dir():
        raise ConfigError(f"input safety-db must be a directory with safety's insecure.json, got {safety_db}")
    return Settings(
        github_token=token,
        anthropic_api_key=inp("anthropic-api-key") or None,
        anthropic_base_url=inp("anthropic-base-url") or None,
        mode=mode,
        model=inp("model") or None,
        fallback_model=inp("fallback-model") or None,
        max_attempts=_int(inp("max-attempts"), "max-attempts", minimum=1),
        budget_tokens=_int(inp("budget-tokens"), "budget-tokens", minimum=1),
        budget_calls=_int(inp("budget-calls"), "budget-calls", minimum=1),
        budget_dollars=_float(inp("budget-dollars"), "budget-dollars"),
        protected_paths=_list(inp("protected-paths")) or None,
        unprotect_paths=_list(inp("unprotect-paths")),
        python_version=python_version,
        max_bot_commits=_default(_int(inp("max-bot-commits"), "max-bot-commits", minimum=0), 3),
        allow_bots=_list(inp("allow-bots")),
        fail_on_findings=_bool(inp("fail-on-findings"), "fail-on-findings", default=True),
        bot_login=bot_login,
        bot_name=inp("bot-name") or bot_login,
        bot_email=inp("bot-email") or (DEFAULT_BOT_EMAIL if bot_login == DEFAULT_BOT_LOGIN
                                       else f"{bot_login}@users.noreply.github.com"),
        safety_db=safety_db,
        fork_fixes=fork_fixes,
        event_name=_runner(env, "GITHUB_EVENT_NAME"),
        event_path=Path(_runner(env, "GITHUB_EVENT_PATH")),
        api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        repository=repository,
        workspace=Path(_runner(env, "GITHUB_WORKSPACE")),
        output_path=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
        step_summary_path=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
        server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
    )


def _runner(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: `yantra action` runs inside a GitHub Actions job "
                          "(use `yantra check` / `yantra fix` locally)")
    return value


def _int(raw: str, name: str, *, minimum: int) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"input {name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"input {name} must be at least {minimum}, got {value}")
    return value


def _default(value: int | None, default: int) -> int:
    return default if value is None else value


def _float(raw: str, name: str) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"input {name} must be a number such as 2.5, got {raw!r}") from exc
    if not value > 0:
        raise ConfigError(f"input {name} must be greater than 0, got {raw!r}")
    return value


def _bool(raw: str, name: str, *, default: bool) -> bool:
    if not raw:
        return default
    if raw.lower() in ("true", "yes", "1", "on"):
        return True
    if raw.lower() in ("false", "no", "0", "off"):
        return False
    raise ConfigError(f"input {name} must be true or false, got {raw!r}")


def _list(raw: str) -> tuple[str, ...]:
    """Comma- or newline-separated values (YAML block scalars give newlines)."""
    return tuple(item.strip() for item in re.split(r"[,\n]", raw) if item.strip())
