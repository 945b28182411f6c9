"""What a change does to the repository's modules: which files changed, and what they lost.

The change is git's (`git.StagedChange` list: the index against HEAD, the working tree against a base, or a
pushed range), read with renames; PATHS add files to judge in full. "Lost" means: a module that no longer
exists, a module-level name that is no longer bound, or a function/class/method whose signature changed.
Those are the subjects the dependents are re-checked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import git
from bot.graph.model import Definition, FileFacts

if TYPE_CHECKING:
    from bot.gate.rules import Hit

ParseBlob = Callable[[bytes, str], FileFacts]  # (bytes, blob sha) -> facts


@dataclass(frozen=True)
class Subjects:
    """What dependents must be re-checked for."""

    modules: frozenset[str] = frozenset()  # modules that no longer exist
    names: frozenset[tuple[str, str]] = frozenset()  # (module, name) removed or re-signed
    changed_modules: frozenset[str] = frozenset()  # every module of a changed or deleted file

    def __bool__(self) -> bool:
        return bool(self.modules or self.names)

    def covers(self, module: str, name: str | None) -> bool:
        """Whether a finding about `module` (and `name` in it) is about something the change did."""
        if module in self.modules or any(module.startswith(m + ".") for m in self.modules):
            return True
        if name is None:
            return False
        return (module, name) in self.names or f"{module}.{name}" in self.modules


@dataclass(frozen=True)
class Change:
    """The files a check judges as changed or deleted, with their facts before the change."""

    changed: tuple[str, ...]  # files of the judged snapshot whose content differs from before (or was passed)
    deleted: tuple[str, ...]  # files gone from the snapshot (including the old side of renames)
    before: dict[str, FileFacts] = field(default_factory=dict)  # facts before the change, changed/deleted files
    renamed: dict[str, str] = field(default_factory=dict)  # old path -> new path (git's rename detection)


def change_of(raw: Sequence[git.StagedChange], paths: Sequence[str] | None, is_python: Callable[[str], bool],
              exists: Callable[[str], bool]) -> tuple[Change, dict[str, str]]:
    """The change to check from git's entries (plus PATHS that exist in the judged snapshot), and the old
    blob sha of every old path git named (for reading its facts)."""
    changed: dict[str, None] = {}
    deleted: dict[str, None] = {}
    renamed: dict[str, str] = {}
    old_blob: dict[str, str] = {}
    for c in raw:
        if c.status in ("D", "R") and is_python(c.old_path):
            deleted[c.old_path] = None
            if c.old_sha != git.NULL_SHA:
                old_blob[c.old_path] = c.old_sha
            if c.status == "R":
                renamed[c.old_path] = c.path
        if c.status != "D" and is_python(c.path) and exists(c.path):
            changed[c.path] = None
            if c.status in ("M", "T") and c.old_sha != git.NULL_SHA:
                old_blob[c.path] = c.old_sha
    for p in paths or ():
        if is_python(p) and exists(p):
            changed[p] = None
    kept = tuple(p for p in deleted if p not in changed)
    return Change(tuple(changed), kept, renamed={o: n for o, n in renamed.items() if o in kept}), old_blob


def read_before(g: git.Git, old_blob: dict[str, str], parse: ParseBlob) -> dict[str, FileFacts]:
    blobs = g.read_blobs(list(old_blob.values()))
    return {path: parse(blobs[sha], sha) for path, sha in old_blob.items() if sha in blobs}


def subjects_of(change: Change, facts: Callable[[str], FileFacts | None],
                modules_of: Callable[[str], list[str]],
                paths_of: Callable[[str], list[str]] = lambda module: []) -> Subjects:
    """`paths_of`: the files of the judged snapshot that provide a module. A deleted file's module that another
    file still provides (`bad.py` in two script folders, docs examples run each from its own directory) is not
    gone: what it lost are the deleted file's names the other files do not bind."""
    gone: set[str] = set()
    names: set[tuple[str, str]] = set()
    touched: set[str] = set()
    for path in change.deleted:
        mods = modules_of(path)
        touched.update(mods)
        if path in change.changed:
            continue
        for module in mods:
            others = [p for p in paths_of(module) if p != path]
            old = change.before.get(path)
            if not others or old is None:
                gone.add(module)
                continue
            bound = {n for p in others if (f := facts(p)) is not None for n in f.module_names}
            names.update((module, n) for n in set(old.module_names) - bound)
    for path in change.changed:
        old, new = change.before.get(path), facts(path)
        mods = modules_of(path)
        touched.update(mods)
        if old is None or new is None:
            continue
        lost = lost_names(old, new)
        names.update((m, n) for m in mods for n in lost)
    return Subjects(frozenset(gone), frozenset(names), frozenset(touched))


