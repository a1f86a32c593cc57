"""teach: see the package README's layout."""
