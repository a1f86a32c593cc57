"""table: see the package README's layout."""
