"""`[tool.yantra]` is validated once: every wrong type or value is exit 2 with one line naming the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_config, parse_config
from bot.errors import ConfigError


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.requires_python is None
    assert config.fix.max_attempts == 3
    assert config.fix.protected_paths == ()  # additive to the pipeline's built-in set: nothing added


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
        '[tool.yantra]\nexclude = ["docs/**"]\npython-version = "3.12"\nroots = ["lib"]\n'
        'db-path = ".git/yantra/other.sqlite"\n'
        '[tool.yantra.severity]\nimport-cycle = "off"\n'
        '[tool.yantra.fix]\nmax-attempts = 2\nprotected-paths = ["secrets/**"]\nmax-dollars = 3\n'
        'embeddings = false\ntest-command = ["pytest", "-x"]\n')
    config = load_config(tmp_path)
    assert config.gate.exclude == ("docs/**",)
    assert config.gate.python_version == (3, 12)
    assert config.gate.severity == {"import-cycle": "off"}
    assert config.gate.roots == ("lib",) and config.gate.db_path == ".git/yantra/other.sqlite"
    assert config.fix.max_attempts == 2
    assert config.fix.protected_paths == ("secrets/**",)
    assert config.fix.max_dollars == 3.0 and isinstance(config.fix.max_dollars, float)
    assert config.fix.embeddings is False and config.fix.test_command == ("pytest", "-x")


def test_parse_config_from_given_texts(tmp_path: Path) -> None:
    """What a caller read from the index or a trusted base branch, without touching the files of `root`."""
    (tmp_path / "pyproject.toml").write_text('[tool.yantra]\nexclude = "ignored: not read"\n')
    config = parse_config(tmp_path, '[tool.yantra]\nexclude = ["gen/**"]\n', "[options]\npython_requires = >=3.11\n")
    assert config.root == tmp_path
    assert config.gate.exclude == ("gen/**",) and config.requires_python == ">=3.11"
    assert parse_config(tmp_path, None, None).gate.exclude == ()


def test_config_does_not_import_the_gate() -> None:
    code = "import sys, bot.config; print(sorted(m for m in sys.modules if m.startswith('bot.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "bot.gate" not in out and "bot.graph" not in out and "bot.config" in out


BAD = [
    ('[tool.yantra]\nexclude = "tests/*"\n',
     '[tool.yantra] exclude must be a list of strings, got a string "tests/*"'),
    ('[tool.yantra]\npython-version = 3.10\n', 'python-version must be a string: 3.10 is a TOML number'),
    ('[tool.yantra]\npython-version = 3\n', "python-version must be a version string"),
    ('[tool.yantra]\npython-version = "three"\n', 'python-version must be a version string such as "3.11", '
                                                  'got a string "three"'),
    ('[tool.yantra]\nexclud = ["x"]\n', 'unknown key "exclud" in [tool.yantra]; known keys: db-path, exclude'),
    ('[tool.yantra]\nroots = [1]\n', "[tool.yantra] roots must be a list of strings, got a list"),
    ('[tool.yantra]\ndb-path = 7\n', "[tool.yantra] db-path must be a string, got an integer 7"),
    ('[tool.yantra]\nexclude = ["\\\\"]\n', "[tool.yantra] exclude: '\\\\' is not a valid glob"),
    ('[tool.yantra]\nfix = "yes"\n', '[tool.yantra.fix] must be a table, got a string "yes"'),
    ('[tool]\nyantra = 1\n', "[tool.yantra] must be a table, got an integer 1"),
    ('[tool.yantra.fix]\nmax-attempt = 2\n', 'unknown key "max-attempt" in [tool.yantra.fix]; known keys:'),
    ('[tool.yantra.fix]\nmax-attempts = true\n', "[tool.yantra.fix] max-attempts must be an integer, got a boolean"),
    ('[tool.yantra.fix]\nmax-attempts = 0\n', "max-attempts must be an integer above 0, got an integer 0"),
    ('[tool.yantra.fix]\nmax-calls = 2.5\n', "max-calls must be an integer, got a float 2.5"),
    ('[tool.yantra.fix]\nmax-dollars = -1\n', "max-dollars must be a number of at least 0, got an integer -1"),
    ('[tool.yantra.fix]\nmax-tokens = -5\n', "max-tokens must be an integer of at least 0"),
    ('[tool.yantra.fix]\ntest-timeout = nan\n', "test-timeout must be a number above 0"),
    ('[tool.yantra.fix]\nembeddings = 1\n', "[tool.yantra.fix] embeddings must be true or false, got an integer 1"),
    ('[tool.yantra.fix]\nmodel = ["a"]\n', "[tool.yantra.fix] model must be a string, got a list"),
    ('[tool.yantra.fix]\ntest-command = "pytest -x"\n', "test-command must be a list of strings"),
    ('[tool.yantra.fix]\nprotected-paths = "secrets"\n', "protected-paths must be a list of strings"),
    ('[tool.yantra.severity]\nmissing-symbol = "loud"\n',
     '[tool.yantra.severity] missing-symbol must be one of error, warning, off, got a string "loud"'),
    ('[tool.yantra.severity]\nmissing-symbol = false\n', "missing-symbol must be one of error, warning, off"),
    ('[tool.yantra.severity]\nno-such-rule = "off"\n', 'unknown rule "no-such-rule" in [tool.yantra.severity]'),
    ('[tool.yantra]\nseverity = ["off"]\n', "[tool.yantra.severity] must be a table, got a list"),
    ("[tool.yantra\n", "pyproject.toml: not valid TOML"),
]


@pytest.mark.parametrize("text, needle", BAD)
def test_invalid_configuration_says_what_is_wrong(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert needle in message and message.startswith("pyproject.toml: ")
    assert "\n" not in message


def _git_repo(tmp_path: Path, pyproject: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    (root / "app.py").write_text("x = 1\n")
    (root / "pyproject.toml").write_text(pyproject)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


@pytest.mark.parametrize("text, needle", [BAD[0], BAD[1], BAD[4], BAD[11], BAD[14], BAD[21], BAD[23]])
def test_cli_exits_2_with_one_line_naming_the_key(tmp_path: Path, text: str, needle: str) -> None:
    root = _git_repo(tmp_path, text)
    for args in (["check"], ["check", "--all"], ["graph", "stats"]):
        proc = subprocess.run([sys.executable, "-m", "bot", *args], cwd=root, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"}, timeout=120)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, proc.stderr)
        assert lines[0].startswith("yantra: error: pyproject.toml: ")
