"""Which definitions go into a context, best first, and why: the evidence of the failure scored together.

Signals (each item records the ones that found it): the target; the repository frames of the failure's
traceback (innermost first); what the failure text shows (`evidence`): the names in its failing statements
(`>`), object reprs, pytest's introspection and exception messages (`Cls.__init__() got an unexpected
keyword`); what the target's code names — calls, imports, parametrize arguments, `self.x` members,
registries it subscripts or reaches by a key written in a string, methods reached by name-pattern dispatch
(`getattr(self, f"parse_{word}")` for a word it writes, `visit_{type(node).__name__}` for a reached class), the members of reached classes that the
test uses by attribute or by an operation (`str(x)` -> __str__, through the bases), its pytest fixtures by
name — followed through the graph to distance 3 with a weight that halves per step; the overrides, in a class
the test reaches directly, of the base methods reached (methods through the MRO); callers of a symbol
target; definitions in files changed on the branch; and BM25 between the failure text plus the target's
code and definition-sized chunks of the neighbourhood, as one signal among these. A method of a class the
graph reaches competes on its own: when it matches the failure lexically, it ranks with MEMBER_SHARE of its
class's weight plus its lexical share (in full under its class's compact skeleton, not the whole class or nothing).
Score = graph weight + LEXICAL * LEXICAL_HALF / (LEXICAL_HALF + BM25 rank) + CHANGED when in a changed file;
beyond the direct evidence (distance 2, 3 and BM25 alone) divided by (lines / SMALL) ** SIZE_EXP for a
definition longer than SMALL lines, counting the lines its context code shows (`shown_lines`: no comments or
blank lines, long docstrings folded): the budget holds relevance per token, so a long definition found by weak
evidence gives way to shorter ones found as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.context.compress import MAX_DOCSTRING_LINES
from bot.context.dispatch import Family, families
from bot.context.evidence import Clue, block_names, expectation_blocks, named
from bot.context.lexical import bm25, chunks, words
from bot.context.links import as_ref, file_refs, fixtures, protocol_methods, string_words
from bot.context.lookup import Lookup
from bot.context.signatures import split_lines
from bot.context.spectrum import Suspicion
from bot.context.targets import Seed, definition_at, failure_frames, frame_path

if TYPE_CHECKING:
    from bot.graph import Graph, SymbolRef
    from bot.graph.model import Definition

WEIGHT = {1: 1.0, 2: 0.4, 3: 0.15}
FRAME, FIXTURE, CALLER, CHANGED, LEXICAL = 1.5, 0.9, 0.6, 0.5, 1.0
SHOWN, FAILING_TEST_LINE, FAILING_LINE, NAMED_MODULE = 1.4, 1.3, 1.0, 0.3  # evidence of the failure's text
PROTOCOL = 0.8  # a special method that an operation of the target calls
REGISTRY_KEY, MAX_REGISTRY_KEYS = 0.9, 12  # a registry entry whose key the target writes in a string
DISPATCH, DISPATCH_SHARE = 0.9, 0.9  # a method dispatched by a word the test writes / of its class's weight
OVERRIDE_SHARE, MAX_ANCESTRY = 0.9, 4  # an override in a reached subclass: of the base method's weight; base depth
MAX_SHOWN_HITS = 3  # a name shown without its module, found in more places than this, is too vague
MAX_EXPAND = (60, 40)  # items expanded at distance 1 and 2
MAX_LEXICAL = 80  # items found by BM25 alone
LEXICAL_HALF = 10  # the BM25 rank whose lexical share is 1/2
MAX_POOL = 80  # files indexed for BM25: the neighbourhood first, then the rest of the repository
MAX_CHUNKS = 1500  # ... up to about this many definitions
MAX_ITEMS = 400
MAX_CALLERS = 25  # callers of a target placed at level 1 ...
MAX_CALLER_FILES = 60  # ... looked for in the first so many files that use it (each costs a read of its facts)
HOT, HOT_TOP = 1.0, 5  # a lexical match in a file of the best direct evidence: its share times 1 + HOT
SMALL, SIZE_EXP = 10, 0.3  # beyond the direct evidence: score / (lines / SMALL) ** SIZE_EXP for a longer definition
#   (the lines shown: comments and blank lines out, long docstrings folded)
MEMBER_SHARE = 0.5  # a lexically matching method of a reached class: of the class's weight
EXECUTED, MAX_EXECUTED = 1.0, 150  # a definition the failing tests ran: times its suspicion (Ochiai)
NOT_RUN = 0.75  # a function no failing test ran, when a trace tells: its score times this
_DOC_OPEN = re.compile(r"""[rRuUbB]{0,2}(\"\"\"|''')""")  # a line that opens a triple-quoted string
_QUOTE_START = frozenset("\"'rRuUbB")
_ATTR = re.compile(r"\.([A-Za-z_]\w*)")
_NOT_CODE_UNDER_TEST = ("docs/", "doc/", "examples/", "example/")
_BUILD = ("__init__", "__post_init__", "__new__", "__attrs_post_init__")


