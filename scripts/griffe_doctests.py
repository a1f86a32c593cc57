"""A Griffe extension for the API reference: doctest runs in docstrings become code blocks.

dualad's docstrings carry their examples as bare ``>>>`` sessions (pytest runs them with
``--doctest-modules``). Markdown reads a bare ``>>>`` line as three nested block quotes, and
mkdocstrings treats it as code only inside an ``Examples:`` section, so this extension wraps
every run of ``>>>``/``...`` lines and the output lines after them in a ``pycon`` fence.
mkdocs.yml loads it (``extensions:`` of the python handler); no docstring is changed on disk.
"""
from __future__ import annotations

import re

from griffe import Extension, Object

_PROMPT = re.compile(r"^(\s*)>>> ")


def fence_doctests(text: str) -> str:
    """``text`` with each doctest session (prompt lines and their output) in a pycon fence."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        match = _PROMPT.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent, session = match.group(1), []
        while i < len(lines) and lines[i].strip():  # a session ends at a blank line
            session.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        out += [f"{indent}```pycon", *(indent + line for line in session), f"{indent}```"]
    return "\n".join(out)


class DoctestFences(Extension):
    """Fence the doctest sessions of every docstring Griffe loads."""

    def on_instance(self, *, obj: Object, **kwargs: object) -> None:
        if obj.docstring is not None and ">>> " in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
