"""Wengert traces: the seeds' tables reproduced, renderings, the command line."""
import math
import subprocess
import sys

import numpy as np
import pytest

import dualad as ad
from dualad import math as m


def gw(x1, x2):
    """Griewank & Walther's function, grouped as their table groups it."""
    return (m.sin(x1 / x2) + (x1 / x2 - m.exp(x2))) * (x1 / x2 - m.exp(x2))


def four(x):
    return round(float(x), 4)


def test_griewank_walther_table_exactly():
    t = ad.trace(gw, 1.5, 0.5, rounded=True)   # the book computes with 4 decimals
    values = {row.name: four(row.value) for row in t.rows}
    assert values == {"v-1": 1.5, "v0": 0.5, "v1": 3.0, "v2": 0.1411, "v3": 1.6487,
                      "v4": 1.3513, "v5": 1.4924, "v6": 2.0167}
    tangents = {row.name: four(row.tangent) for row in t.steps}
    assert tangents == {"v1": 2.0, "v2": -1.98, "v3": 0.0, "v4": 2.0, "v5": 0.02,
                        "v6": 3.0118}
    assert [r.expression() for r in t.steps] == [
        "v-1 / v0", "sin(v1)", "exp(v0)", "v1 - v3", "v2 + v4", "v5 * v4"]


def test_reused_values_are_one_row_and_exact_values_without_rounding():
    t = ad.trace(gw, 1.5, 0.5)
    assert len(t.steps) == 6          # x1/x2 three times and exp(x2) twice in the code
    assert t.output.value == gw(1.5, 0.5)
    assert four(t.output.value) == 2.0166   # the exact value is 2.01665


def test_log_example_forward_and_reverse():
    f = lambda x1, x2: m.log(x1) + x1 * x2 - m.sin(x2)  # noqa: E731
    t = ad.trace(f, 2.0, 5.0)
    assert t.output.tangent == 5.5
    assert t.gradient[0] == 5.5
    assert round(t.gradient[1], 3) == 1.716
    assert t.gradient[1] == pytest.approx(2 - math.cos(5), rel=1e-15)   # x1 - cos x2
    text = t.to_text(reverse=True)
    bar = "\u0304"
    assert f"v{bar}0 += v{bar}2\u00b7v-1" in text and f"x{bar}2 = v{bar}0" in text


def test_w2_log_w1_plus_sqrt_forward_and_reverse():
    f = lambda w1, w2: w2 * m.log(w1) + m.sqrt(w2 * m.log(w1))  # noqa: E731
    w1, w2 = 2.0, 3.0
    u = w2 * math.log(w1)
    common = 1 + 0.5 / math.sqrt(u)   # dL/du
    forward = ad.trace(f, w1, w2, wrt="w1")
    assert forward.output.tangent == pytest.approx(common * w2 / w1, rel=1e-15)
    assert forward.gradient == pytest.approx([common * w2 / w1, common * math.log(w1)],
                                             rel=1e-15)
    assert len(forward.steps) == 4   # log, product, sqrt, sum: the product is reused


def test_single_layer_perceptron_forward_and_reverse():
    x = np.array([0.5, -1.0, 2.0])

    def perceptron(w):
        return ad.sigmoid(np.sum(w * x))
    w = np.array([0.1, 0.4, -0.3])
    t = ad.trace(perceptron, w, wrt=2)
    s = 1 / (1 + math.exp(-float(w @ x)))
    assert t.output.value == pytest.approx(s, rel=1e-15)
    assert t.output.tangent == pytest.approx(x[2] * s * (1 - s), rel=1e-14)
    assert t.gradient == pytest.approx(list(x * s * (1 - s)), rel=1e-14)
    assert [r.operation for r in t.steps] == ["mul", "mul", "mul", "add", "add", "sigmoid"]


def test_rows_are_data():
    t = ad.trace(lambda x: m.sin(x) * x, 2.0)
    row = t.rows[2]
    assert (row.index, row.name, row.operation) == (2, "v2", "mul")
    assert row.operands == [t.rows[1], t.rows[0]]
    assert row.partials == [2.0, math.sin(2.0)]
    assert row.tangent == pytest.approx(math.cos(2) * 2 + math.sin(2), rel=1e-15)


