"""A fix's diff turned into review suggestions on the lines GitHub accepts."""

from __future__ import annotations

from bot.github.api import ChangedFile
from bot.github.suggestions import commentable_lines, parse_blocks, to_suggestions

HEAD = ["import os", "", "def sub(a, b):", "    return a + b", "", "def mul(a, b):", "    return a * b"]
DIFF_U0 = """diff --git a/calc.py b/calc.py
index 1..2 100644
--- a/calc.py
+++ b/calc.py
@@ -4 +4 @@ def sub(a, b):
-    return a + b
+    return a - b
@@ -5,0 +6,2 @@ def sub(a, b):
+
+# a note
@@ -7 +9,0 @@ def mul(a, b):
-    return a * b
@@ -1 +0,0 @@
-import os
"""
PR_FILES = [ChangedFile("calc.py", "modified", "@@ -3,3 +3,5 @@\n def sub(a, b):\n-    return a * b\n+    return a + b\n"
                                              " \n+def mul(a, b):\n+    return a * b\n")]


def test_blocks_become_suggestions_or_leftovers():
    blocks = parse_blocks(DIFF_U0)
    assert [(b.old_start, b.old_count, b.new_lines) for b in blocks] == [
        (4, 1, ("    return a - b",)), (5, 0, ("", "# a note")), (7, 0 + 1, ()), (1, 1, ())]
    allowed = commentable_lines(PR_FILES)
    assert allowed == {"calc.py": {3, 4, 5, 6, 7}}
    comments, leftovers = to_suggestions(blocks, allowed, lambda path, n: HEAD[n - 1])
    assert [(c.line, c.start_line) for c in comments] == [(4, None), (5, None), (7, None)]
    assert comments[0].body.endswith("```suggestion\n    return a - b\n```")
    assert comments[1].body.endswith("```suggestion\n\n\n# a note\n```")  # line 5 kept, two lines added
    assert comments[2].body.endswith("```suggestion\n```")  # a deletion
    assert [b.old_start for b in leftovers] == [1]  # line 1 is outside the PR's diff
