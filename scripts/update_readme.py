"""Regenerate the generated parts of the documentation: the list of NumPy and SciPy functions
that take duals (docs/reference/support.md, from what dispatch handles) and the table of
primitives (docs/reference/rules.md, from the rule table).

The name is historical (the README held both once; the markers in dualad.table.doc and
dualad.cli.support still name this script). A test fails, and so does ``mkdocs build
--strict``, while a page is stale.

Run:  python scripts/update_readme.py
"""
from pathlib import Path

from dualad.cli.support import readme_with_support_list
from dualad.table.doc import readme_with_table

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
GENERATED = {REFERENCE / "support.md": readme_with_support_list,
             REFERENCE / "rules.md": readme_with_table}


def main() -> None:
    for page, generate in GENERATED.items():
        page.write_text(generate(page.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {page}")


if __name__ == "__main__":
    main()
