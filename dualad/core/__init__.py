"""core: see the package README's layout."""
