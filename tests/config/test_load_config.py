from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.requires_python is None
    assert config.fix.max_attempts == 3
    assert config.fix.protected_paths == (".github/workflows/**",)


def test_requires_python_from_pyproject_wins_over_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9"\n')
    (tmp_path / "setup.cfg").write_text("[options]\npython_requires = >=3.7\n")
    assert load_config(tmp_path).requires_python == ">=3.9"


def test_requires_python_from_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n[options]\npython_requires = >=3.10\n")
    assert load_config(tmp_path).requires_python == ">=3.10"


def test_broken_setup_cfg_means_no_target(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("this is [not ini\n")
    assert load_config(tmp_path).requires_python is None


def test_fix_section_and_gate_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.yantra]\nexclude = ["docs/**"]\npython-version = "3.12"\n'
        '[tool.yantra.severity]\nimport-cycle = "off"\n'
        '[tool.yantra.fix]\nmax-attempts = 2\nprotected-paths = ["secrets/**"]\n')
    config = load_config(tmp_path)
    assert config.gate.exclude == ("docs/**",)
    assert config.gate.python_version == (3, 12)
    assert config.gate.severity == {"import-cycle": "off"}
    assert config.fix.max_attempts == 2
    assert config.fix.protected_paths == ("secrets/**",)


@pytest.mark.parametrize("text, needle", [
    ('[tool.yantra]\nexclud = ["x"]\n', "unknown key(s) in [tool.yantra]: exclud"),
    ('[tool.yantra.fix]\nmax-attempt = 2\n', "unknown key(s) in [tool.yantra.fix]: max-attempt"),
    ('[tool.yantra]\npython-version = "three"\n', "python-version must look like"),
    ('[tool.yantra.severity]\nmissing-symbol = "loud"\n', "levels are error, warning, off"),
    ("[tool.yantra\n", "not valid TOML"),
])
def test_invalid_configuration_says_what_is_wrong(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=None) as info:
        load_config(tmp_path)
    assert needle in str(info.value)
