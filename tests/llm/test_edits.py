"""The edit format: parsing answers (malformed ones are data) and applying edits to a real tree."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import YantraError
from bot.llm.apply import apply_edits, snapshot
from bot.llm.edits import (
    EDIT_FORMAT_INSTRUCTIONS,
    Edit,
    EditError,
    Malformed,
    ParsedAnswer,
    parse_answer,
    path_problem,
    render_patch,
)

GOOD = """The off-by-one is in `total`.

pkg/calc.py
<<<<<<< SEARCH
def total(xs):
    return sum(xs) + 1
=======
def total(xs):
    return sum(xs)
>>>>>>> REPLACE

CONFIDENCE: 0.85
"""


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


def parsed(text: str, root: Path | None = None) -> ParsedAnswer:
    answer = parse_answer(text, root)
    assert isinstance(answer, ParsedAnswer), answer
    return answer


def malformed(text: str, root: Path | None = None) -> str:
    answer = parse_answer(text, root)
    assert isinstance(answer, Malformed), answer
    return answer.reason


def test_parses_blocks_confidence_and_explanation() -> None:
    answer = parsed(GOOD)
    assert answer.edits == (Edit("pkg/calc.py", "def total(xs):\n    return sum(xs) + 1\n",
                                 "def total(xs):\n    return sum(xs)\n"),)
    assert answer.confidence == 0.85
    assert answer.explanation == "The off-by-one is in `total`."


def test_instructions_describe_the_format_the_parser_reads() -> None:
    assert "<<<<<<< SEARCH" in EDIT_FORMAT_INSTRUCTIONS and "CONFIDENCE: 0.85" in EDIT_FORMAT_INSTRUCTIONS
    example = EDIT_FORMAT_INSTRUCTIONS[EDIT_FORMAT_INSTRUCTIONS.index("path/to/file.py"):]
    example = example[:example.index(">>>>>>> REPLACE") + len(">>>>>>> REPLACE")]
    assert parsed(example + "\nCONFIDENCE: 0.5").edits[0].path == "path/to/file.py"


def test_tolerates_fences_markdown_paths_percentages_and_repeated_path() -> None:
    text = ("```python\n**`a.py`**\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
            "<<<<<<< SEARCH\ny = 1\n=======\ny = 2\n>>>>>>> REPLACE\n```\n**Confidence:** 90%\n")
    answer = parsed(text)
    assert [e.path for e in answer.edits] == ["a.py", "a.py"]
    assert answer.confidence == pytest.approx(0.9)


def test_new_file_block_has_empty_search() -> None:
    answer = parsed(block("pkg/new.py", "", "VALUE = 1\n") + "CONFIDENCE: 1\n")
    assert answer.edits == (Edit("pkg/new.py", "", "VALUE = 1\n"),)


def test_unified_diff_in_a_fence() -> None:
    text = ("```diff\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n@@ -1,2 +1,2 @@\n def total(xs):\n"
            "-    return sum(xs) + 1\n+    return sum(xs)\n--- /dev/null\n+++ b/pkg/extra.py\n@@ -0,0 +1 @@\n"
            "+X = 1\n```\nCONFIDENCE: 0.7\n")
    answer = parsed(text)
    assert answer.edits == (
        Edit("pkg/calc.py", "def total(xs):\n    return sum(xs) + 1\n", "def total(xs):\n    return sum(xs)\n"),
        Edit("pkg/extra.py", "", "X = 1\n"))


@pytest.mark.parametrize(("text", "reason"), [
    ("I could not find the bug.\nCONFIDENCE: 0.2", "no SEARCH/REPLACE blocks"),
    ("", "no SEARCH/REPLACE blocks"),
    (GOOD.replace("CONFIDENCE: 0.85", ""), "no CONFIDENCE line"),
    (GOOD.replace("0.85", "high"), "CONFIDENCE must be a number"),
    (GOOD.replace("0.85", "1.5"), "between 0 and 1"),
    (GOOD.replace(">>>>>>> REPLACE", ""), "unterminated"),
    (GOOD.replace("=======\n", ""), "expected ======="),
    ("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n<<<<<<< SEARCH\n", "expected >>>>>>> REPLACE"),
    ("Here is the fix:\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\nCONFIDENCE: 1", "file path"),
    (block("/etc/passwd", "x\n", "y\n") + "CONFIDENCE: 1", "absolute paths"),
    (block("C:/x.py", "x\n", "y\n") + "CONFIDENCE: 1", "absolute paths"),
    (block("../outside.py", "x\n", "y\n") + "CONFIDENCE: 1", "escapes the repository"),
    (block("pkg/../../outside.py", "x\n", "y\n") + "CONFIDENCE: 1", "escapes the repository"),
    (block(".git/hooks/pre-commit", "", "y\n") + "CONFIDENCE: 1", "under .git"),
    (block("a.py", "x\n", "x\n") + "CONFIDENCE: 1", "changes nothing"),
    ("```diff\n--- a/a.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n```\nCONFIDENCE: 1", "deleting files"),
    ("```diff\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n", "not closed"),
])
def test_malformed_answers_are_data_with_a_reason(text: str, reason: str) -> None:
    assert reason in malformed(text)


def test_checks_against_the_tree_when_given_a_root(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    assert "file exists" in malformed(block("a.py", "", "x = 2\n") + "CONFIDENCE: 1", tmp_path)
    assert "does not exist" in malformed(block("b.py", "x = 1\n", "x = 2\n") + "CONFIDENCE: 1", tmp_path)
    assert parsed(block("a.py", "x = 1\n", "x = 2\n") + "CONFIDENCE: 1", tmp_path)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "calc.py").write_text(
        "def total(xs):\n    return sum(xs) + 1\n\n\nclass Box:\n    def total(self):\n        return 0\n\n"
        "    def size(self):\n        return 0\n")
    return tmp_path


def test_apply_exact_match(repo: Path) -> None:
    assert apply_edits(repo, parsed(GOOD).edits) == ["pkg/calc.py"]
    assert (repo / "pkg/calc.py").read_text().startswith("def total(xs):\n    return sum(xs)\n\n")


def test_apply_whitespace_tolerant_match_reindents_the_replacement(repo: Path) -> None:
    edit = Edit("pkg/calc.py", "def size(self):\n  return   0\n", "def size(self):\n    return 1\n")
    apply_edits(repo, [edit])
    assert "    def size(self):\n        return 1\n" in (repo / "pkg/calc.py").read_text()


def test_apply_ambiguous_search_raises_and_writes_nothing(repo: Path) -> None:
    before = (repo / "pkg/calc.py").read_text()
    edits = [Edit("pkg/new.py", "", "X = 1\n"), Edit("pkg/calc.py", "        return 0\n", "        return 1\n")]
    with pytest.raises(EditError, match=r"matches 2 places \(lines 7, 10\).*more surrounding lines"):
        apply_edits(repo, edits)
    assert (repo / "pkg/calc.py").read_text() == before
    assert not (repo / "pkg/new.py").exists()


def test_apply_missing_search_names_the_closest_line(repo: Path) -> None:
    edit = Edit("pkg/calc.py", "def totl(xs):\n    return sum(xs) - 1\n", "x\n")
    with pytest.raises(EditError, match=r"SEARCH was not found \(the closest line is 1: 'def total\(xs\):'\)"):
        apply_edits(repo, [edit])


def test_apply_new_file_and_refuses_to_overwrite(repo: Path) -> None:
    assert apply_edits(repo, [Edit("pkg/sub/new.py", "", "X = 1\n")]) == ["pkg/sub/new.py"]
    assert (repo / "pkg/sub/new.py").read_text() == "X = 1\n"
    with pytest.raises(EditError, match="SEARCH is empty but the file exists"):
        apply_edits(repo, [Edit("pkg/calc.py", "", "X = 1\n")])
    with pytest.raises(EditError, match="does not exist"):
        apply_edits(repo, [Edit("pkg/nothing.py", "x\n", "y\n")])


@pytest.mark.parametrize("path", ["../evil.py", "/tmp/evil.py", "pkg/../../evil.py", ".git/config",
                                  ".GIT/hooks/pre-commit", "sub/.Git./config", "vendor/lib/.git/config"])
def test_apply_refuses_paths_outside_the_repository(repo: Path, path: str) -> None:
    with pytest.raises(EditError):
        apply_edits(repo, [Edit(path, "", "evil\n")])
    assert not (repo.parent / "evil.py").exists()


def test_apply_refuses_to_follow_a_symlink_out(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (repo / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(EditError, match="symbolic link"):
        apply_edits(repo, [Edit("link/evil.py", "", "evil\n")])
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("path", [".GIT/hooks/pre-commit", "sub/.Git./config", "vendor/lib/.git/config"])
def test_git_directories_in_any_case_are_named_as_such(path: str) -> None:
    """Before: `.GIT/hooks/pre-commit` passed the path check and only git's own `add` refused it later, with
    "invalid path" as the message the model got."""
    assert path_problem(path) == "files under .git may not be edited"


@pytest.mark.parametrize("path", ["pkg/shared.py", "linked/conftest.py"])
def test_apply_refuses_a_link_inside_the_repository(repo: Path, path: str) -> None:
    """A link to a protected file (or a directory holding one): the write would land in a file the checks never
    judged, and the patch would not hold it."""
    (repo / "conftest.py").write_text("# setup\n")
    (repo / "pkg").mkdir(exist_ok=True)
    (repo / "pkg" / "shared.py").symlink_to("../conftest.py")
    (repo / "linked").symlink_to(".", target_is_directory=True)
    with pytest.raises(EditError, match=r"is a symbolic link \(to [.][./]*[a-z.]*\); edit the file it points to"):
        apply_edits(repo, [Edit(path, "# setup", "collect_ignore = ['tests']")])
    assert (repo / "conftest.py").read_text() == "# setup\n"


def test_edit_error_is_a_yantra_error() -> None:
    assert issubclass(EditError, YantraError)


def test_redacted_values_are_matched_and_restored(tmp_path: Path) -> None:
    secret = "Zx9-very-secret-Q"
    (tmp_path / "settings.py").write_text(f'DEBUG = True\nPASSWORD = "{secret}"\n')
    edit = Edit("settings.py", 'DEBUG = True\nPASSWORD = "«REDACTED:Secret Keyword»"\n',
                'DEBUG = False\nPASSWORD = "«REDACTED:Secret Keyword»"\n')
    apply_edits(tmp_path, [edit])
    assert (tmp_path / "settings.py").read_text() == f'DEBUG = False\nPASSWORD = "{secret}"\n'


def test_a_redaction_marker_is_never_written_into_a_file(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("DEBUG = True\n")
    with pytest.raises(EditError, match="REDACTED"):
        apply_edits(tmp_path, [Edit("settings.py", "DEBUG = True\n", 'KEY = "«REDACTED:AWS Access Key»"\n')])
    assert (tmp_path / "settings.py").read_text() == "DEBUG = True\n"


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_bytes(b"a = 1\r\nb = 2\r\n")
    apply_edits(tmp_path, [Edit("w.py", "b = 2\n", "b = 3\n")])
    assert (tmp_path / "w.py").read_bytes() == b"a = 1\r\nb = 3\r\n"


def test_render_patch_is_a_unified_diff(repo: Path) -> None:
    before = snapshot(repo, ["pkg/calc.py", "pkg/new.py"])
    apply_edits(repo, [*parsed(GOOD).edits, Edit("pkg/new.py", "", "X = 1\n")])
    patch = render_patch(before, snapshot(repo, ["pkg/calc.py", "pkg/new.py"]))
    assert "--- a/pkg/calc.py\n+++ b/pkg/calc.py\n" in patch
    assert "-    return sum(xs) + 1\n+    return sum(xs)\n" in patch
    assert "--- /dev/null\n+++ b/pkg/new.py\n" in patch and "+X = 1\n" in patch


def test_exact_matches_start_at_a_line(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("max_x = 1\nx = 1\n")
    apply_edits(tmp_path, [Edit("m.py", "x = 1\n", "x = 2\n")])
    assert (tmp_path / "m.py").read_text() == "max_x = 1\nx = 2\n"


HOSTILE_MARKERS = "«REDACTED:K»" * 12 + "b"  # as one regex, (.+?) x 12: 36**12 ways to split the line below


def test_a_hostile_answer_full_of_markers_is_refused_promptly(tmp_path: Path) -> None:
    """Twelve «REDACTED» markers on one SEARCH line against 36-character file lines: a backtracking regex spends
    minutes per line; matched piece by piece the answer is refused at once (the timeout is only a hang guard)."""
    (tmp_path / "data.py").write_text(f'X = "{"a" * 30}"\n' * 200, encoding="utf-8")
    answer = tmp_path / "answer.txt"
    answer.write_text(block("data.py", f"{HOSTILE_MARKERS}\n", "X = 1\n") + "\nCONFIDENCE: 0.9\n",
                      encoding="utf-8")
    code = ("import sys\nfrom pathlib import Path\nfrom bot.llm.apply import apply_edits\n"
            "from bot.llm.edits import EditError, parse_answer\n"
            "root = Path(sys.argv[1])\n"
            "parsed = parse_answer((root / 'answer.txt').read_text(encoding='utf-8'), root)\n"
            "try:\n    apply_edits(root, parsed.edits)\nexcept EditError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "edit 1 (data.py): SEARCH was not found" in proc.stdout
    assert (tmp_path / "data.py").read_text(encoding="utf-8") == f'X = "{"a" * 30}"\n' * 200


def test_several_markers_on_one_line_are_each_restored(tmp_path: Path) -> None:
    (tmp_path / "keys.py").write_text('KEYS = ("AKIA-one", "ghp_two")  # both\nDEBUG = True\n', encoding="utf-8")
    edit = Edit("keys.py", 'KEYS = ( "«REDACTED:AWS»",  "«REDACTED:GitHub Token»" )\nDEBUG = True\n',
                'KEYS = ("«REDACTED:AWS»", "«REDACTED:GitHub Token»")\nDEBUG = False\n')
    apply_edits(tmp_path, [edit])
    assert (tmp_path / "keys.py").read_text(encoding="utf-8") == \
        'KEYS = ("AKIA-one", "ghp_two")  # both\nDEBUG = False\n'


def test_the_closest_line_of_long_hostile_lines_is_judged_by_their_heads(tmp_path: Path) -> None:
    # difflib's ratio costs the product of the two lengths: 40 lines of 20,000 varied characters against a SEARCH
    # line as long cost minutes when compared whole. Their first characters decide, so this answers at once.
    alphabet = [chr(0x400 + i) for i in range(200)]
    rng = random.Random(7)
    lines = ["".join(rng.choice(alphabet) for _ in range(20_000)) for _ in range(40)]
    (tmp_path / "big.py").write_text("".join(f"s{i} = '{line}'\n" for i, line in enumerate(lines)))
    probe = f"s17 = '{lines[17][:150]}" + "".join(rng.choice(alphabet) for _ in range(20_000)) + "'"
    with pytest.raises(EditError, match=r"the closest line is 18: \"s17 = '"):
        apply_edits(tmp_path, [Edit("big.py", probe + "\n", "x = 1\n")])
