"""Input safety: copies, bad options and misuse get a clear error or a correct answer,
never a silently shared object, a NaN table or a made-up number."""
import copy
import math

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad.arrays.array import DualArray
from dualad.core.number import DroppedDerivative


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


# --- chunk_size ----------------------------------------------------------------------

SQUARES = lambda v: v[0] ** 2 + v[1] ** 2   # noqa: E731  gradient 2 v


@pytest.mark.parametrize("x", [2.0, [1.0, 2.0], np.array([1.0, 2.0]),
                               [mpmath.mpf(1), mpmath.mpf(2)]],
                         ids=["scalar", "list", "array", "mpmath"])
@pytest.mark.parametrize("chunk_size, error", [(-1, ValueError), (0, ValueError),
                                               (True, TypeError), (1.5, TypeError),
                                               ("2", TypeError)])
def test_gradient_refuses_a_bad_chunk_size_for_every_input(x, chunk_size, error):
    f = (lambda t: t * t) if isinstance(x, float) else SQUARES
    with pytest.raises(error, match="gradient: chunk_size must be a positive int"):
        ad.gradient(f, x, chunk_size=chunk_size)


@pytest.mark.parametrize("chunk_size", [-1, 0, True, 2.0])
def test_jacfwd_and_jacobian_refuse_a_bad_chunk_size(chunk_size):
    with pytest.raises((TypeError, ValueError), match="jacfwd: chunk_size"):
        ad.jacfwd(np.sin, chunk_size=chunk_size)
    with pytest.raises((TypeError, ValueError), match="jacfwd: chunk_size"):
        ad.jacobian(np.sin, 2.0, chunk_size=chunk_size)


@pytest.mark.parametrize("chunk_size", [1, 2, np.int64(1)])
def test_a_good_chunk_size_gives_the_gradient(chunk_size):
    g = ad.gradient(SQUARES, np.array([1.0, 2.0]), chunk_size=chunk_size)
    assert g.tolist() == [2.0, 4.0]   # 2 v


# --- argnums -----------------------------------------------------------------------

def product(x, y):
    return x * y   # d/dx = y, d/dy = x


@pytest.mark.parametrize("argnums", [(0, 0), (1, 1, 0)])
def test_jacfwd_refuses_repeated_argnums(argnums):
    with pytest.raises(ValueError, match="more than once"):
        ad.jacfwd(product, argnums=argnums)


@pytest.mark.parametrize("argnums", [(0, -2), (-1, 1)])
def test_jacfwd_refuses_argnums_that_name_one_argument_twice_after_counting_from_the_end(
        argnums):
    with pytest.raises(ValueError, match="more than once"):
        ad.jacfwd(product, argnums=argnums)(2.0, 3.0)


@pytest.mark.parametrize("argnums", [(0, 2), (-3,), 2])
def test_jacfwd_refuses_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match="positional argument"):
        ad.jacfwd(product, argnums=argnums)(2.0, 3.0)


def test_negative_argnums_count_from_the_end_as_in_jax():
    dx, dy = ad.jacfwd(product, argnums=(-2, -1))(2.0, 3.0)
    assert (float(dx), float(dy)) == (3.0, 2.0)
    (dy,) = ad.jacfwd(product, argnums=(-1,))(2.0, 3.0)
    assert float(dy) == 2.0


# --- set_num_threads -----------------------------------------------------------------

def test_set_num_threads_refuses_tens_of_thousands_of_threads():
    import threading
    before, started = ad.get_num_threads(), threading.active_count()
    with pytest.raises(ValueError, match="set_num_threads: n=40000 is more than"):
        ad.set_num_threads(40000)
    assert ad.get_num_threads() == before
    assert threading.active_count() == started


def test_set_num_threads_accepts_a_few_per_cpu():
    import os
    from dualad.base.buffers import MAX_THREADS
    before = ad.get_num_threads()
    assert MAX_THREADS == 4 * os.cpu_count()
    try:
        ad.set_num_threads(MAX_THREADS)
        assert ad.get_num_threads() == MAX_THREADS
    finally:
        ad.set_num_threads(before)


