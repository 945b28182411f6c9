"""Syntax that tree-sitter's grammar reads but that no Python 3 release accepts: Python 2's forms, and a starred
expression alone in parentheses.

A file CPython rejects is called "newer syntax than the target" when tree-sitter's grammar, which knows the
newest Python, reads it (`bot.graph.python_local.syntax_error`), and such an error is forgiven where the project
says the file only runs on newer interpreters (linter-excluded files, test data). The grammar also reads Python
2 — print and exec statements, backquotes, `ur""`, `0777`, `10L`, `<>`, tuple parameters, `raise E, "msg"` —
and mixed tabs and spaces that CPython 3 refuses; a file holding any of them is accepted by no Python version,
so its error is a plain syntax error wherever it is. (`except E, e:` is not among them: Python 3.14 reads it as
`except (E, e):`, PEP 758.) Nor does any Python 3 read `(*a)` — a starred expression in parentheses without a
comma, which the grammar takes for a tuple or a parenthesized expression ("cannot use starred expression here").

Asked only of files CPython rejects and the grammar reads: one tree-sitter query, its nodes checked in Python.
"""

from __future__ import annotations

import ast
import warnings
from functools import cache
from typing import Any

from bot.graph.python_grammar import python_language
from bot.lazy_re import lazy

# Each capture is a node that may be a Python 2 form; `_python2_only` decides.
_QUERY = """
(print_statement) @statement
(exec_statement) @statement
(comparison_operator "<>" @not_equal)
(string_start) @string_start
(integer) @integer
(parameters (tuple_pattern) @tuple_parameter)
(parameters (default_parameter name: (tuple_pattern) @tuple_parameter))
(lambda_parameters (tuple_pattern) @tuple_parameter)
(lambda_parameters (default_parameter name: (tuple_pattern) @tuple_parameter))
(raise_statement (expression_list) @raise_tuple)
(parenthesized_expression (list_splat) @lone_star)
(tuple) @tuple
(tuple_pattern) @tuple
"""
# every string prefix some Python 3 accepts (3.14 adds the template strings), in lower case
_PREFIXES = frozenset({"", "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt"})
_OLD_OCTAL = lazy(r"0[0-9_]*[1-9][0-9_]*")  # `0777`: decimal digits after a leading zero (`0`, `00` are fine)


def never_valid(data: bytes, error: SyntaxError) -> bool:
    """Whether `data`, which CPython rejected with `error`, holds a form no Python 3 version accepts."""
    if isinstance(error, IndentationError):  # TabError included: no later Python relaxed indentation
        return True
    tree = _parser().parse(data)
    caps: dict[str, list[Any]] = _query().captures(tree.root_node)
    return any(_python2_only(kind, node, data) for kind, nodes in caps.items() for node in nodes)


def _python2_only(kind: str, node: Any, data: bytes) -> bool:
    text = node.text.decode("utf-8", "replace")
    if kind == "statement":  # `print x`, `exec code in ns`; `print >>f, x` is also a Python 3 expression
        return not _parses(text)
    if kind == "not_equal":
        return b"barry_as_FLUFL" not in data  # the one `__future__` import that makes `<>` Python 3
    if kind == "string_start":
        prefix = text.rstrip("\"'`")
        return text.endswith("`") or prefix.lower() not in _PREFIXES
    if kind == "integer":
        return text[-1:] in ("l", "L") or _OLD_OCTAL.fullmatch(text) is not None
    if kind == "tuple":  # `(*a)`: one starred item and no comma (`(*a,)` is a tuple)
        items = [c for c in node.named_children if c.type != "comment"]
        return len(items) == 1 and items[0].type in ("list_splat", "list_splat_pattern") \
            and not any(c.type == "," for c in node.children)
    return kind in ("tuple_parameter", "raise_tuple", "lone_star")


def _parses(statement: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(statement.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@cache
def _parser() -> Any:
    from tree_sitter import Parser

    return Parser(python_language())


@cache
def _query() -> Any:
    from tree_sitter import Query, QueryCursor

    query = Query(python_language(), _QUERY)
    cursor = QueryCursor(query)
    return cursor
