"""What a pre-commit check loads, and that what it loads lazily still judges as before (issue 10).

The hook's process parses a staged change with the tree-sitter query less its code-generation patterns (so
`compile` decides those files' syntax), compiles regular expressions on first use, loads the Python grammar
without the `tree_sitter_python` package's `__init__`, and imports only the report format asked for. Each is
checked here end to end in fresh interpreters on real git repositories, and against the eager behaviour.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from support.gate_repo import Repo

BASE = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": "def send_email(to, subject):\n    return 1\n",
    "app.py": "from pkg.helpers import send_email\n\n\ndef main():\n    return send_email('a', 'b')\n",
    "loop.py": "def walk(items):\n    for item in items:\n        if item:\n            break\n    return items\n",
}


def _hook(repo: Repo) -> tuple[int, list[tuple[str, str, int, str]]]:
    proc = repo.cli("check", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    found = json.loads(proc.stdout)["findings"]
    return proc.returncode, [(f["rule"], f["path"], f["line"], f["message"]) for f in found]


def test_a_staged_codegen_only_syntax_error_is_reported_as_compile_reports_it(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    assert repo.cli("check", "--all").returncode == 0  # the graph is built; the next process parses one file
    repo.write("loop.py", "def walk(items):\n    for item in items:\n        pass\n    break\n")
    repo.stage()
    code, found = _hook(repo)
    try:
        compile("def walk(items):\n    for item in items:\n        pass\n    break\n", "<file>", "exec")
    except SyntaxError as exc:
        expected = ("syntax-error", "loop.py", exc.lineno, f"SyntaxError: {exc.msg}")
    assert (code, found) == (1, [expected])


def test_a_staged_resign_rechecks_its_callers_in_a_fresh_process(repo: Repo) -> None:
    repo.files(BASE)
    repo.commit()
    assert repo.cli("check", "--all").returncode == 0
    repo.write("pkg/helpers.py", BASE["pkg/helpers.py"].replace("(to, subject)", "(to, subject, body)"))
    repo.stage()
    code, found = _hook(repo)
    assert code == 1 and [(r, p, line) for r, p, line, _ in found] == [("arity-mismatch", "app.py", 5)]


def _fresh(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_full_query_is_compiled_only_past_the_light_budget() -> None:
    out = _fresh("""
        from bot.graph import python_parser as pp
        small = pp.parse_python(b"x = 1\\n", (3, 12))
        before = pp._machinery.cache_info().currsize
        big = b"x = 1\\n" * (pp.LIGHT_QUERY_BYTES // 6 + 1)
        pp.parse_python(big, (3, 12))
        print(before, pp._machinery.cache_info().currsize, small.parse_ok)
    """)
    assert out == "0 1 True"


def test_the_grammar_loads_without_the_package_init_and_is_the_packages_grammar() -> None:
    out = _fresh("""
        import sys
        from tree_sitter import Parser
        from bot.graph.python_grammar import python_language
        source = b"def f(a, *b):\\n    return [x async for x in a]\\n"
        ours = str(Parser(python_language()).parse(source).root_node)
        alone = "tree_sitter_python" not in sys.modules and "importlib.resources" not in sys.modules
        import tree_sitter_python
        from tree_sitter import Language
        theirs = str(Parser(Language(tree_sitter_python.language())).parse(source).root_node)
        print(alone, ours == theirs)
    """)
    assert out == "True True"


def test_only_the_asked_report_format_is_imported() -> None:
    out = _fresh("""
        import sys
        from bot.gate.result import CheckResult
        from bot.report import render
        text = render(CheckResult([], {"files_checked": 0, "files_parsed": 0, "seconds": 0.0}), "json")
        print(sorted(m for m in sys.modules if m.startswith("bot.report.")), text.startswith("{"))
    """)
    assert out == "['bot.report.json_format'] True"


def test_a_lazy_pattern_is_compiled_on_first_use_and_answers_as_the_compiled_one() -> None:
    from bot.lazy_re import lazy

    broken = lazy("(")  # nothing compiled yet: no error
    with pytest.raises(Exception, match="missing"):
        broken.search("x")
    pattern = rb"(?m)^(\w+)\s*=\s*(\d+)"
    data = b"a = 1\nb=22\n c = 3\n"
    mine, theirs = lazy(pattern), __import__("re").compile(pattern)
    assert [m.groups() for m in mine.finditer(data)] == [m.groups() for m in theirs.finditer(data)]
    assert mine.sub(rb"\1", data) == theirs.sub(rb"\1", data)
    assert (mine.pattern, mine.flags, mine.groups) == (theirs.pattern, theirs.flags, theirs.groups)
    assert mine.search(b"zz") is None and mine.fullmatch(b"q = 7").group(2) == b"7"  # type: ignore[union-attr]
