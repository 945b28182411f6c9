"""SEARCH blocks quoted from compressed context (no comments, no blank lines) applied to the real file."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.context.compress import compress_python
from bot.llm.apply import apply_edits
from bot.llm.edits import Edit, EditError

ROOT = Path(__file__).resolve().parents[2]


def apply_one(tmp_path: Path, source: str, search: str, replace: str, name: str = "m.py") -> str:
    (tmp_path / name).write_text(source)
    assert apply_edits(tmp_path, [Edit(name, search, replace)]) == [name]
    return (tmp_path / name).read_text()


def test_search_across_a_blank_line(tmp_path: Path) -> None:
    source = "def f(x):\n    y = x + 1\n\n    return y\n"
    after = apply_one(tmp_path, source, "    y = x + 1\n    return y\n", "    y = x + 2\n    return y\n")
    assert after == "def f(x):\n    y = x + 2\n\n    return y\n"


def test_search_across_a_comment_line_keeps_comments_outside_the_span(tmp_path: Path) -> None:
    source = ("# header\nimport os\n\n\n# why f exists\ndef f(x):\n    # add one\n    return x + 1\n"
              "# trailing note\n\nVALUE = 2\n")
    after = apply_one(tmp_path, source, "def f(x):\n    return x + 1\n", "def f(x):\n    return x - 1\n")
    assert after == ("# header\nimport os\n\n\n# why f exists\ndef f(x):\n    return x - 1\n"
                     "# trailing note\n\nVALUE = 2\n")


def test_comment_lines_among_unchanged_lines_survive(tmp_path: Path) -> None:
    source = "def f(x):\n    a = 1\n    # keep me\n\n    b = 2\n    return a + b + x\n"
    search = "def f(x):\n    a = 1\n    b = 2\n    return a + b + x\n"
    after = apply_one(tmp_path, source, search, search.replace("a + b + x", "a * b * x"))
    assert after == "def f(x):\n    a = 1\n    # keep me\n\n    b = 2\n    return a * b * x\n"


def test_trailing_comment_on_a_matched_line(tmp_path: Path) -> None:
    source = "def f(x):\n    a = 1  # the base\n    b = x  # the input\n    return a + b\n"
    search = "    a = 1\n    b = x\n    return a + b\n"
    after = apply_one(tmp_path, source, search, "    a = 1\n    b = -x\n    return a + b\n")
    assert after == "def f(x):\n    a = 1  # the base\n    b = -x\n    return a + b\n"


def test_search_that_copies_the_trailing_comment_across_a_blank_line(tmp_path: Path) -> None:
    source = "a = 1  # one\n\nb = 2\n"
    after = apply_one(tmp_path, source, "a = 1  # one\nb = 2\n", "a = 1  # one\nb = 3\n")
    assert after == "a = 1  # one\n\nb = 3\n"


def test_hash_inside_a_string_is_code(tmp_path: Path) -> None:
    source = 'URL = "http://x/#frag"  # the page\n\nCOLOR = "#fff"\n'
    after = apply_one(tmp_path, source, 'URL = "http://x/#frag"\nCOLOR = "#fff"\n',
                      'URL = "http://x/#top"\nCOLOR = "#fff"\n')
    assert after == 'URL = "http://x/#top"\n\nCOLOR = "#fff"\n'


def test_a_string_is_not_cut_at_its_hash(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text('URL = "http://x/#frag"\n\nCOLOR = 1\n')
    with pytest.raises(EditError, match="SEARCH was not found"):
        apply_edits(tmp_path, [Edit("m.py", 'URL = "http://x/"\nCOLOR = 1\n', 'URL = ""\nCOLOR = 1\n')])


def test_lines_inside_a_triple_quoted_string_are_not_skipped(tmp_path: Path) -> None:
    source = 'DOC = """a\n# not a comment\n\nb"""\nX = 1  # note\n'
    search = 'DOC = """a\n# not a comment\n\nb"""\nX = 1\n'
    after = apply_one(tmp_path, source, search, search.replace("X = 1", "X = 2"))
    assert after == 'DOC = """a\n# not a comment\n\nb"""\nX = 2\n'
    (tmp_path / "m.py").write_text(source)
    with pytest.raises(EditError, match="SEARCH was not found"):
        apply_edits(tmp_path, [Edit("m.py", 'DOC = """a\nb"""\nX = 1\n', 'DOC = """a\nb"""\nX = 2\n')])


