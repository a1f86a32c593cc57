"""The accuracy lab: errors against the mpmath reference, the orders of finite
differences, the report's fields, step sweeps, the command line."""
import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import math as m

EPS = np.finfo(float).eps

BATTERY = {
    "exp(sin x)/(1+x^2)": (lambda x: m.exp(m.sin(x)) / (1 + x * x), 0.3),
    "x^x": (lambda x: x ** x, 1.7),
    "gamma": (m.gamma, 2.5),
    "log1p(x^2) * atan(x)": (lambda x: m.log1p(x * x) * m.atan(x), -0.8),
    "erf(x) sqrt(x)": (lambda x: m.erf(x) * m.sqrt(x), 1.3),
    "tanh(3x) / cosh(x)": (lambda x: m.tanh(3 * x) / m.cosh(x), 0.4),
    "hypot(x, 2) - asinh(x)": (lambda x: m.hypot(x, 2.0) - m.asinh(x), 5.0),
}


@pytest.mark.parametrize("name", list(BATTERY))
def test_ad_is_within_a_few_ulps_of_the_reference(name):
    f, x = BATTERY[name]
    report = ad.check(f, x)
    assert report.errors["AD (dualad)"][1] <= 4 * EPS
    assert report.cross_check is not None and report.cross_check < 1e-40


def test_reference_agrees_with_a_hand_derivative():
    report = ad.check(lambda x: x * m.sin(x), 2.0)
    assert abs(report.reference - (math.sin(2.0) + 2.0 * math.cos(2.0))) < 1e-15


@pytest.mark.parametrize("method, order", [("central", 2), ("forward", 1)])
def test_finite_differences_have_their_order(method, order):
    # in the truncation regime halving h divides the error by 2^order
    f, x = BATTERY["exp(sin x)/(1+x^2)"]
    errors = []
    for h in (1e-2, 5e-3, 2.5e-3):
        report = ad.check(f, x, step=h)
        errors.append(report.errors[f"{method} difference, your step"][0])
    ratios = [errors[i] / errors[i + 1] for i in range(2)]
    for r in ratios:
        assert 2 ** order * 0.8 < r < 2 ** order * 1.25


def test_richardson_beats_plain_central_differences():
    f, x = BATTERY["x^x"]
    report = ad.check(f, x)
    assert report.errors["Richardson (central, 4 levels)"][0] < \
        report.errors["central difference"][0] / 100


def test_report_fields_and_table():
    report = ad.check(lambda x: m.exp(x), 1.0)
    assert report.ad == report.values["AD (dualad)"]
    assert report.reference == pytest.approx(math.e, rel=1e-16)
    assert set(report.errors) >= {"AD (dualad)", "forward difference", "central difference",
                                  "Richardson (central, 4 levels)"}
    assert "complex step" in report.notes   # dualad.math refuses complex input
    text = str(report)
    assert "abs error" in text and "forward difference (h=1.5e-08)" in text
    assert report.steps["forward difference"] == pytest.approx(math.sqrt(EPS))


def test_complex_step_when_f_takes_complex_input():
    report = ad.check(lambda z: ad.cmath.exp(z) * z, 1.0)
    assert report.errors["complex step"][1] <= 4 * EPS
    np_report = ad.check(lambda x: np.sin(x) * np.exp(x), 0.5)
    assert np_report.errors["complex step"][1] <= 4 * EPS


def test_gradients_and_jacobians_of_numpy_code():
    report = ad.check(lambda v: np.sum(np.sin(v) * v[::-1]), np.array([0.3, 0.7, 1.1]))
    assert np.shape(report.reference) == (3,)
    assert report.errors["AD (dualad)"][1] <= 4 * EPS
    jac = ad.check(lambda v: [v[0] * v[1], m.sin(v[0])], [1.0, 2.0])
    np.testing.assert_allclose(jac.reference, [[2.0, 1.0], [math.cos(1.0), 0.0]], rtol=1e-15)


def test_mpmath_precision_is_restored():
    before = mpmath.mp.dps
    ad.check(m.exp, 1.0, dps=80)
    assert mpmath.mp.dps == before


def test_error_vs_step_is_v_shaped():
    sweep = ad.error_vs_step(lambda x: m.exp(m.sin(x)), 0.7)
    assert len(sweep.steps) == len(sweep.forward) == len(sweep.central) == 33
    best = int(np.argmin(sweep.forward))
    assert 1e-10 < sweep.steps[best] < 1e-6        # near sqrt(eps)
    assert sweep.forward[0] > sweep.forward[best] < sweep.forward[-1]
    assert sweep.ad <= 4 * EPS * abs(sweep.reference)
    assert "f forward" in str(sweep)


def test_error_vs_step_plot(tmp_path):
    path = tmp_path / "err.png"
    ad.error_vs_step(m.exp, 1.0).plot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        ad.check(1.0, 1.0)
    with pytest.raises(ValueError, match="dps"):
        ad.check(m.exp, 1.0, dps=5)
    with pytest.raises(ValueError, match="steps"):
        ad.error_vs_step(m.exp, 1.0, steps=[-1.0])


def run(*argv):
    return subprocess.run([sys.executable, "-m", "dualad", *argv], capture_output=True,
                          text=True, timeout=120)


