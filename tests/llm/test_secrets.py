"""bot.scan.secrets: detect-secrets (offline) plus key-shape regexes over prompts and diffs."""

from __future__ import annotations

import pytest

from bot.scan.secrets import redact, scan_diff, scan_text

AWS = "AKIAZ7QW3RT5YU8IO2PA"
GHP = "ghp_Xr4nd0mT0k3nV4lu3F0rT3st1ngXYZ123456"
PAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS"
ANT = "sk-ant-api03-Qm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
SLACK = "xoxb-123456789012-1234567890123-abcdefghijabcdefghijabcd"
KEY_BODY = "MIIEowIBAAKCAQEAx3kq9ZTf0aQ1bRsT"
PRIVATE_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\nZm9vYmFy==\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(("line", "kind"), [
    (f'AWS_ACCESS_KEY_ID = "{AWS}"', "AWS Access Key"),
    (f"token: {GHP}", "GitHub Token"),
    (f"export GH_TOKEN={PAT}", "GitHub Token"),
    (f'client = Anthropic(api_key="{ANT}")', "Anthropic API Key"),
    (f'SLACK = "{SLACK}"', "Slack Token"),
    ('password = "Tr0ub4dor&3-horse"', "Secret Keyword"),
    ("db_password: 'correct-horse-battery'", "Secret Keyword"),
    ('url = "postgres://app:s3cr3tpass@db.internal/app"', "Basic Auth Credentials"),
    ('aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "AWS Secret Key"),
])
def test_scan_text_finds_common_key_shapes(line: str, kind: str) -> None:
    hits = scan_text(f"import os\n{line}\n")
    assert [(h.line, h.type) for h in hits] == [(2, kind)]
    assert len(hits[0].secret_hash) == 40


def test_private_key_blocks_are_one_secret() -> None:
    hits = scan_text(f"x = 1\n{PRIVATE_KEY}\ny = 2\n")
    assert [(h.line, h.type) for h in hits] == [(2, "Private Key")]
    text, count = redact(f"x = 1\n{PRIVATE_KEY}\ny = 2\n")
    assert (text, count) == ("x = 1\n«REDACTED:Private Key»\ny = 2\n", 1)


@pytest.mark.parametrize("line", [
    "def login(password):\n    return check(password)",
    'SECRET_KEY = os.environ["SECRET_KEY"]',
    'password = ""',
    'api_key = "${API_KEY}"',
    "import hashlib",
])
def test_ordinary_code_is_not_a_secret(line: str) -> None:
    assert scan_text(line + "\n") == []
    assert redact(line + "\n") == (line + "\n", 0)


def test_hits_never_carry_the_secret() -> None:
    hits = scan_text(f'AWS = "{AWS}"\nTOKEN = "{GHP}"\n')
    rendered = repr(hits) + "".join(h.describe() for h in hits)
    assert AWS not in rendered and GHP not in rendered


def test_redact_replaces_every_value_and_keeps_the_rest() -> None:
    text = f'A = "{AWS}"\nB = "{GHP}"\nC = "{ANT}"\nD = 1\nagain = "{AWS}"\n'
    redacted, count = redact(text)
    assert count == 4
    assert redacted == ('A = "«REDACTED:AWS Access Key»"\nB = "«REDACTED:GitHub Token»"\n'
                        'C = "«REDACTED:Anthropic API Key»"\nD = 1\nagain = "«REDACTED:AWS Access Key»"\n')
    assert redact(redacted) == (redacted, 0)  # redacting twice changes nothing


DIFF = f"""diff --git a/app/settings.py b/app/settings.py
index 1111111..2222222 100644
--- a/app/settings.py
+++ b/app/settings.py
@@ -1,4 +1,5 @@
 import os
-OLD_TOKEN = "{GHP}"
+DEBUG = False
+STRIPE_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
 NAME = "x"
+AWS_KEY = "{AWS}"
diff --git a/README.md b/README.md
--- a/README.md
+++ b/README.md
@@ -10,2 +10,3 @@
 Intro
+Set `password = "hunter2hunter2"` in your config.
 End
"""


def test_scan_diff_reports_added_secrets_with_their_new_line_numbers() -> None:
    result = scan_diff(DIFF)
    assert result.scanner == "secrets" and result.status == "ok"
    found = [(f.path, f.line, f.rule, f.severity) for f in result.findings]
    assert found == [("README.md", 11, "Secret Keyword", "high"),
                     ("app/settings.py", 3, "Stripe Access Key", "high"),
                     ("app/settings.py", 5, "AWS Access Key", "high")]
    assert GHP not in repr(result)  # removed lines are not findings, and values never appear
    assert all(AWS not in f.message for f in result.findings)


def test_scan_diff_of_clean_changes_is_ok_and_empty() -> None:
    diff = ("--- a/m.py\n+++ b/m.py\n@@ -1 +1,2 @@\n x = 1\n+y = compute(x)\n")
    result = scan_diff(diff)
    assert result.status == "ok" and result.findings == ()


def test_scan_diff_new_file() -> None:
    diff = f"diff --git a/k.py b/k.py\nnew file mode 100644\n--- /dev/null\n+++ b/k.py\n@@ -0,0 +1,2 @@\n+x = 1\n+K = '{ANT}'\n"
    assert [(f.path, f.line, f.rule) for f in scan_diff(diff).findings] == [("k.py", 2, "Anthropic API Key")]


def test_scan_diff_follows_hunk_lengths_not_lookalike_headers() -> None:
    diff = (f'--- "a/my notes.txt"\n+++ "b/my notes.txt"\n@@ -1,2 +1,3 @@\n keep\n+++ key {AWS}\n-gone\n+x\n'
            f"\\ No newline at end of file\n")
    assert [(f.path, f.line, f.rule) for f in scan_diff(diff).findings] == [("my notes.txt", 2, "AWS Access Key")]


def test_a_found_value_is_redacted_wherever_it_appears() -> None:
    value = "Zr8Kp2Wq9Xv4Ty7Mn3Bc6Ld1Fg5Hj0Sa8Ue2Io4P"
    failure = (f'calc/settings.py:\nAWS_SECRET_ACCESS_KEY = "{value}"\n\ntests/test_settings.py::test_key FAILED\n'
               f"E       AssertionError: assert equal\nE         - {value}\nE         + x\n")
    redacted, count = redact(failure)
    assert value not in redacted and count == 2
    assert redacted.count("«REDACTED:AWS Secret Key»") == 2


def test_bare_random_tokens_are_redacted_but_identifiers_and_hashes_are_not() -> None:
    token = "Qm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2Fy5"
    text = (f"log: authenticated with {token}\n"
            "def test_planted_secrets_never_reach_the_server_in_attempt_2(): pass\n"
            "commit e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n")
    redacted, count = redact(text)
    assert token not in redacted and count == 1
    assert "test_planted_secrets_never_reach_the_server_in_attempt_2" in redacted
    assert "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" in redacted
