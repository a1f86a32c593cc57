"""arrays: see the package README's layout."""
