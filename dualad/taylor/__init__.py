"""taylor: see the layout in docs/development.md."""
