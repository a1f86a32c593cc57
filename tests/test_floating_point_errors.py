"""NumPy's floating-point errors inside transformations (dualad.base.fpe).

The primal is the user's program: inside jvp/jacfwd/hessian it warns, raises under
np.seterr(all="raise"), or calls the user's callback exactly where plain NumPy does. The
tangent arithmetic is dualad's (sqrt'(0) = inf, products the lane rule discards, the inner
tangent of a nested differentiation): it never warns and never raises.
"""
import io
import warnings

import numpy as np
import pytest

import dualad as ad
import dualad.math as dm
from dualad.base import buffers as _buffers

X0 = np.array([0.0, 1.0])

PRIMAL_ERRORS = [   # (f, the error NumPy reports for f(X0) on plain arrays)
    pytest.param(np.log, "divide by zero", id="log"),
    pytest.param(lambda x: 1 / x, "divide by zero", id="reciprocal"),
    pytest.param(lambda x: x ** -1.0, "divide by zero", id="power"),
    pytest.param(lambda x: np.sqrt(x - 1.0), "invalid value", id="sqrt-negative"),
    pytest.param(lambda x: np.exp(x * 800.0), "overflow", id="exp-overflow"),
    pytest.param(lambda x: np.sum(np.log(x)), "divide by zero", id="log-then-sum"),
    pytest.param(lambda x: np.log(np.sum(x) * 0.0), "divide by zero", id="sum-then-log"),
    pytest.param(lambda x: np.prod(np.array([1e200, 1e200]) * x[1]), "overflow", id="prod"),
]


def _numpy_reports(f):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f(X0)
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("f, kind", PRIMAL_ERRORS)
def test_plain_numpy_reports_the_error(f, kind):
    # the reference: what plain NumPy does on f at X0
    assert any(kind in m for m in _numpy_reports(f))


@pytest.mark.parametrize("f, kind", PRIMAL_ERRORS)
@pytest.mark.parametrize("transform", [
    pytest.param(lambda f: ad.jvp(f, (X0,), (np.ones(2),)), id="jvp"),
    pytest.param(lambda f: ad.jacfwd(f)(X0), id="jacfwd"),
    pytest.param(lambda f: ad.jacfwd(f, chunk_size=1)(X0), id="jacfwd-chunk1"),
    pytest.param(lambda f: ad.jvp(lambda u: ad.jvp(f, (u,), (np.ones(2),))[0], (X0,),
                                  (np.ones(2),)), id="jvp-of-jvp"),
])
def test_a_primal_error_warns_and_raises_as_in_numpy(f, kind, transform):
    with pytest.warns(RuntimeWarning, match=kind):
        transform(f)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match=kind):
        transform(f)


def test_the_warning_points_at_the_users_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ad.jvp(np.log, (X0,), (np.ones(2),))
    assert caught and caught[0].filename == __file__


def test_a_plain_numpy_operation_inside_f_warns():
    f = lambda x: x * np.log(np.array([0.0, 1.0]))   # noqa: E731  (no dual in the log)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        ad.jvp(f, (np.ones(2),), (np.ones(2),))


def test_the_users_errstate_inside_f_is_kept():
    def f(x):
        with np.errstate(divide="ignore"):
            return np.log(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        primal, tangent = ad.jvp(f, (X0,), (np.ones(2),))
    assert primal[0] == -np.inf and tangent[1] == 1.0


def test_call_and_log_modes_reach_the_users_callback():
    seen = []
    with np.errstate(all="call", call=lambda kind, flag: seen.append(kind)):
        ad.jvp(np.log, (X0,), (np.ones(2),))
    assert seen == ["divide by zero"]
    log = io.StringIO()
    with np.errstate(all="log", call=log):
        ad.jacfwd(np.log)(X0)
    assert "divide by zero" in log.getvalue()


def test_ignore_mode_is_silent():
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isneginf(ad.jvp(np.log, (X0,), (np.ones(2),))[0][0])


TANGENT_ONLY = [   # a finite primal whose tangent arithmetic meets inf or 0 * inf
    pytest.param(lambda: ad.jacfwd(lambda v: dm.sqrt(v[0]) * v[1])(np.zeros(2)),
                 id="scalar-dual-k-tangent"),
    pytest.param(lambda: ad.jacfwd(lambda x: np.sqrt(x) * np.array([1., -1.]))(np.zeros(2)),
                 id="sqrt-at-0"),
    pytest.param(lambda: ad.hessian(lambda v: np.sum(np.sqrt(v) ** 3))(np.zeros(2)),
                 id="hessian-at-0"),
    pytest.param(lambda: ad.jvp(lambda u: ad.jvp(np.sqrt, (u,), (np.array([0.0, 1.0]),))[1],
                                (X0,), (np.ones(2),)), id="inner-tangent-is-outer-primal"),
    pytest.param(lambda: ad.hessian(lambda v: dm.tanh(v[1]) + v[0] * v[1])([0.5, 400.0]),
                 id="tanh-far-out"),
    pytest.param(lambda: ad.derivative(lambda y: ad.derivative(np.tanh, y), 400.0),
                 id="derivative-of-derivative"),
]


@pytest.mark.parametrize("run", TANGENT_ONLY)
def test_dualads_own_arithmetic_neither_warns_nor_raises(run):
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        run()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run()


def test_an_operation_split_across_threads_reports_once():
    n = 2 * _buffers.SPLIT_MIN
    x = np.linspace(-1.0, 1.0, n)   # log of the negative half: invalid; of x = 0 never hit
    before = ad.get_num_threads()
    ad.set_num_threads(2)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            primal, tangent = ad.jvp(np.log, (x,), (np.ones(n),))
        with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="invalid"):
            ad.jvp(np.log, (x,), (np.ones(n),))
    finally:
        ad.set_num_threads(before)
    messages = [str(w.message) for w in caught]
    assert messages == ["invalid value encountered in log"]
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(primal, np.log(x))


@pytest.mark.parametrize("f, kind", PRIMAL_ERRORS)
def test_each_error_is_reported_as_often_as_numpy_reports_it(f, kind):
    # a fast path that falls back to the rule path evaluates the primal again: that
    # second evaluation must not report again
    def reports(run):
        seen = []
        with np.errstate(all="call", call=lambda k, flag: seen.append(k)):
            run()
        return seen
    assert reports(lambda: ad.jvp(f, (X0,), (np.ones(2),))) == reports(lambda: f(X0))
