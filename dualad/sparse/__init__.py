"""sparse: see the package README's layout."""
