"""Secrets in text and diffs: detect-secrets (default plugins, offline) plus a few key-shape regexes.

Nothing here ever returns or prints a secret value: hits carry a SHA-1 of the value (as detect-secrets
baselines do), and `redact` replaces each value with `«REDACTED:<type>»`.
detect-secrets is imported inside the functions that use it (it is not on the pre-commit path).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.errors import ScanError
from bot.scan.results import ScanResult, SecurityFinding, not_checked

SCANNER = "secrets"
REDACTION = "«REDACTED:{}»"
REDACTION_RE = re.compile(r"«REDACTED:[^»\n]*»")
# Not a secret; flags every public address in code and documentation.
_SKIPPED_PLUGINS = {"IPPublicDetector"}
_LOCK = threading.Lock()  # detect-secrets keeps its settings in a process-wide singleton

_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END \1PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=:\s\-]*)", re.DOTALL)
# (type, pattern, group holding the value)
_SHAPES: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("Anthropic API Key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}"), 0),
    ("OpenAI API Key", re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{32,}"), 0),
    ("GitHub Token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}"), 0),
    ("GitHub Token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"), 0),
    ("AWS Access Key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"), 0),
    ("AWS Secret Key", re.compile(
        r"(?i)aws_?secret_?(?:access_?)?key\w*[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), 1),
    ("Secret Keyword", re.compile(
        r"(?i)\b\w*(?:passw(?:or)?d|passwd|pwd|secret|api_?key|access_?token|auth_?token)\w*[\"']?\s*[:=]\s*"
        r"(?:[a-z]?[\"'])([^\"'\n\s{}$<>%]{6,})[\"']"), 1),
)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# Unquoted tokens (log lines, test failure diffs) that are long and random enough to be keys.
_BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{32,}={0,2}(?![A-Za-z0-9+/=_\-])")
_BARE_ENTROPY = 4.5  # detect-secrets' default limit for base64 strings
_MIN_ECHO = 8  # values at least this long are redacted at every occurrence
_TOKEN_CHARS = r"[A-Za-z0-9_\-+/=]*"
# When two detectors report the same value, the specific type wins over these generic ones.
_GENERIC = {"Secret Keyword": 1, "Base64 High Entropy String": 2, "Hex High Entropy String": 2,
            "High Entropy Token": 3}


@dataclass(frozen=True)
class SecretHit:
    line: int  # 1-based line in the scanned text
    type: str  # e.g. "AWS Access Key", "Secret Keyword"
    secret_hash: str  # SHA-1 of the value; the value itself is never kept

    def describe(self) -> str:
        return f"line {self.line}: possible {self.type} (sha1 {self.secret_hash[:12]})"


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    type: str


def scan_text(text: str, name: str = "<prompt>") -> list[SecretHit]:
    """The secrets in `text`, one hit per (line, type, value). `name` picks detect-secrets' file-type rules."""
    spans = _spans(text, _suffix(name))
    starts = _line_starts(text)
    hits = {SecretHit(_line_of(starts, s.start), s.type, _sha1(text[s.start:s.end])) for s in spans}
    return sorted(hits, key=lambda h: (h.line, h.type, h.secret_hash))


def redact(text: str) -> tuple[str, int]:
    """`text` with every secret value replaced by `«REDACTED:<type>»`, and the number of replacements."""
    spans = _spans(text, ".txt")
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(text[pos:span.start])
        out.append(REDACTION.format(span.type))
        pos = span.end
    out.append(text[pos:])
    return "".join(out), len(spans)


def scan_diff(diff: str) -> ScanResult:
    """Secrets in the ADDED lines of a unified diff (`git diff` output), as high-severity findings."""
    try:
        import detect_secrets  # noqa: F401
    except ImportError as exc:
        return not_checked(SCANNER, f"detect-secrets is not installed ({exc}); install yantra-bot[bot]")
    findings: list[SecurityFinding] = []
    for path, added in _added_lines(diff).items():
        numbers = [n for n, _ in added]
        text = "\n".join(line for _, line in added) + "\n"
        starts = _line_starts(text)
        seen: set[tuple[int, str, str]] = set()
        for span in _spans(text, _suffix(path)):
            line = numbers[_line_of(starts, span.start) - 1]
            key = (line, span.type, _sha1(text[span.start:span.end]))
            if key not in seen:
                seen.add(key)
                findings.append(SecurityFinding(
                    scanner=SCANNER, rule=span.type, severity="high", path=path, line=line,
                    message=f"possible {span.type} added (sha1 {key[2][:12]}); remove it and load it from "
                            f"the environment or a secret store instead"))
    findings.sort(key=SecurityFinding.sort_key)
    return ScanResult(scanner=SCANNER, status="ok", findings=tuple(findings))


