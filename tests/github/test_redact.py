"""The Action's redactor: the run's own secrets and the scanner's shapes go, public git object ids stay."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from bot.github.publish import RedactingStream
from bot.github.redact import Redactor

TOKEN = "ghs_short_token_42"  # too plain for any detector: only the run's own list catches it
AWS = "AKIAQ3EGRZ7PXN4WLM2B"


def _repo(tmp_path: Path) -> tuple[Path, str]:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-qm", "c"],
                   check=True)
    sha = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], check=True, capture_output=True,
                         text=True).stdout.strip()
    return tmp_path, sha


def test_secrets_go_and_commit_ids_stay(tmp_path: Path) -> None:
    root, sha = _repo(tmp_path)
    redact = Redactor([TOKEN, "", None, "short"], root=root)
    unknown = "3f1c2e9a7b8d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"
    text = f'token {TOKEN} key {AWS}\n<!-- yantra:state {{"head_sha":"{sha}","x":"{unknown}"}} -->\n'
    out = redact(text)
    assert TOKEN not in out and AWS not in out
    assert f'"head_sha":"{sha}"' in out  # a commit of the repository: public
    assert unknown not in out  # a random 40-hex string that is no object: treated as a secret


def test_the_stream_redacts_whole_lines_and_flushes_the_rest(tmp_path: Path) -> None:
    sink = io.StringIO()
    stream = RedactingStream(sink, Redactor([TOKEN]))
    stream.write(f"first {TOKEN[:6]}")
    assert sink.getvalue() == ""  # a partial line waits: a secret split across writes is still seen whole
    stream.write(f"{TOKEN[6:]} end\nlast {TOKEN}")
    stream.close_pending()
    assert TOKEN not in sink.getvalue() and sink.getvalue().startswith("first ") and "last " in sink.getvalue()


def test_a_private_key_printed_a_line_at_a_time_is_redacted_whole() -> None:
    # base64 lines with no upper case: alone, none of them looks like a secret
    body = [f"{i:02d}" + "qwertyuiopasdfghjklzxcvbnm0123456789qwertyuiopasdfghjklzxcvbnm" for i in range(5)]
    key = ["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"]
    sink = io.StringIO()
    stream = RedactingStream(sink, Redactor([]))
    stream.write("before\n")
    for line in key:
        stream.write(line + "\n")
    stream.write("after\n")
    stream.close_pending()
    out = sink.getvalue()
    assert out.startswith("before\n") and out.endswith("after\n")
    assert not [line for line in body if line in out]
    assert "REDACTED" in out


def test_an_unterminated_key_block_is_not_held_forever() -> None:
    sink = io.StringIO()
    stream = RedactingStream(sink, Redactor([]))
    stream.write("-----BEGIN PRIVATE KEY-----\n")
    for i in range(500):
        stream.write(f"line {i}\n")
    assert sink.getvalue() != ""  # written out (redacted) once the cap is reached, not held to the end
    stream.close_pending()