def test_renderings():
    t = ad.trace(lambda x1, x2: m.log(x1) + x1 * x2 - m.sin(x2), 2.0, 5.0, digits=2)
    text = str(t)
    assert "v2 = sin(v0)" not in text and "v4 = sin(v0)" in text and "= 11.65" in text
    md = t.to_markdown(reverse=True)
    assert md.startswith("| step | primal |") and "| `v\u03045 = y\u0304` | 1.00 |" in md
    tex = t.to_latex(reverse=True)
    assert r"\toprule" in tex and r"\bottomrule" in tex and r"\dot v_{1}" in tex
    dot = t.to_dot()
    assert dot.startswith("digraph trace {") and '"v0" -> "v4" [label="cos(v0) = 0.28"]' in dot


def test_trace_errors():
    with pytest.raises(ValueError, match="wrt"):
        ad.trace(lambda x: x, 1.0, wrt="y")
    with pytest.raises(TypeError, match="must be a number"):
        ad.trace(lambda x: x, "a")


def run(*argv):
    return subprocess.run([sys.executable, "-m", "dualad", *argv], capture_output=True,
                          text=True, timeout=120)


def test_cli_trace_prints_the_table():
    out = run("trace", "(sin(x1/x2) + (x1/x2 - exp(x2))) * (x1/x2 - exp(x2))",
              "--at", "x1=1.5,x2=0.5", "--reverse")
    assert out.returncode == 0, out.stderr
    assert "v2 = sin(v1)" in out.stdout and "3.0118" in out.stdout
    assert "reverse sweep" in out.stdout


@pytest.mark.parametrize("fmt, needle", [("markdown", "| step |"), ("latex", r"\toprule"),
                                         ("dot", "digraph")])
def test_cli_formats(fmt, needle):
    out = run("trace", "x*y + sin(x)", "--at", "x=1,y=2", "--wrt", "y", "--format", fmt)
    assert out.returncode == 0 and needle in out.stdout


@pytest.mark.parametrize("expression, at", [
    ("__import__('os').system('true')", "x=1"), ("x.real", "x=1"), ("foo(x)", "x=1"),
    ("x + z", "x=1"), ("lambda: 1", "x=1"), ("x +", "x=1"), ("'a' * x", "x=1"),
    ("sin(x)", "x"), ("log(x)", "x=-1"),
])
def test_cli_bad_input_is_one_line_and_status_2(expression, at):
    out = run("trace", expression, "--at", at)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("dualad: error:")
    assert "Traceback" not in out.stderr


# --- complex intermediates ----------------------------------------------------------

def test_trace_of_numpy_sign_of_a_complex_intermediate():
    # sign(x(3+4i)) = (3+4i)/5 for every x > 0 (by hand): constant, tangent 0
    rows = ad.trace(lambda x: np.sign(x * (3 + 4j)), 2.0).rows
    assert rows[-1].value == pytest.approx(0.6 + 0.8j, rel=1e-15)
    assert rows[-1].tangent == 0


def test_trace_of_numpy_sign_moving_off_its_ray_matches_central_differences():
    h = 1e-6
    want = (np.sign(2.0 + h + 3j) - np.sign(2.0 - h + 3j)) / (2 * h)
    rows = ad.trace(lambda x: np.sign(x + 3j), 2.0).rows
    assert rows[-1].tangent == pytest.approx(want, rel=1e-8)


def test_trace_refuses_the_reverse_sweep_through_a_non_holomorphic_step():
    # d|ix|/dx = 1 at x = 2 (by hand); the complex partial Re(conj z)/|z| of |z| at z = 2i
    # is 0, so a sweep through it would say 0: refused, the forward tangent is right
    trace = ad.trace(lambda x: abs(x * 1j), 2.0)
    assert trace.rows[-1].tangent == 1.0
    with pytest.raises(TypeError, match="no reverse sweep.*abs of a complex value"):
        trace.gradient
    with pytest.raises(TypeError, match="no reverse sweep"):
        trace.to_text(reverse=True)


def test_trace_reverse_sweep_through_holomorphic_complex_steps():
    # (ix)(x + i) = i x^2 - x: derivative 2ix - 1 = -1 + 4i at x = 2 (by hand)
    assert ad.trace(lambda x: (x * 1j) * (x + 1j), 2.0).gradient == [-1 + 4j]
