"""taylor: see the package README's layout."""
