"""The version of dualad: the one place it is written (pyproject.toml reads it from here,
``dualad.__version__`` and ``dualad --version`` import it)."""

__version__ = "0.1.0"
