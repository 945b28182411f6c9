"""tree-sitter's Python grammar, loaded once per process.

The grammar is the `_binding` extension module of the `tree_sitter_python` package, whose `__init__` also
imports `importlib.resources` (and with it tempfile, shutil, zipfile, lzma: ~30M instructions, a tenth of a
pre-commit check) only to offer query files Yantra never reads. The extension module is loaded straight from
the package's folder when it is there; otherwise (another layout, a package already imported) the package is
imported as usual. Either way it is the same grammar: the same compiled `TSLanguage`.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any


@cache
def python_language() -> Any:
    """tree-sitter's `Language` for Python."""
    from tree_sitter import Language

    return Language(_grammar())


def _grammar() -> Any:
    """The pointer `tree_sitter_python.language()` returns."""
    if "tree_sitter_python" not in sys.modules:
        binding = _binding_alone()
        if binding is not None:
            return binding.language()
    import tree_sitter_python

    return tree_sitter_python.language()


def _binding_alone() -> Any:
    """`tree_sitter_python._binding` loaded from the package's folder without running the package's `__init__`
    (None when it is not found or does not load)."""
    import importlib.machinery
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("tree_sitter_python")
        folders = list(spec.submodule_search_locations or ()) if spec is not None else []
        for folder in folders:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "_binding" + suffix)
                if not os.path.isfile(path):
                    continue
                loader = importlib.machinery.ExtensionFileLoader("tree_sitter_python._binding", path)
                binding_spec = importlib.util.spec_from_file_location(loader.name, path, loader=loader)
                if binding_spec is None:
                    return None
                module = importlib.util.module_from_spec(binding_spec)
                loader.exec_module(module)
                return module if hasattr(module, "language") else None
    except (ImportError, OSError, ValueError):
        return None
    return None