@dataclass(frozen=True)
class Item:
    path: str
    qualname: str  # "" for a whole file
    definition: Definition | None
    distance: int  # 0 the target; graph steps from it; LEXICAL_ONLY when only BM25 found it
    score: float
    order: int
    reason: str  # the strongest signal, in words
    signals: tuple[str, ...] = ()

    def key(self) -> tuple[bool, float, int]:
        return (self.distance != 0, -self.score, self.order)


LEXICAL_ONLY = 9


@dataclass
class Ranking:
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # the files' texts it read, by path (for the context)


@dataclass
class _Found:
    path: str
    definition: Definition | None
    distance: int
    weight: float
    reason: str
    order: int
    signals: list[str] = field(default_factory=list)
    lexical: float = 0.0


def rank(graph: Graph, seeds: list[Seed], failure: str | None,
         changed_paths: Sequence[str] = (), suspicion: Mapping[tuple[str, str], Suspicion] | None = None
         ) -> Ranking:
    """`suspicion`: what the failing tests ran (`bot.context.spectrum.suspicions` of a trace), if known."""
    return _Ranker(graph, failure or "", changed_paths, suspicion or {}).run(seeds)


class _Ranker:
    def __init__(self, graph: Graph, failure: str, changed: Sequence[str],
                 suspicion: Mapping[tuple[str, str], Suspicion]) -> None:
        self.graph = graph
        self.failure = failure
        self.suspicion = suspicion
        self.changed = {p for p in changed if graph.facts(p) is not None}
        self.lookup = Lookup(graph)
        self.found: dict[tuple[str, str], _Found] = {}
        self.sources: dict[str, list[str]] = {}
        self.notes: list[str] = []
        self.families: list[Family] | None = None
        self.python_files: list[str] | None = None

    def run(self, seeds: list[Seed]) -> Ranking:
        roots: list[SymbolRef] = []
        for seed in seeds:
            self.add(seed.path, seed.ref.definition if seed.ref else None, 0, 99.0, "target", "target")
            roots += [seed.ref] if seed.ref is not None else file_refs(self.graph, seed.path)
        self._frames()
        targets = [s.ref for s in seeds if s.ref is not None]
        for ref in targets:
            for fixture in fixtures(self.graph, ref):
                self.add_ref(fixture, 1, FIXTURE, f"fixture used by {ref.qualname}", "fixture")
        for root in roots:
            self.expand(root, 1)
        for ref in targets:
            if ref.definition.kind == "function":
                self._members_used(ref)
            if not _is_test(ref):
                for caller in self.graph.callers(ref, limit=MAX_CALLERS, files=MAX_CALLER_FILES):
                    self.add_ref(caller, 1, CALLER, f"calls {ref.qualname}", "caller")
        self._evidence(targets)
        for ref in targets:
            if ref.definition.kind == "function":
                self._protocols_used(ref)
            if _is_test(ref):  # a test writes the keys of what it exercises in its strings
                self._registry_keys(ref, seeds)
                self._dispatched_words(ref, seeds)
        for distance, limit in ((2, MAX_EXPAND[0]), (3, MAX_EXPAND[1])):
            for item in self._best(distance - 1)[:limit]:
                self.expand(as_ref(self.graph, item.path, item.definition), distance)  # type: ignore[arg-type]
        self._dispatched_types(seeds)
        self._overrides()
        self._changed_files()
        self._executed(seeds)
        self._lexical(seeds, targets)
        return Ranking(self.ranked(), self.notes, self.lookup.sources)

    # -- collecting -----------------------------------------------------------------------------------
    def add(self, path: str, definition: Definition | None, distance: int, weight: float, reason: str,
            signal: str) -> None:
        key = (path, definition.qualname if definition is not None else "")
        found = self.found.get(key)
        if found is None:
            self.found[key] = _Found(path, definition, distance, weight, reason, len(self.found), [signal])
            return
        if signal not in found.signals:
            found.signals.append(signal)
            found.weight += 0.1  # found again by another signal
        if weight > found.weight or distance < found.distance:
            found.distance = min(found.distance, distance)
            if weight > found.weight:
                found.weight, found.reason = weight, reason

    def add_ref(self, ref: SymbolRef, distance: int, weight: float, reason: str, signal: str) -> None:
        self.add(ref.path, ref.definition, distance, weight, reason, signal)

    def expand(self, ref: SymbolRef, distance: int) -> None:
        """What `ref`'s code names, at `distance` from the target."""
        weight = WEIGHT[distance]
        bases = self.lookup.bases(ref) if ref.definition.kind == "class" else []
        for base in bases:
            self.add_ref(base, distance, weight, f"base class of {ref.qualname}", "base")
        for callee in self.graph.callees(ref):
            self.add_ref(callee, distance, weight, f"called by {ref.qualname}", "callee")
        for hit, how in self.lookup.referenced(ref, self.code(ref.path, ref.definition)):
            if hit in bases:
                continue
            verb = "called by" if self._called(ref, how) else "named by"
            signal = "registry" if how.endswith("[…]") else "callee" if verb == "called by" else "name"
            self.add_ref(hit, distance, weight, f"{verb} {ref.qualname} as {how}", signal)
            if hit.definition.kind == "class" and verb == "called by":
                for name in _BUILD:
                    init = self.lookup.member(hit, name)
                    if init is not None:
                        self.add_ref(init, distance, weight * 0.9, f"builds {hit.qualname}", "member")

    def _called(self, ref: SymbolRef, how: str) -> bool:
        """`how` followed by `(` (blanks between) somewhere in `ref`'s code: a string scan, not a pattern per name."""
        code = self.code(ref.path, ref.definition)
        at = code.find(how)
        while at >= 0:
            end = at + len(how)
            while end < len(code) and code[end].isspace():
                end += 1
            if code.startswith("(", end):
                return True
            at = code.find(how, at + 1)
        return False

    def _frames(self) -> None:
        frames = failure_frames(self.graph, self.failure) if self.failure else []
        for depth, frame in enumerate(frames, start=1):
            definition = definition_at(self.graph, frame.path, frame.line)
            if definition is not None:  # the innermost frame ranks first
                self.add(frame.path, definition, 1, FRAME + 0.5 * depth / len(frames),
                         f"in the failure traceback ({frame.path}:{frame.line})", "traceback")

    def _evidence(self, targets: list[SymbolRef]) -> None:
        """The definitions the failure text names: in failing statements (`>`), object reprs, pytest's
        introspection and exception messages; a module it names (weakly) with its definitions."""
        tests = {t.path for t in targets if _is_test(t)}
        for written, line in expectation_blocks(self.failure) if self.failure else []:
            path = frame_path(self.graph, written)
            if path is None:
                continue
            for chain in block_names(self._lines(path), line):
                hit = self._in_scope(path, list(chain))
                if hit is not None:
                    self.add_ref(hit, 1, FAILING_TEST_LINE, f"called in the failing expectation block as "
                                 f"{'.'.join(chain)}", "failing line")
        for clue in named(self.failure) if self.failure else []:
            text = ".".join(clue.chain)
            if clue.clue is Clue.MODULE:
                for path in self.graph.paths_of(text):
                    for ref in file_refs(self.graph, path):
                        self.add_ref(ref, LEXICAL_ONLY, NAMED_MODULE, f"in module {text}, named by the failure",
                                     "failure")
                continue
            if clue.clue is Clue.FAILING_LINE:
                where = frame_path(self.graph, clue.path)
                hit = self._in_scope(where, list(clue.chain)) if where is not None else None
                weight = FAILING_TEST_LINE if where in tests else FAILING_LINE
                if hit is not None:
                    self.add_ref(hit, 1, weight, f"named by the failing line as {text}", "failing line")
                continue
            for hit in self._shown(list(clue.chain)):
                self.add_ref(hit, 1, SHOWN, f"{text} shown in the failure", "failure")
                if hit.definition.kind == "class":
                    init = self.lookup.member(hit, "__init__")
                    if init is not None:
                        self.add_ref(init, 1, SHOWN * 0.8, f"builds {hit.qualname}, shown in the failure", "failure")

    def _in_scope(self, path: str, chain: list[str]) -> SymbolRef | None:
        """What `a.b.c` in a failing line of `path` names: through the file's scope, else (for `obj.meth`)
        a member of a class the target reaches."""
        for n in range(len(chain), 0, -1):
            hit = self.lookup.resolve(path, chain[:n])
            if hit is not None:
                return hit if n == len(chain) or hit.definition.kind != "class" else (
                    self.lookup.member(hit, chain[n]) or hit)
        if len(chain) < 2:
            return None
        for item in list(self.found.values()):
            if item.distance == 1 and item.definition is not None and item.definition.kind == "class":
                member = self.lookup.member(as_ref(self.graph, item.path, item.definition), chain[-1])
                if member is not None:
                    return member
        return None

    def _shown(self, chain: list[str]) -> list[SymbolRef]:
        """The definitions a name shown in the failure names: `pkg.mod.Cls` through the modules, a bare
        `Cls.meth` or `name` by the graph's symbol search when it is specific enough."""
        if len(chain) > 1 and self.graph.paths_of(chain[0]):
            hit = self.lookup.in_module(chain[0], chain[1:])
            if hit is not None:
                return [hit]
        hits = [r for r in self.graph.find_symbol(".".join(chain)) if not _test_path(r.path)
                and r.definition.kind != "variable"]
        return hits if len(hits) <= MAX_SHOWN_HITS else []

    def _members_used(self, ref: SymbolRef) -> None:
        """Members of the reached classes that the target's code uses by attribute (`obj.meth()`)."""
        names = set(_ATTR.findall(self.code(ref.path, ref.definition)))
        for item in [f for f in self.found.values() if f.distance == 1 and f.definition is not None
                     and f.definition.kind == "class"]:
            cls = as_ref(self.graph, item.path, item.definition)  # type: ignore[arg-type]
            for name in sorted(names):
                hit = self.lookup.member(cls, name)
                if hit is not None:
                    self.add_ref(hit, item.distance, WEIGHT[item.distance], f"{cls.qualname}.{name} used by "
                                 f"{ref.qualname}", "member")

    def _protocols_used(self, ref: SymbolRef) -> None:
        """The special methods of the reached classes that the target's operations call (`str(obj)`,
        `a | b`, `x[k]`, `for v in x`), found through the bases."""
        names = sorted(protocol_methods(self.code(ref.path, ref.definition)))
        for item in list(self.found.values()):
            if item.distance != 1 or item.definition is None or item.definition.kind != "class":
                continue
            cls = as_ref(self.graph, item.path, item.definition)
            for name in names:
                hit = self.lookup.member(cls, name)
                if hit is not None:
                    self.add_ref(hit, 1, PROTOCOL, f"{cls.qualname}.{name} reached by an operation of "
                                 f"{ref.qualname}", "protocol")

    def _registry_keys(self, ref: SymbolRef, seeds: list[Seed]) -> None:
        """Entries of the neighbourhood's registries (module-level dicts with string keys) whose key the
        target writes in a string: `"{{ x|xmlattr }}"` reaches FILTERS["xmlattr"], `"/<float:v>"`
        reaches DEFAULT_CONVERTERS["float"]."""
        words = string_words(self.code(ref.path, ref.definition))
        if not words:
            return
        taken = 0
        for path in self._pool(seeds):
            if _test_path(path):
                continue
            for key, values in self.lookup.keyed(path).items():
                if key not in words or taken >= MAX_REGISTRY_KEYS:
                    continue
                for value in values:
                    hit = self.lookup.resolve(path, value.split("."))
                    if hit is not None:
                        taken += 1
                        self.add_ref(hit, 1, REGISTRY_KEY, f"registry entry {key!r} of {path}, named in a string "
                                     f"by {ref.qualname}", "registry")

    def _families(self, paths: list[str]) -> list[Family]:
        """The dispatch families of `paths` (the first call's: the neighbourhood at that point)."""
        if self.families is None:
            self.families = families(self.lookup, [p for p in paths if not _test_path(p)])
        return self.families

    def _dispatched_words(self, ref: SymbolRef, seeds: list[Seed]) -> None:
        """Methods a name-pattern dispatch reaches with a word the test writes in a string: the template
        `"{% set x = 1 %}"` reaches `Parser.parse_set` through `getattr(self, f"parse_{token.value}")`."""
        words = string_words(self.code(ref.path, ref.definition))
        for family in self._families(self._pool(seeds)) if words else []:
            for suffix in sorted(words.intersection(family.members)) if not family.by_type else []:
                for hit in family.members[suffix]:
                    self.add_ref(hit, 1, DISPATCH, f"dispatched by {family.owner} as {family.prefix}… for "
                                 f"'{suffix}' written by {ref.qualname}", "dispatch")

    def _dispatched_types(self, seeds: list[Seed]) -> None:
        """The method a type-name dispatch calls for each reached class: `visit_Assign` handles `Assign`
        when a visitor looks up `getattr(self, f"visit_{type(node).__name__}")`; it ranks like the class."""
        reached = [f for f in list(self.found.values()) if f.definition is not None
                   and f.definition.kind == "class" and 0 < f.distance <= max(WEIGHT) and not _test_path(f.path)]
        near = [s.path for s in seeds] + [f.path for f in self.found.values()]
        typed = [f for f in self._families(list(dict.fromkeys(near))) if f.by_type] if reached else []
        for item in reached if typed else []:
            name = item.definition.qualname.rsplit(".", 1)[-1]  # type: ignore[union-attr]
            for family in typed:
                for hit in family.members.get(name, []):
                    self.add_ref(hit, item.distance, item.weight * DISPATCH_SHARE, f"handles {name} (dispatched "
                                 f"by {family.owner} as {family.prefix}{{type(…).__name__}})", "dispatch")

    def _overrides(self) -> None:
        """A method reached on a base class runs, for a reached subclass that defines it again, as that
        override: `Field.serialize` calls `self._serialize`, which for the `Enum` field the test builds is
        `Enum._serialize`; `Undefined.__getattr__` is `ChainableUndefined.__getattr__` for that subclass. The
        override ranks like the base method (times OVERRIDE_SHARE), at the farther of the two distances."""
        methods: dict[tuple[str, str], list[_Found]] = {}
        for f in self.found.values():
            d = f.definition
            if d is not None and d.kind == "function" and "." in d.qualname and 0 < f.distance <= max(WEIGHT) \
                    and not _test_path(f.path):
                methods.setdefault((f.path, d.qualname.rsplit(".", 1)[0]), []).append(f)
        if not methods:
            return
        reached = [f for f in list(self.found.values()) if f.definition is not None and f.definition.kind == "class"
                   and f.distance == 1 and not _test_path(f.path)]  # what the test builds, names or shows
        for cls in reached:
            ref = as_ref(self.graph, cls.path, cls.definition)  # type: ignore[arg-type]
            own = self.lookup.defs(cls.path)
            for base in self._ancestors(ref):
                for method in methods.get((base.path, base.qualname), []):
                    name = method.definition.qualname.rsplit(".", 1)[-1]  # type: ignore[union-attr]
                    hits = [d for d in own.get(f"{ref.qualname}.{name}", []) if d.kind == "function"]
                    if hits:
                        self.add(cls.path, hits[-1], max(cls.distance, method.distance),
                                 min(cls.weight, method.weight) * OVERRIDE_SHARE,
                                 f"overrides {base.qualname}.{name} for {ref.qualname}", "override")

    def _ancestors(self, cls: SymbolRef) -> list[SymbolRef]:
        """The bases of `cls`, breadth first, up to MAX_ANCESTRY steps."""
        out: list[SymbolRef] = []
        level = [cls]
        for _ in range(MAX_ANCESTRY):
            level = [b for c in level for b in self.lookup.bases(c) if b not in out and b != cls]
            if not level:
                break
            out += level
        return out

    def _changed_files(self) -> None:
        for path in sorted(self.changed):
            for ref in file_refs(self.graph, path):
                key = (ref.path, ref.qualname)
                if key in self.found:
                    self.found[key].weight += CHANGED
                    self.found[key].signals.append("changed")
                else:
                    self.add_ref(ref, LEXICAL_ONLY, CHANGED, "in a file changed on the branch", "changed")

    def _executed(self, seeds: list[Seed]) -> None:
        """The definitions the failing tests ran, by how much more they belong to the failing tests than to
        the passing ones (`Suspicion.score`): with the graph's evidence they add to it, alone they rank like
        distance 2 (weak evidence: their size counts)."""
        targets = {(s.path, s.ref.qualname if s.ref else "") for s in seeds}
        runs = sorted(((key, s) for key, s in self.suspicion.items() if key not in targets
                       and not _test_path(key[0])), key=lambda kv: (-kv[1].score, kv[1].first))
        for (path, qualname), how in runs[:MAX_EXECUTED]:
            found = self.found.get((path, qualname))
            weight = EXECUTED * how.score
            if found is not None:
                found.weight += weight
                found.signals.append("executed")
                continue
            defined = self.lookup.defs(path).get(qualname)
            if defined:
                self.add(path, defined[-1], 2, weight, f"run by the failing test ({how.failed} failing and "
                         f"{how.passed} passing tests ran it)", "executed")

    def _not_run(self, f: _Found) -> bool:
        """A function outside the tests that no failing test ran (only when a trace says what they ran)."""
        d = f.definition
        return (bool(self.suspicion) and d is not None and d.kind == "function" and f.distance > 0
                and (f.path, d.qualname) not in self.suspicion and not _test_path(f.path)
                and "traceback" not in f.signals)

    def _lexical(self, seeds: list[Seed], targets: list[SymbolRef]) -> None:
        query = self.failure + "\n" + "\n".join(self.code(r.path, r.definition) for r in targets)
        if not words(query):  # nothing to match (a whole-file target, no failure): no index to build
            return
        pool = self._pool(seeds)
        scores = bm25(chunks(self.graph, pool, self._lines, MAX_CHUNKS), query)
        if not scores:
            return
        target_keys = {(s.path, s.ref.qualname if s.ref else "") for s in seeds}
        ranked = [k for k, _ in sorted(scores.items(), key=lambda kv: -kv[1])
                  if k not in target_keys and not _test_function(*k)]
        taken = 0
        hot = self._hot_files() if self.failure else set()  # the failure's own files
        for place, (path, qualname) in enumerate(ranked):
            share = LEXICAL_HALF / (LEXICAL_HALF + place)  # by rank: 1 for the best, 1/2 at LEXICAL_HALF
            found = self.found.get((path, qualname))
            if path in hot and (found is None or found.distance == LEXICAL_ONLY):
                share *= 1 + HOT  # code of the failure's own files that the graph did not reach
            if found is not None:
                found.lexical = share
                found.signals.append("lexical")
            elif (owner := self._reached_owner(path, qualname)) is not None:
                defined = self.lookup.defs(path).get(qualname)  # indexed: a reached class may have many methods
                if defined:
                    self.add(path, defined[-1], min(owner.distance + 1, max(WEIGHT)), owner.weight * MEMBER_SHARE,
                             f"method of {qualname.rsplit('.', 1)[0]}, which the graph reaches; lexical match "
                             f"with the failure (bm25 rank {place + 1})", "member")
                    self.found[(path, qualname)].lexical = share
                    self.found[(path, qualname)].signals.append("lexical")
            elif taken < MAX_LEXICAL and not _test_path(path):  # test helpers are not code under test
                defined = self.lookup.defs(path).get(qualname)  # the last of that name, as the file's index has it
                definition = defined[-1] if defined else None
                if definition is not None:
                    taken += 1
                    self.add(path, definition, LEXICAL_ONLY, 0.0, f"lexical match with the failure "
                             f"(bm25 rank {place + 1})", "lexical")
                    self.found[(path, qualname)].lexical = share

    def _reached_owner(self, path: str, qualname: str) -> _Found | None:
        """The class directly enclosing method `qualname` when the graph reached it (not BM25 alone)."""
        if "." not in qualname or _test_path(path):
            return None
        owner = self.found.get((path, qualname.rsplit(".", 1)[0]))
        if owner is None or owner.definition is None or owner.definition.kind != "class" \
                or not 0 < owner.distance <= max(WEIGHT):
            return None
        return owner

    def _hot_files(self) -> set[str]:
        """The files of the HOT_TOP best-weighted definitions at distance 1 outside the tests (traceback
        frames, failing lines, what the test calls): a fix usually changes more code of those same files."""
        best = sorted((f for f in self.found.values() if f.distance == 1 and f.definition is not None
                       and not _test_path(f.path)), key=lambda f: (-f.weight, f.order))
        return {f.path for f in best[:HOT_TOP]}

    def _pool(self, seeds: list[Seed]) -> list[str]:
        """Files to index for BM25: where the graph's items live, the targets' files and what they import,
        the changed files, then the rest of the repository up to MAX_POOL files; test files only as the
        target's own file or a conftest; documentation and examples not at all."""
        own = {s.path for s in seeds}
        keep: list[str] = []
        seen: set[str] = set()
        for p in self._pool_candidates(seeds):  # lazily: the first MAX_POOL files kept are all it takes
            if p in seen:
                continue
            seen.add(p)
            if p in own or p.endswith("conftest.py") or not (_test_path(p) or p.startswith(_NOT_CODE_UNDER_TEST)):
                keep.append(p)
                if len(keep) == MAX_POOL:
                    break
        return keep

    def _pool_candidates(self, seeds: list[Seed]) -> Iterator[str]:
        yield from (s.path for s in seeds)
        yield from [f.path for f in self.found.values()]
        yield from sorted(self.changed)
        for seed in seeds:
            yield from self.graph.dependencies_of_path(seed.path)
        if self.python_files is None:
            self.python_files = [p for p in self.graph.files() if p.endswith(".py")]
        yield from self.python_files

    # -- results --------------------------------------------------------------------------------------
    def _best(self, distance: int) -> list[_Found]:
        at = [f for f in self.found.values() if f.distance == distance and f.definition is not None]
        return sorted(at, key=lambda f: (-f.weight, f.order))

    def ranked(self) -> list[Item]:
        items: list[Item] = []
        for (path, qualname), f in self.found.items():
            if self._covered(path, qualname):
                continue
            score = f.weight + LEXICAL * f.lexical
            if self._not_run(f):
                score *= NOT_RUN
            if f.distance > 1:  # weak evidence: what it costs in tokens counts
                score /= _size_factor(self._shown_size(f.path, f.definition))
            items.append(Item(path, qualname, f.definition, f.distance, round(score, 4), f.order, f.reason,
                              tuple(dict.fromkeys(f.signals))))
        items.sort(key=Item.key)
        return items[:MAX_ITEMS]

    def _covered(self, path: str, qualname: str) -> bool:
        """Whether the whole file of this item is a target (so the item is already in it)."""
        return bool(qualname) and (path, "") in self.found and self.found[(path, "")].distance == 0

    def code(self, path: str, definition: Definition | None) -> str:
        lines = self._lines(path)
        if definition is None:
            return "\n".join(lines)
        return "\n".join(lines[definition.line - 1:definition.end_line])

    def _shown_size(self, path: str, definition: Definition | None) -> int:
        """The lines the context would show of `definition` (see `shown_lines`); 0 for a whole file."""
        if definition is None or definition.end_line - definition.line < SMALL:
            return 0  # (no longer than SMALL lines: not discounted, whatever it shows)
        return shown_lines(self._lines(path)[definition.line - 1:definition.end_line])

    def _lines(self, path: str) -> list[str]:
        if path not in self.sources:
            self.sources[path] = split_lines(self.lookup.source(path))
        return self.sources[path]


