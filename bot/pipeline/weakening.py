"""A fix may not weaken the tests that judge it.

Two checks. The static one reads the change before any of it runs: a test function deleted, fewer assertions,
an expected literal changed, `assert True`, a skip/xfail marker, `collect_ignore` or a collection hook,
`--deselect`/`-k`/`--ignore` added to the pytest configuration, and code under test that reaches into the test
runner judging it (its internals, hooks, report, or the interpreter's exit: the code runs in pytest's process,
so a handler at exit can rewrite the json report and exit 0). The dynamic one compares the test set and
outcomes of the run after the fix with the baseline: every test that existed must still be collected and run
with the same outcome class or better (not skipped, not xfailed).

Findings are one line each, naming the file and test, so the review and the next attempt's feedback can say
exactly what was refused.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.report.markdown import code_span
from bot.scan.tests import TestRun, is_test_file

SKIP_ATTRS = frozenset({"skip", "skipif", "xfail", "importorskip", "skipTest", "skipIf", "skipUnless",
                        "expectedFailure"})
COLLECTION_NAMES = frozenset({"collect_ignore", "collect_ignore_glob", "pytestmark", "pytest_collection_modifyitems",
                              "pytest_ignore_collect", "pytest_collect_file", "pytest_pycollect_makeitem",
                              "pytest_deselected", "pytest_collection", "pytest_configure",
                              "pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_makereport",
                              "pytest_runtest_protocol", "pytest_report_teststatus"})
PYTEST_CONFIG_FILES = frozenset({"pyproject.toml", "pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini",
                                 "tox.ini", "setup.cfg"})
_CONFIG_OPTION = re.compile(r"--deselect|--ignore(?:-glob)?\b|(?:^|[\s\"'=\[,])-(?:k|m)\b|-p\s*no:|\bnorecursedirs\b"
                            r"|\btestpaths\b|\bpython_(?:files|classes|functions)\b|--co\b|--collect-only|"
                            r"--lf\b|--last-failed|-x\b|--exitfirst|--maxfail|--runxfail")
TEST_DIRS = frozenset({"tests", "test", "testing"})
# What code under test has no business touching in a fix: pytest's internals and plugin machinery, its hooks (a
# module that is not a conftest never has them), the json report the verdict is read from, and the interpreter's
# exit (`atexit`, `os._exit`: after pytest wrote its report, a handler can rewrite it and exit 0).
_HARNESS = re.compile(r"\b_pytest\b|\bpytest_jsonreport\b|--json-report|\bjson_report_file\b|\bpluginmanager\b"
                      r"|\bpytest_(?:runtest|collect|collection|session|configure|unconfigure|report|terminal|"
                      r"make_collect|pycollect|ignore_collect|load_initial|cmdline|plugin_registered|addoption|"
                      r"deselected|itemcollected)\w*|\b_exit\b|\batexit\b")


def is_test_path(path: str) -> bool:
    """A file that judges the code: a test module, a conftest, or Python under a tests directory."""
    parts = path.split("/")
    return path.endswith(".py") and (is_test_file(path) or parts[-1] == "conftest.py"
                                     or bool(TEST_DIRS & set(parts[:-1])))


def test_paths(changed: Sequence[str]) -> tuple[str, ...]:
    return tuple(p for p in changed if is_test_path(p))


def static_findings(before_root: Path, after_root: Path, changed: Sequence[str], patch: str) -> list[str]:
    """Weakened tests visible in the change itself (nothing is run)."""
    found: list[str] = []
    for path in changed:
        if is_test_path(path):
            found += _python_findings(path, _read(before_root / path), _read(after_root / path))
    for path, line in _added_lines(patch):
        if Path(path).name in PYTEST_CONFIG_FILES and _CONFIG_OPTION.search(line):
            found.append(f"{path}: test selection changed in the pytest configuration: {code_span(line.strip()[:120])}")
        elif path.endswith((".py", ".pyi")) and not is_test_path(path) and _HARNESS.search(line):
            found.append(f"{path}: code under test reaches into the test runner that judges it: "
                         f"{code_span(line.strip()[:120])}")
    return found


def dynamic_findings(before: TestRun, after: TestRun, scope: Sequence[str] | None = None) -> list[str]:
    """Tests of `before` (in the files of `scope`, or all) that `after` no longer collects, or skips or xfails.

    A run that did not complete is not compared (it fails the attempt on its own); a run that collected
    nothing ("not-run": pytest's exit code 5) lost every test.
    """
    if after.status not in ("passed", "failed", "not-run"):
        return []
    files = set(scope) if scope is not None else None
    found: list[str] = []
    for nodeid, old in sorted(before.outcomes.items()):
        if files is not None and nodeid.split("::", 1)[0] not in files:
            continue
        new = after.outcomes.get(nodeid)
        if new is None:
            found.append(f"{nodeid} is no longer collected (was {old})")
        elif new == "skipped" and old != "skipped":
            found.append(f"{nodeid} is now skipped (was {old})")
        elif new == "xfailed" and old not in ("xfailed", "skipped"):
            found.append(f"{nodeid} is now xfailed (was {old})")
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    except OSError:
        return None


def _parse(source: str | None) -> ast.Module | None:
    if source is None:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _python_findings(path: str, before_src: str | None, after_src: str | None) -> list[str]:
    before, after = _parse(before_src), _parse(after_src)
    if before_src is not None and after_src is None:
        return [f"{path}: test file deleted"] if before is not None and _tests(before) else []
    if after is None:
        return []  # a file that does not parse is the gate's syntax error, not ours to judge
    old_tests = _tests(before) if before is not None else {}
    new_tests = _tests(after)
    found = [f"{path}::{name}: test deleted" for name in old_tests if name not in new_tests]
    for name, old in old_tests.items():
        if name in new_tests:
            found += _assert_findings(f"{path}::{name}", old, new_tests[name])
    old_marks, new_marks = _marks(before), _marks(after)
    for mark, n in new_marks.items():
        if n > old_marks.get(mark, 0):
            found.append(f"{path}: {code_span(mark)} added")
    return found


def _tests(module: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test"):
                    found[f"{node.name}::{item.name}"] = item
    return found


def _asserts(func: ast.AST) -> list[ast.AST]:
    """`assert` statements and assert-like calls (`self.assertEqual`, `pytest.raises`, `assert_called...`)."""
    out: list[ast.AST] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assert):
            out.append(node)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else (
                node.func.id if isinstance(node.func, ast.Name) else "")
            if name.startswith("assert") or name in ("raises", "warns", "fail"):
                out.append(node)
    return out


def _assert_findings(where: str, old: ast.AST, new: ast.AST) -> list[str]:
    before, after = _asserts(old), _asserts(new)
    found: list[str] = []
    if len(after) < len(before):
        found.append(f"{where}: assertions removed ({len(before)} → {len(after)})")
    trivial = sum(1 for a in after if _trivial(a)) - sum(1 for a in before if _trivial(a))
    if trivial > 0:
        found.append(f"{where}: an assertion that is always true was added (`assert True`)")
    old_dumps = Counter(ast.dump(a) for a in before)
    new_dumps = Counter(ast.dump(a) for a in after)
    gone = [a for a in before if new_dumps[ast.dump(a)] == 0]
    added = [a for a in after if old_dumps[ast.dump(a)] == 0]
    gone_shapes = {_shape(a): a for a in gone}
    for a in added:
        previous = gone_shapes.get(_shape(a))
        if previous is not None:
            found.append(f"{where}: expected value changed: {code_span(ast.unparse(previous)[:100])} → "
                         f"{code_span(ast.unparse(a)[:100])}")
    return found


def _trivial(node: ast.AST) -> bool:
    return isinstance(node, ast.Assert) and isinstance(node.test, ast.Constant) and bool(node.test.value)


class _Blank(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value=None)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.operand, ast.Constant):  # -1 is a literal too
            return ast.Constant(value=None)
        return self.generic_visit(node)


def _shape(node: ast.AST) -> str:
    """The assertion with every literal blanked, so `== 5` and `== -1` have the same shape."""
    return ast.dump(_Blank().visit(ast.parse(ast.unparse(node))))


def _marks(module: ast.Module | None) -> Counter[str]:
    """Skip/xfail markers and calls, and collection-changing names, counted."""
    marks: Counter[str] = Counter()
    if module is None:
        return marks
    for node in ast.walk(module):
        if isinstance(node, ast.Attribute) and node.attr in SKIP_ATTRS:
            marks[node.attr] += 1
        elif isinstance(node, ast.Name) and node.id in COLLECTION_NAMES | SKIP_ATTRS:
            marks[node.id] += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in COLLECTION_NAMES:
            marks[node.name] += 1
    return marks


def _added_lines(patch: str) -> list[tuple[str, str]]:
    """(path, text) of each line a unified diff adds."""
    out: list[tuple[str, str]] = []
    path = ""
    for line in patch.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            path = target[2:] if target.startswith("b/") else target
        elif line.startswith("+") and path:
            out.append((path, line[1:]))
    return out
