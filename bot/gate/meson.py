"""What a `meson.build` builds for meson-python: the extension modules of its `extension_module(...)` calls.

meson-python installs `py.extension_module('_ext', sources..., subdir: 'pkg/sub')` as `pkg/sub/_ext` in the
Python's install directory (no `subdir`: at its top), whatever the sources are called (scikit-image's pythran
builds `_hessian_det_appx` from `_hessian_det_appx_pythran.py`), so the module `pkg.sub._ext` exists with no
file of its name. Only meson's own syntax is read: single-quoted strings ('...' and '''...'''), `#` comments,
calls with positional and `key: value` arguments, `/` joining paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.lazy_re import lazy

_CALL = lazy(r"\bextension_module\s*\(")
_KEYWORD = lazy(r"(\w+)\s*:(.*)", re.S)
_PATH = lazy(r"'([^'\\\n]*)'(?:\s*/\s*'[^'\\\n]*')*")
_PART = lazy(r"'([^'\\\n]*)'")
_OPEN, _CLOSE = "([{", ")]}"


def builds_extension(text: str, module: str) -> bool:
    """`text`, a meson.build, may build the extension module `module` (dotted). Unsure counts as yes: a name that is
    no literal but is quoted in the file (`foreach name : ['_ext', ...]` then `extension_module(name, ...)`), an
    install place that is no literal (`install_dir: py.get_install_dir() / 'pkg'`, `subdir: sub`)."""
    if "extension_module" not in text:
        return False
    package, _, leaf = module.rpartition(".")
    calls = [(_literal(args[0]), args[1:]) for args in _calls(text) if args]
    # quoted elsewhere than as the name of a call: in a list a loop may pass to `extension_module(name, ...)`
    listed = text.count(f"'{leaf}'") > sum(name == leaf for name, _ in calls)
    for name, rest in calls:
        if name == leaf or (name is None and listed):
            place = _install_place(rest)
            if place is None or place == package:
                return True
    return False


def _install_place(args: list[str]) -> str | None:
    """The dotted package an extension is installed into ("" for the top), None when the call does not say it
    literally."""
    place = ""
    for arg in args:
        keyword = _KEYWORD.fullmatch(arg)
        if keyword is None:
            continue
        key, value = keyword.group(1), keyword.group(2).strip()
        if key == "install_dir":
            return None
        if key == "subdir":
            if _PATH.fullmatch(value) is None:
                return None
            parts = "/".join(_PART.findall(value)).split("/")
            place = ".".join(p for p in parts if p and p != ".")
    return place


def _literal(arg: str) -> str | None:
    found = _PART.fullmatch(arg.strip())
    return found.group(1) if found else None


def _calls(text: str) -> Iterator[list[str]]:
    """The top-level arguments of each `extension_module(` call, as text (comments left out). The next call is
    looked for after the end of the previous one, so a file of unclosed calls is read once, not once a call."""
    at = 0
    while (call := _CALL.search(text, at)) is not None:
        args, at = _arguments(text, call.end())
        yield args


def _arguments(text: str, at: int) -> tuple[list[str], int]:
    """The arguments of the call whose `(` ends right before `at`, split at its top-level commas, and where the
    call ends."""
    args: list[str] = []
    current: list[str] = []
    depth, i, n = 0, at, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            end = _string_end(text, i)
            current.append(text[i:end])
            i = end
            continue
        if c == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if c in _CLOSE and depth == 0:
            break
        if c == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            depth += (c in _OPEN) - (c in _CLOSE)
            current.append(c)
        i += 1
    last = "".join(current).strip()
    return ([*args, last] if last else args), i


def _string_end(text: str, i: int) -> int:
    """The index right after the string starting at `i` (the end of the text when it is not closed)."""
    if text.startswith("'''", i):
        end = text.find("'''", i + 3)
        return len(text) if end < 0 else end + 3
    j = i + 1
    while j < len(text) and text[j] not in "'\n":
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, len(text))
