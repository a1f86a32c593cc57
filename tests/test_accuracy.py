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
    gradient, sign_lost = example.main(str(tmp_path / "v.png"))
    assert gradient.tolist() == [2.0 * i for i in range(1, 1001)]
    assert len(sign_lost) >= 1