def test_ambiguous_compressed_search_raises_and_writes_nothing(tmp_path: Path) -> None:
    source = "if a:\n    x = 1\n    # first\n    y = 2\nif b:\n    x = 1\n\n    y = 2\n"
    (tmp_path / "m.py").write_text(source)
    with pytest.raises(EditError, match=r"matches 2 places \(lines 2, 6\).*more surrounding lines"):
        apply_edits(tmp_path, [Edit("m.py", "x = 1\ny = 2\n", "x = 1\ny = 3\n")])
    assert (tmp_path / "m.py").read_text() == source
    after = apply_one(tmp_path, source, "if b:\n    x = 1\n    y = 2\n", "if b:\n    x = 1\n    y = 3\n")
    assert after == source.replace("\n\n    y = 2\n", "\n\n    y = 3\n")


def test_an_exact_match_that_is_ambiguous_in_the_compressed_view_raises(tmp_path: Path) -> None:
    source = "def f():\n    x = 1\n    # why\n    y = 2\n\n\ndef g():\n    x = 1\n    y = 2\n"
    (tmp_path / "m.py").write_text(source)
    for search in ("    x = 1\n    y = 2\n", "x = 1\n  y = 2\n"):  # exact, then whitespace-tolerant
        with pytest.raises(EditError, match=r"matches 2 places \(lines 2, 8\)"):
            apply_edits(tmp_path, [Edit("m.py", search, search.replace("2", "3"))])
    assert (tmp_path / "m.py").read_text() == source
    quoted = "    x = 1\n    # why\n    y = 2\n"  # the real text, comment included: one place
    assert apply_one(tmp_path, source, quoted, quoted.replace("2", "3")) == source.replace("# why\n    y = 2",
                                                                                         "# why\n    y = 3")


def test_reindents_the_replacement(tmp_path: Path) -> None:
    source = "class C:\n    def f(self):\n        a = 1  # x\n\n        return a\n"
    after = apply_one(tmp_path, source, "def f(self):\n    a = 1\n    return a\n",
                      "def f(self):\n    a = 1\n    return a + 1\n")
    assert after == "class C:\n    def f(self):\n        a = 1  # x\n\n        return a + 1\n"


