"""Tests and security scanners run on a proposed change.

- `bot.scan.tests`: run_tests, TestRun, TestFailure, regressions, related_tests, run_related_then_suite
- `bot.scan.security`: run_security -> [semgrep, secrets, safety] results
- `bot.scan.semgrep` (shipped rules, offline), `bot.scan.deps` (local safety database),
  `bot.scan.secrets` (detect-secrets), `bot.scan.results` (ScanResult, SecurityFinding)

Nothing here is imported on the pre-commit path; heavy tools run as subprocesses or are imported lazily.
"""
