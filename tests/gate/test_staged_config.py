"""The commit's own configuration is the staged one (issue 8, DESIGN §2), with real git: in pre-commit mode
`[tool.yantra]`, `requires-python`, the linters' scope the gate defers to, `.pre-commit-config.yaml`'s filters
and the declared dependencies are read from the index, so an unstaged (or partially staged) edit of them never
changes the verdict of the commit; at pre-push they are the pushed commit's; `--base` (CI) reads the checkout.
"""

from __future__ import annotations

from support.gate_repo import Repo, rules
from support.gitrepo import git

from bot.gate import CheckResult, run_check
from bot.gate.check import Pushed
from bot.graph.snapshot import Source

HELPERS = "def send_email(to):\n    return to\n"
BROKEN = "from helpers import send_mail\n"
MATCH = "def f(x):\n    match x:\n        case 1:\n            return 1\n    return 0\n"
OFF = '[tool.yantra.severity]\nmissing-symbol = "off"\n'


def staged(repo: Repo, *, all_files: bool = False) -> CheckResult:
    return run_check(repo.root, None, all_files=all_files, source=Source.INDEX)


def test_an_unstaged_yantra_section_does_not_change_the_verdict(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": "x = 1\n"})
    repo.commit()
    repo.write("app.py", BROKEN)
    repo.git("add", "app.py")
    repo.write("pyproject.toml", OFF)  # written, never staged: not the commit's configuration
    assert rules(staged(repo)) == [("missing-symbol", "app.py", 1)]
    assert rules(staged(repo, all_files=True)) == [("missing-symbol", "app.py", 1)]
    repo.git("add", "pyproject.toml")
    assert staged(repo).findings == []
    assert staged(repo, all_files=True).findings == []
    repo.write("pyproject.toml", "")  # the staged section still holds, whatever the working tree says
    assert staged(repo).findings == []


def test_a_partially_staged_pyproject_is_judged_on_its_staged_half(repo: Repo) -> None:
    before = '[project]\nname = "p"\n'
    repo.files({"helpers.py": HELPERS, "app.py": "x = 1\n", "pyproject.toml": before})
    repo.commit()
    repo.write("app.py", BROKEN)
    repo.git("add", "app.py")
    staged_half = before.replace('"p"', '"q"')  # `git add -p` took the rename and left the severity table
    blob = git(repo.root, "hash-object", "-w", "--stdin", input=staged_half).strip()
    repo.git("update-index", "--cacheinfo", f"100644,{blob},pyproject.toml")
    repo.write("pyproject.toml", staged_half + OFF)
    assert repo.git("diff", "--cached", "--name-only").split() == ["app.py", "pyproject.toml"]
    assert repo.git("diff", "--name-only").split() == ["pyproject.toml"]
    assert rules(staged(repo)) == [("missing-symbol", "app.py", 1)]
    assert rules(run_check(repo.root, None)) == []  # the working tree's configuration: another object


def test_the_target_python_is_the_staged_requires_python(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.8"\n', "app.py": "x = 1\n"})
    repo.commit()
    repo.write("app.py", MATCH)
    repo.git("add", "app.py")
    repo.write("pyproject.toml", '[project]\nname = "p"\nrequires-python = ">=3.10"\n')  # unstaged
    (f,) = staged(repo).findings
    assert (f.rule, f.path) == ("syntax-error", "app.py") and f.message.endswith("(target Python 3.8)")
    repo.git("add", "pyproject.toml")
    assert staged(repo).findings == []


def test_the_linters_scope_is_the_staged_one(repo: Repo) -> None:
    repo.files({"pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.8"\n', "app.py": "x = 1\n"})
    repo.commit()
    repo.write("examples/new.py", MATCH)
    repo.git("add", "examples/new.py")
    repo.write("ruff.toml", 'extend-exclude = ["examples"]\n')  # unstaged: the commit's ruff still lints it
    repo.write(".flake8", "[flake8]\nexclude = examples\n")
    assert [(r, p) for r, p, _ in rules(staged(repo))] == [("syntax-error", "examples/new.py")]
    repo.git("add", ".flake8")
    assert staged(repo).findings == []
    repo.git("rm", "-q", "--cached", ".flake8")
    repo.git("add", "ruff.toml")
    assert staged(repo).findings == []


def test_pre_commit_filters_are_the_staged_ones(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": "x = 1\n"})
    repo.commit()
    repo.write("app.py", BROKEN)
    repo.git("add", "app.py")
    repo.write(".pre-commit-config.yaml", "exclude: ^app\\.py$\nrepos: []\n")
    assert rules(staged(repo)) == [("missing-symbol", "app.py", 1)]
    repo.git("add", ".pre-commit-config.yaml")
    assert staged(repo).findings == []


def test_declared_dependencies_are_the_staged_ones(repo: Repo) -> None:
    project = '[project]\nname = "x"\nversion = "1"\ndependencies = []\n'
    repo.files({"pyproject.toml": project, "x/__init__.py": "", "x/core.py": "x = 1\n"})
    repo.commit()
    repo.write("x/core.py", "import yaml\n")
    repo.git("add", "x/core.py")
    repo.write("requirements.txt", "PyYAML\n")  # untracked: declares nothing for the commit
    assert rules(staged(repo)) == [("undeclared-dependency", "x/core.py", 1)]
    repo.git("add", "requirements.txt")
    assert staged(repo).findings == []
    repo.git("rm", "-q", "--cached", "requirements.txt")  # still on disk, no longer in the commit
    repo.write("pyproject.toml", project.replace("[]", '["PyYAML"]'))
    assert rules(staged(repo)) == [("undeclared-dependency", "x/core.py", 1)]
    repo.git("add", "pyproject.toml")
    assert staged(repo).findings == []


def test_a_staged_symlinked_config_is_read_through_the_index(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": "x = 1\n", "conf/yantra.toml": OFF})
    (repo.root / "pyproject.toml").symlink_to("conf/yantra.toml")
    repo.commit()
    repo.write("app.py", BROKEN)
    repo.git("add", "app.py")
    assert staged(repo).findings == []
    repo.write("conf/yantra.toml", "")  # the link's target, edited but not staged
    assert staged(repo).findings == []


def test_pre_push_reads_the_pushed_commits_configuration(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": "x = 1\n"})
    repo.commit()
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("app.py", BROKEN)
    repo.commit("broken")
    tip = repo.git("rev-parse", "HEAD").strip()
    repo.write("pyproject.toml", OFF)
    repo.git("add", "pyproject.toml")  # staged after the pushed commit: not part of the push
    assert rules(run_check(repo.root, None, pushed=Pushed(base, tip))) == [("missing-symbol", "app.py", 1)]
    repo.commit("quiet it")
    quiet = repo.git("rev-parse", "HEAD").strip()
    assert run_check(repo.root, None, pushed=Pushed(base, quiet)).findings == []


def test_base_mode_reads_the_checkout(repo: Repo) -> None:
    repo.files({"helpers.py": HELPERS, "app.py": "x = 1\n"})
    repo.commit()
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("app.py", BROKEN)
    assert rules(run_check(repo.root, None, base=base)) == [("missing-symbol", "app.py", 1)]
    repo.write("pyproject.toml", OFF)  # CI judges the checked-out tree, its configuration included
    assert run_check(repo.root, None, base=base).findings == []
