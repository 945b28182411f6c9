import ast
import textwrap

from bot.context.compress import compress_python


def _same_code(a: str, b: str) -> bool:
    return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))


def test_strips_comments_and_blank_lines():
    src = "# header\nimport os  # why\n\n\ndef f(x):\n    # explain\n    return x  # trailing\n"
    out = compress_python(src)
    assert out.ok
    assert out.text == "import os\ndef f(x):\n    return x\n"


def test_hash_inside_strings_is_kept():
    src = 'url = "http://x/#anchor"  # a comment\ns = \'# not a comment\'\nb = b"#"\n'
    out = compress_python(src).text
    assert out == 'url = "http://x/#anchor"\ns = \'# not a comment\'\nb = b"#"\n'
    assert _same_code(src, out)


def test_triple_quoted_strings_keep_blank_lines_and_hashes():
    src = textwrap.dedent('''\
        def f():
            """Docstring.

            # not a comment
            """
            text = """line one

        # still the string

            """  # real comment
            return text
        ''')
    out = compress_python(src)
    assert out.ok
    assert '"""Docstring.\n\n    # not a comment\n    """' in out.text
    assert 'text = """line one\n\n# still the string\n\n    """\n' in out.text
    assert "real comment" not in out.text
    assert _same_code(src, out.text)


def test_f_strings_and_continuations():
    src = textwrap.dedent('''\
        name = "x"
        msg = f"{name} # {name!r}"  # c
        total = 1 + \\
            2  # c2
        long = f"""
        {name}

        # kept
        """
        call(a,  # first
             b)

        ''')
    out = compress_python(src)
    assert out.ok
    assert 'msg = f"{name} # {name!r}"\n' in out.text
    assert "total = 1 + \\\n    2\n" in out.text
    assert 'long = f"""\n{name}\n\n# kept\n"""\n' in out.text
    assert "call(a,\n     b)\n" in out.text
    assert _same_code(src, out.text)


def test_indented_snippet_is_compressed():
    src = "    def m(self):\n        # c\n\n        return 1\n"
    out = compress_python(src)
    assert out.ok
    assert out.text == "    def m(self):\n        return 1\n"


def test_untokenizable_text_is_returned_unchanged_with_a_reason():
    src = 'x = """never closed\n# c\n'
    out = compress_python(src)
    assert not out.ok
    assert out.text == src
    assert "tokenizer failed" in out.reason


def test_python312_nested_quote_fstring_keeps_its_hash():
    src = 'x = f"{d["#"]}"  # c\ny = 1  # d\n'
    out = compress_python(src)
    assert out.ok
    assert out.text.startswith('x = f"{d["#"]}"')  # never cut inside the string, whatever the Python
    assert out.text.endswith("y = 1\n")


def _real_sources():
    import inspect
    import pathlib

    import bot

    stdlib = [m for m in ("tokenize", "inspect", "argparse", "typing", "dataclasses", "pathlib", "textwrap",
                          "string", "difflib", "email.message", "json.decoder", "re._parser")]
    paths = [pathlib.Path(inspect.getfile(__import__(m, fromlist=["_"]))) for m in stdlib]
    paths += sorted(pathlib.Path(bot.__file__).parent.rglob("*.py"))
    return paths


def test_real_files_keep_their_syntax_tree():
    checked = 0
    for path in _real_sources():
        src = path.read_text(encoding="utf-8")
        try:
            ast.parse(src)
        except SyntaxError:  # a file being edited by someone else right now
            continue
        out = compress_python(src)
        assert out.ok, path
        assert _same_code(src, out.text), path
        assert len(out.text) <= len(src), path
        checked += 1
    assert checked > 20


def test_long_docstrings_fold_to_their_summary_line_and_code_stays():
    from bot.context.compress import fold_docstrings

    code = ('    def run(self, x):\n        """Run it.\n\n        Long story\n        more story.\n        """\n'
            '        text = """not a docstring\n        spans lines\n        too"""\n        return x\n'
            '    def short(self):\n        """One line."""\n')
    folded, count = fold_docstrings(code)
    assert count == 1
    assert folded.startswith('    def run(self, x):\n        """Run it. …"""\n        text = """not a docstring\n')
    assert '"""One line."""' in folded and "Long story" not in folded and "return x" in folded
    assert fold_docstrings("def broken(:\n") == ("def broken(:\n", 0)