def _size_factor(lines: int) -> float:
    """How much a definition's length (the lines the context shows of it) discounts weak evidence: the
    context holds relevance per token, so beyond SMALL lines a definition twice as long as another needs
    2 ** SIZE_EXP (~1.23) times its evidence to rank above it."""
    return (max(lines, SMALL) / SMALL) ** SIZE_EXP


def shown_lines(lines: Sequence[str]) -> int:
    """How many of a definition's `lines` its context code shows: blank lines and comment lines are
    stripped, and a docstring longer than MAX_DOCSTRING_LINES is folded to one line (a string that starts a
    line after a line ending in `:`). An estimate from the text alone, without tokenizing, so that a function
    documented at length is not taken for a long one."""
    stripped = [row.strip() for row in lines]
    shown = [1 if row and row[0] != "#" else 0 for row in stripped]
    skip = -1  # the last line of the docstring folded last
    opening = [(n, m) for n, row in enumerate(stripped) if row[:1] in _QUOTE_START and (m := _DOC_OPEN.match(row))]
    for i, opened in opening:
        if i <= skip:
            continue
        before = next((stripped[j] for j in range(i - 1, -1, -1) if shown[j]), "")
        code = before if "'" in before or '"' in before else before.split("#", 1)[0].rstrip()
        if not code.endswith(":"):
            continue
        quote = opened.group(1)
        end = i if quote in stripped[i][opened.end():] else next(
            (j for j in range(i + 1, len(lines)) if quote in lines[j]), len(lines) - 1)
        if end - i + 1 <= MAX_DOCSTRING_LINES:
            shown[i:end + 1] = [1] * (end - i + 1)
        else:
            shown[i:end + 1] = [1] + [0] * (end - i)
        skip = end
    return sum(shown)


def _test_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or "tests/" in path or path.startswith("test/")


def _test_function(path: str, qualname: str) -> bool:
    last = qualname.rsplit(".", 1)[-1]
    return _test_path(path) and (last.startswith(("test", "Test")) or qualname.split(".")[0].startswith("Test"))


def _is_test(ref: SymbolRef) -> bool:
    return _test_function(ref.path, ref.qualname)
