"""Input safety: copies, bad options and misuse get a clear error or a correct answer,
never a silently shared object, a NaN table or a made-up number."""
import copy
import math

import numpy as np
import pytest

import dualad as ad
from dualad.array import DualArray


# --- copy and deepcopy --------------------------------------------------------------

def test_deepcopy_of_a_dual_owns_its_tangent():
    d = ad.Dual(2.0, [1.0, 0.0])
    c = copy.deepcopy(d)
    c.tangent[0] = 7.0
    assert c is not d
    assert d.tangent.tolist() == [1.0, 0.0]
    assert c.value == 2.0 and c.tag == d.tag


def test_copy_of_a_dual_is_a_new_dual():
    d = ad.Dual(2.0, [1.0, 0.0])
    c = copy.copy(d)
    c.value = 5.0
    c.tangent[1] = 3.0
    assert (d.value, d.tangent.tolist()) == (2.0, [1.0, 0.0])


def test_deepcopy_of_a_nested_dual_copies_every_level():
    inner = ad.Dual(3.0, [1.0])
    d = ad.Dual(inner, 2.0)
    c = copy.deepcopy(d)
    c.value.tangent[0] = 9.0
    assert inner.tangent.tolist() == [1.0]
    assert c.value.value == 3.0 and c.tag == d.tag


def test_deepcopy_keeps_shared_duals_shared():
    d = ad.Dual(1.0, [1.0])
    a, b = copy.deepcopy([d, d])
    assert a is b and a is not d


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy])
def test_copies_of_a_dual_array_do_not_share_data(copier):
    x = DualArray(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    y = copier(x)
    y[0] = 5.0
    assert x.value.tolist() == [1.0, 2.0] and x.tangent.tolist() == [1.0, 0.0]
    assert y.value.tolist() == [5.0, 2.0]


# --- ad.check ----------------------------------------------------------------------

@pytest.mark.parametrize("step", [0, 0.0, -1e-3, math.nan, math.inf])
def test_check_refuses_a_step_that_is_not_positive_and_finite(step):
    with pytest.raises(ValueError, match="step"):
        ad.check(ad.math.sin, 1.0, step=step)


@pytest.mark.parametrize("step", ["0.1", True, [1e-3]])
def test_check_refuses_a_step_that_is_not_a_number(step):
    with pytest.raises(TypeError, match="step"):
        ad.check(ad.math.sin, 1.0, step=step)


def test_check_with_a_good_step_reports_it():
    report = ad.check(ad.math.sin, 1.0, step=1e-4)
    central = report.values["central difference, your step"]
    assert abs(central - math.cos(1.0)) < 1e-8   # h^2/6 |cos| ~ 1e-9


@pytest.mark.parametrize("f", [lambda x: "s", lambda x: None, lambda x: [x, "s"],
                               lambda x: True, lambda x: []])
def test_check_refuses_an_f_that_does_not_return_numbers(f):
    with pytest.raises(TypeError, match="f returned"):
        ad.check(f, 1.0)


def test_check_says_when_only_the_mpmath_reference_fails():
    # math.sin takes floats but not duals: there is no reference, so no report
    with pytest.raises(TypeError, match="no mpmath reference"):
        ad.check(math.sin, 1.0)


def test_check_of_a_constant_has_reference_zero():
    assert ad.check(lambda x: 3.0, 1.0).reference == 0.0   # d/dx 3 = 0
