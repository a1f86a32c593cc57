"""MkDocs hooks (mkdocs.yml ``hooks:``): the build fails when a generated part is stale.

The rule table and the list of what takes duals are written into their pages by
``python scripts/update_docs.py``, and the benchmarks plot by
``python scripts/plot_benchmarks.py``; the committed files are what GitHub shows. Here each
is compared with a fresh one while the site builds, so ``mkdocs build`` cannot publish a
stale page (tests/test_docs_site.py makes the same comparisons).
"""
from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# this checkout's scripts and its dualad (not another installed copy)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from plot_benchmarks import FIGURE, embedded_figures, figures  # noqa: E402
from update_docs import GENERATED  # noqa: E402


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    source = Path(page.file.abs_src_path)
    generate = GENERATED.get(source)
    if generate is not None and generate(markdown) != markdown:
        raise PluginError(f"{page.file.src_uri} is stale: run python scripts/update_docs.py")
    if source == FIGURE.with_suffix(".md"):
        drawn = embedded_figures(FIGURE.read_text(encoding="utf-8"))
        if drawn != figures(markdown):
            raise PluginError(f"{FIGURE.name} does not show the tables of {page.file.src_uri}: "
                              "run python scripts/plot_benchmarks.py")
    return markdown