def lost_names(old: FileFacts, new: FileFacts) -> set[str]:
    """Module-level names unbound by the change, plus defs/methods whose signature changed.

    A re-signed method `Cls.meth` is reported as `Cls` (callers reach it through the class)."""
    lost = set(old.module_names) - set(new.module_names)
    if old.all_names is not None:
        lost |= set(old.all_names) - set(new.all_names or ()) - set(new.module_names)
    new_defs = {d.qualname: d for d in new.definitions}
    for d in old.definitions:
        now = new_defs.get(d.qualname)
        if now is not None and _resigned(d, now):
            lost.add(d.qualname.split(".")[0])
        elif now is None and "." in d.qualname:
            lost.add(d.qualname)  # a removed member: `missing-member` findings are about "Cls.name"
    return lost


def _resigned(old: Definition, new: Definition) -> bool:
    return (old.kind != new.kind or old.signature != new.signature or old.decorators != new.decorators
            or old.bases != new.bases or old.metaclass != new.metaclass)


def referenced_modules(absolute_modules: Iterable[str], imp_name: str | None) -> Iterable[str]:
    """Every absolute module name an import may refer to (its module, the module's parents, and
    `module.name` for `from module import name`)."""
    for base in absolute_modules:
        parts = base.split(".")
        for i in range(1, len(parts) + 1):
            yield ".".join(parts[:i])
        if imp_name and imp_name != "*":
            yield f"{base}.{imp_name}"


def hints(change: Change, facts: Callable[[str], FileFacts | None],
          modules_of: Callable[[str], list[str]]) -> dict[tuple[str, str], str]:
    """(module, lost name) -> what the change did with it: "renamed to `y`" or "now lives in `f.py`"."""
    gained: dict[str, list[tuple[str, Definition]]] = {}  # name -> (path, definition) newly defined
    lost: list[tuple[str, str, Definition]] = []  # (path, name, old definition)
    for path in change.changed:
        old, new = change.before.get(path), facts(path)
        if new is None:
            continue
        old_top = old.top_level() if old is not None else {}
        for name, d in new.top_level().items():
            if name not in old_top:
                gained.setdefault(name, []).append((path, d))
        lost.extend((path, n, d) for n, d in old_top.items() if n not in new.module_names)
    for path in change.deleted:
        old = change.before.get(path)
        if old is not None:
            lost.extend((path, n, d) for n, d in old.top_level().items())
    out: dict[tuple[str, str], str] = {}
    for path, name, d in lost:
        text = _hint(path, name, d, gained)
        if text:
            out.update(((m, name), text) for m in modules_of(path))
    return out


def _hint(path: str, name: str, old: Definition, gained: dict[str, list[tuple[str, Definition]]]) -> str:
    elsewhere = [p for p, _ in gained.get(name, []) if p != path]
    if len(elsewhere) == 1:
        return f"`{name}` now lives in `{elsewhere[0]}`"
    renamed = [n for n, defs in gained.items() for p, d in defs
               if p == path and d.kind == old.kind and d.signature == old.signature]
    if len(renamed) == 1:
        return f"`{name}` was renamed to `{renamed[0]}` in this change"
    return ""


def introduced_unbound(hits: Iterable[Hit], before: dict[str, FileFacts]) -> frozenset[tuple[str, int, int]]:
    """The places of `undefined-name` hits whose name the change made unbound: the file was there before,
    whole (no syntax error), and that name was bound where it was used or not used at all. A new file's
    names, or a file that did not parse before, introduce nothing this way (nothing to compare with)."""
    out: set[tuple[str, int, int]] = set()
    for hit in hits:
        f = hit.finding
        old = _unbound_before(f.path, before)
        if f.rule == "undefined-name" and old is not None and hit.name not in old:
            out.add((f.path, f.line, f.col))
    return frozenset(out)


