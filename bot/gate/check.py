"""`run_check`: choose the files (all, or a change and its dependents), run the rules, apply policy.

What is judged is a snapshot of the repository (`bot.graph.snapshot`): the index in pre-commit mode, a pushed
commit's tree at pre-push, the working tree for `--base` (CI) and for callers that judge files on disk.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot import git
from bot.config import Config, load_config
from bot.gate.change import (
    Change,
    ParseBlob,
    Subjects,
    change_of,
    hints,
    introduced_unbound,
    kept_lines,
    old_syntax_errors,
    old_unevaluated_unbound,
    read_before,
    referenced_modules,
    subjects_of,
)
from bot.gate.findings import Finding
from bot.gate.linters import LINTED_RULES, harness_data, load_project_linters
from bot.gate.policy import apply_policy
from bot.gate.removed import Absent, absent_modules, removed_module_hits
from bot.gate.result import CheckResult, NotChecked
from bot.gate.rules import Hit, Rule, RuleContext
from bot.gate.rules.imports import own_package
from bot.gate.scope import Scope, load_scope
from bot.graph import Graph, open_graph
from bot.graph.model import FileFacts
from bot.graph.queries import reexports
from bot.graph.snapshot import SUFFIXES, Source
from bot.repo_files import RepoFiles, take_notes


@dataclass(frozen=True)
class Pushed:
    """A pushed range (pre-push): judge commit `tip`'s tree and what it changes relative to `base` (a
    commit, or `git.EMPTY_TREE` for a history the remote has none of)."""

    base: str
    tip: str


@functools.cache
def _rules() -> tuple[list[Rule], list[Rule]]:
    """(file-local rules, cross-file rules); imported on first use, once (it is asked for every file)."""
    from bot.gate.rules.arity import arity_rules
    from bot.gate.rules.attributes import attribute_rules
    from bot.gate.rules.deps import dependency_rules
    from bot.gate.rules.imports import import_rules
    from bot.gate.rules.local import local_rules
    from bot.gate.rules.members import member_rules

    return [local_rules, dependency_rules], [import_rules, attribute_rules, arity_rules, member_rules]


def run_check(root: Path, paths: Sequence[str] | None = None, *, all_files: bool = False,
              config: Config | None = None, base: str | None = None, source: Source = Source.WORKTREE,
              pushed: Pushed | None = None, findings_cache: bool = True, all_if_unstaged: bool = False
              ) -> CheckResult:
    """Check `paths` (plus the staged change), the staged change (paths=None), or every file (all_files).

    `source`: the picture of the repository judged: the working tree (default), or the index (what the
    commit will record: pre-commit mode). `base` (a commit): check the working tree's change since that
    commit instead of the staged change, dependents included (what a pull request changed, in CI).
    `pushed`: check a pushed range on its tip's tree (pre-push); `source` and `base` do not apply.
    `findings_cache`: with `all_files`, serve unchanged files' findings kept from earlier runs (False: judge all).
    `all_if_unstaged`: in index mode with no Python change staged (and no `paths`), judge every file of the index
    as `all_files` would (a manual `pre-commit run --all-files`, as in CI, where nothing is staged)."""
    collecting = gc.isenabled()
    gc.disable()  # facts are acyclic, short-lived-process data: tracing them for cycles costs ~40% of a warm run
    root = root.resolve()
    if base is not None or pushed is not None:
        source = Source.WORKTREE
    files = judged_files(root, source, pushed.tip if pushed else None)
    try:
        return _run_check(root, paths, all_files, config, base, source, pushed, findings_cache, all_if_unstaged,
                          files)
    finally:
        files.close()
        if collecting:
            gc.enable()


def _run_check(root: Path, paths: Sequence[str] | None, all_files: bool, config: Config | None,
               base: str | None, source: Source, pushed: Pushed | None, findings_cache: bool,
               all_if_unstaged: bool, files: RepoFiles) -> CheckResult:
    started = time.perf_counter()
    config = config or load_config(root, files)
    with _settings_files(root, config, files) as settings:
        scope = load_scope(root, config.gate, settings)
        graph = open_repository_graph(root, config, source=source, commit=pushed.tip if pushed else None, files=files)
        try:
            ctx = RuleContext(graph)
            cached = 0
            unstaged = all_if_unstaged and not all_files and not paths and base is None and pushed is None and \
                _nothing_staged(graph)
            judged = _judged(graph.snapshot.source, all_files or unstaged, unstaged, base, pushed) \
                if graph.snapshot.git is not None else "the files on disk"
            all_files = all_files or unstaged
            if all_files:
                hits, checked, notes, cached = _check_all(ctx, scope, config, findings_cache)
            else:
                hits, checked, notes = _check_change(ctx, scope, paths, base, pushed)
            hits = _linted_out(settings, hits, ctx.introduced, ctx.predating, ctx.data)
            facts_of = {f.path: graph.facts(f.path) for f in hits}
            untouched = frozenset(f.path for f in hits) - ctx.touched if ctx.touched is not None else frozenset()
            findings = apply_policy(hits, config.gate, facts_of, graph.source, untouched, graph.target, ctx.kept_lines,
                                    functools.partial(own_package, graph))
            parsed = int(graph.store.parsed)
            loaded = graph.facts_loaded()
            skipped = tuple(NotChecked(p, why) for p, why in sorted(ctx.not_checked.items()))
        finally:
            graph.close()
            graph.release()
    stats: dict[str, float | int] = {"files_checked": checked, "files_parsed": parsed,
                                     "seconds": round(time.perf_counter() - started, 3)}
    stats["facts_loaded"] = loaded  # files whose facts the run read (not in the JSON)
    if all_files:
        stats["files_cached"] = cached  # files whose findings the findings cache served (not in the JSON)
    return CheckResult(findings, stats, (*notes, *take_notes()), skipped, judged)


@contextmanager
def _settings_files(root: Path, config: Config, files: RepoFiles) -> Iterator[RepoFiles]:
    """Where the configuration that decides what is judged (`.pre-commit-config.yaml`'s `files`/`exclude`, the
    linters' and black's exclusions) is read: the judged picture `files`, or the trusted commit the
    configuration names (`Config.settings_commit`: the Action's base, never the pull request's tree)."""
    if config.settings_commit is None:
        yield files
        return
    settings = RepoFiles(root, git.Git(root), config.settings_commit)
    try:
        yield settings
    finally:
        settings.close()


def _nothing_staged(graph: Graph) -> bool:
    """In index mode: the index holds no Python change relative to HEAD (a repository without commits has
    everything staged)."""
    snap = graph.snapshot
    if snap.source is not Source.INDEX or snap.git is None:
        return False
    staged = snap.staged
    if staged is None:
        head = snap.git.head()
        if head is None:
            return not snap.shas
        staged = [p for c in snap.git.staged_changes_from(head) for p in (c.path, c.old_path)]
    return not any(p.endswith(SUFFIXES) for p in staged)


def _judged(source: Source, whole: bool, unstaged: bool, base: str | None, pushed: Pushed | None) -> str:
    """What a run judges, for its summary line."""
    if pushed is not None:
        start = "the start" if pushed.base == git.EMPTY_TREE else pushed.base[:12]
        return f"the pushed commits ({start}..{pushed.tip[:12]})"
    if base is not None:
        return f"the working tree (its change since {base})"
    if source is Source.INDEX:
        if unstaged:
            return "the index (every file: nothing is staged)"
        return "the index (every file)" if whole else "the index (the staged change and its dependents)"
    return "the working tree (every file)" if whole else "the working tree"


def judged_files(root: Path, source: Source, commit: str | None = None) -> RepoFiles:
    """The repository's configuration files as the judged picture has them: the index in pre-commit mode,
    the pushed commit's tree at pre-push, the working tree otherwise (and outside a git repository)."""
    if (source is Source.WORKTREE and commit is None) or not (root / ".git").exists():
        return RepoFiles(root)
    return RepoFiles(root, git.Git(root), commit)


