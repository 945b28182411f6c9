"""Names that are defined without a binding in the file: builtins of every supported Python, and more."""

from __future__ import annotations

import ast
import builtins


def _words(text: str) -> list[str]:
    return text.split()

# Builtins of CPython 3.7 - 3.14 (the union, so a name is never reported because the hook runs on an
# interpreter older or newer than the project's), plus platform and site-provided ones.
_BUILTINS = frozenset(_words("""
ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError
BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError
ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception
ExceptionGroup False FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError
ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError
KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError None NotADirectoryError NotImplemented
NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError
PythonFinalizationError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning
StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError True
TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError
UnicodeWarning UserWarning ValueError Warning ZeroDivisionError _IncompleteInputError
abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex
copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr
globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max
memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice
sorted staticmethod str sum super tuple type vars zip
WindowsError VMSError
"""))

# Python 2 names that version-tolerant code references under guards we cannot always see.
_PYTHON2 = frozenset(_words("""
unicode basestring long xrange raw_input reduce file execfile unichr buffer cmp apply intern coerce reload
StandardError
"""))

# Names some environments inject as builtins: gettext.install() (`_`), IPython, typing helpers for checkers.
_INJECTED = frozenset(_words("""
_ __ ___ get_ipython display reveal_type reveal_locals
"""))

ALWAYS_DEFINED: frozenset[str] = _BUILTINS | _PYTHON2 | _INJECTED | frozenset(dir(builtins))


def is_dunder(name: str) -> bool:
    """Module, class and function dunders (`__file__`, `__class__`, `__qualname__`, ...) are never reported."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def last_name(node: ast.AST) -> str:
    """The last name of a dotted expression (`b` of `a.b`, `a` of `a`), "" for anything else."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""
