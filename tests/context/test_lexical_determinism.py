"""BM25 scores are the same floats in every process, whatever the hash seed of `str` (which orders sets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_SCORE = """
import json, sys
from collections import Counter
from bot.context.lexical import Chunk, bm25
from bot.graph.model import Definition

words = [f"term{i}_part{i % 7}" for i in range(60)]
found = [Chunk("m.py", Definition(f"f{k}", f"f{k}", "function", k + 1, k + 1, 0),
               Counter({w: 1 + (k * 7 + i) % 5 for i, w in enumerate(words) if (i + k) % 3}), 40 + k)
         for k in range(30)]
query = " ".join(words) + " part1 part2 part3"
print(json.dumps({q: s.hex() for (_, q), s in bm25(found, query).items()}))
"""


def test_bm25_scores_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    outputs = set()
    for seed in range(6):
        env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(root)}
        done = subprocess.run([sys.executable, "-c", _SCORE], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=60, check=True)
        scores = json.loads(done.stdout)
        assert len(scores) == 30
        outputs.add(done.stdout)
    assert len(outputs) == 1
