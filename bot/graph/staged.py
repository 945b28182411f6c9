"""The index snapshot at the cost of the change, not of the repository (issue 10).

Listing the index (`git ls-files -s`) and comparing it with every stored file costs a pass over every path of
the repository on every commit. Instead the store keeps the last index snapshot (`index_files`: path -> sha of
every in-scope file) with the state it was taken in (`IndexState`: HEAD's tree id then, and the paths where the
index differed from that tree). The next run asks git only what differs:

    the index now equals HEAD's tree T' outside `git diff-index --cached T'` (D'),
    T' equals the stored tree T outside `git diff-tree T T'`,
    T equals the stored snapshot outside the stored staged paths (D),

so a path outside D, D' and diff(T, T') has its stored sha. Inside, git's raw diffs already say the entry: a
path of D' has the index entry `diff-index` gives (the one reading of the change the gate also uses), a path of
diff(T, T') outside D' has its entry in T' (`diff-tree`); a path of D outside both is back to its entry in T,
which the stored state kept from the old side of the stored diff (`IndexState.before`: a change staged, then
unstaged or reset, costs no listing); only the rest (unmerged paths, states stored without `before`) is listed
with one `ls-files -s` on exactly them, usually none. The same records a full listing gives
(stage 0 only, so unmerged paths are absent; intent-to-add entries are present, as the empty blob). A stored
snapshot is only kept when it is exact without looking at other files: never when a symbolic link is in scope (its sha follows its target), a listed blob was
missing, or the files table was since written from another source (working tree, a pushed commit).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass

from bot.errors import GitError
from bot.git import MODE_FILE, MODE_LINK, NULL_SHA, Git, StagedChange
from bot.graph.store import Store

STATE_KEY = "index_state"
MAX_PATHS = 5000  # more paths than this to look up: list the whole index instead (one call, no pathspecs)


@dataclass(frozen=True)
class IndexState:
    """What the stored index snapshot was taken from."""

    tree: str  # HEAD's tree id
    staged: tuple[str, ...]  # paths where the index differed from `tree`
    layout_key: str  # `paths_key` of its .py files (the stored layout that fits it)
    roots: tuple[str, ...]
    # (path, mode, sha) in `tree` of the staged paths whose entry there the diff says for sure (mode "": none)
    before: tuple[tuple[str, str, str], ...] = ()


def load_state(store: Store) -> IndexState | None:
    raw = store.meta(STATE_KEY)
    if not raw:
        return None
    try:
        tree, staged, layout_key, roots, *rest = json.loads(raw)
        before = tuple((str(p), str(m), str(s)) for p, m, s in rest[0]) if rest else ()
        return IndexState(str(tree), tuple(staged), str(layout_key), tuple(roots), before)
    except (ValueError, TypeError):
        return None


def save_state(store: Store, state: IndexState | None) -> None:
    """Record `state` (None: no stored snapshot may be trusted any more). Inside a transaction."""
    value = "" if state is None else json.dumps([state.tree, list(state.staged), state.layout_key,
                                                  list(state.roots), [list(b) for b in state.before]])
    if (store.meta(STATE_KEY) or "") != value:
        store.set_meta(STATE_KEY, value)


@dataclass(frozen=True)
class IndexDelta:
    """How the index differs from the stored snapshot: path -> new sha (None: no longer in it)."""

    base: IndexState  # the stored state it was computed against
    state: IndexState
    overlay: dict[str, str | None]
    old: dict[str, str]  # the stored shas of the overlay's paths

    def file_set_changed(self, suffix: str) -> bool:
        """Whether a file with `suffix` came or went."""
        return any((new is None) != (p not in self.old) for p, new in self.overlay.items() if p.endswith(suffix))

    def count_change(self, suffix: str) -> int:
        return sum((new is not None) - (p in self.old) for p, new in self.overlay.items() if p.endswith(suffix))


def index_delta(store: Store, git: Git, tree: str, changes: list[StagedChange], roots: tuple[str, ...],
                in_scope: Callable[[str], bool]) -> IndexDelta | None:
    """The delta of the current index (HEAD's tree `tree`; `changes`: the index's diff against it) against the
    store's snapshot, over the paths `in_scope` keeps; None when the store has no snapshot it can vouch for, or
    the change is too big to look up."""
    state = load_state(store)
    if state is None or state.roots != roots:
        return None
    staged = {p for c in changes for p in (c.path, c.old_path)}
    entries = _entries_after(changes)  # D'
    paths = set(state.staged) | staged
    unsure = set(staged)  # paths the index's or the trees' diff speak of: never taken from the stored state
    try:
        if state.tree != tree:
            moved = git.tree_changes(state.tree, tree)  # (a tree gc removed: list everything)
            paths.update(c.path for c in moved)
            unsure.update(c.path for c in moved)
            in_tree = {p: e for p, e in _entries_after(moved).items() if p not in staged}  # (D' decides its own)
            entries = {**in_tree, **entries}
        wanted = sorted(p for p in paths if in_scope(p))
        if len(wanted) > MAX_PATHS:
            return None
        back = {p: (m, sha) if m else None for p, m, sha in state.before}  # D's entries in T
        entries.update({p: back[p] for p in wanted if p not in unsure and p in back})  # (index = T' = T there)
        rest = [p for p in wanted if p not in entries]
        records = git.index_records_of(rest) if rest else []
    except GitError:
        return None
    entries.update({p: None for p in rest})
    entries.update({path: (mode, sha) for mode, sha, path in records})
    new: dict[str, str] = {}
    for path in wanted:
        entry = entries[path]
        if entry is not None and entry[0] == MODE_LINK:
            return None  # a link's sha is its target's: other files decide it
        if entry is not None and entry[0] in MODE_FILE:
            new[path] = entry[1]
    old = store.index_shas(wanted)
    overlay = {p: new.get(p) for p in wanted if new.get(p) != old.get(p)}
    return IndexDelta(state, IndexState(tree, tuple(sorted(staged)), state.layout_key, roots, entries_before(changes)),
                      overlay, {p: old[p] for p in overlay if p in old})


def entries_before(changes: list[StagedChange]) -> tuple[tuple[str, str, str], ...]:
    """(path, mode, sha) of the old side of raw diff entries (mode "": no entry there), sorted. Unmerged paths
    are left out, and so is any path with more than one entry."""
    out: dict[str, tuple[str, str]] = {}
    doubtful: set[str] = set()
    for c in changes:
        if c.status == "U" or not c.new_mode or not c.old_mode:
            doubtful.update((c.path, c.old_path))
            continue
        sides = {c.old_path: ("", "") if c.old_sha == NULL_SHA or c.status == "A" else (c.old_mode, c.old_sha)}
        if c.path != c.old_path:
            sides[c.path] = ("", "")  # a rename's (or copy's) new path: git pairs it with no entry of the tree
        for path, entry in sides.items():
            if path in out:
                doubtful.add(path)
            out[path] = entry
    return tuple(sorted((p, m, s) for p, (m, s) in out.items() if p not in doubtful))


def _entries_after(changes: list[StagedChange]) -> dict[str, tuple[str, str] | None]:
    """path -> (mode, sha) of the new side of raw diff entries (None: no entry there). Unmerged paths are left
    out (their stage-0 absence is asked of `ls-files`), and so is any path with more than one entry."""
    out: dict[str, tuple[str, str] | None] = {}
    doubtful: set[str] = set()
    for c in changes:
        if c.old_path != c.path:  # a rename's source is gone from the new side
            out.setdefault(c.old_path, None)
        unmerged = c.status == "U" or not c.new_mode
        if unmerged or out.get(c.path) is not None:
            doubtful.add(c.path)
        else:
            out[c.path] = None if c.status == "D" or c.new_sha == NULL_SHA else (c.new_mode, c.new_sha)
    return {p: e for p, e in out.items() if p not in doubtful}


class StoredShas(MutableMapping[str, str]):
    """path -> sha of the stored index snapshot with `overlay` applied: looked up one path at a time (an
    indexed query), listed whole only when iterated. `suffix` restricts it to paths ending so (".py")."""

    def __init__(self, store: Store, overlay: dict[str, str | None], suffix: str = "") -> None:
        self._store = store
        self._overlay = overlay
        self._suffix = suffix
        self._memo: dict[str, str | None] = {}
        self._all: dict[str, str] | None = None

    def view(self, suffix: str) -> StoredShas:
        """The paths ending with `suffix` (sharing this mapping's overlay)."""
        return StoredShas(self._store, self._overlay, suffix)

    def _get(self, path: str) -> str | None:
        if self._suffix and not path.endswith(self._suffix):
            return None
        if self._all is not None:
            return self._all.get(path)
        if path in self._overlay:
            return self._overlay[path]
        if path not in self._memo:
            self._memo[path] = self._store.index_sha(path)
        return self._memo[path]

    def listing(self) -> dict[str, str]:
        """Every path and sha (one query, cached)."""
        if self._all is None:
            found = self._store.index_listing(self._suffix)
            for path, sha in self._overlay.items():
                if self._suffix and not path.endswith(self._suffix):
                    continue
                if sha is None:
                    found.pop(path, None)
                else:
                    found[path] = sha
            self._all = found
        return self._all

    def __getitem__(self, path: str) -> str:
        sha = self._get(path)
        if sha is None:
            raise KeyError(path)
        return sha

    def get(self, path: str, default: str | None = None) -> str | None:  # type: ignore[override]
        sha = self._get(path)
        return default if sha is None else sha

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._get(path) is not None

    def __setitem__(self, path: str, sha: str) -> None:
        self._overlay[path] = sha
        self._memo.pop(path, None)
        if self._all is not None:
            self._all[path] = sha

    def __delitem__(self, path: str) -> None:
        if path not in self:
            raise KeyError(path)
        self._overlay[path] = None
        self._memo.pop(path, None)
        if self._all is not None:
            del self._all[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.listing())

    def __len__(self) -> int:
        return len(self.listing())


