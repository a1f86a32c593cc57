"""core: see the layout in docs/development.md."""
