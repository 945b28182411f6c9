from __future__ import annotations

import socket
import stat
import textwrap
import threading
from pathlib import Path

import pytest
import yaml
from scan.rule_cases import CASES

from bot.scan.results import ScanResult, SecurityFinding
from bot.scan.semgrep import RULES_FILE, new_findings, run_semgrep

RULES = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"]


def expected_lines(source: str) -> set[int]:
    return {n for n, line in enumerate(source.splitlines(), 1) if line.rstrip().endswith("# expect")}


CREDENTIALS = 'import requests\nDB_PASSWORD = "s3cr3t-Pa55word"\nrequests.get("https://x", verify=False)\n'
EXTRA = {
    "extra/nosem.py": "def run(code):\n    return eval(code)  # nosemgrep\n",
    "extra/tests/test_login.py": CREDENTIALS,
    "extra/app/settings.py": CREDENTIALS,
}


@pytest.fixture(scope="module")
def case_scan(tmp_path_factory) -> ScanResult:
    """All rule cases and EXTRA in one semgrep run (semgrep's start-up dominates a run)."""
    root = tmp_path_factory.mktemp("rule-cases")
    files = dict(EXTRA)
    for rule, (bad, good) in CASES.items():
        files[f"{rule}/bad.py"] = bad
        files[f"{rule}/good.py"] = good
    for rel, source in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(source, encoding="utf-8")
    # a patch cannot hide files from the scan with an ignore file: explicit targets are always scanned
    (root / ".semgrepignore").write_text("extra/\n*.py\n")
    (root / ".gitignore").write_text("extra/\n")
    return run_semgrep(root, sorted(files))


def lines_reported(scan: ScanResult, rule: str, path: str) -> set[int]:
    return {f.line for f in scan.findings if f.rule == rule and f.path == path}


def test_at_least_15_rules_each_fully_described():
    assert len(RULES) >= 15
    for rule in RULES:
        assert rule["languages"] == ["python"]
        assert rule["severity"] in ("ERROR", "WARNING", "INFO")
        assert rule["message"].strip()
        assert rule["metadata"]["cwe"].startswith("CWE-")
        assert rule["metadata"]["owasp"].startswith("A")


def test_every_rule_has_cases():
    assert {r["id"] for r in RULES} == set(CASES)


def test_case_scan_ran(case_scan):
    assert case_scan.status == "ok", case_scan.reason
    assert case_scan.reason == ""


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_reports_the_bad_snippet(case_scan, rule):
    bad, _ = CASES[rule]
    assert expected_lines(bad), "a bad snippet marks at least one line"
    assert lines_reported(case_scan, rule, f"{rule}/bad.py") == expected_lines(bad)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_ignores_the_good_snippet(case_scan, rule):
    assert lines_reported(case_scan, rule, f"{rule}/good.py") == set()


def test_severity_and_message_mapping(case_scan):
    severities = {r["id"]: r["severity"] for r in RULES}
    mapping = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
    assert case_scan.findings
    for finding in case_scan.findings:
        assert finding.scanner == "semgrep"
        assert finding.severity == mapping[severities[finding.rule]]
        assert finding.message and "\n" not in finding.message
    sql = [f for f in case_scan.findings if f.rule == "sql-injection-string-building"]
    assert sql and sql[0].severity == "high"


def test_nosemgrep_comments_and_ignore_files_do_not_silence_findings(case_scan):
    assert [(f.rule, f.line) for f in case_scan.findings if f.path == "extra/nosem.py"] == [
        ("eval-exec-non-literal", 2)]


def test_test_files_are_exempt_from_credential_rules(case_scan):
    reported = {(f.path, f.rule) for f in case_scan.findings if f.path.startswith("extra/") and
                f.path != "extra/nosem.py"}
    assert reported == {("extra/app/settings.py", "hardcoded-password"),
                        ("extra/app/settings.py", "tls-verification-disabled")}


def test_no_files_is_ok_without_running(project):
    root = project({"README.md": "hi\n"})
    result = run_semgrep(root, ["gone.py"], executable="/nonexistent/semgrep")
    assert result.status == "ok"
    assert result.findings == ()


def test_missing_executable_is_not_checked(project):
    root = project({"app.py": "eval(input())\n"})
    result = run_semgrep(root, ["app.py"], executable=str(root / "no-such-semgrep"))
    assert result.status == "not-checked"
    assert "could not start" in result.reason
    assert result.findings == ()


def test_failing_executable_is_error(project, tmp_path):
    root = project({"app.py": "eval(input())\n"})
    fake = tmp_path / "semgrep"
    fake.write_text("#!/bin/sh\necho 'semgrep: internal failure' >&2\nexit 2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = run_semgrep(root, ["app.py"], executable=str(fake))
    assert result.status == "error"
    assert "internal failure" in result.reason


def test_broken_rules_file_is_error(project, tmp_path):
    root = project({"app.py": "eval(input())\n"})
    rules = tmp_path / "bad.yml"
    rules.write_text("rules:\n  - id: x\n    pattern: eval(\n")
    result = run_semgrep(root, ["app.py"], rules=rules)
    assert result.status == "error"
    assert result.reason


def _finding(rule: str, path: str, line: int) -> SecurityFinding:
    return SecurityFinding("semgrep", rule, "high", path, line, "m")


def test_new_findings_match_by_line_text_not_number(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    (before / "app.py").write_text("def f(code):\n    return eval(code)\n")
    (after / "app.py").write_text(textwrap.dedent("""\
        import os


        def f(code):
            return eval(code)


        def g(cmd):
            os.system(cmd)
            return   eval(code)
    """))
    baseline = [_finding("eval", "app.py", 2)]
    current = [_finding("eval", "app.py", 5), _finding("system", "app.py", 9), _finding("eval", "app.py", 10)]
    fresh = new_findings(after, current, before, baseline)
    # the moved eval is old; a second copy of the same line text is new
    assert [(f.rule, f.line) for f in fresh] == [("system", 9), ("eval", 10)]


def test_rules_file_is_package_data():
    assert RULES_FILE.is_file()
    assert RULES_FILE.parent == Path(__file__).resolve().parents[2] / "bot" / "scan" / "rules"


def test_semgrep_makes_no_network_requests(project, monkeypatch):
    """Every HTTP(S) request semgrep could make (metrics, version check, registry) would go to this proxy."""
    connections: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            connections.append(conn.recv(200))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    proxy = f"http://127.0.0.1:{server.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        result = run_semgrep(project({"app.py": "eval(input())\n"}), ["app.py"])
    finally:
        stop.set()
        thread.join()
        server.close()
    assert result.status == "ok"
    assert [f.rule for f in result.findings] == ["eval-exec-non-literal"]
    assert connections == []