def _linted_out(files: RepoFiles, hits: list[Finding], introduced: frozenset[tuple[str, int, int]],
                predating: frozenset[tuple[str, int]] = frozenset(),
                data: frozenset[tuple[str, int, int, str]] = frozenset()) -> list[Finding]:
    """Drop file-local findings in files the project's own linter is told not to judge (`bot.gate.linters`),
    and there the old findings of the other rules (`predating`: on lines the change kept, about nothing it
    removed or re-signed) and the findings about a harness's data file itself (`data`); the configuration is
    read only when there is such a finding. `introduced`: places of names the checked change itself unbound."""
    def judged(f: Finding) -> bool:
        return f.rule in LINTED_RULES or (f.path, f.line) in predating or (f.path, f.line, f.col, f.rule) in data

    if not any(judged(f) for f in hits):
        return hits
    linter = load_project_linters(files, {f.path for f in hits if judged(f)})
    return [f for f in hits if not linter.quiets(f.rule, f.path, f.message,
                                                 introduced=(f.path, f.line, f.col) in introduced,
                                                 predates=(f.path, f.line) in predating,
                                                 data=(f.path, f.line, f.col, f.rule) in data)]


def open_repository_graph(root: Path, config: Config, *, source: Source = Source.WORKTREE,
                          commit: str | None = None, files: RepoFiles | None = None) -> Graph:
    """The graph of `root` as `source` sees it (`commit`'s tree when given; `files`: its configuration files,
    default read as `source` has them); outside a git repository its database lives in the temporary directory."""
    if commit is not None:
        source = Source.COMMIT
    if (root / ".git").exists() or config.gate.db_path:
        return open_graph(root, config, source=source, commit=commit, files=files)
    import tempfile  # (outside a git repository only: not on the pre-commit path)

    key = hashlib.sha1(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    db = Path(tempfile.gettempdir()) / "yantra" / f"{key}.sqlite"
    db.parent.mkdir(parents=True, exist_ok=True)
    return open_graph(root, config, db_path=db, source=source, files=files)


def _check_all(ctx: RuleContext, scope: Scope, config: Config, use_cache: bool
               ) -> tuple[list[Finding], int, list[str], int]:
    """Every file in scope, each judged or served by the findings cache (`bot.gate.findings_cache`)."""
    from bot.gate.findings_cache import Entry, open_cache

    files = [p for p in ctx.graph.files() if scope.checks(p)]
    earlier = take_notes()  # (reported as before; a judgement that notes a skipped file is not kept, below)
    cache = open_cache(ctx.graph, config) if files and use_cache else None
    kept = cache.lookup(files) if cache is not None else {}
    if len(files) - len(kept) > len(files) // 10:  # many to judge: every file's facts in one query
        ctx.graph.preload(ctx.graph.files())
    found: list[Hit] = []
    fresh: dict[str, Entry] = {}
    for p in files:
        entry = kept.get(p)
        if entry is None:
            entry = Entry(tuple(_run_file(ctx, p)), ctx.not_checked.get(p, ""))
            if ctx.graph.facts(p) is not None:  # (no facts this run, e.g. unreadable: nothing to keep)
                fresh[p] = entry
        elif entry.not_analysed:
            ctx.not_checked[p] = entry.not_analysed
        found.extend(entry.hits)
    hits = [h.finding for h in found]
    ctx.data = harness_data(ctx.graph, found)
    notes = [*earlier, *take_notes()]
    if cache is not None and fresh and len(notes) == len(earlier):
        cache.save(fresh)
    if files:
        return hits, len(files), notes, len(kept)
    if ctx.graph.snapshot.source is Source.INDEX:
        return hits, 0, ["no Python files in the index to check (untracked files are not: `git add` them)", *notes], 0
    return hits, 0, ["no Python files to check", *notes], 0


def _check_change(ctx: RuleContext, scope: Scope, paths: Sequence[str] | None, base: str | None,
                  pushed: Pushed | None) -> tuple[list[Finding], int, list[str]]:
    graph: Graph = ctx.graph

    def is_python(p: str) -> bool:
        return p.endswith(".py") or graph.has_file(p)

    g = graph.snapshot.git
    raw, before = _raw_change(g, base, pushed, graph.snapshot.head, graph.snapshot.changes)
    change, old_blob = change_of(raw, paths, is_python, graph.has_file)
    notes = [_not_judged(p, graph) for p in paths or () if is_python(p) and not graph.has_file(p)]
    if not change.changed and not change.deleted:
        what = "pushed" if pushed else "changed" if base else "staged"
        return [], 0, [*notes, f"no {what} Python files to check"]
    ctx.touched = frozenset(change.changed) | frozenset(change.deleted)
    missing = [p for p in change.changed if p not in old_blob and p not in change.deleted]
    if g is not None:
        old_blob.update(g.blobs_at(before, missing))
        change = Change(change.changed, change.deleted, _facts_before(ctx, g, old_blob), change.renamed)
    subjects = subjects_of(change, graph.facts, lambda p: _modules_of_path(ctx, p, change), graph.paths_of)
    via = reexports(graph, subjects.names)  # `pkg.f(...)` where pkg/__init__ re-exports a re-signed f
    subjects = Subjects(subjects.modules, subjects.names | via, subjects.changed_modules | {m for m, _ in via})
    ctx.resigned = subjects.names
    full = [p for p in change.changed if scope.checks(p)]
    dependents = [p for p in _dependents(ctx, subjects, set(change.changed)) if scope.checks(p)]
    told = hints(change, graph.facts, lambda p: _modules_of_path(ctx, p, change))
    hits = [h for p in full for h in _run_file(ctx, p)]
    old_annotations = old_unevaluated_unbound(hits, change.before, graph.facts)
    hits = [h for h in hits if (h.finding.path, h.finding.line, h.finding.col) not in old_annotations]
    ctx.introduced = introduced_unbound(hits, change.before)
    ctx.kept_lines = kept_lines(g, old_blob, graph.source, [h for h in hits if (h.module, h.name) in subjects.names])
    ctx.predating = kept_lines(g, old_blob, graph.source, [h for h in hits if h.finding.rule not in LINTED_RULES
                                                           and not subjects.covers(h.module, h.name)])
    ctx.predating |= old_syntax_errors(hits, change.before)
    ctx.data = harness_data(graph, hits)
    rules = _dependent_rules(subjects)
    narrow = _narrowing(ctx, subjects, dependents)
    hits += [h for p in dependents for h in _run_file(ctx, p, rules, narrow) if subjects.covers(h.module, h.name)]
    absent = absent_modules(ctx, change, lambda p: _modules_of_path(ctx, p, change))
    gone = [h for h in removed_module_hits(ctx, change, absent) if scope.checks(h.finding.path)]
    hits += gone
    findings = _unique([_with_hint(h, told, absent) for h in hits])
    from bot.gate.rules.cycles import new_cycles

    findings.extend(f for f in new_cycles(ctx, change) if scope.checks(f.path))
    checked = set(full) | set(dependents) | {h.finding.path for h in gone}
    return findings, len(checked), notes


def _raw_change(g: git.Git | None, base: str | None, pushed: Pushed | None, head: str | None = None,
                staged: list[git.StagedChange] | None = None) -> tuple[list[git.StagedChange], str | None]:
    """git's entries of the change, and the commit the change starts from (None: nothing before it). `head`,
    `staged`: HEAD's commit and the index's diff against it when the snapshot already asked git for them."""
    if g is None:
        return [], None
    if pushed is not None:
        return g.changes_between(pushed.base, pushed.tip), None if pushed.base == git.EMPTY_TREE else pushed.base
    if base is not None:
        return g.changes_since(base), g.commit(base)
    if head is not None and staged is not None:
        return staged, head
    head = head or g.head()
    return g.staged_changes_from(head), head


def _facts_before(ctx: RuleContext, g: git.Git, old_blob: dict[str, str]) -> dict[str, FileFacts]:
    """The facts of the change's files before it (path -> old blob sha): from the store for blobs parsed
    before (the usual case: HEAD's files are in the graph, no blob is read), the rest read and parsed."""
    graph: Graph = ctx.graph
    stored = {p: facts for p, sha in old_blob.items() if (facts := graph.stored_facts(sha)) is not None}
    read = read_before(g, {p: sha for p, sha in old_blob.items() if p not in stored}, _blob_parser(ctx))
    return {p: stored[p] if p in stored else read[p] for p in old_blob if p in stored or p in read}


def _not_judged(path: str, graph: Graph) -> str:
    if graph.snapshot.source is Source.INDEX:
        return f"{path}: not in the index, not checked (`git add` it to check it)"
    return f"{path}: not found, not checked"


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place (a removed module is reported by the rules and by its importers)."""
    seen: set[tuple[str, str, int, int]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule, f.path, f.line, f.col)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _with_hint(hit: Hit, told: dict[tuple[str, str], str], absent: list[Absent]) -> Finding:
    text = told.get((hit.module, hit.name or ""))
    if hit.finding.rule == "missing-module":
        text = next((a.hint() for a in absent if a.unstaged and a.module == hit.module), "") or text
    if not text or hit.finding.rule not in ("missing-symbol", "missing-attribute", "missing-module"):
        return hit.finding
    f = hit.finding
    return Finding(f.rule, f.severity, f.path, f.line, f.col, f.end_line, f.message, text)


def _run_file(ctx: RuleContext, path: str, rules: list[Rule] | None = None,
              narrow: Narrowing | None = None) -> Iterable[Hit]:
    """The hits of `rules` (default: every rule) in `path`; `narrow`: only at the places of `path` that may
    lead to the change (a dependent file, `bot.gate.reach`)."""
    facts = ctx.graph.facts(path)
    if facts is None:
        return
    if facts.not_analysed:
        ctx.not_checked[path] = facts.not_analysed
    if narrow is not None:
        facts = narrow(path, facts)
    if rules is None:
        local, cross = _rules()
        rules = [*local, *cross]
    for rule in rules:
        yield from rule(ctx, path, facts)


Narrowing = Callable[[str, FileFacts], FileFacts]


def _narrowing(ctx: RuleContext, subjects: Subjects, dependents: list[str]) -> Narrowing | None:
    """Judge dependents only where they may reach the change (`bot.gate.reach`): when no module is gone and
    every subject is a module-level name (members take the member rule, which is not narrowed)."""
    if not dependents or subjects.modules or any("." in name for _, name in subjects.names):
        return None
    from bot.gate.reach import narrowed, reach_of

    reach = reach_of(ctx.graph, subjects.names)
    return lambda path, facts: narrowed(ctx.graph, path, facts, reach)


def _dependent_rules(subjects: Subjects) -> list[Rule]:
    """The rules to run in a file that depends on the change: the cross-file ones, less `missing-member` when
    no hit of it can be about the change (its subjects are members, `Cls.x`, and the change removed no module
    and re-signed or removed no member): it would read every file's facts only to have its hits dropped."""
    _, cross = _rules()
    if subjects.modules or any("." in name for _, name in subjects.names):
        return list(cross)
    from bot.gate.rules.members import member_rules

    return [r for r in cross if r is not member_rules]


def _blob_parser(ctx: RuleContext) -> ParseBlob:
    graph: Graph = ctx.graph
    return lambda data, sha: graph.parse_blob(data)


def _modules_of_path(ctx: RuleContext, path: str, change: Change) -> list[str]:
    """Module names of `path`, also for a file that no longer exists (deleted or renamed away: named as
    it was, with the packages the change deleted still counted as packages)."""
    mods = list(ctx.graph.modules_of(path))
    if mods:
        return mods
    from bot.graph.layout import module_names, package_dirs

    init_dirs = ctx.graph.layout.init_dirs | package_dirs(change.deleted)
    return module_names(path, init_dirs, tuple(ctx.graph.layout.roots))


def _dependents(ctx: RuleContext, subjects: Subjects, exclude: set[str]) -> list[str]:
    """Files with an import or use that may refer to what the change removed or re-signed (the graph's stored
    reverse edges; a scan of every file's imports when the graph has none)."""
    if not subjects:
        return []
    touched = subjects.changed_modules
    references = getattr(ctx.graph, "references", None)
    if references is not None and subjects.modules:
        found = {ref[0] for module in touched for ref in references(module)}
        return sorted(found - exclude)
    if references is not None:
        # No module is gone, so a finding kept in a dependent is about a (module, name) of `subjects.names`:
        # only a file naming `module.name` (import, attribute, call; `Cls` for `Cls.meth`) or star-importing
        # `module` can hold one, not every importer of the module (180 files import another name of a Django
        # module whose function 42 files call)
        found = {ref[0] for module, name in subjects.names
                 for dotted in (f"{module}.{name.split('.')[0]}", f"{module}.*") for ref in references(dotted)}
        return sorted(found - exclude)
    out: list[str] = []
    for path in ctx.graph.files():
        if path in exclude:
            continue
        facts: FileFacts | None = ctx.graph.facts(path)
        if facts is None or not facts.imports:
            continue
        if any(m in touched for imp in facts.imports
               for m in referenced_modules(ctx.resolver.absolute_module(path, imp), imp.name)):
            out.append(path)
    return out
