"""Regenerate the generated parts of README.md: the list of NumPy and SciPy functions that
take duals (from what dispatch handles) and the table of primitives (from the rule table)."""
from pathlib import Path

from dualad.cli.support import readme_with_support_list
from dualad.table.doc import readme_with_table

readme = Path(__file__).resolve().parent.parent / "README.md"
text = readme_with_table(readme_with_support_list(readme.read_text(encoding="utf-8")))
readme.write_text(text, encoding="utf-8")
print(f"updated {readme}")
