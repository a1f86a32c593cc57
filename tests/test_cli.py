"""The command line on hostile input: one error line, exit status 2, at once.

Each input below once hung (an integer power of hundreds of millions of digits), ended
in a traceback, or was silently accepted. The expected outcome is the command line's
contract: ``dualad: error: ...`` as the only line on stderr and status 2.
"""
import math
import subprocess
import sys

import pytest

from dualad.table.rules import table
from dualad.cli.main import main
from dualad.cli.expression import _GROWTH, MAX_BITS, MAX_DEPTH, ExpressionError, parse

#: seconds: far above the fraction of a second these take now, far below a hang
TIMEOUT = 15


def run(*argv):
    return subprocess.run([sys.executable, "-m", "dualad", *argv], capture_output=True,
                          text=True, timeout=TIMEOUT)


def assert_one_error_line(stderr):
    assert stderr.startswith("dualad: error:"), stderr
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


def test_a_tower_of_integer_powers_is_one_error_line():
    out = run("trace", "9**9**9**9", "--at", "x=2")
    assert out.returncode == 2
    assert_one_error_line(out.stderr)
    assert f"2**{MAX_BITS}" in out.stderr


HUGE = ["9**9**9**9", "x**9**9**9", "10**10**8", "factorial(10**8)", "comb(10**7, 5*10**6)",
        "isqrt(10**10**7)", "perm(10**8, 10**7)", "lcm(2**4000, 3**4000)", "floor(x)**10**5"]


def test_huge_integers_are_refused_before_they_are_computed():
    # one fresh interpreter for all (a hang would take hours, so it must not be this one)
    script = (
        "import sys\n"
        "from dualad.cli.expression import ExpressionError, parse\n"
        "for text in sys.argv[1:]:\n"
        "    try:\n"
        "        parse(text, ['x'])(2.0)\n"
        "        print('evaluated', text)\n"
        "    except ExpressionError as exc:\n"
        "        print('refused', exc)\n")
    out = subprocess.run([sys.executable, "-c", script, *HUGE], capture_output=True,
                         text=True, timeout=TIMEOUT)
    lines = out.stdout.splitlines()
    assert len(lines) == len(HUGE), out.stderr
    assert all(line.startswith("refused") and f"2**{MAX_BITS}" in line for line in lines)


def test_huge_mpmath_powers_in_check_are_refused():
    # x is an mpf in the reference: 2**(2**65536) would be computed by repeated squaring
    out = run("check", "x**x**x**x**x**x", "--at", "x=2")
    assert out.returncode == 2
    assert_one_error_line(out.stderr)


def test_huge_dps_is_refused():
    out = run("check", "exp(x)", "--at", "x=1", "--dps", "1000000")
    assert out.returncode == 2
    assert_one_error_line(out.stderr)
    assert "--dps" in out.stderr


def cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.err


def test_a_1000_term_sum_is_one_error_line():
    out = run("trace", "+".join(["x"] * 1000), "--at", "x=2")
    assert out.returncode == 2
    assert_one_error_line(out.stderr)


def test_a_plot_into_a_missing_folder_is_one_error_line():
    out = run("check", "exp(x)", "--at", "x=1", "--plot", "/nonexistent/dir/a.png")
    assert out.returncode == 2
    assert_one_error_line(out.stderr)


@pytest.mark.parametrize("terms", [MAX_DEPTH + 1, 5000])
def test_a_long_sum_is_refused_without_recursion_error(capsys, terms):
    status, err = cli(capsys, "trace", "+".join(["x"] * terms), "--at", "x=2")
    assert status == 2
    assert_one_error_line(err)
    assert "deep" in err


def test_a_sum_within_the_depth_limit_is_evaluated(capsys):
    status = main(["trace", "+".join(["x"] * (MAX_DEPTH - 1)), "--at", "x=2"])
    out = capsys.readouterr().out
    assert status == 0
    assert f"{2.0 * (MAX_DEPTH - 1):.4f}" in out   # x + ... + x = n x, tangent n


@pytest.mark.parametrize("path", ["/nonexistent/dir/a.png", "/", "PLOTS_DIR/a.unknownformat"])
def test_an_unwritable_plot_is_one_error_line(capsys, tmp_path, path):
    path = path.replace("PLOTS_DIR", str(tmp_path))
    status, err = cli(capsys, "check", "exp(x)", "--at", "x=1", "--plot", path)
    assert status == 2
    assert_one_error_line(err)


@pytest.mark.parametrize("argv", [
    ["check", "exp(x)", "--at", "x=1", "--step", "0"],
    ["check", "exp(x)", "--at", "x=1", "--step", "nan"],
    ["check", "exp(x)", "--at", "x=1", "--step", "inf"],
    ["check", "exp(x)", "--at", "x=1", "--dps", "5"],
    ["check", "exp(x)", "--at", "x=inf"],
    ["check", "exp(x)", "--at", "x=1,x=2"],
    ["trace", "sin(x)", "--at", "x=1", "--digits", "100000"],
    ["trace", "sin(x)", "--at", "x=1", "--digits", "-1"],
    ["trace", "x" * 20000, "--at", "x=1"],
    ["trace", "1" + "-" * 9998 + "x", "--at", "x=1"],
    ["trace", "x+y", "--at", ",".join(f"x{i}=1" for i in range(1000))],
    ["trace", "2**4095*4", "--at", "x=1"],
])
def test_bad_options_are_one_error_line(capsys, argv):
    status, err = cli(capsys, *argv)
    assert status == 2
    assert_one_error_line(err)


def test_integers_within_the_bound_are_exact(capsys):
    # 170! / 168! = 170 * 169 (exact integer arithmetic, then one float)
    status = main(["trace", "factorial(170) / factorial(168) + x", "--at", "x=0"])
    assert status == 0
    assert f"{170 * 169:.4f}" in capsys.readouterr().out


def test_growth_estimates_name_integer_rules_of_the_table():
    for name in _GROWTH:
        assert table[name].kind == "integer"


@pytest.mark.parametrize("expression, exact", [
    ("factorial(2000)", lambda: math.factorial(2000)),
    ("factorial(400)", lambda: math.factorial(400)),
    ("comb(6000, 3000)", lambda: math.comb(6000, 3000)),
    ("comb(3000, 1500)", lambda: math.comb(3000, 1500)),
    ("perm(1000, 500)", lambda: math.perm(1000, 500)),
    ("perm(1000, 300)", lambda: math.perm(1000, 300)),
    ("lcm(2**2000, 3**1000)", lambda: math.lcm(2**2000, 3**1000)),
])
def test_integer_functions_are_exact_within_the_bound_and_refused_beyond(expression, exact):
    f = parse(expression, ["x"])
    if exact().bit_length() > MAX_BITS:
        with pytest.raises(ExpressionError, match=r"2\*\*4096"):
            f(1.0)
    else:
        assert f(1.0) == exact()