def old_unevaluated_unbound(hits: Iterable[Hit], before: dict[str, FileFacts],
                            facts: Callable[[str], FileFacts | None]) -> frozenset[tuple[str, int, int]]:
    """The places of `undefined-name` hits read only in annotations the running code never evaluates
    (`from __future__ import annotations`, PEP 649) whose name the file already had unbound before the change:
    an old mistake for type checkers that the commit neither made nor made break at run time (a TypedDict field
    annotated with a type the module never imports). `facts`: the files' facts as the change has them."""
    out: set[tuple[str, int, int]] = set()
    for hit in hits:
        f = hit.finding
        if f.rule != "undefined-name":
            continue
        old, now = _unbound_before(f.path, before), facts(f.path)
        if old is not None and hit.name in old and now is not None and any(
                i.unevaluated and i.line == f.line and i.col == f.col and i.rule == f.rule for i in now.issues):
            out.add((f.path, f.line, f.col))
    return frozenset(out)


def _unbound_before(path: str, before: dict[str, FileFacts]) -> frozenset[str] | None:
    """The names `path` used unbound before the change; None when there is nothing to compare with (a new
    file, or one that did not parse before)."""
    old = before.get(path)
    if old is None or not old.parse_ok or any(i.rule == "syntax-error" for i in old.issues):
        return None
    return frozenset(i.name for i in old.issues if i.rule == "undefined-name")


def old_syntax_errors(hits: Iterable[Hit], before: dict[str, FileFacts]) -> frozenset[tuple[str, int]]:
    """(path, line) of `syntax-error` hits that the file had before the change, the same error (its message)
    at any line: the commit did not make the file uncompilable."""
    out: set[tuple[str, int]] = set()
    for hit in hits:
        f = hit.finding
        old = before.get(f.path)
        if f.rule == "syntax-error" and old is not None and any(
                i.rule == "syntax-error" and i.message == f.message for i in old.issues):
            out.add((f.path, f.line))
    return frozenset(out)


# Lines of the changed middle of a file (after its common head and tail) beyond which the kept lines are not looked
# for: SequenceMatcher is quadratic on repetitive input, and a hostile file can be made of one line repeated.
_MATCH_LINES = 4000


def unchanged_lines(old: list[str], new: list[str]) -> frozenset[int]:
    """1-based numbers of the lines of `new` that `old` already had, in place. The common head and tail count as
    kept; the middle between them is matched line by line only when both sides are at most `_MATCH_LINES` long,
    else all of it counts as changed (a line then reads as edited, so a `# type: ignore` on it quiets findings as
    it did before kept lines were judged)."""
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    kept = set(range(1, head + 1)) | set(range(len(new) - tail + 1, len(new) + 1))
    old_mid, new_mid = old[head:len(old) - tail], new[head:len(new) - tail]
    if old_mid and new_mid and len(old_mid) <= _MATCH_LINES and len(new_mid) <= _MATCH_LINES:
        import difflib  # (only when the change broke a use in a file it touches)

        matcher = difflib.SequenceMatcher(None, old_mid, new_mid, autojunk=False)
        kept.update(head + j + k + 1 for _i, j, size in matcher.get_matching_blocks() for k in range(size))
    return frozenset(kept)


def kept_lines(g: git.Git | None, old_blob: dict[str, str], source_of: Callable[[str], str],
                hits: list[Hit]) -> frozenset[tuple[str, int]]:
    """(path, line) of `hits` (findings about what the change removed or re-signed, in files it touches) whose
    line the change left as it was: a bare `# type: ignore` there was written while the removed name still
    existed, so about another complaint (jinja2's `return self._async_invoke(...)  # type: ignore`)."""
    paths = sorted({h.finding.path for h in hits if h.finding.path in old_blob})
    if g is None or not paths:
        return frozenset()
    blobs = g.read_blobs([old_blob[p] for p in paths])
    out: set[tuple[str, int]] = set()
    for path in paths:
        old = blobs.get(old_blob[path])
        if old is None:
            continue
        kept = unchanged_lines(old.decode("utf-8", "replace").splitlines(), source_of(path).splitlines())
        out.update((path, h.finding.line) for h in hits if h.finding.path == path and h.finding.line in kept)
    return frozenset(out)
