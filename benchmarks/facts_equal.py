"""Are the facts of every file the same before and after a change of the parser? (a script, not a test)

    python -m benchmarks.facts_equal --before /tmp/before [--projects django==5.0.6 ...] [--target 3.10]

`--before` is a directory holding another version of the `bot` package (e.g. `git archive main | tar -x -C
/tmp/before`). Every `.py` blob of each release's commit (read from git, so a benchmark mutating the work tree
at the same time changes nothing) is parsed by both versions, each in its own interpreter, and the encoded
facts are compared field by field. Also prints each side's CPU seconds for the parse loop (one process each,
one after the other: a rough speed figure next to the equality check). Exit 1 when any file differs.
"""

from __future__ import annotations

import argparse
import marshal
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/facts_equal.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.projects import SPEED_PROJECT, prepare

# Runs in a fresh interpreter whose `bot` is the version under test: blobs in, encoded facts and CPU out.
_DUMP = r"""
import marshal, sys, time
from bot.graph.codec import encode
from bot.graph.python_parser import parse_python
items = marshal.load(open(sys.argv[1], "rb"))
target = (int(sys.argv[3]), int(sys.argv[4]))
parse_python(b"x = 1\n", target)  # load the grammar and the query outside the timed loop
start = time.process_time()
out = [(sha, encode(parse_python(data, target, sha=sha))) for sha, data in items]
cpu = time.process_time() - start
marshal.dump((out, cpu), open(sys.argv[2], "wb"))
"""


def blobs(work: Path) -> list[tuple[str, bytes]]:
    """(sha, bytes) of every distinct `.py` blob of the commit checked out in `work`."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", "HEAD"], cwd=work, capture_output=True, check=True)
    shas = sorted({line.split()[2].decode() for line in listing.stdout.split(b"\0")
                   if line.endswith(b".py") and b" blob " in line})
    cat = subprocess.run(["git", "cat-file", "--batch"], cwd=work, input="".join(f"{s}\n" for s in shas).encode(),
                         capture_output=True, check=True).stdout
    out: list[tuple[str, bytes]] = []
    pos = 0
    for sha in shas:
        header_end = cat.index(b"\n", pos)
        size = int(cat[pos:header_end].split()[2])
        out.append((sha, cat[header_end + 1:header_end + 1 + size]))
        pos = header_end + 1 + size + 1
    return out


def dump(bot_dir: Path, items: list[tuple[str, bytes]], target: tuple[int, int]) -> tuple[dict[str, bytes], float]:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in", Path(tmp) / "out"
        src.write_bytes(marshal.dumps(items))
        env = dict(os.environ, PYTHONPATH=str(bot_dir))
        subprocess.run([sys.executable, "-c", _DUMP, str(src), str(dst), str(target[0]), str(target[1])],
                       cwd=tmp, env=env, check=True)
        out, cpu = marshal.loads(dst.read_bytes())
    return dict(out), cpu


def differing_fields(a: bytes, b: bytes) -> list[str]:
    from bot.graph.codec import decode

    fa, fb = decode(a), decode(b)
    if fa is None or fb is None:
        return ["<undecodable>"]
    return [name for name in fa.__dataclass_fields__ if getattr(fa, name) != getattr(fb, name)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="directory holding the other `bot` package")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="directory holding the `bot` package under test (default: this checkout)")
    parser.add_argument("--projects", nargs="+", default=[SPEED_PROJECT], metavar="SPEC")
    parser.add_argument("--target", default="3.10", help="target Python version (default 3.10)")
    args = parser.parse_args(argv)
    target = (int(args.target.split(".")[0]), int(args.target.split(".")[1]))
    differ = 0
    for spec in args.projects:
        items = blobs(prepare(spec))
        before, cpu_before = dump(args.before.resolve(), items, target)
        after, cpu_after = dump(args.after.resolve(), items, target)
        fields: Counter[str] = Counter()
        examples: list[str] = []
        for sha, _ in items:
            if before[sha] != after[sha]:
                names = differing_fields(before[sha], after[sha])
                fields.update(names)
                if len(examples) < 5:
                    examples.append(f"{sha[:12]} {','.join(names)}")
        changed = sum(1 for sha, _ in items if before[sha] != after[sha])
        differ += changed
        print(f"{spec}: {len(items)} blobs, {changed} differ{' ' + dict(fields).__repr__() if fields else ''}; "
              f"parse CPU before {cpu_before:.2f} s, after {cpu_after:.2f} s ({cpu_after / cpu_before:.2f}x)")
        for line in examples:
            print(f"    {line}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
