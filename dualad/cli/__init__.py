"""cli: see the package README's layout."""
