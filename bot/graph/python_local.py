"""File-local diagnostics decided once per file content: `syntax-error` and `undefined-name`.

`local_issues(data, target)` is called by the graph's parser for every file it parses (results are
cached by content hash), so it is self-contained and cheap: CPython decides syntax — its symbol table (parser,
`__future__` and scope checks) when the parser has shown the file holds no error only code generation finds
(`python_codegen`), else its compiler — the same C-implemented `symtable` finds candidate unbound names, and
only files with candidates are walked with `ast` to locate the uses. Where the analysis cannot be sure, it
says nothing. Syntax newer than this interpreter is read by tree-sitter's newer grammar, and Python 3.15's,
which that grammar does not know either, by `bot.graph.python_next`.
"""

from __future__ import annotations

import re
import symtable
import sys
import warnings

from bot.graph.model import LocalIssue
from bot.graph.names import ALWAYS_DEFINED, is_dunder
from bot.graph.python_codegen import KNOWN_INTERPRETERS
from bot.graph.python_next import NEXT, desugared, first_form, rewritten
from bot.lazy_re import lazy

_INTERPRETER = sys.version_info[:2]

# Constructs newer than a target version that `ast.parse(feature_version=...)` can judge; a file is only
# re-parsed for an older target when one of these patterns occurs in its bytes. Each is (a pattern that starts
# with literal bytes, so `re` skips to them at C speed, and, where the construct starts a line or a word, the
# exact pattern the file must then also match): one search per alternative is several times faster than an
# alternation, a `\b` or a leading `^`, which make `re` try every position.
_Scan = tuple[re.Pattern[bytes], re.Pattern[bytes] | None]
_NEWER_SYNTAX: tuple[tuple[tuple[int, int], tuple[_Scan, ...]], ...] = (
    ((3, 8), ((lazy(rb":="), None), (lazy(rb"[,(]\s*/\s*[,)]"), None),  # walrus, `/` parameters,
              (lazy(rb"=\s*(?:![rsa]\s*)?[}:]"), None))),  # f"{expr=}"
    ((3, 9), ((lazy(rb"with\s*\("), lazy(rb"\bwith\s*\(")),)),
    ((3, 10), ((lazy(rb"match\b"), lazy(rb"(?m)^[ \t]*match\b")),)),
    ((3, 11), ((lazy(rb"except\s*\*"), None), (lazy(rb"\[\s*\*"), None))),
    ((3, 12), ((lazy(rb"type\s+\w"), lazy(rb"(?m)^[ \t]*type\s+\w")),
               (lazy(rb"def\s+\w+\s*\["), lazy(rb"\bdef\s+\w+\s*\[")),
               (lazy(rb"class\s+\w+\s*\["), lazy(rb"\bclass\s+\w+\s*\[")))),
)


def local_issues(data: bytes, target: tuple[int, int], *, codegen_clear: bool = False) -> tuple[LocalIssue, ...]:
    """Syntax errors for the `target` Python version, else the names that are unbound where used.
    `codegen_clear`: the caller has shown (`python_codegen.codegen_suspect`) that `data` holds none of the
    errors only code generation finds, so CPython's symbol table, which the names need anyway, decides syntax."""
    try:
        table = _symbol_table(data) if codegen_clear else None
        error = syntax_error(data, target) if table is None else _newer_syntax_error(data, target)
        if error is not None:
            return (error, *_names_despite_newer_syntax(data, target, error, table))
        from bot.graph.python_undefined import undefined_names

        return undefined_names(data, target, table=table)
    except (RecursionError, MemoryError) as exc:
        return (_issue_from_limit(exc),)
    except (SyntaxError, ValueError):  # syntax newer than this interpreter that the target accepts
        return _names_of_next(data, target)  # names cannot be judged, unless it is only Python 3.15's syntax


def _names_despite_newer_syntax(data: bytes, target: tuple[int, int], error: LocalIssue,
                                table: symtable.SymbolTable | None) -> tuple[LocalIssue, ...]:
    """The unbound names of a file whose only error is syntax newer than the target, when this interpreter
    compiles it (falcon's ASGI half: f-strings in a package declared for 3.5): its names are judged as any
    file's are. Nothing when this interpreter cannot read the file either."""
    if not error.message.endswith(_for_target("", target)):
        return ()
    if table is None and _parser_rejects(data):
        return _names_of_next(data, target)
    from bot.graph.python_undefined import undefined_names

    try:
        return undefined_names(data, target, table=table)
    except (SyntaxError, ValueError):
        return ()


def _names_of_next(data: bytes, target: tuple[int, int]) -> tuple[LocalIssue, ...]:
    """The unbound names of a file this interpreter cannot read only because of Python 3.15's syntax, judged on
    the file written for an older Python (same lines, same names); else nothing."""
    plain = desugared(data) if _INTERPRETER < NEXT else None
    if plain is None:
        return ()
    from bot.graph.python_undefined import undefined_names

    try:
        return undefined_names(plain, target)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()


