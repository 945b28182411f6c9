"""A repository's regular expressions cannot hang the gate (`bot.repo_regex`): every case on a real repository.

`(a|a)+$` searched by Python's `re` in a path of forty `a`s does not finish in a lifetime. Through `yantra check`
(a real subprocess, with a generous timeout as the hang guard) such a pattern in `.pre-commit-config.yaml` or in
black's configuration ends the run with exit 2 and one line naming the file and the key; a pattern `re` alone
would backtrack on but the bounded matcher handles keeps its meaning; no pattern, no `regex` import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.gate_repo import Repo

from bot.errors import ConfigError
from bot.repo_regex import PatternTooCostly, compile_repo_regex, plain_shape

HOSTILE = "(a|a)+$"  # exponential in `re` and in `regex` alike: only the budget stops it
LONG = "a" * 40 + ".py"  # a path it backtracks on (the `.` fails `$` after every split of the `a`s)
BROKEN = "from pkg.m import gone\n"
PKG = {"pkg/__init__.py": "", "pkg/m.py": "def f():\n    pass\n"}
MATCH = "match x:\n    case 1:\n        pass\n"  # newer syntax than `requires-python >= 3.8`


def run(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=repo.root, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("yantra: error: ") and "unexpected" not in lines[0], proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("key, args", [("exclude", ("check", "--all")), ("files", ("check",))],
                         ids=["exclude-all", "files-staged"])  # (each case spends the 2 s budget)
def test_a_catastrophic_precommit_pattern_is_a_clear_configuration_error(repo: Repo, key: str,
                                                                          args: tuple[str, ...]) -> None:
    repo.files({**PKG, ".pre-commit-config.yaml": f"{key}: '{HOSTILE}'\nrepos: []\n"})
    repo.commit()
    repo.files({LONG: BROKEN})
    repo.stage()
    line = one_line_error(run(repo, *args), ".pre-commit-config.yaml", f"`{key}`", HOSTILE, "catastrophic")
    assert "No file was taken as in or out of scope" in line


@pytest.mark.parametrize("key", ["extend-exclude"])  # (the three keys share one loop; each case spends 2 s)
def test_a_catastrophic_black_pattern_is_a_clear_configuration_error(repo: Repo, key: str) -> None:
    repo.files({**PKG, "pyproject.toml": f'[project]\nname = "p"\nrequires-python = ">=3.8"\n\n'
                                         f"[tool.black]\n{key} = '{HOSTILE}'\n"})
    repo.commit()
    repo.files({LONG: MATCH})  # a syntax error under 3.8: black's exclusions are asked about it
    repo.stage()
    one_line_error(run(repo, "check"), "pyproject.toml", f"`[tool.black]` `{key}`", HOSTILE, "catastrophic")


def test_a_pattern_only_re_backtracks_on_keeps_its_meaning(repo: Repo) -> None:
    """`(a+)+/` is exponential in `re` but not in the bounded matcher: the path it excludes stays excluded and
    the one it does not is judged."""
    excluded = "a" * 40 + "/bad.py"
    repo.files({**PKG, ".pre-commit-config.yaml": "exclude: '(a+)+/'\nrepos: []\n", excluded: BROKEN, LONG: BROKEN})
    repo.stage()
    proc = run(repo, "check", "--all", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert f'"path": "{LONG}"' in proc.stdout and f'"path": "{excluded}"' not in proc.stdout


def test_a_pathological_yantra_exclude_glob_keeps_its_meaning(repo: Repo) -> None:
    """`a*a*...*b` (twelve `*`s) against a 43-character name backtracks for minutes in `re` (pathspec's regex);
    searched at a bounded cost, the name it matches is excluded and the one it does not is judged."""
    glob = "a*" * 12 + "b.py"
    excluded = "a" * 40 + "b.py"
    pyproject = f'[project]\nname = "p"\n\n[tool.yantra]\nexclude = ["{glob}"]\n'
    repo.files({**PKG, "pyproject.toml": pyproject, excluded: BROKEN, LONG: BROKEN})
    repo.stage()
    proc = run(repo, "check", "--all", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert f'"path": "{LONG}"' in proc.stdout and f'"path": "{excluded}"' not in proc.stdout


def test_normal_patterns_still_decide_scope_in_process(repo: Repo) -> None:
    repo.files({**PKG, "legacy/bad.py": BROKEN, "src/bad.py": BROKEN,
                ".pre-commit-config.yaml": "files: ^(src|legacy)/\nexclude: ^legacy/\nrepos: []\n"})
    assert [f.path for f in repo.check(all_files=True).findings] == ["src/bad.py"]


def test_regex_is_imported_only_for_a_pattern_re_cannot_bound(repo: Repo, tmp_path: Path) -> None:
    """The hook's path stays light: `regex` (~15 ms to import) is not loaded without a pattern, nor for a pattern
    with no repeat (`re` searches it at a bounded cost), only for one `re` could backtrack on."""
    repo.files({**PKG, "app.py": BROKEN, ".pre-commit-config.yaml": "repos: []\n"})
    repo.stage()
    probe = ("import sys\nfrom pathlib import Path\nfrom bot.gate import run_check\nfrom bot.graph.snapshot import "
             "Source\nrun_check(Path(sys.argv[1]), None, source=Source.INDEX)\nprint('regex' in sys.modules)\n")
    script = tmp_path / "probe.py"
    script.write_text(probe, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(repo.root)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
    for pattern, imported in [("^(legacy|docs)/", "False"), ("^legacy/.*$", "True")]:
        repo.files({".pre-commit-config.yaml": f"exclude: {pattern}\nrepos: []\n"})
        repo.stage()
        out = subprocess.run([sys.executable, str(script), str(repo.root)], capture_output=True, text=True,
                             timeout=120)
        assert out.stdout.strip() == imported, (pattern, out.stderr)


@pytest.mark.parametrize("source, plain", [
    ("^(profiling/|tests/data/)", True), (r"\.min\.js$", True), ("(?i)^(?:docs|examples)/[^/]", True),
    ("^legacy/.*", False), ("(a|a)+$", False), ("a{3}", False), (r"(a)\1", False), ("(?x) a # [\n b*", False),
    ("(?#[)b*](?#])", False), ("(a|b)(a|b)(a|b)(a|b)(a|b)", False), ("x" * 300, False), ("[*+?{]", True),
])
def test_re_searches_only_patterns_whose_shape_bounds_its_cost(source: str, plain: bool) -> None:
    assert plain_shape(source) is plain


@pytest.mark.parametrize("source, needle", [
    ("x{e<=1}", "fuzzy"),  # literal text to `re`, a fuzzy match to `regex`: refused, not reinterpreted
    ("src/{i}", "fuzzy"),
    ("((a{100}){100}){100}", "repeat counts"),  # `regex` would spend seconds unrolling it at compile time
])
def test_patterns_the_bounded_matcher_would_read_differently_are_refused(source: str, needle: str) -> None:
    with pytest.raises(PatternTooCostly, match=needle):
        compile_repo_regex(source, ".pre-commit-config.yaml: top-level `exclude`")


def test_the_budget_spans_every_search_of_a_run() -> None:
    """Many paths that each cost a little cannot add up to a hang: one budget for all of a pattern's searches."""
    pattern = compile_repo_regex(HOSTILE, "somewhere")
    pattern.budget = 0.2
    with pytest.raises(PatternTooCostly):
        for _ in range(1000):
            pattern.search("a" * 14 + "!")  # each well under the budget alone
    assert isinstance(PatternTooCostly("x"), ConfigError)


def test_a_meson_build_of_unclosed_calls_is_read_once() -> None:
    """A hostile `meson.build` of 30,000 `extension_module(` calls none of which closes: each call is read from
    the end of the previous one, so the file is read once (read once a call, it would be 10^10 characters). The
    calls before an unclosed one are still read."""
    from bot.gate.meson import builds_extension

    assert not builds_extension("extension_module(" * 30_000, "pkg._ext")
    assert builds_extension("py.extension_module('_ext', 'a.c', subdir: 'pkg')\n" + "extension_module(" * 30_000,
                            "pkg._ext")


def test_more_words_than_a_command_line_holds_are_searched(repo: Repo) -> None:
    """The dotted names the data-file judgement looks for (`bot.graph.doubts.named_elsewhere`) go to `git grep` on
    its standard input: 12,000 names of 200 characters (2.4 MB) would not fit on a command line."""
    from bot.git import Git

    repo.files({"conf.py": 'include("tests.pkgs.app")\n', "other.py": "x = 1\n"})
    repo.commit()
    words = [f"tests.data.{'deep.' * 36}case_{i:05d}" for i in range(12_000)] + ["tests.pkgs.app", "line\nbreak"]
    with Git(repo.root) as g:
        assert g.words_in_files(words) == {("conf.py", "tests.pkgs.app")}
