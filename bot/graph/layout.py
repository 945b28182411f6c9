"""Where modules live: file paths -> dotted module names, for flat, `src/`, multi-root and namespace layouts.

A file's module names come from its *anchor*: the first directory above it that has no `__init__.py`
(walking up through regular packages). The anchor itself is an import root (what pytest's rootdir-style
`prepend` import mode and `python script.py` put on `sys.path`), and so is every configured root above it
(the repository root, `src/`, `[tool.yantra] roots`), through namespace directories. A file may therefore
have several module names (`tests/admin_views/models.py` is `admin_views.models` and
`tests.admin_views.models`). Every prefix of a module name is a package (regular or namespace).
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
STDLIB_KEY = f"{sys.version_info[0]}.{sys.version_info[1]}"  # top_names leave out this interpreter's stdlib


def _is_ident(part: str) -> bool:
    return part.isidentifier()


@dataclass
class Layout:
    """The module map of a repository's Python files (paths are repo-relative with "/")."""

    roots: tuple[str, ...]
    names_of: Mapping[str, list[str]] = field(default_factory=dict)  # path -> module names
    modules: Mapping[str, list[str]] = field(default_factory=dict)  # module -> files defining it
    packages: dict[str, bool] = field(default_factory=dict)  # package -> regular (has __init__.py)
    children: dict[str, set[str]] = field(default_factory=dict)  # module/package -> child names
    top_names: set[str] = field(default_factory=set)  # repo top-level modules/packages, minus stdlib
    top_packages: set[str] = field(default_factory=set)  # those of them that are directories
    dirs: dict[str, set[str]] = field(default_factory=dict)  # package -> its directories (repo-relative)
    stubbed: set[str] = field(default_factory=set)  # .py files with a .pyi stub next to them
    init_dirs: set[str] = field(default_factory=set)  # directories with an `__init__.py` ("" for the root)

    def exists(self, module: str) -> bool:
        return module in self.modules or module in self.packages

    def is_package_file(self, path: str) -> bool:
        return is_package_file(path)

    def in_repo(self, module: str) -> bool:
        return module.split(".", 1)[0] in self.top_names


def is_package_file(path: str) -> bool:
    """A package's `__init__.py` (the repository root's too)."""
    return path == "__init__.py" or path.endswith("/__init__.py")


def package_dirs(paths: Iterable[str]) -> set[str]:
    """The directories the package files among `paths` make packages ("" for the root)."""
    return {p.rpartition("/")[0] for p in paths if is_package_file(p)}


def import_root(path: str, module: str) -> str:
    """The directory the file at `path` is importable as `module` from ("" the repository's root); `module` is
    one of its names (`module_names`)."""
    dirs = path.split("/")[:-1]
    depth = len(module.split(".")) - (0 if is_package_file(path) else 1)
    return "/".join(dirs[:len(dirs) - depth])


def build_layout(paths: Iterable[str], roots: Iterable[str] = ()) -> Layout:
    paths = sorted(set(paths))
    init_dirs = package_dirs(paths)
    layout = Layout(roots=main_roots(roots), init_dirs=init_dirs)
    import_roots = layout.roots
    names_of: dict[str, list[str]] = {}
    modules: dict[str, list[str]] = {}
    for path in paths:
        names = module_names(path, init_dirs, import_roots)
        names_of[path] = names
        for name in names:
            modules.setdefault(name, []).append(path)
    layout.names_of = names_of
    layout.modules = modules
    for path, names in names_of.items():
        is_init = layout.is_package_file(path)
        dir_parts = path.split("/")[:-1]
        for name in names:
            parts = name.split(".")
            k = len(parts)
            for i in range(1, k + 1 if is_init else k):
                keep = len(dir_parts) - ((k - i) if is_init else (k - 1 - i))
                if keep >= 1:
                    layout.dirs.setdefault(".".join(parts[:i]), set()).add("/".join(dir_parts[:keep]))
            if is_init:
                layout.packages[name] = True
            for i in range(1, len(parts)):
                pkg = ".".join(parts[:i])
                layout.packages.setdefault(pkg, False)
                layout.children.setdefault(pkg, set()).add(parts[i])
            if len(parts) == 1 and parts[0] not in STDLIB:
                layout.top_names.add(parts[0])
    for pkg in layout.packages:
        if "." not in pkg and pkg not in STDLIB:
            layout.top_names.add(pkg)
            layout.top_packages.add(pkg)
    return layout


def main_roots(roots: Iterable[str]) -> tuple[str, ...]:
    """The import roots of a layout: the repository root, `src/`, then the configured ones."""
    return tuple(dict.fromkeys(["", "src", *(r.strip("/").replace("\\", "/") for r in roots)]))


# -- persistence: a layout is a function of the set of paths and the roots; rebuilding it costs a pass over
# every path (0.3 s at 20,000 modules), so the store keeps the last one and a run whose file set did not change
# (every commit that only edits files) loads it instead.
_CODEC_VERSION = 3


