"""Run the code blocks of a Markdown page: the docs' examples are tests.

Every ```` ```python ```` block of a page runs, in order, in one namespace (a page reads as
one session). A block whose first line starts with ``>>>`` (and every ```` ```pycon ````
block) is a doctest session: its outputs are compared with what the code prints. The
other blocks state their numbers with ``assert``. A ```` ```console ```` block that starts
with ``$ dualad ...`` runs that command line (as ``python -m dualad ...``) and compares its
output with the lines below it, where a line ``...`` stands for any text.
"""
from __future__ import annotations

import doctest
import re
import shlex
import subprocess
import sys

_FENCE = re.compile(r"^```(python|pycon|console)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FLAGS = doctest.NORMALIZE_WHITESPACE


def code_blocks(markdown: str) -> list[tuple[str, str, int]]:
    """``(language, code, line number)`` of each python, pycon and dualad console block."""
    return [(m.group(1), m.group(2), markdown.count("\n", 0, m.start()) + 2)
            for m in _FENCE.finditer(markdown)
            if m.group(1) != "console" or m.group(2).startswith("$ dualad ")]


def run_page(markdown: str, name: str, namespace: dict | None = None) -> int:
    """Run every block of ``markdown``; raise AssertionError naming the block that fails.

    Returns the number of blocks run.
    """
    namespace = {"__name__": f"docs:{name}"} if namespace is None else namespace
    blocks = code_blocks(markdown)
    for language, code, line in blocks:
        where = f"{name}, the block at line {line}"
        if language == "console":
            _run_command_line(code, where)
        elif language == "pycon" or code.lstrip().startswith(">>>"):
            _run_doctest(code, namespace, where)
        else:
            try:
                exec(compile(code, where, "exec"), namespace)  # noqa: S102 - our own docs
            except Exception as error:
                raise AssertionError(f"{where} fails: {type(error).__name__}: {error}") \
                    from error
    return len(blocks)


def _run_doctest(code: str, namespace: dict, where: str) -> None:
    test = doctest.DocTestParser().get_doctest(code, namespace, where, where, 0)
    failures: list[str] = []
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    runner.run(test, out=failures.append, clear_globs=False)
    if runner.failures:
        raise AssertionError(f"{where}:\n" + "".join(failures))


def _run_command_line(block: str, where: str) -> None:
    command, _, want = block.partition("\n")
    argv = [sys.executable, "-m", "dualad", *shlex.split(command)[2:]]
    got = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
    checker = doctest.OutputChecker()
    if not checker.check_output(want, got, _FLAGS | doctest.ELLIPSIS):
        raise AssertionError(f"{where}: `{command[2:]}` printed\n{got}\nnot\n{want}")
