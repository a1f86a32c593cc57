"""Run the code blocks of a Markdown page: the docs' examples are tests.

Every ```` ```python ```` block of a page runs, in order, in one namespace (a page reads as
one session). A block whose first line starts with ``>>>`` (and every ```` ```pycon ````
block) is a doctest session: its outputs are compared with what the code prints. The
other blocks state their numbers with ``assert``.
"""
from __future__ import annotations

import doctest
import re

_FENCE = re.compile(r"^```(python|pycon)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FLAGS = doctest.NORMALIZE_WHITESPACE


def code_blocks(markdown: str) -> list[tuple[str, str, int]]:
    """``(language, code, line number)`` of each python/pycon block of ``markdown``."""
    return [(m.group(1), m.group(2), markdown.count("\n", 0, m.start()) + 2)
            for m in _FENCE.finditer(markdown)]


def run_page(markdown: str, name: str, namespace: dict | None = None) -> int:
    """Run every block of ``markdown``; raise AssertionError naming the block that fails.

    Returns the number of blocks run.
    """
    namespace = {"__name__": f"docs:{name}"} if namespace is None else namespace
    blocks = code_blocks(markdown)
    for language, code, line in blocks:
        where = f"{name}, the block at line {line}"
        if language == "pycon" or code.lstrip().startswith(">>>"):
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