def _spans(text: str, suffix: str) -> list[_Span]:
    """Non-overlapping secret value spans, in order. A value found once is a secret wherever it appears
    (e.g. again, unquoted, in a test failure's diff output)."""
    spans = [_Span(m.start(), m.end(), "Private Key") for m in _PRIVATE_KEY_BLOCK.finditer(text)]
    for kind, pattern, group in _SHAPES:
        spans += [_Span(m.start(group), m.end(group), kind) for m in pattern.finditer(text)]
    spans += [_Span(m.start(), m.end(), "High Entropy Token") for m in _BARE_TOKEN.finditer(text)
              if _looks_random(m.group(0))]
    spans += list(_detect_secrets_spans(text, suffix))
    known: dict[str, str] = {}
    for span in sorted(_resolve(spans), key=lambda s: -_GENERIC.get(s.type, 0)):  # specific types last
        if span.end - span.start >= _MIN_ECHO:
            known[text[span.start:span.end]] = span.type
    for value, kind in known.items():
        spans += [_Span(m.start(), m.end(), kind) for m in re.finditer(re.escape(value), text)]
    return _resolve(spans + [_Span(m.start(), m.end(), "") for m in REDACTION_RE.finditer(text)])


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Drop overlaps: the earliest, then longest, then most specific span wins; typeless spans mask."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start), _GENERIC.get(s.type, 0))):
        if span.end > span.start and (not chosen or span.start >= chosen[-1].end):
            chosen.append(span)
    return [s for s in chosen if s.type]


def _looks_random(token: str) -> bool:
    """Mixed-case letters and digits with base64-like entropy: a key even where nothing quotes it."""
    if not (re.search(r"[a-z]", token) and re.search(r"[A-Z]", token) and re.search(r"[0-9]", token)):
        return False
    counts = [token.count(c) for c in set(token)]
    entropy = -sum(n / len(token) * math.log2(n / len(token)) for n in counts)
    return entropy >= _BARE_ENTROPY


def _detect_secrets_spans(text: str, suffix: str) -> Iterator[_Span]:
    lines = text.split("\n")
    starts = _line_starts(text)
    for line_no, kind, value in _detect_secrets_values(text, suffix):
        if not value or line_no < 1 or line_no > len(lines):
            continue
        line, offset = lines[line_no - 1], starts[line_no - 1]
        for m in re.finditer(_TOKEN_CHARS + re.escape(value) + _TOKEN_CHARS, line):
            # a detector may report only a prefix ("ghp"): extend to the whole token around it
            begin = m.start() if len(value) < 8 else m.start() + line[m.start():].index(value)
            end = m.end() if len(value) < 8 else begin + len(value)
            yield _Span(offset + begin, offset + end, kind)


def _detect_secrets_values(text: str, suffix: str) -> list[tuple[int, str, str]]:
    """(line, type, value) from detect-secrets' default plugins over `text` (scanned as a file)."""
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.settings import transient_settings
    except ImportError as exc:
        raise ScanError(f"detect-secrets is not installed ({exc}), so secrets cannot be found or redacted and "
                        f"nothing is sent to a model; install yantra-bot[bot]") from exc

    mapping: dict[str, type] = get_mapping_from_secret_type_to_class()
    names = [plugin.__name__ for plugin in mapping.values()]
    plugins = [{"name": name} for name in names if name not in _SKIPPED_PLUGINS]
    with _LOCK, tempfile.TemporaryDirectory(prefix="yantra-secrets-") as tmp:
        path = os.path.join(tmp, "scanned" + suffix)
        with open(path, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
        with transient_settings({"plugins_used": plugins}):
            collection = SecretsCollection()
            collection.scan_file(path)
            return [(s.line_number, s.type, s.secret_value or "") for _, s in collection]


def _added_lines(diff: str) -> dict[str, list[tuple[int, str]]]:
    """path -> [(new line number, text)] for every `+` line of every hunk (hunk lengths are honoured, so an
    added line that itself starts with "++ " is not taken for a file header)."""
    added: dict[str, list[tuple[int, str]]] = {}
    path: str | None = None
    line_no = old_left = new_left = 0
    for raw in diff.splitlines():
        if old_left > 0 or new_left > 0:
            if raw.startswith("+"):
                if path is not None:
                    added.setdefault(path, []).append((line_no, raw[1:]))
                line_no, new_left = line_no + 1, new_left - 1
            elif raw.startswith("-"):
                old_left -= 1
            elif not raw.startswith("\\"):
                line_no, old_left, new_left = line_no + 1, old_left - 1, new_left - 1
        elif raw.startswith("+++ "):
            target = raw[4:].split("\t")[0].strip().strip('"')
            path = None if target == "/dev/null" else target.removeprefix("b/")
        elif m := _HUNK.match(raw):
            line_no = int(m.group(3))
            old_left = int(m.group(2)) if m.group(2) is not None else 1
            new_left = int(m.group(4)) if m.group(4) is not None else 1
    return added


def _suffix(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ".txt"


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def _sha1(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()
