"""The ``dualad`` command line."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dualad", description="forward-mode AD with dual numbers")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("tour", help="a short demo of what dualad does")
    args = parser.parse_args(argv)
    if args.command == "tour":
        from .tour import tour
        tour()
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