def test_crlf_and_a_last_line_without_newline(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_bytes(b"a = 1  # one\r\n\r\nb = 2")
    apply_edits(tmp_path, [Edit("w.py", "a = 1\nb = 2\n", "a = 1\nb = 2\nc = 3\n")])
    assert (tmp_path / "w.py").read_bytes() == b"a = 1  # one\r\n\r\nb = 2\r\nc = 3"


def test_redacted_values_across_a_comment(tmp_path: Path) -> None:
    secret = "Zx9-very-secret-Q"
    (tmp_path / "settings.py").write_text(f'DEBUG = True\n# credentials\nPASSWORD = "{secret}"  # rotate\n')
    edit = Edit("settings.py", 'DEBUG = True\nPASSWORD = "«REDACTED:Secret Keyword»"\n',
                'DEBUG = False\nPASSWORD = "«REDACTED:Secret Keyword»"\n')
    apply_edits(tmp_path, [edit])
    expected = f'DEBUG = False\n# credentials\nPASSWORD = "{secret}"  # rotate\n'
    assert (tmp_path / "settings.py").read_text() == expected


def test_only_python_files_are_matched_without_comments(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("intro\n# Heading\nbody\n")
    with pytest.raises(EditError, match="SEARCH was not found"):
        apply_edits(tmp_path, [Edit("notes.md", "intro\nbody\n", "intro\nchanged\n")])


def test_search_must_start_and_end_on_code(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("a = 1\n\nb = 2\n")
    with pytest.raises(EditError, match="SEARCH was not found"):
        apply_edits(tmp_path, [Edit("m.py", "# invented\na = 1\nb = 2\n", "a = 1\nb = 3\n")])


@pytest.mark.parametrize("relative", ["bot/context/compress.py", "bot/llm/apply.py"])
def test_three_compressed_lines_of_a_real_file(tmp_path: Path, relative: str) -> None:
    original = (ROOT / relative).read_text()
    lines = compress_python(original).text.splitlines(keepends=True)
    picks = [i for i in range(len(lines) - 2)
             if "".join(lines[i:i + 3]) not in original  # a comment or blank line in between, or at an end
             and sum(lines[j:j + 3] == lines[i:i + 3] for j in range(len(lines) - 2)) == 1]
    assert len(picks) >= 2, "the file should have comments or blank lines inside code"
    for i in (picks[0], picks[len(picks) // 2]):
        (tmp_path / "m.py").write_text(original)
        following = lines[i + 3] if i + 3 < len(lines) else lines[i + 2]  # (the third line may end a signature)
        indent = following[:len(following) - len(following.lstrip())]
        marker = f"{indent}INSERTED_BY_TEST = {i}\n"
        apply_edits(tmp_path, [Edit("m.py", "".join(lines[i:i + 3]), "".join(lines[i:i + 3]) + marker)])
        after = (tmp_path / "m.py").read_text()
        assert compress_python(after).text == "".join(lines[:i + 3]) + marker + "".join(lines[i + 3:])
        diff = [d for d in difflib.ndiff(original.splitlines(True), after.splitlines(True)) if d[0] in "+-?"]
        assert diff == ["+ " + marker]  # nothing else changed: every comment and blank line is still there


@pytest.mark.parametrize("relative", ["bot/context/compress.py", "bot/llm/apply.py"])
def test_changing_the_middle_of_three_compressed_lines_of_a_real_file(tmp_path: Path, relative: str) -> None:
    original = (ROOT / relative).read_text()
    lines = compress_python(original).text.splitlines(keepends=True)
    i = next(i for i in range(len(lines) - 2)
             if "".join(lines[i:i + 3]) not in original
             and sum(lines[j:j + 3] == lines[i:i + 3] for j in range(len(lines) - 2)) == 1)
    (tmp_path / "m.py").write_text(original)
    changed = lines[i + 1].rstrip("\n") + "  or CHANGED\n"
    apply_edits(tmp_path, [Edit("m.py", "".join(lines[i:i + 3]), lines[i] + changed + lines[i + 2])])
    after = (tmp_path / "m.py").read_text()
    assert compress_python(after).text == "".join(lines[:i + 1]) + changed + "".join(lines[i + 2:])
    diff = [d for d in difflib.ndiff(original.splitlines(True), after.splitlines(True)) if d[0] in "+-"]
    assert [d for d in diff if d[0] == "+"] == ["+ " + changed]
    removed = [d[2:] for d in diff if d[0] == "-"]
    assert removed[-1].startswith(lines[i + 1].rstrip("\n"))  # the row itself, with its comment if it had one
    assert all(line.lstrip().startswith("#") for line in removed[:-1])  # and only comment lines above it


def test_blank_lines_stay_when_the_row_after_them_changes(tmp_path: Path) -> None:
    source = "def f():\n    return 1  # one\n\n\ndef g(a):\n    return a\n"
    search = "    return 1\ndef g(a):\n"
    after = apply_one(tmp_path, source, search, "    return 1\ndef g(a, b=0):\n")
    assert after == "def f():\n    return 1  # one\n\n\ndef g(a, b=0):\n    return a\n"


def test_a_removed_row_takes_its_comment_along(tmp_path: Path) -> None:
    source = "a = 1\n# b is obsolete\nb = 2  # really\n\nc = 3\n"
    assert apply_one(tmp_path, source, "a = 1\nb = 2\nc = 3\n", "a = 1\nc = 3\n") == "a = 1\n\nc = 3\n"
