"""Cross-file resolution over facts and the module layout, tri-state: found / missing / unknown.

The gate's questions, each answered by a `Resolution` (status "found", "missing" or "unknown"; `kind`
"module" | "symbol" | "attribute"; for "missing": `module`, `name`, `suggestions`, `moved_to`):

    r = graph.resolver   # Resolver(layout, facts_of, stores=..., definers=..., is_dir=...)
    r.resolve_module(module) -> Resolution               # does repo module `a.b.c` exist?
    r.resolve_import(path, imp: ImportFact) -> Resolution   # `import a.b` / `from M import x` in `path`
    r.resolve_name(module, name) -> Resolution           # is `name` importable from repo module `module`?
    r.resolve_attr(path, use: AttrUse) -> Resolution     # `alias.x.y` in `path`
    r.resolve_call(path, call: CallSite, *, trust_stubs=True) -> Target | None   # the unique repo def a call
                                                # reaches (trust_stubs=False in pre-commit for re-signed defs)
    r.resolve_member(target, name) -> Target | UNKNOWN | None    # a class member, through its bases
    r.absolute_module(path, imp) -> list[str]   # an import's absolute module(s), one per importer name
    r.canonical(module) -> str                  # one name for a module several roots reach
    r.start_of(path, base) -> (module, implied attrs) | Resolution   # what an imported name refers to

"missing" is said only when nothing can provide the name: it is not bound in the module, not a submodule
(nor a directory, which Python imports as a namespace package), not assigned from outside (`mod.x = ...`
anywhere in the repository), not a standard module dunder, and the module is parsed, not dynamic
(`__getattr__` serving non-literal names, `globals()` writes, `sys.modules[__name__]`, ...), has no star
import that cannot be followed, and every file claiming the module agrees. A module is missing only below a
repository package whose `__init__` does no `__path__`/`sys.modules[...] =` tricks. Imports of names that
are not repository top-level modules/packages (third-party, stdlib) are "unknown" with reason "external".
`suggestions` are close names in the module ("did you mean"); `moved_to` other repo modules that define the
name at top level ("now lives in").
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.graph import resolve_calls as calls
from bot.graph.layout import Layout, resolve_relative
from bot.graph.model import AttrUse, CallSite, Definition, FileFacts, ImportFact
from bot.graph.resolution import FOUND, Resolution, Target, UnknownType, unknown

MODULE_DUNDERS = frozenset({
    "__name__", "__file__", "__doc__", "__path__", "__spec__", "__loader__", "__package__", "__dict__",
    "__builtins__", "__cached__", "__annotations__", "__all__", "__version__", "__class__", "__getattr__",
    "__dir__", "__module__",
})
_MAX_DEPTH = 30


FactsOf = Callable[[str], "FileFacts | None"]


class FactsIndex:
    """Lookups over one file's facts that the resolver repeats: definitions by qualname, and the imports
    binding each name (module name for `import a.b`, alias, or the imported name; star imports excluded)."""

    __slots__ = ("binds", "by_qualname")

    def __init__(self, facts: FileFacts) -> None:
        self.by_qualname: dict[str, list[Definition]] = {}
        for d in facts.definitions:
            self.by_qualname.setdefault(d.qualname, []).append(d)
        self.binds: dict[str, list[ImportFact]] = {}
        for i in facts.imports:
            if i.name == "*":
                continue
            bound = i.alias or (i.module.split(".")[0] if i.name is None else i.name)
            self.binds.setdefault(bound, []).append(i)

    def unique(self, qualname: str) -> Definition | None:
        defs = self.by_qualname.get(qualname)
        return defs[0] if defs is not None and len(defs) == 1 else None


def combine(results: Iterable[Resolution]) -> Resolution:
    """Several answers to one question (several files or importer names): agree, or unknown."""
    results = list(results)
    if not results:
        return unknown("no answer")
    statuses = {r.status for r in results}
    if statuses == {"found"}:
        return results[0]
    if statuses == {"missing"}:
        first = results[0]
        if all((r.module, r.name) == (first.module, first.name) for r in results) or \
                all(r.name == first.name and r.kind == first.kind for r in results):
            sugg = tuple(dict.fromkeys(s for r in results for s in r.suggestions))
            moved = tuple(dict.fromkeys(m for r in results for m in r.moved_to))
            return Resolution("missing", first.kind, first.module, first.name, sugg, moved)
    return unknown("ambiguous: " + ", ".join(sorted(statuses)))


class Resolver:
    def __init__(self, layout: Layout, facts_of: FactsOf, *, stores: Callable[[str], bool] | None = None,
                 definers: Callable[[str], list[str]] | None = None,
                 is_dir: Callable[[str], bool] | None = None,
                 stub_facts: Callable[[str], FileFacts | None] | None = None) -> None:
        self.layout = layout
        self.facts_of = facts_of
        self.stub_facts = stub_facts or (lambda path: None)  # facts of the `.pyi` next to a `.py` path
        self.is_dir = is_dir or (lambda rel: False)  # a repo-relative directory exists (namespace packages)
        self.stores = stores or (lambda dotted: False)  # "M.x" assigned from outside somewhere
        self.definers = definers or (lambda name: [])  # modules defining `name` at top level
        # Memos: the layout and every file's facts are fixed for the life of a resolver.
        self._indexes: dict[int, tuple[FileFacts, FactsIndex]] = {}
        self._modules: dict[str, Resolution] = {}
        self._names: dict[tuple[str, str], Resolution] = {}
        self._starts: dict[tuple[str, str], tuple[str, tuple[str, ...]] | Resolution] = {}
        self._steps: dict[tuple[str, str], str | Resolution] = {}
        self._relative: dict[tuple[str, int, str], list[str]] = {}
        self._members: dict[tuple[str, str, int, str], tuple[Definition, Target | UnknownType | None]] = {}
        self._shadowing: dict[str, bool] = {}
        self._found_members: dict[tuple[str, str, str, bool], str] = {}
        self._callees: dict[tuple[str, str], Target | None] = {}
        self._shapes: dict[tuple[str, str, int], tuple[Definition, calls.ClassShape | None]] = {}
        # (module, attribute chain) -> the call target it leads to and the (module, name) steps on the way
        self.follows: dict[tuple[str, tuple[str, ...]], tuple[Target | None, tuple[tuple[str, str], ...]]] = {}

    def clear(self) -> None:
        """Forget every memo (they keep facts alive)."""
        for memo in (self._indexes, self._modules, self._names, self._starts, self._steps, self._relative,
                     self._members, self.follows, self._shadowing, self._found_members, self._callees,
                     self._shapes):
            memo.clear()

    def index(self, facts: FileFacts) -> FactsIndex:
        """The lookup index of `facts` (built once per facts object)."""
        hit = self._indexes.get(id(facts))
        if hit is not None and hit[0] is facts:
            return hit[1]
        idx = FactsIndex(facts)
        self._indexes[id(facts)] = (facts, idx)
        return idx

    # -- modules -----------------------------------------------------------------------------------
    def in_repo(self, module: str) -> bool:
        """`module` is one of the repository's: its top-level name is a repository module or package, and
        not a plain module named like the installed module it imports itself (a plugin `toml.py` doing
        `import toml` is loaded by a plugin loader; `toml` means the installed package)."""
        if not self.layout.in_repo(module):
            return False
        top = module.split(".", 1)[0]
        memo = self._shadowing.get(top)
        if memo is None:
            memo = self._shadowing[top] = self._imports_itself(top)
        return not memo

    def _imports_itself(self, top: str) -> bool:
        for path in self.layout.modules.get(top, ()):
            if self.layout.is_package_file(path):
                continue  # `import pkg.sub` in `pkg/__init__.py` is ordinary
            facts = self.facts_of(path)
            if facts is not None and any(i.level == 0 and (i.module == top or i.module.startswith(top + "."))
                                         for i in facts.imports):
                return True
        return False

    def absolute_module(self, path: str, imp: ImportFact) -> list[str]:
        """The absolute module(s) an import names, one per module name of the importer (deduplicated)."""
        if imp.level == 0:
            return [imp.module]
        key = (path, imp.level, imp.module)
        memo = self._relative.get(key)
        if memo is None:
            memo = self._relative[key] = self._absolute_relative(path, imp)
        return list(memo)

    def _absolute_relative(self, path: str, imp: ImportFact) -> list[str]:
        out: list[str] = []
        is_pkg = self.layout.is_package_file(path)
        for name in self.layout.names_of.get(path, []):
            target = resolve_relative(name, is_pkg, imp.level, imp.module)
            if target is not None:
                target = self.canonical(target)
                if target not in out:
                    out.append(target)
        return out

    def canonical(self, module: str) -> str:
        """One name for a module that several roots reach (`src.pkg.mod` -> `pkg.mod`)."""
        files = self.layout.modules.get(module)
        if files and len(files) == 1:
            names = self.layout.names_of.get(files[0])
            if names:
                return names[0]
        return module

    def resolve_module(self, module: str) -> Resolution:
        memo = self._modules.get(module)
        if memo is None:
            memo = self._modules[module] = self._resolve_module(module)
        return memo

    def _resolve_module(self, module: str) -> Resolution:
        if not module or not self.in_repo(module):
            return unknown("external")
        if self.layout.exists(module):
            return Resolution("found", "module", module)
        parts = module.split(".")
        if parts[0] not in self.layout.top_packages:
            return unknown("top-level name is a plain module, not a package")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[: i + 1])
            if self.layout.exists(prefix):
                continue
            parent = ".".join(parts[:i])
            return self._missing_module(parent, parts[i], prefix)
        return unknown("unreachable")

    def _directory_below(self, package: str, name: str) -> bool:
        """`package/name/` exists on disk: importable as a namespace package even without Python files."""
        return any(self.is_dir(f"{d}/{name}") for d in self.layout.dirs.get(package, ()))

    def put_in_sys_modules(self, module: str) -> bool:
        """A module of a package above `module` writes `sys.modules` under a literal name that is `module` or a
        package above it (`sys.modules["pkg.compat"] = shim` in `pkg/__init__.py`): importing it finds the object
        there (and its submodules on that object's `__path__`), with no file of its own. A write under another
        name (`sys.modules["pip"] = pip`) says nothing of `module`."""
        parts = module.split(".")
        for i in range(1, len(parts)):
            for path in self.layout.modules.get(".".join(parts[:i]), []):
                facts = self.facts_of(path)
                if facts is None or any(module == k or module.startswith(k + ".")
                                        for k in facts.doubts.replaced_modules):
                    return True
        return False

    def _missing_module(self, parent: str, child: str, module: str) -> Resolution:
        if self._directory_below(parent, child):
            return unknown(f"{module} is a directory")
        if self.put_in_sys_modules(module):
            return unknown(f"{module} is put in sys.modules")
        for path in self.layout.modules.get(parent, []):
            facts = self.facts_of(path)
            if facts is None or facts.submodules_unknowable(self.layout.is_package_file(path)):
                return unknown(f"{parent}'s submodules cannot be listed")
            # (names the parent binds do not matter: `import a.b` needs a module `a.b`, not an attribute)
        if self.layout.packages.get(parent) is False and parent not in self.layout.modules and "." not in parent:
            return unknown(f"{parent} is a top-level namespace package")
        siblings = sorted(self.layout.children.get(parent, ()))
        import difflib  # suggestions are made for findings only: not imported on a clean check

        close = difflib.get_close_matches(child, siblings, n=3, cutoff=0.7)
        moved = sorted(m for m in self.layout.modules if m.rsplit(".", 1)[-1] == child and m != module)[:3]
        return Resolution("missing", "module", module, "", tuple(f"{parent}.{c}" for c in close), tuple(moved))

    def _only_submodule_import(self, path: str, facts: FileFacts, module: str, name: str) -> bool:
        """`name` is bound in `module` only by importing its own submodule (`from . import name`)."""
        idx = self.index(facts)
        if name in idx.by_qualname:
            return False
        binds = [i for i in idx.binds.get(name, ()) if i.name is not None and (i.alias or i.name) == name]
        if not binds:
            return False
        own = self.canonical(module)
        return all(i.name == name and own in [self.canonical(m) for m in self.absolute_module(path, i)]
                   for i in binds)

    # -- names in modules --------------------------------------------------------------------------
    def resolve_import(self, path: str, imp: ImportFact) -> Resolution:
        """`import a.b.c` (module existence) or `from M import x` (x importable from M)."""
        modules = self.absolute_module(path, imp)
        if not modules:
            return unknown("relative import beyond the top-level package")
        if imp.name is None:
            return combine(self.resolve_module(m) for m in modules)
        if imp.name == "*":
            return combine(self.resolve_module(m) for m in modules)
        return combine(self._from_import(m, imp.name) for m in modules)

    def _from_import(self, module: str, name: str) -> Resolution:
        mod = self.resolve_module(module)
        if mod.status != "found":
            return mod
        return self.resolve_name(module, name)

    def resolve_name(self, module: str, name: str, _seen: frozenset[str] = frozenset()) -> Resolution:
        """Is `name` importable from the repo module `module`?"""
        if _seen:
            return self._resolve_name(module, name, _seen)
        memo = self._names.get((module, name))
        if memo is None:
            memo = self._names[(module, name)] = self._resolve_name(module, name, _seen)
        return memo

    def _resolve_name(self, module: str, name: str, _seen: frozenset[str]) -> Resolution:
        if not self.in_repo(module):
            return unknown("external")
        if self.layout.exists(f"{module}.{name}"):
            return Resolution("found", "module", f"{module}.{name}")
        if module in _seen or len(_seen) > _MAX_DEPTH:
            return unknown("star-import cycle")
        files = self.layout.modules.get(module)
        if not files:
            return unknown(f"{module} is a namespace package" if module in self.layout.packages else "no module")
        seen = _seen | {module}
        result = combine(self._name_in_file(path, module, name, seen) for path in files)
        return result

    def _name_in_file(self, path: str, module: str, name: str, seen: frozenset[str], *,
                      suggest: bool = True) -> Resolution:
        facts = self.facts_of(path)
        if facts is None or not facts.parse_ok:
            return unknown(f"{path} is not parsed")
        if self.layout.exists(f"{module}.{name}"):
            return FOUND  # (a submodule is bound in its package once anything imports it)
        if name in facts.module_names and not self._only_submodule_import(path, facts, module, name):
            return FOUND
        if facts.dynamic:
            return unknown(f"{path} is dynamic")
        if module in facts.doubts.replaced_modules:
            return unknown(f"{path} puts another object in sys.modules under its own name")
        if (facts.path_dynamic or self.put_in_sys_modules(f"{module}.{name}")) and self.layout.is_package_file(path):
            # its submodules are unknowable (`__path__` edits, an import hook serving `pkg.extern.x` from
            # `pkg._vendor`), and `from pkg import x` imports a submodule `x` when no attribute has that name
            return unknown(f"{path} serves submodules dynamically")
        star = self._through_stars(path, facts, name, seen)
        if star is not None:
            return star
        if name in MODULE_DUNDERS or self.stores(f"{module}.{name}"):
            return FOUND
        return self._missing_name(module, facts, name, suggest=suggest)

    def _through_stars(self, path: str, facts: FileFacts, name: str, seen: frozenset[str]) -> Resolution | None:
        unsure = False
        for imp in facts.imports:
            if imp.name != "*" or imp.scope != "module":
                continue
            targets = self.absolute_module(path, imp)
            if not targets or not all(self.in_repo(t) for t in targets):
                unsure = True
                continue
            for target in targets:
                r = self._star_export(target, name, seen)
                if r.status == "found":
                    return FOUND
                if r.status == "unknown":
                    unsure = True
        return unknown("star import") if unsure else None

    def _star_export(self, module: str, name: str, seen: frozenset[str]) -> Resolution:
        if module in seen:
            return Resolution("missing", name=name)  # a cycle: already being searched
        if len(seen) > _MAX_DEPTH:
            return unknown("star imports too deep")
        seen = seen | {module}
        files = self.layout.modules.get(module, [])
        if not files:
            return unknown("star import of a namespace or missing module")
        results = []
        for path in files:
            facts = self.facts_of(path)
            if facts is None or not facts.parse_ok or facts.all_dynamic:
                return unknown("star source cannot be analysed")
            if facts.all_names is not None:
                results.append(FOUND if name in facts.all_names else Resolution("missing", name=name))
                continue
            if name.startswith("_"):
                results.append(Resolution("missing", name=name))
                continue
            r = self._name_in_file(path, module, name, seen, suggest=False)
            results.append(r if r.status != "missing" else Resolution("missing", name=name))
        return combine(results)

    def _missing_name(self, module: str, facts: FileFacts, name: str, *, suggest: bool = True) -> Resolution:
        if self._directory_below(module, name):
            return unknown(f"{module}.{name} is a directory")
        if not suggest:
            return Resolution("missing", name=name)  # (the star search keeps only that much)
        candidates = set(facts.module_names) | self.layout.children.get(module, set())
        import difflib

        close = tuple(difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.7))
        moved = tuple(m for m in self.definers(name) if m != module)[:3]
        return Resolution("missing", "symbol", module, name, close, moved)

    # -- attribute chains --------------------------------------------------------------------------
    def start_of(self, path: str, base: str) -> tuple[str, tuple[str, ...]] | Resolution:
        """The repo module a name bound by import in `path` refers to, plus leading attrs already implied."""
        memo = self._starts.get((path, base))
        if memo is None:
            memo = self._starts[(path, base)] = self._start_of(path, base)
        return memo

    def _start_of(self, path: str, base: str) -> tuple[str, tuple[str, ...]] | Resolution:
        facts = self.facts_of(path)
        if facts is None:
            return unknown("importer not parsed")
        starts: set[tuple[str, tuple[str, ...]]] = set()
        for imp in self.index(facts).binds.get(base, ()):
            for module in self.absolute_module(path, imp):
                if imp.name is None:
                    starts.add((module if imp.alias else module.split(".")[0], ()))
                elif self.layout.exists(f"{module}.{imp.name}") and not self.shadows_submodule(module, imp.name):
                    starts.add((f"{module}.{imp.name}", ()))
                else:
                    starts.add((module, (imp.name,)))
        if len(starts) != 1:
            return unknown("no unique import binding")
        return next(iter(starts))

    def resolve_attr(self, path: str, use: AttrUse) -> Resolution:
        start = self.start_of(path, use.base)
        if isinstance(start, Resolution):
            return start
        module, implied = start
        attrs = (*implied, *use.attrs)
        if implied:
            # `from M import x` where x is not a module: x.attr is not a module attribute question,
            # unless x is bound in M by an import of a module (re-export).
            nxt = self._step(module, implied[0])
            if not isinstance(nxt, str):
                return nxt if nxt.status == "unknown" else FOUND
            module, attrs = nxt, use.attrs
        return self._walk(module, attrs)

    def _walk(self, module: str, attrs: tuple[str, ...]) -> Resolution:
        for i, attr in enumerate(attrs):
            if not self.in_repo(module):
                return unknown("external")
            nxt = self._step(module, attr)
            if isinstance(nxt, Resolution):
                if nxt.status == "missing":
                    return Resolution("missing", "attribute", module, attr, nxt.suggestions, nxt.moved_to)
                return nxt
            module = nxt
            if i == len(attrs) - 1:
                return FOUND
        return FOUND

    def _step(self, module: str, attr: str) -> str | Resolution:
        """`module.attr`: the submodule/re-exported module name to continue with, or a final answer."""
        memo = self._steps.get((module, attr))
        if memo is None:
            memo = self._steps[(module, attr)] = self._step_once(module, attr)
        return memo

    def shadows_submodule(self, module: str, attr: str) -> bool:
        """`module` (a package) binds `attr` to something other than its submodule `module.attr`
        (`from .common import Helper as common`): after the package's `__init__` runs, `module.attr` is that
        binding, not the submodule."""
        files = self.layout.modules.get(module, [])
        if len(files) != 1:
            return False
        facts = self.facts_of(files[0])
        return facts is not None and attr in facts.module_names and not self._only_submodule_import(
            files[0], facts, module, attr)

    def _step_once(self, module: str, attr: str) -> str | Resolution:
        sub = f"{module}.{attr}"
        if self.layout.exists(sub) and self.shadows_submodule(module, attr):
            facts = self.facts_of(self.layout.modules[module][0])
            bound = self._bound_module(self.layout.modules[module][0], facts, attr) if facts else None
            return bound if bound is not None else FOUND
        if self.layout.exists(sub):
            return sub
        files = self.layout.modules.get(module)
        if not files:
            return unknown("namespace package")
        results: list[Resolution | str] = []
        for path in files:
            facts = self.facts_of(path)
            if facts is None or not facts.parse_ok:
                return unknown("not parsed")
            if attr in facts.module_names:
                results.append(self._bound_module(path, facts, attr) or FOUND)
                continue
            r = self._name_in_file(path, module, attr, frozenset({module}))
            results.append(r)
        if all(isinstance(r, str) for r in results) and len(set(results)) == 1:
            return results[0]
        if any(isinstance(r, str) for r in results):
            return FOUND if all(isinstance(r, str) or r.found for r in results) else unknown("ambiguous")
        return combine(r for r in results if isinstance(r, Resolution))

    def _bound_module(self, path: str, facts: FileFacts, name: str) -> str | None:
        """When `name` in this module is bound only by an import of a repo module: that module."""
        idx = self.index(facts)
        if any(d.name == name for d in idx.by_qualname.get(name, ())):
            return None
        found: set[str] = set()
        for imp in idx.binds.get(name, ()):
            if imp.scope != "module":
                continue
            for module in self.absolute_module(path, imp):
                if imp.name is None:
                    found.add(module if imp.alias else module.split(".")[0])
                elif self.layout.exists(f"{module}.{imp.name}") and not self.shadows_submodule(module, imp.name):
                    found.add(f"{module}.{imp.name}")
                else:
                    return None
        if len(found) == 1:
            target = next(iter(found))
            return target if self.in_repo(target) and self.layout.exists(target) else None
        return None

    # -- calls (bot.graph.resolve_calls) -------------------------------------------------------------
    def resolve_call(self, path: str, call: CallSite, *, trust_stubs: bool = True) -> Target | None:
        """The unique repository definition `call` reaches, or None when unsure. `trust_stubs=False` ignores
        `.pyi` stubs that accept the call: right when the change itself re-signed the target (pre-commit),
        while a whole-repository check should keep the default (stub-typed code is often never run)."""
        return calls.resolve_call(self, path, call, trust_stubs=trust_stubs)

    def resolve_callee(self, path: str, callee: str) -> Target | None:
        """The unique repository definition the dotted name `callee`, as written in `path`, reaches (asked
        again and again by the member rules: 45,000 times for 6,800 names over Django)."""
        key = (path, callee)
        if key in self._callees:
            return self._callees[key]
        target = self._callees[key] = self.resolve_call(path, CallSite(callee, 0, 0, 0, 0, (), True, True),
                                                        trust_stubs=False)
        return target

    def find_member(self, target: Target, name: str, *, skip_own: bool = False) -> str:
        """"found" / "missing" / "unknown": does class `target` provide `name` through its MRO of repository
        classes (`skip_own`: only through its bases, as `super().name` does)?"""
        key = (target.path, target.definition.qualname, name, skip_own)
        memo = self._found_members.get(key)
        if memo is None:
            memo = self._found_members[key] = calls.find_member(self, target, name, skip_own=skip_own)
        return memo

    def class_shape(self, target: Target) -> calls.ClassShape | None:
        """What the member search reads of class `target` whatever the member (`resolve_calls.class_shape`),
        once per class: the search asks it again for every name looked up through the class."""
        key = (target.path, target.definition.qualname, id(target.definition))
        memo = self._shapes.get(key)
        if memo is None or memo[0] is not target.definition:
            memo = self._shapes[key] = (target.definition, calls.class_shape(self, target))
        return memo[1]

    def resolve_member(self, target: Target, name: str) -> Target | UnknownType | None:
        """`name` on class `target`: its own member, else the first base (depth-first) defining it.
        None: no class in the chain defines it (all bases resolved); UNKNOWN: some base cannot be followed."""
        key = (target.path, target.module, id(target.definition), name)
        memo = self._members.get(key)
        if memo is None or memo[0] is not target.definition:
            memo = (target.definition, calls.resolve_member(self, target, name))
            self._members[key] = memo
        return memo[1]
