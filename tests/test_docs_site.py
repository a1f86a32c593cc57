"""The documentation site: its examples run, its generated pages are current, it builds.

Every ```python block of every page under docs/ runs here (tests/docs_blocks.py), so a
wrong number stated on a page fails a test. The generated parts (the rule table, the list
of what takes duals, the benchmarks plot) are compared with fresh ones, and
``mkdocs build --strict`` runs when the ``docs`` extra is installed.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dualad as ad
from docs_blocks import code_blocks, run_page

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def _script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(name):
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_of_the_page_run_and_their_claims_hold(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                       # an example may write a file
    run_page(_page(page), page)


def test_every_page_has_examples_but_the_api_the_generated_ones_and_the_timings():
    without = {page for page in PAGES if not code_blocks(_page(page))}
    assert without == {"api/dualad.md", "api/scipy.md", "reference/rules.md",
                       "reference/support.md", "benchmarks.md"}


@pytest.mark.parametrize("wrong", [
    "```python\nimport dualad as ad\nassert ad.derivative(lambda x: x * x, 3.0) == 5.0\n```\n",
    "```python\n>>> import dualad as ad\n>>> ad.derivative(lambda x: x * x, 3.0)\n5.0\n```\n",
    "```console\n$ dualad check 'x**2' --at x=3\nderivative of f at x = 4.0\n...\n```\n",
])
def test_a_wrong_number_on_a_page_fails(wrong):
    with pytest.raises(AssertionError):
        run_page(wrong, "wrong.md")


def test_every_page_is_in_the_navigation_and_the_navigation_names_only_pages():
    nav_section = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n")[1]
    nav = re.findall(r"^\s+- .*?([\w./-]+\.md)\s*$", nav_section, re.MULTILINE)
    assert sorted(nav) == PAGES


@pytest.mark.parametrize("page", ["reference/rules.md", "reference/support.md"])
def test_generated_page_is_current(page):
    generate = _script("update_docs").GENERATED[DOCS / page]
    assert generate(_page(page)) == _page(page), "run: python scripts/update_docs.py"


def test_the_rule_table_page_lists_every_rule():
    page = _page("reference/rules.md")
    for rule in ad.rules:
        assert f"| `{rule.name}` |" in page


def test_the_api_reference_documents_every_public_name():
    page = _page("api/dualad.md")
    for name in ad.__all__:
        assert f"\n::: dualad.{name}\n" in page, name
    scipy_page = _page("api/scipy.md")
    for module in ("integrate", "optimize", "special", "linalg", "interpolate", "sparse",
                   "sparse.linalg"):
        assert f"\n::: dualad.scipy.{module}\n" in scipy_page, module


def test_the_benchmarks_plot_shows_the_tables_of_its_page():
    plot = _script("plot_benchmarks")
    drawn = plot.embedded_figures((DOCS / "benchmarks.svg").read_text(encoding="utf-8"))
    assert drawn == plot.figures(_page("benchmarks.md")), "run: python scripts/plot_benchmarks.py"
    assert drawn["pendulum"]["dualad"] == 25.6                   # the table's bold row


def test_the_run_to_run_figures_are_those_of_the_results_file():
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    table = _page("benchmarks.md").split("## Run to run")[1].split("\n\n")[2]
    rows = table.splitlines()[2:]
    assert len(rows) == 8
    for row in rows:
        assert row.replace("before, rounds", "base, rounds") in results, row


def test_the_griffe_extension_fences_doctest_sessions():
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    fence = _script("griffe_doctests").fence_doctests
    text = "Text.\n\n>>> 1 + 1\n2\n\nMore text."
    assert fence(text) == "Text.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nMore text."


def _docs_extra_missing():
    missing = [name for name in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers")
               if importlib.util.find_spec(name) is None]
    return f"the docs extra is not installed ({', '.join(missing)} missing): " \
           "pip install -e '.[docs]'" if missing else ""


@pytest.mark.skipif(bool(_docs_extra_missing()), reason=_docs_extra_missing())
def test_mkdocs_build_strict_passes(tmp_path):
    site = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    api = (site / "api" / "dualad" / "index.html").read_text(encoding="utf-8")
    for name in ad.__all__:
        assert f'id="dualad.{name}"' in api, name
    assert 'class="gp">&gt;&gt;&gt; </span>' in api          # doctests shown as code
    assert (site / "benchmarks.svg").is_file()
