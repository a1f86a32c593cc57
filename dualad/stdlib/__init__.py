"""stdlib: see the package README's layout."""
