from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.scan.deps import DB_ENV, run_safety
from bot.scan.requirements import declared_requirements

META = {"advisory": "test metadata", "timestamp": 1700000000, "last_updated": "2023-11-14 00:00:00",
        "base_domain": "https://example.invalid", "schema_version": "2.0.0"}


def write_db(directory: Path, *, full: bool = True) -> Path:
    """A tiny safety database in safety's own format (schema 2.0.0)."""
    directory.mkdir(parents=True, exist_ok=True)
    short = {"meta": META, "vulnerable_packages": {"django": ["<3.2.20", ">=4.0,<4.1.10"], "PyYAML": ["<5.4"]}}
    (directory / "insecure.json").write_text(json.dumps(short))
    if full:
        full_db = {
            "meta": {**META, "severities": {"CVE-2023-36053": {"cvssv3": {"base_severity": "HIGH"}},
                                            "CVE-2020-14343": {"cvssv3": {"base_severity": "CRITICAL"}}}},
            "vulnerable_packages": {
                "django": [
                    {"specs": ["<3.2.20", ">=4.0,<4.1.10"], "advisory": "Django: potential ReDoS in EmailValidator.",
                     "transitive": False, "more_info_path": "/v/59293/f17",
                     "ids": [{"type": "pyup", "id": "59293"}, {"type": "cve", "id": "CVE-2023-36053"}]},
                ],
                "pyyaml": [
                    {"specs": ["<5.4"], "advisory": "PyYAML full_load allows arbitrary code execution.",
                     "transitive": False, "more_info_path": "/v/39611/f17",
                     "ids": [{"type": "pyup", "id": "39611"}, {"type": "cve", "id": "CVE-2020-14343"}]},
                ],
            },
        }
        (directory / "insecure_full.json").write_text(json.dumps(full_db))
    return directory


PYPROJECT = """\
[project]
name = "demo"
version = "1.0"
dependencies = [
    "Django==3.2.10",
    "requests>=2.31",
]

[project.optional-dependencies]
yaml = ["pyyaml==6.0.1"]
dev = ["demo[yaml]"]
"""


def test_vulnerable_pin_is_found(project, tmp_path):
    root = project({"pyproject.toml": PYPROJECT})
    result = run_safety(root, db=write_db(tmp_path / "db"))
    assert result.status == "ok"
    (finding,) = result.findings
    assert finding.scanner == "safety"
    assert finding.rule == "59293"
    assert finding.severity == "high"
    assert (finding.path, finding.line) == ("pyproject.toml", 5)
    assert "django==3.2.10" in finding.message and "CVE-2023-36053" in finding.message
    assert "EmailValidator" in finding.message
    # a range is not a pin: said so, never passed as clean
    assert "not checked (not pinned with ==): requests>=2.31" in result.reason


def test_safe_pins_are_clean(project, tmp_path):
    root = project({"requirements.txt": "django==4.2.7\npyyaml==6.0.1  # comment\n"})
    result = run_safety(root, db=write_db(tmp_path / "db"))
    assert result.status == "ok"
    assert result.findings == ()
    assert result.reason == ""


def test_requirements_files_and_includes(project, tmp_path):
    root = project({
        "requirements.txt": "-r requirements/base.txt\n--index-url https://example.invalid/simple\nflask\n",
        "requirements/base.txt": "PyYAML==5.3.1 \\\n    --hash=sha256:abc\ndjango==4.0.5\n",
    })
    result = run_safety(root, db=write_db(tmp_path / "db"))
    assert result.status == "ok"
    assert sorted((f.rule, f.path, f.line, f.severity) for f in result.findings) == [
        ("39611", "requirements/base.txt", 1, "high"),
        ("59293", "requirements/base.txt", 3, "high"),
    ]
    assert "flask" in result.reason


def test_short_database_only(project, tmp_path):
    root = project({"requirements.txt": "django==3.2.1\n"})
    result = run_safety(root, db=write_db(tmp_path / "db", full=False))
    assert result.status == "ok"
    assert [f.rule for f in result.findings] == ["django<3.2.20"]


def test_database_from_environment(project, tmp_path, monkeypatch):
    root = project({"requirements.txt": "django==3.2.1\n"})
    monkeypatch.setenv(DB_ENV, str(write_db(tmp_path / "db")))
    assert [f.rule for f in run_safety(root).findings] == ["59293"]


def test_no_database_is_not_checked(project, monkeypatch):
    monkeypatch.delenv(DB_ENV, raising=False)
    root = project({"requirements.txt": "django==3.2.1\n"})
    result = run_safety(root)
    assert result.status == "not-checked"
    assert "no local vulnerability database" in result.reason
    assert DB_ENV in result.reason


def test_only_unpinned_requirements_is_not_checked(project, tmp_path):
    root = project({"requirements.txt": "django>=3\nrequests\n"})
    result = run_safety(root, db=write_db(tmp_path / "db"))
    assert result.status == "not-checked"
    assert "django>=3" in result.reason and "requests" in result.reason


@pytest.mark.parametrize("content", ["not json", json.dumps({"meta": {"schema_version": "1.0"},
                                                             "vulnerable_packages": {}})])
def test_malformed_database_is_error(project, tmp_path, content):
    db = tmp_path / "db"
    db.mkdir()
    (db / "insecure.json").write_text(content)
    result = run_safety(project({"requirements.txt": "django==3.2.1\n"}), db=db)
    assert result.status == "error"
    assert "insecure.json" in result.reason


def test_empty_database_directory_is_error(project, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_safety(project({"requirements.txt": "django==3.2.1\n"}), db=tmp_path / "empty")
    assert result.status == "error"
    assert "no insecure.json" in result.reason


def test_no_dependencies(project, tmp_path):
    result = run_safety(project({"app.py": "x = 1\n"}), db=write_db(tmp_path / "db"))
    assert result.status == "ok"
    assert result.reason == "no declared dependencies"


def test_declared_requirements_skips_self_reference_and_reports_junk(project):
    root = project({"pyproject.toml": PYPROJECT, "requirements-dev.txt": "pytest==8.0.0\n???bad\n"})
    found, problems = declared_requirements(root)
    assert [(r.name, r.specifier, r.pinned_version) for r in found] == [
        ("django", "==3.2.10", "3.2.10"), ("requests", ">=2.31", None), ("pyyaml", "==6.0.1", "6.0.1"),
        ("pytest", "==8.0.0", "8.0.0")]
    assert problems == ["requirements-dev.txt:2: cannot parse '???bad'"]


def test_test_database_is_valid_for_safety_itself(tmp_path):
    """The database written above is what safety's own local-DB loader accepts."""
    from safety import safety  # a dependency of the package, never skipped
    db = write_db(tmp_path / "db")
    for name in ("insecure.json", "insecure_full.json"):
        assert safety.is_valid_database(safety.fetch_database_file(str(db), name))
    full = safety.fetch_database_file(str(db), "insecure_full.json")
    assert [v["ids"][0]["id"] for v in safety.get_vulnerabilities("django", "<3.2.20", full)] == ["59293"]
