"""arrays: see the layout in docs/development.md."""
