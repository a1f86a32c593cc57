"""The ``dualad`` command line: ``tour``, ``trace``, ``check``, ``--version``."""
from __future__ import annotations

import argparse
import math
import os
import sys

from dualad._version import __version__

#: the most digits ``dualad check --dps`` takes: mpmath's cost grows fast with them (gamma
#: takes seconds at 1000 digits), and 1000 digits are far more than a double needs
MAX_DPS = 1000
#: the most decimals ``dualad trace --digits`` shows (a double holds about 17)
MAX_DIGITS = 30


def _fail(message: str) -> int:
    print(f"dualad: error: {message}", file=sys.stderr)
    return 2


def _with_expression(args, body) -> int:
    """Parse ``args.expression`` at the point ``args.at`` and run ``body(f, point)``;
    a bad expression or a failed evaluation becomes one error line and exit status 2."""
    from dualad.cli.expression import ExpressionError, parse, parse_point
    try:
        point = parse_point(args.at)
        body(parse(args.expression, list(point)), point)
    except ExpressionError as exc:
        return _fail(str(exc))
    except (ArithmeticError, ValueError, TypeError) as exc:
        if isinstance(exc.__cause__, ExpressionError):   # a bound, met inside dualad check
            return _fail(str(exc.__cause__))
        return _fail(f"could not evaluate {args.expression!r:.80} at {args.at}: {_line(exc)}")
    except RecursionError:
        return _fail(f"could not evaluate {args.expression!r:.80}: it nests too deeply")
    return 0


def _line(exc) -> str:
    """The first line of an exception's message (the error report is one line)."""
    if len(exc.args) == 2 and isinstance(exc.args[0], int):   # (errno, message)
        return str(exc.args[1])
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _trace(args) -> int:
    from dualad.cli.expression import ExpressionError
    from dualad.teach.trace import trace

    if not 0 <= args.digits <= MAX_DIGITS:
        return _fail(f"--digits must be between 0 and {MAX_DIGITS}, got {args.digits}")

    def show(f, point):
        names = list(point)
        wrt = args.wrt if args.wrt is not None else names[0]
        if wrt not in point:
            raise ExpressionError(f"--wrt {wrt!r} is not one of the variables given with --at "
                                  f"({', '.join(names)})")
        t = trace(f, *point.values(), wrt=names.index(wrt), digits=args.digits)
        if args.format == "dot":
            print(t.to_dot())
        else:
            render = {"text": t.to_text, "markdown": t.to_markdown, "latex": t.to_latex}
            print(render[args.format](reverse=args.reverse))
    return _with_expression(args, show)


def _check(args) -> int:
    from dualad.teach.accuracy import check, error_vs_step
    from dualad.cli.expression import ExpressionError

    if not 20 <= args.dps <= MAX_DPS:
        return _fail(f"--dps must be between 20 and {MAX_DPS}, got {args.dps}")
    if args.step is not None and not (math.isfinite(args.step) and args.step > 0):
        return _fail(f"--step must be a positive finite number, got {args.step}")
    if args.plot:
        folder = os.path.dirname(os.path.abspath(args.plot))
        if not os.path.isdir(folder):
            return _fail(f"--plot {args.plot}: the folder {folder} does not exist")
        if os.path.isdir(args.plot):
            return _fail(f"--plot {args.plot}: is a folder; give a file name such as err.png")

    def report(f, point):
        values = [float(v.real) if isinstance(v, complex) and v.imag == 0 else v
                  for v in point.values()]
        if any(isinstance(v, complex) for v in values):
            raise ExpressionError("dualad check takes real points")
        if not all(math.isfinite(v) for v in values):
            raise ExpressionError("dualad check takes finite points")
        if len(values) == 1:
            print(check(f, values[0], dps=args.dps, step=args.step))
        else:
            print(check(lambda v: f(*v), values, dps=args.dps, step=args.step))
        if args.plot:
            rest = values[1:]
            sweep = error_vs_step(lambda t: f(t, *rest), values[0], dps=args.dps)
            try:
                sweep.plot(args.plot)
                print(f"\nerror against step h for d/d{list(point)[0]}: saved to {args.plot}")
            except ImportError as exc:
                print(f"\n{exc}\n")
                print(sweep.text_chart())
            except (OSError, ValueError) as exc:   # not writable; a format matplotlib lacks
                raise ExpressionError(f"could not save the plot to {args.plot}: "
                                      f"{_line(exc)}") from None
    return _with_expression(args, report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dualad", description="forward-mode automatic differentiation with dual numbers")
    parser.add_argument("--version", action="version", version=f"dualad {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("tour", help="a short demo of what dualad does")
    p_trace = sub.add_parser("trace", help="the Wengert evaluation trace of an expression",
                             description="Print the evaluation trace (Griewank & Walther's "
                             "table) of EXPR, e.g. dualad trace 'log(x1) + x1*x2 - sin(x2)' "
                             "--at x1=2,x2=5 --reverse")
    p_trace.add_argument("expression", metavar="EXPR")
    p_trace.add_argument("--at", required=True, help="the point, e.g. x1=1.5,x2=0.5")
    p_trace.add_argument("--wrt", help="the input whose tangent is 1 (default: the first)")
    p_trace.add_argument("--format", choices=("text", "markdown", "latex", "dot"),
                         default="text")
    p_trace.add_argument("--reverse", action="store_true",
                         help="also print the reverse sweep (adjoints)")
    p_trace.add_argument("--digits", type=int, default=4, help="decimals shown (default 4)")
    p_check = sub.add_parser("check", help="AD against finite differences and an mpmath "
                             "reference", description="Compare the derivative of EXPR by AD, "
                             "finite differences, Richardson extrapolation and the complex "
                             "step with an mpmath reference, e.g. dualad check 'exp(sin(x))' "
                             "--at x=1 --plot err.png")
    p_check.add_argument("expression", metavar="EXPR")
    p_check.add_argument("--at", required=True, help="the point, e.g. x=1 or x=1,y=2")
    p_check.add_argument("--dps", type=int, default=50,
                         help="digits of the mpmath reference (default 50)")
    p_check.add_argument("--step", type=float, help="also difference with this relative "
                         "step h (each x moves by h*max(1, |x|))")
    p_check.add_argument("--plot", metavar="PNG", help="save the error-vs-step plot here")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args)
    if args.command == "tour":
        from dualad.cli.tour import tour
        tour()
        return 0
    if args.command == "trace":
        return _trace(args)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