def test_cli_check(tmp_path):
    out = run("check", "exp(sin(x))/(1+x**2)", "--at", "x=0.3", "--dps", "40",
              "--plot", str(tmp_path / "e.png"))
    assert out.returncode == 0, out.stderr
    assert "AD (dualad)" in out.stdout and "Richardson" in out.stdout
    assert (tmp_path / "e.png").exists()
    out = run("check", "ln(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5")
    assert out.returncode == 0 and "(array)" in out.stdout


@pytest.mark.parametrize("expression, at", [("exp(", "x=1"), ("y", "x=1"), ("x", "x=a"),
                                            ("open('f')", "x=1")])
def test_cli_check_bad_input(expression, at):
    out = run("check", expression, "--at", at)
    assert out.returncode == 2 and out.stderr.startswith("dualad: error:")
    assert out.stderr.count("\n") == 1


def test_sum_of_squares_example(tmp_path):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent / "examples"))
    import finite_differences_vs_ad as example
    gradient, sign_lost, report = example.main(str(tmp_path / "v.png"))
    assert gradient.tolist() == [2.0 * i for i in range(1, 1001)]
    assert len(sign_lost) >= 1
    # check differentiates the same sum in the same order: its forward difference at
    # h = sqrt(eps) <= 1.8e-8 is the table's exact 0, as the example's text says
    assert report.steps["forward difference"] == 2.0 ** -26 <= 1.8e-8
    assert report.values["forward difference"] == 0.0
    assert report.reference == 2 and report.values["AD (dualad)"] == 2.0


def test_the_report_shows_the_steps_taken():
    # x = 1e5: each step is h max(1, |x|), as the computer takes it
    x = 1e5
    report = ad.check(m.sin, x)
    forward, central = math.sqrt(EPS) * x, EPS ** (1 / 3) * x
    assert report.steps["forward difference"] == (x + forward) - x
    assert report.steps["central difference"] == ((x + central) - (x - central)) / 2
    text = str(report)
    assert "forward difference (h=1.5e-03)" in text
    assert "central difference (h=6.1e-01)" in text


def test_central_difference_far_out_is_the_hand_formula_at_the_step_taken():
    # (sin(x + s) - sin(x - s)) / 2s = cos(x) sin(s) / s: 6% under cos(1e5) at s = 0.606
    report = ad.check(m.sin, 1e5)
    s = report.steps["central difference"]
    assert report.values["central difference"] == pytest.approx(
        math.cos(1e5) * math.sin(s) / s, rel=1e-9)
    assert report.errors["central difference"][1] == pytest.approx(1 - math.sin(s) / s,
                                                                  rel=1e-6)


def test_richardson_far_out_matches_cos():
    # it started at 2^-4 max(1, |x|) = 6250 and gave -0.0018 for cos(1e5) = -0.99936
    report = ad.check(m.sin, 1e5)
    assert abs(report.values["Richardson (central, 4 levels)"] - math.cos(1e5)) < 1e-12
    assert report.steps["Richardson (central, 4 levels)"] < 1


def test_richardson_near_a_singularity():
    # log at 1e-3: the starts 2^-4, 2^-5, ... step across 0 (math domain errors); the
    # chosen start does not. d/dx log x = 1/x
    report = ad.check(m.log, 1e-3)
    assert "Richardson (central, 4 levels)" not in report.notes
    assert report.values["Richardson (central, 4 levels)"] == pytest.approx(1e3, rel=1e-10)
    assert report.steps["Richardson (central, 4 levels)"] < 1e-3


def test_richardson_at_ordinary_points_is_near_full_precision():
    # x^3 at x = 1e20 (steps of order 1e18) and exp(sin x)/(1+x^2) at 0.3
    report = ad.check(lambda x: x ** 3, 1e20)
    assert report.values["Richardson (central, 4 levels)"] == pytest.approx(3e40, rel=1e-13)
    f, x = BATTERY["exp(sin x)/(1+x^2)"]
    assert ad.check(f, x).errors["Richardson (central, 4 levels)"][1] < 1e-13


def test_steps_of_a_gradient_are_one_per_input():
    x = [2.0, 500.0]
    report = ad.check(lambda v: m.log(v[0]) + v[0] * v[1] - m.sin(v[1]), x)
    h = math.sqrt(EPS)
    np.testing.assert_array_equal(report.steps["forward difference"],
                                  [(2.0 + 2.0 * h) - 2.0, (500.0 + 500.0 * h) - 500.0])
    assert "forward difference (h=3.0e-08..7.5e-06)" in str(report)
    np.testing.assert_allclose(report.values["Richardson (central, 4 levels)"],
                               [1 / 2.0 + 500.0, 2.0 - math.cos(500.0)], rtol=1e-11)


def test_error_vs_step_records_the_steps_taken():
    sweep = ad.error_vs_step(m.sin, 1e5, steps=[1e-8, 1e-6])
    np.testing.assert_allclose(sweep.taken, [1e-3, 1e-1], rtol=1e-8)
    assert "steps taken h max(1, |x|) = 1e-03 ... 1e-01" in sweep.text_chart()


def test_cli_check_far_out():
    out = run("check", "sin(x)", "--at", "x=1e5")
    assert out.returncode == 0, out.stderr
    line, = [ln for ln in out.stdout.splitlines() if ln.startswith("Richardson")]
    assert "(h=4.8e-02)" in line
    assert abs(float(line.split()[-3]) - math.cos(1e5)) < 1e-12
