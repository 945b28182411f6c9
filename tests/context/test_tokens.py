import os
import subprocess
import sys
from pathlib import Path

from bot.context.tokens import bpe_file, count_many, count_tokens, encoder


def test_known_cl100k_counts():
    # Reference values from tiktoken's own documentation and the published cl100k_base vocabulary.
    assert encoder().encode_ordinary("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]
    assert count_tokens("hello world") == 2
    # From OpenAI's "How to count tokens with tiktoken" cookbook (cl100k_base column).
    assert encoder().encode_ordinary("antidisestablishmentarianism") == [519, 85342, 34500, 479, 8997, 2191]
    assert encoder().encode_ordinary("2 + 2 = 4") == [17, 489, 220, 17, 284, 220, 19]
    assert count_tokens("お誕生日おめでとう") == 9
    assert count_tokens("") == 0
    assert count_tokens("def f(x):\n    return x + 1\n") == len(encoder().encode_ordinary("def f(x):\n    return x + 1\n"))


def test_special_token_text_counts_as_plain_text():
    assert count_tokens("<|endoftext|>") > 1


def test_count_many_matches_count_tokens():
    texts = ["a b c", "import os\n", "ünïcødé ✓"]
    assert count_many(texts) == [count_tokens(t) for t in texts]


def test_bpe_file_is_the_bundled_local_copy():
    path = bpe_file()
    assert path.is_file()
    assert path.name in ("cl100k_base.tiktoken", "9b5ad71b2ce5302211f9c61530b329a4922fc6a4")


def test_counting_never_downloads(tmp_path: Path):
    # A fresh process with an empty tiktoken cache and an unusable proxy still counts, and writes no cache.
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    code = ("import sys\nfrom bot.context.tokens import count_tokens\nprint(count_tokens('hello world'))\n"
            "print('requests' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "False"]
    assert list(cache.iterdir()) == []


def test_ranks_are_the_official_files_own_ranks():
    # The table takes a token's line number as its rank: the official file (SHA-256 checked) ranks them so.
    import base64

    from bot.context.tokens import _parse_ranks

    rows = [row.split() for row in bpe_file().read_bytes().splitlines() if row]
    assert _parse_ranks(bpe_file()) == {base64.b64decode(token): int(rank) for token, rank in rows}