# --- storing a dual into a float array -----------------------------------------------

def fill_plain(x):
    y = np.zeros(2)
    y[0] = 2 * x[0]
    y[1] = x[0] * x[1]
    return y


def fill_like(x):
    y = np.zeros_like(x)
    y[0] = 2 * x[0]
    y[1] = x[0] * x[1]
    return y


def test_storing_a_dual_into_a_float_array_suggests_zeros_like():
    with pytest.raises(TypeError, match=r"np\.zeros_like\(x\)"):
        ad.jacobian(fill_plain, np.array([1.0, 3.0]))


def test_the_suggested_zeros_like_gives_the_jacobian():
    # f = (2 x0, x0 x1): J = [[2, 0], [x1, x0]]
    assert ad.jacobian(fill_like, np.array([1.0, 3.0])).tolist() == [[2.0, 0.0], [3.0, 1.0]]


@pytest.mark.parametrize("convert", [float, int, complex])
def test_conversions_of_a_dual_still_say_the_derivative_would_be_dropped(convert):
    with pytest.raises(TypeError, match=rf"{convert.__name__}\(\) of a Dual would drop its "
                                        "derivative.*d\\.value"):
        convert(ad.Dual(1.5))


# --- compiled code that swallows a dual's refusal of float() ---------------------------

scipy_optimize = pytest.importorskip("scipy.optimize")


def sqrt_by_brentq(a):
    return scipy_optimize.brentq(lambda x: x * x - a, 0.0, 5.0)


@pytest.mark.parametrize("transform", [
    lambda: ad.derivative(sqrt_by_brentq, 2.0),
    lambda: ad.derivative(sqrt_by_brentq, 2.0, n=2),
    lambda: ad.jvp(sqrt_by_brentq, (2.0,), (1.0,)),
    lambda: ad.jacfwd(sqrt_by_brentq)(2.0),
    lambda: ad.gradient(lambda v: sqrt_by_brentq(v[0]), np.array([2.0])),
], ids=["derivative", "derivative n=2", "jvp", "jacfwd", "gradient"])
def test_brentq_on_a_dual_is_a_plain_type_error(transform):
    # brentq's C loop calls float() on f's value and ignores the refusal; Python then
    # raised "SystemError: <class 'type'> returned a result with an exception set" (or,
    # once its interpreter has specialised the code, the pending refusal itself)
    with pytest.raises(TypeError, match="brentq") as info:
        transform()
    assert not isinstance(info.value, SystemError)
    assert "drop" in str(info.value) + str(info.value.__cause__)


def test_a_refusal_cleared_inside_compiled_code_is_still_explained():
    # CPython's specialised code can clear the pending refusal inside brentq's C loop;
    # brentq then raises only its own error on the value it got instead. The refusal was
    # made while f ran, and the error is explained by it.
    def f(x):
        try:
            float(x)
        except TypeError:
            pass   # as the compiled loop does when the refusal is cleared
        raise ValueError("f(a) and f(b) must have different signs")
    with pytest.raises(TypeError, match="must have different signs") as info:
        ad.derivative(f, 2.0)
    assert isinstance(info.value.__cause__, DroppedDerivative) or \
        "drop" in str(info.value.__cause__)


def test_a_system_error_of_f_itself_is_left_alone():
    def f(x):
        raise SystemError("something else")
    with pytest.raises(SystemError, match="something else"):
        ad.derivative(f, 1.0)


# --- duals that escape their transformation -----------------------------------------

from dualad.base.tags import EscapedDualError  # noqa: E402


def escaped_dual(transform=None):
    """A dual kept from the f of a transformation that has returned."""
    kept = []

    def f(x):
        kept.append(x)
        return x * x
    (transform or (lambda g: ad.derivative(g, 1.0)))(f)
    return kept[0]


def test_a_dual_escaped_from_a_derivative_is_refused_in_the_next_one():
    leak = escaped_dual()
    with pytest.raises(EscapedDualError, match="finished differentiation"):
        ad.derivative(lambda y: y * leak, 2.0)   # was 1.0 silently (the leak's tangent)


