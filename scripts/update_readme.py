"""Regenerate the table of primitives in README.md from the rule table."""
from pathlib import Path

from dualad.table.doc import readme_with_table

readme = Path(__file__).resolve().parent.parent / "README.md"
readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
print(f"updated {readme}")