def paths_key(paths: Iterable[str], roots: Iterable[str]) -> str:
    """What a layout depends on, hashed: the roots and the sorted set of paths."""
    h = hashlib.sha1(f"{_CODEC_VERSION}\0{STDLIB_KEY}\0".encode())
    h.update("\0".join(main_roots(roots)).encode("utf-8", "surrogateescape"))
    h.update(b"\1")
    h.update("\0".join(sorted(paths)).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def encode_layout(layout: Layout) -> bytes:
    """The layout without `names_of` (recomputed per path on use), `stubbed` (set by every refresh) and
    `modules` (one entry per file: stored apart, to be read a module at a time, see `StoredModules`)."""
    return marshal.dumps((_CODEC_VERSION, layout.roots, None, layout.packages, layout.children,
                          layout.top_names, layout.top_packages, layout.dirs, layout.init_dirs))


class StoredModules(Mapping[str, list[str]]):
    """module -> files of a stored layout, each looked up on first use (`lookup`), listed whole (`listing`)
    only when iterated: a one-file check asks for a handful of the 100,000 modules of a big repository."""

    def __init__(self, lookup: Callable[[str], list[str] | None],
                 listing: Callable[[], dict[str, list[str]]]) -> None:
        self._lookup = lookup
        self._listing = listing
        self._memo: dict[str, list[str] | None] = {}
        self._all: dict[str, list[str]] | None = None

    def get(self, module: str, default: list[str] | None = None) -> list[str] | None:  # type: ignore[override]
        if self._all is not None:
            return self._all.get(module, default)
        if module not in self._memo:
            self._memo[module] = self._lookup(module)
        found = self._memo[module]
        return default if found is None else found

    def __getitem__(self, module: str) -> list[str]:
        found = self.get(module)
        if found is None:
            raise KeyError(module)
        return found

    def __contains__(self, module: object) -> bool:
        return isinstance(module, str) and self.get(module) is not None

    def _every(self) -> dict[str, list[str]]:
        if self._all is None:
            self._all = self._listing()
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._every())

    def __len__(self) -> int:
        return len(self._every())


def decode_layout(data: bytes | None, paths: Collection[str], modules: Mapping[str, list[str]]) -> Layout | None:
    """The layout `encode_layout` wrote for the file set `paths`, with its `modules` read from where they were
    stored; None for anything else."""
    if not data:
        return None
    try:
        value = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(value, tuple) or len(value) != 9 or value[0] != _CODEC_VERSION:
        return None
    _, roots, _, packages, children, top_names, top_packages, dirs, init_dirs = value
    return Layout(roots=roots, names_of=ModuleNames(paths, init_dirs, roots), modules=modules, packages=packages,
                  children=children, top_names=top_names, top_packages=top_packages, dirs=dirs,
                  init_dirs=init_dirs)


class ModuleNames(Mapping[str, list[str]]):
    """path -> module names for the paths of a file set, each computed on first use (what `build_layout`
    computes for every path up front; a one-file check needs a handful)."""

    def __init__(self, paths: Collection[str], init_dirs: set[str], roots: tuple[str, ...]) -> None:
        self._paths = paths
        self._init_dirs = init_dirs
        self._roots = roots
        self._memo: dict[str, list[str]] = {}

    def get(self, path: str, default: list[str] | None = None) -> list[str] | None:  # type: ignore[override]
        names = self._memo.get(path)
        if names is None:
            if path not in self._paths:
                return default
            names = self._memo[path] = module_names(path, self._init_dirs, self._roots)
        return names

    def __getitem__(self, path: str) -> list[str]:
        names = self.get(path)
        if names is None:
            raise KeyError(path)
        return names

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def module_names(path: str, init_dirs: set[str], roots: tuple[str, ...]) -> list[str]:
    """The dotted names `path` is importable as (empty for non-identifier file names)."""
    directory, _, filename = path.rpartition("/")
    if not filename.endswith(".py"):
        return []
    stem = filename[:-3]
    parts: list[str] = [] if stem == "__init__" else [stem]
    anchor = directory
    if stem == "__init__":
        # the package directory itself
        anchor_parts = directory.split("/") if directory else []
        if not anchor_parts:
            return []
        parts = [anchor_parts[-1]]
        anchor = "/".join(anchor_parts[:-1])
    while anchor in init_dirs and anchor:
        head, _, last = anchor.rpartition("/")
        parts.insert(0, last)
        anchor = head
    if not parts or not all(_is_ident(p) for p in parts):
        return []
    names = [".".join(parts)]
    for root in roots:
        if root == anchor:
            continue
        if root == "" or anchor.startswith(root + "/"):
            rel = anchor[len(root) + 1:] if root else anchor
            rel_parts = rel.split("/") if rel else []
            if rel_parts and all(_is_ident(p) for p in rel_parts):
                names.append(".".join([*rel_parts, *parts]))
    return list(dict.fromkeys(names))


def resolve_relative(importer_module: str, importer_is_package: bool, level: int, module: str) -> str | None:
    """The absolute module of `from <level dots><module> import ...` in `importer_module`, or None."""
    if level == 0:
        return module
    base = importer_module.split(".")
    if not importer_is_package:
        base = base[:-1]
    if level > 1:
        if level - 1 > len(base):
            return None
        base = base[: len(base) - (level - 1)]
    if not base:
        return None  # "attempted relative import with no known parent package"
    return ".".join([*base, module]) if module else ".".join(base)
