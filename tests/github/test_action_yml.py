"""action.yml itself: every input documented, used, and passed to the code only through the environment."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from bot.github.settings import INPUT_VARS, RUNNER_VARS

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]


def test_every_input_is_documented():
    for name, spec in ACTION["inputs"].items():
        assert isinstance(spec.get("description"), str) and len(spec["description"]) > 15, name


def test_no_expression_inside_any_run_script():
    runs = [step["run"] for step in STEPS if "run" in step]
    assert runs
    for script in runs:
        assert "${{" not in script, script


def test_every_input_reaches_the_environment_of_a_step():
    env_values = {k: v for step in STEPS for k, v in (step.get("env") or {}).items()}
    used = " ".join(str(v) for v in env_values.values()) + " " + " ".join(
        str(v) for step in STEPS for v in (step.get("with") or {}).values())
    for name in ACTION["inputs"]:
        assert f"${{{{ inputs.{name} }}}}" in used, f"input {name} is not passed to any step"
    for name, var in INPUT_VARS.items():
        assert env_values.get(var) == f"${{{{ inputs.{name} }}}}", f"{var} must carry inputs.{name}"
    assert set(INPUT_VARS) == set(ACTION["inputs"])


def test_every_variable_the_code_reads_is_set_by_action_yml_or_the_runner():
    env_values = {k for step in STEPS for k in (step.get("env") or {})}
    read: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):  # the whole package: scanners read their own variables
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    re.fullmatch(r"(YANTRA|GITHUB)_[A-Z_]+", node.value):
                read.add(node.value)
    assert read
    for var in read:
        assert var in env_values or var in RUNNER_VARS or var == "GITHUB_TOKEN", var
    for var in INPUT_VARS.values():
        assert var in env_values


def test_outputs_come_from_the_yantra_step():
    step_ids = {step.get("id") for step in STEPS}
    assert "yantra" in step_ids
    for name in ("verdict", "confidence", "commit-sha", "sarif-file"):
        assert ACTION["outputs"][name]["value"] == f"${{{{ steps.yantra.outputs.{name} }}}}"
        assert ACTION["outputs"][name]["description"]


def test_the_entry_point_runs_from_yantras_own_venv():
    run_step = next(step for step in STEPS if step.get("id") == "yantra")
    assert run_step["run"].strip() == "'$YANTRA_VENV/bin/yantra' action".replace("'", '"')
    assert run_step["env"]["YANTRA_VENV"] == "${{ runner.temp }}/yantra-venv"
    setup = next(step for step in STEPS if str(step.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    install = next(step for step in STEPS if "pip install" in step.get("run", ""))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}" and '"$ACTION_PATH[bot]"' in install["run"]
    assert '-m venv --system-site-packages "$YANTRA_VENV"' in install["run"]  # not the job's interpreter
    assert '-c "$ACTION_PATH/bot/github/constraints.txt"' in install["run"]  # pinned versions


def test_pins_are_exact_and_cover_the_heavy_dependencies():
    pins = [ln for ln in (ROOT / "bot/github/constraints.txt").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.+!]+", p) for p in pins), pins
    names = {p.split("==")[0].lower() for p in pins}
    assert {"semgrep", "anthropic", "pygithub", "detect-secrets", "pytest", "pytest-json-report"} <= names
    assert "gitpython" not in names  # git goes through bot/git.py


def test_caches_for_pip_and_the_graph():
    caches = [step["with"] for step in STEPS if str(step.get("uses", "")).startswith("actions/cache")]
    pip = next(c for c in caches if c["path"] == "~/.cache/pip")
    assert "steps.pins.outputs.hash" in pip["key"] and pip["restore-keys"]
    graph = next(c for c in caches if c["path"] == ".git/yantra/graph.sqlite")
    assert "github.event.pull_request.base.sha" in graph["key"]
    assert graph["key"].startswith(graph["restore-keys"])  # restored by prefix


def test_a_push_builds_the_graph_that_pull_requests_restore():
    """PR-scoped caches are invisible to other PRs: the base branch's push run must save the graph (keyed by the
    pushed commit, which is the base.sha of the PRs opened on it)."""
    cache = next(i for i, step in enumerate(STEPS) if step.get("with", {}).get("path") == ".git/yantra/graph.sqlite")
    assert "|| github.sha" in STEPS[cache]["with"]["key"]
    build = next(i for i, step in enumerate(STEPS) if "graph build" in step.get("run", ""))
    assert cache < build and STEPS[build]["if"] == "github.event_name == 'push'"
    assert STEPS[build]["run"].startswith('"$YANTRA_VENV/bin/yantra"')


def test_test_dependencies_are_installed_before_yantra_runs():
    names = [step.get("name", step.get("id", "")) for step in STEPS]
    setup = next(i for i, step in enumerate(STEPS) if "bot.github.setup_env" in step.get("run", ""))
    assert setup < names.index("Run Yantra")
    assert STEPS[setup]["env"]["YANTRA_SETUP_COMMAND"] == "${{ inputs.setup-command }}"


def test_dockerfile_runs_the_same_entry_point_as_non_root():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert '".[bot]"' in text and "git" in text
    assert re.search(r"^USER (?!root)\w+", text, re.MULTILINE)
    assert 'ENTRYPOINT ["yantra", "action"]' in text
