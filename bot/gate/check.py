"""`run_check`: choose the files (all, or a staged change and its dependents), run the rules, apply policy."""

from __future__ import annotations

import gc
import hashlib
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.gate.change import (
    Change,
    Subjects,
    hints,
    read_before,
    referenced_modules,
    staged_change,
    subjects_of,
)
from bot.gate.findings import Finding
from bot.gate.policy import apply_policy
from bot.gate.result import CheckResult, NotChecked
from bot.gate.rules import Hit, Rule, RuleContext
from bot.gate.scope import Scope, load_scope
from bot.graph import open_graph
from bot.graph.model import FileFacts
from bot.repo_files import take_notes


def _rules() -> tuple[list[Rule], list[Rule]]:
    """(file-local rules, cross-file rules)."""
    from bot.gate.rules.arity import arity_rules
    from bot.gate.rules.attributes import attribute_rules
    from bot.gate.rules.deps import dependency_rules
    from bot.gate.rules.imports import import_rules
    from bot.gate.rules.local import local_rules

    return [local_rules, dependency_rules], [import_rules, attribute_rules, arity_rules]


def run_check(root: Path, paths: Sequence[str] | None = None, *, all_files: bool = False,
              config: Config | None = None, base: str | None = None) -> CheckResult:
    """Check `paths` (plus the staged change), the staged change (paths=None), or every file (all_files).

    `base` (a commit): check the working tree's change since that commit instead of the staged change,
    dependents included (what a pull request changed, in CI)."""
    collecting = gc.isenabled()
    gc.disable()  # facts are acyclic, short-lived-process data: tracing them for cycles costs ~40% of a warm run
    try:
        return _run_check(root, paths, all_files, config, base)
    finally:
        if collecting:
            gc.enable()


def _run_check(root: Path, paths: Sequence[str] | None, all_files: bool, config: Config | None,
               base: str | None) -> CheckResult:
    started = time.perf_counter()
    root = root.resolve()
    config = config or load_config(root)
    scope = load_scope(root, config.gate)
    graph = open_repository_graph(root, config)
    try:
        ctx = RuleContext(graph, {"config": config})
        if all_files:
            hits, checked, notes = _check_all(ctx, scope)
        else:
            hits, checked, notes = _check_change(ctx, scope, root, paths, base)
        facts_of = {f.path: graph.facts(f.path) for f in hits}
        findings = apply_policy(hits, config.gate, facts_of, graph.source)
        parsed = int(graph.store.parsed)
        skipped = tuple(NotChecked(p, why) for p, why in sorted(ctx.extra.get("not_checked", {}).items()))
    finally:
        graph.close()
        graph.release()
    stats: dict[str, float | int] = {"files_checked": checked, "files_parsed": parsed,
                                     "seconds": round(time.perf_counter() - started, 3)}
    return CheckResult(findings, stats, (*notes, *take_notes()), skipped)


def open_repository_graph(root: Path, config: Config) -> Any:
    """The graph of `root`; outside a git repository its database lives in the temporary directory."""
    if (root / ".git").exists() or config.gate.db_path:
        return open_graph(root, config)
    key = hashlib.sha1(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    db = Path(tempfile.gettempdir()) / "yantra" / f"{key}.sqlite"
    db.parent.mkdir(parents=True, exist_ok=True)
    return open_graph(root, config, db_path=db)


def _check_all(ctx: RuleContext, scope: Scope) -> tuple[list[Finding], int, list[str]]:
    files = [p for p in ctx.graph.files() if scope.checks(p)]
    ctx.graph.preload(ctx.graph.files())
    hits = [h.finding for p in files for h in _run_file(ctx, p, full=True)]
    return hits, len(files), ([] if files else ["no Python files to check"])


def _check_change(ctx: RuleContext, scope: Scope, root: Path, paths: Sequence[str] | None,
                  base: str | None) -> tuple[list[Finding], int, list[str]]:
    known = set(ctx.graph.files())

    def is_python(p: str) -> bool:
        return p.endswith(".py") or p in known

    change, old_blob = staged_change(root, paths, is_python, base)
    if not change.changed and not change.deleted:
        return [], 0, ["no changed Python files to check" if base else "no staged Python files to check"]
    change = Change(change.changed, change.deleted, read_before(root, old_blob, _blob_parser(ctx)))
    subjects = subjects_of(change, ctx.graph.facts, lambda p: _modules_of_path(ctx, p))
    full = [p for p in change.changed if scope.checks(p)]
    dependents = [p for p in _dependents(ctx, subjects, set(change.changed)) if scope.checks(p)]
    told = hints(change, ctx.graph.facts, lambda p: _modules_of_path(ctx, p))
    hits = [h for p in full for h in _run_file(ctx, p, full=True)]
    hits += [h for p in dependents for h in _run_file(ctx, p, full=False) if subjects.covers(h.module, h.name)]
    findings = [_with_hint(h, told) for h in hits]
    from bot.gate.rules.cycles import new_cycles

    findings.extend(f for f in new_cycles(ctx, change) if scope.checks(f.path))
    return findings, len(full) + len(dependents), []


def _with_hint(hit: Hit, told: dict[tuple[str, str], str]) -> Finding:
    text = told.get((hit.module, hit.name or ""))
    if not text or hit.finding.rule not in ("missing-symbol", "missing-attribute"):
        return hit.finding
    f = hit.finding
    return Finding(f.rule, f.severity, f.path, f.line, f.col, f.end_line, f.message, text)


def _run_file(ctx: RuleContext, path: str, *, full: bool) -> Iterable[Hit]:
    facts = ctx.graph.facts(path)
    if facts is None:
        return
    if facts.not_analysed:
        ctx.extra.setdefault("not_checked", {})[path] = facts.not_analysed
    local, cross = _rules()
    for rule in (local + cross) if full else cross:
        yield from rule(ctx, path, facts)


def _blob_parser(ctx: RuleContext) -> Any:
    return lambda data, sha: ctx.graph.parse_blob(data)


def _modules_of_path(ctx: RuleContext, path: str) -> list[str]:
    """Module names of `path`, also for a file that no longer exists (deleted or renamed away)."""
    mods = list(ctx.graph.modules_of(path))
    if mods:
        return mods
    from bot.graph.layout import module_names

    init_dirs = {p.rpartition("/")[0] for p in [*ctx.graph.files(), path]
                 if p == "__init__.py" or p.endswith("/__init__.py")}
    return module_names(path, init_dirs, tuple(ctx.graph.layout.roots))


def _dependents(ctx: RuleContext, subjects: Subjects, exclude: set[str]) -> list[str]:
    """Files with an import or use that may refer to a module the change touched (the graph's stored
    reverse edges; a scan of every file's imports when the graph has none)."""
    if not subjects:
        return []
    touched = subjects.changed_modules
    references = getattr(ctx.graph, "references", None)
    if references is not None:
        found = {ref[0] for module in touched for ref in references(module)}
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
