"""`FileFacts` <-> compact bytes (marshal of plain tuples, strings interned; never pickle), sealed with a CRC-32.

The checksum makes a damaged blob (a flipped byte on disk, a torn write) read as "no facts", which callers
answer by parsing the file again, instead of decoding into wrong facts or silently skipping the file.

Decoding builds thousands of frozen objects per check (a re-sign's dependents: ~14,000 definitions, imports,
calls, attribute and member uses), and a frozen dataclass's `__init__` stores each field through
`object.__setattr__`, three quarters of the cost. `_Builder` makes them about three times faster (decoding as
a whole 2.3 times): each object is made as an instance of a plain class with the same slots, its fields stored
directly, and then given the frozen class (`__class__` assignment, allowed between classes of one layout); the
result is an ordinary instance of the frozen class, equal to and as immutable as one made by `__init__`.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
import zlib
from collections.abc import Callable
from dataclasses import MISSING, fields
from itertools import starmap
from typing import Any, Generic, TypeVar

from bot.graph.model import (
    NO_DOUBTS,
    AttrUse,
    CallSite,
    Definition,
    Doubts,
    FileFacts,
    ImportFact,
    LocalIssue,
    MemberUse,
    Param,
    Signature,
)

FORMAT = 8
_CHECK = 4  # bytes of CRC-32 after the payload

_T = TypeVar("_T")


class _Builder(Generic[_T]):
    """`build(*fields)` makes an instance of the frozen slotted dataclass `cls` from its fields in order, defaults
    included, as `cls(*fields)` does (see the module docstring). Its code is generated from `cls`'s fields, so a
    field added to the model is built without a change here."""

    def __init__(self, cls: type[_T]) -> None:
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        if tuple(names) != getattr(cls, "__slots__", None) or cls.__bases__ != (object,):
            raise TypeError(f"{cls.__name__}: only a slotted dataclass with no base class can be built")
        plain = type(f"_{cls.__name__}Fields", (), {"__slots__": tuple(names)})
        defaults = {f"_d{i}": f.default for i, f in enumerate(fields(cls))  # type: ignore[arg-type]
                    if f.default is not MISSING}
        params = ", ".join(n + (f"=_d{i}" if f"_d{i}" in defaults else "") for i, n in enumerate(names))
        body = "".join(f"    _self.{n} = {n}\n" for n in names)
        source = f"def build({params}):\n    _self = _plain()\n{body}    _self.__class__ = _cls\n    return _self\n"
        scope: dict[str, Any] = {"_plain": plain, "_cls": cls, **defaults}
        exec(source, scope)  # (code made from the model's own field names, as `dataclasses` makes `__init__`)
        self.build: Callable[..., _T] = scope["build"]


_param = _Builder(Param).build
_import = _Builder(ImportFact).build
_attr_use = _Builder(AttrUse).build
_call = _Builder(CallSite).build
_member_use = _Builder(MemberUse).build
_issue = _Builder(LocalIssue).build
_build_definition = _Builder(Definition).build


def _definition(d: Definition) -> tuple[Any, ...]:
    sig = None if d.signature is None else tuple((p.name, p.kind, p.has_default) for p in d.signature.params)
    return (d.name, d.qualname, d.kind, d.line, d.end_line, d.col, sig, d.decorators, d.bases, d.metaclass,
            d.doc, d.conditional, d.is_async)


# Signatures repeat a lot (`(self)`, `(self, *args, **kwargs)`): one immutable object per distinct shape.
_SIGNATURES: dict[tuple[Any, ...], Signature] = {}


def _signature(params: tuple[Any, ...]) -> Signature:
    sig = _SIGNATURES.get(params)
    if sig is None:
        sig = Signature(tuple(starmap(_param, params)))
        if len(_SIGNATURES) < 100_000:
            _SIGNATURES[params] = sig
    return sig


def _undefinition(t: tuple[Any, ...]) -> Definition:
    if t[6] is None:
        return _build_definition(*t)
    return _build_definition(t[0], t[1], t[2], t[3], t[4], t[5], _signature(t[6]), *t[7:])


def encode(f: FileFacts) -> bytes:
    payload = _payload(f)
    return payload + zlib.crc32(payload).to_bytes(_CHECK, "big")


def _payload(f: FileFacts) -> bytes:
    return marshal.dumps(_interned((
        FORMAT, f.sha, f.language,
        tuple(_definition(d) for d in f.definitions),
        tuple(sorted(f.module_names)),
        tuple((i.module, i.level, i.name, i.alias, i.line, i.col, i.end_line, i.scope, i.guarded) for i in f.imports),
        tuple((a.base, a.attrs, a.line, a.col, a.end_line, a.store, a.guarded) for a in f.attr_uses),
        tuple((c.callee, c.line, c.col, c.end_line, c.n_positional, c.keywords, c.star, c.starstar, c.caller,
               c.guarded) for c in f.calls),
        f.all_names, f.all_dynamic, f.dynamic,
        tuple((i.rule, i.line, i.col, i.end_line, i.message, i.name, i.unevaluated) for i in f.issues),
        f.parse_ok, f.suppressions, f.path_dynamic,
        None if f.doubts == NO_DOUBTS else tuple(getattr(f.doubts, k) for k in Doubts.__slots__),
        tuple((u.kind, u.owner, u.name, u.line, u.col, u.end_line, u.guarded) for u in f.member_uses),
        f.instance_attrs, f.not_analysed,
    )))


def interface_digests(f: FileFacts) -> tuple[bytes, bytes]:
    """What judging ANOTHER file may read of `f` (`bot.gate.findings_cache`), as two digests: every definition
    (kind, signature, bases, decorators...), the imports without their places (re-exports, star imports), the
    module-level names, `__all__`, the doubts, the attributes methods assign on instances — the second digest
    with the definitions' places too (a finding's text may quote `path:line` of a signature or class; whether
    a finding is made never depends on another file's line numbers). Left out are what the rules read only in
    the file's own judgement: its calls, attribute and member uses, local issues, suppressions, the places of
    its imports (and its blob SHA): an edit inside a function body changes neither digest unless it moves a
    definition, which changes only the second. (Digests of the `repr`: marshal's bytes depend on which strings
    happen to be interned or shared.)"""
    rest = (tuple(sorted(f.module_names)), tuple((i.module, i.level, i.name, i.alias, i.scope, i.guarded)
                                                 for i in f.imports),
            f.all_names, f.all_dynamic, f.dynamic, f.parse_ok, f.path_dynamic,
            None if f.doubts == NO_DOUBTS else tuple(getattr(f.doubts, k) for k in Doubts.__slots__),
            f.instance_attrs, f.not_analysed)
    defs = tuple(_definition(d) for d in f.definitions)
    unplaced = tuple(d[:3] + d[6:] for d in defs)  # (name, qualname, kind, [line, end_line, col], sig, ...)
    places = tuple(d[3:6] for d in defs)
    loose = hashlib.blake2b(repr((FORMAT, f.language, unplaced, rest)).encode("utf-8", "surrogatepass"),
                            digest_size=16).digest()
    placed = hashlib.blake2b(loose + repr(places).encode(), digest_size=16).digest()
    return loose, placed


_str, _tuple, _intern = str, tuple, sys.intern


def _interned(t: tuple[Any, ...]) -> tuple[Any, ...]:
    """`t` with every string interned, recursively: marshal then writes each distinct string of a file once
    and `decode` interns it, so the facts of thousands of files share one copy of each name (a fifth less
    memory for a whole-repository check, and smaller blobs)."""
    return _tuple([_intern(x) if type(x) is _str else _interned(x) if type(x) is _tuple else x for x in t])


def decode(data: bytes) -> FileFacts | None:
    """The facts in `data`, or None when the bytes are not intact facts of this format."""
    payload, check = data[:-_CHECK], data[-_CHECK:]
    if len(data) <= _CHECK or zlib.crc32(payload).to_bytes(_CHECK, "big") != check:
        return None
    try:
        t = marshal.loads(payload)
        if not isinstance(t, tuple) or t[0] != FORMAT:
            return None
        return FileFacts(
            sha=t[1], language=t[2],
            definitions=tuple(map(_undefinition, t[3])),
            module_names=frozenset(t[4]),
            imports=tuple(starmap(_import, t[5])),
            attr_uses=tuple(starmap(_attr_use, t[6])),
            calls=tuple(starmap(_call, t[7])),
            all_names=t[8], all_dynamic=t[9], dynamic=t[10],
            issues=tuple(starmap(_issue, t[11])),
            parse_ok=t[12], suppressions=t[13], path_dynamic=t[14],
            doubts=NO_DOUBTS if t[15] is None else Doubts(*t[15]),
            member_uses=tuple(starmap(_member_use, t[16])), instance_attrs=t[17], not_analysed=t[18],
        )
    except (ValueError, EOFError, TypeError, IndexError):
        return None
