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
