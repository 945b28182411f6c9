"""The project's target Python version: `[tool.yantra] python-version`, else the lower bound of
`requires-python` (pyproject), `python_requires` (setup.cfg / setup.py), else the running interpreter."""

from __future__ import annotations

import re
import sys

from bot.config import Config

_LOWER = re.compile(r"(?:>=|~=|==|\^|>)\s*(\d+)\.(\d+)")
_SETUP = re.compile(r"python_requires\s*=\s*[\"']([^\"']+)[\"']")


def target_of(config: Config) -> tuple[int, int]:
    if config.gate.python_version is not None:
        return config.gate.python_version
    spec = config.requires_python or _setup_requires(config)
    bound = lower_bound(spec) if spec else None
    return bound or (sys.version_info[0], sys.version_info[1])


def lower_bound(spec: str) -> tuple[int, int] | None:
    """The smallest 3.x version `spec` allows (">=3.8,<4" -> (3, 8)); None when it has no lower bound."""
    found = [(int(a), int(b)) for a, b in _LOWER.findall(spec)]
    found = [v for v in found if v[0] == 3]
    return min(found) if found else None


def _setup_requires(config: Config) -> str | None:
    for name in ("setup.cfg", "setup.py"):
        path = config.root / name
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        m = _SETUP.search(text) or re.search(r"python_requires\s*=\s*([^\n#]+)", text)
        if m:
            return m.group(1).strip()
    return None