def syntax_error(data: bytes, target: tuple[int, int]) -> LocalIssue | None:
    """The first error CPython reports for `data` when run by Python `target`, or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<file>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        # syntax newer than this interpreter knows: its parser rejects what tree-sitter's newer grammar reads (an
        # error only scopes or code generation find, `return` outside a function say, is no newer syntax, nor is
        # a Python 2 form the grammar also reads: `bot.graph.legacy_syntax`)
        if not _tree_sitter_rejects(data) and _parser_rejects(data) and not _never_valid(data, exc):
            return None if target > _INTERPRETER else _target_lacks(exc, target)  # else: the target accepts it
        if _INTERPRETER < NEXT:  # syntax newer than the grammar too: Python 3.15's (`bot.graph.python_next`)
            plain, remaining = rewritten(data)
            if plain != data:
                if remaining is not None:
                    return _issue_from_syntax_error(remaining)  # broken beyond 3.15's forms: where it is broken
                if target >= NEXT:
                    return None
                line, col, what = first_form(data, plain)
                return LocalIssue("syntax-error", line, col, line, _for_target(f"SyntaxError: {what}", target))
        return _issue_from_syntax_error(exc)
    except ValueError as exc:  # "source code string cannot contain null bytes" (3.11)
        return LocalIssue("syntax-error", 1, 0, 1, str(exc))
    except (RecursionError, MemoryError) as exc:
        return _issue_from_limit(exc)
    return _newer_syntax_error(data, target)


def _never_valid(data: bytes, exc: SyntaxError) -> bool:
    from bot.graph.legacy_syntax import never_valid  # (only for a file `compile` rejects)

    return never_valid(data, exc)


def parses(data: bytes) -> bool:
    """CPython's parser reads the file (Python 3.15's forms rewritten for this interpreter): whatever syntax error
    it has comes from the compiler's later checks (`import *` or `nonlocal` where they are not allowed, `return`
    outside a function), which a tool that only parses the file (a linter reading its test data) never makes."""
    from bot.graph.python_next import rewritten

    return not _parser_rejects(rewritten(data)[0])


def _parser_rejects(data: bytes) -> bool:
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError):
        return True
    except (RecursionError, MemoryError):
        return False
    return False


def _symbol_table(data: bytes) -> symtable.SymbolTable | None:
    """CPython's symbol table of `data` (its parser, `__future__` and scope checks passed), or None when they
    fail or the interpreter is one whose code-generation errors `python_codegen` does not know: `compile`
    decides then, and says why."""
    if not KNOWN_INTERPRETERS[0] <= _INTERPRETER <= KNOWN_INTERPRETERS[1]:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return symtable.symtable(data, "<file>", "exec")  # type: ignore[arg-type]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _newer_syntax_error(data: bytes, target: tuple[int, int]) -> LocalIssue | None:
    """For a file this interpreter accepts: the error of syntax newer than an older `target`, or None."""
    if target < _INTERPRETER and _may_use_newer_syntax(data, target):
        return _feature_version_error(data, target)
    return None


def _may_use_newer_syntax(data: bytes, target: tuple[int, int]) -> bool:
    if target < (3, 7):
        return True
    return any(since > target and any(first.search(data) and (then is None or then.search(data))
                                       for first, then in scans)
               for since, scans in _NEWER_SYNTAX)


def _feature_version_error(data: bytes, target: tuple[int, int]) -> LocalIssue | None:
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data, feature_version=target)
    except SyntaxError as exc:
        if "arenthesized context managers" in str(exc.msg) and not _really_parenthesized_with(data, exc):
            return None  # `with (lock):` is valid in every version; CPython's check over-reports it
        return _target_lacks(exc, target)
    return None


def _target_lacks(exc: SyntaxError, target: tuple[int, int]) -> LocalIssue:
    """CPython's error about syntax a newer Python accepts, marked as newer than the `target` version."""
    issue = _issue_from_syntax_error(exc)
    return LocalIssue(issue.rule, issue.line, issue.col, issue.end_line, _for_target(issue.message, target))


def _for_target(message: str, target: tuple[int, int]) -> str:
    """A syntax error's message marked as about syntax the `target` lacks (read back by `judged_for`)."""
    return f"{message} (target Python {target[0]}.{target[1]})"


_JUDGED_FOR = lazy(r"\(target Python (\d+)\.(\d+)\)$")


def judged_for(message: str) -> tuple[int, int] | None:
    """The target of a `syntax-error` message about syntax that target lacks (newer syntax), else None."""
    m = _JUDGED_FOR.search(message)
    return (int(m[1]), int(m[2])) if m else None


def _really_parenthesized_with(data: bytes, exc: SyntaxError) -> bool:
    """True when a `with` on the reported line binds a name inside its parentheses (3.9+ syntax)."""
    import ast

    for node in ast.walk(ast.parse(data)):
        if (isinstance(node, (ast.With, ast.AsyncWith))
                and node.lineno <= (exc.lineno or 0) <= (node.end_lineno or node.lineno)
                and any(item.optional_vars is not None for item in node.items)):
            return True
    return False


def _tree_sitter_rejects(data: bytes) -> bool:
    """Whether tree-sitter's grammar (which knows newer syntax) sees an error in `data`."""
    try:
        from tree_sitter import Parser

        from bot.graph.python_grammar import python_language
    except ImportError:  # pragma: no cover - a gate install always has it
        return False
    parser = Parser(python_language())
    return bool(parser.parse(data).root_node.has_error)


def _issue_from_syntax_error(exc: SyntaxError) -> LocalIssue:
    line = exc.lineno or 1
    col = max((exc.offset or 1) - 1, 0)
    end_line = getattr(exc, "end_lineno", None) or line
    name = type(exc).__name__
    return LocalIssue("syntax-error", line, col, max(end_line, line), f"{name}: {exc.msg}")


def _issue_from_limit(exc: BaseException) -> LocalIssue:
    what = "too deeply nested for the parser" if isinstance(exc, RecursionError) else "too large for the parser"
    return LocalIssue("syntax-error", 1, 0, 1, f"SyntaxError: the source is {what} ({type(exc).__name__})")


__all__ = ["ALWAYS_DEFINED", "is_dunder", "judged_for", "local_issues", "syntax_error"]