def test_an_escaped_dual_returned_by_f_is_refused():
    leak = escaped_dual()
    with pytest.raises(EscapedDualError):
        ad.jvp(lambda y: leak, (2.0,), (1.0,))


def test_an_escaped_dual_met_by_an_array_dual_is_refused():
    leak = escaped_dual()
    with pytest.raises(EscapedDualError):
        ad.jacfwd(lambda y: np.sin(y) * leak)(np.ones(3))


def test_an_escaped_array_dual_is_refused():
    leak = escaped_dual(lambda g: ad.jacfwd(g)(np.ones(2)))
    with pytest.raises(EscapedDualError):
        ad.gradient(lambda y: np.sum(y * leak), np.ones(2))


def test_a_dual_kept_from_one_chunk_is_refused_in_the_next_chunk():
    kept = []

    def f(x):
        if not kept:
            kept.append(x)
        return x * kept[0]
    with pytest.raises(EscapedDualError):
        ad.jacfwd(f, chunk_size=1)(np.ones(2))


def test_an_escaped_taylor_jet_is_refused():
    leak = escaped_dual(lambda g: ad.taylor(g, 1.0, 3))
    with pytest.raises(EscapedDualError):
        ad.derivative(lambda y: y * leak, 2.0)


def test_a_dual_escaped_from_an_inner_transformation_is_refused_in_the_outer_one():
    kept = []

    def outer(x):
        ad.derivative(lambda y: kept.append(y) or x * y, 1.0)
        return x * kept[0]
    with pytest.raises(EscapedDualError):
        ad.derivative(outer, 2.0)


def test_the_outer_dual_in_a_nested_derivative_is_not_an_escape():
    # d/dx [x * d/dy (x + y)] = d/dx x = 1
    assert ad.derivative(lambda x: x * ad.derivative(lambda y: x + y, 1.0), 1.0) == 1.0


def test_an_escaped_dual_still_computes_on_its_own():
    leak = escaped_dual()            # x = 1 + ε
    y = leak * 2.0 + ad.math.sin(leak)
    assert (y.value, y.tangent) == (2.0 + math.sin(1.0), 2.0 + math.cos(1.0))


def test_brentq_inside_a_trace_is_a_plain_type_error():
    # as on a dual: brentq's C loop swallows the traced value's refusal of float()
    # (once the interpreter has specialised the code, the pending refusal itself comes out)
    with pytest.raises(TypeError, match="brentq") as info:
        ad.trace(sqrt_by_brentq, 2.0)
    assert not isinstance(info.value, SystemError)
    assert isinstance(info.value, DroppedDerivative) or \
        isinstance(info.value.__cause__, DroppedDerivative)


def test_brentq_inside_sparsity_detection_is_a_plain_type_error():
    # brentq looks at f's value (np.isnan) before its C loop asks for a float: refused
    with pytest.raises(TypeError, match="sparsity detection") as info:
        ad.jacobian_sparsity(lambda v: sqrt_by_brentq(v[0]), np.array([2.0]))
    assert not isinstance(info.value, SystemError)


def _swallowing_c_function(v):
    """What CPython does when compiled code ignores an error float() set: the next call
    reports SystemError, the pending error as its cause."""
    try:
        float(v)
    except TypeError as refusal:
        raise SystemError("<built-in function f> returned a result with an exception set") \
            from refusal
    return 0.0


@pytest.mark.parametrize("detect", [
    lambda f: ad.jacobian_sparsity(lambda v: f(v[0]) + v[0], np.array([2.0])),
    lambda f: ad.jacobian_sparsity(lambda v: f(v) + v, np.array([2.0, 3.0])),
    lambda f: ad.jacfwd(lambda v: f(v[0]) + v, sparsity="auto")(np.array([2.0])),
], ids=["scalar pattern", "pattern array", "jacfwd sparsity=auto"])
def test_a_swallowed_refusal_of_a_pattern_value_is_a_plain_type_error(detect):
    with pytest.raises(TypeError, match="compiled code that needs a plain float") as info:
        detect(_swallowing_c_function)
    assert not isinstance(info.value, SystemError)
