"""Regenerate the generated parts of the documentation: the list of NumPy and SciPy functions
that take duals (docs/reference/support.md, from what dispatch handles) and the table of
primitives (docs/reference/rules.md, from the rule table).

A test fails, and so does ``mkdocs build --strict``, while a page is stale.

Run:  python scripts/update_docs.py
"""
from pathlib import Path

from dualad.cli.support import page_with_support_list
from dualad.table.doc import page_with_table

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
GENERATED = {REFERENCE / "support.md": page_with_support_list,
             REFERENCE / "rules.md": page_with_table}


def main() -> None:
    for page, generate in GENERATED.items():
        page.write_text(generate(page.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {page}")


if __name__ == "__main__":
    main()
